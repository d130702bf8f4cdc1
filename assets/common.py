"""What every asset domain shares: owner and group settings, and the write-and-describe steps of raw
tables and marts (table metadata from pipeline.db, provenance of the input file)."""

from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipeline import db
from pipeline.audit import record_source, source_metadata
from pipeline.fetch import FetchedFile
from pipeline.resources import StoResource

OWNER = "team:data-engineering"
RAW = dict(group_name="raw", owners=[OWNER], kinds={"duckdb", "csv"})
CORE = dict(group_name="core", owners=[OWNER], kinds={"duckdb", "sql"})
MARTS = dict(group_name="marts", owners=[OWNER], kinds={"duckdb", "sql"})
SEOR = dict(group_name="seor", owners=[OWNER], kinds={"duckdb", "sql"})


def finish_raw(
    context: dg.AssetExecutionContext,
    sto: StoResource,
    table: str,
    df: pd.DataFrame | None,
    fetched: FetchedFile | None,
    partition: int | None = None,
    extra: dict | None = None,
    history_id: str | None = None,
) -> dg.MaterializeResult:
    """Write `df` (whole table, one peiljaar, or — with `history_id` — rows the caller already wrote for one
    snapshot; None: the caller already wrote the whole table), record the source and return the
    materialisation metadata for the written rows."""
    with sto.connect() as con:
        if history_id is not None:
            where, params = "WHERE snapshot_id = ?", [history_id]
        elif partition is None:
            if df is not None:
                db.replace_table(con, table, df)
            where, params = "", None
        else:
            db.replace_partition(con, table, df, "peiljaar", partition)
            where, params = "WHERE peiljaar = ?", [partition]
        meta = {}
        if fetched is not None:
            record_source(
                con,
                context.run.run_id,
                context.asset_key.to_user_string(),
                fetched,
                snapshot_id=history_id,
            )
            meta.update(source_metadata(fetched))
        meta.update(extra or {})
        meta = db.table_metadata(con, table, where, params, extra=meta)
    return dg.MaterializeResult(metadata=meta)


def shared_params(sto: StoResource) -> dict[str, Any]:
    """Parameters from pipeline.yaml that every monitoring SQL file may use."""
    p = sto.config.pipeline
    return {
        "baseline_peiljaar": int(p["baseline_peiljaar"]),
        "point_value": int(p["censored"]["point_value"]),
        "earth_radius_km": float(p["geocoding"]["earth_radius_km"]),
    }


def mart_result(
    con: duckdb.DuckDBPyConnection, sto: StoResource, table: str, extra: dict[str, Any] | None = None
) -> dg.MaterializeResult:
    """Table metadata plus the sha256 of monitoring.yaml (the file; Config.hash() covers its content too)."""
    more = {"monitoring_config_sha256": dg.MetadataValue.text(sto.config.file_sha256["monitoring"])}
    more.update(extra or {})
    return dg.MaterializeResult(metadata=db.table_metadata(con, table, extra=more))


def md_table(df: pd.DataFrame) -> dg.MetadataValue:
    """A small summary table for the Dagster UI."""
    return dg.MetadataValue.md(df.to_markdown(index=False, floatfmt=".2f"))
