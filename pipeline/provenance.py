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


CONFIG_VALUES_DDL = """
CREATE TABLE IF NOT EXISTS audit.config_values (
    file VARCHAR, key VARCHAR, value VARCHAR, run_group VARCHAR
)
"""


def flatten_config(cfg: Config) -> list[tuple[str, str, str]]:
    """(file, key, value) for every leaf of every configuration file the build read (`cfg.parts()`: the
    CONFIG_FILES and data_raw/sources.yaml). Keys are dotted paths, list items of mappings `[i]`; a list of
    plain values is one leaf (its whole JSON), so a changed code list reads old list → new list; values are
    JSON text (strings quoted, so `1` and `"1"` differ)."""
    rows: list[tuple[str, str, str]] = []

    def walk(file: str, prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(file, f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            for i, v in enumerate(value):
                walk(file, f"{prefix}[{i}]", v)
        else:
            rows.append((file, prefix, json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)))

    for name, part in cfg.parts().items():
        walk(f"{name}.yaml", "", part)
    return rows


def record_config_values(con: duckdb.DuckDBPyConnection, run_group: str, cfg: Config) -> int:
    """Replace audit.config_values with the flattened configuration of this build (`flatten_config`): what
    `sto diff` compares key by key (old → new value). Returns the number of values."""
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(CONFIG_VALUES_DDL)
    con.execute("DELETE FROM audit.config_values")
    rows = pd.DataFrame(flatten_config(cfg), columns=["file", "key", "value"]).assign(run_group=run_group)
    con.register("_cfg_values", rows)
    try:
        con.execute("INSERT INTO audit.config_values BY NAME SELECT * FROM _cfg_values")
    finally:
        con.unregister("_cfg_values")
    return len(rows)


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
    own), input files (sha256) and asset lineage; replace audit.config_values with the config's values."""
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
    record_config_values(con, run_group, cfg)  # the values behind config_hash, for `sto diff`
    # Last write before publish: every core/marts/audit table gets its data-dictionary comments (tables
    # written outside an asset's table_metadata, such as the audit tables, included).
    apply_comments(con)
