-- marts.programme_targets: regional programme targets (pipeline/config/targets.yaml; spec indicators.md §5)
-- with the current value and the distance to the target for every loaded peiljaar.
-- Inputs registered by the asset (assets/monitoring/assets.py): temp tables programme_target_in (one row per
-- target, pipeline/targets.py target_frame), target_scope_in (one row per region, scope_frame) and
-- profile_flag (sql/mart_monitoring_macros.sql). Parameters: $min_offered (monitoring.yaml
-- profile_offer.min_pupils_offered).
-- Region → locations (target_scope_location): the vestigingen mapped to the STO region in raw.sto_region_map
-- when the optional mapping lists any; otherwise the stated approximation (municipalities), with
-- scope_method/scope_note saying so in every row; COROP or municipality names of core.school_locations,
-- matched by place_key (sql/place_key.sql: case, accents and punctuation ignored; the configuration check
-- refuses a configured name that matches no address before any work).
-- current_value: the statistic (comparison absolute) or 100 × (statistic − statistic in baseline_peiljaar)
-- / statistic in baseline_peiljaar (pct_change_vs_baseline). distance_to_target = target − current.
-- target_met: direction 'down' when the target lies below the baseline (published, else ours; 0 for a
-- change), else 'up'. Targets with computable = false get one row (peiljaar NULL) with the reason.
-- Censored cells: '<5' counted as the configured point value (core.duo_vo_students.n).
CREATE OR REPLACE TEMP TABLE target_scope_location AS
WITH mapped AS (
    SELECT s.scope_id, m.vestiging_code
    FROM target_scope_in s
    JOIN raw.sto_region_map m ON CAST(m.sto_region_code AS VARCHAR) = s.sto_region_code
    WHERE s.sto_region_code IS NOT NULL
)
SELECT scope_id, vestiging_code, 'sto_region_mapping' AS scope_method,
       'vestigingen mapped to the STO region in the sto_regions mapping file' AS scope_note
FROM mapped
UNION ALL
SELECT s.scope_id, l.vestiging_code, 'corop', 'COROP region ' || s.corop || ' of the DUO address file'
FROM target_scope_in s
JOIN core.school_locations l ON place_key(l.corop_name) = place_key(s.corop)
WHERE s.corop IS NOT NULL
UNION ALL
SELECT s.scope_id, l.vestiging_code, 'gemeenten', 'municipalities ' || array_to_string(s.gemeenten, ', ')
FROM target_scope_in s
JOIN core.school_locations l ON list_contains(list_transform(s.gemeenten, x -> place_key(x)), place_key(l.gemeente_name))
WHERE s.gemeenten IS NOT NULL
UNION ALL
SELECT s.scope_id, l.vestiging_code, 'gemeenten (approximation)', s.approx_note
FROM target_scope_in s
JOIN core.school_locations l
  ON list_contains(list_transform(s.approx_gemeenten, x -> place_key(x)), place_key(l.gemeente_name))
WHERE s.approx_gemeenten IS NOT NULL AND s.scope_id NOT IN (SELECT scope_id FROM mapped);

CREATE OR REPLACE TABLE marts.programme_targets AS
WITH t AS (
    SELECT
        target_id, programme, label, scope_id, statistic, comparison, unit,
        CAST(profiles AS VARCHAR[]) AS profiles, profile_flag,
        CAST(onderwijstypes AS VARCHAR[]) AS onderwijstypes, CAST(leerjaren AS INTEGER[]) AS leerjaren,
        CAST(baseline_peiljaar AS INTEGER) AS baseline_peiljaar,
        CAST(baseline_value_published AS DOUBLE) AS baseline_value_published,
        CAST(target_peiljaar AS INTEGER) AS target_peiljaar, CAST(target_value AS DOUBLE) AS target_value,
        computable, note, source_document
    FROM programme_target_in
),
years AS (SELECT DISTINCT peiljaar FROM core.duo_vo_students),
scope_info AS (
    SELECT
        s.scope_id, s.scope_name,
        coalesce(min(l.scope_method), CASE WHEN s.corop IS NOT NULL THEN 'corop'
            WHEN s.gemeenten IS NOT NULL THEN 'gemeenten' ELSE 'gemeenten (approximation)' END) AS scope_method,
        coalesce(min(l.scope_note), CASE WHEN s.corop IS NOT NULL THEN 'COROP region ' || s.corop || ' of the DUO address file'
            WHEN s.gemeenten IS NOT NULL THEN 'municipalities ' || array_to_string(s.gemeenten, ', ')
            ELSE s.approx_note END) AS scope_note
    FROM target_scope_in s LEFT JOIN target_scope_location l USING (scope_id)
    GROUP BY s.scope_id, s.scope_name, s.corop, s.gemeenten, s.approx_note
),
nloc AS (
    SELECT l.scope_id, s.peiljaar, count(DISTINCT s.vestiging_code) AS n_locations
    FROM target_scope_location l JOIN core.duo_vo_students s USING (vestiging_code)
    GROUP BY ALL
),
pupils AS (
    SELECT t.target_id, s.peiljaar, s.vestiging_code, s.sex, s.n
    FROM t
    JOIN target_scope_location l ON l.scope_id = t.scope_id
    JOIN core.duo_vo_students s ON s.vestiging_code = l.vestiging_code
    LEFT JOIN profile_flag f ON f.profile_code = s.profile_code AND f.flag = t.profile_flag
    WHERE t.computable
      AND (t.onderwijstypes IS NULL OR list_contains(t.onderwijstypes, s.onderwijstype))
      AND (t.leerjaren IS NULL OR list_contains(t.leerjaren, s.leerjaar))
      AND (t.profiles IS NULL OR list_contains(t.profiles, s.profile_code))
      AND (t.profile_flag IS NULL OR coalesce(f.value, false))
),
per_loc AS (
    SELECT target_id, peiljaar, vestiging_code, sum(n) AS n, coalesce(sum(n) FILTER (WHERE sex = 'V'), 0) AS n_girls
    FROM pupils GROUP BY ALL
),
stat AS (
    SELECT target_id, peiljaar, sum(n) AS n_pupils, sum(n_girls) AS n_girls,
           count(*) FILTER (WHERE n >= $min_offered) AS n_locations_offering
    FROM per_loc GROUP BY ALL
),
grid AS (
    SELECT t.*, y.peiljaar FROM t CROSS JOIN years y WHERE t.computable
    UNION ALL BY NAME
    SELECT t.*, CAST(NULL AS INTEGER) AS peiljaar FROM t WHERE NOT t.computable
),
val AS (
    SELECT
        g.*,
        CASE WHEN g.computable THEN coalesce(n.n_locations, 0) END AS n_locations_in_scope,
        CASE WHEN coalesce(n.n_locations, 0) = 0 THEN NULL
             ELSE CAST(CASE g.statistic
                 WHEN 'n_locations_offering' THEN coalesce(st.n_locations_offering, 0)
                 WHEN 'n_girls' THEN coalesce(st.n_girls, 0)
                 WHEN 'n_pupils' THEN coalesce(st.n_pupils, 0)
                 WHEN 'pct_girls' THEN 100.0 * st.n_girls / nullif(st.n_pupils, 0)
             END AS DOUBLE) END AS measured_value
    FROM grid g
    LEFT JOIN nloc n ON n.scope_id = g.scope_id AND n.peiljaar = g.peiljaar
    LEFT JOIN stat st ON st.target_id = g.target_id AND st.peiljaar = g.peiljaar
),
cur AS (
    SELECT
        v.*,
        b.measured_value AS baseline_value,
        CASE v.comparison
            WHEN 'absolute' THEN v.measured_value
            WHEN 'pct_change_vs_baseline' THEN 100.0 * (v.measured_value - b.measured_value) / nullif(b.measured_value, 0)
        END AS current_value,
        CASE WHEN v.target_value < CASE v.comparison WHEN 'pct_change_vs_baseline' THEN 0
                                      ELSE coalesce(v.baseline_value_published, b.measured_value, 0) END
             THEN 'down' ELSE 'up' END AS direction
    FROM val v
    LEFT JOIN val b ON b.target_id = v.target_id AND b.peiljaar = v.baseline_peiljaar
)
SELECT
    c.target_id, c.programme, c.label, c.statistic, c.comparison, c.unit,
    c.scope_id, si.scope_name, si.scope_method, si.scope_note,
    c.peiljaar, c.n_locations_in_scope,
    c.baseline_peiljaar, c.baseline_value_published, c.baseline_value,
    c.target_peiljaar, c.target_value,
    c.measured_value, c.current_value,
    c.target_value - c.current_value AS distance_to_target,
    CASE WHEN c.current_value IS NULL THEN NULL
         WHEN c.direction = 'down' THEN c.current_value <= c.target_value
         ELSE c.current_value >= c.target_value END AS target_met,
    c.computable,
    concat_ws(' ',
        c.note,
        CASE WHEN c.computable AND c.n_locations_in_scope = 0 THEN 'No school location of the region has pupils in this peiljaar.' END,
        CASE WHEN c.computable AND c.comparison = 'pct_change_vs_baseline' AND c.baseline_value IS NULL
             THEN 'Baseline peiljaar ' || c.baseline_peiljaar || ' is not loaded: no change can be computed.' END
    ) AS reason,
    c.source_document
FROM cur c
LEFT JOIN scope_info si ON si.scope_id = c.scope_id
ORDER BY c.programme, c.target_id, c.peiljaar;
