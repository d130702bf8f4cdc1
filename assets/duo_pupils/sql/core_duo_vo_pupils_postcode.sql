-- core.duo_vo_pupils_postcode: where the pupils of each vestiging live, long form.
-- Grain: peiljaar × vestiging_code × postcode (as published) × leerjaar. One row per non-zero count cell of
-- DUO "02. leerlingen per vestiging naar postcode leerling en leerjaar".
-- Inputs: raw.duo_vo_pupils_postcode (assets/duo_pupils/postcode_parser.py: the vestiging key built as for
-- core.duo_vo_students, pc4 NULL where POSTCODE LEERLING is not a four-digit postcode).
-- Censored = '<5' in any file, or '4' in a file whose detected masking is 'four_means_1_to_4' (as the 01
-- file, core_duo_vo_students.sql): n_censored, bounds n_lo/n_hi and n = the configured point value.
-- Cells with 0 pupils are left out (they add nothing to any sum).
-- Parameters: $peiljaar, $point_value, $censored_lower, $censored_upper.
CREATE TABLE IF NOT EXISTS core.duo_vo_pupils_postcode (
    peiljaar INTEGER NOT NULL,
    vestiging_code VARCHAR NOT NULL,
    brin VARCHAR NOT NULL,
    postcode VARCHAR,               -- POSTCODE LEERLING as published
    pc4 VARCHAR,                    -- four digits; NULL when the published postcode is not one
    leerjaar INTEGER NOT NULL,
    n INTEGER NOT NULL,
    n_censored BOOLEAN NOT NULL,
    n_lo INTEGER NOT NULL,
    n_hi INTEGER NOT NULL,
    masking VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL
);

DELETE FROM core.duo_vo_pupils_postcode WHERE peiljaar = $peiljaar;

INSERT INTO core.duo_vo_pupils_postcode BY NAME
WITH src AS (
    SELECT * FROM raw.duo_vo_pupils_postcode WHERE peiljaar = $peiljaar
),
unpivoted AS (
    UNPIVOT src ON lj1, lj2, lj3, lj4, lj5, lj6 INTO NAME cell VALUE raw_count
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
    c.postcode,
    c.pc4,
    CAST(substr(c.cell, 3, 1) AS INTEGER) AS leerjaar,
    CASE WHEN c.censored THEN $point_value ELSE CAST(c.raw_count AS INTEGER) END AS n,
    c.censored AS n_censored,
    CASE WHEN c.censored THEN $censored_lower ELSE CAST(c.raw_count AS INTEGER) END AS n_lo,
    CASE WHEN c.censored THEN $censored_upper ELSE CAST(c.raw_count AS INTEGER) END AS n_hi,
    c.masking,
    c.source_file,
    c.source_row
FROM cells c
WHERE c.raw_count <> '0';
