-- Shared temp macros and tables of the STO / Techniekpact monitoring marts. Every monitoring asset that
-- needs them runs this file first on its own connection (temp objects live per connection).

-- Great-circle distance (haversine) in km on a sphere of radius r; least() guards rounding above 1.
CREATE OR REPLACE TEMP MACRO haversine_km(lat1, lon1, lat2, lon2, r) AS
    2 * r * asin(least(1.0, sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2))));

-- Radius label: 10.0 -> '10', 7.5 -> '7.5'.
CREATE OR REPLACE TEMP MACRO radius_label(r) AS regexp_replace(CAST(r AS VARCHAR), '\.0+$', '');

-- Profile flags in long form (profile_code, flag, value): every boolean classification column of the
-- versioned profile dimension, so marts join on a flag *name* taken from config.
CREATE OR REPLACE TEMP TABLE profile_flag AS
UNPIVOT (SELECT * EXCLUDE (name, kind, sector, config_version) FROM core.vmbo_profile)
ON COLUMNS(* EXCLUDE (profile_code))
INTO NAME flag VALUE value;
