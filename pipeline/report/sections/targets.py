"""Programme targets: ours against the target, met or not (or not judged, and why), proxies named.

The answer first: one row per target and peiljaar with what, where, ours, target, met, why; the
baseline, measured value, distance and region selection in an expandable part. Charts: one per unit
(a percent, a percent change and a count of locations never share an axis). Columns the targets mart
gains later (reading, judged, not_judged_reason, is_proxy, proxy_note) are shown when present.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pipeline.report.render import Settings, columns, df, esc, esc_all, fig_html, table

ANCHOR = "targets"
TITLE = "Programme targets (what a programme wants to reach, by when)"
TEMPLATE = "sections/targets.html.j2"
UNIT_TITLES = {
    "pct": "percent (0–100)",
    "pct_change": "percent change against the baseline",
    "locations": "school locations",
    "pupils": "pupils",
}
CHART_TITLES = {
    "pct": "Percent",
    "pct_change": "Percent change vs baseline",
    "locations": "School locations",
    "pupils": "Pupils",
}
OPTIONAL = ["reading", "judged", "not_judged_reason", "is_proxy", "proxy_note", "baseline_value_published"]


def _fmt(value: Any, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    if unit in ("pct", "pct_change"):
        return f"{value:+.1f}%" if unit == "pct_change" else f"{value:.1f}%"
    return f"{value:,.0f} {unit}"


def _met(row: pd.Series) -> str:
    if "judged" in row and not pd.isna(row["judged"]) and not bool(row["judged"]):
        return "not judged: " + (str(row["not_judged_reason"]) if _has(row, "not_judged_reason") else "no reason given")
    if pd.isna(row["target_met"]):
        return "not judged"
    return "met" if bool(row["target_met"]) else "not met"


def _has(row: pd.Series, col: str) -> bool:
    return col in row and isinstance(row[col], str) and bool(row[col])


def _why(row: pd.Series) -> str:
    parts = []
    if "is_proxy" in row and not pd.isna(row["is_proxy"]) and bool(row["is_proxy"]):
        note = str(row["proxy_note"]) if _has(row, "proxy_note") else "measured by a stand-in statistic"
        parts.append(note if note.upper().startswith("PROXY") else "PROXY: " + note)
    if not pd.isna(row["distance_to_target"]) and row["target_met"] is not None and not pd.isna(row["target_met"]):
        if not bool(row["target_met"]):
            parts.append(f"{_fmt(abs(row['distance_to_target']), row['unit']).replace('+', '')} still to go.")
    if _has(row, "reason"):
        parts.append(row["reason"])
    return " ".join(parts)


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    have = columns(con, "marts.programme_targets")
    extra = [c for c in OPTIONAL if c in have]
    frame = df(
        con,
        "SELECT programme, target_id, label, scope_name, scope_method, scope_note, peiljaar, unit, "
        "baseline_peiljaar, baseline_value, target_peiljaar, target_value, measured_value, current_value, "
        f"distance_to_target, target_met, reason{''.join(', ' + c for c in extra)} "
        "FROM marts.programme_targets WHERE computable ORDER BY programme, target_id, peiljaar"
        + (", reading" if "reading" in extra else ""),
    )
    closed = df(
        con,
        "SELECT programme, label, unit, target_value, reason, source_document FROM marts.programme_targets "
        "WHERE NOT computable ORDER BY programme, target_id",
    )
    if frame.empty:
        main = frame
    else:
        main = pd.DataFrame(
            {
                "programme": frame["programme"],
                "target": frame["label"],
                "region": frame["scope_name"],
                "peiljaar": frame["peiljaar"].astype("Int64"),
                **({"reading": frame["reading"]} if "reading" in extra else {}),
                "ours": [_fmt(v, u) for v, u in zip(frame["current_value"], frame["unit"], strict=True)],
                "target value": [
                    _fmt(v, u) + (f" by {int(y)}" if not pd.isna(y) else "")
                    for v, u, y in zip(frame["target_value"], frame["unit"], frame["target_peiljaar"], strict=True)
                ],
                "met": frame.apply(_met, axis=1),
                "why": frame.apply(_why, axis=1),
            }
        )
    detail = frame.drop(columns=["label", "scope_note", "reason"], errors="ignore")
    notes = frame.drop_duplicates("target_id")[["target_id", "label", "scope_name", "scope_method", "scope_note"]]
    flagged = main["met"].eq("not met") if not main.empty else None
    judged_not = ["not-judged" if m.startswith("not judged") else "" for m in main["met"]] if not main.empty else None
    latest = frame[frame["peiljaar"] == frame.groupby("target_id")["peiljaar"].transform("max")]
    if "reading" in extra:
        latest = latest.assign(
            key=latest["target_id"] + latest["reading"].fillna("").map(lambda r: f" ({r})" if r else "")
        )
    else:
        latest = latest.assign(key=latest["target_id"])
    charts = []
    for unit, g in latest.groupby("unit", sort=True):
        fig = go.Figure()
        for col, name, color in (("current_value", "ours", "#1f77b4"), ("target_value", "target", "#aaaaaa")):
            fig.add_trace(
                go.Bar(
                    x=esc_all(g["key"]),
                    y=g[col],
                    name=name,
                    marker_color=color,
                    text=[_fmt(v, unit) for v in g[col]],
                    textposition="outside",
                    hovertext=esc_all(g["label"]),
                )
            )
        fig.update_layout(barmode="group", yaxis_title=esc(UNIT_TITLES.get(unit, unit)), height=360)
        fig.update_xaxes(automargin=True)
        charts.append(
            fig_html(
                fig,
                f"chart-targets-{unit}",
                f"{CHART_TITLES.get(unit, unit)}: ours and target",
            )
        )
    return {
        "table": table(
            main,
            "programme-targets",
            "marts.programme_targets",
            highlight=flagged,
            wide=["target", "why", "region"],
            row_classes=judged_not,
        ),
        "detail": table(detail, "programme-targets-detail", "marts.programme_targets", precision=2),
        "scopes": table(notes, "programme-target-scopes", "marts.programme_targets", wide=["scope_note", "label"]),
        "open": table(closed, "programme-targets-open", "marts.programme_targets", wide=["reason", "label"]),
        "charts": charts,
        "n_not_met": int(main["met"].eq("not met").sum()) if not main.empty else 0,
        "n_not_judged": int(main["met"].str.startswith("not judged").sum()) if not main.empty else 0,
        "has_proxy": "is_proxy" in extra,
    }
