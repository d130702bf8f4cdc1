"""raw_ layer: source files as parsed text tables, each with its file provenance.

Raw tables keep the source's values as text (counts included) plus `source_file`/`source_row`, so a
core figure can be traced back to the exact cell it came from.
"""

import dagster as dg
import pandas as pd

from assets.raw_checks import CHECKS
from pipeline import db
from pipeline.audit import record_source, snapshot_date, source_metadata
from pipeline.checks import checked_asset
from pipeline.duo import parse_addresses, parse_pupils
from pipeline.fetch import FetchedFile
from pipeline.geo import parse_overrides, parse_school_points, write_geonames
from pipeline.partitions import PEILJAAR
from pipeline.resources import StoResource

OWNER = "team:data-engineering"
RAW = dict(group_name="raw", owners=[OWNER], kinds={"duckdb", "csv"})


def _finish(
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


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    description="DUO 'leerlingen vo per vestiging' for one peiljaar, parsed (both header generations, "
    "cp1252/UTF-8, ';'/','), counts kept as text ('<5' preserved). Table raw.duo_vo_students.",
    **RAW,
)
def raw_duo_vo_students(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    year = int(context.partition_key)
    fetched = sto.fetcher().fetch("duo_vo_students", year)
    df, info = parse_pupils(fetched.path, year)
    context.log.info(f"peiljaar {year}: {len(df)} rows from {fetched.origin} ({info})")
    extra = {k: dg.MetadataValue.text(v) for k, v in info.items()}
    return _finish(context, sto, "raw.duo_vo_students", df, fetched, partition=year, extra=extra)


@checked_asset(
    CHECKS,
    description="DUO '02. alle vestigingen vo': address, gemeente, COROP, RMC, onderwijsgebied per "
    "vestiging (6-character code). Address files are snapshots: every loaded snapshot is kept, identified by "
    "its content (snapshot_id: the same addresses in another file form are the same snapshot) and dated "
    "(snapshot_date, snapshot_date_basis); a reload of the same snapshot replaces its rows. "
    "Table raw.duo_vo_locations.",
    **RAW,
)
def raw_duo_vo_locations(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher().fetch("duo_vo_locations")
    df, info = parse_addresses(fetched.path)
    with sto.connect() as con:
        snapshot = db.frame_content_id(con, df.drop(columns=["source_file", "source_row"]))
        if db.table_exists(con, "raw.duo_vo_locations") and "snapshot_id" not in db.columns(
            con, "raw.duo_vo_locations"
        ):
            con.execute("DROP TABLE raw.duo_vo_locations")  # a warehouse from before address history
        known = (
            con.execute(
                "SELECT any_value(snapshot_date)::DATE::VARCHAR, any_value(snapshot_date_basis) "
                "FROM raw.duo_vo_locations WHERE snapshot_id = ?",
                [snapshot],
            ).fetchone()
            if db.table_exists(con, "raw.duo_vo_locations")
            else (None, None)
        )
        date, basis = snapshot_date(fetched, sto.config.source("duo_vo_locations"), known)
        df = df.assign(snapshot_id=snapshot, snapshot_date=pd.Timestamp(date), snapshot_date_basis=basis)
        db.replace_partition(con, "raw.duo_vo_locations", df, "snapshot_id", snapshot)
        snaps = con.execute(
            "SELECT snapshot_date::DATE::VARCHAR, snapshot_date_basis, any_value(source_file), count(*) "
            "FROM raw.duo_vo_locations GROUP BY snapshot_id, 1, 2 ORDER BY 1"
        ).fetchall()
    extra = {k: dg.MetadataValue.text(v) for k, v in info.items()}
    extra["snapshot_date"] = dg.MetadataValue.text(f"{date} ({basis})")
    extra["snapshots_loaded"] = dg.MetadataValue.md(
        "| snapshot date | basis | file | vestigingen |\n|---|---|---|---|\n"
        + "\n".join(f"| {d} | {b} | {f} | {n} |" for d, b, f, n in snaps)
    )
    return _finish(context, sto, "raw.duo_vo_locations", df, fetched, extra=extra, history_id=snapshot)


@checked_asset(
    CHECKS,
    description="GeoNames NL_full PC6 centroids (CC BY 4.0). Table raw.geonames_pc6.",
    **RAW,
)
def raw_geonames_pc6(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher().fetch("geonames_pc6")
    with sto.connect() as con:  # read by DuckDB itself, no pandas frame
        write_geonames(con, "raw.geonames_pc6", fetched.path, sto.config.source("geonames_pc6").get("archive_member"))
    return _finish(context, sto, "raw.geonames_pc6", None, fetched)


@checked_asset(
    CHECKS,
    description="GeoNames NL PC4 centroids (CC BY 4.0). Table raw.geonames_pc4.",
    **RAW,
)
def raw_geonames_pc4(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher().fetch("geonames_pc4")
    with sto.connect() as con:  # read by DuckDB itself, no pandas frame
        write_geonames(con, "raw.geonames_pc4", fetched.path, sto.config.source("geonames_pc4").get("archive_member"))
    return _finish(context, sto, "raw.geonames_pc4", None, fetched)


@checked_asset(
    CHECKS,
    description="Optional address-point file (edugis school points, BAG-geocoded). Empty table when "
    "not configured. Table raw.school_points.",
    **RAW,
)
def raw_school_points(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetcher = sto.fetcher()
    fetched = fetcher.locate("school_points")
    if fetched is None and not sto.sample and not sto.offline:
        fetched = fetcher.fetch("school_points")
    if fetched is None:
        context.log.warning("no address-point file configured: geocoding falls back to postcode centroids")
        df = pd.DataFrame(
            {
                "vestiging_code": pd.Series(dtype="string"),
                "pc6": pd.Series(dtype="string"),
                "lon": pd.Series(dtype="float64"),
                "lat": pd.Series(dtype="float64"),
                "type": pd.Series(dtype="string"),
            }
        )
    else:
        df = parse_school_points(fetched.path, sto.config.source("school_points").get("archive_member"))
    return _finish(
        context, sto, "raw.school_points", df, fetched, extra={"configured": dg.MetadataValue.bool(fetched is not None)}
    )


@checked_asset(
    CHECKS,
    description="Explicit per-vestiging coordinate overrides (first step of the geocoding chain). "
    "Table raw.geocode_overrides.",
    **RAW,
)
def raw_geocode_overrides(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher(local=True).locate("geocode_overrides")
    if fetched is None:
        df = pd.DataFrame(
            {
                "source_row": pd.Series(dtype="int64"),
                "vestiging_code": pd.Series(dtype="string"),
                "source_note": pd.Series(dtype="string"),
                "lat": pd.Series(dtype="float64"),
                "lon": pd.Series(dtype="float64"),
                "precision_m": pd.Series(dtype="float64"),
            }
        )
    else:
        df = parse_overrides(fetched.path)
    return _finish(context, sto, "raw.geocode_overrides", df, fetched)
