-- marts.reconciliation_techniekpact_mbo: the Techniekpact mbo figures (raw.published_mbo_figures from
-- data_raw/published/techniekpact_mbo.csv: technical mbo entrants 37,991 in 2022/23 and 38,443 in 2023/24,
-- the 28% share of 2021/22 and its split by niveau, women's share) against our DUO entrant figures.
-- Staging table of marts.reconciliation (source 'techniekpact_mbo'; contract in
-- assets/monitoring/sql/mart_reconciliation.sql). One row per published figure, also when its jaar is not
-- loaded (status 'year not loaded').
-- ours = the primary definition (marts.mbo_reconciliation_variants is_primary: n_instroom_mbo, BOL + BBL,
-- niveau 1-4, as marts.mbo_technical_intake); closest_definition / closest_value / closest_delta = the
-- definition that comes closest; definitions_compared lists every definition's value.
-- peiljaar = jaar, the first calendar year of the studiejaar (2022-2023 → 2022).
-- status: 'not computable' (a measure the files cannot give: women's share, the entrant file has no sex),
-- 'year not loaded', 'not comparable' (synthetic sample), 'ok' or 'differs'.
-- tolerance: $tol_pct points for shares, $tol_count_rel × published for counts (also on rows not compared).
-- Parameters: $comparable, $not_comparable_reason, $tol_count_rel, $tol_pct.
CREATE OR REPLACE TABLE marts.reconciliation_techniekpact_mbo AS
WITH loaded AS (SELECT DISTINCT jaar FROM core.mbo_instroom),
prim AS (SELECT * FROM marts.mbo_reconciliation_variants WHERE is_primary),
closest AS (SELECT * FROM marts.mbo_reconciliation_variants WHERE is_closest),
listed AS (
    SELECT figure_id,
           string_agg(variant_label || ': ' || coalesce(CAST(round(ours, 1) AS VARCHAR), 'no value'), '; '
                      ORDER BY variant_no) AS definitions_compared
    FROM marts.mbo_reconciliation_variants GROUP BY figure_id
)
SELECT
    'techniekpact_mbo' AS source,
    p.indicator || '.' || p.measure || CASE WHEN p.niveau = 'all' THEN '' ELSE '.niveau_' || p.niveau END AS indicator,
    p.jaar AS peiljaar, p.studiejaar, p.scope, p.niveau,
    pr.ours, p.value AS published, pr.ours - p.value AS delta,
    CASE WHEN p.unit = 'pct' THEN $tol_pct ELSE $tol_count_rel * abs(p.value) END AS tolerance,
    pr.within_tolerance AS ok,
    p.unit, p.figure_id, p.source_url, p.published_as, p.figure_kind, p.document, p.page_table,
    $comparable::BOOLEAN AS comparable,
    CASE
        WHEN p.jaar NOT IN (SELECT jaar FROM loaded) THEN 'year not loaded'
        WHEN pr.ours IS NULL THEN 'not computable'
        WHEN NOT $comparable THEN 'not comparable'
        WHEN pr.within_tolerance THEN 'ok'
        ELSE 'differs'
    END AS status,
    c.variant_label AS closest_definition, c.ours AS closest_value, c.delta AS closest_delta,
    l.definitions_compared,
    concat_ws('; ',
        CASE WHEN NOT $comparable AND pr.ours IS NOT NULL THEN 'not compared: ' || $not_comparable_reason END,
        CASE
            WHEN p.jaar NOT IN (SELECT jaar FROM loaded)
                THEN 'studiejaar ' || p.studiejaar || ' not loaded (no DUO entrant file of that year in the warehouse)'
            WHEN pr.ours IS NULL AND p.measure = 'pct_female_choosing'
                THEN 'not computable: the DUO entrant file has no sex column'
            WHEN pr.ours IS NULL THEN 'no value under the primary definition'
        END,
        CASE WHEN pr.ours IS NOT NULL AND NOT pr.within_tolerance AND c.variant_label IS NOT NULL
             THEN 'closest definition: ' || c.variant_label || ' (' || round(c.ours, 1) || ')' END,
        p.note) AS note
FROM raw.published_mbo_figures p
LEFT JOIN prim pr ON pr.figure_id = p.figure_id
LEFT JOIN closest c ON c.figure_id = p.figure_id
LEFT JOIN listed l ON l.figure_id = p.figure_id
ORDER BY p.indicator, p.measure, p.niveau, p.jaar, p.figure_id;
