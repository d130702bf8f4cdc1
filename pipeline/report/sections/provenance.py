"""Provenance: the run that built the warehouse (code version, config hash, data kind) and the sha256
of every input file, so an auditor can trace each figure."""

from __future__ import annotations

from typing import Any

import duckdb

from pipeline.report.render import Settings, df, missing, table

ANCHOR = "provenance"
TITLE = "Provenance"
TEMPLATE = "sections/provenance.html.j2"


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    prov = df(
        con,
        "SELECT run_group, dagster_run_ids, finished_at, code_version, config_hash, source_mode, peiljaren, "
        "package_versions FROM audit.provenance ORDER BY finished_at DESC LIMIT 1",
    )
    if prov.empty:
        return {"run": None, "files": missing("No provenance recorded.")}
    run = prov.iloc[0].to_dict()
    files = df(
        con,
        "SELECT DISTINCT source_id, peiljaar, regexp_extract(path, '[^/]+$') AS file, origin_kind, size, sha256 "
        "FROM audit.source_files WHERE run_id IN (SELECT unnest(CAST(? AS JSON)::VARCHAR[])) ORDER BY ALL",
        [run["dagster_run_ids"]],
    )
    if files.empty:  # a partial (--select) run: the latest record of every source
        files = df(
            con,
            "SELECT source_id, peiljaar, regexp_extract(arg_max(path, retrieved_at), '[^/]+$') AS file, "
            "arg_max(origin_kind, retrieved_at) AS origin_kind, arg_max(size, retrieved_at) AS size, "
            "arg_max(sha256, retrieved_at) AS sha256 FROM audit.source_files GROUP BY ALL ORDER BY ALL",
        )
    return {
        "run": run,
        "files": table(files, "source-files", "audit.source_files", precision=0, wide=["sha256", "file"]),
    }
