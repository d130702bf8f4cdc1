-- Reach of every candidate initiative (after step 6) for every campus in core.campuses.
-- core.seor_reach_pairs (radius-independent): great-circle (haversine) distance from the initiative's own
-- location, the nearest participating school, national/online flag and documented overrides.
-- marts.initiative_campus_reach: the same pairs evaluated at $radius_km; `method` is the first method of
-- $methods (config order) that applies, `reason` says why in words.
-- Parameters: $earth_radius_km, $radius_km, $methods (VARCHAR[]), $method_labels (VARCHAR[]).
CREATE OR REPLACE TABLE core.seor_reach_pairs AS
WITH cand AS (
    SELECT initiative_id, name, lat, lon, national_online, geography FROM core.seor_candidates
),
pairs AS (
    SELECT c.initiative_id, c.name, c.lat, c.lon, c.national_online, k.campus_code, k.lat AS campus_lat,
           k.lon AS campus_lon
    FROM cand c CROSS JOIN core.campuses k
),
schools AS (
    -- participating schools of every member of the (concentrated) candidate
    SELECT DISTINCT m.initiative_id, s.school_ref, s.lat, s.lon
    FROM core.seor_candidate_members m
    JOIN core.seor_initiative_schools s ON s.initiative_id = m.member_id
    WHERE s.lat IS NOT NULL
),
school_dist AS (
    SELECT s.initiative_id, k.campus_code,
           min(2 * $earth_radius_km * asin(sqrt(
               pow(sin(radians(k.lat - s.lat) / 2), 2)
               + cos(radians(s.lat)) * cos(radians(k.lat)) * pow(sin(radians(k.lon - s.lon) / 2), 2)))) AS d,
           arg_min(s.school_ref, 2 * $earth_radius_km * asin(sqrt(
               pow(sin(radians(k.lat - s.lat) / 2), 2)
               + cos(radians(s.lat)) * cos(radians(k.lat)) * pow(sin(radians(k.lon - s.lon) / 2), 2)))) AS ref,
           count(*) AS n_schools
    FROM schools s CROSS JOIN core.campuses k
    GROUP BY ALL
),
overrides AS (
    SELECT m.initiative_id, trim(o.campus_code) AS campus_code,
           string_agg(DISTINCT i.reach_override_reason, '; ') AS reason
    FROM core.seor_candidate_members m
    JOIN core.seor_initiatives i ON i.initiative_id = m.member_id
    CROSS JOIN unnest(string_split(nullif(i.reach_override_campuses, ''), '|')) AS o(campus_code)
    GROUP BY ALL
)
SELECT
    p.initiative_id,
    p.name,
    p.campus_code,
    2 * $earth_radius_km * asin(sqrt(
        pow(sin(radians(p.campus_lat - p.lat) / 2), 2)
        + cos(radians(p.lat)) * cos(radians(p.campus_lat)) * pow(sin(radians(p.campus_lon - p.lon) / 2), 2)
    )) AS distance_km,
    sd.d AS school_distance_km,
    sd.ref AS nearest_school,
    coalesce(sd.n_schools, 0) AS n_located_schools,
    coalesce(p.national_online, false) AS national_online,
    o.campus_code IS NOT NULL AS override,
    o.reason AS override_reason
FROM pairs p
LEFT JOIN school_dist sd ON sd.initiative_id = p.initiative_id AND sd.campus_code = p.campus_code
LEFT JOIN overrides o ON o.initiative_id = p.initiative_id AND o.campus_code = p.campus_code
ORDER BY p.initiative_id, p.campus_code;

CREATE OR REPLACE TABLE marts.initiative_campus_reach AS
WITH flags AS (
    SELECT r.*,
           $radius_km::DOUBLE AS radius_km,
           coalesce(r.distance_km <= $radius_km, false) AS by_own,
           coalesce(r.school_distance_km <= $radius_km, false) AS by_school,
           r.national_online AS by_national,
           r.override AS by_override
    FROM core.seor_reach_pairs r
),
ranked AS (
    SELECT f.*,
           least(
               CASE WHEN by_own THEN list_position($methods, 'own_location') END,
               CASE WHEN by_school THEN list_position($methods, 'participating_school') END,
               CASE WHEN by_national THEN list_position($methods, 'national_online') END,
               CASE WHEN by_override THEN list_position($methods, 'override') END
           ) AS method_pos
    FROM flags f
)
SELECT
    initiative_id,
    name,
    campus_code,
    (SELECT k.name FROM core.campuses k WHERE k.campus_code = ranked.campus_code) AS campus_name,
    radius_km,
    round(distance_km, 3) AS distance_km,
    round(school_distance_km, 3) AS school_distance_km,
    nearest_school,
    method_pos IS NOT NULL AS reached,
    $methods[method_pos] AS method,
    $method_labels[method_pos] AS method_label,
    CASE $methods[method_pos]
        WHEN 'own_location' THEN 'own location ' || round(distance_km, 2) || ' km from the campus (radius '
            || regexp_replace(radius_km::VARCHAR, '\.0$', '') || ' km)'
        WHEN 'participating_school' THEN 'participating school ' || nearest_school || ' ' || round(school_distance_km, 2)
            || ' km from the campus (radius ' || regexp_replace(radius_km::VARCHAR, '\.0$', '') || ' km)'
        WHEN 'national_online' THEN 'national/online initiative: counts for every campus'
        WHEN 'override' THEN 'documented override: ' || override_reason
    END AS reason,
    by_own,
    by_school,
    by_national,
    by_override,
    override_reason
FROM ranked
ORDER BY initiative_id, campus_code;
