-- Funnel step 6 (table 2.1 "Concentreren van activiteiten op eenzelfde ROC-locatie"): rows sharing a
-- non-empty roc_location (compared lowercase, trimmed, whitespace collapsed) become one initiative.
-- Survivor ($roc_survivor): 'shortest_name' = the row with the shortest name (ties: first by seq), or
-- 'first' = the first row by seq. The survivor keeps its own single-valued fields (location,
-- national_online, geography); its multi-valued dimensions ($union_dimensions) become the union over
-- the group and each ordinal dimension (core.seor_ordinal_ranks(dimension, code, rank), seor.yaml funnel.roc_max_dimensions) the group
-- maximum; participating schools and reach overrides are those of all members
-- (core.seor_candidate_members).
-- Parameters: $step_no, $step, $roc_survivor, $union_dimensions (VARCHAR[]).
CREATE OR REPLACE TEMP TABLE seor_roc_ranked AS
SELECT
    p.initiative_id,
    p.seq,
    p.name,
    i.roc_location,
    i.roc_location_norm,
    row_number() OVER (
        PARTITION BY coalesce(i.roc_location_norm, 'id:' || p.initiative_id)
        ORDER BY CASE WHEN $roc_survivor = 'shortest_name' THEN length(p.name) ELSE 0 END, p.seq
    ) AS rn,
    count(*) OVER (PARTITION BY coalesce(i.roc_location_norm, 'id:' || p.initiative_id)) AS group_size,
    coalesce(i.roc_location_norm, 'id:' || p.initiative_id) AS group_key
FROM core.seor_step5_additions p
JOIN core.seor_initiatives i USING (initiative_id)
WHERE p.decision IN ('kept', 'added');

CREATE OR REPLACE TABLE core.seor_candidate_members AS
SELECT s.initiative_id, m.initiative_id AS member_id, m.seq AS member_seq, m.roc_location
FROM seor_roc_ranked m
JOIN seor_roc_ranked s ON s.group_key = m.group_key AND s.rn = 1
ORDER BY s.seq, m.seq;

CREATE OR REPLACE TABLE core.seor_step6_roc AS
SELECT
    $step_no::INTEGER AS step_no,
    $step::VARCHAR AS step,
    m.member_id AS initiative_id,
    m.member_seq AS seq,
    r.name,
    CASE WHEN m.member_id = m.initiative_id THEN 'kept' ELSE 'merged' END AS decision,
    CASE
        WHEN r.group_size = 1 THEN 'no other activity at the same ROC location'
        WHEN m.member_id = m.initiative_id THEN 'survivor (' || $roc_survivor || ') of ' || r.group_size
            || ' activities at ROC location "' || r.roc_location || '"'
        ELSE 'activity at ROC location "' || r.roc_location || '" concentrated into ' || m.initiative_id
    END AS rule,
    CASE WHEN m.member_id <> m.initiative_id THEN m.initiative_id END AS related_id
FROM core.seor_candidate_members m
JOIN seor_roc_ranked r ON r.initiative_id = m.member_id
ORDER BY m.member_seq;

CREATE OR REPLACE TABLE core.seor_candidate_values AS
WITH member_values AS (
    SELECT m.initiative_id, v.dimension, v.code
    FROM core.seor_candidate_members m
    JOIN core.seor_initiative_values v ON v.initiative_id = m.member_id
),
unioned AS (
    SELECT DISTINCT initiative_id, dimension, code FROM member_values
    WHERE list_contains($union_dimensions, dimension)
),
ordinal AS (
    SELECT mv.initiative_id, mv.dimension, arg_max(mv.code, o.rank) AS code
    FROM member_values mv
    JOIN core.seor_ordinal_ranks o ON o.dimension = mv.dimension AND o.code = mv.code
    GROUP BY ALL
),
own AS (
    -- every other dimension: the survivor's own values
    SELECT v.initiative_id, v.dimension, v.code
    FROM core.seor_initiative_values v
    JOIN (SELECT DISTINCT initiative_id FROM core.seor_candidate_members) s USING (initiative_id)
    WHERE NOT list_contains($union_dimensions, v.dimension)
      AND v.dimension NOT IN (SELECT dimension FROM core.seor_ordinal_ranks)
)
SELECT * FROM unioned
UNION ALL SELECT * FROM ordinal
UNION ALL SELECT * FROM own
ORDER BY ALL;

CREATE OR REPLACE TABLE core.seor_candidates AS
SELECT
    i.* EXCLUDE (geography, school_types, target_groups, activities, branches, praktijkgerichtheid,
                 participating_schools, reach_override_campuses),
    -- characteristics after concentration (authoritative long form: core.seor_candidate_values)
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'geography') AS geography,
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'school_types') AS school_types,
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'target_groups') AS target_groups,
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'activities') AS activities,
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'branches') AS branches,
    (SELECT string_agg(v.code, '|' ORDER BY v.code) FROM core.seor_candidate_values v
     WHERE v.initiative_id = i.initiative_id AND v.dimension = 'praktijkgerichtheid') AS praktijkgerichtheid,
    s.n_members,
    s.member_ids
FROM core.seor_initiatives i
JOIN (
    SELECT initiative_id, count(*) AS n_members, string_agg(member_id, '|' ORDER BY member_seq) AS member_ids
    FROM core.seor_candidate_members GROUP BY initiative_id
) s USING (initiative_id)
ORDER BY i.seq;
