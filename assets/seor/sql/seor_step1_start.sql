-- Funnel step 1 (table 2.1 "Startpunt"): every inventory row except the additions, which enter at step 5.
-- Parameters: $step_no, $step, $addition_provenance.
CREATE OR REPLACE TABLE core.seor_step1_start AS
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    i.initiative_id,
    i.seq,
    i.name,
    'kept' AS decision,
    'row of the inventory (provenance ' || i.provenance || ')' AS rule,
    NULL::VARCHAR AS related_id
FROM core.seor_initiatives i
WHERE i.provenance IS DISTINCT FROM $addition_provenance
ORDER BY i.seq;
