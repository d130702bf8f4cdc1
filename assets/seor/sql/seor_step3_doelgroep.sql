-- Funnel step 3 (table 2.1 "gericht op po, vmbo, havo, vwo"): keep rows whose doelgroep is one of the
-- po/vo doelgroepen (compared lowercase, trimmed, whitespace collapsed).
-- Parameters: $step_no, $step, $po_vo_doelgroepen (VARCHAR[], already normalised).
CREATE OR REPLACE TABLE core.seor_step3_doelgroep AS
WITH d AS (
    SELECT p.*, i.doelgroep,
           list_contains($po_vo_doelgroepen, lower(regexp_replace(trim(coalesce(i.doelgroep, '')), '\s+', ' ', 'g'))) AS ok
    FROM core.seor_step2_category p
    JOIN core.seor_initiatives i USING (initiative_id)
    WHERE p.decision IN ('kept', 'added')
)
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    initiative_id,
    seq,
    name,
    CASE WHEN ok THEN 'kept' ELSE 'dropped' END AS decision,
    CASE
        WHEN ok THEN 'doelgroep "' || doelgroep || '" is a po/vo doelgroep'
        ELSE 'doelgroep "' || coalesce(doelgroep, '') || '" is not one of the po/vo doelgroepen'
    END AS rule,
    NULL::VARCHAR AS related_id
FROM d
ORDER BY seq;
