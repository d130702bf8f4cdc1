"""STO / Techniekpact monitoring: the dimension assets the marts read as tables.

Every definition that config or another table hands to the monitoring SQL is a real, checked, documented
table in schema `core` (sql/data_dictionary.yaml), built here by its own asset, so each mart SQL file names
its inputs and runs on its own against the warehouse (tests/test_sql_standalone.py):
- core_monitoring_definitions (one step, one table each): core.share_indicators, core.supply_measures,
  core.campus_radii (monitoring.yaml, pipeline.yaml reach) and the programme definitions core.target_scopes,
  core.target_definitions, core.statement_definitions, core.statement_variants, core.forecast_definitions
  (targets.yaml, statements.yaml). Config only: no upstream asset.
- core_peiljaar_calendar (one step, from the pupil data alone: no address file, no geocoding upstream): each
  loaded peiljaar with the previous loaded one and the baseline peiljaar (core.peiljaar_calendar), the
  national scope (core.scope_national) and the national rows of marts.techniek_share
  (core.techniek_share_national).
- core_scope_membership (one step): each vestiging's geographic scopes (core.scope_membership) and the
  programme regions per peiljaar (core.programme_scope_locations, _info, _pupils; assets/monitoring/sql/programme_scopes.sql).
core.profile_flags is written with core.vmbo_profile (assets/duo_pupils/assets.py); raw.seor_supply_published
and raw.indicator_catalog with raw.published_figures (assets/monitoring/assets.py).
Checks: assets/monitoring/dim_checks.py (DIM_CHECKS)."""

from typing import Any

import dagster as dg
import pandas as pd

from assets.common import CORE, shared_params
from assets.monitoring import inputs as mon
from assets.monitoring import targets
from assets.monitoring.dim_checks import DIM_CHECKS
from pipeline import db
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
    """{table: frame} of every config-defined monitoring table (assets/monitoring/inputs.py, assets/monitoring/targets.py)."""
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
    "Built from monitoring.yaml, pipeline.yaml, targets.yaml and statements.yaml (assets/monitoring/inputs.py, "
    "assets/monitoring/targets.py).",
    **CORE,
)
def core_share_indicators(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        for table, df in definition_frames(sto).items():
            db.replace_table(con, table, df)
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.share_indicators"))


def scope_params(sto: StoResource) -> dict[str, Any]:
    """Parameters of assets/monitoring/sql/core_scope_national.sql and assets/monitoring/sql/core_scope_membership.sql."""
    cfg = sto.config.monitoring
    return {
        "earth_radius_km": shared_params(sto)["earth_radius_km"],
        "unknown": cfg["unknown_scope_code"],
        "scopes": list(cfg["scopes"]),
    }


@checked_asset(
    DIM_CHECKS,
    also_writes=[
        ("core_scope_national", "core.scope_national"),
        ("core_techniek_share_national", "core.techniek_share_national"),
    ],
    deps=[
        "core_duo_vo_students",
        "core_onderwijstype",
        "core_vmbo_profile",
        "core_profile_flags",
        "core_share_indicators",
    ],
    description="From the pupil data alone (no address file, no geocoding upstream): the peiljaar calendar, "
    "every loaded peiljaar with the previous loaded one and the baseline peiljaar (pipeline.yaml "
    "baseline_peiljaar when loaded, else the earliest loaded; core.peiljaar_calendar, assets/monitoring/sql/core_peiljaar_calendar.sql), "
    "the national scope of every vestiging with pupils (core.scope_national, assets/monitoring/sql/core_scope_national.sql) and the "
    "national rows of marts.techniek_share (core.techniek_share_national, assets/monitoring/sql/core_techniek_share_national.sql; "
    "definition assets/monitoring/sql/techniek_share_macro.sql), so the national Techniekpact shares wait on no geocoding.",
    **CORE,
)
def core_peiljaar_calendar(sto: StoResource) -> dg.MaterializeResult:
    shared = shared_params(sto)
    with sto.connect() as con:
        db.run_sql(con, "core_peiljaar_calendar", {"baseline_peiljaar": shared["baseline_peiljaar"]})
        db.run_sql(con, "core_scope_national", scope_params(sto))
        db.run_sql(
            con, "techniek_share_macro"
        )  # the macro assets/monitoring/sql/core_techniek_share_national.sql names
        db.run_sql(con, "core_techniek_share_national", {"point_value": shared["point_value"]})
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.peiljaar_calendar"))


@checked_asset(
    DIM_CHECKS,
    also_writes=[
        ("core_programme_scope_locations", "core.programme_scope_locations"),
        ("core_programme_scope_info", "core.programme_scope_info"),
        ("core_programme_scope_pupils", "core.programme_scope_pupils"),
    ],
    deps=[
        "core_peiljaar_calendar",
        "core_duo_vo_students",
        "core_pupil_locations",
        "core_campuses",
        "raw_sto_region_map",
        "core_campus_radii",
        "core_target_scopes",
    ],
    description="The geographic scopes of the regional marts and the programme regions. core.scope_membership: "
    "each vestiging with pupils gets exactly one scope per partitioning level (national from "
    "core.scope_national, provincie, gemeente, COROP, RMC, onderwijsgebied, STO region when mapped; the unknown "
    "code when a level cannot place it), campus radii overlap (assets/monitoring/sql/core_scope_membership.sql). "
    "core.programme_scope_locations, core.programme_scope_info, core.programme_scope_pupils: the programme "
    "regions per peiljaar by that year's address snapshot (assets/monitoring/sql/programme_scopes.sql).",
    **CORE,
)
def core_scope_membership(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_monitoring_macros")  # the macros assets/monitoring/sql/core_scope_membership.sql names
        db.run_sql(con, "core_scope_membership", scope_params(sto))
        db.run_sql(con, "place_key")  # the macro assets/monitoring/sql/programme_scopes.sql names (sql/place_key.sql)
        db.run_sql(con, "programme_scopes")
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.scope_membership"))
