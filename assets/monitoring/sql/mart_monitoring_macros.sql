-- Shared temp macros of the monitoring SQL (no tables: every input is a table of the warehouse). A SQL file
-- that uses them names this file in its header line "-- Macros:"; its asset runs this file first on its
-- connection (temp macros live per connection), and tests/test_sql_standalone.py loads it the same way.

-- Great-circle distance (haversine) in km on a sphere of radius r; least() guards rounding above 1.
CREATE OR REPLACE TEMP MACRO haversine_km(lat1, lon1, lat2, lon2, r) AS
    2 * r * asin(least(1.0, sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2))));

-- Radius label: 10.0 -> '10', 7.5 -> '7.5'.
CREATE OR REPLACE TEMP MACRO radius_label(r) AS regexp_replace(CAST(r AS VARCHAR), '\.0+$', '');
