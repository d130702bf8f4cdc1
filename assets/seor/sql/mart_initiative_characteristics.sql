-- marts.initiative_characteristics (tables 3.1-3.6 with campus_code $total_code, 4.1-4.6 per campus):
-- number of selected initiatives (step 7) per dimension × category × campus. A campus column counts the
-- initiatives that reach the campus (marts.initiative_campus_reach). Categories and labels come from
-- seor.yaml (core.seor_categories); a roll-up category (e.g. "Lokaal") counts initiatives with a
-- value outside its rollup_except list. Category $total_label = number of initiatives in the column.
-- Characteristics are those after the ROC concentration (core.seor_candidate_values).
-- Parameters: $total_code, $total_label.
CREATE OR REPLACE TABLE marts.initiative_characteristics AS
WITH sel AS (SELECT initiative_id FROM core.seor_step7_reach WHERE decision = 'kept'),
cols AS (
    SELECT r.initiative_id, r.campus_code FROM marts.initiative_campus_reach r JOIN sel USING (initiative_id)
    WHERE r.reached
    UNION ALL
    SELECT initiative_id, $total_code FROM sel
),
vals AS (
    SELECT v.* FROM core.seor_candidate_values v JOIN sel USING (initiative_id)
),
hits AS (
    SELECT d.dimension, d.category, v.initiative_id
    FROM core.seor_categories d
    JOIN vals v ON v.dimension = d.dimension
     AND ((NOT d.is_rollup AND v.code = d.category) OR (d.is_rollup AND NOT list_contains(d.rollup_except, v.code)))
),
counts AS (
    SELECT h.dimension, h.category, c.campus_code, count(DISTINCT h.initiative_id) AS n
    FROM hits h JOIN cols c USING (initiative_id)
    GROUP BY ALL
),
totals AS (
    SELECT campus_code, count(DISTINCT initiative_id) AS n FROM cols GROUP BY ALL
),
campus_list AS (
    SELECT campus_code, name AS campus_name, row_number() OVER (ORDER BY campus_code) AS campus_order FROM core.campuses
    UNION ALL SELECT $total_code, 'all campuses', 1000000
),
dims AS (
    SELECT dimension, any_value(table_overall) AS table_overall, any_value(table_campus) AS table_campus,
           max(sort_order) + 1 AS total_order
    FROM core.seor_categories GROUP BY dimension
)
SELECT d.dimension, d.category, d.label AS category_label, k.campus_code, k.campus_name, coalesce(c.n, 0) AS n,
       d.sort_order, d.is_rollup, d.table_overall, d.table_campus
FROM core.seor_categories d
CROSS JOIN campus_list k
LEFT JOIN counts c ON c.dimension = d.dimension AND c.category = d.category AND c.campus_code = k.campus_code
UNION ALL
SELECT dm.dimension, $total_label, $total_label, k.campus_code, k.campus_name, coalesce(t.n, 0), dm.total_order, false,
       dm.table_overall, dm.table_campus
FROM dims dm
CROSS JOIN campus_list k
LEFT JOIN totals t ON t.campus_code = k.campus_code
ORDER BY dimension, sort_order, campus_code;
