-- marts.techniek_share: Techniekpact technology shares (indicators.md §2) per peiljaar × scope × indicator.
-- Indicators come from monitoring.yaml techniek_share (core.share_indicators: population =
-- onderwijstypes × leerjaren; numerator = a named profile flag of core.vmbo_profile, or the havo/vwo
-- n_profile of core.duo_vo_students). Scopes: core.scope_membership (regional scopes; the national rows are
-- core.techniek_share_national, computed from the pupil data alone). Profile flags: core.profile_flags.
-- pct               = 100 * n_techniek / n_total
-- pct_girls         = 100 * n_girls_techniek / n_girls   (share of all girls who are in techniek)
-- pct_girls_of_techniek = 100 * n_girls_techniek / n_techniek (girls' share among technical pupils)
-- Year-on-year: against the previous *loaded* peiljaar (prev_peiljaar states which); baseline: the
-- configured baseline peiljaar (2017/18) when loaded, otherwise the earliest loaded (both core.peiljaar_calendar).
-- Censored cells: DUO '<5' cells count with the configured point value n (pipeline.yaml censored);
-- censored_cells counts the cells that entered each row, n_total_lower/upper give the bounds of n_total,
-- pct_lower/pct_upper the bounds of pct over every value 1–4 the censored cells can hold (lowest: technical
-- cells at their lower and other cells at their upper bound; highest: the reverse). Equal to pct without
-- censored cells.
-- Macros: assets/monitoring/sql/techniek_share_macro.sql (techniek_share_rows, the one definition of a row).
-- Parameters: $point_value.
CREATE OR REPLACE TABLE marts.techniek_share AS
SELECT * FROM (
    SELECT * FROM techniek_share_rows('core.scope_membership', false, $point_value)
    UNION ALL
    SELECT * FROM core.techniek_share_national
)
ORDER BY peiljaar, scope_type, scope_code, indicator;
