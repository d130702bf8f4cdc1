-- Temp table loc_scope of the regional monitoring marts (run after sql/mart_monitoring_macros.sql on the
-- same connection). Inputs registered by the asset (assets/monitoring/assets.py): temp tables
-- campus_radius(radius_km) and sto_region_map(vestiging_code, sto_region_code, sto_region_name, ...; empty
-- when no mapping file is given).
-- Parameters: $earth_radius_km (pipeline.yaml geocoding), $unknown (scope code of locations a level cannot
-- place, monitoring.yaml unknown_scope_code), $scopes (scope types to build, monitoring.yaml scopes).

-- Geographic scopes per vestiging. Partitioning levels (national, provincie, gemeente, corop, rmc,
-- onderwijsgebied, sto_region): each vestiging with pupils in any loaded year gets exactly one scope per
-- level; a vestiging missing from the address file (or from the STO mapping) gets scope_code $unknown, so
-- each level sums to the national figure. provincie falls back to the pupils file's province.
-- campus_radius (overlapping): geocoded vestigingen within radius_km of a campus (haversine).
CREATE OR REPLACE TEMP TABLE loc_scope AS
WITH v AS (
    SELECT vestiging_code, min(provincie) AS provincie_pupils_file
    FROM core.duo_vo_students
    GROUP BY vestiging_code
),
-- Regions and coordinates per vestiging from core.pupil_locations (each peiljaar resolved against its best
-- address snapshot): the latest peiljaar in which the vestiging is placed, else its latest peiljaar.
a AS (
    SELECT * FROM (
        SELECT pl.*, row_number() OVER (
            PARTITION BY pl.vestiging_code ORDER BY (pl.lat IS NULL), (NOT pl.in_address_file), pl.peiljaar DESC
        ) AS rn
        FROM core.pupil_locations pl
    ) WHERE rn = 1
),
l AS (
    SELECT
        v.vestiging_code,
        coalesce(a.provincie, v.provincie_pupils_file) AS provincie,
        a.gemeente_code, a.gemeente_name, a.corop_code, a.corop_name, a.rmc_code, a.rmc_name,
        a.onderwijsgebied_code, a.onderwijsgebied_name, a.lat, a.lon
    FROM v
    LEFT JOIN a ON a.vestiging_code = v.vestiging_code
),
scoped AS (
    SELECT vestiging_code, 'national' AS scope_type, 'NL' AS scope_code, 'Nederland' AS scope_name,
           CAST(NULL AS DOUBLE) AS radius_km, CAST(NULL AS VARCHAR) AS campus_code
    FROM l
    UNION ALL
    SELECT vestiging_code, 'provincie', coalesce(provincie, $unknown), coalesce(provincie, 'province unknown'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'gemeente', coalesce(gemeente_code, $unknown), coalesce(gemeente_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'corop', coalesce(corop_code, $unknown), coalesce(corop_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'rmc', coalesce(rmc_code, $unknown), coalesce(rmc_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT vestiging_code, 'onderwijsgebied', coalesce(onderwijsgebied_code, $unknown),
           coalesce(onderwijsgebied_name, 'not in the address file'), NULL, NULL
    FROM l
    UNION ALL
    SELECT l.vestiging_code, 'sto_region', coalesce(m.sto_region_code, $unknown),
           coalesce(m.sto_region_name, 'not in the STO-region mapping'), NULL, NULL
    FROM l
    LEFT JOIN sto_region_map m ON m.vestiging_code = l.vestiging_code
    WHERE (SELECT count(*) FROM sto_region_map) > 0
    UNION ALL
    SELECT l.vestiging_code, 'campus_radius', c.campus_code || '@' || radius_label(r.radius_km) || 'km',
           c.name || ', ' || radius_label(r.radius_km) || ' km', r.radius_km, c.campus_code
    FROM l
    CROSS JOIN core.campuses c
    CROSS JOIN campus_radius r
    WHERE l.lat IS NOT NULL AND c.lat IS NOT NULL
      AND haversine_km(c.lat, c.lon, l.lat, l.lon, $earth_radius_km) <= r.radius_km
)
SELECT * FROM scoped WHERE list_contains($scopes, scope_type);
