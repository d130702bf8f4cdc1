"""The map: provincie and gemeente boundaries, the techniekarm gemeenten shaded, the vo locations by
profile offer and the campuses with their radius circles, drawn with no network.

Drawing: a plain plotly cartesian chart in lon/lat (the y axis scaled by 1/cos(latitude) so that a
kilometre is as long east-west as north-south). Polygons are scatter traces with fill="toself"; plotly's
geo traces would fetch a base map from a CDN and its map traces need WebGL, so neither is used.
Boundaries come from core.boundaries (an optional source): the gemeente division used is the one in
force on the date of the address snapshot that placed the latest peiljaar (the latest division year at
or before it, else the earliest), stated under the map. DUO's GEMEENTENUMMER nnnn joins CBS statcode
GMnnnn. Without boundaries the map says so and draws the locations only.
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pipeline.report.render import Settings, df, esc, exists, fig_html

ANCHOR = "map"
TITLE = "Map: techniekarm gemeenten, vo locations by profile offer, campuses"
TEMPLATE = "sections/geomap.html.j2"
OFFER_CLASSES = {
    "hard": ("offers a hard techniek profile (BWI, PIE, MaT, M&T)", "#c0392b"),
    "some": ("offers only a some-techniek profile (MVI, D&P)", "#e67e22"),
    "none": ("vmbo B/K/G without a techniek profile", "#2980b9"),
    "novmbo": ("no vmbo B/K/G bovenbouw pupils", "#95a5a6"),
}
ARM_FILL = "rgba(243, 156, 18, 0.45)"


def circle(
    lat: float, lon: float, radius_km: float, earth_radius_km: float, n: int = 72
) -> tuple[list[float], list[float]]:
    """Points of a geodesic circle (lon list, lat list) around (lat, lon); `earth_radius_km` is pipeline.yaml
    geocoding.earth_radius_km (the radius the reach SQL measures with)."""
    d = radius_km / earth_radius_km
    la1, lo1 = math.radians(lat), math.radians(lon)
    lons, lats = [], []
    for i in range(n + 1):
        b = 2 * math.pi * i / n
        la2 = math.asin(math.sin(la1) * math.cos(d) + math.cos(la1) * math.sin(d) * math.cos(b))
        lo2 = lo1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(la1), math.cos(d) - math.sin(la1) * math.sin(la2))
        lats.append(math.degrees(la2))
        lons.append(math.degrees(lo2))
    return lons, lats


def rings(geometry: str) -> list[list[list[float]]]:
    """The outer rings of a GeoJSON Polygon / MultiPolygon text (holes are not drawn: a generalised
    gemeente has none that matter at this scale)."""
    g = json.loads(geometry)
    if g["type"] == "Polygon":
        return [g["coordinates"][0]]
    if g["type"] == "MultiPolygon":
        return [poly[0] for poly in g["coordinates"]]
    return []


def boundary_path(geometries: list[str]) -> tuple[list[float | None], list[float | None]]:
    """The outer rings of GeoJSON geometries as one x (lon) and one y (lat) list, rings separated by None
    (one plotly line trace draws them all; also used by the coverage section's map)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for geom in geometries:
        for ring in rings(geom):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
    return xs, ys


def division_year(available: list[int], snapshot_date: Any) -> int | None:
    """The gemeente division in force on `snapshot_date`: the latest year at or before it, else the earliest."""
    if not available:
        return None
    if snapshot_date is None or pd.isna(snapshot_date):
        return max(available)
    year = pd.Timestamp(snapshot_date).year
    before = [y for y in available if y <= year]
    return max(before) if before else min(available)


def boundary_layers(con: duckdb.DuckDBPyConnection, year: int | None) -> dict[str, Any]:
    """The boundary layers for peiljaar `year`: {'ok': False, 'why': …} without boundaries, else the gemeente
    division in force at its address snapshot and the latest provincie division (also used by coverage.py)."""
    if not exists(con, "core.boundaries"):
        return {"ok": False, "why": "core.boundaries is not in this warehouse (built before the map had boundaries)"}
    layers = df(con, "SELECT level, division_year, count(*) AS n FROM core.boundaries GROUP BY ALL ORDER BY ALL")
    gem_years = sorted(int(y) for y in layers.loc[layers["level"] == "gemeente", "division_year"])
    if not gem_years:
        return {
            "ok": False,
            "why": "no boundary file was loaded (optional sources cbs_gemeente_boundaries_* and "
            "cbs_provincie_boundaries_* of data_raw/sources.yaml: give a mirror that holds them, e.g. "
            "--mirror ../shared/data/geo, or run online)",
        }
    snap = con.execute("SELECT max(snapshot_date) FROM core.pupil_locations WHERE peiljaar = ?", [year]).fetchone()[0]
    div = division_year(gem_years, snap)
    gem = df(
        con,
        "SELECT code, name, geometry FROM core.boundaries WHERE level = 'gemeente' AND division_year = ?",
        [div],
    )
    prov_year = layers.loc[layers["level"] == "provincie", "division_year"]
    prov = (
        df(
            con,
            "SELECT code, name, geometry FROM core.boundaries WHERE level = 'provincie' AND division_year = ?",
            [int(prov_year.max())],
        )
        if not prov_year.empty
        else pd.DataFrame(columns=["code", "name", "geometry"])
    )
    return {
        "ok": True,
        "division_year": div,
        "snapshot_date": snap,
        "gemeenten": gem,
        "provincies": prov,
        "provincie_year": int(prov_year.max()) if not prov_year.empty else None,
    }


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    year = con.execute("SELECT max(peiljaar) FROM marts.profile_offer_location").fetchone()[0]
    camp = df(con, "SELECT campus_code, name, lat, lon FROM core.campuses WHERE lat IS NOT NULL ORDER BY campus_code")
    locs = df(
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
        FROM core.pupil_locations l LEFT JOIN offer o USING (vestiging_code)
        WHERE l.peiljaar = ? AND l.lat IS NOT NULL
        """,
        [year, year],
    )
    arm = df(
        con,
        "SELECT 'GM' || lpad(scope_code, 4, '0') AS code, scope_name, pct_hard_bovenbouw, n_bovenbouw "
        "FROM marts.techniekarm WHERE peiljaar = ? AND scope_type = 'gemeente' AND is_techniekarm "
        "AND scope_code <> ?",
        [year, settings.unknown_scope_code],
    )
    b = boundary_layers(con, year)
    fig = go.Figure()
    matched: list[str] = []
    unmatched = pd.DataFrame(columns=["code", "scope_name"])
    if b["ok"]:
        xs, ys = boundary_path(list(b["gemeenten"]["geometry"]))
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"gemeente ({b['division_year']})",
                hoverinfo="skip",
                line={"color": "#b8b8b8", "width": 0.6},
            )
        )
        shaded = arm.merge(b["gemeenten"], on="code", how="inner")
        unmatched = arm[~arm["code"].isin(shaded["code"])]
        for i, r in enumerate(shaded.itertuples()):
            gx, gy = boundary_path([r.geometry])
            label = (
                f"{esc(r.name)}: {r.pct_hard_bovenbouw:.1f}% STO-hard of {int(r.n_bovenbouw):,} bovenbouw B/K/G pupils"
            )
            fig.add_trace(
                go.Scatter(
                    x=gx,
                    y=gy,
                    mode="lines",
                    fill="toself",
                    fillcolor=ARM_FILL,
                    line={"color": "#d68910", "width": 0.8},
                    name=f"techniekarm gemeente ({len(shaded)})",
                    legendgroup="arm",
                    showlegend=i == 0,
                    text=label,
                    hoverinfo="text",
                    hoveron="fills",
                )
            )
            matched.append(r.code)
        if not b["provincies"].empty:
            px, py = boundary_path(list(b["provincies"]["geometry"]))
            fig.add_trace(
                go.Scatter(
                    x=px,
                    y=py,
                    mode="lines",
                    name=f"provincie ({b['provincie_year']})",
                    hoverinfo="skip",
                    line={"color": "#444", "width": 1.4},
                )
            )
    for i, r in enumerate(sorted(settings.radii)):
        xs2: list[float | None] = []
        ys2: list[float | None] = []
        for c in camp.itertuples():
            lo, la = circle(float(c.lat), float(c.lon), float(r), settings.earth_radius_km)
            xs2 += [*lo, None]
            ys2 += [*la, None]
        fig.add_trace(
            go.Scatter(
                x=xs2,
                y=ys2,
                mode="lines",
                name=f"{r:g} km around a campus",
                hoverinfo="skip",
                line={"color": "#555", "width": 1, "dash": {0: "dot", 1: "dash"}.get(i, "solid")},
            )
        )
    for cls, (label, color) in OFFER_CLASSES.items():
        g = locs[locs["offer_class"] == cls]
        fig.add_trace(
            go.Scatter(
                x=g["lon"],
                y=g["lat"],
                mode="markers",
                name=esc(f"{label} ({len(g)})"),
                marker={
                    "color": color,
                    "size": 4 if cls == "novmbo" else 6,
                    "opacity": 0.5 if cls == "novmbo" else 0.9,
                },
                text=[
                    f"{esc(a)} {esc(n)} ({esc(p)})<br>{esc(pr)}"
                    for a, n, p, pr in zip(g["vestiging_code"], g["name"], g["plaatsnaam"], g["profiles"], strict=True)
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
            text=[esc(c) for c in camp["campus_code"]],
            textposition="top center",
            marker={"symbol": "star", "size": 12, "color": "black"},
            hovertext=[esc(n) for n in camp["name"]],
            hoverinfo="text",
        )
    )
    lat0 = 52.2
    fig.update_layout(
        height=900,
        xaxis={"title": "longitude", "showgrid": False, "zeroline": False},
        yaxis={
            "title": "latitude",
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians(lat0)),
            "showgrid": False,
            "zeroline": False,
        },
        legend={"orientation": "h", "y": -0.06},
    )
    title = (
        f"Techniekarm gemeenten (shaded), vo locations by vmbo profile offer and campuses, peiljaar {year}"
        if b["ok"]
        else f"vo locations by vmbo profile offer and campuses, peiljaar {year} (no boundaries loaded)"
    )
    return {
        "map": fig_html(fig, "campus-map", title),
        "year": year,
        "boundaries": b["ok"],
        "why_no_boundaries": None if b["ok"] else b["why"],
        "division_year": b.get("division_year"),
        "snapshot_date": str(pd.Timestamp(b["snapshot_date"]).date())
        if b.get("snapshot_date") is not None and not pd.isna(b.get("snapshot_date"))
        else None,
        "provincie_year": b.get("provincie_year"),
        "n_arm": len(arm),
        "n_matched": len(matched),
        "unmatched": [f"{r.scope_name} ({r.code})" for r in unmatched.itertuples()],
        "n_locations": len(locs),
    }
