-- marts.reconciliation_seor: every published number of SEOR 2023 tables 2.1-4.6 (curated file
-- data_raw/published/seor2023_tables.csv, raw.seor_published) next to the pipeline's figure.
-- Follows the contract of assets/monitoring/sql/mart_reconciliation.sql: ok = |ours - published| <= tolerance (NULL when
-- ours is NULL). Rows the curated file flags as a known inconsistency of the
-- report keep ok = false but carry known_source_inconsistency = true and a note naming the figure that
-- is reproduced. Reach-dependent rows are compared only when the run uses the report's definitions
-- ($comparable: same radius and campus set); otherwise comparable = false and the note says why (the
-- blocking check seor reconciliation ignores such rows).
-- Parameters: $source, $peiljaar, $tolerance, $comparable, $not_comparable_reason, $total_code, $reach_step_no.
CREATE OR REPLACE TABLE marts.reconciliation_seor AS
WITH ours AS (
    SELECT 'funnel' AS dimension, step_no::VARCHAR AS category, $total_code AS campus_code,
           n_remaining::DOUBLE AS value
    FROM marts.selection_funnel
    UNION ALL
    SELECT 'reach', 'n_initiatives', campus_code, n_initiatives::DOUBLE FROM marts.campus_initiatives
    UNION ALL
    SELECT dimension, category, campus_code, n::DOUBLE FROM marts.initiative_characteristics
),
j AS (
    SELECT p.*, o.value AS ours,
           $comparable OR (p.dimension = 'funnel' AND TRY_CAST(p.category AS INTEGER) < $reach_step_no) AS comparable
    FROM raw.seor_published p
    LEFT JOIN ours o ON o.dimension = p.dimension AND o.category = p.category AND o.campus_code = p.campus_code
)
SELECT
    $source::VARCHAR AS source,
    indicator,
    $peiljaar::INTEGER AS peiljaar,
    CASE
        WHEN dimension = 'funnel' THEN 'inventory:Zuid-Holland'
        WHEN campus_code = $total_code THEN 'campuses:all'
        ELSE 'campus:' || campus_code
    END AS scope,
    ours,
    value::DOUBLE AS published,
    ours - value AS delta,
    $tolerance::DOUBLE AS tolerance,
    abs(ours - value) <= $tolerance AS ok,
    concat_ws('; ',
        CASE WHEN ours IS NULL THEN 'no matching figure in the marts' END,
        CASE WHEN NOT comparable AND NOT coalesce(abs(ours - value) <= $tolerance, false)
            THEN 'not compared (does not block): ' || $not_comparable_reason END,
        CASE WHEN known_inconsistency THEN 'known source inconsistency: ' || note || ' (ours: ' || ours || ')' END,
        CASE WHEN NOT known_inconsistency AND coalesce(note, '') <> '' THEN note END
    ) AS note,
    known_inconsistency AS known_source_inconsistency,
    comparable,
    unit,
    source_url,
    table_id,
    row_label,
    column_label,
    figure_id
FROM j
ORDER BY figure_id;
