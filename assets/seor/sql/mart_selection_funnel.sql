-- marts.selection_funnel (table 2.1): per step the rows remaining after it, and how many the step kept,
-- dropped (or merged) and added. Inputs: core.seor_step*, core.seor_steps (seor.yaml funnel.steps).
-- Parameters: none.
CREATE OR REPLACE TABLE marts.selection_funnel AS
SELECT
    l.step_no,
    l.step,
    l.step_label,
    count(*) FILTER (WHERE s.decision IN ('kept', 'added')) AS n_remaining,
    count(*) FILTER (WHERE s.decision IN ('kept', 'dropped', 'merged')) AS n_in,
    count(*) FILTER (WHERE s.decision = 'kept') AS n_kept,
    count(*) FILTER (WHERE s.decision IN ('dropped', 'merged')) AS n_dropped,
    count(*) FILTER (WHERE s.decision = 'added') AS n_added
FROM core.seor_steps l
LEFT JOIN marts.selection_log s ON s.step_no = l.step_no
GROUP BY ALL
ORDER BY l.step_no;
