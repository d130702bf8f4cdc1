-- marts.offer_coverage: STO "dekkend" per region — per peiljaar × scope × offer group × radius × basis ×
-- offer rule: how many of the population's pupils have an offer of the group within radius_km (straight line)
-- of their origin (core.coverage_origins: basis 'school' = the B/K/G bovenbouw pupils of each vmbo location,
-- measured from their school location; other bases add their origins there).
--   n_pupils          pupils of the origins in the scope ('<5' cells at the configured point value)
--   n_pupils_within   of those, pupils whose origin's nearest offer is at distance_km <= radius_km
--   pct_within        100 * n_pupils_within / n_pupils (NULL when n_pupils = 0)
--   *_lo / *_hi       bounds over every value 1-4 the censored cells can hold (pct_within_lo: pupils within
--                     at their lower and the others at their upper bound; _hi the reverse)
--   n_locations       origins in the scope (basis 'school': locations); n_locations_offering: of those, the
--                     school locations offering the group themselves under the rule (core.offer)
--   n_unplaced        origins without coordinates: counted in n_pupils, within only for a group they offer
--                     themselves (distance 0), otherwise never (their distance is NULL)
-- Scopes: national plus the partitioning region levels of $scopes (monitoring.yaml scopes: provincie, corop,
-- rmc, onderwijsgebied, gemeente; sto_region when a mapping file is given), codes and names as in
-- marts.techniek_share, from each origin's own peiljaar (core.coverage_origins). Radii: $radii_km
-- (coverage.yaml radii_km). Rules: core.offer_rules ('default' = SEOR, 'strict' = intake sensitivity).
-- Change against the baseline: baseline_peiljaar = the configured baseline (2017) when loaded, else the
-- earliest loaded peiljaar (core.peiljaar_calendar), stated per row; pct_within_baseline is NULL when the
-- scope has no row in the baseline year; change_pct_points = pct_within - pct_within_baseline.
-- Inputs: core.origin_offer_distance, core.coverage_origins, core.offer, core.offer_groups, core.offer_rules,
-- core.peiljaar_calendar.
-- Row order: none (a large table; readers and the exports sort, pipeline/export.py ORDER BY ALL).
-- Parameters: $radii_km, $scopes.
CREATE OR REPLACE TABLE marts.offer_coverage AS
WITH radii AS (
    SELECT unnest($radii_km::DOUBLE[]) AS radius_km
),
offers AS (
    SELECT DISTINCT o.peiljaar, o.vestiging_code, g.offer_group, r.offer_rule
    FROM core.offer o
    JOIN core.offer_groups g ON g.profile_code = o.profile_code
    JOIN core.offer_rules r
      ON (r.offer_rule = 'default' AND o.offered_default) OR (r.offer_rule = 'strict' AND o.offered_strict)
),
scoped AS (
    SELECT peiljaar, basis, origin_id, 'national' AS scope_type, 'NL' AS scope_code, 'Nederland' AS scope_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'national')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'provincie', provincie_code, provincie_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'provincie')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'corop', corop_code, corop_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'corop')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'rmc', rmc_code, rmc_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'rmc')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'onderwijsgebied', onderwijsgebied_code, onderwijsgebied_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'onderwijsgebied')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'gemeente', gemeente_code, gemeente_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'gemeente')
    UNION ALL
    SELECT peiljaar, basis, origin_id, 'sto_region', sto_region_code, sto_region_name
    FROM core.coverage_origins WHERE list_contains($scopes::VARCHAR[], 'sto_region') AND sto_region_code IS NOT NULL
),
dist AS MATERIALIZED (
    -- each origin × group × rule once, with the smallest radius of the grid its nearest offer lies within
    SELECT d.peiljaar, d.basis, d.origin_id, d.offer_group, d.offer_rule,
           o.n_pupils, o.n_pupils_lo, o.n_pupils_hi, o.placed,
           d.basis = 'school' AND f.vestiging_code IS NOT NULL AS offers_itself,
           (SELECT min(r.radius_km) FROM radii r WHERE d.distance_km <= r.radius_km) AS first_radius_km
    FROM core.origin_offer_distance d
    JOIN core.coverage_origins o ON o.peiljaar = d.peiljaar AND o.basis = d.basis AND o.origin_id = d.origin_id
    LEFT JOIN offers f
      ON f.peiljaar = d.peiljaar AND f.vestiging_code = d.origin_id AND f.offer_group = d.offer_group
     AND f.offer_rule = d.offer_rule
),
totals AS (
    SELECT s.peiljaar, s.scope_type, s.scope_code, s.scope_name, d.offer_group, d.basis, d.offer_rule,
           sum(d.n_pupils)::BIGINT AS n_pupils, sum(d.n_pupils_lo)::BIGINT AS n_pupils_lo,
           sum(d.n_pupils_hi)::BIGINT AS n_pupils_hi,
           count(*) AS n_locations,
           count(*) FILTER (WHERE d.offers_itself) AS n_locations_offering,
           count(*) FILTER (WHERE NOT d.placed) AS n_unplaced
    FROM dist d
    JOIN scoped s ON s.peiljaar = d.peiljaar AND s.basis = d.basis AND s.origin_id = d.origin_id
    GROUP BY ALL
),
by_first AS (
    -- pupils per smallest radius they are within (origins within no radius of the grid are left out)
    SELECT s.peiljaar, s.scope_type, s.scope_code, d.offer_group, d.basis, d.offer_rule, d.first_radius_km,
           sum(d.n_pupils) AS n, sum(d.n_pupils_lo) AS n_lo, sum(d.n_pupils_hi) AS n_hi
    FROM dist d
    JOIN scoped s ON s.peiljaar = d.peiljaar AND s.basis = d.basis AND s.origin_id = d.origin_id
    WHERE d.first_radius_km IS NOT NULL
    GROUP BY ALL
),
agg AS (
    SELECT t.*, r.radius_km,
           coalesce(sum(b.n), 0)::BIGINT AS n_pupils_within,
           coalesce(sum(b.n_lo), 0)::BIGINT AS n_pupils_within_lo,
           coalesce(sum(b.n_hi), 0)::BIGINT AS n_pupils_within_hi
    FROM totals t
    CROSS JOIN radii r
    LEFT JOIN by_first b
      ON b.peiljaar = t.peiljaar AND b.scope_type = t.scope_type AND b.scope_code = t.scope_code
     AND b.offer_group = t.offer_group AND b.basis = t.basis AND b.offer_rule = t.offer_rule
     AND b.first_radius_km <= r.radius_km
    GROUP BY ALL
),
pct AS MATERIALIZED (
    -- bounds: the pupils within at their lower and the others at their upper bound, and the reverse
    SELECT *,
        100.0 * n_pupils_within / nullif(n_pupils, 0) AS pct_within,
        100.0 * n_pupils_within_lo / nullif(n_pupils_within_lo + (n_pupils_hi - n_pupils_within_hi), 0) AS pct_within_lo,
        100.0 * n_pupils_within_hi / nullif(n_pupils_within_hi + (n_pupils_lo - n_pupils_within_lo), 0) AS pct_within_hi
    FROM agg
)
SELECT
    p.peiljaar, p.scope_type, p.scope_code, p.scope_name, p.offer_group, p.radius_km, p.basis, p.offer_rule,
    p.n_pupils, p.n_pupils_within, p.pct_within,
    p.n_pupils_lo, p.n_pupils_hi, p.n_pupils_within_lo, p.n_pupils_within_hi, p.pct_within_lo, p.pct_within_hi,
    p.n_locations, p.n_locations_offering, p.n_unplaced,
    c.baseline_peiljaar,
    b.pct_within AS pct_within_baseline,
    p.pct_within - b.pct_within AS change_pct_points
FROM pct p
JOIN core.peiljaar_calendar c ON c.peiljaar = p.peiljaar
LEFT JOIN pct b
  ON b.peiljaar = c.baseline_peiljaar AND b.scope_type = p.scope_type AND b.scope_code = p.scope_code
 AND b.offer_group = p.offer_group AND b.radius_km = p.radius_km AND b.basis = p.basis AND b.offer_rule = p.offer_rule;
