-- marts.selection_log: every inventory row × every funnel step it reached, with the decision (kept,
-- dropped, added, merged) and the rule that decided; `related_id` is the row it duplicates or was
-- concentrated into. A dropped/merged row has no rows for later steps. Step names: core.seor_steps.
-- Parameters: none.
CREATE OR REPLACE TABLE marts.selection_log AS
WITH steps AS (
    SELECT * FROM core.seor_step1_start
    UNION ALL SELECT * FROM core.seor_step2_category
    UNION ALL SELECT * FROM core.seor_step3_doelgroep
    UNION ALL SELECT * FROM core.seor_step4_dedupe
    UNION ALL SELECT * FROM core.seor_step5_additions
    UNION ALL SELECT * FROM core.seor_step6_roc
    UNION ALL SELECT * FROM core.seor_step7_reach
)
SELECT
    s.initiative_id,
    s.name,
    i.provenance,
    i.source_row,
    s.step_no,
    s.step,
    l.step_label,
    s.decision,
    s.rule,
    s.related_id
FROM steps s
JOIN core.seor_initiatives i USING (initiative_id)
LEFT JOIN core.seor_steps l ON l.step_no = s.step_no
ORDER BY s.seq, s.step_no;
