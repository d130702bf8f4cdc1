-- core.mbo_instellingen: the mbo instellingen of DUO's address file (instellingenmbo.csv), geocoded by the
-- shared chain of the vo addresses (assets/locations/sql/geocode_chain.sql, run just before this file on the
-- same connection: temp table geocode_output, entity_key = instellingscode; postcode → GeoNames PC6, else PC4
-- centroid), with provincie, COROP and RMC region taken from the vo address register (core.school_locations)
-- of the same gemeente (DUO's mbo address file carries no region columns; the most frequent value among the
-- gemeente's vo vestigingen, NULL when the gemeente has none).
-- Inputs: raw.duo_mbo_instellingen, geocode_output (temp), core.school_locations. Parameters: none.
CREATE OR REPLACE TABLE core.mbo_instellingen AS
WITH regions AS (
    SELECT
        gemeente_code,
        mode(provincie) AS provincie,
        mode(corop_code) AS corop_code,
        mode(corop_name) AS corop_name,
        mode(rmc_code) AS rmc_code,
        mode(rmc_name) AS rmc_name
    FROM core.school_locations
    WHERE gemeente_code IS NOT NULL
    GROUP BY gemeente_code
)
SELECT
    a.instellingscode,
    a.name,
    trim(a.street || ' ' || coalesce(a.house_number, '')) AS address,
    a.postcode,
    a.pc6,
    a.plaatsnaam,
    a.gemeente_code,
    a.gemeente_name,
    g.lat,
    g.lon,
    g.geocode_method,
    g.precision_m,
    r.provincie,
    r.corop_code,
    r.corop_name,
    r.rmc_code,
    r.rmc_name,
    CASE WHEN r.gemeente_code IS NOT NULL THEN 'vo address register, same gemeente' END AS regions_from,
    a.source_file,
    a.source_row
FROM raw.duo_mbo_instellingen a
JOIN geocode_output g ON g.entity_key = a.instellingscode
LEFT JOIN regions r ON r.gemeente_code = a.gemeente_code
ORDER BY a.instellingscode;
