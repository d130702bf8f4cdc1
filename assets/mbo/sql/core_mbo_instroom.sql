-- core.mbo_instroom: DUO new mbo entrants per jaar × instelling × programme (crebo) × niveau × leerweg ×
-- prior education, with the labels mapped by assets/mbo/config/mbo.yaml and the technical flag.
-- Inputs: raw.duo_mbo_instroom (assets/mbo/parser.py parse_instroom; text counts, '<5' kept), core.mbo_labels
-- (every mbo.yaml label map; unknown labels were refused by the raw asset, so the joins below lose no row:
-- core_mbo_instroom_valid checks it), core.mbo_crebo_overrides (mbo.yaml crebo_overrides).
-- Censored: a '<5' or '-1' count (assets/mbo/parser.py CENSORED_CELLS) becomes $point_value with bounds
-- $censored_lower..$censored_upper (`_lo`/`_hi`);-- an exact count has equal bounds. n_censored: any of the three counts of the row is censored.
-- technical: the crebo override when mbo.yaml lists the crebo, else the hoofdgroep's flag (mbo.yaml technical).
-- Parameters: $point_value, $censored_lower, $censored_upper.
CREATE OR REPLACE TABLE core.mbo_instroom AS
WITH lab AS (SELECT kind, label_key, code, technical FROM core.mbo_labels),
r AS (
    SELECT *,
        CASE WHEN totaal_mbo IN ('<5', '-1') THEN $point_value ELSE CAST(totaal_mbo AS INTEGER) END AS n_tot,
        CASE WHEN totaal_mbo IN ('<5', '-1') THEN $censored_lower ELSE CAST(totaal_mbo AS INTEGER) END AS n_tot_lo,
        CASE WHEN totaal_mbo IN ('<5', '-1') THEN $censored_upper ELSE CAST(totaal_mbo AS INTEGER) END AS n_tot_hi,
        CASE WHEN instroom_mbo IN ('<5', '-1') THEN $point_value ELSE CAST(instroom_mbo AS INTEGER) END AS n_mbo,
        CASE WHEN instroom_mbo IN ('<5', '-1') THEN $censored_lower ELSE CAST(instroom_mbo AS INTEGER) END AS n_mbo_lo,
        CASE WHEN instroom_mbo IN ('<5', '-1') THEN $censored_upper ELSE CAST(instroom_mbo AS INTEGER) END AS n_mbo_hi,
        CASE WHEN instroom_opleiding IN ('<5', '-1') THEN $point_value ELSE CAST(instroom_opleiding AS INTEGER) END AS n_opl,
        CASE WHEN instroom_opleiding IN ('<5', '-1') THEN $censored_lower ELSE CAST(instroom_opleiding AS INTEGER) END
            AS n_opl_lo,
        CASE WHEN instroom_opleiding IN ('<5', '-1') THEN $censored_upper ELSE CAST(instroom_opleiding AS INTEGER) END
            AS n_opl_hi
    FROM raw.duo_mbo_instroom
)
SELECT
    r.studiejaar,
    r.jaar,
    r.instellingscode,
    r.instellingsnaam,
    r.hoofdgroep_code,
    r.hoofdgroep_naam,
    hg.code AS hoofdgroep,
    CAST(nv.code AS INTEGER) AS niveau,
    lw.code AS leerweg,
    r.crebo,
    r.opleiding_naam,
    r.vooropleiding_vo,
    pv.code AS prior_vo,
    r.vooropleiding_mbo,
    r.kleine_opleiding,
    r.n_tot AS n_totaal_mbo,
    r.n_tot_lo AS n_totaal_mbo_lo,
    r.n_tot_hi AS n_totaal_mbo_hi,
    r.n_mbo AS n_instroom_mbo,
    r.n_mbo_lo AS n_instroom_mbo_lo,
    r.n_mbo_hi AS n_instroom_mbo_hi,
    r.n_opl AS n_instroom_opleiding,
    r.n_opl_lo AS n_instroom_opleiding_lo,
    r.n_opl_hi AS n_instroom_opleiding_hi,
    (r.totaal_mbo IN ('<5', '-1') OR r.instroom_mbo IN ('<5', '-1') OR r.instroom_opleiding IN ('<5', '-1')) AS n_censored,
    coalesce(o.technical, hg.technical) AS technical,
    CASE
        WHEN o.crebo IS NOT NULL THEN 'crebo override: ' || o.source || ' (' || o.date || ')'
        ELSE 'hoofdgroep ' || hg.code || (CASE WHEN hg.technical THEN ' is' ELSE ' is not' END) || ' technical'
    END AS technical_rule,
    r.masking,
    r.source_file,
    r.source_row
FROM r
JOIN lab pv ON pv.kind = 'vooropleiding_vo' AND pv.label_key = lower(trim(r.vooropleiding_vo))
JOIN lab nv ON nv.kind = 'niveaus' AND nv.label_key = lower(trim(r.niveau_label))
JOIN lab lw ON lw.kind = 'leerwegen' AND lw.label_key = lower(trim(r.leerweg_label))
JOIN lab hg ON hg.kind = 'hoofdgroepen' AND hg.label_key = lower(trim(r.hoofdgroep_naam))
LEFT JOIN core.mbo_crebo_overrides o ON o.crebo = r.crebo
ORDER BY r.jaar, r.source_file, r.source_row;
