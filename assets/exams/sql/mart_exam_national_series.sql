-- marts.exam_national_series: national series of exam candidates per school year (2014/15–2023/24 with
-- both DUO exam files): havo and vwo candidates with an N-profile, vmbo candidates in sector techniek.
-- Series (core.exam_series, monitoring.yaml exams.series): numerator = candidates of programmes whose
-- flag `flag` is true (core.exam_programme_flags); denominator = all *classified* candidates of the
-- same levels and leerwegen (leerwegen NULL = all). Candidates of unclassified programmes (e.g. 'VMBO T'
-- without sector, how DUO recorded TL up to 2017-2018) are counted in n_candidates_unclassified and left
-- out of the share, so pct_series is NULL when a series has no classified candidates that year.
-- Built from marts.exam_results.
-- Censored cells: '<5' candidate totals counted as the configured point value; censored_cells counts them
-- and n_candidates_series_lower/upper bound the numerator.
-- Parameters: $point_value.
CREATE OR REPLACE TABLE marts.exam_national_series AS
WITH e AS (
    SELECT r.*, f.flag, f.value AS in_series
    FROM marts.exam_results r
    JOIN core.exam_programme_flags f ON f.inspectiecode = r.inspectiecode
),
agg AS (
    SELECT
        e.schooljaar, min(e.peiljaar) AS peiljaar, s.series, min(s.label) AS series_label,
        coalesce(sum(e.n_candidates) FILTER (WHERE e.in_series AND e.classified), 0)::BIGINT AS n_candidates_series,
        coalesce(sum(e.n_candidates) FILTER (WHERE e.classified), 0)::BIGINT AS n_candidates_total,
        coalesce(sum(e.n_candidates) FILTER (WHERE NOT e.classified), 0)::BIGINT AS n_candidates_unclassified,
        coalesce(sum(e.n_passed) FILTER (WHERE e.in_series), 0)::BIGINT AS n_passed_series,
        coalesce(sum(e.n_candidates_lower) FILTER (WHERE e.in_series), 0)::BIGINT AS n_candidates_series_lower,
        coalesce(sum(e.n_candidates_upper) FILTER (WHERE e.in_series), 0)::BIGINT AS n_candidates_series_upper,
        count(*) FILTER (WHERE e.candidates_censored) AS censored_cells,
        count(DISTINCT e.vestiging_code) FILTER (WHERE e.in_series) AS n_locations_series
    FROM core.exam_series s
    JOIN e ON e.flag = s.flag AND list_contains(s.levels, e.level)
          AND (s.leerwegen IS NULL OR list_contains(s.leerwegen, e.leerweg))
    GROUP BY e.schooljaar, s.series
)
SELECT
    a.*,
    100.0 * a.n_candidates_series / nullif(a.n_candidates_total, 0) AS pct_series,
    lag(a.schooljaar) OVER w AS prev_schooljaar,
    a.n_candidates_series - lag(a.n_candidates_series) OVER w AS delta_n_yoy,
    100.0 * a.n_candidates_series / nullif(a.n_candidates_total, 0)
      - lag(100.0 * a.n_candidates_series / nullif(a.n_candidates_total, 0)) OVER w AS delta_pct_yoy,
    $point_value::INTEGER AS censored_point_value
FROM agg a
WINDOW w AS (PARTITION BY a.series ORDER BY a.schooljaar)
ORDER BY a.series, a.schooljaar;
