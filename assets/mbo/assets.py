"""DUO mbo entrants, diplomas and instellingen: the assets.

raw_duo_mbo_instroom, raw_duo_mbo_gediplomeerden, raw_duo_mbo_instellingen (assets/mbo/parser.py), the label
maps of assets/mbo/config/mbo.yaml as tables (core_mbo_labels, core_mbo_crebo_overrides) and the core tables
core.mbo_instroom, core.mbo_gediplomeerden, core.mbo_instellingen (assets/mbo/sql/). Every mbo source is
optional: a run whose mirrors hold no mbo file builds empty mbo tables and says so (a vo-only run is not
broken). Their checks are declared as data in assets/mbo/checks.py and run inside each asset's step."""

import re
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from assets.common import CORE, RAW
from assets.locations.geo import geocode_chain
from assets.mbo.checks import CHECKS
from assets.mbo.parser import (
    check_labels,
    label_frame,
    parse_gediplomeerden,
    parse_instellingen,
    parse_instroom,
)
from pipeline import db
from pipeline.audit import forget_loaded, record_source, source_metadata
from pipeline.checks import checked_asset
from pipeline.fetch import FetchedFile, FetchError
from pipeline.resources import StoResource

JAAR_RE = re.compile(r"^(\d{4})-")

# Empty raw tables (no mbo file found): the columns and types the parsers write.
INSTROOM_RAW = {
    "jaar": "int64",
    "studiejaar": "string",
    "source_row": "int64",
    **{
        c: "string"
        for c in (
            "vooropleiding_vo",
            "vooropleiding_mbo",
            "kleine_opleiding_label",
            "instellingscode",
            "instellingsnaam",
            "hoofdgroep_code",
            "hoofdgroep_naam",
            "niveau_label",
            "leerweg_label",
            "crebo",
            "opleiding_naam",
            "totaal_mbo",
            "instroom_mbo",
            "instroom_opleiding",
        )
    },
    "kleine_opleiding": "boolean",
    "masking": "string",
    "source_file": "string",
}
DIPLOMA_RAW = {
    "jaar": "int64",
    "source_file": "string",
    "source_row": "int64",
    **{
        c: "string"
        for c in (
            "instellingscode",
            "instellingsnaam",
            "plaatsnaam",
            "leerweg_label",
            "niveau_label",
            "crebo",
            "opleiding_naam",
            "sectorkamer",
            "hoofdgroep",
            "geslacht",
            "n_diplomas",
            "masking",
        )
    },
}
INSTELLING_RAW = {
    "source_row": "int64",
    **{
        c: "string"
        for c in (
            "instellingscode",
            "name",
            "street",
            "house_number",
            "postcode",
            "plaatsnaam",
            "gemeente_code",
            "gemeente_name",
            "pc6",
            "pc4",
            "source_file",
        )
    },
}


def _empty(types: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in types.items()})


def _find(context: dg.AssetExecutionContext, sto: StoResource, source_id: str) -> FetchedFile | None:
    """An optional mbo file: from a mirror or the cache, else (real mode, online) downloaded; None when
    absent (the caller states it once for all its sources: `_warn_missing`)."""
    fetcher = sto.fetcher()
    fetched = fetcher.locate(source_id)
    if fetched is None and not sto.sample and not sto.offline:
        try:
            fetched = fetcher.fetch(source_id)
        except FetchError as exc:
            context.log.warning(f"mbo source {source_id}: {exc}")
    return fetched


def _warn_missing(context: dg.AssetExecutionContext, sto: StoResource, missing: list[str], table: str) -> None:
    """One warning naming every optional mbo source the run did not find (a vo-only run is not broken)."""
    if missing:
        names = ", ".join(f"{sid} ({sto.config.source(sid)['filename']})" for sid in missing)
        context.log.warning(
            f"mbo: not in the mirrors or the download cache: {names}; {table} holds no rows of "
            f"{'these files' if len(missing) > 1 else 'this file'} (optional sources: the rest of the run is unaffected)"
        )


def _write_raw(
    context: dg.AssetExecutionContext,
    sto: StoResource,
    table: str,
    df: pd.DataFrame,
    fetched: list[FetchedFile],
    extra: dict[str, Any],
) -> dg.MaterializeResult:
    """Replace `table`, record every file read (and forget files of earlier runs) and describe the rows."""
    asset = context.asset_key.to_user_string()
    with sto.connect() as con:
        db.replace_table(con, table, df)
        forget_loaded(con, asset)
        meta: dict[str, Any] = dict(extra)
        for f in fetched:
            record_source(con, context.run.run_id, asset, f)
            meta.update({f"{f.source_id}.{k}": v for k, v in source_metadata(f).items()})
        meta["files_read"] = dg.MetadataValue.int(len(fetched))
        return dg.MaterializeResult(metadata=db.table_metadata(con, table, extra=meta))


# ---- raw inputs ---------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    description="DUO 'instromende mbo-studenten': new entrants per instelling × hoofdgroep × leerweg × "
    "beroepsopleiding × niveau × vooropleiding, one file per year (mbo.yaml sources.instroom; jaar = the year "
    "of the file's name), text counts ('<5' kept). Every label a rule depends on must be in mbo.yaml: an "
    "unknown one blocks the run and lists its rows. Optional: no file, no rows. Table raw.duo_mbo_instroom.",
    **RAW,
)
def raw_duo_mbo_instroom(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    mbo = sto.config.mbo
    frames, fetched_all, infos, missing = [], [], {}, []
    for sid in mbo["sources"]["instroom"]:
        fetched = _find(context, sto, sid)
        if fetched is None:
            missing.append(sid)
            continue
        m = JAAR_RE.match(sto.config.source(sid)["filename"])
        if m is None:
            raise FetchError(f"data_raw/sources.yaml {sid}: filename must start with the year ('2024-…')")
        df, info = parse_instroom(fetched.path, int(m.group(1)))
        context.log.info(f"{sid}: {len(df)} rows from {fetched.origin} ({info})")
        frames.append(df)
        fetched_all.append(fetched)
        infos[Path(fetched.path).name] = info
    _warn_missing(context, sto, missing, "raw.duo_mbo_instroom")
    out = pd.concat(frames, ignore_index=True) if frames else _empty(INSTROOM_RAW)
    check_labels(out, mbo)
    extra = {"files": dg.MetadataValue.json(infos), "missing_sources": dg.MetadataValue.json(missing)}
    return _write_raw(context, sto, "raw.duo_mbo_instroom", out.astype(INSTROOM_RAW), fetched_all, extra)


@checked_asset(
    CHECKS,
    description="DUO 'gediplomeerde mbo-studenten' (the rolling file 2020-2024-gediplomeerden.csv, "
    "DIPMAN<jaar>/DIPVROUW<jaar> for every year present) in long text form: one row per source row × jaar × "
    "geslacht; unknown labels block the run with their rows. Optional. Table raw.duo_mbo_gediplomeerden.",
    **RAW,
)
def raw_duo_mbo_gediplomeerden(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    mbo = sto.config.mbo
    frames, fetched_all, infos, missing = [], [], {}, []
    for sid in mbo["sources"]["gediplomeerden"]:
        fetched = _find(context, sto, sid)
        if fetched is None:
            missing.append(sid)
            continue
        df, info = parse_gediplomeerden(fetched.path)
        context.log.info(f"{sid}: {len(df)} rows from {fetched.origin} ({info})")
        frames.append(df)
        fetched_all.append(fetched)
        infos[Path(fetched.path).name] = info
    _warn_missing(context, sto, missing, "raw.duo_mbo_gediplomeerden")
    out = pd.concat(frames, ignore_index=True) if frames else _empty(DIPLOMA_RAW)
    # a year in two files (a newer rolling file next to an older one): the newest file's rows only
    if len(frames) > 1:
        newest = out.groupby("jaar")["source_file"].transform("max")
        out = out[out["source_file"] == newest].reset_index(drop=True)
    check_labels(out, mbo)
    extra = {"files": dg.MetadataValue.json(infos), "missing_sources": dg.MetadataValue.json(missing)}
    return _write_raw(context, sto, "raw.duo_mbo_gediplomeerden", out.astype(DIPLOMA_RAW), fetched_all, extra)


@checked_asset(
    CHECKS,
    description="DUO 'adressen mbo' instellingenmbo.csv: one row per mbo instelling with its address and "
    "gemeente; postcode normalised (pc6/pc4). Optional. Table raw.duo_mbo_instellingen.",
    **RAW,
)
def raw_duo_mbo_instellingen(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    sid = sto.config.mbo["sources"]["instellingen"]
    fetched = _find(context, sto, sid)
    if fetched is None:
        _warn_missing(context, sto, [sid], "raw.duo_mbo_instellingen")
        out, info, got = _empty(INSTELLING_RAW), {}, []
    else:
        out, info = parse_instellingen(fetched.path)
        got = [fetched]
    extra = {"info": dg.MetadataValue.json(info), "found": dg.MetadataValue.bool(fetched is not None)}
    return _write_raw(context, sto, "raw.duo_mbo_instellingen", out.astype(INSTELLING_RAW), got, extra)


# ---- definitions ------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    also_writes=[("core_mbo_crebo_overrides", "core.mbo_crebo_overrides")],
    description="The label maps of assets/mbo/config/mbo.yaml in long form (prior vo education, niveau, "
    "leerweg, hoofdgroep with its technical flag, sectorkamer; core.mbo_labels) and the per-crebo technical "
    "overrides with source and date (core.mbo_crebo_overrides).",
    **CORE,
)
def core_mbo_labels(sto: StoResource) -> dg.MaterializeResult:
    mbo = sto.config.mbo
    labels = label_frame(mbo)
    labels["config_version"] = mbo["version"]
    cols = {"crebo": "string", "technical": "boolean", "source": "string", "date": "string", "note": "string"}
    overrides = pd.DataFrame(mbo.get("crebo_overrides") or [], columns=list(cols)).astype(cols)
    with sto.connect() as con:
        db.replace_table(con, "core.mbo_labels", labels)
        db.replace_table(con, "core.mbo_crebo_overrides", overrides)
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.mbo_labels"))


def _censored_params(sto: StoResource) -> dict[str, int]:
    c = sto.config.pipeline["censored"]
    return {
        "point_value": int(c["point_value"]),
        "censored_lower": int(c["lower"]),
        "censored_upper": int(c["upper"]),
    }


# ---- core ---------------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    deps=["raw_duo_mbo_instroom", "core_mbo_labels", "core_mbo_crebo_overrides"],
    description="DUO mbo entrants per jaar × instelling × crebo × niveau × leerweg × prior education, labels "
    "mapped by mbo.yaml (prior_vo, niveau 1-4, BOL/BBL), '<5' as the point value with bounds, technical flag "
    "(hoofdgroep rule or crebo override). SQL: assets/mbo/sql/core_mbo_instroom.sql. Table core.mbo_instroom.",
    **CORE,
)
def core_mbo_instroom(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_mbo_instroom", _censored_params(sto))
        per_year = con.execute("""
            SELECT jaar, count(*) AS rows_, sum(n_instroom_opleiding) AS entrants,
                   sum(n_instroom_opleiding) FILTER (WHERE technical) AS technical,
                   sum(n_instroom_opleiding) FILTER (WHERE prior_vo LIKE 'vmbo%') AS from_vmbo
            FROM core.mbo_instroom GROUP BY 1 ORDER BY 1""").df()
        meta = {"per_jaar": dg.MetadataValue.md(per_year.to_markdown(index=False))}
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.mbo_instroom", extra=meta))


@checked_asset(
    CHECKS,
    deps=["raw_duo_mbo_gediplomeerden", "core_mbo_labels", "core_mbo_crebo_overrides"],
    description="DUO mbo diplomas in long form per jaar × instelling × crebo × niveau × leerweg × geslacht, "
    "labels mapped by mbo.yaml, '<5' as the point value with bounds, technical flag. SQL: "
    "assets/mbo/sql/core_mbo_gediplomeerden.sql. Table core.mbo_gediplomeerden.",
    **CORE,
)
def core_mbo_gediplomeerden(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_mbo_gediplomeerden", _censored_params(sto))
        per_year = con.execute("""
            SELECT jaar, geslacht, sum(n_diplomas) AS diplomas,
                   sum(n_diplomas) FILTER (WHERE technical) AS technical
            FROM core.mbo_gediplomeerden GROUP BY ALL ORDER BY ALL""").df()
        meta = {"per_jaar": dg.MetadataValue.md(per_year.to_markdown(index=False))}
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.mbo_gediplomeerden", extra=meta))


@checked_asset(
    CHECKS,
    deps=["raw_duo_mbo_instellingen", "raw_geonames_pc6", "raw_geonames_pc4", "core_school_locations"],
    description="The mbo instellingen with address, gemeente, coordinates from the shared geocoding chain "
    "(GeoNames PC6, else PC4 centroid) and provincie/COROP/RMC from the vo address register of the same "
    "gemeente. SQL: assets/mbo/sql/core_mbo_instellingen.sql. Table core.mbo_instellingen.",
    **CORE,
)
def core_mbo_instellingen(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        raw = con.execute("SELECT instellingscode, pc6, pc4 FROM raw.duo_mbo_instellingen").df()
        entities = pd.DataFrame(
            {
                "entity_key": raw["instellingscode"].astype("string"),
                "pc6": raw["pc6"].astype("string"),
                "pc4": raw["pc4"].astype("string"),
                "override_lat": pd.Series(float("nan"), index=raw.index, dtype="float64"),
                "override_lon": pd.Series(float("nan"), index=raw.index, dtype="float64"),
                "override_precision_m": pd.Series(float("nan"), index=raw.index, dtype="float64"),
                "override_note": pd.Series(pd.NA, index=raw.index, dtype="string"),
                "point_lat": pd.Series(float("nan"), index=raw.index, dtype="float64"),
                "point_lon": pd.Series(float("nan"), index=raw.index, dtype="float64"),
            }
        )
        geocode_chain(con, entities, sto.config)
        db.run_sql(con, "core_mbo_instellingen")
        mix = con.execute("SELECT geocode_method, count(*) FROM core.mbo_instellingen GROUP BY 1 ORDER BY 1").fetchall()
        meta = {"geocode_methods": dg.MetadataValue.json({str(k): int(v) for k, v in mix})}
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.mbo_instellingen", extra=meta))


# ---- the mbo marts (assets/mbo/marts.py), re-exported here for discovery (pipeline/catalog.py loads assets.py) ----
from assets.mbo.marts import (  # noqa: E402, F401
    core_mbo_de4_groups,
    core_programme_scope_mbo_instellingen,
    mart_mbo_de4,
    mart_mbo_reconciliation_variants,
    mart_mbo_technical_diplomas,
    mart_mbo_technical_intake,
    mart_reconciliation_techniekpact_mbo,
    raw_published_mbo_figures,
)
