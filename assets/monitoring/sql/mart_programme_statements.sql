-- marts.programme_statements: what the programme documents say about the present (assets/monitoring/config/statements.yaml;
-- spec indicators.md §5), each reconciled with our own figure. A statement is never a target: it has no
-- "met". One row per statement × variant × loaded peiljaar; one row (peiljaar NULL) per statement open data
-- cannot support, saying what is missing.
-- Inputs: core.statement_definitions (assets/monitoring/targets.py statement_frame), for the mbo_* statistic
-- core.mbo_instroom, core.mbo_de4_groups and core.programme_scope_mbo_instellingen (assets/mbo/),
-- core.statement_variants (variant_frame: the configured cross product of profile set × leerjaren × leerwegen ×
-- region [× count_by × min_pupils], variant_no 1 = the primary reading), core.profile_flags
-- and the regions of assets/monitoring/sql/programme_scopes.sql (core.programme_scope_info,
-- core.programme_scope_pupils: each peiljaar placed by its own address snapshot).
-- Statistics (population = the variant's leerwegen and leerjaren; "in the set" = a profile of the variant's
-- profile set, by list or flag):
--   pct_girls                 100 × girls in the set / pupils in the set
--   n_locations_offering      units (count_by vestiging | brin = first 4 characters of the vestiging code)
--                             with ≥ min_pupils pupils in the set
--   n_locations_without_offer units with pupils of the population but fewer than min_pupils in the set
--   mbo_pct_nontechnical_net  PROXY (net flow): 100 × (1 − technical mbo entrants of studiejaar peiljaar+1 at the
--                             region's mbo instellingen (core.programme_scope_mbo_instellingen) whose prior
--                             education is a leerweg of the variant (core.mbo_de4_groups.onderwijstype) / pupils in
--                             the set); NULL when studiejaar peiljaar+1 is not loaded (core.mbo_instroom)
-- difference = our_value − published_value, in the unit's points. is_closest: the smallest |difference| per
-- statement × peiljaar (ties: the lower variant_no). Censored '<5' cells count with the configured point value.
-- Parameters: $few_pupils.
CREATE OR REPLACE TEMP TABLE statement_cells AS
SELECT
    v.statement_id, v.variant_no, p.peiljaar,
    CASE v.count_by WHEN 'brin' THEN left(p.vestiging_code, 4) ELSE p.vestiging_code END AS unit_code,
    p.vestiging_code, p.profile_code, p.sex, p.n,
    coalesce(list_contains(v.profiles, p.profile_code), false) OR coalesce(f.value, false) AS in_set
FROM core.statement_variants v
JOIN core.programme_scope_pupils p ON p.scope_id = v.scope_id
LEFT JOIN core.profile_flags f ON f.profile_code = p.profile_code AND f.flag = v.profile_flag
WHERE list_contains(v.onderwijstypes, p.onderwijstype) AND list_contains(v.leerjaren, p.leerjaar);

CREATE OR REPLACE TABLE marts.programme_statements AS
WITH years AS (SELECT DISTINCT peiljaar FROM core.duo_vo_students),
mbo_loaded AS (SELECT DISTINCT CAST(jaar AS INTEGER) AS jaar FROM core.mbo_instroom),
mbo_tech AS (
    -- technical entrants of the next studiejaar from the variant's vmbo leerwegen at the region's mbo instellingen
    SELECT v.statement_id, v.variant_no, CAST(e.jaar AS INTEGER) - 1 AS peiljaar,
           coalesce(sum(e.n_instroom_mbo) FILTER (WHERE e.technical), 0) AS n_tech_entrants
    FROM core.statement_variants v
    JOIN core.programme_scope_mbo_instellingen s ON s.scope_id = v.scope_id
    JOIN core.mbo_instroom e ON e.instellingscode = s.instellingscode
    JOIN core.mbo_de4_groups g ON g.prior_vo = e.prior_vo AND list_contains(v.onderwijstypes, g.onderwijstype)
    WHERE starts_with(v.statistic, 'mbo_')
    GROUP BY ALL
),
names AS (
    -- the unit's name in the snapshot resolved for that peiljaar (a brin: its first location's name)
    SELECT l.peiljaar, l.vestiging_code, h.name
    FROM core.pupil_locations l
    LEFT JOIN core.school_location_history h ON h.snapshot_id = l.snapshot_id AND h.vestiging_code = l.vestiging_code
),
units AS (
    SELECT c.statement_id, c.variant_no, c.peiljaar, c.unit_code,
           min(nm.name) AS unit_name,
           sum(c.n) AS n_population,
           coalesce(sum(c.n) FILTER (WHERE c.in_set), 0) AS n_in_set
    FROM statement_cells c
    LEFT JOIN names nm ON nm.peiljaar = c.peiljaar AND nm.vestiging_code = c.vestiging_code
    GROUP BY ALL
),
per_profile AS (
    -- girls' share per profile of the set: the reason most pct_girls variants differ
    SELECT statement_id, variant_no, peiljaar,
           string_agg(profile_code || ' ' || round(100.0 * n_girls / n, 0)::INTEGER || '% of ' || n::BIGINT,
                      ', ' ORDER BY n DESC, profile_code) AS detail
    FROM (SELECT statement_id, variant_no, peiljaar, profile_code, sum(n) AS n,
                 coalesce(sum(n) FILTER (WHERE sex = 'V'), 0) AS n_girls
          FROM statement_cells WHERE in_set GROUP BY ALL)
    WHERE n > 0
    GROUP BY ALL
),
girls AS (
    SELECT statement_id, variant_no, peiljaar,
           100.0 * coalesce(sum(n) FILTER (WHERE sex = 'V' AND in_set), 0) / nullif(sum(n) FILTER (WHERE in_set), 0) AS pct
    FROM statement_cells GROUP BY ALL
),
stat AS (
    SELECT
        v.statement_id, v.variant_no, y.peiljaar,
        count(u.unit_code) AS n_units,
        CASE v.statistic
            WHEN 'pct_girls' THEN max(g.pct)
            WHEN 'n_locations_offering' THEN
                CASE WHEN count(u.unit_code) > 0 THEN count(*) FILTER (WHERE u.n_in_set >= v.min_pupils) END
            WHEN 'n_locations_without_offer' THEN
                CASE WHEN count(u.unit_code) > 0 THEN count(*) FILTER (WHERE u.n_in_set < v.min_pupils) END
            WHEN 'mbo_pct_nontechnical_net' THEN
                CASE WHEN max(ml.jaar) IS NOT NULL AND sum(u.n_in_set) > 0
                     THEN 100.0 * (1 - coalesce(max(mt.n_tech_entrants), 0) / sum(u.n_in_set)) END
        END::DOUBLE AS our_value,
        CASE WHEN v.statistic = 'mbo_pct_nontechnical_net' THEN max(ml.jaar) IS NOT NULL END AS mbo_year_loaded,
        CASE WHEN v.statistic = 'mbo_pct_nontechnical_net' THEN coalesce(max(mt.n_tech_entrants), 0) END AS mbo_tech_entrants,
        CASE WHEN v.statistic = 'mbo_pct_nontechnical_net' THEN sum(u.n_in_set) END AS n_in_set_total,
        CASE v.statistic
            WHEN 'n_locations_offering' THEN string_agg(
                u.unit_code || ' ' || coalesce(u.unit_name, '?') || ' (' || u.n_in_set::BIGINT || ')', '; '
                ORDER BY u.n_in_set DESC, u.unit_code) FILTER (WHERE u.n_in_set >= v.min_pupils)
            WHEN 'n_locations_without_offer' THEN string_agg(
                u.unit_code || ' ' || coalesce(u.unit_name, '?') || ' (' || u.n_population::BIGINT || ' pupils)', '; '
                ORDER BY u.unit_code) FILTER (WHERE u.n_in_set < v.min_pupils)
        END AS units_detail,
        CASE WHEN v.statistic IN ('n_locations_offering', 'n_locations_without_offer')
             THEN count(*) FILTER (WHERE u.n_in_set >= v.min_pupils AND u.n_in_set < $few_pupils) END AS n_offering_few
    FROM core.statement_variants v
    CROSS JOIN years y
    LEFT JOIN units u ON u.statement_id = v.statement_id AND u.variant_no = v.variant_no AND u.peiljaar = y.peiljaar
    LEFT JOIN girls g ON g.statement_id = v.statement_id AND g.variant_no = v.variant_no AND g.peiljaar = y.peiljaar
    LEFT JOIN mbo_tech mt ON mt.statement_id = v.statement_id AND mt.variant_no = v.variant_no AND mt.peiljaar = y.peiljaar
    LEFT JOIN mbo_loaded ml ON starts_with(v.statistic, 'mbo_') AND ml.jaar = y.peiljaar + 1
    GROUP BY v.statement_id, v.variant_no, v.statistic, v.min_pupils, y.peiljaar
),
computed AS (
    SELECT
        s.*, v.variant_no, v.variant_id, v.variant_definition, v.scope_id AS variant_scope_id,
        st.peiljaar, st.n_units, st.our_value, st.our_value - s.published_value AS difference,
        st.units_detail, st.n_offering_few, pp.detail AS profile_detail,
        st.mbo_year_loaded, st.mbo_tech_entrants, st.n_in_set_total
    FROM core.statement_definitions s
    JOIN core.statement_variants v USING (statement_id)
    JOIN stat st ON st.statement_id = v.statement_id AND st.variant_no = v.variant_no
    LEFT JOIN per_profile pp ON pp.statement_id = v.statement_id AND pp.variant_no = v.variant_no
                            AND pp.peiljaar = st.peiljaar
    WHERE s.computable
),
ranked AS (
    SELECT
        c.*,
        c.our_value IS NOT NULL AND row_number() OVER (
            PARTITION BY c.statement_id, c.peiljaar ORDER BY abs(c.difference) ASC NULLS LAST, c.variant_no
        ) = 1 AS is_closest,
        count(c.our_value) OVER (PARTITION BY c.statement_id, c.peiljaar) AS n_variants_computed
    FROM computed c
),
closest AS (
    SELECT statement_id, peiljaar, variant_definition AS closest_definition, difference AS closest_difference
    FROM ranked WHERE is_closest
)
SELECT
    r.statement_id, r.programme, r.document, r.section, r.quote, 'statement' AS kind,
    si.scope_name, r.statement_year, r.published_value, r.unit, true AS computable,
    r.peiljaar, r.variant_no, r.variant_id, r.variant_definition, vs.scope_name AS variant_scope_name,
    r.our_value, r.difference, r.is_closest, r.n_units, r.n_offering_few,
    concat_ws(' ',
        CASE
            WHEN r.mbo_year_loaded = false THEN 'mbo studiejaar ' || (r.peiljaar + 1) || '-' || (r.peiljaar + 2)
                || ' (the year after peiljaar ' || r.peiljaar || ') is not loaded: no DUO mbo entrant file of that year.'
            WHEN r.our_value IS NULL THEN 'No location of ' || vs.scope_name || ' has pupils of this definition in peiljaar ' || r.peiljaar || '.'
            WHEN r.is_closest THEN 'Closest of the ' || r.n_variants_computed || ' definitions computed for peiljaar ' || r.peiljaar
                || ': ours ' || round(r.our_value, 1) || ' against the published ' || r.published_value || ' ('
                || CASE WHEN r.difference >= 0 THEN '+' ELSE '' END || round(r.difference, 1) || ' ' || CASE WHEN r.unit = 'pct' THEN 'points' ELSE r.unit END || ').'
            ELSE 'Not the closest definition (closest: ' || c.closest_definition || ', '
                || CASE WHEN c.closest_difference >= 0 THEN '+' ELSE '' END || round(c.closest_difference, 1) || ').'
        END,
        CASE WHEN r.statement_year IS NULL THEN 'The statement gives no year: every loaded peiljaar is shown.'
             WHEN r.statement_year <> r.peiljaar THEN 'The statement is about ' || r.statement_year || '; peiljaar ' || r.peiljaar || ' is another year.' END,
        r.explanation,
        CASE WHEN r.profile_detail IS NOT NULL AND r.statistic = 'pct_girls' THEN 'Girls per profile: ' || r.profile_detail || ' pupils.' END,
        CASE WHEN r.units_detail IS NOT NULL THEN 'Counted: ' || r.units_detail || '.' END,
        CASE WHEN r.mbo_year_loaded THEN 'Net flow: ' || r.mbo_tech_entrants::BIGINT || ' technical mbo entrants in '
            || (r.peiljaar + 1) || '-' || (r.peiljaar + 2) || ' from these leerwegen at the region''s mbo instellingen ('
            || coalesce(mr.names, 'none in the DUO mbo address file') || ') against ' || coalesce(r.n_in_set_total, 0)::BIGINT
            || ' pupils in the profile set in peiljaar ' || r.peiljaar || '.' END,
        CASE WHEN r.n_offering_few > 0 THEN r.n_offering_few || ' of the units offering count with fewer than ' || $few_pupils || ' pupils.' END,
        'Region: ' || vs.scope_method || ' (' || vs.scope_note || ').'
    ) AS explanation,
    r.source
FROM ranked r
LEFT JOIN closest c ON c.statement_id = r.statement_id AND c.peiljaar = r.peiljaar
LEFT JOIN core.programme_scope_info si ON si.scope_id = r.scope_id
LEFT JOIN core.programme_scope_info vs ON vs.scope_id = r.variant_scope_id
LEFT JOIN (
    SELECT scope_id, string_agg(instellingsnaam, ', ' ORDER BY instellingsnaam) AS names
    FROM core.programme_scope_mbo_instellingen GROUP BY scope_id
) mr ON mr.scope_id = r.variant_scope_id
UNION ALL BY NAME
SELECT
    s.statement_id, s.programme, s.document, s.section, s.quote, 'statement' AS kind,
    si.scope_name, s.statement_year, s.published_value, s.unit, false AS computable,
    CAST(NULL AS INTEGER) AS peiljaar, CAST(NULL AS BIGINT) AS variant_no, CAST(NULL AS VARCHAR) AS variant_id,
    CAST(NULL AS VARCHAR) AS variant_definition, CAST(NULL AS VARCHAR) AS variant_scope_name,
    CAST(NULL AS DOUBLE) AS our_value, CAST(NULL AS DOUBLE) AS difference, false AS is_closest,
    CAST(NULL AS BIGINT) AS n_units, CAST(NULL AS BIGINT) AS n_offering_few,
    'Not computable from the open data this pipeline ingests: ' || s.explanation AS explanation,
    s.source
FROM core.statement_definitions s
LEFT JOIN core.programme_scope_info si ON si.scope_id = s.scope_id
WHERE NOT s.computable
ORDER BY statement_id, peiljaar NULLS FIRST, variant_no;
