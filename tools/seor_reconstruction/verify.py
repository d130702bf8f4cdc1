"""Verify written files with the pipeline itself: its SEOR assets (assets/seor/sql/seor_*.sql) on the generated inventory.

The seven funnel steps, the reach of every campus and the characteristics are not re-implemented here: the
pipeline's own SEOR assets (assets/seor/assets.py, with assets/seor/config/seor.yaml, campuses.yaml and
pipeline.yaml as they are) are materialised by Dagster into a throw-away DuckDB, exactly as `sto run` does, and
their tables are compared with every published figure. A change in seor.yaml is therefore seen here too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import yaml

from pipeline import db
from pipeline.resources import StoResource
from tools.seor_reconstruction.common import BOUNDARIES_KM, DEFAULT_OUT, DIMENSIONS, MARGIN_KM, NATIONAL
from tools.seor_reconstruction.geometry import Geometry
from tools.seor_reconstruction.spec import Targets

MAPPING = DEFAULT_OUT / "mapping.yaml"  # the bundled mapping (identity), copied beside the files to verify
STEP_TABLES = [
    "core.seor_step1_start",
    "core.seor_step2_category",
    "core.seor_step3_doelgroep",
    "core.seor_step4_dedupe",
    "core.seor_step5_additions",
    "core.seor_step6_roc",
    "core.seor_step7_reach",
]


@contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for the block and restore them afterwards."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        yield
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _seed(dbp: Path, campus_coords: Path) -> None:
    """The upstream tables the SEOR assets read: the campus postcodes' coordinates (the reconstruction's
    campus table) as GeoNames PC6 rows, no PC4 rows and no DUO school locations."""
    coords = pd.read_csv(campus_coords, dtype=str)
    pc6 = pd.DataFrame(
        {
            "pc6": coords["postcode_given"].str.replace(" ", "", regex=False),
            "lat": coords["lat"].astype(float),
            "lon": coords["lon"].astype(float),
        }
    )
    con = db.connect(dbp)
    try:
        con.register("pc6_in", pc6)
        con.execute("CREATE TABLE raw.geonames_pc6 AS SELECT * FROM pc6_in")
        con.execute("CREATE TABLE raw.geonames_pc4 AS SELECT '0000' AS pc4, 0.0 AS lat, 0.0 AS lon WHERE false")
        con.execute(
            "CREATE TABLE core.school_locations AS SELECT ''::VARCHAR AS vestiging_code, ''::VARCHAR AS name, "
            "0.0 AS lat, 0.0 AS lon, 0.0 AS precision_m, ''::VARCHAR AS geocode_method WHERE false"
        )
    finally:
        con.close()


def _materialise(dbp: Path) -> list[str]:
    """The pipeline's SEOR assets and core_campuses, with their checks, as in a run; the failures (a blocking
    check, e.g. the reconciliation with the published figures, or a step) as text."""
    import assets.locations.assets
    import assets.seor.assets

    defs = [*dg.load_assets_from_modules([assets.seor.assets]), assets.locations.assets.core_campuses]
    result = dg.materialize(
        defs,
        resources={"sto": StoResource(db_path=str(dbp), sample=False, offline=True)},
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},  # failures are reported below
    )
    failures = [
        ev.event_specific_data.error.message
        for ev in result.all_events
        if ev.event_type_value == "STEP_FAILURE" and ev.event_specific_data and ev.event_specific_data.error
    ]
    if not result.success and not failures:
        failures = ["the Dagster run failed"]
    return [f"pipeline: {f.strip().splitlines()[-1]}" for f in failures]


def run_pipeline(
    files: Path, campus_coords: Path
) -> tuple[list[int], pd.DataFrame, dict[str, tuple[float, float]], list[str]]:
    """Funnel counts (steps 1-7), the selected initiatives (name, programme, geography, characteristic sets
    as '|'-joined codes, reach_<campus> flags, only_via_school), the campus coordinates, all as the pipeline
    computes them, and the pipeline's own failures (blocking checks)."""
    with tempfile.TemporaryDirectory(prefix="seor_verify_") as tmp:
        work = Path(tmp)
        for name in ("inventory.csv", "participating_schools.csv"):
            shutil.copyfile(files / name, work / name)
        mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
        if mapping.get("published"):  # the published figures stay where the bundled mapping points
            mapping["published"] = str((MAPPING.parent / mapping["published"]).resolve())
        (work / "mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
        dbp = work / "sto.duckdb"
        _seed(dbp, campus_coords)
        with _env(STO_INVENTORY_MAPPING=str(work / "mapping.yaml"), STO_INVENTORY=None):
            failures = _materialise(dbp)
        con = db.connect(dbp)
        try:
            if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'seor_step7_reach'").fetchone()[
                0
            ]:
                raise SystemExit(
                    "the pipeline's SEOR assets failed on the generated inventory:\n" + "\n".join(failures)
                )
            counts = [
                int(con.execute(f"SELECT count(*) FROM {t} WHERE decision IN ('kept', 'added')").fetchone()[0])
                for t in STEP_TABLES
            ]
            sel = con.execute(
                """
                SELECT c.initiative_id, c.name, i.programme
                FROM core.seor_step7_reach s
                JOIN core.seor_candidates c USING (initiative_id)
                JOIN core.seor_initiatives i USING (initiative_id)
                WHERE s.decision = 'kept' ORDER BY c.initiative_id
                """
            ).df()
            values = con.execute(
                "SELECT initiative_id, dimension, string_agg(code, '|' ORDER BY code) AS codes "
                "FROM core.seor_candidate_values GROUP BY ALL"
            ).df()
            reach = con.execute("SELECT initiative_id, campus_code, reached FROM marts.initiative_campus_reach").df()
            # kept only through a participating school: reached that way, never by its own location or as national
            via = con.execute(
                "SELECT initiative_id, bool_or(method = 'participating_school') "
                "AND NOT bool_or(method IN ('own_location', 'national_online')) AS only_via_school "
                "FROM marts.initiative_campus_reach WHERE reached GROUP BY 1"
            ).df()
            campuses = {
                c: (float(a), float(b))
                for c, a, b in con.execute("SELECT campus_code, lat, lon FROM core.campuses").fetchall()
            }
        finally:
            con.close()
    wide = values.pivot(index="initiative_id", columns="dimension", values="codes")
    flags = reach.pivot(index="initiative_id", columns="campus_code", values="reached").add_prefix("reach_")
    sel = sel.join(wide, on="initiative_id").join(flags, on="initiative_id")
    sel = sel.join(via.set_index("initiative_id"), on="initiative_id")
    for dim in DIMENSIONS:
        sel[dim] = sel[dim].fillna("") if dim in sel else ""
    return counts, sel, campuses, failures


def _sets(series: pd.Series) -> pd.Series:
    """Pipe-separated text -> sorted tuple of codes."""
    return series.fillna("").map(lambda s: tuple(sorted(x for x in s.split("|") if x)))


def verify(
    counts: list[int],
    sel: pd.DataFrame,
    spec: dict[str, Any],
    targets: Targets,
    geo: Geometry,
    campuses: dict[str, tuple[float, float]],
) -> list[str]:
    """Differences between the pipeline's result and every published figure (empty = all ok)."""
    errors: list[str] = []
    for code, point in geo.campuses.items():
        if campuses.get(code) != point:
            errors.append(f"campus {code}: pipeline at {campuses.get(code)}, reconstruction placed around {point}")
    funnel = [n for _, n in spec["tabel_2_1_funnel"]]
    if counts != funnel:
        errors.append(f"funnel {counts} != table 2.1 {funnel}")
    want = {(e["initiatief"], e["onderdeel_van"]) for e in spec["bijlage_70_initiatieven"]}
    got = set(zip(sel["name"], sel["programme"], strict=True))
    if got != want:
        errors.append(f"selected names differ: missing {want - got}, extra {got - want}")
    camp = targets.campuses
    for c in camp:
        n = int(sel[f"reach_{c}"].sum())
        if n != targets.per_campus_total[c]:
            errors.append(f"table 2.2 {c}: {n} != {targets.per_campus_total[c]}")
    local = sel["geography"] != NATIONAL
    if int(local.sum()) != targets.local_total:
        errors.append(f"table 3.1 Lokaal: {int(local.sum())} != {targets.local_total}")
    for c in camp:
        n = int((local & sel[f"reach_{c}"]).sum())
        if n != targets.local_per_campus[c]:
            errors.append(f"table 4.1 Lokaal {c}: {n} != {targets.local_per_campus[c]}")
    for dim in DIMENSIONS:
        has = _sets(sel[dim])
        for code in targets.labels[dim]:
            mask = has.map(lambda t, code=code: code in t)
            if int(mask.sum()) != targets.total[dim][code]:
                errors.append(f"{dim} {code!r} total {int(mask.sum())} != {targets.total[dim][code]}")
            for c in camp:
                n = int((mask & sel[f"reach_{c}"]).sum())
                if n != targets.per_campus[dim][code][c]:
                    errors.append(f"{dim} {code!r} {c}: {n} != {targets.per_campus[dim][code][c]}")
    return errors


def margin_report(df: pd.DataFrame, schools: pd.DataFrame, geo: Geometry) -> list[str]:
    """Rows and schools closer than MARGIN_KM to a 5/10/15 km boundary of some campus."""
    out = []
    located = df[df["lat"] != ""]
    points = [(r.id, r.name, float(r.lat), float(r.lon)) for r in located.itertuples()]
    points += [(s.code, s.name, float(s.lat), float(s.lon)) for s in schools.itertuples()]
    for ident, name, lat, lon in points:
        dists = geo.distances(lat, lon)
        m = geo.margin_of(dists)
        if m < MARGIN_KM:
            close = ", ".join(
                f"{c} {d:.2f} km" for c, d in dists.items() if min(abs(d - b) for b in BOUNDARIES_KM) < MARGIN_KM
            )
            out.append(f"{ident} {name}: margin {m:.2f} km ({close})")
    return out
