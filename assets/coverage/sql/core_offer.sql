-- core.offer: the offer of each vmbo profile (and of each configured TL sector) per peiljaar × location,
-- with the two offer rules of the coverage domain. One row per peiljaar × vestiging_code × profile_code with
-- pupils:
--   offer_kind 'profile'    bovenbouw pupils of $onderwijstypes (B/K/G) in leerjaren $leerjaren in the profile
--                           (monitoring.yaml profile_offer: the population of marts.profile_offer_location);
--   offer_kind 'tl_sector'  pupils of $tl_onderwijstypes (VMBO-TL) in leerjaren $leerjaren in a sector of
--                           $tl_sectors (coverage.yaml tl_groups), profile_code 'TL:<sector>'.
-- n_leerjaar3 = pupils in the first leerjaar of $leerjaren (the intake), n_leerjaar4 in the last.
-- phasing_out     = no intake but pupils in the last leerjaar.
-- offered_default = n_bovenbouw >= $min_offered (the SEOR rule, monitoring.yaml profile_offer).
-- offered_strict  = offered_default and n_leerjaar3 >= $min_intake (coverage.yaml offer_rules.strict).
-- Censored cells: '<5' counted as the configured point value ($point_value; core.duo_vo_students.n);
-- censored_cells counts them per row.
-- Inputs: core.duo_vo_students.
-- Parameters: $onderwijstypes, $leerjaren, $min_offered, $min_intake, $tl_onderwijstypes, $tl_sectors,
--             $point_value.
CREATE OR REPLACE TABLE core.offer AS
WITH cells AS (
    SELECT s.peiljaar, s.vestiging_code, s.profile_code, 'profile' AS offer_kind, s.leerjaar, s.n, s.n_censored
    FROM core.duo_vo_students s
    WHERE list_contains($onderwijstypes::VARCHAR[], s.onderwijstype)
      AND list_contains($leerjaren::INTEGER[], s.leerjaar) AND s.profile_code IS NOT NULL
    UNION ALL
    SELECT s.peiljaar, s.vestiging_code, 'TL:' || s.vmbo_sector, 'tl_sector', s.leerjaar, s.n, s.n_censored
    FROM core.duo_vo_students s
    WHERE list_contains($tl_onderwijstypes::VARCHAR[], s.onderwijstype)
      AND list_contains($leerjaren::INTEGER[], s.leerjaar) AND list_contains($tl_sectors::VARCHAR[], s.vmbo_sector)
),
counts AS (
    SELECT
        peiljaar, vestiging_code, profile_code, offer_kind,
        sum(n)::BIGINT AS n_bovenbouw,
        coalesce(sum(n) FILTER (WHERE leerjaar = list_min($leerjaren::INTEGER[])), 0)::BIGINT AS n_leerjaar3,
        coalesce(sum(n) FILTER (WHERE leerjaar = list_max($leerjaren::INTEGER[])), 0)::BIGINT AS n_leerjaar4,
        count(*) FILTER (WHERE n_censored) AS censored_cells
    FROM cells
    GROUP BY ALL
)
SELECT
    c.*,
    c.n_leerjaar3 = 0 AND c.n_leerjaar4 > 0 AS phasing_out,
    c.n_bovenbouw >= $min_offered AS offered_default,
    c.n_bovenbouw >= $min_offered AND c.n_leerjaar3 >= $min_intake AS offered_strict,
    format('default: n_bovenbouw >= {}; strict: n_bovenbouw >= {} and n_leerjaar3 >= {}',
           $min_offered, $min_offered, $min_intake) AS offer_rule,
    $point_value::INTEGER AS censored_point_value
FROM counts c
ORDER BY c.peiljaar, c.vestiging_code, c.profile_code;
