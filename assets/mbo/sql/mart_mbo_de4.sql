-- marts.mbo_de4: STO indicator DE4 as far as open data allow: of the new mbo entrants whose prior education
-- was a vmbo leerweg, the share that enters a technical mbo programme; per jaar × vmbo leerweg (BB, KB, GL,
-- TL and all vmbo) × niveau (1–4 and 'all').
-- PROXY: STO asks for the share of vmbo PUPILS going on to technical mbo. The DUO entrant file counts mbo
-- ENTRANTS by their prior education: pupils who leave vmbo for havo, work or nothing are not in it, and an
-- entrant may have left vmbo years before. The share is a share of entrants with that prior education
-- (the Techniekpact monitor's "doorstroom" figures count the same way: only pupils who do enter mbo).
-- Inputs: core.mbo_instroom (entrants = n_instroom_mbo; technical from the mbo domain's config) and
-- core.mbo_de4_groups (which prior_vo codes form each vmbo leerweg and 'all_vmbo'; assets/mbo/marts.py).
-- Censored cells: '<5' counted with the point value; *_lo/*_hi and pct_technical_lo/_hi from the bounds.
-- Parameters: none.
CREATE OR REPLACE TABLE marts.mbo_de4 AS
WITH e AS (
    SELECT r.jaar, r.studiejaar, g.vmbo_leerweg, g.sort_order, CAST(r.niveau AS VARCHAR) AS niveau, r.technical,
           r.n_instroom_mbo AS n, r.n_instroom_mbo_lo AS n_lo, r.n_instroom_mbo_hi AS n_hi, r.n_censored
    FROM core.mbo_instroom r
    JOIN core.mbo_de4_groups g ON g.prior_vo = r.prior_vo
),
agg AS (
    SELECT
        jaar, min(studiejaar) AS studiejaar, vmbo_leerweg, min(sort_order) AS sort_order,
        CASE WHEN grouping(niveau) = 1 THEN 'all' ELSE niveau END AS niveau,
        sum(n)::BIGINT AS n_entrants,
        coalesce(sum(n) FILTER (WHERE technical), 0)::BIGINT AS n_technical,
        coalesce(sum(n_lo) FILTER (WHERE technical), 0)::BIGINT AS n_technical_lo,
        coalesce(sum(n_hi) FILTER (WHERE technical), 0)::BIGINT AS n_technical_hi,
        coalesce(sum(n_lo) FILTER (WHERE NOT technical), 0)::BIGINT AS n_other_lo,
        coalesce(sum(n_hi) FILTER (WHERE NOT technical), 0)::BIGINT AS n_other_hi,
        count(*) FILTER (WHERE n_lo <> n_hi) AS censored_cells
    FROM e
    GROUP BY jaar, vmbo_leerweg, ROLLUP (niveau)
)
SELECT
    a.jaar, a.studiejaar, a.vmbo_leerweg, a.niveau,
    a.n_entrants, a.n_technical,
    100.0 * a.n_technical / nullif(a.n_entrants, 0) AS pct_technical,
    a.n_technical_lo, a.n_technical_hi,
    100.0 * a.n_technical_lo / nullif(a.n_technical_lo + a.n_other_hi, 0) AS pct_technical_lo,
    100.0 * a.n_technical_hi / nullif(a.n_technical_hi + a.n_other_lo, 0) AS pct_technical_hi,
    a.censored_cells,
    true AS is_proxy
FROM agg a
ORDER BY a.jaar, a.sort_order, a.niveau;
