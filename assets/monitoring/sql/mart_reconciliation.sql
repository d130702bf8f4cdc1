-- marts.reconciliation: our figures against published ones, one table for every source.
--
-- CONTRACT for contributing sources. Any asset may contribute rows by writing a staging table
--   marts.reconciliation_<source>      (<source>: lower-case letters, digits, '_'; e.g. techniekpact, seor)
-- with at least these columns (names exact; types castable):
--   source     VARCHAR  the source label, e.g. 'seor'
--   indicator  VARCHAR  what is compared, e.g. 'tabel_5_1.any_techniek' or 'vmbo_bkg_lj3_techniek.pct'
--   peiljaar   INTEGER  peiljaar of the figure (NULL when the figure has none)
--   scope      VARCHAR  where, as '<scope_type>:<scope_code>', e.g. 'national:NL', 'campus:IT&S'
--   ours       DOUBLE   our value (NULL when we cannot compute it; say why in note)
--   published  DOUBLE   the published value
--   delta      DOUBLE   ours − published
--   tolerance  DOUBLE   largest |delta| that counts as agreement, in the unit of the value
--   ok         BOOLEAN  |delta| <= tolerance (NULL when ours is NULL)
-- and optionally: unit VARCHAR ('pct', 'count', ...), figure_id VARCHAR (unique per published figure
-- within the source; needed when one indicator/peiljaar/scope has several publications), source_url
-- VARCHAR, note VARCHAR, status VARCHAR (the row's outcome in words; when a source gives none it is derived:
-- 'not computed' when ours is NULL, 'not comparable' when comparable = false, else 'ok' / 'differs').
-- Further columns are kept as they are (NULL in other sources' rows).
-- Rows are unique on (source, indicator, peiljaar, scope, figure_id).
-- The contributing asset must be listed in assets/monitoring/config/monitoring.yaml reconciliation.contributors
-- so that this mart runs after it; every marts.reconciliation_* table present is unioned BY NAME
-- ($staging_tables, listed and checked for the required columns in assets/monitoring/inputs.py).
-- Parameters: $staging_tables.
CREATE OR REPLACE TEMP TABLE reconciliation_union AS
SELECT * FROM query_table($staging_tables::VARCHAR[], true);

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS unit VARCHAR;

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS figure_id VARCHAR;

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS source_url VARCHAR;

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS note VARCHAR;

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS status VARCHAR;

ALTER TABLE reconciliation_union ADD COLUMN IF NOT EXISTS comparable BOOLEAN;

CREATE OR REPLACE TABLE marts.reconciliation AS
SELECT
    CAST(source AS VARCHAR) AS source,
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(peiljaar AS INTEGER) AS peiljaar,
    CAST(scope AS VARCHAR) AS scope,
    CAST(ours AS DOUBLE) AS ours,
    CAST(published AS DOUBLE) AS published,
    CAST(delta AS DOUBLE) AS delta,
    CAST(tolerance AS DOUBLE) AS tolerance,
    CAST(ok AS BOOLEAN) AS ok,
    CAST(unit AS VARCHAR) AS unit,
    CAST(figure_id AS VARCHAR) AS figure_id,
    CAST(source_url AS VARCHAR) AS source_url,
    CAST(note AS VARCHAR) AS note,
    CAST(coalesce(status, CASE
        WHEN ours IS NULL THEN 'not computed'
        WHEN NOT coalesce(comparable, true) THEN 'not comparable'
        WHEN ok THEN 'ok'
        ELSE 'differs'
    END) AS VARCHAR) AS status,
    comparable,
    -- any further columns a source adds (e.g. seor: table_id) are kept, NULL for other sources
    * EXCLUDE (source, indicator, peiljaar, scope, ours, published, delta, tolerance, ok, unit, figure_id,
               source_url, note, status, comparable)
FROM reconciliation_union
ORDER BY source, indicator, peiljaar, scope, figure_id;
