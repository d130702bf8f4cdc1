-- marts.mbo_technical_diplomas: mbo diplomas and the technical share among them, per jaar × geslacht
-- ('man', 'vrouw' and 'all') × niveau (1–4 and 'all'), from DUO "gediplomeerden mbo" (core.mbo_gediplomeerden,
-- long form; technical from the mbo domain's config, never decided here).
-- pct_technical = 100 × technical diplomas / all diplomas of that geslacht and niveau;
-- pct_female_of_technical = 100 × technical diplomas of women / all technical diplomas of that jaar and
-- niveau (the same value on the man, vrouw and all rows of a jaar × niveau).
-- Censored cells: '<5' counted with the point value of core.mbo_gediplomeerden; *_lo/*_hi sum the bounds.
-- Parameters: none.
CREATE OR REPLACE TABLE marts.mbo_technical_diplomas AS
WITH d AS (
    SELECT jaar, geslacht, CAST(niveau AS VARCHAR) AS niveau, technical,
           n_diplomas AS n, n_diplomas_lo AS n_lo, n_diplomas_hi AS n_hi, n_censored
    FROM core.mbo_gediplomeerden
),
agg AS (
    SELECT
        jaar,
        CASE WHEN grouping(geslacht) = 1 THEN 'all' ELSE geslacht END AS geslacht,
        CASE WHEN grouping(niveau) = 1 THEN 'all' ELSE niveau END AS niveau,
        sum(n)::BIGINT AS n_diplomas,
        coalesce(sum(n) FILTER (WHERE technical), 0)::BIGINT AS n_technical,
        sum(n_lo)::BIGINT AS n_diplomas_lo,
        sum(n_hi)::BIGINT AS n_diplomas_hi,
        coalesce(sum(n_lo) FILTER (WHERE technical), 0)::BIGINT AS n_technical_lo,
        coalesce(sum(n_hi) FILTER (WHERE technical), 0)::BIGINT AS n_technical_hi,
        count(*) FILTER (WHERE n_censored) AS censored_cells
    FROM d
    GROUP BY jaar, CUBE (geslacht, niveau)
)
SELECT
    a.jaar, a.geslacht, a.niveau,
    a.n_diplomas, a.n_technical,
    100.0 * a.n_technical / nullif(a.n_diplomas, 0) AS pct_technical,
    100.0 * sum(a.n_technical) FILTER (WHERE a.geslacht = 'vrouw') OVER w
        / nullif(sum(a.n_technical) FILTER (WHERE a.geslacht = 'all') OVER w, 0) AS pct_female_of_technical,
    a.n_diplomas_lo, a.n_diplomas_hi, a.n_technical_lo, a.n_technical_hi,
    a.censored_cells
FROM agg a
WINDOW w AS (PARTITION BY a.jaar, a.niveau)
ORDER BY a.jaar, a.geslacht, a.niveau;
