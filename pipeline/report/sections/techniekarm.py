"""STO techniekarme regions, named per level with their share, and the vmbo profile offer.

The answer first: how many regions of each level are techniekarm, then each level's regions by name and
share (every techniekarm gemeente listed), then the profile offer (locations offering each profile:
bars with one loaded peiljaar, lines with several; started/stopped against the baseline only when the
baseline is an earlier year than the latest).
"""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go

from pipeline.report.render import REGION_NOTE, Settings, df, esc, esc_all, fig_html, table

ANCHOR = "sto"
TITLE = "STO: techniekarme regions and the vmbo profile offer"
TEMPLATE = "sections/techniekarm.html.j2"
LEVELS = ["provincie", "corop", "rmc", "onderwijsgebied", "gemeente"]


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    year = con.execute("SELECT max(peiljaar) FROM marts.techniekarm").fetchone()[0]
    counts = df(
        con,
        "SELECT scope_type AS level, count(*) AS regions, count(*) FILTER (WHERE is_techniekarm) AS techniekarm, "
        "any_value(threshold_pct) AS threshold_pct FROM marts.techniekarm WHERE peiljaar = ? "
        "AND scope_code <> ? AND scope_type IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1",
        [year, settings.unknown_scope_code, LEVELS],
    )
    counts = counts.set_index("level").reindex([lv for lv in LEVELS if lv in set(counts["level"])]).reset_index()
    arm = df(
        con,
        "SELECT scope_type AS level, scope_code, scope_name, pct_hard_bovenbouw, n_bovenbouw, n_hard "
        "FROM marts.techniekarm WHERE peiljaar = ? AND is_techniekarm AND scope_code <> ? "
        "AND scope_type IN (SELECT unnest(?::VARCHAR[])) ORDER BY scope_type, pct_hard_bovenbouw, scope_name",
        [year, settings.unknown_scope_code, LEVELS],
    )
    threshold = float(counts["threshold_pct"].max()) if not counts.empty else None
    levels = [
        {
            "level": lv,
            "n": int(len(g)),
            "regions": [
                {"name": r.scope_name, "code": r.scope_code, "pct": r.pct_hard_bovenbouw, "n": int(r.n_bovenbouw)}
                for r in g.itertuples()
            ],
        }
        for lv in LEVELS
        if not (g := arm[arm["level"] == lv]).empty
    ]
    offer = df(
        con,
        "SELECT peiljaar, profile_code, n_locations_offering, n_bovenbouw, n_locations_new_vs_baseline, "
        "n_locations_dropped_vs_baseline, baseline_peiljaar FROM marts.profile_offer_region "
        "WHERE scope_type = 'national' AND profile_kind = 'profile' ORDER BY peiljaar, profile_code",
    )
    latest = offer[offer["peiljaar"] == offer["peiljaar"].max()] if not offer.empty else offer
    base = int(latest["baseline_peiljaar"].iloc[0]) if not latest.empty else None
    fig = go.Figure()
    if offer["peiljaar"].nunique() <= 1:
        fig.add_trace(
            go.Bar(
                x=esc_all(latest["profile_code"]),
                y=latest["n_locations_offering"],
                text=latest["n_locations_offering"],
                textposition="outside",
                name="locations offering",
            )
        )
        title = f"Locations offering each vmbo profile, peiljaar {year} (locations)"
        fig.update_layout(xaxis_title="profile (see the legend of profile codes)", yaxis_title="locations", height=380)
    else:
        for code, g in offer.groupby("profile_code", sort=True):
            fig.add_trace(
                go.Scatter(x=g["peiljaar"], y=g["n_locations_offering"], mode="lines+markers", name=esc(code))
            )
        title = "Locations offering each vmbo profile per peiljaar (locations)"
        fig.update_layout(xaxis_title="peiljaar", yaxis_title="locations", height=420)
        fig.update_xaxes(tickformat="d", dtick=1)
    changes = base is not None and year is not None and base < int(latest["peiljaar"].max())
    shown = latest[
        ["profile_code", "n_locations_offering", "n_bovenbouw"]
        + (["n_locations_new_vs_baseline", "n_locations_dropped_vs_baseline", "baseline_peiljaar"] if changes else [])
    ]
    return {
        "year": year,
        "threshold": threshold,
        "region_note": REGION_NOTE,
        "counts": table(counts.drop(columns="threshold_pct"), "techniekarm-counts", "marts.techniekarm", precision=0),
        "levels": levels,
        "arm_table": table(arm, "techniekarm-regions", "marts.techniekarm"),
        "offer_chart": fig_html(fig, "chart-offer", title),
        "offer_changes": changes,
        "baseline": base,
        "offer_table": table(shown, "profile-offer-national", "marts.profile_offer_region", precision=0),
    }
