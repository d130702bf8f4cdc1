-- techniek_share_rows(scope_table, national_only, point_value): the rows of marts.techniek_share for the
-- scopes of table `scope_table` (columns of core.scope_membership): only its national scope when
-- national_only, else every other scope. One definition for both callers: assets/monitoring/sql/core_techniek_share_national.sql
-- (the national scope of core.scope_national, from the pupil data alone, so the national figures wait on no
-- address file or geocoding) and assets/monitoring/sql/mart_techniek_share.sql (the regional scopes of core.scope_membership,
-- plus the national rows). A caller names this file in its header ("-- Macros:").
-- Indicators: core.share_indicators (population = onderwijstypes × leerjaren; numerator = a named flag of
-- core.profile_flags, the havo/vwo n_profile, or a VMBO SECTOR value (vmbo_sector; TL has a sector but no
-- profile) of core.duo_vo_students). Year-on-year and baseline:
-- core.peiljaar_calendar. point_value: pipeline.yaml censored.point_value (stated per row).
CREATE OR REPLACE TEMP MACRO techniek_share_rows(scope_table, national_only, point_value) AS TABLE
WITH pupils AS (
    SELECT
        s.peiljaar, s.vestiging_code, d.indicator, s.sex, s.n, s.n_lower, s.n_upper, s.n_censored,
        CASE WHEN d.numerator_kind = 'n_profile' THEN coalesce(s.n_profile, false)
             WHEN d.numerator_kind = 'sector' THEN coalesce(s.vmbo_sector = d.sector, false)
             ELSE coalesce(f.value, false) END AS is_techniek
    FROM core.duo_vo_students s
    JOIN core.share_indicators d
      ON list_contains(d.onderwijstypes, s.onderwijstype) AND list_contains(d.leerjaren, s.leerjaar)
    LEFT JOIN core.profile_flags f ON f.profile_code = s.profile_code AND f.flag = d.profile_flag
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
    JOIN query_table(scope_table) sc ON sc.vestiging_code = p.vestiging_code
    WHERE (sc.scope_type = 'national') = national_only
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
prev AS (
    SELECT peiljaar, prev_peiljaar FROM core.peiljaar_calendar
),
base AS (
    SELECT DISTINCT baseline_peiljaar FROM core.peiljaar_calendar
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
    point_value::INTEGER AS censored_point_value
FROM shares s
JOIN core.share_indicators d ON d.indicator = s.indicator
JOIN prev y ON y.peiljaar = s.peiljaar
CROSS JOIN base b
LEFT JOIN shares p
  ON p.peiljaar = y.prev_peiljaar AND p.scope_type = s.scope_type AND p.scope_code = s.scope_code
 AND p.indicator = s.indicator
LEFT JOIN shares bs
  ON bs.peiljaar = b.baseline_peiljaar AND bs.scope_type = s.scope_type AND bs.scope_code = s.scope_code
 AND bs.indicator = s.indicator;
