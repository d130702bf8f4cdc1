-- core.coverage_origins: the points whose distance to the nearest offer the coverage marts measure, with their
-- pupils and regions, per peiljaar. basis 'school' (this file): one row per peiljaar × vmbo location with
-- pupils of $onderwijstypes (B/K/G) in leerjaren $leerjaren (monitoring.yaml profile_offer: the bovenbouw),
-- origin_id = vestiging_code, at the location's coordinates of that peiljaar (core.pupil_locations: each
-- peiljaar resolved against its own best address snapshot, so a newer snapshot leaves earlier years as they
-- were). Other bases (basis 'home', origin_id = the pupils' four-digit postcode) add their rows here with
-- the same columns; core.origin_offer_distance measures every origin of this table.
-- n_pupils counts '<5' cells with the configured point value; n_pupils_lo/_hi are the bounds (1 and 4).
-- Regions: the peiljaar's own address snapshot (core.pupil_locations); a level the address file cannot give
-- gets code $unknown, so every level sums to the national total (provincie falls back to the pupils file).
-- sto_region: raw.sto_region_map (NULL when no mapping file is given; $unknown for locations it lacks).
-- placed = false: no coordinates (lat/lon NULL); such origins get no distance and are listed as unplaced.
-- Inputs: core.duo_vo_students, core.pupil_locations, raw.sto_region_map.
-- Parameters: $onderwijstypes, $leerjaren, $unknown.
CREATE OR REPLACE TABLE core.coverage_origins AS
WITH pop AS (
    SELECT peiljaar, vestiging_code,
           sum(n)::BIGINT AS n_pupils, sum(n_lower)::BIGINT AS n_pupils_lo, sum(n_upper)::BIGINT AS n_pupils_hi,
           count(*) FILTER (WHERE n_censored) AS censored_cells
    FROM core.duo_vo_students
    WHERE list_contains($onderwijstypes::VARCHAR[], onderwijstype) AND list_contains($leerjaren::INTEGER[], leerjaar)
    GROUP BY ALL
),
mapped AS (
    SELECT count(*) > 0 AS has_map FROM raw.sto_region_map
)
SELECT
    p.peiljaar,
    'school' AS basis,
    p.vestiging_code AS origin_id,
    g.lat,
    g.lon,
    g.lat IS NOT NULL AS placed,
    p.n_pupils,
    p.n_pupils_lo,
    p.n_pupils_hi,
    p.censored_cells,
    coalesce(g.provincie, $unknown) AS provincie_code,
    coalesce(g.provincie, 'province unknown') AS provincie_name,
    coalesce(g.corop_code, $unknown) AS corop_code,
    coalesce(g.corop_name, 'not in the address file') AS corop_name,
    coalesce(g.rmc_code, $unknown) AS rmc_code,
    coalesce(g.rmc_name, 'not in the address file') AS rmc_name,
    coalesce(g.onderwijsgebied_code, $unknown) AS onderwijsgebied_code,
    coalesce(g.onderwijsgebied_name, 'not in the address file') AS onderwijsgebied_name,
    coalesce(g.gemeente_code, $unknown) AS gemeente_code,
    coalesce(g.gemeente_name, 'not in the address file') AS gemeente_name,
    CASE WHEN mp.has_map THEN coalesce(m.sto_region_code, $unknown) END AS sto_region_code,
    CASE WHEN mp.has_map THEN coalesce(m.sto_region_name, 'not in the STO-region mapping') END AS sto_region_name,
    'pupils of ' || array_to_string($onderwijstypes::VARCHAR[], ', ') || ' in leerjaar '
        || array_to_string($leerjaren::INTEGER[], ', ') || ' at the school location' AS population_rule
FROM pop p
CROSS JOIN mapped mp
LEFT JOIN core.pupil_locations g ON g.peiljaar = p.peiljaar AND g.vestiging_code = p.vestiging_code
LEFT JOIN raw.sto_region_map m ON m.vestiging_code = p.vestiging_code
ORDER BY p.peiljaar, p.vestiging_code;
