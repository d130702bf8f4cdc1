"""School locations and geocoding: the assets.

the DUO address file (raw_duo_vo_locations, kept per snapshot), GeoNames PC6/PC4 centroids,
address points and overrides (raw_*), the geocoded register and its history (core_school_locations:
assets/locations/sql/geocode_chain.sql, assets/locations/sql/core_school_locations.sql), the campuses (core_campuses: assets/locations/sql/core_campuses.sql)
and each peiljaar's pupils placed on a snapshot (core_pupil_locations: assets/locations/sql/core_pupil_locations.sql).
Their checks are declared as data in assets/locations/checks.py and run inside each asset's step."""

import dagster as dg
import pandas as pd
import requests

from assets.common import CORE, RAW, finish_raw
from assets.duo_pupils.parser import parse_addresses
from assets.locations.checks import CHECKS
from assets.locations.geo import (
    boundary_frame,
    geocode_chain,
    parse_overrides,
    parse_school_points,
    pdok_lookup,
    write_geonames,
)
from pipeline import db, textcheck
from pipeline.audit import SNAPSHOT_USE_SQL, record_source, snapshot_date
from pipeline.checks import checked_asset
from pipeline.fetch import FetchError
from pipeline.resources import StoResource


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
    return finish_raw(context, sto, "raw.duo_vo_locations", df, fetched, extra=extra, history_id=snapshot)


@checked_asset(
    CHECKS,
    description="GeoNames NL_full PC6 centroids (CC BY 4.0). Table raw.geonames_pc6.",
    **RAW,
)
def raw_geonames_pc6(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher().fetch("geonames_pc6")
    with sto.connect() as con:  # read by DuckDB itself, no pandas frame
        write_geonames(con, "raw.geonames_pc6", fetched.path, sto.config.source("geonames_pc6").get("archive_member"))
    return finish_raw(context, sto, "raw.geonames_pc6", None, fetched)


@checked_asset(
    CHECKS,
    description="GeoNames NL PC4 centroids (CC BY 4.0). Table raw.geonames_pc4.",
    **RAW,
)
def raw_geonames_pc4(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetched = sto.fetcher().fetch("geonames_pc4")
    with sto.connect() as con:  # read by DuckDB itself, no pandas frame
        write_geonames(con, "raw.geonames_pc4", fetched.path, sto.config.source("geonames_pc4").get("archive_member"))
    return finish_raw(context, sto, "raw.geonames_pc4", None, fetched)


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
        context.log.warning(
            "no address-point file (source school_points) in the mirrors or the download cache: geocoding "
            "falls back to postcode centroids"
        )
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
    return finish_raw(
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
    return finish_raw(context, sto, "raw.geocode_overrides", df, fetched)


@checked_asset(
    CHECKS,
    also_writes=[("core_school_location_history", "core.school_location_history")],
    deps=["raw_duo_vo_locations", "raw_geonames_pc6", "raw_geonames_pc4", "raw_school_points", "raw_geocode_overrides"],
    description="vo school locations with address, gemeente, provincie, COROP, RMC, onderwijsgebied and "
    "coordinates from the geocoding chain override → address point → PC6 → PC4 → PDOK (online), for every "
    "loaded address snapshot (core.school_location_history) and as the current register (core.school_locations: "
    "each vestiging from the newest snapshot that lists it). SQL: assets/locations/sql/geocode_chain.sql, "
    "assets/locations/sql/core_school_locations.sql.",
    **CORE,
)
def core_school_locations(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        entities = con.execute("""
            SELECT a.snapshot_id || '|' || a.vestiging_code AS entity_key, a.pc6, a.pc4,
                   o.lat AS override_lat, o.lon AS override_lon, o.precision_m AS override_precision_m,
                   o.source_note AS override_note,
                   -- an address point counts only when it is for the same postcode (the school may have moved)
                   p.lat AS point_lat, p.lon AS point_lon
            FROM raw.duo_vo_locations a
            LEFT JOIN raw.geocode_overrides o ON o.vestiging_code = a.vestiging_code
            LEFT JOIN raw.school_points p ON p.vestiging_code = a.vestiging_code AND p.pc6 = a.pc6
        """).df()
        geocode_chain(con, entities, sto.config)
        if not sto.sample and not sto.offline:
            _pdok_fill(context, con, sto)
        db.run_sql(con, "core_school_locations")
        mix = con.execute("SELECT geocode_method, count(*) FROM core.school_locations GROUP BY 1 ORDER BY 1").fetchall()
        snaps = con.execute(
            "SELECT snapshot_date::DATE::VARCHAR, count(*), count(lat) FROM core.school_location_history "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        meta = db.table_metadata(
            con,
            "core.school_locations",
            extra={
                "geocode_methods": dg.MetadataValue.json({m: int(n) for m, n in mix}),
                "snapshots": dg.MetadataValue.json({d: {"vestigingen": n, "geocoded": g} for d, n, g in snaps}),
            },
        )
    return dg.MaterializeResult(metadata=meta)


def _pdok_fill(context: dg.AssetExecutionContext, con, sto: StoResource, limit: int = 200) -> None:
    """Online only: ask PDOK Locatieserver for locations the offline chain could not place."""
    todo = con.execute(
        """
        SELECT g.entity_key, a.postcode, a.house_number FROM geocode_output g
        JOIN raw.duo_vo_locations a ON a.snapshot_id || '|' || a.vestiging_code = g.entity_key
        WHERE g.geocode_method = 'none' AND a.pc6 IS NOT NULL LIMIT ?""",
        [limit],
    ).df()
    if todo.empty:
        return
    url = sto.config.pipeline["geocoding"]["pdok_url"]
    session = requests.Session()
    found = []
    for code, pc, hn in todo.itertuples(index=False):  # network calls, bounded by `limit`
        try:
            hit = pdok_lookup(session, url, pc, hn)
        except requests.RequestException as exc:
            context.log.warning(f"PDOK lookup failed for {code}: {exc}")
            continue
        if hit:
            found.append({"entity_key": code, "lat": hit[0], "lon": hit[1]})
    if found:
        con.register("_pdok", pd.DataFrame(found))
        con.execute(
            """
            UPDATE geocode_output g SET lat = p.lat, lon = p.lon, geocode_method = 'pdok', precision_m = ?
            FROM _pdok p WHERE p.entity_key = g.entity_key""",
            [sto.config.pipeline["geocoding"]["precision_m"]["pdok"]],
        )
        con.unregister("_pdok")


@checked_asset(
    CHECKS,
    deps=["raw_geonames_pc6", "raw_geonames_pc4"],
    description="Campuses from assets/locations/config/campuses.yaml, geocoded by the same chain as schools "
    "(explicit lat/lon with a source note first). SQL: assets/locations/sql/core_campuses.sql. Table core.campuses.",
    **CORE,
)
def core_campuses(sto: StoResource) -> dg.MaterializeResult:
    rows = sto.config.campuses["campuses"]
    cfg = pd.DataFrame(
        [
            {
                "campus_code": c["code"],
                "name": c["name"],
                "address": c["address"],
                "postcode": c["postcode"],
                "city": c.get("city"),
                "lat": c.get("lat"),
                "lon": c.get("lon"),
                "precision_m": c.get("precision_m"),
                "source_note": c.get("source_note"),
            }
            for c in rows
        ]
    )
    campuses_yaml = next(p for p in sto.config.files if p.stem == "campuses")
    textcheck.check_config_records(
        cfg[["campus_code", "name", "address", "postcode", "city", "source_note"]], campuses_yaml
    )
    pc = cfg["postcode"].str.replace(" ", "", regex=False).str.upper()
    entities = pd.DataFrame(
        {
            "entity_key": cfg["campus_code"],
            "pc6": pc,
            "pc4": pc.str[:4],
            "override_lat": pd.to_numeric(cfg["lat"]),
            "override_lon": pd.to_numeric(cfg["lon"]),
            "override_precision_m": pd.to_numeric(cfg["precision_m"]),
            "override_note": cfg["source_note"],
            "point_lat": float("nan"),
            "point_lon": float("nan"),
        }
    )
    entities[["point_lat", "point_lon"]] = entities[["point_lat", "point_lon"]].astype("float64")
    with sto.connect() as con:
        geocode_chain(con, entities, sto.config)
        con.register("campus_config", cfg)
        db.run_sql(con, "core_campuses")
        con.unregister("campus_config")
        meta = db.table_metadata(con, "core.campuses")
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    deps=["core_duo_vo_students", "core_school_locations", "core_school_location_history"],
    description="Every vestiging with pupils per peiljaar, resolved against the address snapshot nearest to "
    "the peiljaar's count date (1 October) among the snapshots that place it: regions, coordinates, method "
    "and the snapshot used. Evidence for the join and geocode coverage checks (every loaded peiljaar). "
    "SQL: assets/locations/sql/core_pupil_locations.sql.",
    **CORE,
)
def core_pupil_locations(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_pupil_locations")
        cov = con.execute("""
            SELECT peiljaar, count(*) AS n, avg(in_address_file::INT) AS joined, avg((lat IS NOT NULL)::INT) AS geocoded
            FROM core.pupil_locations GROUP BY 1 ORDER BY 1""").fetchall()
        meta = db.table_metadata(
            con,
            "core.pupil_locations",
            extra={
                "coverage": dg.MetadataValue.json(
                    {
                        str(y): {"locations": n, "in_address_file": round(j, 4), "geocoded": round(g, 4)}
                        for y, n, j, g in cov
                    }
                ),
                "snapshot_use": dg.MetadataValue.md(con.execute(SNAPSHOT_USE_SQL).df().to_markdown(index=False)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


BOUNDARY_COLUMNS = {
    "level": "string",
    "division_year": "int32",
    "code": "string",
    "name": "string",
    "geometry_type": "string",
    "geometry": "string",
    "source_id": "string",
    "source_file": "string",
}


@checked_asset(
    CHECKS,
    description="Map boundaries (CBS gebiedsindelingen via PDOK, generalised, WGS84): one row per gemeente "
    "or provincie and division year, geometry as GeoJSON text. Read from every catalogue source with "
    "`boundary: {level, year}` (data_raw/sources.yaml) that a mirror or the cache offers (downloaded online). "
    "Optional: without any boundary file the table is empty and the report's map says so; a run whose "
    "mirrors offer none keeps the boundaries already loaded. Table core.boundaries.",
    **CORE,
)
def core_boundaries(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetcher = sto.fetcher()
    layers = {sid: spec["boundary"] for sid, spec in sto.config.sources["sources"].items() if spec.get("boundary")}
    found = []
    for sid in sorted(layers):
        fetched = fetcher.locate(sid)
        if fetched is None and not sto.sample and not sto.offline:
            try:
                fetched = fetcher.fetch(sid)
            except FetchError as exc:
                context.log.warning(f"boundary source {sid}: {exc}")
        if fetched is not None:
            found.append(fetched)
    with sto.connect() as con:
        kept = (
            not found
            and db.table_exists(con, "core.boundaries")
            and (con.execute("SELECT count(*) FROM core.boundaries").fetchone()[0] > 0)
        )
        if kept:
            context.log.info("no boundary file offered by this run's mirrors: core.boundaries kept as loaded")
        elif not found:
            context.log.warning(
                f"no boundary file ({', '.join(sorted(layers))}) in the mirrors or the download cache: the "
                "report's map shows the school locations without boundaries"
            )
            db.replace_table(
                con, "core.boundaries", pd.DataFrame({c: pd.Series(dtype=t) for c, t in BOUNDARY_COLUMNS.items()})
            )
        else:
            frames = [
                boundary_frame(con, f.path, layers[f.source_id]["level"], layers[f.source_id]["year"], f.source_id)
                for f in found
            ]
            db.replace_table(con, "core.boundaries", pd.concat(frames, ignore_index=True).astype(BOUNDARY_COLUMNS))
            for f in found:
                record_source(con, context.run.run_id, context.asset_key.to_user_string(), f)
        layers_loaded = con.execute(
            "SELECT level || ' ' || division_year, count(*) FROM core.boundaries GROUP BY ALL ORDER BY 1"
        ).fetchall()
        meta = db.table_metadata(
            con,
            "core.boundaries",
            extra={
                "layers": dg.MetadataValue.json({k: int(n) for k, n in layers_loaded}),
                "kept_as_loaded": dg.MetadataValue.bool(bool(kept)),
            },
        )
    return dg.MaterializeResult(metadata=meta)
