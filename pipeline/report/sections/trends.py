"""Technology choice, national and per provincie: ours beside the published Techniekpact figures.

One loaded peiljaar: bars (ours and published side by side; provincies sorted, labelled). Several:
lines over the years. Every chart is in percent (0–100) only.
"""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go

from pipeline.report.render import REGION_NOTE, Settings, df, esc, esc_all, fig_html, table

ANCHOR = "trends"
TITLE = "Technology choice: national and per provincie"
TEMPLATE = "sections/trends.html.j2"
DEFAULT_INDICATOR = "vmbo_bkg_lj3_techniek"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]


def _national_chart(nat: Any, pub: Any, settings: Settings) -> go.Figure:
    fig = go.Figure()
    if settings.one_year:
        fig.add_trace(
            go.Bar(
                x=esc_all(nat["indicator"]),
                y=nat["pct"],
                name="ours",
                text=[f"ours {v:.1f}" for v in nat["pct"]],
                textposition="inside",
                insidetextanchor="start",
                marker_color="#1f77b4",
            )
        )
        p = pub[pub["peiljaar"].isin(nat["peiljaar"])]
        # published figures as diamonds on the bars: an indicator may have two published figures
        fig.add_trace(
            go.Scatter(
                x=esc_all(p["indicator"]),
                y=p["published"],
                mode="markers+text",
                name="published (Techniekpact)",
                text=[f"{v:g}" for v in p["published"]],
                textposition="middle right",
                textfont={"color": "#d62728"},
                hovertext=[f"{esc(f)}: {v:.1f}" for f, v in zip(p["figure_id"], p["published"], strict=True)],
                hoverinfo="text",
                marker={"symbol": "diamond", "size": 12, "color": "#d62728", "line": {"width": 1, "color": "white"}},
            )
        )
        fig.update_layout(xaxis_title="indicator", yaxis_title="percent (0–100)")
        return fig
    for i, (ind, g) in enumerate(nat.groupby("indicator", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=g["peiljaar"], y=g["pct"], mode="lines+markers", name=esc(f"{ind} (ours)"), line={"color": color}
            )
        )
        # published figures of the loaded years only (the others are listed under the reconciliation)
        p = pub[(pub["indicator"] == ind) & pub["peiljaar"].isin(settings.years)]
        if not p.empty:
            fig.add_trace(
                go.Scatter(
                    x=p["peiljaar"],
                    y=p["published"],
                    mode="markers",
                    name=esc(f"{ind} (published)"),
                    marker={"symbol": "diamond-open", "size": 11, "color": color, "line": {"width": 2}},
                    text=esc_all(p["figure_id"]),
                )
            )
    fig.update_layout(xaxis_title="peiljaar (school year peiljaar/peiljaar+1)", yaxis_title="percent (0–100)")
    fig.update_xaxes(tickformat="d", dtick=1)
    return fig


def _regional_chart(reg: Any, settings: Settings, indicator: str) -> go.Figure:
    fig = go.Figure()
    g = reg[reg["indicator"] == indicator]
    if settings.one_year:
        g = g.sort_values("pct")
        fig.add_trace(
            go.Bar(
                x=g["pct"],
                y=esc_all(g["provincie"]),
                orientation="h",
                text=[f"{v:.1f}" for v in g["pct"]],
                textposition="outside",
                name=esc(indicator),
                hovertext=[
                    f"{esc(p)}: {v:.1f}% of {n:,} pupils"
                    for p, v, n in zip(g["provincie"], g["pct"], g["n_total"], strict=True)
                ],
                hoverinfo="text",
            )
        )
        fig.update_layout(xaxis_title="percent (0–100)", height=120 + 28 * max(len(g), 1), showlegend=False)
        fig.update_yaxes(automargin=True)
        return fig
    for prov, gg in g.groupby("provincie", sort=True):
        fig.add_trace(go.Scatter(x=gg["peiljaar"], y=gg["pct"], mode="lines+markers", name=esc(prov)))
    fig.update_layout(xaxis_title="peiljaar", yaxis_title="percent (0–100)", height=480)
    fig.update_xaxes(tickformat="d", dtick=1)
    return fig


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    nat = df(
        con,
        "SELECT peiljaar, indicator, indicator_label, n_total, n_techniek, pct FROM marts.techniek_share "
        "WHERE scope_type = 'national' ORDER BY indicator, peiljaar",
    )
    pub = df(
        con,
        "SELECT split_part(indicator, '.', 1) AS indicator, peiljaar, published, figure_id FROM marts.reconciliation "
        "WHERE source = 'techniekpact' AND scope = 'national:NL' AND unit = 'pct' "
        "AND split_part(indicator, '.', 2) = 'pct' ORDER BY 1, 2",
    )
    reg = df(
        con,
        "SELECT indicator, peiljaar, scope_name AS provincie, pct, n_total FROM marts.techniek_share "
        "WHERE scope_type = 'provincie' AND scope_code <> ? ORDER BY indicator, provincie, peiljaar",
        [settings.unknown_scope_code],
    )
    indicators = sorted(reg["indicator"].unique())
    indicator = DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else (indicators or [""])[0]
    latest = int(nat["peiljaar"].max()) if not nat.empty else None
    wide = nat.pivot_table(index=["indicator", "indicator_label"], columns="peiljaar", values="pct").reset_index()
    wide.columns = [str(c) for c in wide.columns]
    span = "" if settings.one_year else f", {min(settings.years)}–{max(settings.years)}"
    last = reg[reg["peiljaar"] == reg["peiljaar"].max()] if not reg.empty else reg
    per_prov = last.pivot_table(index="provincie", columns="indicator", values="pct").reset_index()
    per_prov.columns = [str(c) for c in per_prov.columns]
    return {
        "region_note": REGION_NOTE,
        "indicator": indicator,
        "latest": latest,
        "national_chart": fig_html(
            _national_chart(nat, pub, settings),
            "chart-national-trend",
            f"National technology choice{span or f' (peiljaar {latest})'}: ours and Techniekpact published, percent",
        ),
        "national_table": table(wide, "national-shares", "marts.techniek_share", precision=1, wide=["indicator_label"]),
        "regional_table": table(per_prov, "regional-shares", "marts.techniek_share", precision=1),
        "regional_chart": fig_html(
            _regional_chart(reg, settings, indicator),
            "chart-regional-trend",
            f"{indicator} per provincie of the school location{span or f' (peiljaar {latest})'}, percent",
        ),
    }
