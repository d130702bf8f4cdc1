-- marts.mbo_reconciliation_variants: every published Techniekpact mbo figure (raw.published_mbo_figures, from
-- data_raw/published/techniekpact_mbo.csv) beside our value under every plausible definition of "technical
-- mbo entrants": which count of the DUO entrant file (n_instroom_mbo: new to mbo; n_totaal_mbo; 
-- n_instroom_opleiding: new to the programme), which leerwegen (BOL + BBL or BOL only) and which niveaus
-- (1-4 or 2-4, i.e. with or without entree). One row per figure × definition of a loaded jaar.
-- Inputs: raw.published_mbo_figures, core.mbo_instroom, core.mbo_reconciliation_definitions (the configured
-- combinations, monitoring.yaml mbo.reconciliation; is_primary = the definition of marts.mbo_technical_intake).
-- Measures: n_technical = technical entrants; pct_technical = 100 × technical / all entrants of the definition;
-- pct_female_choosing has no value (the entrant file has no sex column). A per-niveau figure is compared with
-- the definition's count of that niveau (no value when the definition leaves the niveau out).
-- is_closest: the smallest |delta| per figure (ties: the lower variant_no). within_tolerance: |delta| ≤ the
-- tolerance ($tol_pct points for shares, $tol_count_rel × published for counts).
-- Censored cells: '<5' counted with the point value of core.mbo_instroom.
-- Parameters: $tol_count_rel, $tol_pct.
CREATE OR REPLACE TABLE marts.mbo_reconciliation_variants AS
WITH long AS (
    UNPIVOT (
        SELECT jaar, niveau, leerweg, technical, n_instroom_mbo, n_totaal_mbo, n_instroom_opleiding
        FROM core.mbo_instroom
    )
    ON n_instroom_mbo, n_totaal_mbo, n_instroom_opleiding INTO NAME count_column VALUE n
),
per_def AS (
    SELECT
        d.variant_no, l.jaar,
        CASE WHEN grouping(l.niveau) = 1 THEN 'all' ELSE CAST(l.niveau AS VARCHAR) END AS niveau,
        sum(l.n) AS n_entrants,
        coalesce(sum(l.n) FILTER (WHERE l.technical), 0) AS n_technical
    FROM core.mbo_reconciliation_definitions d
    JOIN long l ON l.count_column = d.count_column
               AND list_contains(d.leerwegen, l.leerweg) AND list_contains(d.niveaus, l.niveau)
    GROUP BY d.variant_no, l.jaar, ROLLUP (l.niveau)
),
compared AS (
    SELECT
        p.figure_id, p.jaar, p.niveau, p.measure, p.unit, p.value AS published,
        d.variant_no, d.variant_id, d.variant_label, d.count_column, d.is_primary,
        CASE p.measure
            WHEN 'n_technical' THEN CAST(v.n_technical AS DOUBLE)
            WHEN 'pct_technical' THEN 100.0 * v.n_technical / nullif(v.n_entrants, 0)
        END AS ours,
        v.n_entrants, v.n_technical,
        CASE WHEN p.unit = 'pct' THEN $tol_pct ELSE $tol_count_rel * abs(p.value) END AS tolerance
    FROM raw.published_mbo_figures p
    JOIN (SELECT DISTINCT jaar FROM core.mbo_instroom) y ON y.jaar = p.jaar
    CROSS JOIN core.mbo_reconciliation_definitions d
    LEFT JOIN per_def v ON v.variant_no = d.variant_no AND v.jaar = p.jaar AND v.niveau = p.niveau
)
SELECT
    c.figure_id, c.jaar, c.niveau, c.measure, c.unit, c.variant_no, c.variant_id, c.variant_label, c.count_column,
    c.is_primary, c.n_entrants, c.n_technical, c.ours, c.published,
    c.ours - c.published AS delta, c.tolerance,
    CASE WHEN c.ours IS NULL THEN NULL ELSE abs(c.ours - c.published) <= c.tolerance + 1e-9 END AS within_tolerance,
    c.ours IS NOT NULL AND row_number() OVER (
        PARTITION BY c.figure_id ORDER BY (c.ours IS NULL), abs(c.ours - c.published), c.variant_no
    ) = 1 AS is_closest
FROM compared c
ORDER BY c.figure_id, c.variant_no;
