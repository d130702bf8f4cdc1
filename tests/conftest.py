"""Shared fixtures: paths to ../shared/data (real files, skipped when absent) and pipeline runs."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SPEC = ROOT.parent / "shared" / "spec"
DUO = SHARED / "duo"
GEO = SHARED / "geo"
PUPILS_2019 = DUO / "leerlingen-vo-per-vestiging-naar-onderwijstype-2019.csv"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# Test tiers: `make test` (fast, the README contract, <= 6 minutes on 2 cores) and `make test-full`
# (STO_TEST_TIER=full: every bad-input case through the CLI, >= 20 kill trials, the long sequences).
FULL_TIER = os.environ.get("STO_TEST_TIER", "fast") == "full"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `full` run only in the full tier; in `make test` they are skipped, with the reason."""
    if FULL_TIER:
        return
    skip = pytest.mark.skip(reason="full tier only: run `make test-full`")
    for item in items:
        if item.get_closest_marker("full"):
            item.add_marker(skip)


def need_shared() -> None:
    if not PUPILS_2019.exists() or not (GEO / "NL_full.txt.gz").exists():
        pytest.skip("../shared/data is not available")


def run_sto(out: Path, *args: str) -> int:
    """Run the CLI in-process into `out` with a private Dagster instance directory."""
    from pipeline.cli import main

    os.environ["STO_DAGSTER_DIR"] = str(out / "dagster")
    return main(["run", "--out", str(out), *args])


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pipeline materialised once on the bundled synthetic sample."""
    out = tmp_path_factory.mktemp("sample_run")
    assert run_sto(out) == 0
    return out


@pytest.fixture(scope="session")
def real_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pipeline materialised once on the real 2019 files in ../shared/data."""
    need_shared()
    out = tmp_path_factory.mktemp("real_run")
    assert run_sto(out, "--mirror", str(DUO), "--mirror", str(GEO), "--years", "2019", "--offline") == 0
    return out


def table_hashes(path: Path, schemas: tuple[str, ...] | None = None) -> dict[str, str]:
    """Content hash of every table of a warehouse (of `schemas`, default every schema except audit), opened
    read-only: equal dicts mean equal contents, the check of every sequence test."""
    from pipeline import db

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('audit', 'information_schema') ORDER BY 1"
        ).fetchall()
        return {t: db.content_hash(con, t) for (t,) in tables if schemas is None or t.split(".")[0] in schemas}
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_out(src: Path, dst: Path) -> Path:
    """A copy of a run's published warehouse (`src/sto.duckdb`) in a new output folder `dst`."""
    import shutil

    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "sto.duckdb", dst / "sto.duckdb")
    return dst


def patched_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled sample that the run treats as the sample (same source kind)."""
    import shutil

    import pipeline.audit
    import pipeline.paths

    sample = tmp_path / "sample"
    shutil.copytree(ROOT / "data_raw" / "sample", sample)
    monkeypatch.setattr(pipeline.paths, "SAMPLE_DIR", sample)
    monkeypatch.setattr(pipeline.audit, "SAMPLE_DIR", sample)
    return sample
