-- core.origin_offer_distance: for every origin of core.coverage_origins (every basis) × offer group of
-- core.offer_groups × offer rule of core.offer_rules ('default', 'strict'): the straight-line distance to the nearest location
-- offering the group in the same peiljaar, and that location.
-- Offering locations: core.offer rows offered under the rule (offered_default / offered_strict) of a
-- profile code of the group, at their coordinates of that peiljaar (core.pupil_locations; unplaced
-- locations cannot be a nearest offer).
-- Distance: haversine on a sphere of radius $earth_radius_km. One set-based pass: candidates inside a box of
-- half-width $box_km around the origin (latitude band ±dlat; longitude band widened for the box's highest
-- latitude) are compared exactly; an origin whose nearest candidate in the box is farther than $box_km, or
-- that has none in the box, is compared against every candidate of its peiljaar (a point outside the box is
-- always farther than $box_km, so the result does not depend on $box_km). Ties: the origin itself first
-- (a location offering the group has distance 0 and is its own nearest), then the lowest vestiging_code.
-- A school origin offering the group itself has distance 0 and is its own nearest offer, also when it has no
-- coordinates (its pupils have the offer at their own school; issue 18: "0 when the location offers it
-- itself"). Other origins without coordinates, and groups offered nowhere that peiljaar: distance_km and
-- nearest_vestiging_code NULL.
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (haversine_km).
-- Inputs: core.coverage_origins, core.offer, core.offer_groups, core.offer_rules, core.pupil_locations.
-- Row order: none (a large table; readers and the exports sort, pipeline/export.py ORDER BY ALL).
-- Parameters: $earth_radius_km, $box_km.
CREATE OR REPLACE TABLE core.origin_offer_distance AS
WITH rules AS (
    SELECT offer_rule FROM core.offer_rules
),
groups_ AS (
    SELECT DISTINCT offer_group FROM core.offer_groups
),
cand AS MATERIALIZED (
    SELECT DISTINCT o.peiljaar, g.offer_group, r.offer_rule, o.vestiging_code, l.lat, l.lon
    FROM core.offer o
    JOIN core.offer_groups g ON g.profile_code = o.profile_code
    JOIN rules r ON (r.offer_rule = 'default' AND o.offered_default) OR (r.offer_rule = 'strict' AND o.offered_strict)
    JOIN core.pupil_locations l ON l.peiljaar = o.peiljaar AND l.vestiging_code = o.vestiging_code
    WHERE l.lat IS NOT NULL
),
orig AS (
    SELECT peiljaar, basis, origin_id, lat, lon FROM core.coverage_origins WHERE lat IS NOT NULL
),
box AS (
    SELECT degrees($box_km / $earth_radius_km) AS dlat
),
in_box AS MATERIALIZED (
    SELECT peiljaar, basis, origin_id, offer_group, offer_rule, min(d) AS distance_km,
           arg_min(vestiging_code, struct_pack(d := d, other := other, code := vestiging_code)) AS nearest_vestiging_code
    FROM (
        SELECT o.peiljaar, o.basis, o.origin_id, c.offer_group, c.offer_rule, c.vestiging_code,
               haversine_km(o.lat, o.lon, c.lat, c.lon, $earth_radius_km) AS d,
               NOT (o.basis = 'school' AND c.vestiging_code = o.origin_id) AS other
        FROM orig o
        CROSS JOIN box
        JOIN cand c
          ON c.peiljaar = o.peiljaar
         AND c.lat BETWEEN o.lat - box.dlat AND o.lat + box.dlat
         AND c.lon BETWEEN o.lon - box.dlat / cos(radians(abs(o.lat) + box.dlat))
                       AND o.lon + box.dlat / cos(radians(abs(o.lat) + box.dlat))
    )
    GROUP BY ALL
),
settled AS (
    SELECT * FROM in_box WHERE distance_km <= $box_km
),
rest AS (
    SELECT o.*, g.offer_group, r.offer_rule
    FROM orig o CROSS JOIN groups_ g CROSS JOIN rules r
    ANTI JOIN settled s
      ON s.peiljaar = o.peiljaar AND s.basis = o.basis AND s.origin_id = o.origin_id
     AND s.offer_group = g.offer_group AND s.offer_rule = r.offer_rule
),
full_ AS (
    SELECT peiljaar, basis, origin_id, offer_group, offer_rule, min(d) AS distance_km,
           arg_min(vestiging_code, struct_pack(d := d, other := other, code := vestiging_code)) AS nearest_vestiging_code
    FROM (
        SELECT o.peiljaar, o.basis, o.origin_id, o.offer_group, o.offer_rule, c.vestiging_code,
               haversine_km(o.lat, o.lon, c.lat, c.lon, $earth_radius_km) AS d,
               NOT (o.basis = 'school' AND c.vestiging_code = o.origin_id) AS other
        FROM rest o
        JOIN cand c ON c.peiljaar = o.peiljaar AND c.offer_group = o.offer_group AND c.offer_rule = o.offer_rule
    )
    GROUP BY ALL
),
found AS (
    SELECT * FROM settled UNION ALL SELECT * FROM full_
),
-- school origins offering the group themselves under the rule (placed or not)
self_ AS (
    SELECT DISTINCT o.peiljaar, g.offer_group, r.offer_rule, o.vestiging_code
    FROM core.offer o
    JOIN core.offer_groups g ON g.profile_code = o.profile_code
    JOIN rules r ON (r.offer_rule = 'default' AND o.offered_default) OR (r.offer_rule = 'strict' AND o.offered_strict)
)
SELECT a.peiljaar, a.basis, a.origin_id, g.offer_group, r.offer_rule,
       CASE WHEN a.basis = 'school' AND s.vestiging_code IS NOT NULL THEN 0.0 ELSE f.distance_km END AS distance_km,
       CASE WHEN a.basis = 'school' AND s.vestiging_code IS NOT NULL THEN s.vestiging_code
            ELSE f.nearest_vestiging_code END AS nearest_vestiging_code
FROM core.coverage_origins a
CROSS JOIN groups_ g
CROSS JOIN rules r
LEFT JOIN found f
  ON f.peiljaar = a.peiljaar AND f.basis = a.basis AND f.origin_id = a.origin_id
 AND f.offer_group = g.offer_group AND f.offer_rule = r.offer_rule
LEFT JOIN self_ s  -- an equi-join (a condition on a.basis here would make it a nested loop); basis in the CASE
  ON s.peiljaar = a.peiljaar AND s.vestiging_code = a.origin_id
 AND s.offer_group = g.offer_group AND s.offer_rule = r.offer_rule;
