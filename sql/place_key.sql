-- place_key(name): the ONE matching rule for place names (municipalities, COROP regions) between the
-- configuration and DUO's address files: accents removed, lower case, every run of characters other than
-- a-z and 0-9 (apostrophes, hyphens, dots, spaces) made one space, trimmed. So the official "'s-Gravenhage",
-- DUO's "S GRAVENHAGE" and "'S-GRAVENHAGE" all give 's gravenhage'; "Súdwest-Fryslân" and
-- "SUDWEST-FRYSLAN" give 'sudwest fryslan'. Used by assets/monitoring/sql/programme_scopes.sql (the regions of the programme marts) and by the configuration
-- check before any work (pipeline/place_names.py), which refuses a name whose key matches no address.
CREATE OR REPLACE TEMP MACRO place_key(name) AS
    trim(regexp_replace(lower(strip_accents(name)), '[^a-z0-9]+', ' ', 'g'));
