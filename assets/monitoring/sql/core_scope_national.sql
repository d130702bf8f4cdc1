-- core.scope_national: the national scope of every vestiging with pupils in any loaded year, from the pupil
-- data alone (no address file, no geocoding), so national figures (core.techniek_share_national) do not wait
-- on them. core.scope_membership takes these rows as its national level.
-- Inputs: core.duo_vo_students. Parameters: $scopes (monitoring.yaml scopes: empty unless 'national' is listed).
CREATE OR REPLACE TABLE core.scope_national AS
SELECT DISTINCT vestiging_code, 'national' AS scope_type, 'NL' AS scope_code, 'Nederland' AS scope_name,
       CAST(NULL AS DOUBLE) AS radius_km, CAST(NULL AS VARCHAR) AS campus_code
FROM core.duo_vo_students
WHERE list_contains($scopes, 'national');
