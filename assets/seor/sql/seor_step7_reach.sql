-- Funnel step 7 (table 2.1 "Geografische ligging binnen 10 km rondom de campussen"): keep candidates that
-- reach at least one campus (marts.initiative_campus_reach at the configured radius).
-- Parameters: $step_no, $step.
CREATE OR REPLACE TABLE core.seor_step7_reach AS
WITH per AS (
    SELECT
        r.initiative_id,
        count(*) FILTER (WHERE r.reached) AS n_campuses,
        string_agg(r.campus_code || ': ' || r.method, ', ' ORDER BY r.campus_code) FILTER (WHERE r.reached) AS how,
        min(r.distance_km) AS nearest_km,
        arg_min(r.campus_code, r.distance_km) AS nearest_campus,
        min(r.school_distance_km) AS nearest_school_km,
        max(r.radius_km) AS radius_km
    FROM marts.initiative_campus_reach r
    GROUP BY r.initiative_id
)
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    p.initiative_id,
    p.seq,
    p.name,
    CASE WHEN coalesce(per.n_campuses, 0) > 0 THEN 'kept' ELSE 'dropped' END AS decision,
    CASE
        WHEN coalesce(per.n_campuses, 0) > 0 THEN 'reaches ' || per.n_campuses || ' campus(es): ' || per.how
        WHEN per.nearest_km IS NULL AND per.nearest_school_km IS NULL
            THEN 'no location, no located participating school, not national/online, no override'
        ELSE 'no campus within ' || regexp_replace(per.radius_km::VARCHAR, '\.0$', '') || ' km (nearest: ' || coalesce(per.nearest_campus, '?') || ' at '
            || coalesce(round(per.nearest_km, 1)::VARCHAR, '?') || ' km'
            || coalesce('; nearest participating school ' || round(per.nearest_school_km, 1) || ' km', '') || ')'
    END AS rule,
    NULL::VARCHAR AS related_id
FROM core.seor_step6_roc p
LEFT JOIN per USING (initiative_id)
WHERE p.decision IN ('kept', 'added')
ORDER BY p.seq;
