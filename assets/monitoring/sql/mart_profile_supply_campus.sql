-- marts.profile_supply_campus: SEOR 2023 table 5.1/5.2 for every loaded peiljaar, campus and radius.
-- Method (spec README §1, tabel_5_method): base = all pupils of $onderwijstypes (vmbo B/K/G; DUO reports
-- them in leerjaren $leerjaren) at school locations within radius_km (haversine, earth radius
-- $earth_radius_km) of the campus. pct = share of those pupils at a location that offers the measure:
--   flag measures (core.supply_measures, monitoring.yaml profile_supply.flag_measures):
--     any_techniek = at least one profile with flag seor_some_techniek; hard_techniek = flag seor_hard;
--   single-profile measures: one per profile of kinds $single_kinds (the ten vmbo profiles).
-- A profile is offered at a location when >= $min_offered of these pupils follow it there (same rule as
-- marts.profile_offer_location). Radii: core.campus_radii (pipeline.yaml reach.sensitivity_radii_km).
-- Every peiljaar × campus × radius × measure has a row; with no location in reach n_pupils_base = 0 and
-- pct is NULL. Locations without coordinates cannot be placed and are not in any base. Coordinates come
-- from core.pupil_locations (each peiljaar resolved against its best address snapshot).
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (haversine_km).
-- Censored cells: '<5' counted as the configured point value; censored_cells counts those in the base.
-- Parameters: $earth_radius_km, $leerjaren, $min_offered, $onderwijstypes, $point_value, $single_kinds.
CREATE OR REPLACE TABLE marts.profile_supply_campus AS
WITH cells AS (
    SELECT s.peiljaar, s.vestiging_code, s.profile_code, s.n, s.n_censored
    FROM core.duo_vo_students s
    WHERE list_contains($onderwijstypes, s.onderwijstype) AND list_contains($leerjaren, s.leerjaar)
),
loc AS (
    SELECT peiljaar, vestiging_code, sum(n)::BIGINT AS n_pupils, count(*) FILTER (WHERE n_censored) AS censored_cells
    FROM cells GROUP BY ALL
),
offered AS (
    SELECT peiljaar, vestiging_code, profile_code
    FROM cells WHERE profile_code IS NOT NULL
    GROUP BY ALL
    HAVING sum(n) >= $min_offered
),
measure_profile AS (
    SELECT m.measure, f.profile_code
    FROM core.supply_measures m
    JOIN core.profile_flags f ON f.flag = m.profile_flag AND f.value
    UNION ALL
    SELECT p.profile_code, p.profile_code FROM core.vmbo_profile p WHERE list_contains($single_kinds, p.kind)
),
measure_list AS (
    SELECT measure, 'flag' AS measure_kind, profile_flag FROM core.supply_measures
    UNION ALL
    SELECT p.profile_code, 'profile', NULL FROM core.vmbo_profile p WHERE list_contains($single_kinds, p.kind)
),
loc_measure AS (
    SELECT DISTINCT o.peiljaar, o.vestiging_code, mp.measure
    FROM offered o JOIN measure_profile mp ON mp.profile_code = o.profile_code
),
within AS (
    SELECT c.campus_code, r.radius_km, l.peiljaar, l.vestiging_code, l.n_pupils, l.censored_cells
    FROM loc l
    JOIN core.pupil_locations g ON g.peiljaar = l.peiljaar AND g.vestiging_code = l.vestiging_code
    CROSS JOIN core.campuses c
    CROSS JOIN core.campus_radii r
    WHERE g.lat IS NOT NULL AND c.lat IS NOT NULL
      AND haversine_km(c.lat, c.lon, g.lat, g.lon, $earth_radius_km) <= r.radius_km
),
grid AS (
    SELECT y.peiljaar, c.campus_code, c.name AS campus_name, r.radius_km, m.measure, m.measure_kind, m.profile_flag
    FROM (SELECT DISTINCT peiljaar FROM core.duo_vo_students) y
    CROSS JOIN core.campuses c
    CROSS JOIN core.campus_radii r
    CROSS JOIN measure_list m
)
SELECT
    g.peiljaar, g.campus_code, g.campus_name, g.radius_km, g.measure, g.measure_kind, g.profile_flag,
    100.0 * coalesce(sum(w.n_pupils) FILTER (WHERE lm.vestiging_code IS NOT NULL), 0)
          / nullif(sum(w.n_pupils), 0) AS pct,
    coalesce(sum(w.n_pupils), 0)::BIGINT AS n_pupils_base,
    coalesce(sum(w.n_pupils) FILTER (WHERE lm.vestiging_code IS NOT NULL), 0)::BIGINT AS n_pupils_offering,
    count(w.vestiging_code) AS n_locations,
    count(lm.vestiging_code) AS n_locations_offering,
    coalesce(sum(w.censored_cells), 0)::BIGINT AS censored_cells,
    $min_offered::INTEGER AS min_pupils_offered,
    $point_value::INTEGER AS censored_point_value
FROM grid g
LEFT JOIN within w ON w.peiljaar = g.peiljaar AND w.campus_code = g.campus_code AND w.radius_km = g.radius_km
LEFT JOIN loc_measure lm ON lm.peiljaar = w.peiljaar AND lm.vestiging_code = w.vestiging_code AND lm.measure = g.measure
GROUP BY g.peiljaar, g.campus_code, g.campus_name, g.radius_km, g.measure, g.measure_kind, g.profile_flag
ORDER BY g.peiljaar, g.campus_code, g.radius_km, g.measure_kind, g.measure;
