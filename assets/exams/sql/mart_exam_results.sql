-- marts.exam_results: DUO "examenkandidaten en geslaagden" per school year × vestiging × onderwijstype ×
-- exam programme (INSPECTIECODE), both layouts (raw.duo_vo_exams: 2014-2019 cp1252 '100,0%' with
-- MAN/VROUW/ONBEKEND/TOTAAL; 2019-2024 UTF-8 '90.9' with '<5' and MAN/VROUW/TOTAAL).
-- peiljaar = first year of the school year (2019-2020 ↔ peiljaar 2019).
-- Classification: core.exam_programmes (level, leerweg, sector) and core.exam_programme_flags (named flags,
-- e.g. techniek, n_profile; pivoted into one boolean column per flag) from monitoring.yaml exams;
-- classified = false when the programme does not tell the flags (e.g. 'VMBO T' without sector, up to 2017-18).
-- Totals are DUO's TOTAAL columns (they include candidates of unknown sex; in the 2019-2024 layout these
-- are not listed separately, so n_candidates can exceed n_candidates_m + n_candidates_v).
-- Censored cells: '<5' counted as the configured point value ($point_value), flagged per count, bounds
-- 1–4 in *_lower/*_upper. pass_pct = 100 * passed / candidates when neither total is censored, otherwise
-- DUO's published SLAAGPERC (computed by DUO from exact counts); pass_pct_source says which.
-- Rows whose school year has no candidates (TOTAAL = 0) are left out.
-- Parameters: $censored_lower, $censored_upper, $point_value.
CREATE OR REPLACE TEMP TABLE exam_flag_wide AS
PIVOT core.exam_programme_flags ON flag USING any_value(value) GROUP BY inspectiecode;

CREATE OR REPLACE TABLE marts.exam_results AS
WITH typed AS (
    SELECT
        r.schooljaar, r.peiljaar, r.vestiging_code, r.brin, r.instellingsnaam, r.gemeentenaam,
        r.onderwijstype_vo, r.inspectiecode, r.opleidingsnaam,
        CASE WHEN r.kandidaten_totaal = '<5' THEN $point_value ELSE CAST(r.kandidaten_totaal AS INTEGER) END AS n_candidates,
        r.kandidaten_totaal = '<5' AS candidates_censored,
        CASE WHEN r.geslaagden_totaal = '<5' THEN $point_value ELSE CAST(r.geslaagden_totaal AS INTEGER) END AS n_passed,
        r.geslaagden_totaal = '<5' AS passed_censored,
        CASE WHEN r.kandidaten_totaal = '<5' THEN $censored_lower ELSE CAST(r.kandidaten_totaal AS INTEGER) END AS n_candidates_lower,
        CASE WHEN r.kandidaten_totaal = '<5' THEN $censored_upper ELSE CAST(r.kandidaten_totaal AS INTEGER) END AS n_candidates_upper,
        CASE WHEN r.kandidaten_m = '<5' THEN $point_value ELSE CAST(r.kandidaten_m AS INTEGER) END AS n_candidates_m,
        CASE WHEN r.kandidaten_v = '<5' THEN $point_value ELSE CAST(r.kandidaten_v AS INTEGER) END AS n_candidates_v,
        CAST(r.kandidaten_onbekend AS INTEGER) AS n_candidates_onbekend,
        CASE WHEN r.geslaagden_m = '<5' THEN $point_value ELSE CAST(r.geslaagden_m AS INTEGER) END AS n_passed_m,
        CASE WHEN r.geslaagden_v = '<5' THEN $point_value ELSE CAST(r.geslaagden_v AS INTEGER) END AS n_passed_v,
        (r.kandidaten_m = '<5') OR (r.kandidaten_v = '<5') OR (r.geslaagden_m = '<5') OR (r.geslaagden_v = '<5')
            AS sex_cells_censored,
        CAST(replace(replace(r.slaagperc_totaal, '%', ''), ',', '.') AS DOUBLE) AS slaagperc_published,
        r.layout, r.source_file, r.source_row
    FROM raw.duo_vo_exams r
    WHERE r.kandidaten_totaal <> '0'
)
SELECT
    t.schooljaar, t.peiljaar, t.vestiging_code, t.brin, t.instellingsnaam, t.gemeentenaam, t.onderwijstype_vo,
    t.inspectiecode, t.opleidingsnaam, p.level, p.leerweg, p.sector, p.classified, f.* EXCLUDE (inspectiecode),
    t.n_candidates, t.n_passed, t.candidates_censored, t.passed_censored, t.n_candidates_lower, t.n_candidates_upper,
    t.n_candidates_m, t.n_candidates_v, t.n_candidates_onbekend, t.n_passed_m, t.n_passed_v, t.sex_cells_censored,
    CASE WHEN t.candidates_censored OR t.passed_censored THEN t.slaagperc_published
         ELSE 100.0 * t.n_passed / nullif(t.n_candidates, 0) END AS pass_pct,
    CASE WHEN t.candidates_censored OR t.passed_censored THEN 'published' ELSE 'computed' END AS pass_pct_source,
    t.slaagperc_published,
    $point_value::INTEGER AS censored_point_value,
    t.layout, t.source_file, t.source_row
FROM typed t
LEFT JOIN core.exam_programmes p ON p.inspectiecode = t.inspectiecode
LEFT JOIN exam_flag_wide f ON f.inspectiecode = t.inspectiecode
ORDER BY t.schooljaar, t.vestiging_code, t.inspectiecode;
