-- Funnel step 2 (table 2.1 "gericht op promotie"): keep rows whose category is in $keep_categories.
-- Parameters: $step_no, $step, $keep_categories (VARCHAR[]).
CREATE OR REPLACE TABLE core.seor_step2_category AS
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    p.initiative_id,
    p.seq,
    p.name,
    CASE WHEN list_contains($keep_categories, i.category) THEN 'kept' ELSE 'dropped' END AS decision,
    CASE
        WHEN list_contains($keep_categories, i.category) THEN 'category ' || i.category || ' is kept'
        ELSE 'category ' || coalesce(i.category, '(empty)') || ' not in ' || array_to_string($keep_categories, ', ')
    END AS rule,
    NULL::VARCHAR AS related_id
FROM core.seor_step1_start p
JOIN core.seor_initiatives i USING (initiative_id)
WHERE p.decision IN ('kept', 'added')
ORDER BY p.seq;
