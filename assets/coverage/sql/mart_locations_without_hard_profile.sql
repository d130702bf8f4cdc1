-- marts.locations_without_hard_profile: the vmbo B/K/G locations offering no profile of the hard group
-- ($hard_group, coverage.yaml hard_group: sto_hard = BWI, PIE, M&T) per peiljaar and offer rule, with the
-- distance to the nearest location that offers one and its name (marts.offer_distance; NULL for a location
-- without coordinates, placed = false).
-- Inputs: marts.offer_distance.
-- Parameters: $hard_group.
CREATE OR REPLACE TABLE marts.locations_without_hard_profile AS
SELECT
    peiljaar, offer_rule, vestiging_code, brin, location_name, offer_group AS hard_group, n_pupils, n_pupils_lo,
    n_pupils_hi, distance_km, nearest_vestiging_code, nearest_name, placed,
    provincie_code, provincie_name, corop_code, corop_name, rmc_code, rmc_name,
    onderwijsgebied_code, onderwijsgebied_name, gemeente_code, gemeente_name, sto_region_code, sto_region_name,
    offer_rule_definition
FROM marts.offer_distance
WHERE offer_group = $hard_group AND NOT offers_group
ORDER BY peiljaar, offer_rule, vestiging_code;
