"""Every mart SQL file runs on its own against a built warehouse and gives the published mart's rows.

The files are discovered (every sql/*.sql that writes a table of schema marts). For each, on a copy of the
sample warehouse: a NEW connection (so no temp table of another step can help), the macro files its header
names ("-- Macros: sql/x.sql"), the mart table(s) it writes dropped, the file run with the parameters its
header states ("-- Parameters: $a, $b." or "none") bound from the configuration below, and every table it
writes compared with the published one (the order-independent hash of tests/test_mart_snapshot.py).
The header must state exactly the parameters the file's statements use.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import db
from pipeline.config import Config, default_config
from pipeline.db import sql_files, sql_path

MART_TABLE = re.compile(r"CREATE OR REPLACE TABLE (marts\.\w+)")
PARAM = re.compile(r"\$([a-z_]+)")


def mart_files() -> list[Path]:
    """Every SQL file that writes a mart table."""
    every = [p for paths in sql_files().values() for p in paths]  # sql/ and every assets/<domain>/sql/
    return sorted((p for p in every if MART_TABLE.search(p.read_text(encoding="utf-8"))), key=lambda p: p.stem)


def header(path: Path) -> list[str]:
    """The file's leading comment lines."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        out.append(line)
    return out


def header_params(path: Path) -> set[str]:
    """The parameters the header's "-- Parameters:" statement names (it may run over several lines: up to the
    next header line that starts a new statement with "Word:")."""
    lines = header(path)
    start = next((i for i, ln in enumerate(lines) if ln.startswith("-- Parameters:")), None)
    assert start is not None, f"{path.name}: no '-- Parameters:' line in the header"
    text = lines[start]
    for ln in lines[start + 1 :]:
        if re.match(r"--\s*[A-Z][A-Za-z ]+:", ln) or ln.strip() == "--":
            break
        text += " " + ln
    return set(PARAM.findall(text))


def body_params(path: Path) -> set[str]:
    body = "\n".join(ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.strip().startswith("--"))
    return set(PARAM.findall(body)) - {""}


def macro_files(path: Path) -> list[str]:
    """Stems of the macro files the header names ("-- Macros: assets/monitoring/sql/mart_monitoring_macros.sql (…)")."""
    return [m for ln in header(path) if ln.startswith("-- Macros:") for m in re.findall(r"sql/(\w+)\.sql", ln)]


def _monitoring(cfg: Config) -> dict[str, Any]:
    return cfg.monitoring


def _shared(cfg: Config) -> dict[str, Any]:
    p = cfg.pipeline
    return {
        "point_value": int(p["censored"]["point_value"]),
        "earth_radius_km": float(p["geocoding"]["earth_radius_km"]),
    }


def _seor_common(cfg: Config) -> dict[str, Any]:
    return {"total_code": cfg.seor["total_campus_code"], "total_label": cfg.seor["total_label"]}


def _comparability(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    from assets.monitoring.assets import comparability

    return comparability(con)


# The parameters of each file, from the configuration (what its asset binds) or, where the asset derives
# them from the warehouse, by the asset's own function.
PARAMS: dict[str, Callable[[Config, duckdb.DuckDBPyConnection], dict[str, Any]]] = {
    "mart_campus_gaps": lambda cfg, con: _seor_common(cfg),
    "mart_campus_initiatives": lambda cfg, con: {"total_code": cfg.seor["total_campus_code"]},
    "mart_campus_initiatives_sensitivity": lambda cfg, con: {
        "total_code": cfg.seor["total_campus_code"],
        "override_all_radii": bool(cfg.seor["reach"]["override_all_radii"]),
        "default_radius_km": float(cfg.pipeline["reach"]["default_radius_km"]),
    },
    "mart_hard_profile_offer_counts": lambda cfg, con: _coverage(cfg)["mart_hard_profile_offer_counts"],
    "mart_locations_without_hard_profile": lambda cfg, con: _coverage(cfg)["mart_locations_without_hard_profile"],
    "mart_offer_coverage": lambda cfg, con: _coverage(cfg)["mart_offer_coverage"],
    "mart_offer_distance": lambda cfg, con: _coverage(cfg)["mart_offer_distance"],
    "mart_exam_national_series": lambda cfg, con: {"point_value": _shared(cfg)["point_value"]},
    "mart_exam_results": lambda cfg, con: {
        "point_value": int(cfg.pipeline["censored"]["point_value"]),
        "censored_lower": int(cfg.pipeline["censored"]["lower"]),
        "censored_upper": int(cfg.pipeline["censored"]["upper"]),
    },
    "mart_indicator_catalog": lambda cfg, con: {},
    "mart_initiative_characteristics": lambda cfg, con: _seor_common(cfg),
    "mart_mbo_de4": lambda cfg, con: {},
    "mart_mbo_reconciliation_variants": lambda cfg, con: {
        "tol_pct": float(cfg.monitoring["reconciliation"]["tolerance_pct_points"]),
        "tol_count_rel": float(cfg.monitoring["reconciliation"]["tolerance_count_relative"]),
    },
    "mart_mbo_technical_diplomas": lambda cfg, con: {},
    "mart_mbo_technical_intake": lambda cfg, con: {},
    "mart_nearby_offer": lambda cfg, con: {
        "earth_radius_km": _shared(cfg)["earth_radius_km"],
        "max_distance_km": float(cfg.monitoring["nearby_offer"]["max_distance_km"]),
        "max_small": int(cfg.monitoring["nearby_offer"]["max_small_pupils"]),
        "profile_kinds": list(cfg.monitoring["nearby_offer"]["profile_kinds"]),
    },
    "mart_nearby_small_offer": lambda cfg, con: _nearby(cfg, "counts"),
    "mart_nearby_small_offer_pairs": lambda cfg, con: _nearby(cfg, "pairs"),
    "mart_profile_offer_location": lambda cfg, con: {
        "point_value": _shared(cfg)["point_value"],
        "onderwijstypes": list(cfg.monitoring["profile_offer"]["onderwijstypes"]),
        "leerjaren": [int(x) for x in cfg.monitoring["profile_offer"]["leerjaren"]],
        "min_offered": int(cfg.monitoring["profile_offer"]["min_pupils_offered"]),
    },
    "mart_profile_offer_region": lambda cfg, con: {},
    "mart_profile_supply_campus": lambda cfg, con: {
        **_shared(cfg),
        "onderwijstypes": list(cfg.monitoring["profile_supply"]["onderwijstypes"]),
        "leerjaren": [int(x) for x in cfg.monitoring["profile_supply"]["leerjaren"]],
        "single_kinds": list(cfg.monitoring["profile_supply"]["single_profile_kinds"]),
        "min_offered": int(cfg.monitoring["profile_offer"]["min_pupils_offered"]),
    },
    "mart_programme_forecasts": lambda cfg, con: {},
    "mart_programme_statements": lambda cfg, con: {"few_pupils": _few_pupils(cfg)},
    "mart_programme_targets": lambda cfg, con: {
        "few_pupils": _few_pupils(cfg),
        "min_offered": int(cfg.monitoring["profile_offer"]["min_pupils_offered"]),
    },
    "mart_pupil_trend": lambda cfg, con: {
        "point_value": _shared(cfg)["point_value"],
        "reference_peiljaar": int(cfg.monitoring["pupil_trend"]["reference_peiljaar"]),
    },
    "mart_reconciliation": lambda cfg, con: {"staging_tables": _staging_tables(con)},
    "mart_reconciliation_seor_supply": lambda cfg, con: {
        "tol_pct": float(cfg.monitoring["reconciliation"]["tolerance_pct_points"]),
        **_comparability(con),
    },
    "mart_reconciliation_techniekpact_mbo": lambda cfg, con: {
        "tol_pct": float(cfg.monitoring["reconciliation"]["tolerance_pct_points"]),
        "tol_count_rel": float(cfg.monitoring["reconciliation"]["tolerance_count_relative"]),
        **_comparability(con),
    },
    "mart_reconciliation_techniekpact": lambda cfg, con: {
        "tol_pct": float(cfg.monitoring["reconciliation"]["tolerance_pct_points"]),
        "tol_count_rel": float(cfg.monitoring["reconciliation"]["tolerance_count_relative"]),
        **_comparability(con),
    },
    "mart_selection_funnel": lambda cfg, con: {},
    "mart_selection_log": lambda cfg, con: {},
    "mart_techniek_share": lambda cfg, con: {"point_value": _shared(cfg)["point_value"]},
    "mart_techniekarm": lambda cfg, con: {
        "point_value": _shared(cfg)["point_value"],
        "onderwijstypes": list(cfg.monitoring["techniekarm"]["onderwijstypes"]),
        "leerjaren": [int(x) for x in cfg.monitoring["techniekarm"]["leerjaren"]],
        "hard_flag": cfg.monitoring["techniekarm"]["profile_flag"],
        "threshold_pct": float(cfg.monitoring["techniekarm"]["threshold_pct"]),
    },
    "seor_reach": lambda cfg, con: {
        "earth_radius_km": _shared(cfg)["earth_radius_km"],
        "radius_km": float(cfg.pipeline["reach"]["default_radius_km"]),
        "methods": [m["key"] for m in cfg.seor["reach"]["methods"]],
        "method_labels": [m["label"] for m in cfg.seor["reach"]["methods"]],
    },
    "seor_reconciliation": lambda cfg, con: _seor_reconciliation(cfg, con),
}


def _nearby(cfg: Config, which: str) -> dict[str, Any]:
    from assets.coverage import nearby

    p = nearby.nearby_params(cfg)
    if which == "pairs":
        return {"earth_radius_km": _shared(cfg)["earth_radius_km"], **{k: p[k] for k in nearby.PAIR_PARAMS}}
    return {k: p[k] for k in nearby.MART_PARAMS}


def _coverage(cfg: Config) -> dict[str, dict[str, Any]]:
    from assets.coverage.assets import sql_params

    return sql_params(cfg)


def _few_pupils(cfg: Config) -> int:
    from assets.monitoring import targets

    return targets.few_pupils_below(cfg.targets)


def _staging_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    from assets.monitoring import inputs as monitoring

    return monitoring.reconciliation_staging_tables(con)


def _seor_reconciliation(cfg: Config, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    from assets.seor.marts import reconciliation_params

    return reconciliation_params(cfg, True, con)  # the sample warehouse


def table_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Order-independent md5 of a table's rows as text (as tests/test_mart_snapshot.py)."""
    return con.execute(
        f"SELECT coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) FROM "
        f"(SELECT md5(CAST(x AS VARCHAR)) AS h FROM {table} x)"
    ).fetchone()[0]


@pytest.fixture(scope="module")
def published(sample_out: Path) -> Path:
    return sample_out / "sto.duckdb"


@pytest.fixture(scope="module")
def warehouse_copy(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the sample warehouse; each file rebuilds its marts in it (equal rows leave it equal)."""
    dst = tmp_path_factory.mktemp("standalone") / "sto.duckdb"
    shutil.copy(published, dst)
    return dst


def test_every_mart_file_has_its_parameters() -> None:
    files = mart_files()
    assert len(files) >= 20, [p.name for p in files]
    assert sorted(p.stem for p in files) == sorted(PARAMS), "PARAMS names exactly the mart SQL files"


@pytest.mark.parametrize("path", mart_files(), ids=lambda p: p.stem)
def test_header_states_the_parameters(path: Path) -> None:
    assert header_params(path) == body_params(path), f"{path.name}: header and statements differ in parameters"
    for stem in macro_files(path):
        assert sql_path(stem).is_file(), f"{path.name} names a missing macro file {stem}.sql"


@pytest.mark.parametrize("path", mart_files(), ids=lambda p: p.stem)
def test_mart_file_runs_on_its_own(path: Path, published: Path, warehouse_copy: Path) -> None:
    tables = sorted(set(MART_TABLE.findall(path.read_text(encoding="utf-8"))))
    ref = duckdb.connect(str(published), read_only=True)
    try:
        expected = {t: table_hash(ref, t) for t in tables}
    finally:
        ref.close()
    cfg = default_config()
    con = duckdb.connect(str(warehouse_copy))  # a new connection: nothing temporary left by another step
    try:
        for t in tables:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        for stem in macro_files(path):
            db.run_sql(con, stem)
        params = PARAMS[path.stem](cfg, con)
        assert set(params) == header_params(path)
        db.run_sql(con, path.stem, params)
        got = {t: table_hash(con, t) for t in tables}
    finally:
        con.close()
    assert got == expected
