-- marts.reconciliation_seor_supply: SEOR 2023 tables 5.1/5.2 (share of vmbo B/K/G pupils within 10 km of each
-- campus at a location offering any / hard techniek / each profile; curated file
-- data_raw/published/seor2023_table5.csv built by scripts/build_seor_published.py from the spec, table
-- raw.seor_supply_published) against marts.profile_supply_campus of the SAME peiljaar (2022) and radius.
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (radius_label).
-- Staging table of marts.reconciliation: follows the contract in assets/monitoring/sql/mart_reconciliation.sql.
-- Every published figure has a row: when its peiljaar is not loaded, ours is NULL and status = 'year not
-- loaded' (never compared with another year). tolerance = $tol_pct points (printed as whole percents).
-- status: ok | differs | year not loaded | no matching figure | not comparable (the synthetic sample, whose
-- campus coordinates and pupils are invented; $comparable false, the reason in the note).
-- Parameters: $comparable, $not_comparable_reason, $tol_pct.
CREATE OR REPLACE TABLE marts.reconciliation_seor_supply AS
WITH loaded AS (SELECT DISTINCT peiljaar FROM core.duo_vo_students),
j AS (
    SELECT p.*, o.pct AS ours, o.n_pupils_base, o.n_locations,
           p.peiljaar IN (SELECT peiljaar FROM loaded) AS year_loaded
    FROM raw.seor_supply_published p
    LEFT JOIN marts.profile_supply_campus o
      ON o.peiljaar = p.peiljaar AND o.campus_code = p.campus_code AND o.measure = p.measure
     AND abs(o.radius_km - p.radius_km) < 1e-9
)
SELECT
    'seor_supply' AS source,
    table_id || '.' || measure AS indicator,
    CAST(peiljaar AS INTEGER) AS peiljaar,
    'campus:' || campus_code || '@' || radius_label(radius_km) || 'km' AS scope,
    ours,
    CAST(value AS DOUBLE) AS published,
    ours - value AS delta,
    $tol_pct::DOUBLE AS tolerance,
    CASE WHEN ours IS NULL THEN NULL ELSE abs(ours - value) <= $tol_pct + 1e-9 END AS ok,
    unit,
    figure_id,
    CAST(NULL AS VARCHAR) AS source_url,
    $comparable::BOOLEAN AS comparable,
    CASE
        WHEN NOT year_loaded THEN 'year not loaded'
        WHEN ours IS NULL THEN 'no matching figure'
        WHEN NOT $comparable THEN 'not comparable'
        WHEN abs(ours - value) <= $tol_pct + 1e-9 THEN 'ok'
        ELSE 'differs'
    END AS status,
    concat_ws('; ',
        CASE WHEN NOT year_loaded THEN 'year not loaded: the published figure belongs to peiljaar ' || peiljaar
             || ' (school year ' || peiljaar || '/' || (peiljaar + 1) || '), which this warehouse does not hold; '
             || 'it is never compared with another year' END,
        CASE WHEN year_loaded AND ours IS NULL THEN 'no row in marts.profile_supply_campus for this campus, measure and radius' END,
        CASE WHEN year_loaded AND NOT $comparable THEN 'not compared: ' || $not_comparable_reason END,
        CASE WHEN ours IS NOT NULL THEN 'ours over ' || n_pupils_base || ' B/K/G pupils at ' || n_locations || ' locations' END,
        'SEOR offer rule: a profile is offered where at least one pupil follows it; our inventory of locations is the DUO pupils file'
    ) AS note,
    table_id,
    measure
FROM j
ORDER BY figure_id;
