"""Audit tables: which source file fed which asset in which run."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.fetch import FetchedFile

SOURCE_DDL = """
CREATE TABLE IF NOT EXISTS audit.source_files (
    run_id VARCHAR, asset VARCHAR, source_id VARCHAR, peiljaar INTEGER, path VARCHAR, origin VARCHAR,
    origin_kind VARCHAR, size BIGINT, sha256 VARCHAR, retrieved_at VARCHAR
)
"""


def record_source(con: duckdb.DuckDBPyConnection, run_id: str, asset: str, f: FetchedFile) -> None:
    """Append one fetched file to audit.source_files (the run's input manifest)."""
    con.execute(SOURCE_DDL)
    row = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "asset": asset,
                "source_id": f.source_id,
                "peiljaar": f.peiljaar,
                "path": f.path,
                "origin": f.origin,
                "origin_kind": f.origin_kind,
                "size": f.size,
                "sha256": f.sha256,
                "retrieved_at": f.retrieved_at,
            }
        ]
    )
    con.register("_src_in", row)
    try:
        con.execute("INSERT INTO audit.source_files BY NAME SELECT * FROM _src_in")
    finally:
        con.unregister("_src_in")


def source_metadata(f: FetchedFile) -> dict:
    """Dagster metadata describing an input file (origin, checksum)."""
    import dagster as dg

    return {
        "source_id": dg.MetadataValue.text(f.source_id),
        "source_origin": dg.MetadataValue.text(f.origin),
        "source_origin_kind": dg.MetadataValue.text(f.origin_kind),
        "source_sha256": dg.MetadataValue.text(f.sha256),
        "source_bytes": dg.MetadataValue.int(f.size),
        "source_retrieved_at": dg.MetadataValue.text(f.retrieved_at),
    }
