"""STO / Techniekpact monitoring: the assets.

the published figures and the STO region map (raw_*), the profile offer and supply marts, techniek
share and techniekarm, nearby offer, pupil trend, programme targets, the reconciliation against the
published figures and the indicator catalogue. SQL: sql/mart_*.sql (each asset's description names its
file; shared temp objects: assets/monitoring/sql/mart_monitoring_macros.sql, sql/mart_monitoring_scopes.sql).
Their checks are declared as data in assets/monitoring/checks.py and run inside each asset's step."""

from typing import Any

import dagster as dg
import duckdb

from assets.common import MARTS, RAW, mart_result, md_table, shared_params
from assets.monitoring import inputs as mon
from assets.monitoring.checks import CHECKS
from assets.monitoring.dim_checks import DIM_CHECKS
from assets.monitoring.dims import (  # noqa: F401  the dimension assets, loaded with this module
    core_peiljaar_calendar,
    core_scope_membership,
    core_share_indicators,
)
from pipeline import db
from pipeline.audit import KIND_SAMPLE, record_source, source_metadata, warehouse_kinds
from pipeline.checks import checked_asset
from pipeline.config import default_config  # the asset graph is built at import: no resource yet
from pipeline.resources import StoResource

PUPIL_DEPS = ["core_duo_vo_students", "core_vmbo_profile", "core_onderwijstype"]


SCOPE_DEPS = [*PUPIL_DEPS, "core_scope_membership", "core_peiljaar_calendar"]


# ---- helpers ------------------------------------------------------------------------------------------------
def _prepare_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Temp macros haversine_km and radius_label (assets/monitoring/sql/mart_monitoring_macros.sql), named by the files using them."""
    db.run_sql(con, "mart_monitoring_macros")


@checked_asset(
    [*CHECKS, *DIM_CHECKS],
    also_writes=[
        ("raw_seor_supply_published", "raw.seor_supply_published"),
        ("raw_indicator_catalog", "raw.indicator_catalog"),
    ],
    description="Curated published reference figures (data_raw/published/techniekpact.csv: indicator, "
    "measure, peiljaar, scope, value, source URL per row; indicators.md §2). Table raw.published_figures.",
    **RAW,
)
def raw_published_figures(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    path = mon.project_path(sto.config.monitoring["reconciliation"]["published_file"])
    df = mon.read_published(path)
    fetched = mon.local_file("published_techniekpact", path)
    with sto.connect() as con:
        db.replace_table(con, "raw.published_figures", df)
        record_source(con, context.run.run_id, "raw_published_figures", fetched)
        # in the same step: the other curated files of the monitoring marts (SEOR table 5, indicator catalogue)
        rc, cat = sto.config.monitoring["reconciliation"], sto.config.monitoring["catalog"]
        for table, source_id, path, read in [
            (
                "raw.seor_supply_published",
                "published_seor_table5",
                rc["seor_supply_file"],
                mon.read_seor_supply_published,
            ),
            (
                "raw.indicator_catalog",
                "indicator_catalog",
                cat["file"],
                lambda p: mon.read_catalog(p, list(cat["availability"])),
            ),
        ]:
            full = mon.project_path(path)
            db.replace_table(con, table, read(full))
            record_source(con, context.run.run_id, "raw_published_figures", mon.local_file(source_id, full))
        meta = db.table_metadata(con, "raw.published_figures", extra=source_metadata(fetched))
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    description="Optional vestiging → STO-region mapping (format: assets/monitoring/config/monitoring.yaml sto_regions). "
    "STO region membership is not published as data: empty table when the file is absent, and then no "
    "sto_region scope is built. Table raw.sto_region_map.",
    **RAW,
)
def raw_sto_region_map(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    path = mon.project_path(sto.config.monitoring["sto_regions"]["file"])
    extra: dict[str, Any] = {"configured": dg.MetadataValue.bool(path.is_file())}
    with sto.connect() as con:
        if path.is_file():
            df = mon.read_sto_region_map(path)
            fetched = mon.local_file("sto_region_map", path)
            record_source(con, context.run.run_id, context.asset_key.to_user_string(), fetched)
            extra.update(source_metadata(fetched))
        else:
            context.log.info(f"no STO-region mapping at {path}: scope_type sto_region is not built")
            df = mon.empty_sto_region_map()
        db.replace_table(con, "raw.sto_region_map", df)
        meta = db.table_metadata(con, "raw.sto_region_map", extra=extra)
    return dg.MaterializeResult(metadata=meta)


# ---- marts: profile offer and supply ----------------------------------------------------------------------
def _offer_params(sto: StoResource, cfg: dict[str, Any]) -> dict[str, Any]:
    po = cfg["profile_offer"]
    return {
        **shared_params(sto),
        "onderwijstypes": list(po["onderwijstypes"]),
        "leerjaren": [int(x) for x in po["leerjaren"]],
        "min_offered": int(po["min_pupils_offered"]),
    }


@checked_asset(
    CHECKS,
    deps=[*PUPIL_DEPS, "core_pupil_locations", "core_school_locations", "core_peiljaar_calendar"],
    description="vmbo profile offer per location: bovenbouw B/K/G pupils per peiljaar × vestiging × profile, "
    "offered (≥ configured pupils), status kept/new/dropped against the baseline 2017 (or the earliest loaded "
    "year, stated per row) and against the previous loaded year. SQL: assets/monitoring/sql/mart_profile_offer_location.sql.",
    **MARTS,
)
def mart_profile_offer_location(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    with sto.connect() as con:
        db.run_sql(con, "mart_profile_offer_location", _offer_params(sto, cfg))
        summary = con.execute("""
            SELECT peiljaar, baseline_peiljaar, count(*) FILTER (WHERE offered) AS offered,
                   count(*) FILTER (WHERE status_vs_baseline = 'new') AS new_vs_baseline,
                   count(*) FILTER (WHERE status_vs_baseline = 'dropped') AS dropped_vs_baseline,
                   count(*) FILTER (WHERE status_vs_previous = 'new') AS new_vs_previous,
                   count(*) FILTER (WHERE status_vs_previous = 'dropped') AS dropped_vs_previous
            FROM marts.profile_offer_location GROUP BY ALL ORDER BY 1""").df()
        return mart_result(con, sto, "marts.profile_offer_location", {"per_year": md_table(summary)})


@checked_asset(
    CHECKS,
    deps=["mart_profile_offer_location", *SCOPE_DEPS],
    description="Locations offering each vmbo profile and their pupils per peiljaar × scope (national, "
    "provincie, gemeente, COROP, RMC, onderwijsgebied, campus radius, STO region when mapped). "
    "SQL: assets/monitoring/sql/mart_profile_offer_region.sql.",
    **MARTS,
)
def mart_profile_offer_region(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_profile_offer_region")
        return mart_result(con, sto, "marts.profile_offer_region")


@checked_asset(
    CHECKS,
    deps=[
        *PUPIL_DEPS,
        "core_pupil_locations",
        "core_campuses",
        "core_profile_flags",
        "core_supply_measures",
        "core_campus_radii",
    ],
    description="SEOR table 5.1/5.2 for every loaded peiljaar, campus and radius (5/10/15 km): share of B/K/G "
    "pupils within the radius at a location offering any techniek, hard techniek, or each profile. "
    "SQL: assets/monitoring/sql/mart_profile_supply_campus.sql.",
    **MARTS,
)
def mart_profile_supply_campus(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    ps = cfg["profile_supply"]
    with sto.connect() as con:
        _prepare_macros(con)
        db.run_sql(
            con,
            "mart_profile_supply_campus",
            {
                **shared_params(sto),
                "onderwijstypes": list(ps["onderwijstypes"]),
                "leerjaren": [int(x) for x in ps["leerjaren"]],
                "single_kinds": list(ps["single_profile_kinds"]),
                "min_offered": int(cfg["profile_offer"]["min_pupils_offered"]),
            },
        )
        default_r = float(sto.config.pipeline["reach"]["default_radius_km"])
        table = con.execute(
            """
            SELECT peiljaar, campus_code, measure, round(pct, 1) AS pct, n_pupils_base, n_locations
            FROM marts.profile_supply_campus
            WHERE radius_km = ? AND measure_kind = 'flag' ORDER BY peiljaar, campus_code, measure""",
            [default_r],
        ).df()
        return mart_result(con, sto, "marts.profile_supply_campus", {f"flag_measures_{default_r:g}km": md_table(table)})


# ---- marts: shares ----------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    deps=[*SCOPE_DEPS, "core_profile_flags", "core_share_indicators", "core_techniek_share_national"],
    description="Techniekpact technology shares per peiljaar × scope × indicator (vmbo B/K/G leerjaar 3 in a "
    "technical profile, overall and per leerweg; havo/vwo leerjaar 4 with an N-profile), girls' shares, "
    "year-on-year and baseline deltas, censored-cell count. SQL: assets/monitoring/sql/mart_techniek_share.sql.",
    **MARTS,
)
def mart_techniek_share(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "techniek_share_macro")  # techniek_share_rows, named by the file's header
        db.run_sql(con, "mart_techniek_share", shared_params(sto))
        nat = con.execute("""
            SELECT peiljaar, indicator, n_total, n_techniek, round(pct, 2) AS pct, round(delta_pct_yoy, 2) AS yoy
            FROM marts.techniek_share WHERE scope_type = 'national' ORDER BY peiljaar, indicator""").df()
        return mart_result(con, sto, "marts.techniek_share", {"national": md_table(nat)})


@checked_asset(
    CHECKS,
    deps=[*SCOPE_DEPS, "core_profile_flags"],
    description="STO 'techniekarme regio': share of bovenbouw B/K/G pupils in an STO-hard profile (BWI, PIE, M&T) "
    "per peiljaar × scope, techniekarm when below the configured 10%. SQL: assets/monitoring/sql/mart_techniekarm.sql.",
    **MARTS,
)
def mart_techniekarm(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    ta = cfg["techniekarm"]
    with sto.connect() as con:
        db.run_sql(
            con,
            "mart_techniekarm",
            {
                **shared_params(sto),
                "onderwijstypes": list(ta["onderwijstypes"]),
                "leerjaren": [int(x) for x in ta["leerjaren"]],
                "hard_flag": ta["profile_flag"],
                "threshold_pct": float(ta["threshold_pct"]),
            },
        )
        arm = con.execute("""
            SELECT peiljaar, scope_type, count(*) AS scopes, count(*) FILTER (WHERE is_techniekarm) AS techniekarm
            FROM marts.techniekarm GROUP BY ALL ORDER BY 1, 2""").df()
        return mart_result(con, sto, "marts.techniekarm", {"techniekarm_scopes": md_table(arm)})


@checked_asset(
    CHECKS,
    deps=["mart_profile_offer_location", "core_pupil_locations"],
    description="STO 'naburig aanbod': pairs of locations within the configured distance that both offer a "
    "profile with small numbers (DuckDB self-join with bounding-box prefilter). SQL: assets/monitoring/sql/mart_nearby_offer.sql.",
    **MARTS,
)
def mart_nearby_offer(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    nb = cfg["nearby_offer"]
    with sto.connect() as con:
        _prepare_macros(con)
        db.run_sql(
            con,
            "mart_nearby_offer",
            {
                "earth_radius_km": shared_params(sto)["earth_radius_km"],
                "max_distance_km": float(nb["max_distance_km"]),
                "max_small": int(nb["max_small_pupils"]),
                "profile_kinds": list(nb["profile_kinds"]),
            },
        )
        return mart_result(con, sto, "marts.nearby_offer")


@checked_asset(
    CHECKS,
    deps=SCOPE_DEPS,
    description="All vo pupils per peiljaar × scope with change against the configured reference year (Twente "
    "forecast: −8.5% by 2025, −16.5% by 2030 against 2021) and year on year. SQL: assets/monitoring/sql/mart_pupil_trend.sql.",
    **MARTS,
)
def mart_pupil_trend(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    with sto.connect() as con:
        db.run_sql(
            con,
            "mart_pupil_trend",
            {
                "point_value": shared_params(sto)["point_value"],
                "reference_peiljaar": int(cfg["pupil_trend"]["reference_peiljaar"]),
            },
        )
        return mart_result(con, sto, "marts.pupil_trend")


PROGRAMME_DEPS = [*PUPIL_DEPS, "core_programme_scope_info", "core_programme_scope_pupils"]


@checked_asset(
    CHECKS,
    deps=[
        *PROGRAMME_DEPS,
        "core_target_definitions",
        "core_profile_flags",
        "core_programme_scope_mbo_instellingen",
        "core_mbo_gediplomeerden",
    ],
    description="Regional programme targets only (TechTown, Twente; assets/monitoring/config/targets.yaml): per target × "
    "reading × loaded peiljaar the current value, progress from the (published) baseline and distance to target; "
    "target_met judged only from the baseline year on (NULL with a reason before it); proxies labelled; targets "
    "open data cannot support listed with the reason. Regions per peiljaar from its own address snapshot "
    "(assets/monitoring/sql/programme_scopes.sql). SQL: assets/monitoring/sql/mart_programme_targets.sql.",
    **MARTS,
)
def mart_programme_targets(sto: StoResource) -> dg.MaterializeResult:
    from assets.monitoring import targets

    cfg = sto.config.targets
    with sto.connect() as con:
        min_offered = int(sto.config.monitoring["profile_offer"]["min_pupils_offered"])
        db.run_sql(
            con, "mart_programme_targets", {"min_offered": min_offered, "few_pupils": targets.few_pupils_below(cfg)}
        )
        latest = con.execute("""
            SELECT target_id, reading, peiljaar, scope_method, round(current_value, 2) AS current,
                   target_value AS target, round(distance_to_target, 2) AS distance, judged, target_met, computable
            FROM marts.programme_targets
            QUALIFY peiljaar IS NULL OR peiljaar = max(peiljaar) OVER (PARTITION BY target_id, reading)
            ORDER BY target_id, reading""").df()
        return mart_result(
            con,
            sto,
            "marts.programme_targets",
            {"targets_config_version": dg.MetadataValue.int(int(cfg.get("version", 0))), "latest": md_table(latest)},
        )


@checked_asset(
    CHECKS,
    deps=[
        *PROGRAMME_DEPS,
        "core_statement_definitions",
        "core_statement_variants",
        "core_profile_flags",
        "core_programme_scope_mbo_instellingen",
        "core_mbo_instroom",
        "core_mbo_de4_groups",
    ],
    description="What the programme documents say about the present (assets/monitoring/config/statements.yaml): per "
    "statement × definition variant (profiles, leerjaren, leerwegen, region, counting unit) × loaded peiljaar "
    "our value beside the published one, the difference and the closest definition named; statements open "
    "data cannot support say what is missing. Never a target. SQL: assets/monitoring/sql/mart_programme_statements.sql.",
    **MARTS,
)
def mart_programme_statements(sto: StoResource) -> dg.MaterializeResult:
    from assets.monitoring import targets

    cfg = sto.config.statements
    with sto.connect() as con:
        db.run_sql(con, "mart_programme_statements", {"few_pupils": targets.few_pupils_below(sto.config.targets)})
        closest = con.execute("""
            SELECT statement_id, peiljaar, published_value AS published, round(our_value, 2) AS ours,
                   round(difference, 2) AS difference, variant_id
            FROM marts.programme_statements WHERE is_closest OR NOT computable
            ORDER BY statement_id, peiljaar""").df()
        return mart_result(
            con,
            sto,
            "marts.programme_statements",
            {
                "statements_config_version": dg.MetadataValue.int(int(cfg.get("version", 0))),
                "closest": md_table(closest),
            },
        )


@checked_asset(
    CHECKS,
    deps=[*PROGRAMME_DEPS, "core_forecast_definitions"],
    description="Forecasts named in the programme documents (Twente: vo pupils −8.5% by 2025, −16.5% by 2030 "
    "against 2021; assets/monitoring/config/statements.yaml): realised change against the expected change (linear from "
    "the base year) for every loaded peiljaar, 'base year not loaded' when the base is missing. Never a target. "
    "SQL: assets/monitoring/sql/mart_programme_forecasts.sql.",
    **MARTS,
)
def mart_programme_forecasts(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_programme_forecasts")
        rows = con.execute("""
            SELECT forecast_id, peiljaar, round(realised_change_pct, 2) AS realised,
                   round(expected_change_pct_at_peiljaar, 2) AS expected, round(difference, 2) AS difference
            FROM marts.programme_forecasts ORDER BY forecast_id, peiljaar""").df()
        return mart_result(con, sto, "marts.programme_forecasts", {"realised_vs_expected": md_table(rows)})


# ---- reconciliation and catalogue -------------------------------------------------------------------------
def comparability(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """$comparable and $not_comparable_reason of the reconciliation SQL: a warehouse of the synthetic sample
    is not compared with the real published figures."""
    return {
        "comparable": KIND_SAMPLE not in warehouse_kinds(con),
        "not_comparable_reason": "the warehouse holds the synthetic sample; published figures are real",
    }


@checked_asset(
    CHECKS,
    deps=["raw_published_figures", "mart_techniek_share", "core_share_indicators"],
    description="Staging rows of marts.reconciliation for source 'techniekpact': our techniek_share figures "
    "against the published ones with tolerance and ok. SQL: assets/monitoring/sql/mart_reconciliation_techniekpact.sql.",
    **MARTS,
)
def mart_reconciliation_techniekpact(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    rc = cfg["reconciliation"]
    with sto.connect() as con:
        db.run_sql(
            con,
            "mart_reconciliation_techniekpact",
            {
                "tol_pct": float(rc["tolerance_pct_points"]),
                "tol_count_rel": float(rc["tolerance_count_relative"]),
                **comparability(con),
            },
        )
        rows = con.execute("""
            SELECT figure_id, indicator, peiljaar, round(ours, 2) AS ours, published, round(delta, 2) AS delta, ok
            FROM marts.reconciliation_techniekpact WHERE ours IS NOT NULL ORDER BY indicator, peiljaar""").df()
        return mart_result(con, sto, "marts.reconciliation_techniekpact", {"compared": md_table(rows)})


@checked_asset(
    CHECKS,
    deps=["mart_profile_supply_campus", "raw_seor_supply_published"],
    description="Staging rows of marts.reconciliation for source 'seor_supply': SEOR 2023 tables 5.1/5.2 as "
    "published (peiljaar 2022, 10 km; data_raw/published/seor2023_table5.csv) against marts.profile_supply_campus "
    "of the same peiljaar and radius; every published figure has a row, with status 'year not loaded' when "
    "2022 is not in the warehouse. SQL: assets/monitoring/sql/mart_reconciliation_seor_supply.sql.",
    **MARTS,
)
def mart_reconciliation_seor_supply(sto: StoResource) -> dg.MaterializeResult:
    rc = sto.config.monitoring["reconciliation"]
    with sto.connect() as con:
        _prepare_macros(con)
        db.run_sql(
            con,
            "mart_reconciliation_seor_supply",
            {
                "tol_pct": float(rc["tolerance_pct_points"]),
                **comparability(con),
            },
        )
        summary = con.execute(
            "SELECT status, count(*) AS n FROM marts.reconciliation_seor_supply GROUP BY 1 ORDER BY 1"
        ).df()
        return mart_result(con, sto, "marts.reconciliation_seor_supply", {"status": md_table(summary)})


RECONCILIATION_DEPS = [c["asset"] for c in default_config().monitoring["reconciliation"]["contributors"]]


@checked_asset(
    CHECKS,
    deps=RECONCILIATION_DEPS,
    description="Our figures against published ones for every source: union (by name) of every staging table "
    "marts.reconciliation_<source> (contract in assets/monitoring/sql/mart_reconciliation.sql; contributors listed in "
    "monitoring.yaml). SQL: assets/monitoring/sql/mart_reconciliation.sql.",
    **MARTS,
)
def mart_reconciliation(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        tables = mon.reconciliation_staging_tables(con)
        context.log.info(f"reconciliation sources: {tables}")
        db.run_sql(con, "mart_reconciliation", {"staging_tables": tables})
        summary = con.execute("""
            SELECT source, count(*) AS figures, count(ours) AS compared, count(*) FILTER (WHERE ok) AS ok
            FROM marts.reconciliation GROUP BY 1 ORDER BY 1""").df()
        return mart_result(
            con,
            sto,
            "marts.reconciliation",
            {"staging_tables": dg.MetadataValue.json(tables), "per_source": md_table(summary)},
        )


CATALOG_DEPS = [
    "mart_offer_coverage",
    "mart_offer_distance",
    "mart_hard_profile_offer_counts",
    "mart_locations_without_hard_profile",
    "mart_profile_offer_location",
    "mart_profile_offer_region",
    "mart_profile_supply_campus",
    "mart_techniek_share",
    "mart_techniekarm",
    "mart_nearby_offer",
    "mart_nearby_small_offer",  # coverage domain: DU2 (sto_nearby_offer)
    "mart_pupil_trend",
    "mart_exam_results",
    "mart_exam_national_series",
    "mart_mbo_technical_intake",
    "mart_mbo_de4",
    "mart_mbo_technical_diplomas",
    "mart_reconciliation",
    "mart_programme_targets",
    "mart_programme_statements",
    "mart_programme_forecasts",
]


@checked_asset(
    CHECKS,
    deps=[*CATALOG_DEPS, "raw_indicator_catalog"],
    description="Every indicator of the specification (STO, Techniekpact, SEOR, programme targets) with "
    "definition, source report, unit, grain, open-data support and the mart holding it (survey-based STO "
    "indicators marked unavailable), from data_raw/published/indicator_catalog.yaml. "
    "SQL: assets/monitoring/sql/mart_indicator_catalog.sql.",
    **MARTS,
)
def mart_indicator_catalog(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_indicator_catalog")
        counts = con.execute(
            "SELECT availability, count(*) AS n FROM marts.indicator_catalog GROUP BY 1 ORDER BY 1"
        ).df()
        return mart_result(con, sto, "marts.indicator_catalog", {"availability": md_table(counts)})
