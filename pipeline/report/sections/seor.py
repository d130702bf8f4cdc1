"""SEOR initiatives: the selection funnel (table 2.1), initiatives per campus (2.2, with 5/10/15 km) and
the characteristics tables 3.x / 4.x, with the derived gaps. The caveat comes first: the inventory is a
reconstruction, so everything that SEOR did not publish (the 5 and 15 km counts) rests on invented reach
locations consistent with the published 10 km figures."""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go

from pipeline.report.render import Settings, df, esc_all, fig_html, table

ANCHOR = "seor"
TITLE = "SEOR initiatives: selection funnel and tables 2.1–4.6"
TEMPLATE = "sections/seor.html.j2"


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    funnel = df(
        con,
        "SELECT step_no, step_label, n_in, n_kept, n_dropped, n_added, n_remaining, step "
        "FROM marts.selection_funnel ORDER BY step_no",
    )
    fig = go.Figure(
        go.Funnel(
            y=esc_all(f"{r.step_no}. {r.step_label}" for r in funnel.itertuples()),
            x=funnel["n_remaining"],
            textinfo="value",
        )
    )
    fig.update_layout(height=420)
    fig.update_yaxes(automargin=True)
    camp = df(
        con,
        "SELECT campus_code, campus_name, radius_km, n_initiatives FROM marts.campus_initiatives_sensitivity "
        "ORDER BY campus_code, radius_km",
    )
    t22 = camp.pivot_table(index="campus_code", columns="radius_km", values="n_initiatives", aggfunc="max")
    t22.columns = [f"{c:g} km" for c in t22.columns]
    t22.insert(0, "campus_name", camp.drop_duplicates("campus_code").set_index("campus_code")["campus_name"])
    t22 = t22.reset_index()
    chars = df(
        con,
        "SELECT table_overall, table_campus, dimension, category_label, campus_code, n, sort_order "
        "FROM marts.initiative_characteristics ORDER BY dimension, sort_order, campus_code",
    )
    tables = []
    for (t_over, t_camp, dim), g in chars.groupby(["table_overall", "table_campus", "dimension"], sort=True):
        w = g.pivot_table(index=["sort_order", "category_label"], columns="campus_code", values="n", aggfunc="max")
        w = w.reset_index().drop(columns="sort_order")
        w.columns = [str(c) for c in w.columns]
        tables.append(
            {
                "title": f"Tables {t_over} / {t_camp}: {dim}",
                "html": table(w, f"seor-{dim}", "marts.initiative_characteristics", precision=0),
            }
        )
    gaps = df(
        con,
        "SELECT campus_code, campus_name, dimension, category_label, n, round(100 * share, 1) AS pct_of_column, "
        "round(100 * share_all, 1) AS pct_all_campuses, gap_label, gap_evidence FROM marts.campus_gaps "
        "WHERE is_gap ORDER BY campus_code, dimension",
    )
    return {
        "funnel_chart": fig_html(
            fig, "chart-funnel", "SEOR selection funnel (table 2.1): initiatives remaining after each step"
        ),
        "funnel_table": table(funnel, "tabel-2-1", "marts.selection_funnel", precision=0, wide=["step_label"]),
        "table_2_2": table(t22, "tabel-2-2", "marts.campus_initiatives_sensitivity", precision=0),
        "char_tables": tables,
        "gaps": table(gaps, "seor-gaps", "marts.campus_gaps", wide=["gap_evidence"]),
    }
