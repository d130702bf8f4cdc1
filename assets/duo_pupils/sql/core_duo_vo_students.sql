-- core.duo_vo_students: DUO vo pupils, long and tidy.
-- Grain: peiljaar × vestiging_code × onderwijstype × afdeling × opleidingscode × lwoo × leerjaar × sex.
-- lwoo: 'J'/'N' in files up to ~2016 (column LWOO INDICATIE), NULL otherwise. It splits a row into two,
-- so every indicator sums over it (all marts sum n over their own dimensions; none keys on lwoo).
-- Cells with 0 pupils are left out (they add nothing to any sum); censored cells are kept with
-- n_censored = true, bounds n_lower/n_upper and n = the configured point value ($point_value).
-- Censored = '<5' in any file, or '4' in a file whose detected masking is 'four_means_1_to_4' (CKAN
-- exports publish 1-4 as 4; raw.duo_vo_students.masking, assets/duo_pupils/parser.py detect_masking).
-- Parameters: $peiljaar, $point_value, $censored_lower, $censored_upper.
CREATE TABLE IF NOT EXISTS core.duo_vo_students (
    peiljaar INTEGER NOT NULL,
    vestiging_code VARCHAR NOT NULL,
    brin VARCHAR NOT NULL,
    instellingsnaam VARCHAR,
    plaatsnaam VARCHAR,
    provincie VARCHAR,
    samenwerkingsverband VARCHAR,
    onderwijstype_label VARCHAR NOT NULL,
    onderwijstype VARCHAR,          -- normalised code from assets/duo_pupils/config/onderwijstypes.yaml
    level VARCHAR,
    leerweg VARCHAR,                -- BB / KB / GL / TL, null outside vmbo leerjaar 3-4
    leerjaar INTEGER NOT NULL,
    vmbo_sector VARCHAR,
    afdeling VARCHAR,
    profile_code VARCHAR,           -- vmbo profile or route code, null outside vmbo profiles
    n_profile BOOLEAN,              -- havo/vwo: Natuur en Techniek and/or Natuur en Gezondheid
    opleidingscode VARCHAR,
    opleidingsnaam VARCHAR,
    sex VARCHAR NOT NULL,           -- M / V
    n INTEGER NOT NULL,
    n_censored BOOLEAN NOT NULL,
    n_lower INTEGER NOT NULL,
    n_upper INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    lwoo VARCHAR,                   -- 'J' / 'N' (LWOO INDICATIE, files up to ~2016), null otherwise
    masking VARCHAR                 -- small-number convention of the source file: none / lt5 / four_means_1_to_4
);
-- Databases built before these columns existed get them (null) instead of failing the insert.
ALTER TABLE core.duo_vo_students ADD COLUMN IF NOT EXISTS lwoo VARCHAR;
ALTER TABLE core.duo_vo_students ADD COLUMN IF NOT EXISTS masking VARCHAR;

DELETE FROM core.duo_vo_students WHERE peiljaar = $peiljaar;

INSERT INTO core.duo_vo_students BY NAME
WITH src AS (
    SELECT * FROM raw.duo_vo_students WHERE peiljaar = $peiljaar
),
unpivoted AS (
    UNPIVOT src
    ON lj1_m, lj1_v, lj2_m, lj2_v, lj3_m, lj3_v, lj4_m, lj4_v, lj5_m, lj5_v, lj6_m, lj6_v
    INTO NAME cell VALUE raw_count
),
cells AS (
    SELECT *,
        raw_count = '<5' OR (coalesce(masking, 'none') = 'four_means_1_to_4' AND raw_count = '4') AS censored
    FROM unpivoted
)
SELECT
    c.peiljaar,
    c.vestiging_code,
    c.brin,
    c.instellingsnaam,
    c.plaatsnaam,
    c.provincie,
    c.samenwerkingsverband,
    c.onderwijstype_label,
    ot.code AS onderwijstype,
    ot.level,
    ot.leerweg,
    CAST(substr(c.cell, 3, 1) AS INTEGER) AS leerjaar,
    nullif(c.vmbo_sector, 'N.v.t.') AS vmbo_sector,
    nullif(c.afdeling, 'N.v.t.') AS afdeling,
    CASE WHEN ot.level = 'vmbo' THEN pl.profile_code END AS profile_code,
    CASE WHEN ot.level IN ('havo', 'vwo', 'havo_vwo')
         THEN EXISTS (SELECT 1 FROM core.n_profile_label k WHERE contains(c.afdeling, k.label)) END AS n_profile,
    c.opleidingscode,
    c.opleidingsnaam,
    CASE right(c.cell, 1) WHEN 'm' THEN 'M' ELSE 'V' END AS sex,
    CASE WHEN c.censored THEN $point_value ELSE CAST(c.raw_count AS INTEGER) END AS n,
    c.censored AS n_censored,
    CASE WHEN c.censored THEN $censored_lower ELSE CAST(c.raw_count AS INTEGER) END AS n_lower,
    CASE WHEN c.censored THEN $censored_upper ELSE CAST(c.raw_count AS INTEGER) END AS n_upper,
    c.source_file,
    c.source_row,
    c.lwoo,
    c.masking
FROM cells c
LEFT JOIN core.onderwijstype ot ON ot.label = c.onderwijstype_label
LEFT JOIN core.vmbo_profile_label pl ON pl.label = c.afdeling
WHERE c.raw_count <> '0';
