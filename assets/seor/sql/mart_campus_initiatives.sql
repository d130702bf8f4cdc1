-- marts.campus_initiatives (table 2.2): per campus the number of selected initiatives (step 7) that
-- reach it at the configured radius; campus_code $total_code = all selected initiatives.
-- Parameters: $total_code.
CREATE OR REPLACE TABLE marts.campus_initiatives AS
WITH sel AS (SELECT initiative_id FROM core.seor_step7_reach WHERE decision = 'kept'),
per AS (
    SELECT r.campus_code, count(DISTINCT r.initiative_id) AS n
    FROM marts.initiative_campus_reach r JOIN sel USING (initiative_id)
    WHERE r.reached GROUP BY r.campus_code
)
SELECT k.campus_code, k.name AS campus_name,
       (SELECT max(radius_km) FROM marts.initiative_campus_reach) AS radius_km,
       coalesce(per.n, 0) AS n_initiatives
FROM core.campuses k LEFT JOIN per USING (campus_code)
UNION ALL
SELECT $total_code, 'all campuses', (SELECT max(radius_km) FROM marts.initiative_campus_reach), count(*)
FROM sel;
