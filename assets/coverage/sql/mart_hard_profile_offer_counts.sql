-- marts.hard_profile_offer_counts: per peiljaar × scope × offer rule, the vmbo B/K/G locations with and
-- without a profile of the hard group ($hard_group, coverage.yaml hard_group: sto_hard), and the change against
-- the baseline. Counted from marts.offer_coverage (basis 'school': n_locations = B/K/G locations,
-- n_locations_offering = those offering the group themselves), whose rows repeat these counts per radius
-- (the smallest radius is read). Scopes, baseline_peiljaar: as marts.offer_coverage.
--   pct_without = 100 * n_without_hard / n_locations_bkg; change_n_without / change_pct_points against
--   the baseline peiljaar (NULL when the scope has no row then).
-- Inputs: marts.offer_coverage.
-- Parameters: $hard_group.
CREATE OR REPLACE TABLE marts.hard_profile_offer_counts AS
WITH c AS (
    SELECT peiljaar, scope_type, scope_code, scope_name, offer_rule, offer_group AS hard_group,
           n_locations AS n_locations_bkg, n_locations_offering AS n_with_hard,
           n_locations - n_locations_offering AS n_without_hard,
           100.0 * (n_locations - n_locations_offering) / nullif(n_locations, 0) AS pct_without,
           baseline_peiljaar
    FROM marts.offer_coverage
    WHERE offer_group = $hard_group AND basis = 'school'
      AND radius_km = (SELECT min(radius_km) FROM marts.offer_coverage)
)
SELECT c.*,
       b.n_without_hard AS n_without_hard_baseline,
       c.n_without_hard - b.n_without_hard AS change_n_without,
       b.pct_without AS pct_without_baseline,
       c.pct_without - b.pct_without AS change_pct_points
FROM c
LEFT JOIN c b
  ON b.peiljaar = c.baseline_peiljaar AND b.scope_type = c.scope_type AND b.scope_code = c.scope_code
 AND b.offer_rule = c.offer_rule
ORDER BY c.peiljaar, c.scope_type, c.scope_code, c.offer_rule;
