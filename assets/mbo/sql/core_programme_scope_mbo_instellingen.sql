-- core.programme_scope_mbo_instellingen: the mbo instellingen of each programme region (targets.yaml scopes),
-- by the gemeente or COROP region of the instelling's main address in the DUO mbo address file.
-- Inputs: core.target_scopes (assets/monitoring/targets.py scope_frame), core.mbo_instellingen.
-- Macros: sql/place_key.sql (names compared with case, accents and punctuation ignored).
-- An STO region (TechTown) is never mapped for mbo (the optional sto_regions mapping lists vo vestigingen):
-- its stated municipality approximation is used, and said in scope_note. The instelling counts wholly in the
-- region of its main address: an ROC with locations in several municipalities is not split (the open files
-- give no location per student), and its students may live anywhere.
-- Parameters: none.
CREATE OR REPLACE TABLE core.programme_scope_mbo_instellingen AS
SELECT s.scope_id, i.instellingscode, i.name AS instellingsnaam, 'corop' AS scope_method,
       'mbo instellingen whose main address lies in COROP region ' || s.corop AS scope_note
FROM core.target_scopes s
JOIN core.mbo_instellingen i ON place_key(i.corop_name) = place_key(s.corop)
WHERE s.corop IS NOT NULL
UNION ALL
SELECT s.scope_id, i.instellingscode, i.name, 'gemeenten',
       'mbo instellingen whose main address lies in ' || array_to_string(s.gemeenten, ', ')
FROM core.target_scopes s
JOIN core.mbo_instellingen i ON list_contains(list_transform(s.gemeenten, x -> place_key(x)), place_key(i.gemeente_name))
WHERE s.gemeenten IS NOT NULL
UNION ALL
SELECT s.scope_id, i.instellingscode, i.name, 'gemeenten (approximation)',
       'APPROXIMATION: mbo instellingen whose main address lies in ' || array_to_string(s.approx_gemeenten, ', ')
       || ' (the STO region is not published as data; ROC locations elsewhere are not split off)'
FROM core.target_scopes s
JOIN core.mbo_instellingen i
  ON list_contains(list_transform(s.approx_gemeenten, x -> place_key(x)), place_key(i.gemeente_name))
WHERE s.approx_gemeenten IS NOT NULL AND s.gemeenten IS NULL AND s.corop IS NULL;
