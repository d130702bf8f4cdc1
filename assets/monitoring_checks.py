"""Blocking great-expectations checks on the monitoring inputs and marts.

Every mart: keys unique, percentages within 0–100, and (for regional marts) levels consistent: for every
partitioning scope type, the sum over its scopes equals the national row. Reconciliation disagreements
with published figures are listed by a non-blocking check (a published figure is evidence, not a rule).
"""

import dagster as dg
import duckdb
import pandas as pd

from pipeline import monitoring as mon
from pipeline.exams import LAYOUTS
from pipeline.resources import StoResource
from pipeline.validation import E, check_result

STATUSES = ["baseline", "kept", "new", "dropped", "not_offered", "before_baseline"]
PREV_STATUSES = ["kept", "new", "dropped", "not_offered", "first_year"]
VEST_REGEX = r"^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$"


def _combine(*results: dg.AssetCheckResult) -> dg.AssetCheckResult:
    """One Dagster result from several expectation runs (all must pass)."""
    meta: dict = {}
    for i, r in enumerate(results):
        meta.update({f"{i}: {k}": v for k, v in r.metadata.items()})
    return dg.AssetCheckResult(passed=all(r.passed for r in results), metadata=meta)


def _pct(cols: list[str]) -> list:
    return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100) for c in cols]


def level_deltas(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], measures: list[str]) -> pd.DataFrame:
    """Per partitioning scope type × peiljaar × keys: sum over its scopes minus the national row (want 0)."""
    parts = ", ".join(f"'{s}'" for s in mon.PARTITIONING_SCOPES)
    k = ", ".join(["peiljaar", *keys])
    sums = ", ".join(f"sum({m}) AS {m}" for m in measures)
    deltas = ", ".join(f"l.{m} - n.{m} AS d_{m}" for m in measures)
    return con.execute(f"""
        WITH lvl AS (SELECT scope_type, {k}, {sums} FROM {table} WHERE scope_type IN ({parts}) GROUP BY ALL),
        nat AS (SELECT * FROM lvl WHERE scope_type = 'national')
        SELECT l.scope_type, {", ".join(f"l.{c}" for c in ["peiljaar", *keys])}, {deltas}
        FROM lvl l LEFT JOIN nat n USING ({k})""").df()


def _levels_check(con, context, asset: str, table: str, keys: list[str], measures: list[str]) -> dg.AssetCheckResult:
    df = level_deltas(con, table, keys, measures)
    exps = [E.ExpectTableRowCountToBeBetween(min_value=1)]
    for m in measures:
        exps += [
            E.ExpectColumnValuesToNotBeNull(column=f"d_{m}"),
            E.ExpectColumnValuesToBeBetween(column=f"d_{m}", min_value=0, max_value=0),
        ]
    return check_result(con, context, asset, "levels_consistent", df, exps)


# ---- raw ------------------------------------------------------------------------------------------------------
@dg.asset_check(
    asset="raw_duo_vo_exams",
    blocking=True,
    description="Unique source row × school year, one file per school year, vestiging codes, counts "
    "per layout, and every INSPECTIECODE/OPLEIDINGSNAAM pair known in monitoring.yaml (unknown "
    "programmes are listed). Validated on distinct values: the table has ~130k rows.",
)
def raw_duo_vo_exams_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    cfg = mon.monitoring_config()
    _, names, _ = mon.exam_programme_frames(cfg)
    known = sorted(set(names["inspectiecode"] + " | " + names["opleidingsnaam"]))
    with sto.connect() as con:
        keys = con.execute("""
            SELECT count(*) AS n_rows,
                   count(*) - count(DISTINCT (source_file, source_row, schooljaar)) AS duplicate_keys
            FROM raw.duo_vo_exams""").df()
        years = con.execute("""SELECT schooljaar, count(DISTINCT source_file) AS files, min(layout) AS layout
                               FROM raw.duo_vo_exams GROUP BY 1""").df()
        vest = con.execute("SELECT DISTINCT vestiging_code FROM raw.duo_vo_exams").df()
        counts = con.execute("""SELECT DISTINCT v FROM (SELECT kandidaten_totaal AS v FROM raw.duo_vo_exams
                                UNION ALL SELECT geslaagden_totaal FROM raw.duo_vo_exams)""").df()
        prog = con.execute("""SELECT inspectiecode || ' | ' || opleidingsnaam AS programme, count(*) AS n_rows
                              FROM raw.duo_vo_exams GROUP BY 1""").df()
        results = [
            check_result(
                con,
                context,
                "raw_duo_vo_exams",
                "keys_unique",
                keys,
                [
                    E.ExpectColumnValuesToBeBetween(column="n_rows", min_value=1),
                    E.ExpectColumnValuesToBeBetween(column="duplicate_keys", min_value=0, max_value=0),
                ],
            ),
            check_result(
                con,
                context,
                "raw_duo_vo_exams",
                "one_file_per_school_year",
                years,
                [
                    E.ExpectColumnValuesToMatchRegex(column="schooljaar", regex=r"^\d{4}-\d{4}$"),
                    E.ExpectColumnValuesToBeBetween(column="files", min_value=1, max_value=1),
                    E.ExpectColumnValuesToBeInSet(column="layout", value_set=list(LAYOUTS)),
                ],
            ),
            check_result(
                con,
                context,
                "raw_duo_vo_exams",
                "vestiging_codes",
                vest,
                [E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VEST_REGEX)],
            ),
            check_result(
                con,
                context,
                "raw_duo_vo_exams",
                "total_counts",
                counts,
                [E.ExpectColumnValuesToMatchRegex(column="v", regex=r"^(?:\d+|<5)$")],
            ),
            check_result(
                con,
                context,
                "raw_duo_vo_exams",
                "known_programmes",
                prog,
                [E.ExpectColumnValuesToBeInSet(column="programme", value_set=known)],
            ),
        ]
    return _combine(*results)


@dg.asset_check(
    asset="raw_published_figures",
    blocking=True,
    description="Unique figure ids, a value and source URL per row, known scope types and measures.",
)
def raw_published_figures_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM raw.published_figures").df()
        return check_result(
            con,
            context,
            "raw_published_figures",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectColumnValuesToBeUnique(column="figure_id"),
                *[
                    E.ExpectColumnValuesToNotBeNull(column=c)
                    for c in ["source", "indicator", "measure", "peiljaar", "scope", "value", "source_url"]
                ],
                E.ExpectColumnValuesToBeInSet(column="scope_type", value_set=list(mon.KNOWN_SCOPES)),
                E.ExpectColumnValuesToBeInSet(column="measure", value_set=list(mon.PUBLISHED_MEASURES)),
            ],
        )


@dg.asset_check(asset="raw_sto_region_map", blocking=True, description="At most one STO region per vestiging.")
def raw_sto_region_map_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM raw.sto_region_map").df()
        return check_result(
            con,
            context,
            "raw_sto_region_map",
            "valid",
            df,
            [
                E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
                E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VEST_REGEX),
                E.ExpectColumnValuesToNotBeNull(column="sto_region_code"),
            ],
        )


# ---- profile offer and supply ------------------------------------------------------------------------------
@dg.asset_check(
    asset="mart_profile_offer_location",
    blocking=True,
    description="Unique peiljaar × vestiging × profile, known statuses, offered consistent with the "
    "configured threshold, baseline stated on every row.",
)
def mart_profile_offer_location_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("""SELECT *, offered = (n_bovenbouw >= min_pupils_offered) AS offered_consistent
                            FROM marts.profile_offer_location""").df()
        return check_result(
            con,
            context,
            "mart_profile_offer_location",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "vestiging_code", "profile_code"]),
                E.ExpectColumnValuesToBeBetween(column="n_bovenbouw", min_value=0),
                E.ExpectColumnValuesToBeInSet(column="status_vs_baseline", value_set=STATUSES),
                E.ExpectColumnValuesToBeInSet(column="status_vs_previous", value_set=PREV_STATUSES),
                E.ExpectColumnValuesToNotBeNull(column="status_vs_baseline"),
                E.ExpectColumnValuesToNotBeNull(column="baseline_peiljaar"),
                E.ExpectColumnValuesToBeInSet(column="offered_consistent", value_set=[True]),
            ],
        )


@dg.asset_check(
    asset="mart_profile_offer_region",
    blocking=True,
    description="Unique peiljaar × scope × profile; every level sums to the national row.",
)
def mart_profile_offer_region_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM marts.profile_offer_region").df()
        r1 = check_result(
            con,
            context,
            "mart_profile_offer_region",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code", "profile_code"]),
                E.ExpectColumnValuesToBeBetween(column="n_locations_offering", min_value=0),
            ],
        )
        r2 = _levels_check(
            con,
            context,
            "mart_profile_offer_region",
            "marts.profile_offer_region",
            ["profile_code"],
            ["n_locations_offering", "n_bovenbouw"],
        )
    return _combine(r1, r2)


@dg.asset_check(
    asset="mart_profile_supply_campus",
    blocking=True,
    description="Unique peiljaar × campus × radius × measure, complete grid (every campus, radius, "
    "measure, year), pct within 0–100, base pupils non-decreasing with the radius.",
)
def mart_profile_supply_campus_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM marts.profile_supply_campus").df()
        grid = con.execute("""
            SELECT (SELECT count(DISTINCT peiljaar) FROM core.duo_vo_students) * (SELECT count(*) FROM core.campuses)
                 * (SELECT count(DISTINCT radius_km) FROM marts.profile_supply_campus)
                 * (SELECT count(DISTINCT measure) FROM marts.profile_supply_campus) AS expected""").fetchone()[0]
        mono = con.execute("""
            SELECT peiljaar, campus_code, measure, radius_km,
                   n_pupils_base - lag(n_pupils_base) OVER (PARTITION BY peiljaar, campus_code, measure
                                                           ORDER BY radius_km) AS growth
            FROM marts.profile_supply_campus""").df()
        r1 = check_result(
            con,
            context,
            "mart_profile_supply_campus",
            "valid",
            df,
            [
                E.ExpectTableRowCountToEqual(value=int(grid)),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "campus_code", "radius_km", "measure"]),
                E.ExpectColumnDistinctValuesToEqualSet(
                    column="radius_km",
                    value_set=[float(r) for r in sto.config.pipeline["reach"]["sensitivity_radii_km"]],
                ),
                E.ExpectColumnDistinctValuesToContainSet(
                    column="measure", value_set=list(mon.monitoring_config()["profile_supply"]["flag_measures"])
                ),
                *_pct(["pct"]),
                E.ExpectColumnValuesToBeBetween(column="n_pupils_base", min_value=0),
            ],
        )
        r2 = check_result(
            con,
            context,
            "mart_profile_supply_campus",
            "base_grows_with_radius",
            mono,
            [E.ExpectColumnValuesToBeBetween(column="growth", min_value=0)],
        )
    return _combine(r1, r2)


# ---- shares ---------------------------------------------------------------------------------------------------
@dg.asset_check(
    asset="mart_techniek_share",
    blocking=True,
    description="Unique peiljaar × scope × indicator, shares within 0–100, technical ≤ total, every "
    "configured indicator present nationally, and levels consistent (each level sums to national).",
)
def mart_techniek_share_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    ids = [i["id"] for i in mon.monitoring_config()["techniek_share"]["indicators"]]
    with sto.connect() as con:
        df = con.execute("""SELECT *, n_total - n_techniek AS n_non_techniek, n_girls - n_girls_techniek AS n_girls_non
                            FROM marts.techniek_share""").df()
        nat = df[df["scope_type"] == "national"]
        r1 = check_result(
            con,
            context,
            "mart_techniek_share",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code", "indicator"]),
                *_pct(["pct", "pct_girls", "pct_girls_of_techniek"]),
                E.ExpectColumnValuesToBeBetween(column="n_non_techniek", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="n_girls_non", min_value=0),
                E.ExpectColumnValuesToNotBeNull(column="baseline_peiljaar"),
            ],
        )
        r2 = check_result(
            con,
            context,
            "mart_techniek_share",
            "national_complete",
            nat,
            [E.ExpectColumnDistinctValuesToEqualSet(column="indicator", value_set=ids)],
        )
        r3 = _levels_check(
            con,
            context,
            "mart_techniek_share",
            "marts.techniek_share",
            ["indicator"],
            ["n_total", "n_techniek", "n_girls", "n_girls_techniek"],
        )
    return _combine(r1, r2, r3)


@dg.asset_check(
    asset="mart_techniekarm",
    blocking=True,
    description="Unique peiljaar × scope, pct within 0–100, flag consistent with the threshold, levels consistent.",
)
def mart_techniekarm_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("""SELECT *, is_techniekarm = (pct_hard_bovenbouw < threshold_pct) AS flag_consistent
                            FROM marts.techniekarm""").df()
        r1 = check_result(
            con,
            context,
            "mart_techniekarm",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code"]),
                *_pct(["pct_hard_bovenbouw"]),
                E.ExpectColumnValuesToBeInSet(column="flag_consistent", value_set=[True]),
            ],
        )
        r2 = _levels_check(con, context, "mart_techniekarm", "marts.techniekarm", [], ["n_bovenbouw", "n_hard"])
    return _combine(r1, r2)


@dg.asset_check(
    asset="mart_nearby_offer",
    blocking=True,
    description="Unique pairs (a < b), distance within the configured maximum, both counts small.",
)
def mart_nearby_offer_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    nb = mon.monitoring_config()["nearby_offer"]
    with sto.connect() as con:
        df = con.execute("SELECT *, vestiging_a < vestiging_b AS ordered FROM marts.nearby_offer").df()
        return check_result(
            con,
            context,
            "mart_nearby_offer",
            "valid",
            df,
            [
                E.ExpectCompoundColumnsToBeUnique(
                    column_list=["peiljaar", "profile_code", "vestiging_a", "vestiging_b"]
                ),
                E.ExpectColumnValuesToBeInSet(column="ordered", value_set=[True]),
                E.ExpectColumnValuesToBeBetween(
                    column="distance_km", min_value=0, max_value=float(nb["max_distance_km"])
                ),
                E.ExpectColumnValuesToBeBetween(column="n_a", min_value=1, max_value=int(nb["max_small_pupils"])),
                E.ExpectColumnValuesToBeBetween(column="n_b", min_value=1, max_value=int(nb["max_small_pupils"])),
            ],
        )


@dg.asset_check(
    asset="mart_pupil_trend",
    blocking=True,
    description="Unique peiljaar × scope, non-negative totals, levels consistent.",
)
def mart_pupil_trend_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM marts.pupil_trend").df()
        r1 = check_result(
            con,
            context,
            "mart_pupil_trend",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code"]),
                E.ExpectColumnValuesToBeBetween(column="n_pupils", min_value=0),
            ],
        )
        r2 = _levels_check(con, context, "mart_pupil_trend", "marts.pupil_trend", [], ["n_pupils"])
    return _combine(r1, r2)


# ---- exams ----------------------------------------------------------------------------------------------------
@dg.asset_check(
    asset="mart_exam_results",
    blocking=True,
    description="Unique school year × vestiging × programme, every row classified, passes ≤ "
    "candidates where both are exact, pass rate within 0–100.",
)
def mart_exam_results_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        keys = con.execute("""
            SELECT count(*) AS n_rows,
                   count(*) - count(DISTINCT (schooljaar, vestiging_code, inspectiecode)) AS duplicate_keys
            FROM marts.exam_results""").df()
        # Distinct value combinations keep the validated frame small (the mart has ~100k rows).
        df = con.execute("""SELECT DISTINCT inspectiecode, level, n_candidates,
                                   CASE WHEN NOT (candidates_censored OR passed_censored)
                                        THEN n_candidates - n_passed END AS n_failed,
                                   round(pass_pct, 6) AS pass_pct
                            FROM marts.exam_results""").df()
        r1 = check_result(
            con,
            context,
            "mart_exam_results",
            "keys_unique",
            keys,
            [
                E.ExpectColumnValuesToBeBetween(column="n_rows", min_value=1),
                E.ExpectColumnValuesToBeBetween(column="duplicate_keys", min_value=0, max_value=0),
            ],
        )
        r2 = check_result(
            con,
            context,
            "mart_exam_results",
            "valid",
            df,
            [
                E.ExpectColumnValuesToNotBeNull(column="level"),
                E.ExpectColumnValuesToBeBetween(column="n_candidates", min_value=1),
                E.ExpectColumnValuesToBeBetween(column="n_failed", min_value=0),
                *_pct(["pass_pct"]),
            ],
        )
    return _combine(r1, r2)


@dg.asset_check(
    asset="mart_exam_national_series",
    blocking=True,
    description="Unique series × school year, every configured series present, shares within 0–100.",
)
def mart_exam_national_series_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    series = [s["id"] for s in mon.monitoring_config()["exams"]["series"]]
    with sto.connect() as con:
        df = con.execute("SELECT * FROM marts.exam_national_series").df()
        return check_result(
            con,
            context,
            "mart_exam_national_series",
            "valid",
            df,
            [
                E.ExpectCompoundColumnsToBeUnique(column_list=["series", "schooljaar"]),
                E.ExpectColumnDistinctValuesToEqualSet(column="series", value_set=series),
                *_pct(["pct_series"]),
            ],
        )


# ---- reconciliation and catalogue ----------------------------------------------------------------------------
def _reconciliation_expectations() -> list:
    return [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectCompoundColumnsToBeUnique(column_list=["source", "indicator", "peiljaar_k", "scope", "figure_k"]),
        *[
            E.ExpectColumnValuesToNotBeNull(column=c)
            for c in ["source", "indicator", "scope", "published", "tolerance"]
        ],
        E.ExpectColumnValuesToBeBetween(column="delta_error", min_value=0, max_value=1e-9),
        E.ExpectColumnValuesToBeInSet(column="ok_consistent", value_set=[True]),
    ]


def _reconciliation_frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.execute(f"""
        SELECT *, coalesce(peiljaar, -1) AS peiljaar_k, coalesce(figure_id, '') AS figure_k,
               abs(coalesce(delta - (ours - published), 0)) AS delta_error,
               (ok IS NULL AND ours IS NULL) OR (ok = (abs(ours - published) <= tolerance + 1e-9)) AS ok_consistent
        FROM {table}""").df()


@dg.asset_check(
    asset="mart_reconciliation_techniekpact",
    blocking=True,
    description="Contract of sql/mart_reconciliation.sql: required columns filled, key unique, "
    "delta = ours − published, ok consistent with the tolerance.",
)
def mart_reconciliation_techniekpact_valid(
    context: dg.AssetCheckExecutionContext, sto: StoResource
) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = _reconciliation_frame(con, "marts.reconciliation_techniekpact")
        return check_result(
            con, context, "mart_reconciliation_techniekpact", "valid", df, _reconciliation_expectations()
        )


@dg.asset_check(
    asset="mart_reconciliation",
    blocking=True,
    description="Union of all sources: contract columns filled, key unique, delta and ok consistent.",
)
def mart_reconciliation_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = _reconciliation_frame(con, "marts.reconciliation")
        return check_result(con, context, "mart_reconciliation", "valid", df, _reconciliation_expectations())


@dg.asset_check(
    asset="mart_reconciliation",
    blocking=False,
    description="Lists every comparable published figure our data does not reproduce within tolerance (warning; "
    "rows marked comparable = false, e.g. the synthetic sample against real figures, are not listed).",
)
def mart_reconciliation_agrees(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        # Rows marked not comparable (synthetic sample against real figures, other radius) are kept in the
        # mart with their note but are no disagreement.
        df = con.execute(
            "SELECT * FROM marts.reconciliation WHERE ours IS NOT NULL AND coalesce(comparable, true)"
        ).df()
        bad = df[~df["ok"].astype(bool)]
        return check_result(
            con,
            context,
            "mart_reconciliation",
            "agrees_with_published",
            df,
            [E.ExpectColumnValuesToBeInSet(column="ok", value_set=[True])],
            severity=dg.AssetCheckSeverity.WARN,
            extra_metadata={
                "disagreements": dg.MetadataValue.md(
                    bad[
                        [
                            "source",
                            "figure_id",
                            "indicator",
                            "peiljaar",
                            "scope",
                            "ours",
                            "published",
                            "delta",
                            "tolerance",
                        ]
                    ].to_markdown(index=False, floatfmt=".2f")
                )
            },
        )


@dg.asset_check(
    asset="mart_indicator_catalog",
    blocking=True,
    description="Unique indicator ids, known availability, and the mart of every computed / partial / "
    "needs-mapping indicator present in the warehouse.",
)
def mart_indicator_catalog_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    avail = list(mon.monitoring_config()["catalog"]["availability"])
    with sto.connect() as con:
        df = con.execute("SELECT * FROM marts.indicator_catalog").df()
        own = df[df["availability"].isin(["computed", "partial", "needs_mapping"])]
        r1 = check_result(
            con,
            context,
            "mart_indicator_catalog",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectColumnValuesToBeUnique(column="indicator_id"),
                E.ExpectColumnValuesToBeInSet(column="availability", value_set=avail),
                *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ["definition", "source_report", "unit", "grain"]],
            ],
        )
        r2 = check_result(
            con,
            context,
            "mart_indicator_catalog",
            "marts_exist",
            own,
            [E.ExpectColumnValuesToBeInSet(column="mart_exists", value_set=[True])],
        )
    return _combine(r1, r2)
