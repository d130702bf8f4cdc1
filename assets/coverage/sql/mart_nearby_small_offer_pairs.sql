-- marts.nearby_small_offer_pairs: the audit table of STO "duurzaam" DU2 (nearby small offer): every pair of
-- school locations that both offer the same profile with few pupils and lie within reach of each other, per
-- peiljaar × leerweg × profile × grid cell (max_distance_km × max_small_pupils), with the same-instelling flag.
-- Offer and pupils: marts.profile_offer_location (B/K/G bovenbouw; offered = n >= its min_pupils_offered, the
-- SEOR rule, stated per row there). leerweg 'all' = n_bovenbouw; leerweg BB/KB/GL = that leerweg's pupils
-- (n_by_leerweg): a location offers the profile in a leerweg when that count reaches min_pupils_offered.
-- Small: n <= max_small_pupils. Within reach: haversine distance <= max_distance_km. Censored '<5' cells count
-- with the configured point value (as in marts.profile_offer_location; n_censored_a/b flag such counts).
-- same_instelling: the first $instelling_code_length characters of both vestiging codes (the BRIN /
-- instellingscode) agree; counted = NOT (same_instelling AND $exclude_same_instelling).
-- Candidate pairs come from one self-join with a bounding-box prefilter for the largest distance of the grid
-- (latitude band ±dlat, longitude band widened for the pair's highest latitude), then the exact distance; each
-- pair is repeated for every grid cell it falls in. vestiging_a < vestiging_b.
-- Coordinates: core.pupil_locations (per peiljaar, that year's address snapshot); unplaced locations form no pair.
-- Inputs: marts.profile_offer_location, core.pupil_locations.
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (haversine_km).
-- Parameters: $earth_radius_km, $max_distances_km (list), $max_small_pupils (list), $leerwegen (list),
--   $profile_kinds (list), $exclude_same_instelling, $instelling_code_length.
CREATE OR REPLACE TABLE marts.nearby_small_offer_pairs AS
WITH offer AS (
    SELECT o.peiljaar, o.vestiging_code, o.location_name, o.profile_code, o.min_pupils_offered,
           'all' AS leerweg, o.n_bovenbouw AS n, o.censored_cells > 0 AS censored
    FROM marts.profile_offer_location o
    WHERE list_contains($profile_kinds, o.profile_kind) AND o.n_bovenbouw > 0
    UNION ALL
    SELECT o.peiljaar, o.vestiging_code, o.location_name, o.profile_code, o.min_pupils_offered,
           l.leerweg, coalesce(o.n_by_leerweg[l.leerweg], 0) AS n, o.censored_cells > 0 AS censored
    FROM marts.profile_offer_location o
    CROSS JOIN (SELECT unnest($leerwegen::VARCHAR[]) AS leerweg) l
    WHERE list_contains($profile_kinds, o.profile_kind) AND o.n_bovenbouw > 0
),
small AS (
    SELECT f.*, g.lat, g.lon, left(f.vestiging_code, $instelling_code_length) AS instelling_code
    FROM offer f
    JOIN core.pupil_locations g ON g.peiljaar = f.peiljaar AND g.vestiging_code = f.vestiging_code
    WHERE f.n >= f.min_pupils_offered AND f.n <= list_max($max_small_pupils::INTEGER[]) AND g.lat IS NOT NULL
),
box AS (
    SELECT degrees(list_max($max_distances_km::DOUBLE[]) / $earth_radius_km) AS dlat
),
pairs AS (
    SELECT
        a.peiljaar, a.leerweg, a.profile_code, a.vestiging_code AS vestiging_a, b.vestiging_code AS vestiging_b,
        a.location_name AS name_a, b.location_name AS name_b,
        haversine_km(a.lat, a.lon, b.lat, b.lon, $earth_radius_km) AS distance_km,
        a.n AS n_a, b.n AS n_b, a.censored AS n_censored_a, b.censored AS n_censored_b,
        a.instelling_code = b.instelling_code AS same_instelling
    FROM small a
    CROSS JOIN box
    JOIN small b
      ON b.peiljaar = a.peiljaar AND b.leerweg = a.leerweg AND b.profile_code = a.profile_code
     AND a.vestiging_code < b.vestiging_code
     AND b.lat BETWEEN a.lat - box.dlat AND a.lat + box.dlat
     AND b.lon BETWEEN a.lon - box.dlat / cos(radians(abs(a.lat) + box.dlat))
                   AND a.lon + box.dlat / cos(radians(abs(a.lat) + box.dlat))
),
grid AS (
    SELECT d.max_distance_km, s.max_small_pupils
    FROM (SELECT unnest($max_distances_km::DOUBLE[]) AS max_distance_km) d
    CROSS JOIN (SELECT unnest($max_small_pupils::INTEGER[]) AS max_small_pupils) s
)
SELECT
    p.peiljaar, p.leerweg, p.profile_code, g.max_distance_km, g.max_small_pupils,
    p.vestiging_a, p.vestiging_b, p.name_a, p.name_b, p.distance_km, p.n_a, p.n_b, p.n_censored_a, p.n_censored_b,
    p.same_instelling,
    NOT (p.same_instelling AND $exclude_same_instelling::BOOLEAN) AS counted
FROM pairs p
JOIN grid g ON p.distance_km <= g.max_distance_km AND greatest(p.n_a, p.n_b) <= g.max_small_pupils
ORDER BY p.peiljaar, p.leerweg, p.profile_code, g.max_distance_km, g.max_small_pupils, p.vestiging_a, p.vestiging_b;
