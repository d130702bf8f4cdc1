"""Provenance: code version, package versions and config hash, per run and per materialisation.

Why: an auditor must be able to say which code, which rules and which input files produced a figure.
Every asset's Dagster metadata carries these fields, and `audit.provenance` keeps one row per run with
its inputs (audit.source_files) and, per asset, the upstream assets it read.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata as importlib_metadata
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipeline.config import Config, default_config
from pipeline.dictionary import apply_comments
from pipeline.paths import PROJECT_ROOT
from pipeline.tables import table_exists

PACKAGES = [
    "sto-pipeline",
    "dagster",
    "duckdb",
    "great_expectations",
    "pandas",
    "requests",
    "openpyxl",
    "pyarrow",
    "plotly",
]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Git commit of the project (with '+dirty' when tracked files differ), or 'unknown'."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = importlib_metadata.version(p)
        except importlib_metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def asset_provenance_metadata() -> dict[str, Any]:
    """Metadata attached to every materialisation (visible in the Dagster UI)."""
    return {
        "code_version": dg.MetadataValue.text(code_version()),
        "config_hash": dg.MetadataValue.text(default_config().hash()),
        "package_versions": dg.MetadataValue.json(package_versions()),
    }


PROVENANCE_DDL = """
CREATE TABLE IF NOT EXISTS audit.provenance (
    run_group VARCHAR, dagster_run_ids VARCHAR, finished_at TIMESTAMP, code_version VARCHAR,
    config_hash VARCHAR, config_files VARCHAR, package_versions VARCHAR, peiljaren VARCHAR,
    source_mode VARCHAR, inputs VARCHAR, asset_inputs VARCHAR
)
"""


def record_run(
    con: duckdb.DuckDBPyConnection,
    run_group: str,
    run_ids: list[str],
    years: list[int],
    source_mode: str,
    asset_inputs: dict[str, list[str]],
    cfg: Config | None = None,
) -> None:
    """Append the run's provenance row: code, packages, config (`cfg`, the run's: the resource passes its
    own), input files (sha256) and asset lineage."""
    cfg = cfg or default_config()
    con.execute(PROVENANCE_DDL)
    inputs = (
        con.execute(
            "SELECT DISTINCT source_id, peiljaar, origin, sha256, size FROM audit.source_files "
            "WHERE run_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL",
            [run_ids],
        ).df()
        if table_exists(con, "audit.source_files")
        else pd.DataFrame()
    )
    row = pd.DataFrame(
        [
            {
                "run_group": run_group,
                "dagster_run_ids": json.dumps(run_ids),
                "finished_at": datetime.now(UTC).replace(tzinfo=None),
                "code_version": code_version(),
                "config_hash": cfg.hash(),
                "config_files": json.dumps(
                    [str(p.relative_to(PROJECT_ROOT)) if p.is_relative_to(PROJECT_ROOT) else str(p) for p in cfg.files]
                ),
                "package_versions": json.dumps(package_versions(), sort_keys=True),
                "peiljaren": json.dumps(years),
                "source_mode": source_mode,
                "inputs": inputs.to_json(orient="records"),
                "asset_inputs": json.dumps(asset_inputs, sort_keys=True),
            }
        ]
    )
    con.register("_prov", row)
    try:
        con.execute("INSERT INTO audit.provenance BY NAME SELECT * FROM _prov")
    finally:
        con.unregister("_prov")
    # Last write before publish: every core/marts/audit table gets its data-dictionary comments (tables
    # written outside an asset's table_metadata, such as the audit tables, included).
    apply_comments(con)
