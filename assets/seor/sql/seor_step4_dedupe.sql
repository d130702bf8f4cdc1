-- Funnel step 4 (table 2.1 "Evidente dubbelingen eruit"): rows with the same normalised name and the
-- same value sets on every dimension in $dedupe_dimensions are one initiative; the first row (seq) stays.
-- Parameters: $step_no, $step, $dedupe_dimensions (VARCHAR[]).
CREATE OR REPLACE TABLE core.seor_step4_dedupe AS
WITH prev AS (
    SELECT p.initiative_id, p.seq, p.name, i.name_norm
    FROM core.seor_step3_doelgroep p
    JOIN core.seor_initiatives i USING (initiative_id)
    WHERE p.decision IN ('kept', 'added')
),
chars AS (
    SELECT initiative_id,
           string_agg(dimension || '=' || code, ';' ORDER BY dimension, code) AS char_key
    FROM core.seor_initiative_values
    WHERE list_contains($dedupe_dimensions, dimension)
    GROUP BY initiative_id
),
keyed AS (
    SELECT prev.*, coalesce(chars.char_key, '') AS char_key,
           first_value(prev.initiative_id) OVER w AS first_id,
           row_number() OVER w AS rn,
           count(*) OVER (PARTITION BY prev.name_norm, coalesce(chars.char_key, '')) AS n_same
    FROM prev LEFT JOIN chars USING (initiative_id)
    WINDOW w AS (PARTITION BY prev.name_norm, coalesce(chars.char_key, '') ORDER BY prev.seq)
)
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    initiative_id,
    seq,
    name,
    CASE WHEN rn = 1 THEN 'kept' ELSE 'dropped' END AS decision,
    CASE
        WHEN rn = 1 AND n_same = 1 THEN 'no exact duplicate'
        WHEN rn = 1 THEN 'first of ' || n_same || ' rows with the same name and characteristics'
        ELSE 'exact duplicate (same normalised name and characteristics) of ' || first_id
    END AS rule,
    CASE WHEN rn > 1 THEN first_id END AS related_id
FROM keyed
ORDER BY seq;
