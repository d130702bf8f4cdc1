-- marts.offer_distance: STO "dekkend" — for every peiljaar × vmbo location with B/K/G bovenbouw pupils
-- (core.coverage_origins, basis 'school') × offer group (core.offer_groups) × offer rule (core.offer_rules):
-- the straight-line distance to the nearest location offering the group (core.origin_offer_distance), 0 when
-- the location offers it itself (offers_group), and that nearest location.
-- Coordinates, names and regions come from the peiljaar's own address snapshot (core.pupil_locations →
-- core.school_location_history), so a newer snapshot never changes an earlier year's rows. A location without
-- coordinates (placed = false) is listed with distance_km NULL, unless it offers the group itself (then 0).
-- A location not offering the group can still have distance 0: another location at the same coordinates
-- (a shared building) offers it.
-- n_pupils: B/K/G bovenbouw pupils ('<5' cells at the configured point value; bounds n_pupils_lo/_hi).
-- Inputs: core.origin_offer_distance, core.coverage_origins, core.offer, core.offer_groups, core.offer_rules,
-- core.pupil_locations, core.school_location_history.
-- Row order: none (a large table; readers and the exports sort, pipeline/export.py ORDER BY ALL).
-- Parameters: none.
CREATE OR REPLACE TABLE marts.offer_distance AS
WITH offers AS (
    SELECT DISTINCT o.peiljaar, o.vestiging_code, g.offer_group, r.offer_rule
    FROM core.offer o
    JOIN core.offer_groups g ON g.profile_code = o.profile_code
    JOIN core.offer_rules r
      ON (r.offer_rule = 'default' AND o.offered_default) OR (r.offer_rule = 'strict' AND o.offered_strict)
),
names AS MATERIALIZED (
    SELECT l.peiljaar, l.vestiging_code, coalesce(h.name, l.name) AS name, coalesce(h.brin, left(l.vestiging_code, 4)) AS brin
    FROM core.pupil_locations l
    LEFT JOIN core.school_location_history h ON h.snapshot_id = l.snapshot_id AND h.vestiging_code = l.vestiging_code
)
SELECT
    d.peiljaar,
    d.origin_id AS vestiging_code,
    n.brin,
    n.name AS location_name,
    d.offer_group,
    d.offer_rule,
    r.definition AS offer_rule_definition,
    f.offer_group IS NOT NULL AS offers_group,
    d.distance_km,
    d.nearest_vestiging_code,
    nn.name AS nearest_name,
    o.n_pupils,
    o.n_pupils_lo,
    o.n_pupils_hi,
    o.censored_cells,
    o.placed,
    o.provincie_code, o.provincie_name, o.corop_code, o.corop_name, o.rmc_code, o.rmc_name,
    o.onderwijsgebied_code, o.onderwijsgebied_name, o.gemeente_code, o.gemeente_name,
    o.sto_region_code, o.sto_region_name,
    o.population_rule
FROM core.origin_offer_distance d
JOIN core.coverage_origins o ON o.peiljaar = d.peiljaar AND o.basis = d.basis AND o.origin_id = d.origin_id
JOIN core.offer_rules r ON r.offer_rule = d.offer_rule
LEFT JOIN offers f
  ON f.peiljaar = d.peiljaar AND f.vestiging_code = d.origin_id AND f.offer_group = d.offer_group
 AND f.offer_rule = d.offer_rule
LEFT JOIN names n ON n.peiljaar = d.peiljaar AND n.vestiging_code = d.origin_id
LEFT JOIN names nn ON nn.peiljaar = d.peiljaar AND nn.vestiging_code = d.nearest_vestiging_code
WHERE d.basis = 'school';
