-- Geocoding chain shared by school locations and campuses. Input: temp table geocode_input
-- (entity_key, pc6, pc4, override_lat, override_lon, override_precision_m, override_note,
-- point_lat, point_lon). Output: temp table geocode_output, one row per entity_key with the first
-- step of the chain that gave coordinates:
--   override (explicit file/config) → address_point → pc6_centroid → pc4_centroid → (PDOK, online,
--   applied afterwards in Python) → none.
-- GeoNames lists some postcodes once per woonplaats: their coordinates are averaged.
-- Parameters: $prec_address_point, $prec_pc6, $prec_pc4 (estimated precision in metres).
CREATE OR REPLACE TEMP TABLE geocode_output AS
WITH pc6 AS (
    SELECT pc6, avg(lat) AS lat, avg(lon) AS lon FROM raw.geonames_pc6 GROUP BY pc6
),
pc4 AS (
    SELECT pc4, avg(lat) AS lat, avg(lon) AS lon FROM raw.geonames_pc4 GROUP BY pc4
)
SELECT
    i.entity_key,
    CASE
        WHEN i.override_lat IS NOT NULL THEN 'override'
        WHEN i.point_lat IS NOT NULL THEN 'address_point'
        WHEN pc6.lat IS NOT NULL THEN 'pc6_centroid'
        WHEN pc4.lat IS NOT NULL THEN 'pc4_centroid'
        ELSE 'none'
    END AS geocode_method,
    coalesce(i.override_lat, i.point_lat, pc6.lat, pc4.lat) AS lat,
    coalesce(i.override_lon, i.point_lon, pc6.lon, pc4.lon) AS lon,
    CASE
        WHEN i.override_lat IS NOT NULL THEN i.override_precision_m
        WHEN i.point_lat IS NOT NULL THEN $prec_address_point
        WHEN pc6.lat IS NOT NULL THEN $prec_pc6
        WHEN pc4.lat IS NOT NULL THEN $prec_pc4
    END::DOUBLE AS precision_m,
    i.override_note AS geocode_note
FROM geocode_input i
LEFT JOIN pc6 ON pc6.pc6 = i.pc6
LEFT JOIN pc4 ON pc4.pc4 = i.pc4;
