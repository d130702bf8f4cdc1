-- Regions of the programme marts (marts.programme_targets, marts.programme_statements,
-- marts.programme_forecasts): tables core.programme_scope_locations, core.programme_scope_info and core.programme_scope_pupils.
-- Inputs: core.target_scopes (one row per region of assets/monitoring/config/targets.yaml `scopes`,
-- assets/monitoring/targets.py scope_frame), core.pupil_locations, core.duo_vo_students, raw.sto_region_map.
-- Macros: sql/place_key.sql. No parameters.
-- One geography per year: a location belongs to a region in a peiljaar by the address snapshot resolved for
-- that peiljaar (core.pupil_locations: gemeente and COROP of the snapshot nearest to 1 October), never by the
-- newest register core.school_locations, so a later address file that reuses a vestiging code for a school
-- elsewhere leaves every earlier year's figures as they were.
--   sto_region: the vestigingen mapped to the STO region in raw.sto_region_map when the optional mapping lists
--               any; otherwise the stated approximation (municipalities), said in every row (scope_method,
--               scope_note);
--   corop / gemeenten: COROP or municipality names of the year's snapshot, compared by place_key
--   (sql/place_key.sql: case, accents and punctuation ignored; the configuration check refuses a configured
--   name that matches no address before any work).
CREATE OR REPLACE TABLE core.programme_scope_locations AS
WITH mapped AS (
    SELECT s.scope_id, m.vestiging_code
    FROM core.target_scopes s
    JOIN raw.sto_region_map m ON CAST(m.sto_region_code AS VARCHAR) = s.sto_region_code
    WHERE s.sto_region_code IS NOT NULL
)
SELECT m.scope_id, l.peiljaar, l.vestiging_code, 'sto_region_mapping' AS scope_method,
       'vestigingen mapped to the STO region in the sto_regions mapping file' AS scope_note
FROM mapped m
JOIN core.pupil_locations l ON l.vestiging_code = m.vestiging_code
UNION ALL
SELECT s.scope_id, l.peiljaar, l.vestiging_code, 'corop',
       'COROP region ' || s.corop || ' of the address snapshot of each peiljaar'
FROM core.target_scopes s
JOIN core.pupil_locations l ON place_key(l.corop_name) = place_key(s.corop)
WHERE s.corop IS NOT NULL
UNION ALL
SELECT s.scope_id, l.peiljaar, l.vestiging_code, 'gemeenten',
       'municipalities ' || array_to_string(s.gemeenten, ', ') || ' of the address snapshot of each peiljaar'
FROM core.target_scopes s
JOIN core.pupil_locations l ON list_contains(list_transform(s.gemeenten, x -> place_key(x)), place_key(l.gemeente_name))
WHERE s.gemeenten IS NOT NULL
UNION ALL
SELECT s.scope_id, l.peiljaar, l.vestiging_code, 'gemeenten (approximation)', s.approx_note
FROM core.target_scopes s
JOIN core.pupil_locations l
  ON list_contains(list_transform(s.approx_gemeenten, x -> place_key(x)), place_key(l.gemeente_name))
WHERE s.approx_gemeenten IS NOT NULL AND s.scope_id NOT IN (SELECT scope_id FROM mapped);

CREATE OR REPLACE TABLE core.programme_scope_info AS
SELECT
    s.scope_id, s.scope_name,
    coalesce(min(l.scope_method), CASE WHEN s.corop IS NOT NULL THEN 'corop'
        WHEN s.gemeenten IS NOT NULL THEN 'gemeenten' ELSE 'gemeenten (approximation)' END) AS scope_method,
    coalesce(min(l.scope_note), CASE WHEN s.corop IS NOT NULL THEN 'COROP region ' || s.corop || ' of the address snapshot of each peiljaar'
        WHEN s.gemeenten IS NOT NULL THEN 'municipalities ' || array_to_string(s.gemeenten, ', ') || ' of the address snapshot of each peiljaar'
        ELSE s.approx_note END) AS scope_note
FROM core.target_scopes s LEFT JOIN core.programme_scope_locations l USING (scope_id)
GROUP BY s.scope_id, s.scope_name, s.corop, s.gemeenten, s.approx_note;

-- Pupils of each region's locations per peiljaar (the yearly cells the three marts filter).
CREATE OR REPLACE TABLE core.programme_scope_pupils AS
SELECT l.scope_id, s.peiljaar, s.vestiging_code, s.onderwijstype, s.leerjaar, s.profile_code, s.sex, s.n
FROM core.programme_scope_locations l
JOIN core.duo_vo_students s ON s.peiljaar = l.peiljaar AND s.vestiging_code = l.vestiging_code;
