-- core.campuses: campuses from assets/locations/config/campuses.yaml (temp table campus_config), geocoded by
-- the same chain as schools (explicit config lat/lon counts as the override step, method 'config').
CREATE OR REPLACE TABLE core.campuses AS
SELECT
    c.campus_code,
    c.name,
    c.address,
    c.postcode,
    c.city,
    g.lat,
    g.lon,
    CASE g.geocode_method WHEN 'override' THEN 'config' ELSE g.geocode_method END AS geocode_method,
    g.precision_m,
    coalesce(c.source_note, 'geocoded from the printed postcode') AS source_note
FROM campus_config c
JOIN geocode_output g ON g.entity_key = c.campus_code
ORDER BY c.campus_code;
