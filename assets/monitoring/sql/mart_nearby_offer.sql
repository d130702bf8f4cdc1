-- marts.nearby_offer: STO "naburig aanbod" — pairs of school locations within $max_distance_km of each
-- other (haversine, earth radius $earth_radius_km) that both offer the same profile with small numbers:
-- offered (n >= $min_offered) and n <= $max_small bovenbouw pupils (monitoring.yaml nearby_offer).
-- Pupils and offer rule as marts.profile_offer_location (profiles of kinds $profile_kinds only).
-- Pairs come from one DuckDB self-join with a bounding-box prefilter (latitude band ±dlat, longitude band
-- ±dlon widened for the pair's highest latitude), then the exact distance. vestiging_a < vestiging_b.
-- Censored cells: '<5' counted as the configured point value; n_censored_a/b flag such counts.
-- Coordinates: core.pupil_locations (per peiljaar, its best address snapshot).
-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (haversine_km).
-- Parameters: $earth_radius_km, $max_distance_km, $max_small, $profile_kinds.
CREATE OR REPLACE TABLE marts.nearby_offer AS
WITH small AS (
    SELECT o.peiljaar, o.vestiging_code, o.profile_code, o.n_bovenbouw AS n, o.censored_cells > 0 AS censored,
           g.lat, g.lon, g.name
    FROM marts.profile_offer_location o
    JOIN core.pupil_locations g ON g.peiljaar = o.peiljaar AND g.vestiging_code = o.vestiging_code
    WHERE o.offered AND o.n_bovenbouw <= $max_small AND list_contains($profile_kinds, o.profile_kind)
      AND g.lat IS NOT NULL
),
box AS (
    SELECT degrees($max_distance_km / $earth_radius_km) AS dlat
)
SELECT
    a.peiljaar, a.profile_code, a.vestiging_code AS vestiging_a, b.vestiging_code AS vestiging_b,
    a.name AS name_a, b.name AS name_b,
    haversine_km(a.lat, a.lon, b.lat, b.lon, $earth_radius_km) AS distance_km,
    a.n AS n_a, b.n AS n_b,
    a.censored AS n_censored_a, b.censored AS n_censored_b,
    $max_distance_km::DOUBLE AS max_distance_km,
    $max_small::INTEGER AS max_small_pupils
FROM small a
CROSS JOIN box
JOIN small b
  ON b.peiljaar = a.peiljaar AND b.profile_code = a.profile_code AND a.vestiging_code < b.vestiging_code
 AND b.lat BETWEEN a.lat - box.dlat AND a.lat + box.dlat
 AND b.lon BETWEEN a.lon - box.dlat / cos(radians(abs(a.lat) + box.dlat))
               AND a.lon + box.dlat / cos(radians(abs(a.lat) + box.dlat))
WHERE haversine_km(a.lat, a.lon, b.lat, b.lon, $earth_radius_km) <= $max_distance_km
ORDER BY a.peiljaar, a.profile_code, a.vestiging_code, b.vestiging_code;
