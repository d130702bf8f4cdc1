"""Coverage (issue 18): technical vmbo within reach of every pupil (STO "dekkend") and nearby small offer
(STO "duurzaam", DU2).

The answer first (one national sentence for the latest peiljaar), then: a national map of the vmbo B/K/G
locations coloured by the distance to the nearest STO-hard offer (marts.offer_distance; boundaries as the
map section draws them, where loaded), the share of B/K/G pupils whose school lies within the default
radius of an STO-hard offer per provincie and per COROP (marts.offer_coverage, basis school), the locations
without an STO-hard profile per region (marts.hard_profile_offer_counts, marts.locations_without_hard_profile)
and the nearby-small-offer counts (marts.nearby_small_offer). Every part reads its own mart and says
"not built in this warehouse" when that mart is missing, so the other parts still show.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from pipeline.report.render import Settings, columns, df, esc, exists, fig_html, missing, table
from pipeline.report.sections.geomap import boundary_layers, boundary_path

ANCHOR = "coverage"
TITLE = "Coverage: technical vmbo within reach, and nearby small offer"
TEMPLATE = "sections/coverage.html.j2"
HARD_GROUP = "sto_hard"
DISTANCE_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]  # 0 km … beyond the largest radius


def not_built(table_name: str) -> Markup:
    """The placeholder of a part whose mart is not in the warehouse."""
    return missing(f"{table_name} is not built in this warehouse (a partial run, or a build before issue 18).")


def default_rule(con: duckdb.DuckDBPyConnection, table_name: str) -> str | None:
    """The offer rule a coverage mart row states for the default (SEOR) rule: the value of `offer_rule` that
    names the default ('default' in it), else the only one; None when the mart has no such column."""
    if "offer_rule" not in columns(con, table_name):
        return None
    rules = [r[0] for r in con.execute(f"SELECT DISTINCT offer_rule FROM {table_name} ORDER BY 1").fetchall()]
    named = [r for r in rules if r is not None and "default" in str(r).lower()]
    return named[0] if named else (rules[0] if rules else None)


def _rule_filter(con: duckdb.DuckDBPyConnection, table_name: str) -> tuple[str, list]:
    rule = default_rule(con, table_name)
    return ("", []) if rule is None else (" AND offer_rule = ?", [rule])


def distance_classes(radii: tuple[float, ...]) -> list[tuple[str, float, float]]:
    """Colour classes of the map from pipeline.yaml's radii: (label, lower exclusive, upper inclusive);
    the first is 0 km (the location offers it itself), the last lies beyond the largest radius."""
    rs = sorted(float(r) for r in radii)
    out = [("0 km: offers it itself", -1.0, 0.0)]
    lo = 0.0
    for r in rs:
        out.append((f"up to {r:g} km" if lo == 0 else f"{lo:g}–{r:g} km", lo, r))
        lo = r
    out.append((f"more than {lo:g} km", lo, math.inf))
    return out


def _latest(con: duckdb.DuckDBPyConnection, table_name: str) -> int | None:
    y = con.execute(f"SELECT max(peiljaar) FROM {table_name}").fetchone()[0]
    return None if y is None else int(y)


def _map(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    if not exists(con, "marts.offer_distance"):
        return {"map": not_built("marts.offer_distance"), "year": None, "n_unplaced": 0, "boundaries": None}
    year = _latest(con, "marts.offer_distance")
    cols = columns(con, "marts.offer_distance")
    name = "location_name" if "location_name" in cols else ("name" if "name" in cols else "vestiging_code")
    where, params = _rule_filter(con, "marts.offer_distance")
    locs = df(
        con,
        f"""SELECT d.vestiging_code, d.{name} AS name, d.distance_km, d.nearest_vestiging_code, d.nearest_name,
                   g.lat, g.lon
            FROM marts.offer_distance d
            LEFT JOIN core.pupil_locations g ON g.peiljaar = d.peiljaar AND g.vestiging_code = d.vestiging_code
            WHERE d.peiljaar = ? AND d.offer_group = ?{where}""",
        [year, HARD_GROUP, *params],
    )
    placed = locs[locs["lat"].notna() & locs["distance_km"].notna()]
    b = boundary_layers(con, year)
    fig = go.Figure()
    if b["ok"]:
        for layer, colour, width in (("gemeenten", "#c8c8c8", 0.5), ("provincies", "#444", 1.3)):
            if not b[layer].empty:
                xs, ys = boundary_path(list(b[layer]["geometry"]))
                fig.add_trace(
                    go.Scatter(
                        x=xs,
                        y=ys,
                        mode="lines",
                        hoverinfo="skip",
                        name=layer[:-2] if layer == "gemeenten" else "provincie",
                        line={"color": colour, "width": width},
                    )
                )
    for (label, lo, hi), colour in zip(distance_classes(settings.radii), DISTANCE_COLOURS * 3, strict=False):
        g = placed[(placed["distance_km"] > lo) & (placed["distance_km"] <= hi)]
        fig.add_trace(
            go.Scatter(
                x=g["lon"],
                y=g["lat"],
                mode="markers",
                name=esc(f"{label} ({len(g)})"),
                marker={"color": colour, "size": 6, "line": {"color": "#555", "width": 0.3}},
                text=[
                    esc(f"{v} {n}: {d:.1f} km to {nv or '–'} {nn or ''}")
                    for v, n, d, nv, nn in zip(
                        g["vestiging_code"],
                        g["name"],
                        g["distance_km"],
                        g["nearest_vestiging_code"],
                        g["nearest_name"],
                        strict=True,
                    )
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        height=800,
        xaxis={"title": "longitude", "showgrid": False, "zeroline": False},
        yaxis={
            "title": "latitude",
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians(52.2)),
            "showgrid": False,
            "zeroline": False,
        },
        legend={"orientation": "h", "y": -0.06},
    )
    return {
        "map": fig_html(
            fig,
            "coverage-map",
            f"vmbo B/K/G locations by the distance to the nearest STO-hard offer (BWI, PIE, M&T), peiljaar {year}",
        ),
        "year": year,
        "n_placed": len(placed),
        "n_unplaced": len(locs) - len(placed),
        "boundaries": b["ok"],
        "why_no_boundaries": None if b["ok"] else b["why"],
    }


def _coverage(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    if not exists(con, "marts.offer_coverage"):
        return {"national": None, "provincie": not_built("marts.offer_coverage"), "corop": ""}
    year = _latest(con, "marts.offer_coverage")
    where, params = _rule_filter(con, "marts.offer_coverage")
    cov = df(
        con,
        f"""SELECT scope_type, scope_code, scope_name, n_pupils, n_pupils_within, pct_within, change_pct_points,
                   baseline_peiljaar
            FROM marts.offer_coverage
            WHERE peiljaar = ? AND basis = 'school' AND offer_group = ? AND radius_km = ?{where}
              AND scope_type IN ('national', 'provincie', 'corop')
            ORDER BY scope_type, scope_name""",
        [year, HARD_GROUP, settings.default_radius, *params],
    )
    nat = cov[cov["scope_type"] == "national"]
    shown = {
        "scope_name": "region",
        "n_pupils": "B/K/G pupils",
        "pct_within": "% within",
        "change_pct_points": "change (pp)",
    }

    def part(level: str) -> Markup:
        t = cov[cov["scope_type"] == level][list(shown)].rename(columns=shown)
        return table(t, f"coverage-{level}", precision=1)

    return {
        "year": year,
        "national": None if nat.empty else nat.iloc[0].to_dict(),
        "provincie": part("provincie"),
        "corop": part("corop"),
    }


def _without_hard(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    out: dict[str, Any] = {"n_without": None}
    if exists(con, "marts.hard_profile_offer_counts"):
        year = _latest(con, "marts.hard_profile_offer_counts")
        where, params = _rule_filter(con, "marts.hard_profile_offer_counts")
        counts = df(
            con,
            f"""SELECT scope_type, scope_name, n_locations_bkg, n_without_hard, pct_without
                FROM marts.hard_profile_offer_counts
                WHERE peiljaar = ? AND scope_type IN ('national', 'provincie'){where}
                ORDER BY scope_type, scope_name""",
            [year, *params],
        )
        nat = counts[counts["scope_type"] == "national"]
        out["n_without"] = None if nat.empty else int(nat["n_without_hard"].iloc[0])
        out["n_bkg"] = None if nat.empty else int(nat["n_locations_bkg"].iloc[0])
        prov = counts[counts["scope_type"] == "provincie"].drop(columns="scope_type")
        out["counts"] = table(
            prov.rename(
                columns={
                    "scope_name": "provincie",
                    "n_locations_bkg": "B/K/G locations",
                    "n_without_hard": "without hard",
                    "pct_without": "% without",
                }
            ),
            "coverage-without-hard-counts",
        )
    else:
        out["counts"] = not_built("marts.hard_profile_offer_counts")
    if exists(con, "marts.locations_without_hard_profile"):
        year = _latest(con, "marts.locations_without_hard_profile")
        cols = columns(con, "marts.locations_without_hard_profile")
        name = "location_name" if "location_name" in cols else ("name" if "name" in cols else "vestiging_code")
        region = next((c for c in ("provincie_name", "provincie") if c in cols), None)
        near = "nearest_name" if "nearest_name" in cols else None
        sel = [
            f"{region} AS provincie" if region else "'' AS provincie",
            f"{name} AS location",
            "n_pupils AS pupils",
            'distance_km AS "km to hard"',
            f'{near} AS "nearest hard offer"' if near else 'NULL AS "nearest hard offer"',
        ]
        where, params = _rule_filter(con, "marts.locations_without_hard_profile")
        lst = df(
            con,
            f"SELECT {', '.join(sel)} FROM marts.locations_without_hard_profile WHERE peiljaar = ?{where} "
            "ORDER BY 1, 4 DESC NULLS FIRST, 2",
            [year, *params],
        )
        out["list"] = table(lst, "coverage-without-hard-list", precision=1, wide=["location", "nearest hard offer"])
        out["n_listed"] = len(lst)
    else:
        out["list"] = not_built("marts.locations_without_hard_profile")
        out["n_listed"] = None
    return out


def nearby_cell(frame: pd.DataFrame, default_radius: float) -> tuple[float, int]:
    """The grid cell the section shows: the default radius when it is in the grid (else the middle distance)
    and the largest 'small' threshold (the STO reading: at most 30 pupils)."""
    ds = sorted(frame["max_distance_km"].unique())
    d = default_radius if default_radius in ds else ds[len(ds) // 2]
    return float(d), int(frame["max_small_pupils"].max())


def _nearby(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    if not exists(con, "marts.nearby_small_offer"):
        return {"headline": None, "profiles": not_built("marts.nearby_small_offer"), "grid": ""}
    year = _latest(con, "marts.nearby_small_offer")
    nat = df(
        con,
        """SELECT * FROM marts.nearby_small_offer
           WHERE peiljaar = ? AND scope_type = 'national' AND leerweg = 'all' ORDER BY profile_code""",
        [year],
    )
    if nat.empty:
        return {"headline": None, "profiles": table(nat, "coverage-nearby-table"), "grid": ""}
    d, n = nearby_cell(nat, settings.default_radius)
    cell = nat[(nat["max_distance_km"] == d) & (nat["max_small_pupils"] == n)]
    shown = {
        "profile_code": "profile",
        "n_locations_offering": "offering",
        "n_locations_small": f"≤ {n} pupils",
        "n_locations_small_nearby": "small, nearby",
        "n_clusters": "clusters",
        "n_pairs": "pairs",
        "n_pairs_same_instelling": "same inst.",
        "change_n_locations_small_nearby": "change",
    }
    grid = (
        nat.groupby(["max_distance_km", "max_small_pupils"])["n_locations_small_nearby"]
        .sum()
        .unstack("max_small_pupils")
        .reset_index()
    )
    grid.columns = ["distance"] + [f"≤ {int(c)} pupils" for c in grid.columns[1:]]
    grid["distance"] = [f"{x:g} km" for x in grid["distance"]]
    return {
        "year": year,
        "d": f"{d:g}",
        "n": n,
        "headline": {
            "small_nearby": int(cell["n_locations_small_nearby"].sum()),
            "clusters": int(cell["n_clusters"].sum()),
            "pairs": int(cell["n_pairs"].sum()),
            "same": int(cell["n_pairs_same_instelling"].sum()),
            "excluded": bool(cell["exclude_same_instelling"].all()),
            "baseline": int(cell["baseline_peiljaar"].iloc[0]),
        },
        "profiles": table(cell[list(shown)].rename(columns=shown), "coverage-nearby-table", "marts.nearby_small_offer"),
        "grid": table(grid, "coverage-nearby-grid"),
    }


def answer(cov: dict[str, Any], hard: dict[str, Any], near: dict[str, Any], radius: str) -> str | None:
    """The one national sentence that opens the section (None when none of its marts is built)."""
    parts = []
    nat = cov.get("national")
    if nat is not None and nat.get("pct_within") is not None and not pd.isna(nat["pct_within"]):
        parts.append(
            f"{nat['pct_within']:.1f}% of the {int(nat['n_pupils']):,} vmbo B/K/G bovenbouw pupils attend a school "
            f"within {radius} km of an STO-hard offer (BWI, PIE or M&T)"
        )
    if hard.get("n_without") is not None:
        parts.append(f"{hard['n_without']} of the {hard['n_bkg']} B/K/G locations offer no STO-hard profile")
    h = near.get("headline")
    if h is not None:
        parts.append(
            f"{h['small_nearby']} locations offer a profile to at most {near['n']} pupils with another such location "
            f"within {near['d']} km ({h['clusters']} {'cluster' if h['clusters'] == 1 else 'clusters'})"
        )
    if not parts:
        return None
    return "; ".join(parts) + "."


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    cov = _coverage(con, settings)
    hard = _without_hard(con)
    near = _nearby(con, settings)
    radius = f"{settings.default_radius:g}"
    years = [y for y in (cov.get("year"), near.get("year")) if y is not None]
    return {
        "year": max(years) if years else None,
        "radius": radius,
        "answer": answer(cov, hard, near, radius),
        "map": _map(con, settings),
        "coverage": cov,
        "hard": hard,
        "nearby": near,
    }
