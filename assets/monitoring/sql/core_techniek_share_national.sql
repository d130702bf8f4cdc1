-- core.techniek_share_national: the national rows of marts.techniek_share (scope_type national, scope NL),
-- computed from the pupil data alone (core.scope_national: every vestiging with pupils), so the national
-- Techniekpact figures wait on no address file, geocoding or campus. Same columns and definition as the mart
-- (assets/monitoring/sql/techniek_share_macro.sql); marts.techniek_share takes these rows as they are.
-- Inputs: core.duo_vo_students, core.scope_national, core.share_indicators, core.profile_flags,
-- core.peiljaar_calendar.
-- Macros: assets/monitoring/sql/techniek_share_macro.sql (techniek_share_rows).
-- Parameters: $point_value.
CREATE OR REPLACE TABLE core.techniek_share_national AS
SELECT * FROM techniek_share_rows('core.scope_national', true, $point_value)
ORDER BY peiljaar, scope_type, scope_code, indicator;
