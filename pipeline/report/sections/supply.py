"""SEOR table 5.1 / 5.2: vmbo profile supply around the campuses, compared with SEOR's published values.

The caveat first (what rests on the reconstruction), then the comparison with the published 5.1/5.2
values (the rows of marts.reconciliation for those tables, when present), then our tables and the
5/10/15 km sensitivity.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pipeline.report.render import Settings, df, esc, esc_all, fig_html, table
from pipeline.report.sections.reconciliation import explain

ANCHOR = "supply"
TITLE = "SEOR table 5.1 / 5.2: vmbo profile supply around the campuses"
TEMPLATE = "sections/supply.html.j2"


def _published(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    rec = df(
        con,
        "SELECT table_id, indicator, row_label, column_label, peiljaar, scope, ours, published, delta, tolerance, ok, "
        "unit, known_source_inconsistency, note FROM marts.reconciliation "
        "WHERE regexp_matches(coalesce(table_id, indicator), '(^|[^0-9])5[._]?[12]($|[^0-9])') "
        "ORDER BY ok NULLS FIRST, table_id, row_label, column_label",
    )
    if rec.empty:
        return rec
    return pd.DataFrame(
        {
            "table": rec["table_id"],
            "campus": rec["row_label"].fillna(rec["scope"]),
            "measure": rec["column_label"].fillna(rec["indicator"]),
            "peiljaar": rec["peiljaar"].astype("Int64"),
            "ours": rec["ours"],
            "published": rec["published"],
            "ok": rec["ok"].map({True: "ok", False: "NOT OK"}).fillna("not compared"),
            "why": rec.apply(explain, axis=1),
        }
    )


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    default_radius = settings.default_radius
    frame = df(
        con,
        "SELECT peiljaar, campus_code, campus_name, radius_km, measure, measure_kind, pct, n_pupils_base, "
        "n_locations FROM marts.profile_supply_campus ORDER BY peiljaar, campus_code, radius_km, measure",
    )
    pub = _published(con)
    published = table(
        pub,
        "tabel-5-published",
        "marts.reconciliation",
        precision=1,
        highlight=pub["ok"].ne("ok") if not pub.empty else None,
        wide=["why"],
    )
    n_compared = int(pub["ok"].ne("not compared").sum()) if not pub.empty else 0
    published_years = sorted({int(y) for y in pub["peiljaar"].dropna()}) if not pub.empty else []
    common = {"n_compared": n_compared, "published_years": ", ".join(map(str, published_years))}
    if frame.empty:
        return {
            **common,
            "year": None,
            "published": published,
            "n_published": len(pub),
            "table_5_1": table(frame, "tabel-5-1"),
            "table_5_2": "",
            "sensitivity": "",
            "chart": "",
        }
    year = int(frame["peiljaar"].max())
    cur = frame[frame["peiljaar"] == year]
    at = cur[cur["radius_km"] == default_radius]
    names = cur.drop_duplicates("campus_code").set_index("campus_code")["campus_name"]

    def wide(part: pd.DataFrame, cols: str | list[str]) -> pd.DataFrame:
        w = part.pivot_table(index="campus_code", columns=cols, values="pct", aggfunc="max")
        w.insert(0, "campus_name", names.reindex(w.index))
        return w

    flags = at[at["measure_kind"] == "flag"]
    t51 = (
        wide(flags, "measure").join(flags.groupby("campus_code")[["n_pupils_base", "n_locations"]].max()).reset_index()
    )
    t52 = wide(at[at["measure_kind"] != "flag"], "measure").reset_index()
    sens = wide(cur[cur["measure_kind"] == "flag"], ["measure", "radius_km"])
    sens.columns = [c[0] if isinstance(c[1], str) else f"{c[0]} @ {c[1]:g} km" for c in sens.columns]
    sens = sens.reset_index()
    for t in (t51, t52, sens):
        t.columns = [str(c) for c in t.columns]
    fig = go.Figure()
    for measure in ("any_techniek", "hard_techniek"):
        for r in sorted(cur["radius_km"].unique()):
            g = cur[(cur["measure"] == measure) & (cur["radius_km"] == r)]
            fig.add_trace(go.Bar(x=esc_all(g["campus_code"]), y=g["pct"], name=esc(f"{measure} {r:g} km")))
    fig.update_layout(barmode="group", yaxis_title="percent (0–100)", xaxis_title="campus", height=420)
    return {
        **common,
        "year": year,
        "published": published,
        "n_published": len(pub),
        "table_5_1": table(t51, "tabel-5-1", "marts.profile_supply_campus"),
        "table_5_2": table(t52, "tabel-5-2", "marts.profile_supply_campus"),
        "sensitivity": table(sens, "tabel-5-sensitivity", "marts.profile_supply_campus"),
        "chart": fig_html(
            fig,
            "chart-supply",
            f"Share of B/K/G pupils at a location offering a techniek profile, 5/10/15 km, peiljaar {year} (percent)",
        ),
    }
