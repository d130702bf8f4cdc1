-- marts.reconciliation_techniekpact: our DUO figures against the published Techniekpact figures
-- (raw.published_figures from data_raw/published/techniekpact.csv; indicators core.share_indicators). Staging table of marts.reconciliation:
-- follows the contract in assets/monitoring/sql/mart_reconciliation.sql.
-- Match: published (indicator, measure, peiljaar, scope = '<scope_type>:<scope_code>') ↔ marts.techniek_share
-- (indicator, peiljaar, scope_type, scope_code), measure ∈ pct | n_techniek | pct_girls.
-- tolerance: pct → $tol_pct points (published shares are rounded to whole percents);
--            count → $tol_count_rel × published (Techniekpact uses its own DUO extract).
-- ok = |ours − published| <= tolerance; NULL when we have no figure (note and status say why: indicator not
-- computable from DUO vo open data, or 'year not loaded'). Our shares use the censored point value (see
-- marts.techniek_share.censored_cells).
-- comparable = $comparable: false when the warehouse holds the synthetic sample (published national figures
-- are real; the note says so and the agreement check does not list such rows).
-- Parameters: $comparable, $not_comparable_reason, $tol_count_rel, $tol_pct.
CREATE OR REPLACE TABLE marts.reconciliation_techniekpact AS
WITH ours AS (
    UNPIVOT (
        SELECT peiljaar, scope_type, scope_code, indicator,
               CAST(pct AS DOUBLE) AS pct, CAST(n_techniek AS DOUBLE) AS n_techniek, CAST(pct_girls AS DOUBLE) AS pct_girls
        FROM marts.techniek_share
    )
    ON pct, n_techniek, pct_girls INTO NAME measure VALUE value
),
loaded AS (
    SELECT DISTINCT peiljaar FROM core.duo_vo_students
),
joined AS (
    SELECT
        p.*, o.value AS ours,
        CASE WHEN p.unit = 'pct' THEN $tol_pct ELSE $tol_count_rel * abs(p.value) END AS tolerance
    FROM raw.published_figures p
    LEFT JOIN ours o
      ON o.indicator = p.indicator AND o.measure = p.measure AND o.peiljaar = p.peiljaar
     AND o.scope_type = p.scope_type AND o.scope_code = p.scope_code
)
SELECT
    j.source,
    j.indicator || '.' || j.measure AS indicator,
    j.peiljaar,
    j.scope,
    j.ours,
    j.value AS published,
    j.ours - j.value AS delta,
    j.tolerance,
    CASE WHEN j.ours IS NULL THEN NULL ELSE abs(j.ours - j.value) <= j.tolerance + 1e-9 END AS ok,
    j.unit,
    j.figure_id,
    j.source_url,
    $comparable::BOOLEAN AS comparable,
    CASE
        WHEN j.ours IS NULL AND j.indicator NOT IN (SELECT indicator FROM core.share_indicators) THEN 'not computable'
        WHEN j.ours IS NULL AND j.peiljaar NOT IN (SELECT peiljaar FROM loaded) THEN 'year not loaded'
        WHEN j.ours IS NULL THEN 'no matching figure'
        WHEN NOT $comparable THEN 'not comparable'
        WHEN abs(j.ours - j.value) <= j.tolerance + 1e-9 THEN 'ok'
        ELSE 'differs'
    END AS status,
    concat_ws('; ',
        CASE WHEN NOT $comparable THEN 'not compared: ' || $not_comparable_reason END,
        CASE
            WHEN j.ours IS NOT NULL THEN NULL
            WHEN j.indicator NOT IN (SELECT indicator FROM core.share_indicators) THEN 'not computable from the DUO vo files'
            WHEN j.peiljaar NOT IN (SELECT peiljaar FROM loaded) THEN 'peiljaar not loaded'
            ELSE 'no matching row in marts.techniek_share'
        END,
        j.note) AS note
FROM joined j
ORDER BY j.indicator, j.measure, j.peiljaar, j.figure_id;
