-- core.pupil_locations: every vestiging that has pupils in a peiljaar, resolved against the best address
-- snapshot for that peiljaar: among the snapshots that list the vestiging, one that places it (has
-- coordinates) before one that does not, then the one nearest to the count date 1 October <peiljaar>, then
-- the newer one. A snapshot loaded later therefore never unplaces a location an earlier snapshot placed.
-- Locations without address or coordinates stay here (listed by the check `pupil_locations_listed`),
-- never dropped silently.
CREATE OR REPLACE TABLE core.pupil_locations AS
WITH pupils AS (
    SELECT peiljaar, vestiging_code, min(instellingsnaam) AS name, min(plaatsnaam) AS plaatsnaam,
           min(provincie) AS provincie_pupils_file, sum(n)::BIGINT AS n_pupils
    FROM core.duo_vo_students
    GROUP BY peiljaar, vestiging_code
),
ranked AS (
    SELECT p.peiljaar, p.vestiging_code, h.lat, h.lon, h.geocode_method, h.precision_m, h.provincie,
           h.gemeente_code, h.gemeente_name, h.corop_code, h.corop_name, h.rmc_code, h.rmc_name,
           h.onderwijsgebied_code, h.onderwijsgebied_name, h.snapshot_date, h.snapshot_id, h.source_file,
           row_number() OVER (
               PARTITION BY p.peiljaar, p.vestiging_code
               ORDER BY (h.lat IS NULL), abs(date_diff('day', make_date(p.peiljaar, 10, 1), h.snapshot_date)),
                        h.snapshot_date DESC, h.snapshot_id
           ) AS rn
    FROM pupils p
    JOIN core.school_location_history h ON h.vestiging_code = p.vestiging_code
)
SELECT
    p.peiljaar,
    p.vestiging_code,
    p.name,
    p.plaatsnaam,
    p.n_pupils,
    r.vestiging_code IS NOT NULL AS in_address_file,
    r.lat,
    r.lon,
    coalesce(r.geocode_method, 'none') AS geocode_method,
    r.precision_m,
    coalesce(r.provincie, p.provincie_pupils_file) AS provincie,
    r.gemeente_code,
    r.gemeente_name,
    r.corop_code,
    r.corop_name,
    r.rmc_code,
    r.rmc_name,
    r.onderwijsgebied_code,
    r.onderwijsgebied_name,
    r.snapshot_date,
    r.snapshot_id,
    r.source_file AS snapshot_file
FROM pupils p
LEFT JOIN (SELECT * FROM ranked WHERE rn = 1) r
    ON r.peiljaar = p.peiljaar AND r.vestiging_code = p.vestiging_code
ORDER BY p.peiljaar, p.vestiging_code;
