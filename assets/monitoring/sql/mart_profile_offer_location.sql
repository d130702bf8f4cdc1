-- marts.profile_offer_location: vmbo profile offer per school location (STO duurzaam/dekkend; SEOR table 5).
-- Pupils: bovenbouw (leerjaren $leerjaren) of $onderwijstypes (B/K/G), per peiljaar × vestiging × profile.
-- offered = n_bovenbouw >= $min_offered (monitoring.yaml; SEOR: at least one pupil).
-- status_vs_baseline against baseline_peiljaar = the configured baseline (core.peiljaar_calendar, 2017/18) when
-- loaded, otherwise the earliest loaded peiljaar (stated per row):
--   baseline (the baseline year itself) | kept | new | dropped | not_offered | before_baseline.
-- status_vs_previous against the previous loaded peiljaar (prev_peiljaar): kept | new | dropped |
--   not_offered | first_year. "dropped" rows (profile offered before, not now) are added with n = 0, also
--   for locations that closed.
-- intake_stopped: offered but no pupils in the first bovenbouw leerjaar (a profile being phased out).
-- Censored cells: '<5' counted as the configured point value ($point_value) — always >= 1, so a censored
-- cell alone makes a profile offered when $min_offered <= 1; censored_cells counts them per row.
-- Names (location_name, gemeente_name) come from the address snapshot resolved for that peiljaar
-- (core.pupil_locations.snapshot_id → core.school_location_history), never from the newest register: a
-- vestiging code that a later address file gives to another school keeps this year's name and gemeente.
-- A "dropped" row of a location that closed (no pupils that year) takes the names of its latest earlier
-- peiljaar with pupils (ASOF join), so no later snapshot is ever consulted.
-- Parameters: $leerjaren, $min_offered, $onderwijstypes, $point_value.
CREATE OR REPLACE TABLE marts.profile_offer_location AS
WITH cells AS (
    SELECT s.peiljaar, s.vestiging_code, s.profile_code, s.leerweg, s.leerjaar, s.n, s.n_censored
    FROM core.duo_vo_students s
    WHERE list_contains($onderwijstypes, s.onderwijstype) AND list_contains($leerjaren, s.leerjaar)
      AND s.profile_code IS NOT NULL
),
by_leerweg AS (
    SELECT peiljaar, vestiging_code, profile_code,
           map_from_entries(list(struct_pack(k := leerweg, v := n) ORDER BY leerweg)) AS n_by_leerweg
    FROM (SELECT peiljaar, vestiging_code, profile_code, leerweg, sum(n)::BIGINT AS n FROM cells GROUP BY ALL)
    GROUP BY ALL
),
counts AS (
    SELECT
        c.peiljaar, c.vestiging_code, c.profile_code,
        sum(c.n)::BIGINT AS n_bovenbouw,
        coalesce(sum(c.n) FILTER (WHERE c.leerjaar = list_min($leerjaren)), 0)::BIGINT AS n_first_leerjaar,
        count(*) FILTER (WHERE c.n_censored) AS censored_cells
    FROM cells c GROUP BY ALL
),
offer AS (
    SELECT c.*, c.n_bovenbouw >= $min_offered AS offered, b.n_by_leerweg
    FROM counts c
    JOIN by_leerweg b USING (peiljaar, vestiging_code, profile_code)
),
years AS (
    SELECT peiljaar FROM core.peiljaar_calendar
),
prev AS (
    SELECT peiljaar, prev_peiljaar FROM core.peiljaar_calendar
),
base AS (
    SELECT DISTINCT baseline_peiljaar FROM core.peiljaar_calendar
),
grid AS (
    SELECT peiljaar, vestiging_code, profile_code FROM offer
    UNION
    SELECT y.peiljaar, o.vestiging_code, o.profile_code
    FROM years y CROSS JOIN base b
    JOIN offer o ON o.peiljaar = b.baseline_peiljaar AND o.offered
    WHERE y.peiljaar > b.baseline_peiljaar
    UNION
    SELECT y.peiljaar, o.vestiging_code, o.profile_code
    FROM prev y
    JOIN offer o ON o.peiljaar = y.prev_peiljaar AND o.offered
),
rows_ AS (
    SELECT
        g.peiljaar, g.vestiging_code, g.profile_code,
        coalesce(o.n_bovenbouw, 0) AS n_bovenbouw,
        coalesce(o.n_first_leerjaar, 0) AS n_first_leerjaar,
        o.n_by_leerweg,
        coalesce(o.offered, false) AS offered,
        coalesce(o.censored_cells, 0) AS censored_cells,
        b.baseline_peiljaar,
        coalesce(bo.offered, false) AS offered_at_baseline,
        y.prev_peiljaar,
        coalesce(po.offered, false) AS offered_previous
    FROM grid g
    CROSS JOIN base b
    JOIN prev y ON y.peiljaar = g.peiljaar
    LEFT JOIN offer o ON o.peiljaar = g.peiljaar AND o.vestiging_code = g.vestiging_code AND o.profile_code = g.profile_code
    LEFT JOIN offer bo ON bo.peiljaar = b.baseline_peiljaar AND bo.vestiging_code = g.vestiging_code
                      AND bo.profile_code = g.profile_code
    LEFT JOIN offer po ON po.peiljaar = y.prev_peiljaar AND po.vestiging_code = g.vestiging_code
                      AND po.profile_code = g.profile_code
)
SELECT
    r.peiljaar, r.vestiging_code, h.name AS location_name, pl.gemeente_name, r.profile_code, p.kind AS profile_kind,
    r.n_bovenbouw, r.n_first_leerjaar, r.n_by_leerweg, r.offered,
    r.offered AND r.n_first_leerjaar = 0 AS intake_stopped,
    r.baseline_peiljaar,
    CASE
        WHEN r.peiljaar < r.baseline_peiljaar THEN 'before_baseline'
        WHEN r.peiljaar = r.baseline_peiljaar THEN CASE WHEN r.offered THEN 'baseline' ELSE 'not_offered' END
        WHEN r.offered AND r.offered_at_baseline THEN 'kept'
        WHEN r.offered THEN 'new'
        WHEN r.offered_at_baseline THEN 'dropped'
        ELSE 'not_offered'
    END AS status_vs_baseline,
    r.prev_peiljaar,
    CASE
        WHEN r.prev_peiljaar IS NULL THEN 'first_year'
        WHEN r.offered AND r.offered_previous THEN 'kept'
        WHEN r.offered THEN 'new'
        WHEN r.offered_previous THEN 'dropped'
        ELSE 'not_offered'
    END AS status_vs_previous,
    $min_offered::INTEGER AS min_pupils_offered,
    r.censored_cells,
    $point_value::INTEGER AS censored_point_value
FROM rows_ r
LEFT JOIN core.vmbo_profile p ON p.profile_code = r.profile_code
ASOF LEFT JOIN core.pupil_locations pl ON pl.vestiging_code = r.vestiging_code AND pl.peiljaar <= r.peiljaar
LEFT JOIN core.school_location_history h ON h.snapshot_id = pl.snapshot_id AND h.vestiging_code = r.vestiging_code
ORDER BY r.peiljaar, r.vestiging_code, r.profile_code;
