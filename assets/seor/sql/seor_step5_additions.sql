-- Funnel step 5 (table 2.1 "Zestien aanvullingen"): the rows of the previous step plus the inventory
-- rows whose provenance is $addition_provenance (initiatives SEOR found itself).
-- Parameters: $step_no, $step, $addition_provenance.
CREATE OR REPLACE TABLE core.seor_step5_additions AS
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    p.initiative_id,
    p.seq,
    p.name,
    'kept' AS decision,
    'carried over from step ' || p.step_no AS rule,
    NULL::VARCHAR AS related_id
FROM core.seor_step4_dedupe p
WHERE p.decision IN ('kept', 'added')
UNION ALL
SELECT
    $step_no::INTEGER,
    $step::VARCHAR,
    i.initiative_id,
    i.seq,
    i.name,
    'added',
    'addition (provenance ' || i.provenance || ')',
    NULL
FROM core.seor_initiatives i
WHERE i.provenance = $addition_provenance
ORDER BY seq;
