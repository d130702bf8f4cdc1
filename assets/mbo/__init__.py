"""Domain `mbo`: DUO mbo entrants per year by prior vo education, mbo diplomas and the mbo instellingen
(parser, assets, checks, SQL, config assets/mbo/config/mbo.yaml, dictionary tables.yaml)."""
