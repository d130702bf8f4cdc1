-- core.profile_flags: profile flags in long form (profile_code, flag, value): every boolean classification
-- column of the versioned profile dimension core.vmbo_profile, so marts join on a flag *name* taken from
-- config (monitoring.yaml techniek_share, profile_supply, techniekarm; targets.yaml profile_flag).
-- Inputs: core.vmbo_profile. No parameters.
CREATE OR REPLACE TABLE core.profile_flags AS
UNPIVOT (SELECT * EXCLUDE (name, kind, sector, config_version) FROM core.vmbo_profile)
ON COLUMNS(* EXCLUDE (profile_code))
INTO NAME flag VALUE value;
