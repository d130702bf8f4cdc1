-- marts.techniekarm: STO "techniekarme regio" (Achtergrondschets STO 2020; indicators.md §3).
-- pct_hard_bovenbouw = 100 * pupils in an STO-hard profile / all pupils, over bovenbouw (leerjaren
-- $leerjaren) of the beroepsgerichte leerwegen ($onderwijstypes); STO-hard = profile flag $hard_flag.
-- is_techniekarm = pct_hard_bovenbouw < $threshold_pct (strictly fewer than 10%).
-- Scopes: core.scope_membership; flags: core.profile_flags; change against the baseline peiljaar (the
-- configured one when loaded, else the earliest loaded) and the previous loaded peiljaar (core.peiljaar_calendar).
-- Censored cells: '<5' counted as the configured point value ($point_value); censored_cells per row.
-- Parameters: $hard_flag, $leerjaren, $onderwijstypes, $point_value, $threshold_pct.
CREATE OR REPLACE TABLE marts.techniekarm AS
WITH pupils AS (
    SELECT s.peiljaar, s.vestiging_code, s.n, s.n_censored, coalesce(f.value, false) AS is_hard
    FROM core.duo_vo_students s
    LEFT JOIN core.profile_flags f ON f.profile_code = s.profile_code AND f.flag = $hard_flag
    WHERE list_contains($onderwijstypes, s.onderwijstype) AND list_contains($leerjaren, s.leerjaar)
),
agg AS (
    SELECT
        p.peiljaar, sc.scope_type, sc.scope_code, min(sc.scope_name) AS scope_name, min(sc.radius_km) AS radius_km,
        sum(p.n)::BIGINT AS n_bovenbouw,
        coalesce(sum(p.n) FILTER (WHERE p.is_hard), 0)::BIGINT AS n_hard,
        count(*) FILTER (WHERE p.n_censored) AS censored_cells
    FROM pupils p
    JOIN core.scope_membership sc ON sc.vestiging_code = p.vestiging_code
    GROUP BY p.peiljaar, sc.scope_type, sc.scope_code
),
shares AS (
    SELECT *, 100.0 * n_hard / nullif(n_bovenbouw, 0) AS pct_hard_bovenbouw FROM agg
),
prev AS (
    SELECT peiljaar, prev_peiljaar FROM core.peiljaar_calendar
),
base AS (
    SELECT DISTINCT baseline_peiljaar FROM core.peiljaar_calendar
)
SELECT
    s.peiljaar, s.scope_type, s.scope_code, s.scope_name, s.radius_km,
    s.n_bovenbouw, s.n_hard, s.pct_hard_bovenbouw,
    s.pct_hard_bovenbouw < $threshold_pct AS is_techniekarm,
    $threshold_pct::DOUBLE AS threshold_pct,
    y.prev_peiljaar,
    s.pct_hard_bovenbouw - p.pct_hard_bovenbouw AS delta_pct_yoy,
    b.baseline_peiljaar,
    s.pct_hard_bovenbouw - bs.pct_hard_bovenbouw AS delta_pct_vs_baseline,
    bs.pct_hard_bovenbouw < $threshold_pct AS was_techniekarm_at_baseline,
    s.censored_cells,
    $point_value::INTEGER AS censored_point_value
FROM shares s
JOIN prev y ON y.peiljaar = s.peiljaar
CROSS JOIN base b
LEFT JOIN shares p ON p.peiljaar = y.prev_peiljaar AND p.scope_type = s.scope_type AND p.scope_code = s.scope_code
LEFT JOIN shares bs ON bs.peiljaar = b.baseline_peiljaar AND bs.scope_type = s.scope_type AND bs.scope_code = s.scope_code
ORDER BY s.peiljaar, s.scope_type, s.scope_code;
