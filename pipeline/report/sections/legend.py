"""How to read the page: the vmbo profile codes (MaT is not M&T) with the definitions that count them,
and what a region means (the school's location, not the pupils' home)."""

from __future__ import annotations

from typing import Any

import duckdb

from pipeline.report.render import REGION_NOTE, Settings, df, table

ANCHOR = "legend"
TITLE = "How to read this report"
TEMPLATE = "sections/legend.html.j2"


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    codes = df(
        con,
        "SELECT profile_code AS code, name, kind, sector, "
        "CASE WHEN sto_hard THEN 'yes' ELSE '' END AS sto_hard, "
        "CASE WHEN seor_hard THEN 'yes' ELSE '' END AS seor_hard, "
        "CASE WHEN seor_some_techniek THEN 'yes' ELSE '' END AS seor_some_techniek, "
        "CASE WHEN techniekpact_techniek THEN 'yes' ELSE '' END AS techniekpact_techniek "
        "FROM core.vmbo_profile WHERE kind IN ('profile', 'route') ORDER BY kind, NOT sto_hard, NOT seor_hard, "
        "NOT seor_some_techniek, profile_code",
    )
    return {"region_note": REGION_NOTE, "codes": table(codes, "profile-codes", "core.vmbo_profile", wide=["name"])}
