"""STO / Techniekpact monitoring: the dimension assets the marts read as tables.

Every definition that config or another table hands to the monitoring SQL is a real, checked, documented
table in schema `core` (sql/data_dictionary.yaml), built here by its own asset, so each mart SQL file names
its inputs and runs on its own against the warehouse (tests/test_sql_standalone.py):
- core_monitoring_definitions (one step, one table each): core.share_indicators, core.supply_measures,
  core.campus_radii (monitoring.yaml, pipeline.yaml reach) and the programme definitions core.target_scopes,
  core.target_definitions, core.statement_definitions, core.statement_variants, core.forecast_definitions
  (targets.yaml, statements.yaml). Config only: no upstream asset.
- core_profile_flags: core.vmbo_profile's boolean columns in long form (profile_code, flag, value).
- core_peiljaar_calendar: each loaded peiljaar with the previous loaded one and the baseline peiljaar.
- core_scope_national: the national scope from the pupil data alone (sql/core_scope_national.sql), and
  core_techniek_share_national: the national rows of marts.techniek_share from it (no geocoding upstream).
- core_scope_membership: each vestiging's geographic scopes (sql/core_scope_membership.sql).
- core_programme_scopes: the programme regions per peiljaar (sql/programme_scopes.sql).
Checks: assets/monitoring/dim_checks.py (DIM_CHECKS)."""

from typing import Any

import dagster as dg
import pandas as pd

from assets.common import CORE, RAW, finish_raw, shared_params
from assets.monitoring.dim_checks import DIM_CHECKS
from pipeline import db, targets
from pipeline import monitoring as mon
from pipeline.checks import checked_asset
from pipeline.resources import StoResource

DEFINITION_TABLES = [
    ("core_supply_measures", "core.supply_measures"),
    ("core_campus_radii", "core.campus_radii"),
    ("core_target_scopes", "core.target_scopes"),
    ("core_target_definitions", "core.target_definitions"),
    ("core_statement_definitions", "core.statement_definitions"),
    ("core_statement_variants", "core.statement_variants"),
    ("core_forecast_definitions", "core.forecast_definitions"),
]


def definition_frames(sto: StoResource) -> dict[str, pd.DataFrame]:
    """{table: frame} of every config-defined monitoring table (pipeline/monitoring.py, pipeline/targets.py)."""
    cfg = sto.config
    return {
        "core.share_indicators": mon.share_indicator_frame(cfg.monitoring),
        "core.supply_measures": mon.supply_measure_frame(cfg.monitoring),
        "core.campus_radii": mon.campus_radius_frame(cfg.pipeline["reach"]["sensitivity_radii_km"]),
        "core.target_scopes": targets.scope_frame(cfg.targets),
        "core.target_definitions": targets.target_frame(cfg.targets),
        "core.statement_definitions": targets.statement_frame(cfg.statements),
        "core.statement_variants": targets.variant_frame(cfg.statements, cfg.targets),
        "core.forecast_definitions": targets.forecast_frame(cfg.statements),
    }


@checked_asset(
    DIM_CHECKS,
    also_writes=DEFINITION_TABLES,
    description="The monitoring definitions from versioned config as tables: techniek_share indicators "
    "(core.share_indicators), SEOR flag measures (core.supply_measures), campus radii (core.campus_radii), "
    "programme regions, targets, statements, their definition variants and forecasts (core.target_scopes, "
    "core.target_definitions, core.statement_definitions, core.statement_variants, core.forecast_definitions). "
    "Built from monitoring.yaml, pipeline.yaml, targets.yaml and statements.yaml (pipeline/monitoring.py, "
    "pipeline/targets.py).",
    **CORE,
)
def core_share_indicators(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        for table, df in definition_frames(sto).items():
            db.replace_table(con, table, df)
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.share_indicators"))


@checked_asset(
    DIM_CHECKS,
    deps=["core_vmbo_profile"],
    description="Profile flags in long form (profile_code, flag, value): every boolean classification column "
    "of the versioned profile dimension core.vmbo_profile, so marts join on a flag name taken from config. "
    "SQL: sql/core_profile_flags.sql.",
    **CORE,
)
def core_profile_flags(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_profile_flags")
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.profile_flags"))


@checked_asset(
    DIM_CHECKS,
    deps=["core_duo_vo_students"],
    description="The peiljaar calendar: every loaded peiljaar with the previous loaded peiljaar and the "
    "baseline peiljaar (pipeline.yaml baseline_peiljaar when loaded, else the earliest loaded), the one "
    "definition the year-on-year and baseline columns of the marts use. SQL: sql/core_peiljaar_calendar.sql.",
    **CORE,
)
def core_peiljaar_calendar(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_peiljaar_calendar", {"baseline_peiljaar": shared_params(sto)["baseline_peiljaar"]})
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.peiljaar_calendar"))


def scope_params(sto: StoResource) -> dict[str, Any]:
    """Parameters of sql/core_scope_membership.sql."""
    cfg = sto.config.monitoring
    return {
        "earth_radius_km": shared_params(sto)["earth_radius_km"],
        "unknown": cfg["unknown_scope_code"],
        "scopes": list(cfg["scopes"]),
    }


@checked_asset(
    DIM_CHECKS,
    deps=["core_duo_vo_students"],
    description="The national scope of every vestiging with pupils, from the pupil data alone (no address file, "
    "no geocoding), so the national figures do not wait on them; core.scope_membership takes it as its "
    "national level. SQL: sql/core_scope_national.sql.",
    **CORE,
)
def core_scope_national(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "core_scope_national", scope_params(sto))
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.scope_national"))


@checked_asset(
    DIM_CHECKS,
    deps=[
        "core_scope_national",
        "core_duo_vo_students",
        "core_pupil_locations",
        "core_campuses",
        "raw_sto_region_map",
        "core_share_indicators",
    ],
    description="Geographic scopes per vestiging (national, provincie, gemeente, COROP, RMC, onderwijsgebied, "
    "STO region when mapped, campus radius): each vestiging with pupils gets exactly one scope per "
    "partitioning level ($unknown when a level cannot place it), campus radii overlap. The scope dimension "
    "of the regional monitoring marts. SQL: sql/core_scope_membership.sql.",
    **CORE,
)
def core_scope_membership(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_monitoring_macros")  # the macros sql/core_scope_membership.sql names
        db.run_sql(con, "core_scope_membership", scope_params(sto))
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.scope_membership"))


@checked_asset(
    DIM_CHECKS,
    also_writes=[
        ("core_programme_scope_info", "core.programme_scope_info"),
        ("core_programme_scope_pupils", "core.programme_scope_pupils"),
    ],
    deps=["core_duo_vo_students", "core_pupil_locations", "raw_sto_region_map", "core_share_indicators"],
    description="Regions of the programme marts per peiljaar by that year's address snapshot: locations "
    "(core.programme_scope_locations), the method and note per region (core.programme_scope_info) and the "
    "pupils of each region's locations (core.programme_scope_pupils). SQL: sql/programme_scopes.sql.",
    **CORE,
)
def core_programme_scope_locations(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "place_key")  # the macro sql/programme_scopes.sql names (sql/place_key.sql)
        db.run_sql(con, "programme_scopes")
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.programme_scope_locations"))


# ---- curated files the marts read as raw tables -------------------------------------------------------------
@checked_asset(
    DIM_CHECKS,
    description="SEOR 2023 tables 5.1/5.2 as published (data_raw/published/seor2023_table5.csv, built by "
    "scripts/build_seor_published.py from the spec), read into raw.seor_supply_published for "
    "sql/mart_reconciliation_seor_supply.sql.",
    **RAW,
)
def raw_seor_supply_published(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    path = mon.project_path(sto.config.monitoring["reconciliation"]["seor_supply_file"])
    return finish_raw(
        context,
        sto,
        "raw.seor_supply_published",
        mon.read_seor_supply_published(path),
        mon.local_file("published_seor_table5", path),
    )


@checked_asset(
    DIM_CHECKS,
    description="The versioned indicator catalogue (data_raw/published/indicator_catalog.yaml, availability "
    "values from monitoring.yaml catalog), read into raw.indicator_catalog for sql/mart_indicator_catalog.sql.",
    **RAW,
)
def raw_indicator_catalog(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring["catalog"]
    path = mon.project_path(cfg["file"])
    return finish_raw(
        context,
        sto,
        "raw.indicator_catalog",
        mon.read_catalog(path, list(cfg["availability"])),
        mon.local_file("indicator_catalog", path),
    )


# ---- national figures from the pupil data alone -----------------------------------------------------------
@checked_asset(
    DIM_CHECKS,
    deps=[
        "core_duo_vo_students",
        "core_vmbo_profile",
        "core_scope_national",
        "core_share_indicators",
        "core_profile_flags",
        "core_peiljaar_calendar",
    ],
    description="The national rows of marts.techniek_share (same columns and definition), computed from the "
    "pupil data alone, so the national Techniekpact shares wait on no address file, geocoding or campus. "
    "SQL: sql/core_techniek_share_national.sql (definition: sql/techniek_share_macro.sql).",
    **CORE,
)
def core_techniek_share_national(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "techniek_share_macro")
        db.run_sql(con, "core_techniek_share_national", {"point_value": shared_params(sto)["point_value"]})
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.techniek_share_national"))
