-- marts.profile_offer_region: per peiljaar × scope × profile, the locations offering the profile and their
-- bovenbouw B/K/G pupils (STO dekkend per region; TechTown "M&T offered at 1 → 2 schools").
-- Built from marts.profile_offer_location (same offer rule and statuses) and core.scope_membership
-- (sql/mart_monitoring_scopes.sql). Partitioning levels sum to the national row.
-- Censored cells: inherited from marts.profile_offer_location (point value; censored_cells summed).
-- Parameters: none.
CREATE OR REPLACE TABLE marts.profile_offer_region AS
SELECT
    o.peiljaar, sc.scope_type, sc.scope_code, min(sc.scope_name) AS scope_name, min(sc.radius_km) AS radius_km,
    o.profile_code, min(o.profile_kind) AS profile_kind,
    count(*) FILTER (WHERE o.offered) AS n_locations_offering,
    sum(o.n_bovenbouw)::BIGINT AS n_bovenbouw,
    count(*) FILTER (WHERE o.status_vs_baseline = 'new') AS n_locations_new_vs_baseline,
    count(*) FILTER (WHERE o.status_vs_baseline = 'dropped') AS n_locations_dropped_vs_baseline,
    count(*) FILTER (WHERE o.status_vs_previous = 'new') AS n_locations_new_vs_previous,
    count(*) FILTER (WHERE o.status_vs_previous = 'dropped') AS n_locations_dropped_vs_previous,
    min(o.baseline_peiljaar) AS baseline_peiljaar,
    min(o.prev_peiljaar) AS prev_peiljaar,
    sum(o.censored_cells)::BIGINT AS censored_cells
FROM marts.profile_offer_location o
JOIN core.scope_membership sc ON sc.vestiging_code = o.vestiging_code
GROUP BY o.peiljaar, sc.scope_type, sc.scope_code, o.profile_code
ORDER BY o.peiljaar, sc.scope_type, sc.scope_code, o.profile_code;
