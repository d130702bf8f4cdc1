-- core.school_locations: one row per vo vestiging of the address file, with region codes and
-- coordinates from the geocoding chain (sql/geocode_chain.sql, run just before this file).
CREATE OR REPLACE TABLE core.school_locations AS
SELECT
    a.vestiging_code,
    a.brin,
    a.name,
    trim(a.street || ' ' || coalesce(a.house_number, '')) AS address,
    a.postcode,
    a.pc6,
    a.plaatsnaam,
    a.gemeente_code,
    a.gemeente_name,
    a.provincie,
    a.corop_code,
    a.corop_name,
    a.rmc_code,
    a.rmc_name,
    a.onderwijsgebied_code,
    a.onderwijsgebied_name,
    a.onderwijsstructuur,
    a.denominatie,
    g.lat,
    g.lon,
    g.geocode_method,
    g.precision_m,
    g.geocode_note,
    a.source_file,
    a.source_row
FROM raw.duo_vo_locations a
JOIN geocode_output g ON g.entity_key = a.vestiging_code
ORDER BY a.vestiging_code;
