"""Assets and checks, one package per domain: duo_pupils, locations (and geocoding), exams, monitoring, seor.

Each package holds `assets.py` (the Dagster assets, raw_ → core_ → mart_) and `checks.py` (their checks as
data); the SQL an asset runs is in sql/ under the name its description gives. `common.py` holds what the
domains share (owner, groups, the write-and-describe steps).
"""
