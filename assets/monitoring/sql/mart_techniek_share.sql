-- marts.techniek_share: Techniekpact technology shares (indicators.md §2) per peiljaar × scope × indicator.
-- Indicators come from monitoring.yaml techniek_share (temp table share_indicator: population =
-- onderwijstypes × leerjaren; numerator = a named profile flag of core.vmbo_profile, or the havo/vwo
-- n_profile of core.duo_vo_students). Scopes: temp table loc_scope (sql/mart_monitoring_scopes.sql).
-- pct               = 100 * n_techniek / n_total
-- pct_girls         = 100 * n_girls_techniek / n_girls   (share of all girls who are in techniek)
-- pct_girls_of_techniek = 100 * n_girls_techniek / n_techniek (girls' share among technical pupils)
-- Year-on-year: against the previous *loaded* peiljaar (prev_peiljaar states which); baseline: the
-- configured baseline peiljaar ($baseline_peiljaar, 2017/18) when loaded, otherwise the earliest loaded.
-- Censored cells: DUO '<5' cells count with the configured point value n (pipeline.yaml censored);
-- censored_cells counts the cells that entered each row, n_total_lower/upper give the bounds of n_total,
-- pct_lower/pct_upper the bounds of pct over every value 1–4 the censored cells can hold (lowest: technical
-- cells at their lower and other cells at their upper bound; highest: the reverse). Equal to pct without
-- censored cells.
CREATE OR REPLACE TABLE marts.techniek_share AS
WITH pupils AS (
    SELECT
        s.peiljaar, s.vestiging_code, d.indicator, s.sex, s.n, s.n_lower, s.n_upper, s.n_censored,
        CASE WHEN d.numerator_kind = 'n_profile' THEN coalesce(s.n_profile, false)
             ELSE coalesce(f.value, false) END AS is_techniek
    FROM core.duo_vo_students s
    JOIN share_indicator d
      ON list_contains(d.onderwijstypes, s.onderwijstype) AND list_contains(d.leerjaren, s.leerjaar)
    LEFT JOIN profile_flag f ON f.profile_code = s.profile_code AND f.flag = d.profile_flag
),
agg AS (
    SELECT
        p.peiljaar, sc.scope_type, sc.scope_code, min(sc.scope_name) AS scope_name, min(sc.radius_km) AS radius_km,
        p.indicator,
        sum(p.n)::BIGINT AS n_total,
        coalesce(sum(p.n) FILTER (WHERE p.is_techniek), 0)::BIGINT AS n_techniek,
        coalesce(sum(p.n) FILTER (WHERE p.sex = 'V'), 0)::BIGINT AS n_girls,
        coalesce(sum(p.n) FILTER (WHERE p.sex = 'V' AND p.is_techniek), 0)::BIGINT AS n_girls_techniek,
        sum(p.n_lower)::BIGINT AS n_total_lower,
        sum(p.n_upper)::BIGINT AS n_total_upper,
        coalesce(sum(p.n_lower) FILTER (WHERE p.is_techniek), 0) AS n_techniek_lower,
        coalesce(sum(p.n_upper) FILTER (WHERE p.is_techniek), 0) AS n_techniek_upper,
        coalesce(sum(p.n_lower) FILTER (WHERE NOT p.is_techniek), 0) AS n_other_lower,
        coalesce(sum(p.n_upper) FILTER (WHERE NOT p.is_techniek), 0) AS n_other_upper,
        count(*) FILTER (WHERE p.n_censored) AS censored_cells
    FROM pupils p
    JOIN loc_scope sc ON sc.vestiging_code = p.vestiging_code
    GROUP BY p.peiljaar, sc.scope_type, sc.scope_code, p.indicator
),
shares AS (
    SELECT
        *,
        100.0 * n_techniek / nullif(n_total, 0) AS pct,
        100.0 * n_techniek_lower / nullif(n_techniek_lower + n_other_upper, 0) AS pct_lower,
        100.0 * n_techniek_upper / nullif(n_techniek_upper + n_other_lower, 0) AS pct_upper,
        100.0 * n_girls_techniek / nullif(n_girls, 0) AS pct_girls,
        100.0 * n_girls_techniek / nullif(n_techniek, 0) AS pct_girls_of_techniek
    FROM agg
),
years AS (
    SELECT DISTINCT peiljaar FROM core.duo_vo_students
),
prev AS (
    SELECT peiljaar, lag(peiljaar) OVER (ORDER BY peiljaar) AS prev_peiljaar FROM years
),
base AS (
    SELECT coalesce(max(peiljaar) FILTER (WHERE peiljaar = $baseline_peiljaar), min(peiljaar)) AS baseline_peiljaar
    FROM years
)
SELECT
    s.peiljaar, s.scope_type, s.scope_code, s.scope_name, s.radius_km, s.indicator, d.label AS indicator_label,
    s.n_total, s.n_techniek, s.pct, s.n_girls, s.n_girls_techniek, s.pct_girls, s.pct_girls_of_techniek,
    s.n_total_lower, s.n_total_upper, s.pct_lower, s.pct_upper, s.censored_cells,
    y.prev_peiljaar,
    p.pct AS pct_prev,
    s.pct - p.pct AS delta_pct_yoy,
    s.n_techniek - p.n_techniek AS delta_n_techniek_yoy,
    s.pct_girls - p.pct_girls AS delta_pct_girls_yoy,
    b.baseline_peiljaar,
    s.pct - bs.pct AS delta_pct_vs_baseline,
    $point_value::INTEGER AS censored_point_value
FROM shares s
JOIN share_indicator d ON d.indicator = s.indicator
JOIN prev y ON y.peiljaar = s.peiljaar
CROSS JOIN base b
LEFT JOIN shares p
  ON p.peiljaar = y.prev_peiljaar AND p.scope_type = s.scope_type AND p.scope_code = s.scope_code
 AND p.indicator = s.indicator
LEFT JOIN shares bs
  ON bs.peiljaar = b.baseline_peiljaar AND bs.scope_type = s.scope_type AND bs.scope_code = s.scope_code
 AND bs.indicator = s.indicator
ORDER BY s.peiljaar, s.scope_type, s.scope_code, s.indicator;
