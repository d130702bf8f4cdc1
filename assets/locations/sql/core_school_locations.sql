-- core.school_location_history: one row per loaded address snapshot × vo vestiging, with region codes and
-- coordinates from the geocoding chain (assets/locations/sql/geocode_chain.sql, run just before this file; entity_key =
-- snapshot_id || '|' || vestiging_code). Address files are snapshots: schools merge, move and close,
-- so every snapshot is kept and each peiljaar is resolved against the best one (assets/locations/sql/core_pupil_locations.sql).
CREATE OR REPLACE TABLE core.school_location_history AS
SELECT
    a.snapshot_id,
    a.snapshot_date::DATE AS snapshot_date,
    a.snapshot_date_basis,
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
JOIN geocode_output g ON g.entity_key = a.snapshot_id || '|' || a.vestiging_code
ORDER BY a.snapshot_date, a.vestiging_code;

-- core.school_locations: the current register, one row per vestiging from the newest snapshot that lists
-- it (a school that closed keeps its last known address). Used where no peiljaar applies (SEOR
-- participating schools); yearly figures use core.pupil_locations.
CREATE OR REPLACE TABLE core.school_locations AS
SELECT * EXCLUDE (rn) FROM (
    SELECT h.*, row_number() OVER (
        PARTITION BY h.vestiging_code ORDER BY h.snapshot_date DESC, h.snapshot_id
    ) AS rn
    FROM core.school_location_history h
)
WHERE rn = 1
ORDER BY vestiging_code;
