-- core.scope_membership: the geographic scopes of each vestiging, the scope dimension of the regional
-- monitoring marts (marts.profile_offer_region, profile_supply_campus, techniek_share, techniekarm, pupil_trend).
-- Inputs: core.scope_national (the national level, from the pupil data alone), core.duo_vo_students,
-- core.pupil_locations, core.campuses, core.campus_radii (pipeline.yaml reach.sensitivity_radii_km),
-- raw.sto_region_map (empty when no mapping file is given).
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (haversine_km, radius_label).
-- Parameters: $earth_radius_km (pipeline.yaml geocoding), $unknown (scope code of locations a level cannot
-- place, monitoring.yaml unknown_scope_code), $scopes (scope types to build, monitoring.yaml scopes).

-- Geographic scopes per vestiging. Partitioning levels (national, provincie, gemeente, corop, rmc,
-- onderwijsgebied, sto_region): each vestiging with pupils in any loaded year gets exactly one scope per
-- level; a vestiging missing from the address file (or from the STO mapping) gets scope_code $unknown, so
-- each level sums to the national figure. provincie falls back to the pupils file's province.
-- campus_radius (overlapping): geocoded vestigingen within radius_km of a campus (haversine).
CREATE OR REPLACE TABLE core.scope_membership AS
WITH v AS (
    SELECT vestiging_code, min(provincie) AS provincie_pupils_file
    FROM core.duo_vo_students
    GROUP BY vestiging_code
),
-- Regions and coordinates per vestiging from core.pupil_locations (each peiljaar resolved against its best
-- address snapshot): the latest peiljaar in which the vestiging is placed, else its latest peiljaar.
a AS (
    SELECT * FROM (
        SELECT pl.*, row_number() OVER (
            PARTITION BY pl.vestiging_code ORDER BY (pl.lat IS NULL), (NOT pl.in_address_file), pl.peiljaar DESC
        ) AS rn
        FROM core.pupil_locations pl
    ) WHERE rn = 1
),
l AS (
    SELECT
        v.vestiging_code,
        coalesce(a.provincie, v.provincie_pupils_file) AS provincie,
        a.gemeente_code, a.gemeente_name, a.corop_code, a.corop_name, a.rmc_code, a.rmc_name,
        a.onderwijsgebied_code, a.onderwijsgebied_name, a.lat, a.lon
    FROM v
    LEFT JOIN a ON a.vestiging_code = v.vestiging_code
),
scoped AS (
    SELECT vestiging_code, scope_type, scope_code, scope_name, radius_km, campus_code
    FROM core.scope_national
    UNION ALL
    SELECT vestiging_code, 'provincie', coalesce(provincie, $unknown), coalesce(provincie, 'province unknown'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'gemeente', coalesce(gemeente_code, $unknown), coalesce(gemeente_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'corop', coalesce(corop_code, $unknown), coalesce(corop_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'rmc', coalesce(rmc_code, $unknown), coalesce(rmc_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'onderwijsgebied', coalesce(onderwijsgebied_code, $unknown),
           coalesce(onderwijsgebied_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT l.vestiging_code, 'sto_region', coalesce(m.sto_region_code, $unknown),
           coalesce(m.sto_region_name, 'not in the STO-region mapping'), NULL, NULL
    FROM l
    LEFT JOIN raw.sto_region_map m ON m.vestiging_code = l.vestiging_code
    WHERE (SELECT count(*) FROM raw.sto_region_map) > 0
    UNION ALL
    SELECT l.vestiging_code, 'campus_radius', c.campus_code || '@' || radius_label(r.radius_km) || 'km',
           c.name || ', ' || radius_label(r.radius_km) || ' km', r.radius_km, c.campus_code
    FROM l
    CROSS JOIN core.campuses c
    CROSS JOIN core.campus_radii r
    WHERE l.lat IS NOT NULL AND c.lat IS NOT NULL
      AND haversine_km(c.lat, c.lon, l.lat, l.lon, $earth_radius_km) <= r.radius_km
)
SELECT * FROM scoped WHERE list_contains($scopes, scope_type);
