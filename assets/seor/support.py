"""SEOR campus analysis: what its asset modules share (inventory mapping, local-file provenance, table
metadata with the fingerprint of seor.yaml, temp tables of the inventory step)."""

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from assets.seor import inventory as seor
from pipeline import db
from pipeline.fetch import FetchedFile, sha256_file
from pipeline.paths import DATA_RAW


def inventory_mapping(cfg: dict[str, Any]) -> seor.Mapping:
    inventory, mapping_path = seor.inventory_paths(cfg)
    return seor.load_mapping(mapping_path, inventory)


def local_file(source_id: str, path: Path) -> FetchedFile:
    """A local input file for audit.source_files; files bundled in data_raw/ count as the repository mirror
    (as the fetch layer records data_raw/geocode_overrides.csv), anything else as 'local'."""
    st = path.stat()
    return FetchedFile(
        source_id=source_id,
        peiljaar=None,
        path=str(path),
        origin=str(path),
        origin_kind="mirror" if path.resolve().is_relative_to(DATA_RAW.resolve()) else "local",
        size=st.st_size,
        sha256=sha256_file(path),
        retrieved_at=pd.Timestamp.fromtimestamp(st.st_mtime, tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def seor_meta(
    con: duckdb.DuckDBPyConnection, cfg: dict[str, Any], table: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Table metadata plus the fingerprint of the SEOR definitions (seor.yaml, `cfg`) that produced it."""
    return db.table_metadata(
        con, table, extra={"seor_config_sha256": dg.MetadataValue.text(seor.config_sha(cfg)), **(extra or {})}
    )


def register_temp(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    """Materialise a DataFrame as a temp table (DuckDB cannot bind list columns of views reliably)."""
    con.register("_tmp_in", df.copy())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {db.ident(name)} AS SELECT * FROM _tmp_in")
    finally:
        con.unregister("_tmp_in")
