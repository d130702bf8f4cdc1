-- marts.campus_initiatives_sensitivity: per campus and radius the number of candidate initiatives (after
-- step 6) that reach it, i.e. table 2.2 recomputed for every radius in core.seor_radii(radius_km);
-- campus_code $total_code = initiatives that reach at least one campus (step 7 at that radius).
-- Overrides count at every radius when $override_all_radii.
-- Parameters: $total_code, $override_all_radii, $default_radius_km.
CREATE OR REPLACE TABLE marts.campus_initiatives_sensitivity AS
WITH reach AS (
    SELECT x.radius_km, r.initiative_id, r.campus_code
    FROM core.seor_reach_pairs r CROSS JOIN core.seor_radii x
    WHERE r.distance_km <= x.radius_km
       OR r.school_distance_km <= x.radius_km
       OR r.national_online
       OR (r.override AND ($override_all_radii OR x.radius_km = $default_radius_km))
),
per AS (
    SELECT radius_km, campus_code, count(DISTINCT initiative_id) AS n FROM reach GROUP BY ALL
),
tot AS (
    SELECT radius_km, count(DISTINCT initiative_id) AS n FROM reach GROUP BY ALL
)
SELECT k.campus_code, k.name AS campus_name, x.radius_km, coalesce(per.n, 0) AS n_initiatives,
       x.radius_km = $default_radius_km AS is_default_radius
FROM core.campuses k CROSS JOIN core.seor_radii x
LEFT JOIN per ON per.campus_code = k.campus_code AND per.radius_km = x.radius_km
UNION ALL
SELECT $total_code, 'all campuses', x.radius_km, coalesce(tot.n, 0), x.radius_km = $default_radius_km
FROM core.seor_radii x LEFT JOIN tot ON tot.radius_km = x.radius_km
ORDER BY radius_km, campus_code;
