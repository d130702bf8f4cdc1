-- marts.campus_gaps: per campus (and $total_code) and characteristic its share of the column's
-- initiatives against the all-campus share, and the gaps ("lacunes") that the rules in seor.yaml
-- (core.seor_gap_rules) derive: a rule flags a cell whose metric is below its threshold.
--   share                = n / initiatives in the column
--   ratio_to_campus_mean = n / mean of n over the campuses (same dimension and category)
-- Parameters: $total_code, $total_label.
CREATE OR REPLACE TABLE marts.campus_gaps AS
WITH c AS (
    SELECT * FROM marts.initiative_characteristics WHERE category <> $total_label
),
col_total AS (
    SELECT dimension, campus_code, n AS n_column FROM marts.initiative_characteristics WHERE category = $total_label
),
metrics AS (
    SELECT c.dimension, c.category, c.category_label, c.campus_code, c.campus_name, c.n, t.n_column,
           c.n / nullif(t.n_column, 0) AS share,
           avg(c.n) FILTER (WHERE c.campus_code <> $total_code) OVER (PARTITION BY c.dimension, c.category)
               AS campus_mean_n,
           c.sort_order
    FROM c JOIN col_total t USING (dimension, campus_code)
),
withall AS (
    SELECT m.*, a.share AS share_all, m.share - a.share AS share_diff,
           m.n / nullif(m.campus_mean_n, 0) AS ratio_to_campus_mean
    FROM metrics m
    JOIN metrics a ON a.dimension = m.dimension AND a.category = m.category AND a.campus_code = $total_code
),
hits AS (
    SELECT w.dimension, w.category, w.campus_code, g.rule_id, g.rule_label, g.metric, g.below,
           CASE g.metric WHEN 'share' THEN w.share ELSE w.ratio_to_campus_mean END AS value
    FROM withall w
    JOIN core.seor_gap_rules g
      ON g.dimension = w.dimension
     AND (g.categories IS NULL OR list_contains(g.categories, w.category))
     AND ((g.scope = 'overall' AND w.campus_code = $total_code) OR (g.scope = 'campus' AND w.campus_code <> $total_code))
    WHERE (CASE g.metric WHEN 'share' THEN w.share ELSE w.ratio_to_campus_mean END) < g.below
)
SELECT
    w.campus_code,
    w.campus_name,
    w.dimension,
    w.category,
    w.category_label,
    w.n,
    w.n_column,
    round(w.share, 4) AS share,
    round(w.share_all, 4) AS share_all,
    round(w.share_diff, 4) AS share_diff,
    round(w.campus_mean_n, 3) AS campus_mean_n,
    round(w.ratio_to_campus_mean, 4) AS ratio_to_campus_mean,
    h.rule_id IS NOT NULL AS is_gap,
    h.rule_id AS gap_rule,
    h.rule_label AS gap_label,
    CASE WHEN h.rule_id IS NOT NULL THEN h.metric || ' ' || round(h.value, 3) || ' < ' || h.below END AS gap_evidence
FROM withall w
LEFT JOIN (
    SELECT dimension, category, campus_code, string_agg(rule_id, ', ' ORDER BY rule_id) AS rule_id,
           string_agg(rule_label, '; ' ORDER BY rule_id) AS rule_label, min(metric) AS metric,
           min(below) AS below, min(value) AS value
    FROM hits GROUP BY ALL
) h USING (dimension, category, campus_code)
ORDER BY w.dimension, w.sort_order, w.campus_code;
