-- core.mbo_gediplomeerden: DUO mbo diplomas in long form, one row per jaar × instelling × programme (crebo) ×
-- niveau × leerweg × geslacht, labels mapped by assets/mbo/config/mbo.yaml, with the technical flag.
-- Inputs: raw.duo_mbo_gediplomeerden (assets/mbo/parser.py parse_gediplomeerden: already long, text counts),
-- core.mbo_labels, core.mbo_crebo_overrides. jaar: the year of the column DIPMAN<jaar>/DIPVROUW<jaar>.
-- Censored: '<5' or '-1' (assets/mbo/parser.py CENSORED_CELLS) becomes $point_value with bounds
-- $censored_lower..$censored_upper.
-- technical: the crebo override when mbo.yaml lists the crebo, else the hoofdgroep's flag; technical_sbb: the
-- sectorkamer's flag (mbo.yaml sectorkamers, for comparison only).
-- Parameters: $point_value, $censored_lower, $censored_upper.
CREATE OR REPLACE TABLE core.mbo_gediplomeerden AS
WITH lab AS (SELECT kind, label_key, code, technical FROM core.mbo_labels)
SELECT
    r.jaar,
    r.instellingscode,
    r.instellingsnaam,
    r.plaatsnaam,
    lw.code AS leerweg,
    CAST(nv.code AS INTEGER) AS niveau,
    r.crebo,
    r.opleiding_naam,
    r.sectorkamer,
    r.hoofdgroep,
    hg.code AS hoofdgroep_code,
    r.geslacht,
    CASE WHEN r.n_diplomas IN ('<5', '-1') THEN $point_value ELSE CAST(r.n_diplomas AS INTEGER) END AS n_diplomas,
    CASE WHEN r.n_diplomas IN ('<5', '-1') THEN $censored_lower ELSE CAST(r.n_diplomas AS INTEGER) END AS n_diplomas_lo,
    CASE WHEN r.n_diplomas IN ('<5', '-1') THEN $censored_upper ELSE CAST(r.n_diplomas AS INTEGER) END AS n_diplomas_hi,
    r.n_diplomas IN ('<5', '-1') AS n_censored,
    coalesce(o.technical, hg.technical) AS technical,
    CASE
        WHEN o.crebo IS NOT NULL THEN 'crebo override: ' || o.source || ' (' || o.date || ')'
        ELSE 'hoofdgroep ' || hg.code || (CASE WHEN hg.technical THEN ' is' ELSE ' is not' END) || ' technical'
    END AS technical_rule,
    sk.technical AS technical_sbb,
    r.masking,
    r.source_file,
    r.source_row
FROM raw.duo_mbo_gediplomeerden r
JOIN lab nv ON nv.kind = 'niveaus' AND nv.label_key = lower(trim(r.niveau_label))
JOIN lab lw ON lw.kind = 'leerwegen' AND lw.label_key = lower(trim(r.leerweg_label))
JOIN lab hg ON hg.kind = 'hoofdgroepen' AND hg.label_key = lower(trim(r.hoofdgroep))
JOIN lab sk ON sk.kind = 'sectorkamers' AND sk.label_key = lower(trim(r.sectorkamer))
LEFT JOIN core.mbo_crebo_overrides o ON o.crebo = r.crebo
ORDER BY r.jaar, r.source_file, r.source_row, r.geslacht;
