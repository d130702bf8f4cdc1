-- core.coverage_origins_home: the origins of basis 'home' — one row per peiljaar × home postcode area (PC4)
-- where pupils of the 02 file live, at the PC4 centroid, with the estimated population and the PC4's regions.
-- core_coverage_origins.sql adds its rows (n_pupils > 0, the common columns) to core.coverage_origins.
--
-- Population (the 02 file has no onderwijstype; coverage.yaml home_basis): per peiljaar × vestiging its share of
-- $onderwijstypes (B/K/G, monitoring.yaml profile_offer) among all its pupils in leerjaren $leerjaren in the 01
-- file (core.duo_vo_students), applied to its pupils in the same leerjaren per PC4 in the 02 file
-- (core.duo_vo_pupils_postcode). Each vestiging's estimate is rounded to whole pupils and spread over its PC4s by
-- largest remainder (ties: lowest PC4), so the home pupils sum exactly to the vestigingen's rounded estimates.
-- '<5' cells count with the configured point value (core tables); bounds: the share at its extremes over the
-- censored cells of the 01 file (lo: B/K/G at lower, others at upper bounds; hi the reverse) times the 02 file's
-- lower/upper bounds, rounded down (lo) / up (hi) per vestiging × PC4. A vestiging of the 02 file absent from the
-- 01 file has no share: its pupils count in n_pupils_02 but not in n_pupils (check
-- core_duo_vo_pupils_postcode_matches_01 lists it).
-- Place: the GeoNames PC4 centroid (raw.geonames_pc4; a PC4 listed once per woonplaats: coordinates averaged, as
-- the locations domain does). placed = false, lat/lon NULL: a PC4 GeoNames lacks, or a published postcode that
-- is not one (origin_id $unknown): counted in n_pupils, never within a radius, listed by the check.
-- Regions: gemeente and provincie of the PC4 from GeoNames (its first line); COROP, RMC and onderwijsgebied (and
-- the address file's spelling of the gemeente and provincie) from the same peiljaar's address data
-- (core.pupil_locations: the regions most of that gemeente's school locations have, region_source 'gemeente').
-- A gemeente without a school location that year (or with another code in the address snapshot) takes them
-- from the nearest school location of that peiljaar in the same provincie (region_source 'nearest_school'); an
-- unplaced origin gets $unknown everywhere (region_source 'none'). sto_region: the optional mapping is per
-- vestiging, so home origins get $unknown when a mapping is given (NULL otherwise).
-- Inputs: core.duo_vo_students, core.duo_vo_pupils_postcode, raw.geonames_pc4, core.pupil_locations,
-- raw.sto_region_map.
-- Parameters: $onderwijstypes, $leerjaren, $unknown.
CREATE OR REPLACE TABLE core.coverage_origins_home AS
WITH s01 AS (
    SELECT peiljaar, vestiging_code, n, n_lower, n_upper,
           coalesce(list_contains($onderwijstypes::VARCHAR[], onderwijstype), false) AS in_pop
    FROM core.duo_vo_students
    WHERE list_contains($leerjaren::INTEGER[], leerjaar)
),
share AS (
    SELECT peiljaar, vestiging_code,
           coalesce(sum(n) FILTER (WHERE in_pop), 0) AS pop, sum(n) AS all_,
           coalesce(sum(n_lower) FILTER (WHERE in_pop), 0) AS pop_lo, coalesce(sum(n_upper) FILTER (WHERE in_pop), 0) AS pop_hi,
           coalesce(sum(n_lower) FILTER (WHERE NOT in_pop), 0) AS other_lo,
           coalesce(sum(n_upper) FILTER (WHERE NOT in_pop), 0) AS other_hi
    FROM s01
    GROUP BY ALL
),
h02 AS (
    SELECT peiljaar, vestiging_code, pc4,
           sum(n) AS m, sum(n_lo) AS m_lo, sum(n_hi) AS m_hi, count(*) FILTER (WHERE n_censored) AS censored_cells
    FROM core.duo_vo_pupils_postcode
    WHERE list_contains($leerjaren::INTEGER[], leerjaar)
    GROUP BY ALL
),
est AS (
    SELECT h.*,
           s.vestiging_code IS NOT NULL AS in_01,
           coalesce(round(h.m * s.pop / nullif(s.all_, 0), 9), 0) AS x,
           coalesce(floor(round(h.m_lo * s.pop_lo / nullif(s.pop_lo + s.other_hi, 0), 9)), 0) AS x_lo,
           coalesce(ceil(round(h.m_hi * s.pop_hi / nullif(s.pop_hi + s.other_lo, 0), 9)), 0) AS x_hi
    FROM h02 h
    LEFT JOIN share s USING (peiljaar, vestiging_code)
),
alloc AS (
    -- largest remainder per vestiging: floor(x) each, the vestiging's rounding deficit to the largest remainders
    SELECT *,
           floor(x) + CASE WHEN row_number() OVER (
                   PARTITION BY peiljaar, vestiging_code ORDER BY x - floor(x) DESC, pc4 NULLS LAST)
               <= round(sum(x) OVER (PARTITION BY peiljaar, vestiging_code))
                  - sum(floor(x)) OVER (PARTITION BY peiljaar, vestiging_code)
               THEN 1 ELSE 0 END AS n_est
    FROM est
),
per_pc4 AS (
    SELECT peiljaar, coalesce(pc4, $unknown) AS origin_id, pc4,
           sum(n_est)::BIGINT AS n_pupils, least(sum(x_lo), sum(n_est))::BIGINT AS n_pupils_lo,
           greatest(sum(x_hi), sum(n_est))::BIGINT AS n_pupils_hi,
           sum(censored_cells)::BIGINT AS censored_cells,
           sum(m)::BIGINT AS n_pupils_02, sum(m_lo)::BIGINT AS n_pupils_02_lo, sum(m_hi)::BIGINT AS n_pupils_02_hi,
           count(DISTINCT vestiging_code) AS n_vestigingen,
           count(DISTINCT vestiging_code) FILTER (WHERE NOT in_01) AS n_vestigingen_not_in_01
    FROM alloc
    GROUP BY peiljaar, coalesce(pc4, $unknown), pc4
),
gn AS (
    SELECT pc4, avg(lat) AS lat, avg(lon) AS lon,
           arg_min(provincie, source_row) AS provincie, arg_min(gemeente_code, source_row) AS gemeente_code,
           arg_min(gemeente, source_row) AS gemeente_name
    FROM raw.geonames_pc4
    WHERE pc4 IN (SELECT pc4 FROM per_pc4)
    GROUP BY pc4
),
schools AS (
    SELECT * FROM core.pupil_locations WHERE lat IS NOT NULL AND gemeente_code IS NOT NULL
),
gm AS (
    -- per peiljaar × gemeente: the regions most of its school locations have (ties: lowest codes)
    SELECT peiljaar, gemeente_code, provincie, gemeente_name, corop_code, corop_name, rmc_code, rmc_name,
           onderwijsgebied_code, onderwijsgebied_name
    FROM (SELECT peiljaar, gemeente_code, provincie, gemeente_name, corop_code, corop_name, rmc_code, rmc_name,
                 onderwijsgebied_code, onderwijsgebied_name, count(*) AS n
          FROM schools GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY peiljaar, gemeente_code
                               ORDER BY n DESC, corop_code, rmc_code, onderwijsgebied_code, provincie) = 1
),
placed AS (
    SELECT p.*, g.lat, g.lon, g.provincie AS gn_provincie, g.gemeente_code AS gn_gemeente_code,
           g.gemeente_name AS gn_gemeente_name
    FROM per_pc4 p
    LEFT JOIN gn g ON g.pc4 = p.pc4
),
nearest AS (
    -- origins whose gemeente has no school location that peiljaar: the nearest one in the same provincie
    -- (equirectangular distance, enough to rank within a provincie)
    SELECT o.peiljaar, o.origin_id, s.corop_code, s.corop_name, s.rmc_code, s.rmc_name, s.onderwijsgebied_code,
           s.onderwijsgebied_name
    FROM placed o
    JOIN schools s ON s.peiljaar = o.peiljaar AND s.provincie = o.gn_provincie
    WHERE o.lat IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM gm WHERE gm.peiljaar = o.peiljaar AND gm.gemeente_code = o.gn_gemeente_code)
    QUALIFY row_number() OVER (
        PARTITION BY o.peiljaar, o.origin_id
        ORDER BY (s.lat - o.lat) ^ 2 + ((s.lon - o.lon) * cos(radians(o.lat))) ^ 2, s.vestiging_code) = 1
),
mapped AS (
    SELECT count(*) > 0 AS has_map FROM raw.sto_region_map
)
SELECT
    o.peiljaar,
    'home' AS basis,
    o.origin_id,
    o.lat,
    o.lon,
    o.lat IS NOT NULL AS placed,
    o.n_pupils,
    o.n_pupils_lo,
    o.n_pupils_hi,
    o.censored_cells,
    coalesce(gm.provincie, o.gn_provincie, $unknown) AS provincie_code,
    coalesce(gm.provincie, o.gn_provincie, 'province unknown') AS provincie_name,
    coalesce(gm.corop_code, nr.corop_code, $unknown) AS corop_code,
    coalesce(gm.corop_name, nr.corop_name, 'home postcode not placed') AS corop_name,
    coalesce(gm.rmc_code, nr.rmc_code, $unknown) AS rmc_code,
    coalesce(gm.rmc_name, nr.rmc_name, 'home postcode not placed') AS rmc_name,
    coalesce(gm.onderwijsgebied_code, nr.onderwijsgebied_code, $unknown) AS onderwijsgebied_code,
    coalesce(gm.onderwijsgebied_name, nr.onderwijsgebied_name, 'home postcode not placed') AS onderwijsgebied_name,
    coalesce(o.gn_gemeente_code, $unknown) AS gemeente_code,
    coalesce(gm.gemeente_name, upper(o.gn_gemeente_name), 'home postcode not placed') AS gemeente_name,
    CASE WHEN mp.has_map THEN $unknown END AS sto_region_code,
    CASE WHEN mp.has_map THEN 'home postcode: the STO-region mapping is per vestiging' END AS sto_region_name,
    'estimated pupils of ' || array_to_string($onderwijstypes::VARCHAR[], ', ') || ' in leerjaar '
        || array_to_string($leerjaren::INTEGER[], ', ') || ' living in the postcode area (PC4): per vestiging its '
        || 'share of them among its pupils in those leerjaren (DUO 01 file) applied to its pupils in those '
        || 'leerjaren per home PC4 (DUO 02 file)' AS population_rule,
    o.pc4,
    CASE WHEN gm.gemeente_code IS NOT NULL THEN 'gemeente'
         WHEN nr.origin_id IS NOT NULL THEN 'nearest_school'
         ELSE 'none' END AS region_source,
    o.n_pupils_02,
    o.n_pupils_02_lo,
    o.n_pupils_02_hi,
    o.n_vestigingen,
    o.n_vestigingen_not_in_01
FROM placed o
CROSS JOIN mapped mp
LEFT JOIN gm ON gm.peiljaar = o.peiljaar AND gm.gemeente_code = o.gn_gemeente_code
LEFT JOIN nearest nr ON nr.peiljaar = o.peiljaar AND nr.origin_id = o.origin_id
ORDER BY o.peiljaar, o.origin_id;
