"""core_ layer: tidy, typed, geocoded tables that marts and evaluators build on."""

import dagster as dg
import pandas as pd
import requests

from assets.core_checks import CHECKS
from pipeline import db
from pipeline.audit import LOADED_DDL, SNAPSHOT_USE_SQL
from pipeline.checks import checked_asset
from pipeline.geo import geocode_chain, pdok_lookup
from pipeline.partitions import PEILJAAR, YEARLY_BACKFILL, merge_year_metadata, run_peiljaren
from pipeline.resources import StoResource

OWNER = "team:data-engineering"
CORE = dict(group_name="core", owners=[OWNER], kinds={"duckdb", "sql"})


@checked_asset(
    CHECKS,
    description="Onderwijstype dimension from pipeline/config/onderwijstypes.yaml: DUO label → code, "
    "level, vmbo leerweg. Table core.onderwijstype.",
    **CORE,
)
def core_onderwijstype(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.onderwijstypes
    df = pd.DataFrame(cfg["onderwijstypes"]).rename(columns={})
    df["config_version"] = cfg["version"]
    with sto.connect() as con:
        db.replace_table(con, "core.onderwijstype", df)
        meta = db.table_metadata(con, "core.onderwijstype")
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    description="vmbo profile dimension with the versioned classification flags of indicators.md §1 "
    "(seor_hard, seor_some_techniek, sto_hard, techniekpact_techniek); label map and havo/vwo N-profile "
    "labels. Tables core.vmbo_profile, core.vmbo_profile_label, core.n_profile_label.",
    **CORE,
)
def core_vmbo_profile(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.profiles
    flags = list(cfg["flags"])
    prof = pd.DataFrame(cfg["profiles"])
    dim = prof[["code", "name", "kind", "sector", *flags]].rename(columns={"code": "profile_code"})
    dim["config_version"] = cfg["version"]
    labels = prof[["code", "labels"]].explode("labels").rename(columns={"code": "profile_code", "labels": "label"})
    nlab = pd.DataFrame({"label": cfg["n_profile_labels"]})
    with sto.connect() as con:
        db.replace_table(con, "core.vmbo_profile", dim)
        db.replace_table(con, "core.vmbo_profile_label", labels[["label", "profile_code"]])
        db.replace_table(con, "core.n_profile_label", nlab)
        meta = db.table_metadata(con, "core.vmbo_profile", extra={"flags": dg.MetadataValue.json(cfg["flags"])})
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    backfill_policy=YEARLY_BACKFILL,
    deps=["raw_duo_vo_students", "core_onderwijstype", "core_vmbo_profile"],
    description="DUO vo pupils, long and tidy: one row per peiljaar × vestiging × onderwijstype × "
    "afdeling/profile × opleiding × leerjaar × sex, censored '<5' cells flagged with bounds 1–4 and the "
    "configured point value. SQL: sql/core_duo_vo_students.sql. Table core.duo_vo_students.",
    **CORE,
)
def core_duo_vo_students(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    per_year = {year: _core_students_year(sto, year) for year in run_peiljaren(context)}
    return dg.MaterializeResult(metadata=merge_year_metadata(per_year))


def _core_students_year(sto: StoResource, year: int) -> dict:
    """Build core.duo_vo_students for one peiljaar; its materialisation metadata."""
    c = sto.config.pipeline["censored"]
    with sto.connect() as con:
        db.run_sql(
            con,
            "core_duo_vo_students",
            {
                "peiljaar": year,
                "point_value": int(c["point_value"]),
                "censored_lower": int(c["lower"]),
                "censored_upper": int(c["upper"]),
            },
        )
        # The rules baked into these rows (audit.loaded_sources.rules_hash): a later run refuses to mix this year
        # with years built under other rules until it is reloaded (pipeline/cli.py preflight).
        con.execute(LOADED_DDL)
        con.execute(
            "UPDATE audit.loaded_sources SET rules_hash = ? WHERE source_id = 'duo_vo_students' AND peiljaar = ?",
            [sto.config.rules_hash(), year],
        )
        total, censored = con.execute(
            "SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE n_censored) FROM core.duo_vo_students "
            "WHERE peiljaar = ?",
            [year],
        ).fetchone()
        meta = db.table_metadata(
            con,
            "core.duo_vo_students",
            "WHERE peiljaar = ?",
            [year],
            extra={
                "n_pupils": dg.MetadataValue.int(int(total)),
                "n_censored_cells": dg.MetadataValue.int(int(censored)),
                "censored_point_value": dg.MetadataValue.int(int(c["point_value"])),
            },
        )
    return meta


@checked_asset(
    CHECKS,
    deps=["raw_duo_vo_locations", "raw_geonames_pc6", "raw_geonames_pc4", "raw_school_points", "raw_geocode_overrides"],
    description="vo school locations with address, gemeente, provincie, COROP, RMC, onderwijsgebied and "
    "coordinates from the geocoding chain override → address point → PC6 → PC4 → PDOK (online), for every "
    "loaded address snapshot (core.school_location_history) and as the current register (core.school_locations: "
    "each vestiging from the newest snapshot that lists it). SQL: sql/geocode_chain.sql, "
    "sql/core_school_locations.sql.",
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
    description="Campuses from pipeline/config/campuses.yaml, geocoded by the same chain as schools "
    "(explicit lat/lon with a source note first). SQL: sql/core_campuses.sql. Table core.campuses.",
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
    deps=["core_duo_vo_students", "core_school_locations"],
    description="Every vestiging with pupils per peiljaar, resolved against the address snapshot nearest to "
    "the peiljaar's count date (1 October) among the snapshots that place it: regions, coordinates, method "
    "and the snapshot used. Evidence for the join and geocode coverage checks (every loaded peiljaar). "
    "SQL: sql/core_pupil_locations.sql.",
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
