-- marts.pupil_trend: all vo pupils per peiljaar × scope, change against the reference peiljaar
-- ($reference_peiljaar; Twente forecast: −8.5% by 2025 and −16.5% by 2030 against 2021) and against the
-- previous loaded peiljaar. Scopes: core.scope_membership; previous peiljaar: core.peiljaar_calendar.
-- pct_change_vs_reference is NULL when the reference year is not loaded.
-- Censored cells: '<5' counted as the configured point value; bounds n_pupils_lower/upper.
-- Parameters: $point_value, $reference_peiljaar.
CREATE OR REPLACE TABLE marts.pupil_trend AS
WITH agg AS (
    SELECT
        s.peiljaar, sc.scope_type, sc.scope_code, min(sc.scope_name) AS scope_name, min(sc.radius_km) AS radius_km,
        sum(s.n)::BIGINT AS n_pupils, sum(s.n_lower)::BIGINT AS n_pupils_lower, sum(s.n_upper)::BIGINT AS n_pupils_upper,
        count(*) FILTER (WHERE s.n_censored) AS censored_cells
    FROM core.duo_vo_students s
    JOIN core.scope_membership sc ON sc.vestiging_code = s.vestiging_code
    GROUP BY s.peiljaar, sc.scope_type, sc.scope_code
),
prev AS (
    SELECT peiljaar, prev_peiljaar FROM core.peiljaar_calendar
)
SELECT
    a.peiljaar, a.scope_type, a.scope_code, a.scope_name, a.radius_km,
    a.n_pupils, a.n_pupils_lower, a.n_pupils_upper, a.censored_cells,
    $reference_peiljaar::INTEGER AS reference_peiljaar,
    r.n_pupils AS n_pupils_reference,
    100.0 * (a.n_pupils - r.n_pupils) / nullif(r.n_pupils, 0) AS pct_change_vs_reference,
    y.prev_peiljaar,
    100.0 * (a.n_pupils - p.n_pupils) / nullif(p.n_pupils, 0) AS pct_change_yoy,
    $point_value::INTEGER AS censored_point_value
FROM agg a
JOIN prev y ON y.peiljaar = a.peiljaar
LEFT JOIN agg r ON r.peiljaar = $reference_peiljaar AND r.scope_type = a.scope_type AND r.scope_code = a.scope_code
LEFT JOIN agg p ON p.peiljaar = y.prev_peiljaar AND p.scope_type = a.scope_type AND p.scope_code = a.scope_code
ORDER BY a.peiljaar, a.scope_type, a.scope_code;
