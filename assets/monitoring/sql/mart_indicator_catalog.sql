-- marts.indicator_catalog: every indicator of the specification (STO, Techniekpact, SEOR, programme
-- targets) from the versioned catalogue data_raw/published/indicator_catalog.yaml (raw.indicator_catalog),
-- plus mart_exists: whether the named mart table is present in this warehouse at build time.
-- Parameters: none.
CREATE OR REPLACE TABLE marts.indicator_catalog AS
SELECT
    c.*,
    c.mart IS NOT NULL AND c.mart IN (
        SELECT table_schema || '.' || table_name FROM information_schema.tables
    ) AS mart_exists
FROM raw.indicator_catalog c
ORDER BY c.programme, c.indicator_id;
