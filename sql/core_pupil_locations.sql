-- core.pupil_locations: every vestiging that has pupils in a peiljaar, whether the address file knows
-- it and whether it has coordinates. Locations without address or coordinates stay here (and are
-- listed by the check `pupil_locations_listed`), never dropped silently.
CREATE OR REPLACE TABLE core.pupil_locations AS
SELECT
    s.peiljaar,
    s.vestiging_code,
    min(s.instellingsnaam) AS name,
    min(s.plaatsnaam) AS plaatsnaam,
    sum(s.n)::BIGINT AS n_pupils,
    l.vestiging_code IS NOT NULL AS in_address_file,
    l.lat,
    l.lon,
    coalesce(l.geocode_method, 'none') AS geocode_method,
    l.precision_m
FROM core.duo_vo_students s
LEFT JOIN core.school_locations l ON l.vestiging_code = s.vestiging_code
GROUP BY s.peiljaar, s.vestiging_code, l.vestiging_code, l.lat, l.lon, l.geocode_method, l.precision_m
ORDER BY s.peiljaar, s.vestiging_code;
