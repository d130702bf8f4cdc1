-- core.peiljaar_calendar: one row per loaded peiljaar (core.duo_vo_students) with
--   prev_peiljaar      the previous *loaded* peiljaar (NULL for the first), the year-on-year comparison;
--   baseline_peiljaar  the configured baseline ($baseline_peiljaar, pipeline.yaml, 2017/18) when loaded,
--                      otherwise the earliest loaded peiljaar (the same in every row).
-- The one definition of both used by marts.profile_offer_location, marts.techniek_share, marts.techniekarm
-- and marts.pupil_trend. Inputs: core.duo_vo_students. Parameters: $baseline_peiljaar.
CREATE OR REPLACE TABLE core.peiljaar_calendar AS
WITH years AS (
    SELECT DISTINCT peiljaar FROM core.duo_vo_students
),
base AS (
    SELECT coalesce(max(peiljaar) FILTER (WHERE peiljaar = $baseline_peiljaar), min(peiljaar)) AS baseline_peiljaar
    FROM years
)
SELECT y.peiljaar, lag(y.peiljaar) OVER (ORDER BY y.peiljaar) AS prev_peiljaar, b.baseline_peiljaar
FROM years y CROSS JOIN base b
ORDER BY y.peiljaar;
