"""DUO pupils per vestiging ("01. leerlingen vo per vestiging naar onderwijstype"), one peiljaar partition each: the assets.

raw_duo_vo_students (assets/duo_pupils/parser.py parses every file form), the classification tables core_onderwijstype and
core_vmbo_profile (assets/duo_pupils/config/onderwijstypes.yaml, profiles.yaml) and core_duo_vo_students
(assets/duo_pupils/sql/core_duo_vo_students.sql). Every requested peiljaar is built in one step (single-run backfill policy).
Their checks are declared as data in assets/duo_pupils/checks.py and run inside each asset's step.

Also DUO "02. leerlingen per vestiging naar postcode leerling en leerjaar" (optional per peiljaar):
raw_duo_vo_pupils_postcode (assets/duo_pupils/postcode_parser.py) and core_duo_vo_pupils_postcode
(assets/duo_pupils/sql/core_duo_vo_pupils_postcode.sql), where the pupils of each vestiging live."""

import dagster as dg
import pandas as pd

from assets.common import CORE, RAW, finish_raw
from assets.duo_pupils.checks import CHECKS
from assets.duo_pupils.parser import declared_masking, parse_pupils
from assets.duo_pupils.postcode_parser import parse_pupils_postcode, raw_postcode_frame
from pipeline import db
from pipeline.audit import record_built
from pipeline.checks import checked_asset
from pipeline.partitions import PEILJAAR, YEARLY_BACKFILL, merge_year_metadata, run_peiljaren
from pipeline.resources import StoResource


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    backfill_policy=YEARLY_BACKFILL,
    description="DUO 'leerlingen vo per vestiging' for one peiljaar, parsed (both header generations, "
    "cp1252/UTF-8, ';'/','), counts kept as text ('<5' preserved). Table raw.duo_vo_students.",
    **RAW,
)
def raw_duo_vo_students(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    per_year = {}
    for year in run_peiljaren(context):
        fetched = sto.fetcher().fetch("duo_vo_students", year)
        df, info = parse_pupils(fetched.path, year, declared_masking(sto.config))
        context.log.info(f"peiljaar {year}: {len(df)} rows from {fetched.origin} ({info})")
        extra = {k: dg.MetadataValue.text(v) for k, v in info.items()}
        per_year[year] = finish_raw(
            context, sto, "raw.duo_vo_students", df, fetched, partition=year, extra=extra
        ).metadata
    return dg.MaterializeResult(metadata=merge_year_metadata(per_year))


@checked_asset(
    CHECKS,
    description="Onderwijstype dimension from assets/duo_pupils/config/onderwijstypes.yaml: DUO label → code, "
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
    also_writes=[("core_profile_flags", "core.profile_flags")],
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
        db.run_sql(con, "core_profile_flags")  # the flags in long form, the table the marts join on a flag name
        meta = db.table_metadata(con, "core.vmbo_profile", extra={"flags": dg.MetadataValue.json(cfg["flags"])})
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    backfill_policy=YEARLY_BACKFILL,
    deps=["raw_duo_vo_students", "core_onderwijstype", "core_vmbo_profile"],
    description="DUO vo pupils, long and tidy: one row per peiljaar × vestiging × onderwijstype × "
    "afdeling/profile × opleiding × leerjaar × sex, censored '<5' cells flagged with bounds 1–4 and the "
    "configured point value. SQL: assets/duo_pupils/sql/core_duo_vo_students.sql. Table core.duo_vo_students.",
    **CORE,
)
def core_duo_vo_students(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    per_year = {year: _core_students_year(sto, year, context.run.run_id) for year in run_peiljaren(context)}
    return dg.MaterializeResult(metadata=merge_year_metadata(per_year))


def _core_students_year(sto: StoResource, year: int, run_id: str) -> dict:
    """Build core.duo_vo_students for one peiljaar and record it (audit.loaded_sources, with the rules it
    applied); its materialisation metadata."""
    c, rules = sto.config.pipeline["censored"], sto.config.rules_hash()
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
        # This asset's own audit row, with the rules baked into these rows (audit.loaded_sources.rules_hash): a
        # later run refuses to mix this year with years built under other rules until it is reloaded
        # (pipeline/preflight.py).
        record_built(con, run_id, "core_duo_vo_students", "raw_duo_vo_students", "duo_vo_students", year, rules)
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


POSTCODE_SOURCE = "duo_vo_pupils_postcode"


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    backfill_policy=YEARLY_BACKFILL,
    description="DUO '02. leerlingen per vestiging naar postcode leerling en leerjaar' for one peiljaar, parsed "
    "(both header generations, cp1252/UTF-8, ';'/','), counts kept as text ('<5' preserved), the vestiging key "
    "as in core.duo_vo_students. Optional per year: no file, no rows (a warning check says so). "
    "Table raw.duo_vo_pupils_postcode.",
    **RAW,
)
def raw_duo_vo_pupils_postcode(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    per_year = {}
    fetcher = sto.fetcher()
    for year in run_peiljaren(context):
        fetched = fetcher.locate(POSTCODE_SOURCE, year)
        if fetched is None and not sto.sample and not sto.offline and fetcher.is_published(POSTCODE_SOURCE, year):
            fetched = fetcher.fetch(POSTCODE_SOURCE, year)
        if fetched is None:
            context.log.warning(
                f"peiljaar {year}: no DUO 02 file (source {POSTCODE_SOURCE}, "
                f"{fetcher.candidate_names(POSTCODE_SOURCE, year)[0]}) in the mirrors or the cache: no home-basis "
                "rows for this year"
            )
            df, extra = raw_postcode_frame(), {"file_present": dg.MetadataValue.bool(False)}
        else:
            parsed, info = parse_pupils_postcode(fetched.path, year, declared_masking(sto.config, POSTCODE_SOURCE))
            context.log.info(f"peiljaar {year}: {len(parsed)} rows from {fetched.origin} ({info})")
            df = raw_postcode_frame(parsed)
            extra = {k: dg.MetadataValue.text(v) for k, v in info.items()}
            extra["file_present"] = dg.MetadataValue.bool(True)
        per_year[year] = finish_raw(
            context, sto, "raw.duo_vo_pupils_postcode", df, fetched, partition=year, extra=extra
        ).metadata
    return dg.MaterializeResult(metadata=merge_year_metadata(per_year))


@checked_asset(
    CHECKS,
    partitions_def=PEILJAAR,
    backfill_policy=YEARLY_BACKFILL,
    deps=["raw_duo_vo_pupils_postcode", "core_duo_vo_students"],
    description="Where the pupils of each vestiging live, long: one row per peiljaar × vestiging × home postcode "
    "(PC4) × leerjaar, censored '<5' cells flagged with bounds 1–4 and the configured point value. SQL: "
    "assets/duo_pupils/sql/core_duo_vo_pupils_postcode.sql. Table core.duo_vo_pupils_postcode.",
    **CORE,
)
def core_duo_vo_pupils_postcode(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    c = sto.config.pipeline["censored"]
    per_year = {}
    for year in run_peiljaren(context):
        with sto.connect() as con:
            db.run_sql(
                con,
                "core_duo_vo_pupils_postcode",
                {
                    "peiljaar": year,
                    "point_value": int(c["point_value"]),
                    "censored_lower": int(c["lower"]),
                    "censored_upper": int(c["upper"]),
                },
            )
            total, censored = con.execute(
                "SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE n_censored) FROM core.duo_vo_pupils_postcode "
                "WHERE peiljaar = ?",
                [year],
            ).fetchone()
            per_year[year] = db.table_metadata(
                con,
                "core.duo_vo_pupils_postcode",
                "WHERE peiljaar = ?",
                [year],
                extra={
                    "n_pupils": dg.MetadataValue.int(int(total)),
                    "n_censored_cells": dg.MetadataValue.int(int(censored)),
                },
            )
    return dg.MaterializeResult(metadata=merge_year_metadata(per_year))
