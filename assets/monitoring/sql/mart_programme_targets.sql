-- marts.programme_targets: what the regional programmes want to reach, by when (assets/monitoring/config/targets.yaml;
-- spec indicators.md §5). Targets only: statements are in marts.programme_statements, forecasts in
-- marts.programme_forecasts. One row per target × reading × loaded peiljaar; a target open data cannot
-- support gets one row (peiljaar NULL) with the reason.
-- Inputs: core.target_definitions (one row per
-- target × reading, assets/monitoring/targets.py target_frame), core.profile_flags and the
-- regions of assets/monitoring/sql/programme_scopes.sql (core.programme_scope_info, core.programme_scope_pupils: each peiljaar placed by
-- its own address snapshot); for the mbo_* statistics core.mbo_gediplomeerden and core.programme_scope_mbo_instellingen
-- (assets/mbo/sql/core_programme_scope_mbo_instellingen.sql). Parameters: $min_offered (monitoring.yaml profile_offer.min_pupils_offered),
-- $few_pupils (targets.yaml few_pupils_below).
-- measured_value: the statistic in the peiljaar. baseline_value: the published baseline where the programme
-- gives one (baseline_source 'published'), else our statistic in baseline_peiljaar ('ours').
-- current_value by comparison: absolute = measured_value; pct_change_vs_baseline = 100 × (measured −
-- baseline) / baseline; points_change_vs_baseline = measured − baseline. distance_to_target = target −
-- current. progress_from_baseline = measured − baseline (absolute) or current_value (changes).
-- judged: peiljaar ≥ baseline_peiljaar (or no baseline year) and a current value; target_met is NULL when not
-- judged, with not_judged_reason. Direction 'down' when the target lies below the baseline (0 for a change).
-- Censored cells: '<5' counted as the configured point value (core.duo_vo_students.n).
-- mbo statistics (statistic mbo_*; assets/mbo/): from core.mbo_gediplomeerden over the region's mbo instellingen
-- (core.programme_scope_mbo_instellingen, by the instelling's main address); diploma jaar J (studiejaar J-1/J,
-- as core.mbo_gediplomeerden reads DUO's columns) is shown as peiljaar J − 1, the school year's first year:
--   mbo_n_girls_technical_diplomas    technical mbo diplomas of women
--   mbo_pct_girls_technical_diplomas  100 × technical diplomas of women / all diplomas of women (0–100)
-- n_locations_in_scope counts the region's mbo instellingen with diplomas that year. Without any mbo diploma
-- file loaded such a reading has one row (peiljaar NULL) saying so.
-- Parameters: $few_pupils, $min_offered.
CREATE OR REPLACE TABLE marts.programme_targets AS
WITH t AS (
    SELECT
        target_id, reading, reading_label, programme, label, quote, scope_id, statistic, comparison, unit,
        is_proxy, proxy_note,
        CAST(profiles AS VARCHAR[]) AS profiles, profile_flag,
        CAST(onderwijstypes AS VARCHAR[]) AS onderwijstypes, CAST(leerjaren AS INTEGER[]) AS leerjaren,
        CAST(baseline_peiljaar AS INTEGER) AS baseline_peiljaar,
        CAST(baseline_value_published AS DOUBLE) AS baseline_value_published,
        CAST(target_peiljaar AS INTEGER) AS target_peiljaar, CAST(target_value AS DOUBLE) AS target_value,
        computable, note, source_document
    FROM core.target_definitions
),
years AS (SELECT DISTINCT peiljaar FROM core.duo_vo_students),
mbo_years AS (SELECT DISTINCT CAST(jaar AS INTEGER) - 1 AS peiljaar FROM core.mbo_gediplomeerden),
nloc AS (
    SELECT scope_id, peiljaar, count(DISTINCT vestiging_code) AS n_locations
    FROM core.programme_scope_pupils GROUP BY ALL
),
mbo_diplomas AS (
    SELECT s.scope_id, CAST(d.jaar AS INTEGER) - 1 AS peiljaar, d.instellingscode, d.geslacht, d.technical, d.n_diplomas
    FROM core.programme_scope_mbo_instellingen s
    JOIN core.mbo_gediplomeerden d ON d.instellingscode = s.instellingscode
),
mbo_nloc AS (
    SELECT scope_id, peiljaar, count(DISTINCT instellingscode) AS n_locations FROM mbo_diplomas GROUP BY ALL
),
mbo_stat AS (
    SELECT t.target_id, t.reading, m.peiljaar,
           coalesce(sum(m.n_diplomas) FILTER (WHERE m.geslacht = 'vrouw' AND m.technical), 0) AS n_girls_technical,
           coalesce(sum(m.n_diplomas) FILTER (WHERE m.geslacht = 'vrouw'), 0) AS n_girls_diplomas
    FROM t JOIN mbo_diplomas m ON m.scope_id = t.scope_id
    WHERE t.computable AND starts_with(t.statistic, 'mbo_')
    GROUP BY ALL
),
pupils AS (
    SELECT t.target_id, t.reading, p.peiljaar, p.vestiging_code, p.sex, p.n,
           (t.profiles IS NULL AND t.profile_flag IS NULL) OR coalesce(list_contains(t.profiles, p.profile_code), false)
               OR coalesce(f.value, false) AS in_set
    FROM t
    JOIN core.programme_scope_pupils p ON p.scope_id = t.scope_id
    LEFT JOIN core.profile_flags f ON f.profile_code = p.profile_code AND f.flag = t.profile_flag
    WHERE t.computable
      AND (t.onderwijstypes IS NULL OR list_contains(t.onderwijstypes, p.onderwijstype))
      AND (t.leerjaren IS NULL OR list_contains(t.leerjaren, p.leerjaar))
),
per_loc AS (
    SELECT target_id, reading, peiljaar, vestiging_code,
           coalesce(sum(n) FILTER (WHERE in_set), 0) AS n,
           coalesce(sum(n) FILTER (WHERE in_set AND sex = 'V'), 0) AS n_girls,
           coalesce(sum(n) FILTER (WHERE sex = 'V'), 0) AS n_girls_population
    FROM pupils GROUP BY ALL
),
stat AS (
    SELECT target_id, reading, peiljaar, sum(n) AS n_pupils, sum(n_girls) AS n_girls,
           sum(n_girls_population) AS n_girls_population,
           count(*) FILTER (WHERE n >= $min_offered) AS n_locations_offering,
           count(*) FILTER (WHERE n >= $min_offered AND n < $few_pupils) AS n_offering_few
    FROM per_loc GROUP BY ALL
),
grid AS (
    SELECT t.*, y.peiljaar FROM t CROSS JOIN years y WHERE t.computable AND NOT starts_with(t.statistic, 'mbo_')
    UNION ALL BY NAME
    SELECT t.*, y.peiljaar FROM t CROSS JOIN mbo_years y WHERE t.computable AND starts_with(t.statistic, 'mbo_')
    UNION ALL BY NAME
    SELECT t.*, CAST(NULL AS INTEGER) AS peiljaar FROM t
    WHERE t.computable AND starts_with(t.statistic, 'mbo_') AND NOT EXISTS (SELECT 1 FROM mbo_years)
    UNION ALL BY NAME
    SELECT t.*, CAST(NULL AS INTEGER) AS peiljaar FROM t WHERE NOT t.computable
),
val AS (
    SELECT
        g.*,
        CASE WHEN g.computable THEN coalesce(n.n_locations, mn.n_locations, 0) END AS n_locations_in_scope,
        CASE WHEN g.statistic = 'n_locations_offering' THEN coalesce(st.n_offering_few, 0) END AS n_locations_few_pupils,
        CASE WHEN starts_with(g.statistic, 'mbo_') THEN CASE
                 WHEN coalesce(mn.n_locations, 0) = 0 THEN NULL
                 WHEN g.statistic = 'mbo_n_girls_technical_diplomas' THEN CAST(ms.n_girls_technical AS DOUBLE)
                 WHEN g.statistic = 'mbo_pct_girls_technical_diplomas'
                     THEN 100.0 * ms.n_girls_technical / nullif(ms.n_girls_diplomas, 0)
             END
             WHEN coalesce(n.n_locations, 0) = 0 THEN NULL
             ELSE CAST(CASE g.statistic
                 WHEN 'n_locations_offering' THEN coalesce(st.n_locations_offering, 0)
                 WHEN 'n_girls' THEN coalesce(st.n_girls, 0)
                 WHEN 'n_pupils' THEN coalesce(st.n_pupils, 0)
                 WHEN 'pct_girls' THEN 100.0 * st.n_girls / nullif(st.n_pupils, 0)
                 WHEN 'pct_girls_choosing' THEN 100.0 * st.n_girls / nullif(st.n_girls_population, 0)
             END AS DOUBLE) END AS measured_value
    FROM grid g
    LEFT JOIN nloc n ON n.scope_id = g.scope_id AND n.peiljaar = g.peiljaar AND NOT starts_with(g.statistic, 'mbo_')
    LEFT JOIN stat st ON st.target_id = g.target_id AND st.reading = g.reading AND st.peiljaar = g.peiljaar
    LEFT JOIN mbo_nloc mn ON mn.scope_id = g.scope_id AND mn.peiljaar = g.peiljaar AND starts_with(g.statistic, 'mbo_')
    LEFT JOIN mbo_stat ms ON ms.target_id = g.target_id AND ms.reading = g.reading AND ms.peiljaar = g.peiljaar
),
based AS (
    SELECT
        v.*,
        b.measured_value AS baseline_value_ours,
        coalesce(v.baseline_value_published, b.measured_value) AS baseline_value,
        CASE WHEN v.baseline_value_published IS NOT NULL THEN 'published'
             WHEN b.measured_value IS NOT NULL THEN 'ours' END AS baseline_source
    FROM val v
    LEFT JOIN val b ON b.target_id = v.target_id AND b.reading = v.reading AND b.peiljaar = v.baseline_peiljaar
),
cur AS (
    SELECT
        b.*,
        CASE b.comparison
            WHEN 'absolute' THEN b.measured_value
            WHEN 'pct_change_vs_baseline' THEN 100.0 * (b.measured_value - b.baseline_value) / nullif(b.baseline_value, 0)
            WHEN 'points_change_vs_baseline' THEN b.measured_value - b.baseline_value
        END AS current_value,
        CASE WHEN b.target_value < CASE WHEN b.comparison = 'absolute' THEN coalesce(b.baseline_value, 0) ELSE 0 END
             THEN 'down' ELSE 'up' END AS direction,
        CASE
            WHEN NOT b.computable THEN 'not computable from open data: ' || b.note
            WHEN b.peiljaar IS NULL THEN 'no DUO mbo diploma file is loaded'
            WHEN b.baseline_peiljaar IS NOT NULL AND b.peiljaar < b.baseline_peiljaar
                THEN 'peiljaar ' || b.peiljaar || ' is before the baseline year ' || b.baseline_peiljaar || ' ('
                     || b.baseline_peiljaar || '/' || (b.baseline_peiljaar + 1) || '): the target is judged from its baseline year onwards'
            WHEN b.measured_value IS NULL AND starts_with(b.statistic, 'mbo_')
                THEN 'no mbo instelling of the region has diplomas in studiejaar ' || b.peiljaar || '/' || (b.peiljaar + 1)
            WHEN b.measured_value IS NULL THEN 'no location of the region has pupils in this peiljaar'
            WHEN b.comparison <> 'absolute' AND b.baseline_value IS NULL
                THEN 'baseline year ' || b.baseline_peiljaar || ' is not loaded: no change can be computed'
        END AS not_judged_reason
    FROM based b
)
SELECT
    c.target_id, c.reading, c.reading_label, c.programme, c.label, c.quote, c.statistic, c.comparison, c.unit,
    c.scope_id, si.scope_name, si.scope_method, si.scope_note,
    c.peiljaar, c.n_locations_in_scope, c.n_locations_few_pupils,
    c.baseline_peiljaar, c.baseline_value, c.baseline_source, c.baseline_value_published, c.baseline_value_ours,
    c.target_peiljaar, c.target_value,
    c.measured_value, c.current_value,
    CASE c.comparison WHEN 'absolute' THEN c.measured_value - c.baseline_value ELSE c.current_value END
        AS progress_from_baseline,
    c.target_value - c.current_value AS distance_to_target,
    c.computable AND c.not_judged_reason IS NULL AND c.current_value IS NOT NULL AS judged,
    CASE WHEN c.not_judged_reason IS NOT NULL OR c.current_value IS NULL OR NOT c.computable THEN NULL
         WHEN c.direction = 'down' THEN c.current_value <= c.target_value
         ELSE c.current_value >= c.target_value END AS target_met,
    coalesce(c.not_judged_reason, CASE WHEN c.current_value IS NULL THEN 'no value' END) AS not_judged_reason,
    c.is_proxy, c.proxy_note,
    c.computable,
    concat_ws(' ',
        c.note,
        CASE WHEN c.n_locations_few_pupils > 0
             THEN c.n_locations_few_pupils || ' of the locations counted offer it with fewer than ' || $few_pupils || ' pupils.' END,
        CASE WHEN starts_with(c.statistic, 'mbo_')
             THEN 'Region for the mbo figures: ' || coalesce(mr.scope_note || ' (' || mr.names || ')',
                  'no mbo instelling of the DUO mbo address file lies in the region') || '.' END
    ) AS reason,
    c.source_document
FROM cur c
LEFT JOIN core.programme_scope_info si ON si.scope_id = c.scope_id
LEFT JOIN (
    SELECT scope_id, min(scope_note) AS scope_note, string_agg(instellingsnaam, ', ' ORDER BY instellingsnaam) AS names
    FROM core.programme_scope_mbo_instellingen GROUP BY scope_id
) mr ON mr.scope_id = c.scope_id
ORDER BY c.programme, c.target_id, c.reading, c.peiljaar;
