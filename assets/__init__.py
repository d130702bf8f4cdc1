"""The domains, one package each: duo_pupils, locations (addresses, geocoding, campuses, boundaries), exams,
monitoring, seor (ARCHITECTURE.md).

Each package holds its README.md, parser(s), `assets.py` (the Dagster assets, raw_ → core_ → mart_),
`checks.py` (their checks as data), `sql/*.sql` (the SQL its assets run, by the name their descriptions give),
`config/*.yaml` (its configuration files) and `tables.yaml` (its data dictionary entries). The Definitions
discover every `assets/<domain>/assets.py`. `common.py` holds what the domains share (owner, groups, the
write-and-describe steps).
"""
