-- core.offer_groups: which offer units make each offer group of the coverage domain (coverage.yaml), one row
-- per offer_group × profile_code. Three kinds of group:
--   flag       one group per coverage.yaml flag_groups entry (group name → profile flag): every profile code
--              whose flag is true in core.profile_flags (profiles.yaml), e.g. sto_hard → BWI, PIE, M&T;
--   profile    one group per profile of kinds $single_kinds, named 'profile:<code>';
--   tl_sector  one group per coverage.yaml tl_groups entry: the theoretische leerweg of a sector, whose
--              offer unit in core.offer has profile_code 'TL:<sector>' (TL pupils have no profile).
-- No code list here: groups come from the configured flag names and the profile dimension.
-- Inputs: core.profile_flags, core.vmbo_profile.
-- Parameters: $flag_group_names, $flag_group_flags (coverage.yaml flag_groups, in the same order),
--             $single_kinds (coverage.yaml single_profile_kinds), $tl_group_names, $tl_sectors (tl_groups).
CREATE OR REPLACE TABLE core.offer_groups AS
WITH flag_groups AS (
    SELECT unnest($flag_group_names::VARCHAR[]) AS offer_group, unnest($flag_group_flags::VARCHAR[]) AS profile_flag
),
tl_groups AS (
    SELECT unnest($tl_group_names::VARCHAR[]) AS offer_group, unnest($tl_sectors::VARCHAR[]) AS sector
)
SELECT g.offer_group, 'flag' AS group_kind, g.profile_flag, f.profile_code
FROM flag_groups g
JOIN core.profile_flags f ON f.flag = g.profile_flag AND f.value
UNION ALL
SELECT 'profile:' || p.profile_code, 'profile', NULL, p.profile_code
FROM core.vmbo_profile p
WHERE list_contains($single_kinds::VARCHAR[], p.kind)
UNION ALL
SELECT t.offer_group, 'tl_sector', NULL, 'TL:' || t.sector
FROM tl_groups t
ORDER BY 1, 4;
