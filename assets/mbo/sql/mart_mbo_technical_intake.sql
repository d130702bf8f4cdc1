-- marts.mbo_technical_intake: new mbo entrants and the technical share among them, per jaar × scope × prior
-- vo education × niveau × leerweg, from DUO "nieuw instromende mbo-studenten" (core.mbo_instroom).
-- Inputs: core.mbo_instroom (one row per file row: instelling × programme × niveau × leerweg × vooropleiding;
-- technical from the mbo domain's config, never decided here), core.mbo_instellingen (the DUO mbo address
-- file: plaatsnaam, gemeente, provincie, COROP, RMC of each instelling).
-- Entrants = n_instroom_mbo (new to mbo in that studiejaar, the count the Techniekpact monitor calls
-- "instroom in het mbo"); the other counts of the file are compared in marts.reconciliation_techniekpact_mbo.
-- No sex: the entrant file has no sex column, so there is no split by sex (see marts.mbo_technical_diplomas).
-- Scopes: national:NL; instelling:<instellingscode> (with the instelling's plaatsnaam, gemeente, provincie,
-- COROP and RMC); provincie:<provincie of the instelling> ('ONBEKEND' when the instelling is not in the
-- address file). The regions are those of the instelling's main address, not of the student.
-- Totals: prior_vo, niveau and leerweg each also 'all' (every combination, GROUP BY CUBE).
-- Censored cells: '<5' counted with the point value of core.mbo_instroom; *_lo/*_hi sum the bounds;
-- pct_technical_lo/_hi are the lowest/highest share the bounds allow; censored_cells counts rows whose
-- n_instroom_mbo was '<5' (core.mbo_instroom.n_censored also marks the other two counts).
-- Parameters: none.
CREATE OR REPLACE TABLE marts.mbo_technical_intake AS
WITH i AS (
    SELECT
        r.jaar, r.studiejaar, r.instellingscode, r.instellingsnaam, r.prior_vo,
        CAST(r.niveau AS VARCHAR) AS niveau, r.leerweg, r.technical,
        r.n_instroom_mbo AS n, r.n_instroom_mbo_lo AS n_lo, r.n_instroom_mbo_hi AS n_hi, r.n_censored
    FROM core.mbo_instroom r
),
scoped AS (
    SELECT 'national' AS scope_type, 'NL' AS scope_code, i.* FROM i
    UNION ALL
    SELECT 'instelling', i.instellingscode, i.* FROM i
    UNION ALL
    SELECT 'provincie', coalesce(s.provincie, 'ONBEKEND'), i.*
    FROM i LEFT JOIN core.mbo_instellingen s ON s.instellingscode = i.instellingscode
),
agg AS (
    SELECT
        jaar, min(studiejaar) AS studiejaar, scope_type, scope_code, min(instellingsnaam) AS instellingsnaam,
        CASE WHEN grouping(prior_vo) = 1 THEN 'all' ELSE prior_vo END AS prior_vo,
        CASE WHEN grouping(niveau) = 1 THEN 'all' ELSE niveau END AS niveau,
        CASE WHEN grouping(leerweg) = 1 THEN 'all' ELSE leerweg END AS leerweg,
        sum(n)::BIGINT AS n_entrants,
        coalesce(sum(n) FILTER (WHERE technical), 0)::BIGINT AS n_technical,
        sum(n_lo)::BIGINT AS n_entrants_lo,
        sum(n_hi)::BIGINT AS n_entrants_hi,
        coalesce(sum(n_lo) FILTER (WHERE technical), 0)::BIGINT AS n_technical_lo,
        coalesce(sum(n_hi) FILTER (WHERE technical), 0)::BIGINT AS n_technical_hi,
        coalesce(sum(n_lo) FILTER (WHERE NOT technical), 0)::BIGINT AS n_other_lo,
        coalesce(sum(n_hi) FILTER (WHERE NOT technical), 0)::BIGINT AS n_other_hi,
        count(*) FILTER (WHERE n_lo <> n_hi) AS censored_cells
    FROM scoped
    GROUP BY jaar, scope_type, scope_code, CUBE (prior_vo, niveau, leerweg)
)
SELECT
    a.jaar, a.studiejaar, a.scope_type, a.scope_code,
    CASE a.scope_type WHEN 'national' THEN 'Nederland' WHEN 'instelling' THEN coalesce(s.name, a.instellingsnaam)
         ELSE a.scope_code END AS scope_name,
    CASE WHEN a.scope_type = 'instelling' THEN s.plaatsnaam END AS instelling_plaatsnaam,
    CASE WHEN a.scope_type = 'instelling' THEN s.gemeente_name END AS instelling_gemeente,
    CASE WHEN a.scope_type = 'instelling' THEN s.provincie END AS instelling_provincie,
    CASE WHEN a.scope_type = 'instelling' THEN s.corop_name END AS instelling_corop,
    CASE WHEN a.scope_type = 'instelling' THEN s.rmc_name END AS instelling_rmc,
    a.prior_vo, a.niveau, a.leerweg,
    a.n_entrants, a.n_technical,
    100.0 * a.n_technical / nullif(a.n_entrants, 0) AS pct_technical,
    a.n_entrants_lo, a.n_entrants_hi, a.n_technical_lo, a.n_technical_hi,
    100.0 * a.n_technical_lo / nullif(a.n_technical_lo + a.n_other_hi, 0) AS pct_technical_lo,
    100.0 * a.n_technical_hi / nullif(a.n_technical_hi + a.n_other_lo, 0) AS pct_technical_hi,
    a.censored_cells
FROM agg a
LEFT JOIN core.mbo_instellingen s ON a.scope_type = 'instelling' AND s.instellingscode = a.scope_code
ORDER BY a.jaar, a.scope_type, a.scope_code, a.prior_vo, a.niveau, a.leerweg;
