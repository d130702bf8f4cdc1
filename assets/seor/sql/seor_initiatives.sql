-- core.seor_initiatives, core.seor_initiative_values, core.seor_initiative_schools: the canonical
-- inventory (raw.seor_inventory) typed, geocoded and in long form for the funnel and the marts.
-- Inputs (temp tables prepared by assets/seor/assets.py):
--   seor_values_in(initiative_id, dimension, code)      one row per characteristic value
--   seor_school_refs_in(initiative_id, school_ref)      one row per participating school reference
--   geocode_output(entity_key, geocode_method, lat, lon, precision_m, geocode_note)
--     keys 'i:<initiative_id>' (inventory lat/lon → PC6 → PC4) and 's:<school_ref>' (participating
--     schools file → core.school_locations vestiging code → PC6 → PC4), from assets/locations/sql/geocode_chain.sql.
CREATE OR REPLACE TABLE core.seor_initiatives AS
SELECT
    r.id AS initiative_id,
    r.seq,
    r.name,
    lower(regexp_replace(trim(r.name), '\s+', ' ', 'g')) AS name_norm,
    r.programme,
    r.category,
    r.doelgroep,
    r.region,
    r.organisation,
    r.address,
    r.postcode,
    r.place,
    g.lat,
    g.lon,
    CASE g.geocode_method WHEN 'override' THEN 'inventory' ELSE g.geocode_method END AS geocode_method,
    g.precision_m,
    r.national_online,
    r.participating_schools,
    r.geography,
    r.school_types,
    r.target_groups,
    r.activities,
    r.branches,
    r.praktijkgerichtheid,
    r.url,
    r.roc_location,
    nullif(lower(regexp_replace(trim(coalesce(r.roc_location, '')), '\s+', ' ', 'g')), '') AS roc_location_norm,
    r.reach_override_campuses,
    r.reach_override_reason,
    r.provenance,
    r.reconstructed,
    r.notes,
    r.source_file,
    r.source_row
FROM raw.seor_inventory r
LEFT JOIN geocode_output g ON g.entity_key = 'i:' || r.id
ORDER BY r.seq;

CREATE OR REPLACE TABLE core.seor_initiative_values AS
SELECT DISTINCT initiative_id, dimension, code
FROM seor_values_in
ORDER BY ALL;

CREATE OR REPLACE TABLE core.seor_initiative_schools AS
SELECT
    s.initiative_id,
    s.school_ref,
    coalesce(f.name, l.name) AS school_name,
    g.lat,
    g.lon,
    CASE
        WHEN g.geocode_method = 'override' AND f.lat IS NOT NULL THEN 'schools_file'
        WHEN g.geocode_method = 'override' THEN 'vestiging'
        ELSE g.geocode_method
    END AS resolved_by,
    g.precision_m
FROM seor_school_refs_in s
LEFT JOIN raw.seor_participating_schools f ON f.code = s.school_ref
LEFT JOIN core.school_locations l ON l.vestiging_code = upper(s.school_ref)
LEFT JOIN geocode_output g ON g.entity_key = 's:' || s.school_ref
ORDER BY s.initiative_id, s.school_ref;
