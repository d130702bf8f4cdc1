-- marts.programme_forecasts: expected futures named in the programme documents (assets/monitoring/config/statements.yaml
-- `forecasts`; spec indicators.md §5), tracked as realised against expected for every loaded peiljaar. A
-- forecast is someone's prognosis, not a goal: it is never "met".
-- Inputs: core.forecast_definitions (assets/monitoring/targets.py forecast_frame) and the regions of
-- assets/monitoring/sql/programme_scopes.sql (core.programme_scope_info, core.programme_scope_pupils: each peiljaar placed by its own
-- address snapshot).
-- realised_change_pct = 100 × (n_pupils(peiljaar) − n_pupils(base_peiljaar)) / n_pupils(base_peiljaar), all vo
-- pupils of the region; NULL with "base year not loaded" when the base peiljaar is not in the warehouse.
-- expected_change_pct_at_peiljaar: linear interpolation between 0% in base_peiljaar and expected_change_pct in
-- horizon_peiljaar, i.e. expected_change_pct × (peiljaar − base) / (horizon − base); NULL before the base
-- year and after the horizon (said in the row). difference = realised − expected at the peiljaar (points).
-- A forecast open data cannot follow gets one row (peiljaar NULL) with what is missing.
-- Censored cells: '<5' counted as the configured point value.
-- Parameters: none.
CREATE OR REPLACE TABLE marts.programme_forecasts AS
WITH f AS (SELECT * FROM core.forecast_definitions),
years AS (SELECT DISTINCT peiljaar FROM core.duo_vo_students),
totals AS (
    SELECT scope_id, peiljaar, sum(n) AS n_pupils FROM core.programme_scope_pupils GROUP BY ALL
),
grid AS (
    SELECT f.*, y.peiljaar, t.n_pupils, b.n_pupils AS n_pupils_base
    FROM f
    CROSS JOIN years y
    LEFT JOIN totals t ON t.scope_id = f.scope_id AND t.peiljaar = y.peiljaar
    LEFT JOIN totals b ON b.scope_id = f.scope_id AND b.peiljaar = f.base_peiljaar
    WHERE f.computable
),
calc AS (
    SELECT
        g.*,
        100.0 * (g.n_pupils - g.n_pupils_base) / nullif(g.n_pupils_base, 0) AS realised_change_pct,
        CASE WHEN g.peiljaar = g.base_peiljaar THEN 0.0
             WHEN g.peiljaar BETWEEN g.base_peiljaar AND g.horizon_peiljaar
             THEN g.expected_change_pct * (g.peiljaar - g.base_peiljaar) / (g.horizon_peiljaar - g.base_peiljaar)
        END AS expected_change_pct_at_peiljaar
    FROM grid g
)
SELECT
    c.forecast_id, c.programme, c.document, c.quote, si.scope_name, si.scope_method, c.statistic,
    c.base_peiljaar, c.horizon_peiljaar, c.expected_change_pct, true AS computable,
    c.peiljaar, c.n_pupils_base, c.n_pupils,
    c.realised_change_pct, c.expected_change_pct_at_peiljaar,
    c.realised_change_pct - c.expected_change_pct_at_peiljaar AS difference,
    concat_ws(' ',
        CASE
            WHEN c.n_pupils IS NULL THEN 'No location of the region has pupils in peiljaar ' || c.peiljaar || '.'
            WHEN c.n_pupils_base IS NULL THEN 'Base year ' || c.base_peiljaar || ' not loaded: no realised change.'
        END,
        CASE
            WHEN c.peiljaar < c.base_peiljaar THEN 'Peiljaar ' || c.peiljaar || ' is before the base year ' || c.base_peiljaar || ': nothing expected yet.'
            WHEN c.peiljaar > c.horizon_peiljaar THEN 'Peiljaar ' || c.peiljaar || ' is after the horizon ' || c.horizon_peiljaar || ': the forecast says nothing about it.'
            ELSE 'Expected at peiljaar ' || c.peiljaar || ': linear between 0% in ' || c.base_peiljaar || ' and '
                 || c.expected_change_pct || '% in ' || c.horizon_peiljaar || ' = ' || round(c.expected_change_pct_at_peiljaar, 2) || '%.'
        END,
        CASE WHEN c.realised_change_pct IS NOT NULL AND c.expected_change_pct_at_peiljaar IS NOT NULL
             THEN 'Realised ' || round(c.realised_change_pct, 2) || '%: '
                  || CASE WHEN c.realised_change_pct < c.expected_change_pct_at_peiljaar THEN 'more decline than expected.'
                          WHEN c.realised_change_pct > c.expected_change_pct_at_peiljaar THEN 'less decline than expected.'
                          ELSE 'as expected.' END END,
        c.note,
        'Region: ' || si.scope_method || ' (' || si.scope_note || ').'
    ) AS explanation,
    c.source
FROM calc c
LEFT JOIN core.programme_scope_info si ON si.scope_id = c.scope_id
UNION ALL BY NAME
SELECT
    f.forecast_id, f.programme, f.document, f.quote, si.scope_name, si.scope_method, f.statistic,
    f.base_peiljaar, f.horizon_peiljaar, f.expected_change_pct, false AS computable,
    CAST(NULL AS INTEGER) AS peiljaar, CAST(NULL AS DOUBLE) AS n_pupils_base, CAST(NULL AS DOUBLE) AS n_pupils,
    CAST(NULL AS DOUBLE) AS realised_change_pct, CAST(NULL AS DOUBLE) AS expected_change_pct_at_peiljaar,
    CAST(NULL AS DOUBLE) AS difference,
    'Not computable from the open data this pipeline ingests: ' || f.note AS explanation,
    f.source
FROM f
LEFT JOIN core.programme_scope_info si ON si.scope_id = f.scope_id
WHERE NOT f.computable
ORDER BY forecast_id, peiljaar NULLS FIRST;
