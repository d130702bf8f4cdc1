"""Self-contained offline HTML report of the published warehouse: `<out>/report/index.html`.

Why: evaluators who do not query DuckDB still need the figures, drawn beside the published ones, with the
provenance that lets an auditor trace them. The page opens from disk with no server and no network:
plotly.js (shipped in the plotly wheel) is inlined once, charts are plotly figures, tables are pandas
Stylers, the page is a jinja2 template. The map is a plotly chart in lon/lat coordinates (no tile layer,
so no network): campuses, their radius circles and the vo school locations coloured by profile offer.

Input: a published warehouse (read-only). Output: one HTML file (a few MB, mostly plotly.js).
Raises FileNotFoundError when the warehouse does not exist.
"""

from __future__ import annotations

import html
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from pipeline import dictionary

REPORT_DIR = "report"
EARTH_RADIUS_KM = 6371.0088
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
OFFER_CLASSES = {
    "hard": ("offers a hard techniek profile (BWI, PIE, MaT, M&T)", "#c0392b"),
    "some": ("offers only a some-techniek profile (MVI, D&P)", "#e67e22"),
    "none": ("vmbo B/K/G without a techniek profile", "#2980b9"),
    "novmbo": ("no vmbo B/K/G bovenbouw pupils", "#95a5a6"),
}


# ---- data access -----------------------------------------------------------------------------------------
def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database()",
            [schema, name],
        ).fetchone()[0]
    )


# ---- rendering helpers -----------------------------------------------------------------------------------
def _fig_html(fig: go.Figure, div_id: str) -> str:
    """A plotly figure as a <div> (plotly.js is inlined once in the page head)."""
    fig.update_layout(template="plotly_white", margin={"l": 50, "r": 20, "t": 50, "b": 40})
    if div_id in ("chart-national-trend", "chart-regional-trend"):
        fig.update_xaxes(tickformat="d", dtick=1 if div_id == "chart-regional-trend" else 2)
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)


def _table(
    df: pd.DataFrame,
    table_id: str,
    source_table: str | None = None,
    precision: int = 1,
    highlight: pd.Series | None = None,
) -> str:
    """A pandas Styler table; `highlight` marks rows (bool per row); column definitions from the dictionary."""
    if df.empty:
        return f'<p class="empty" id="{table_id}">No rows in this warehouse.</p>'
    styler = df.style.hide(axis="index").format(precision=precision, na_rep="–", escape="html")
    styler = styler.set_table_attributes(f'id="{table_id}" class="data"')
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    if highlight is not None:
        flags = list(highlight.fillna(False).astype(bool))
        classes = pd.DataFrame(
            [["not-ok" if f else "" for _ in df.columns] for f in flags], index=df.index, columns=df.columns
        )
        styler = styler.set_td_classes(classes)
    out = styler.to_html()
    if source_table:
        items = []
        for col in df.columns:
            text = dictionary.column_text(source_table, str(col))
            if text:
                items.append(f"<li><code>{html.escape(str(col))}</code>: {html.escape(text)}</li>")
        if items:
            out += (
                f"<details><summary>Column definitions ({html.escape(source_table)})</summary>"
                f"<ul>{''.join(items)}</ul></details>"
            )
    return out


def _circle(lat: float, lon: float, radius_km: float, n: int = 72) -> tuple[list[float], list[float]]:
    """Points of a geodesic circle (lon list, lat list) around (lat, lon)."""
    d = radius_km / EARTH_RADIUS_KM
    la1, lo1 = math.radians(lat), math.radians(lon)
    lons, lats = [], []
    for i in range(n + 1):
        b = 2 * math.pi * i / n
        la2 = math.asin(math.sin(la1) * math.cos(d) + math.cos(la1) * math.sin(d) * math.cos(b))
        lo2 = lo1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(la1), math.cos(d) - math.sin(la1) * math.sin(la2))
        lats.append(math.degrees(la2))
        lons.append(math.degrees(lo2))
    return lons, lats


# ---- sections --------------------------------------------------------------------------------------------
def _trend_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    nat = _df(
        con,
        "SELECT peiljaar, indicator, indicator_label, n_total, n_techniek, pct, pct_girls, pct_girls_of_techniek "
        "FROM marts.techniek_share WHERE scope_type = 'national' ORDER BY indicator, peiljaar",
    )
    pub = _df(
        con,
        "SELECT split_part(indicator, '.', 1) AS indicator, peiljaar, published, figure_id, source_url "
        "FROM marts.reconciliation WHERE source = 'techniekpact' AND scope = 'national:NL' AND unit = 'pct' "
        "AND split_part(indicator, '.', 2) = 'pct' ORDER BY 1, 2",
    )
    fig = go.Figure()
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]
    for i, (ind, g) in enumerate(nat.groupby("indicator", sort=True)):
        color = palette[i % len(palette)]
        fig.add_trace(
            go.Scatter(x=g["peiljaar"], y=g["pct"], mode="lines+markers", name=f"{ind} (ours)", line={"color": color})
        )
        p = pub[pub["indicator"] == ind]
        if not p.empty:
            fig.add_trace(
                go.Scatter(
                    x=p["peiljaar"],
                    y=p["published"],
                    mode="markers",
                    name=f"{ind} (published)",
                    marker={"symbol": "diamond-open", "size": 11, "color": color, "line": {"width": 2}},
                    text=p["figure_id"],
                )
            )
    fig.update_layout(
        title="National technology choice: ours (lines) and Techniekpact published (diamonds)",
        xaxis_title="peiljaar (school year peiljaar/peiljaar+1)",
        yaxis_title="percent (0–100)",
        height=460,
    )
    reg = _df(
        con,
        "SELECT indicator, peiljaar, scope_name AS provincie, pct, n_total FROM marts.techniek_share "
        "WHERE scope_type = 'provincie' AND scope_code <> 'ONBEKEND' ORDER BY indicator, provincie, peiljaar",
    )
    rfig = go.Figure()
    indicators = sorted(reg["indicator"].unique())
    default = "vmbo_bkg_lj3_techniek" if "vmbo_bkg_lj3_techniek" in indicators else (indicators or [""])[0]
    owner: list[str] = []
    for (ind, prov), g in reg.groupby(["indicator", "provincie"], sort=True):
        rfig.add_trace(
            go.Scatter(
                x=g["peiljaar"],
                y=g["pct"],
                mode="lines+markers",
                name=str(prov),
                visible=ind == default,
                legendgroup=str(prov),
            )
        )
        owner.append(str(ind))
    # one button per indicator (plotly updatemenus): show that indicator's provinces only
    buttons = [
        {
            "label": ind,
            "method": "update",
            "args": [
                {"visible": [o == ind for o in owner]},
                {"title": {"text": f"Regional: {ind} per provincie (percent 0–100)"}},
            ],
        }
        for ind in indicators
    ]
    rfig.update_layout(
        title=f"Regional: {default} per provincie (percent 0–100)",
        xaxis_title="peiljaar",
        yaxis_title="percent (0–100)",
        height=480,
        updatemenus=[
            {
                "buttons": buttons,
                "active": indicators.index(default),
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.18,
            }
        ]
        if buttons
        else [],
    )
    wide = nat.pivot_table(index="indicator", columns="peiljaar", values="pct").reset_index()
    wide.columns = [str(c) for c in wide.columns]
    return {
        "national_chart": _fig_html(fig, "chart-national-trend"),
        "regional_chart": _fig_html(rfig, "chart-regional-trend"),
        "national_table": _table(wide, "national-shares", "marts.techniek_share", precision=1),
    }


def _supply_section(con: duckdb.DuckDBPyConnection, default_radius: float) -> dict[str, Any]:
    df = _df(
        con,
        "SELECT peiljaar, campus_code, campus_name, radius_km, measure, measure_kind, pct, n_pupils_base, "
        "n_locations FROM marts.profile_supply_campus ORDER BY peiljaar, campus_code, radius_km, measure",
    )
    if df.empty:
        return {
            "supply_year": None,
            "table_5_1": _table(df, "tabel-5-1"),
            "table_5_2": "",
            "sensitivity": "",
            "chart": "",
        }
    year = int(df["peiljaar"].max())
    cur = df[df["peiljaar"] == year]
    at = cur[cur["radius_km"] == default_radius]
    names = cur.drop_duplicates("campus_code").set_index("campus_code")["campus_name"]

    def wide(frame: pd.DataFrame, columns: str | list[str]) -> pd.DataFrame:
        w = frame.pivot_table(index="campus_code", columns=columns, values="pct", aggfunc="max")
        w.insert(0, "campus_name", names.reindex(w.index))
        return w

    flags = at[at["measure_kind"] == "flag"]
    t51 = wide(flags, "measure")
    base = flags.groupby("campus_code")[["n_pupils_base", "n_locations"]].max()
    t51 = t51.join(base).reset_index()
    t52 = wide(at[at["measure_kind"] != "flag"], "measure").reset_index()
    sens = wide(cur[cur["measure_kind"] == "flag"], ["measure", "radius_km"])
    sens.columns = [c[0] if isinstance(c[1], str) else f"{c[0]} @ {c[1]:g} km" for c in sens.columns]
    sens = sens.reset_index()
    fig = go.Figure()
    for measure in ("any_techniek", "hard_techniek"):
        for r in sorted(cur["radius_km"].unique()):
            g = cur[(cur["measure"] == measure) & (cur["radius_km"] == r)]
            fig.add_trace(go.Bar(x=g["campus_code"], y=g["pct"], name=f"{measure} {r:g} km"))
    fig.update_layout(
        barmode="group",
        title=f"SEOR table 5.1 sensitivity, peiljaar {year}: share of B/K/G pupils at a location offering …",
        yaxis_title="percent (0–100)",
        height=440,
    )
    for t in (t51, t52, sens):
        t.columns = [str(c) for c in t.columns]
    return {
        "supply_year": year,
        "table_5_1": _table(t51, "tabel-5-1", "marts.profile_supply_campus"),
        "table_5_2": _table(t52, "tabel-5-2", "marts.profile_supply_campus"),
        "sensitivity": _table(sens, "tabel-5-sensitivity", "marts.profile_supply_campus"),
        "chart": _fig_html(fig, "chart-supply"),
    }


def _seor_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    funnel = _df(
        con,
        "SELECT step_no, step, step_label, n_in, n_kept, n_dropped, n_added, n_remaining FROM marts.selection_funnel ORDER BY step_no",
    )
    fig = go.Figure(
        go.Funnel(
            y=[f"{r.step_no}. {r.step_label}" for r in funnel.itertuples()], x=funnel["n_remaining"], textinfo="value"
        )
    )
    fig.update_layout(title="SEOR selection funnel (table 2.1): initiatives remaining after each step", height=420)
    fig.update_yaxes(automargin=True)
    camp = _df(
        con,
        "SELECT s.campus_code, s.campus_name, s.radius_km, s.n_initiatives FROM marts.campus_initiatives_sensitivity s "
        "ORDER BY s.campus_code, s.radius_km",
    )
    t22 = camp.pivot_table(index="campus_code", columns="radius_km", values="n_initiatives", aggfunc="max")
    t22.columns = [f"{c:g} km" for c in t22.columns]
    t22.insert(0, "campus_name", camp.drop_duplicates("campus_code").set_index("campus_code")["campus_name"])
    t22 = t22.reset_index()
    chars = _df(
        con,
        "SELECT table_overall, table_campus, dimension, category_label, campus_code, n, sort_order "
        "FROM marts.initiative_characteristics ORDER BY dimension, sort_order, campus_code",
    )
    tables = []
    for (t_over, t_camp, dim), g in chars.groupby(["table_overall", "table_campus", "dimension"], sort=True):
        wide = g.pivot_table(index=["sort_order", "category_label"], columns="campus_code", values="n", aggfunc="max")
        wide = wide.reset_index().drop(columns="sort_order")
        wide.columns = [str(c) for c in wide.columns]
        tables.append(
            {
                "title": f"Tables {t_over} / {t_camp}: {dim}",
                "html": _table(wide, f"seor-{dim}", "marts.initiative_characteristics", precision=0),
            }
        )
    gaps = _df(
        con,
        "SELECT campus_code, campus_name, dimension, category_label, n, round(100 * share, 1) AS pct_of_column, "
        "round(100 * share_all, 1) AS pct_all_campuses, gap_label, gap_evidence FROM marts.campus_gaps "
        "WHERE is_gap ORDER BY campus_code, dimension",
    )
    return {
        "funnel_chart": _fig_html(fig, "chart-funnel"),
        "funnel_table": _table(funnel, "tabel-2-1", "marts.selection_funnel", precision=0),
        "table_2_2": _table(t22, "tabel-2-2", "marts.campus_initiatives_sensitivity", precision=0),
        "char_tables": tables,
        "gaps": _table(gaps, "seor-gaps", "marts.campus_gaps"),
    }


def _sto_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    year = con.execute("SELECT max(peiljaar) FROM marts.techniekarm").fetchone()[0]
    arm = _df(
        con,
        "SELECT scope_type, scope_code, scope_name, n_bovenbouw, n_hard, pct_hard_bovenbouw, threshold_pct, "
        "delta_pct_vs_baseline, baseline_peiljaar FROM marts.techniekarm WHERE peiljaar = ? AND is_techniekarm "
        "AND scope_type IN ('provincie', 'corop', 'rmc', 'onderwijsgebied') AND scope_code <> 'ONBEKEND' "
        "ORDER BY scope_type, pct_hard_bovenbouw",
        [year],
    )
    counts = _df(
        con,
        "SELECT scope_type, count(*) AS regions, count(*) FILTER (WHERE is_techniekarm) AS techniekarm "
        "FROM marts.techniekarm WHERE peiljaar = ? AND scope_code <> 'ONBEKEND' GROUP BY 1 ORDER BY 1",
        [year],
    )
    offer = _df(
        con,
        "SELECT peiljaar, profile_code, n_locations_offering, n_bovenbouw, n_locations_new_vs_baseline, "
        "n_locations_dropped_vs_baseline, baseline_peiljaar FROM marts.profile_offer_region "
        "WHERE scope_type = 'national' AND profile_kind = 'profile' ORDER BY peiljaar, profile_code",
    )
    fig = go.Figure()
    latest = offer[offer["peiljaar"] == offer["peiljaar"].max()] if not offer.empty else offer
    fig.add_trace(go.Bar(x=latest["profile_code"], y=latest["n_locations_new_vs_baseline"], name="new vs baseline"))
    fig.add_trace(
        go.Bar(x=latest["profile_code"], y=-latest["n_locations_dropped_vs_baseline"], name="dropped vs baseline")
    )
    base = latest["baseline_peiljaar"].iloc[0] if not latest.empty else "–"
    fig.update_layout(
        barmode="relative",
        title=f"Profile offer: locations that started (+) or stopped (−) offering a profile since {base}",
        yaxis_title="locations",
        height=400,
    )
    return {
        "arm_year": year,
        "arm_counts": _table(counts, "techniekarm-counts", "marts.techniekarm", precision=0),
        "arm_table": _table(arm, "techniekarm-regions", "marts.techniekarm"),
        "offer_chart": _fig_html(fig, "chart-offer"),
        "offer_table": _table(latest, "profile-offer-national", "marts.profile_offer_region", precision=0),
    }


def _explain(row: pd.Series) -> str:
    if pd.isna(row["ok"]):
        return "not compared: " + (row["note"] if isinstance(row["note"], str) else "no figure of ours")
    if bool(row["ok"]):
        return ""
    parts = [
        f"ours {row['ours']:.2f} vs published {row['published']:.2f}: |delta| {abs(row['delta']):.2f} "
        f"exceeds the tolerance {row['tolerance']:.2f} ({row['unit']})."
    ]
    if not pd.isna(row.get("known_source_inconsistency")) and bool(row.get("known_source_inconsistency")):
        parts.append("Known inconsistency within the publication itself.")
    if isinstance(row["note"], str) and row["note"]:
        parts.append(row["note"])
    return " ".join(parts)


def _reconciliation_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rec = _df(
        con,
        "SELECT source, coalesce(table_id, '') AS table_id, indicator, peiljaar, scope, ours, published, delta, "
        "tolerance, ok, unit, known_source_inconsistency, note FROM marts.reconciliation "
        "ORDER BY ok NULLS FIRST, source, indicator, peiljaar",
    )
    rec["explanation"] = rec.apply(_explain, axis=1) if not rec.empty else []
    compared = rec[rec["ok"].notna()].reset_index(drop=True)
    summary = (
        rec.assign(
            compared=rec["ok"].notna(),
            ok_=rec["ok"].fillna(False).astype(bool),
            notok=rec["ok"].eq(False).fillna(False),
        )
        .groupby("source")
        .agg(figures=("indicator", "size"), compared=("compared", "sum"), ok=("ok_", "sum"), not_ok=("notok", "sum"))
        .reset_index()
    )
    shown = compared.drop(columns=["note"])
    return {
        "summary": _table(summary, "reconciliation-summary", None, precision=0),
        "table": _table(shown, "reconciliation", "marts.reconciliation", precision=2, highlight=shown["ok"].eq(False)),
        "n_not_ok": int(compared["ok"].eq(False).sum()),
        "not_compared": _table(
            rec[rec["ok"].isna()][["source", "indicator", "peiljaar", "scope", "published", "unit", "explanation"]],
            "reconciliation-not-compared",
            "marts.reconciliation",
        ),
    }


def _targets_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    if not _exists(con, "marts.programme_targets"):
        return _Missing("marts.programme_targets is not in this warehouse.")
    df = _df(
        con,
        "SELECT programme, target_id, label, scope_name, scope_method, peiljaar, unit, baseline_peiljaar, "
        "baseline_value, target_peiljaar, target_value, measured_value, current_value, distance_to_target, "
        "target_met, reason, scope_note FROM marts.programme_targets WHERE computable ORDER BY programme, target_id, peiljaar",
    )
    closed = _df(
        con,
        "SELECT programme, label, unit, target_value, reason, source_document FROM marts.programme_targets "
        "WHERE NOT computable ORDER BY programme, target_id",
    )
    latest = df[df["peiljaar"] == df.groupby("target_id")["peiljaar"].transform("max")]
    fig = go.Figure()
    for col, name in (("current_value", "current"), ("target_value", "target")):
        fig.add_trace(
            go.Bar(
                x=latest["target_id"],
                y=latest[col],
                name=name,
                text=[
                    f"{v:.1f} {u}" if pd.notna(v) else "n/a" for v, u in zip(latest[col], latest["unit"], strict=True)
                ],
                textposition="outside",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Latest loaded peiljaar: current value against target (each in the target's own unit)",
        height=400,
    )
    figures = df[
        [
            "programme",
            "target_id",
            "peiljaar",
            "unit",
            "baseline_peiljaar",
            "baseline_value",
            "target_peiljaar",
            "target_value",
            "measured_value",
            "current_value",
            "distance_to_target",
            "target_met",
        ]
    ]
    notes = df.drop_duplicates("target_id")[
        ["target_id", "label", "scope_name", "scope_method", "scope_note", "reason"]
    ]
    return {
        "table": _table(figures, "programme-targets", "marts.programme_targets", precision=2),
        "scopes": _table(notes, "programme-target-scopes", "marts.programme_targets"),
        "open": _table(closed, "programme-targets-open", "marts.programme_targets"),
        "chart": _fig_html(fig, "chart-targets"),
    }


def _map_section(con: duckdb.DuckDBPyConnection, radii: list[float]) -> dict[str, Any]:
    camp = _df(con, "SELECT campus_code, name, lat, lon FROM core.campuses WHERE lat IS NOT NULL ORDER BY campus_code")
    if camp.empty:
        return {"map": "<p>No geocoded campus.</p>", "map_year": None}
    year = con.execute("SELECT max(peiljaar) FROM marts.profile_offer_location").fetchone()[0]
    rmax = max(radii) if radii else 15.0
    dlat = (rmax + 5) / 111.0
    dlon = dlat / math.cos(math.radians(float(camp["lat"].mean())))
    box = [camp["lat"].min() - dlat, camp["lat"].max() + dlat, camp["lon"].min() - dlon, camp["lon"].max() + dlon]
    locs = _df(
        con,
        """
        WITH offer AS (
            SELECT o.vestiging_code,
                   bool_or(o.offered AND p.seor_hard) AS hard,
                   bool_or(o.offered AND p.seor_some_techniek) AS some,
                   bool_or(o.offered) AS any_offer,
                   string_agg(o.profile_code, ', ' ORDER BY o.profile_code) FILTER (WHERE o.offered) AS profiles
            FROM marts.profile_offer_location o JOIN core.vmbo_profile p USING (profile_code)
            WHERE o.peiljaar = ? GROUP BY 1
        )
        SELECT l.vestiging_code, l.name, l.plaatsnaam, l.lat, l.lon,
               CASE WHEN o.hard THEN 'hard' WHEN o.some THEN 'some' WHEN o.any_offer THEN 'none' ELSE 'novmbo' END
                   AS offer_class,
               coalesce(o.profiles, '') AS profiles
        FROM core.school_locations l
        JOIN (SELECT DISTINCT vestiging_code FROM core.duo_vo_students WHERE peiljaar = ?) s USING (vestiging_code)
        LEFT JOIN offer o USING (vestiging_code)
        WHERE l.lat BETWEEN ? AND ? AND l.lon BETWEEN ? AND ?
        """,
        [year, year, *box],
    )
    fig = go.Figure()
    dash = {0: "dot", 1: "dash", 2: "solid"}
    for i, r in enumerate(sorted(radii)):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for c in camp.itertuples():
            lo, la = _circle(float(c.lat), float(c.lon), float(r))
            xs += [*lo, None]
            ys += [*la, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"{r:g} km radius",
                hoverinfo="skip",
                line={"color": "#555", "width": 1, "dash": dash.get(i, "solid")},
            )
        )
    for cls, (label, color) in OFFER_CLASSES.items():
        g = locs[locs["offer_class"] == cls]
        fig.add_trace(
            go.Scatter(
                x=g["lon"],
                y=g["lat"],
                mode="markers",
                name=f"{label} ({len(g)})",
                marker={"color": color, "size": 7, "opacity": 0.85},
                text=[
                    f"{a} {b} ({c})<br>{d}"
                    for a, b, c, d in zip(g["vestiging_code"], g["name"], g["plaatsnaam"], g["profiles"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=camp["lon"],
            y=camp["lat"],
            mode="markers+text",
            name="campus",
            text=camp["campus_code"],
            textposition="top center",
            marker={"symbol": "star", "size": 16, "color": "black"},
            hovertext=camp["name"],
            hoverinfo="text",
        )
    )
    lat0 = float(camp["lat"].mean())
    fig.update_layout(
        title=f"Campuses, their {', '.join(f'{r:g}' for r in sorted(radii))} km circles and vo locations by vmbo "
        f"profile offer (peiljaar {year}); lon/lat, no background map",
        height=720,
        xaxis={"title": "longitude", "showgrid": True},
        yaxis={"title": "latitude", "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat0))},
        legend={"orientation": "h", "y": -0.12},
    )
    return {"map": _fig_html(fig, "campus-map"), "map_year": year, "n_map_locations": len(locs)}


class _Missing(dict):
    """Stand-in for a section whose marts are not in the warehouse (e.g. after `sto run --select`)."""

    def __init__(self, message: str) -> None:
        super().__init__(char_tables=[])
        self.message = message

    def __missing__(self, key: str) -> str:
        return f'<p class="empty">{html.escape(self.message)}</p>'


def _section(con: duckdb.DuckDBPyConnection, build: Any, *args: Any) -> dict[str, Any]:
    """Run a section builder; a missing table gives a placeholder section instead of an error."""
    try:
        return build(con, *args)
    except duckdb.CatalogException as exc:
        first = str(exc).splitlines()[0]
        return _Missing(f"Not in this warehouse (a partial run?): {first}")


def _provenance(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    prov = _df(
        con,
        "SELECT run_group, dagster_run_ids, finished_at, code_version, config_hash, source_mode, peiljaren, "
        "package_versions FROM audit.provenance ORDER BY finished_at DESC LIMIT 1",
    )
    if prov.empty:
        return {"run": None, "files": "<p>No provenance recorded.</p>"}
    run = prov.iloc[0].to_dict()
    files = _df(
        con,
        "SELECT DISTINCT source_id, peiljaar, regexp_extract(path, '[^/]+$') AS file, origin_kind, size, sha256 "
        "FROM audit.source_files WHERE run_id IN (SELECT unnest(CAST(? AS JSON)::VARCHAR[])) ORDER BY ALL",
        [run["dagster_run_ids"]],
    )
    if files.empty:  # a partial (--select) run: the latest record of every source
        files = _df(
            con,
            "SELECT source_id, peiljaar, regexp_extract(arg_max(path, retrieved_at), '[^/]+$') AS file, "
            "arg_max(origin_kind, retrieved_at) AS origin_kind, arg_max(size, retrieved_at) AS size, "
            "arg_max(sha256, retrieved_at) AS sha256 FROM audit.source_files GROUP BY ALL ORDER BY ALL",
        )
    return {"run": run, "files": _table(files, "source-files", "audit.source_files", precision=0)}


TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>STO monitoring report – {{ kind_label|e }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1280px;padding:0 24px 48px;color:#222}
h1{margin-top:24px} h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:40px}
nav a{margin-right:14px} .banner{padding:8px 12px;border-radius:4px;margin:12px 0}
.sample{background:#fff3cd;border:1px solid #e0c36b} .real{background:#e3f2e1;border:1px solid #9cc79a}
table.data{border-collapse:collapse;font-size:13px;margin:8px 0 4px} table.data th,table.data td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
table.data th{background:#f4f4f4;position:sticky;top:0} table.data td{max-width:480px}
details{font-size:12px;color:#555;margin-bottom:12px} .scroll{overflow-x:auto;max-height:560px;overflow-y:auto}
td.not-ok{background:#fde2e1;font-weight:600}
footer{margin-top:48px;border-top:2px solid #ddd;font-size:12px;color:#444} code{font-size:12px}
</style>
<script type="text/javascript">{{ plotly_js }}</script>
</head><body>
<h1>STO / Techniekpact / SEOR monitoring report</h1>
<div class="banner {{ kind }}">Data: <b>{{ kind_label|e }}</b>; peiljaren {{ years|e }}; generated {{ generated }} from
<code>{{ db_name|e }}</code>. Every figure comes from the published warehouse; definitions: the column notes under each table
(<code>docs/data_dictionary.md</code>).</div>
<nav><a href="#trends">Trends</a><a href="#supply">SEOR table 5</a><a href="#seor">SEOR funnel &amp; tables</a>
<a href="#sto">Techniekarm &amp; offer</a><a href="#targets">Programme targets</a><a href="#reconciliation">Reconciliation</a>
<a href="#map">Map</a><a href="#provenance">Provenance</a></nav>

<h2 id="trends">Technology choice: national and regional trends</h2>
{{ trends.national_chart }}
<h3>National shares (percent 0–100) per indicator and peiljaar</h3>
{{ trends.national_table }}
{{ trends.regional_chart }}

<h2 id="supply">SEOR table 5.1 / 5.2: vmbo profile supply around the campuses (peiljaar {{ supply.supply_year }}, {{ default_radius }} km)</h2>
<p>Percent (0–100) of vmbo basis/kader/gemengd pupils within the radius who attend a location offering the measure.</p>
<h3>Table 5.1</h3><div class="scroll">{{ supply.table_5_1 }}</div>
<h3>Table 5.2 (each profile)</h3><div class="scroll">{{ supply.table_5_2 }}</div>
<h3>Sensitivity: 5 / 10 / 15 km</h3><div class="scroll">{{ supply.sensitivity }}</div>
{{ supply.chart }}

<h2 id="seor">SEOR initiatives: selection funnel and tables 2.2–4.6</h2>
{{ seor.funnel_chart }}
{{ seor.funnel_table }}
<h3>Table 2.2: initiatives per campus (with 5/10/15 km sensitivity)</h3>{{ seor.table_2_2 }}
{% for t in seor.char_tables %}<h3>{{ t.title }}</h3><div class="scroll">{{ t.html }}</div>{% endfor %}
<h3>Gaps ("lacunes") derived by the rules of seor.yaml</h3><div class="scroll">{{ seor.gaps }}</div>

<h2 id="sto">STO: techniekarme regions and profile offer against the baseline (peiljaar {{ sto.arm_year }})</h2>
{{ sto.arm_counts }}
<h3>Techniekarme regions (fewer than 10% of bovenbouw B/K/G pupils in an STO-hard profile)</h3>
<div class="scroll">{{ sto.arm_table }}</div>
{{ sto.offer_chart }}
{{ sto.offer_table }}

<h2 id="targets">Programme targets (TechTown, Twente, Rotterdam)</h2>
<p>From <code>pipeline/config/targets.yaml</code>; a region that is not published as data is a stated approximation.</p>
{{ targets.chart }}
<div class="scroll">{{ targets.table }}</div>
<h3>Targets: definition, region and how it was selected</h3><div class="scroll">{{ targets.scopes }}</div>
<h3>Targets open data cannot support</h3>{{ targets.open }}

<h2 id="reconciliation">Reconciliation with the published figures ({{ recon.n_not_ok }} not ok, highlighted)</h2>
{{ recon.summary }}
<div class="scroll">{{ recon.table }}</div>
<details><summary>Published figures we do not compare, and why</summary>{{ recon.not_compared }}</details>

<h2 id="map">Map: campuses, radius circles and vo locations by profile offer</h2>
{{ map.map }}

<footer id="provenance"><h2>Provenance</h2>
{% if prov.run %}<p>Run <code>{{ prov.run.run_group|e }}</code> finished {{ prov.run.finished_at|e }} UTC; code version
<code id="code-version">{{ prov.run.code_version|e }}</code>; config hash <code id="config-hash">{{ prov.run.config_hash|e }}</code>;
data kind <b id="data-kind">{{ prov.run.source_mode|e }}</b>; peiljaren {{ prov.run.peiljaren|e }}; packages <code>{{ prov.run.package_versions|e }}</code>.</p>{% endif %}
<h3>Source files (sha256)</h3>{{ prov.files }}
<p>Licences: DUO open data (CC0, "Bron: DUO"); GeoNames postcodes (CC BY 4.0). SEOR inventory: a reconstruction
(data_raw/seor2023/README.md).</p></footer>
</body></html>
"""


def build_report(db_path: Path, out_dir: Path) -> Path:
    """Render `out_dir/report/index.html` from the published warehouse `db_path`; return the file path.

    Written to a temporary name and renamed (readers never see half a file); mode 0644, directory 0755.
    """
    from pipeline.config import default_config

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `sto run` first")
    reach = default_config().pipeline["reach"]
    default_radius = float(reach["default_radius_km"])
    radii = [float(r) for r in reach["sensitivity_radii_km"]]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        prov = _section(con, _provenance)
        if isinstance(prov, _Missing):
            prov = {"run": None, "files": prov["files"]}
        kind = (prov["run"] or {}).get("source_mode") or "unknown"
        years = (
            [r[0] for r in con.execute("SELECT DISTINCT peiljaar FROM core.duo_vo_students ORDER BY 1").fetchall()]
            if _exists(con, "core.duo_vo_students")
            else []
        )
        context = {
            "plotly_js": plotly.offline.get_plotlyjs(),
            "kind": "sample" if kind == "sample" else "real",
            "kind_label": "bundled SYNTHETIC sample – not real figures"
            if kind == "sample"
            else f"{kind} DUO open data",
            "years": ", ".join(map(str, years)),
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "db_name": Path(db_path).name,
            "default_radius": f"{default_radius:g}",
            "trends": _section(con, _trend_section),
            "supply": _section(con, _supply_section, default_radius),
            "seor": _section(con, _seor_section),
            "sto": _section(con, _sto_section),
            "targets": _section(con, _targets_section),
            "recon": _section(con, _reconciliation_section),
            "map": _section(con, _map_section, radii),
            "prov": prov,
        }
    finally:
        con.close()
    # autoescape off: the parts are HTML built here (Styler escapes cells); plain text uses the e filter
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE).render(**context)
    target_dir = Path(out_dir) / REPORT_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(target_dir, 0o755)
    target = target_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
