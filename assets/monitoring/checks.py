"""STO / Techniekpact monitoring: the asset checks, as data (pipeline/checks.py builds and runs them in their asset's step)."""

import dagster as dg
import duckdb
import pandas as pd

from assets.monitoring import inputs as mon
from pipeline.checks import WARN, CheckDef, CheckRun, pct_between
from pipeline.constants import VESTIGING_CODE_PATTERN
from pipeline.validation import E

STATUSES = ["baseline", "kept", "new", "dropped", "not_offered", "before_baseline"]


PREV_STATUSES = ["kept", "new", "dropped", "not_offered", "first_year"]


RECONCILIATION_COLUMNS = ["source", "figure_id", "indicator", "peiljaar", "scope", "ours", "published", "delta"]


def level_deltas(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], measures: list[str]) -> pd.DataFrame:
    """Per partitioning scope type × peiljaar × keys: sum over its scopes minus the national row (want 0).
    Columns: scope_type, peiljaar, *keys, d_<measure> per measure."""
    k = ", ".join(["peiljaar", *keys])
    sums = ", ".join(f"sum({m}) AS {m}" for m in measures)
    deltas = ", ".join(f"l.{m} - n.{m} AS d_{m}" for m in measures)
    return con.execute(
        f"""
        WITH lvl AS (SELECT scope_type, {k}, {sums} FROM {table} WHERE list_contains(?, scope_type) GROUP BY ALL),
        nat AS (SELECT * FROM lvl WHERE scope_type = 'national')
        SELECT l.scope_type, {", ".join(f"l.{c}" for c in ["peiljaar", *keys])}, {deltas}
        FROM lvl l LEFT JOIN nat n USING ({k})""",
        [list(mon.PARTITIONING_SCOPES)],
    ).df()


def _levels(r: CheckRun, table: str, keys: list[str], measures: list[str]) -> None:
    exps = [E.ExpectTableRowCountToBeBetween(min_value=1)]
    for m in measures:
        exps += [
            E.ExpectColumnValuesToNotBeNull(column=f"d_{m}"),
            E.ExpectColumnValuesToBeBetween(column=f"d_{m}", min_value=0, max_value=0),
        ]
    r.validate("levels_consistent", level_deltas(r.con, table, keys, measures), exps)


def _mart(sql: str, expectations, levels: tuple[str, list[str], list[str]] | None = None, more=None):
    """A mart check: suite 'valid' over `sql` with `expectations(cfg)`, then any `more(r)` suites, then (with
    `levels` = (table, keys, measures)) the levels_consistent suite."""

    def run(r: CheckRun) -> None:
        r.validate("valid", r.frame(sql), expectations(r.cfg))
        if more is not None:
            more(r)
        if levels is not None:
            _levels(r, *levels)

    return run


def _supply_more(r: CheckRun) -> None:
    mono = r.frame("""
        SELECT peiljaar, campus_code, measure, radius_km,
               n_pupils_base - lag(n_pupils_base) OVER (PARTITION BY peiljaar, campus_code, measure
                                                       ORDER BY radius_km) AS growth
        FROM marts.profile_supply_campus""")
    r.validate("base_grows_with_radius", mono, [E.ExpectColumnValuesToBeBetween(column="growth", min_value=0)])


def _supply_valid(r: CheckRun) -> None:
    grid = r.con.execute("""
        SELECT (SELECT count(DISTINCT peiljaar) FROM core.duo_vo_students) * (SELECT count(*) FROM core.campuses)
             * (SELECT count(DISTINCT radius_km) FROM marts.profile_supply_campus)
             * (SELECT count(DISTINCT measure) FROM marts.profile_supply_campus) AS expected""").fetchone()[0]
    r.validate(
        "valid",
        r.frame("SELECT * FROM marts.profile_supply_campus"),
        [
            E.ExpectTableRowCountToEqual(value=int(grid)),
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "campus_code", "radius_km", "measure"]),
            E.ExpectColumnDistinctValuesToEqualSet(
                column="radius_km", value_set=[float(x) for x in r.cfg.pipeline["reach"]["sensitivity_radii_km"]]
            ),
            E.ExpectColumnDistinctValuesToContainSet(
                column="measure", value_set=list(r.cfg.monitoring["profile_supply"]["flag_measures"])
            ),
            *pct_between(["pct"]),
            E.ExpectColumnValuesToBeBetween(column="n_pupils_base", min_value=0),
        ],
    )
    _supply_more(r)


def _share_national(r: CheckRun) -> None:
    ids = [i["id"] for i in r.cfg.monitoring["techniek_share"]["indicators"]]
    nat = r.frame("SELECT indicator FROM marts.techniek_share WHERE scope_type = 'national'")
    r.validate("national_complete", nat, [E.ExpectColumnDistinctValuesToEqualSet(column="indicator", value_set=ids)])


def _reconciliation_sql(table: str) -> str:
    return f"""
        SELECT *, coalesce(peiljaar, -1) AS peiljaar_k, coalesce(figure_id, '') AS figure_k,
               abs(coalesce(delta - (ours - published), 0)) AS delta_error,
               (ok IS NULL AND ours IS NULL) OR (ok = (abs(ours - published) <= tolerance + 1e-9)) AS ok_consistent
        FROM {table}"""


def _reconciliation_expectations(_cfg) -> list:
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


def _reconciliation_agrees(r: CheckRun) -> None:
    # Rows marked not comparable (synthetic sample against real figures, other radius) are kept in the
    # mart with their note but are no disagreement.
    df = r.frame("SELECT * FROM marts.reconciliation WHERE ours IS NOT NULL AND coalesce(comparable, true)")
    bad = df[~df["ok"].astype(bool)]
    r.validate(
        "agrees_with_published",
        df,
        [E.ExpectColumnValuesToBeInSet(column="ok", value_set=[True])],
        extra_metadata={
            "disagreements": dg.MetadataValue.md(
                bad[[*RECONCILIATION_COLUMNS, "tolerance"]].to_markdown(index=False, floatfmt=".2f")
            )
        },
    )


def _targets_more(r: CheckRun) -> None:
    """Targets only: no statement or forecast of statements.yaml is tracked as a target; every computable
    target × reading has a row for every loaded peiljaar."""
    other = [x["id"] for k in ("statements", "forecasts") for x in r.cfg.statements.get(k) or []]
    r.validate(
        "targets_only",
        r.frame("SELECT DISTINCT target_id FROM marts.programme_targets"),
        [E.ExpectColumnValuesToNotBeInSet(column="target_id", value_set=other)],
    )
    # mbo readings (statistic mbo_*) follow the loaded mbo diploma years, the others the vo peiljaren
    gaps = r.frame("""
        SELECT t.target_id, t.reading, y.peiljaar
        FROM (SELECT DISTINCT target_id, reading, statistic FROM marts.programme_targets WHERE computable) t
        JOIN (SELECT DISTINCT peiljaar, false AS mbo FROM core.duo_vo_students
              UNION ALL SELECT DISTINCT CAST(jaar AS INTEGER) - 1, true FROM core.mbo_gediplomeerden) y
          ON y.mbo = starts_with(t.statistic, 'mbo_')
        ANTI JOIN marts.programme_targets m USING (target_id, reading, peiljaar)""")
    r.validate("every_year", gaps, [E.ExpectTableRowCountToEqual(value=0)])


def _statements_more(r: CheckRun) -> None:
    """One closest definition per statement × peiljaar that has a computed value, and it is the nearest."""
    per = r.frame("""
        SELECT statement_id, peiljaar, count(*) FILTER (WHERE is_closest) AS n_closest,
               min(abs(difference)) AS best, max(abs(difference)) FILTER (WHERE is_closest) AS chosen
        FROM marts.programme_statements WHERE computable
        GROUP BY ALL HAVING count(our_value) > 0""")
    per["chosen_is_best"] = (per["chosen"] - per["best"]).abs() <= 1e-9
    r.validate(
        "one_closest",
        per,
        [
            E.ExpectColumnValuesToBeBetween(column="n_closest", min_value=1, max_value=1),
            E.ExpectColumnValuesToBeInSet(column="chosen_is_best", value_set=[True]),
        ],
    )


def _catalog(r: CheckRun) -> None:
    avail = list(r.cfg.monitoring["catalog"]["availability"])
    df = r.frame("SELECT * FROM marts.indicator_catalog")
    r.validate(
        "valid",
        df,
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeUnique(column="indicator_id"),
            E.ExpectColumnValuesToBeInSet(column="availability", value_set=avail),
            *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ["definition", "source_report", "unit", "grain"]],
        ],
    )
    own = df[df["availability"].isin(["computed", "partial", "needs_mapping"])]
    r.validate("marts_exist", own, [E.ExpectColumnValuesToBeInSet(column="mart_exists", value_set=[True])])


CHECKS = [
    CheckDef(
        asset="raw_published_figures",
        name="raw_published_figures_valid",
        description="Unique figure ids, a value and source URL per row, known scope types and measures.",
        sql="SELECT * FROM raw.published_figures",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeUnique(column="figure_id"),
            *[
                E.ExpectColumnValuesToNotBeNull(column=c)
                for c in ["source", "indicator", "measure", "peiljaar", "scope", "value", "source_url"]
            ],
            E.ExpectColumnValuesToBeInSet(column="scope_type", value_set=list(mon.KNOWN_SCOPES)),
            E.ExpectColumnValuesToBeInSet(column="measure", value_set=list(mon.PUBLISHED_MEASURES)),
        ],
    ),
    CheckDef(
        asset="raw_sto_region_map",
        name="raw_sto_region_map_valid",
        description="At most one STO region per vestiging.",
        sql="SELECT * FROM raw.sto_region_map",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
            E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VESTIGING_CODE_PATTERN),
            E.ExpectColumnValuesToNotBeNull(column="sto_region_code"),
        ],
    ),
    # ---- profile offer and supply
    CheckDef(
        asset="mart_profile_offer_location",
        name="mart_profile_offer_location_valid",
        description="Unique peiljaar × vestiging × profile, known statuses, offered consistent with the "
        "configured threshold, baseline stated on every row.",
        sql="""SELECT *, offered = (n_bovenbouw >= min_pupils_offered) AS offered_consistent
               FROM marts.profile_offer_location""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "vestiging_code", "profile_code"]),
            E.ExpectColumnValuesToBeBetween(column="n_bovenbouw", min_value=0),
            E.ExpectColumnValuesToBeInSet(column="status_vs_baseline", value_set=STATUSES),
            E.ExpectColumnValuesToBeInSet(column="status_vs_previous", value_set=PREV_STATUSES),
            E.ExpectColumnValuesToNotBeNull(column="status_vs_baseline"),
            E.ExpectColumnValuesToNotBeNull(column="baseline_peiljaar"),
            E.ExpectColumnValuesToBeInSet(column="offered_consistent", value_set=[True]),
        ],
    ),
    CheckDef(
        asset="mart_profile_offer_region",
        name="mart_profile_offer_region_valid",
        description="Unique peiljaar × scope × profile; every level sums to the national row.",
        run=_mart(
            "SELECT * FROM marts.profile_offer_region",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code", "profile_code"]),
                E.ExpectColumnValuesToBeBetween(column="n_locations_offering", min_value=0),
            ],
            levels=("marts.profile_offer_region", ["profile_code"], ["n_locations_offering", "n_bovenbouw"]),
        ),
    ),
    CheckDef(
        asset="mart_profile_supply_campus",
        name="mart_profile_supply_campus_valid",
        description="Unique peiljaar × campus × radius × measure, complete grid (every campus, radius, "
        "measure, year), pct within 0–100, base pupils non-decreasing with the radius.",
        run=_supply_valid,
    ),
    # ---- shares
    CheckDef(
        asset="mart_techniek_share",
        name="mart_techniek_share_valid",
        description="Unique peiljaar × scope × indicator, shares within 0–100, technical ≤ total, every "
        "configured indicator present nationally, and levels consistent (each level sums to national).",
        run=_mart(
            """SELECT *, n_total - n_techniek AS n_non_techniek, n_girls - n_girls_techniek AS n_girls_non
               FROM marts.techniek_share""",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code", "indicator"]),
                *pct_between(["pct", "pct_girls", "pct_girls_of_techniek"]),
                E.ExpectColumnValuesToBeBetween(column="n_non_techniek", min_value=0),
                E.ExpectColumnValuesToBeBetween(column="n_girls_non", min_value=0),
                E.ExpectColumnValuesToNotBeNull(column="baseline_peiljaar"),
            ],
            levels=(
                "marts.techniek_share",
                ["indicator"],
                ["n_total", "n_techniek", "n_girls", "n_girls_techniek"],
            ),
            more=_share_national,
        ),
    ),
    CheckDef(
        asset="mart_techniekarm",
        name="mart_techniekarm_valid",
        description="Unique peiljaar × scope, pct within 0–100, flag consistent with the threshold, levels consistent.",
        run=_mart(
            """SELECT *, is_techniekarm = (pct_hard_bovenbouw < threshold_pct) AS flag_consistent
               FROM marts.techniekarm""",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code"]),
                *pct_between(["pct_hard_bovenbouw"]),
                E.ExpectColumnValuesToBeInSet(column="flag_consistent", value_set=[True]),
            ],
            levels=("marts.techniekarm", [], ["n_bovenbouw", "n_hard"]),
        ),
    ),
    CheckDef(
        asset="mart_nearby_offer",
        name="mart_nearby_offer_valid",
        description="Unique pairs (a < b), distance within the configured maximum, both counts small.",
        sql="SELECT *, vestiging_a < vestiging_b AS ordered FROM marts.nearby_offer",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "profile_code", "vestiging_a", "vestiging_b"]),
            E.ExpectColumnValuesToBeInSet(column="ordered", value_set=[True]),
            E.ExpectColumnValuesToBeBetween(
                column="distance_km",
                min_value=0,
                max_value=float(cfg.monitoring["nearby_offer"]["max_distance_km"]),
            ),
            *[
                E.ExpectColumnValuesToBeBetween(
                    column=c, min_value=1, max_value=int(cfg.monitoring["nearby_offer"]["max_small_pupils"])
                )
                for c in ("n_a", "n_b")
            ],
        ],
    ),
    CheckDef(
        asset="mart_pupil_trend",
        name="mart_pupil_trend_valid",
        description="Unique peiljaar × scope, non-negative totals, levels consistent.",
        run=_mart(
            "SELECT * FROM marts.pupil_trend",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "scope_type", "scope_code"]),
                E.ExpectColumnValuesToBeBetween(column="n_pupils", min_value=0),
            ],
            levels=("marts.pupil_trend", [], ["n_pupils"]),
        ),
    ),
    # ---- programme targets, statements, forecasts
    CheckDef(
        asset="mart_programme_targets",
        name="mart_programme_targets_valid",
        description="Targets only (no statement or forecast of statements.yaml), unique target × reading × "
        "peiljaar, every loaded year present, target_met judged only from the baseline year on (NULL with a "
        "reason otherwise), distance = target − current, every proxy labelled with its note.",
        run=_mart(
            """SELECT *, coalesce(peiljaar, -1) AS peiljaar_k,
                      judged AND peiljaar < baseline_peiljaar AS judged_before_baseline,
                      (judged AND target_met IS NOT NULL) OR (NOT judged AND target_met IS NULL) AS met_consistent,
                      judged OR not_judged_reason IS NOT NULL AS reason_given,
                      NOT is_proxy OR proxy_note IS NOT NULL AS proxy_noted,
                      abs(coalesce(distance_to_target - (target_value - current_value), 0)) AS distance_error
               FROM marts.programme_targets""",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["target_id", "reading", "peiljaar_k"]),
                E.ExpectColumnValuesToNotBeNull(column="judged"),
                E.ExpectColumnValuesToBeInSet(column="judged_before_baseline", value_set=[False]),
                E.ExpectColumnValuesToBeInSet(column="met_consistent", value_set=[True]),
                E.ExpectColumnValuesToBeInSet(column="reason_given", value_set=[True]),
                E.ExpectColumnValuesToBeInSet(column="proxy_noted", value_set=[True]),
                E.ExpectColumnValuesToBeBetween(column="distance_error", min_value=0, max_value=1e-9),
            ],
            more=_targets_more,
        ),
    ),
    CheckDef(
        asset="mart_programme_statements",
        name="mart_programme_statements_valid",
        description="Statements only (kind 'statement', never met), unique statement × peiljaar × variant, "
        "difference = ours − published, an explanation on every row, exactly one closest definition per "
        "statement × peiljaar and it is the nearest; non-computable statements say what is missing.",
        run=_mart(
            """SELECT *, coalesce(peiljaar, -1) AS peiljaar_k, coalesce(variant_id, '') AS variant_k,
                      abs(coalesce(difference - (our_value - published_value), 0)) AS difference_error,
                      computable OR (peiljaar IS NULL AND our_value IS NULL) AS not_computable_empty
               FROM marts.programme_statements""",
            lambda cfg: [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(column_list=["statement_id", "peiljaar_k", "variant_k"]),
                E.ExpectColumnValuesToBeInSet(column="kind", value_set=["statement"]),
                *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ("quote", "document", "explanation", "source")],
                E.ExpectColumnValuesToBeBetween(column="difference_error", min_value=0, max_value=1e-9),
                E.ExpectColumnValuesToBeInSet(column="not_computable_empty", value_set=[True]),
            ],
            more=_statements_more,
        ),
    ),
    CheckDef(
        asset="mart_programme_forecasts",
        name="mart_programme_forecasts_valid",
        description="Unique forecast × peiljaar, every computable forecast present for every loaded year, "
        "difference = realised − expected, a realised change only when the base year is loaded, an explanation "
        "on every row.",
        sql="""SELECT *, coalesce(peiljaar, -1) AS peiljaar_k,
                      abs(coalesce(difference - (realised_change_pct - expected_change_pct_at_peiljaar), 0))
                          AS difference_error,
                      realised_change_pct IS NULL OR n_pupils_base IS NOT NULL AS base_consistent,
                      NOT computable OR (SELECT count(DISTINCT peiljaar) FROM core.duo_vo_students) = count(*)
                          OVER (PARTITION BY forecast_id) AS every_year
               FROM marts.programme_forecasts""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=["forecast_id", "peiljaar_k"]),
            E.ExpectColumnValuesToNotBeNull(column="explanation"),
            E.ExpectColumnValuesToBeBetween(column="difference_error", min_value=0, max_value=1e-9),
            E.ExpectColumnValuesToBeInSet(column="base_consistent", value_set=[True]),
            E.ExpectColumnValuesToBeInSet(column="every_year", value_set=[True]),
        ],
    ),
    # ---- reconciliation and catalogue
    CheckDef(
        asset="mart_reconciliation_techniekpact",
        name="mart_reconciliation_techniekpact_valid",
        description="Contract of assets/monitoring/sql/mart_reconciliation.sql: required columns filled, key unique, "
        "delta = ours − published, ok consistent with the tolerance.",
        sql=_reconciliation_sql("marts.reconciliation_techniekpact"),
        expectations=_reconciliation_expectations,
    ),
    CheckDef(
        asset="mart_reconciliation_seor_supply",
        name="mart_reconciliation_seor_supply_valid",
        description="Contract of assets/monitoring/sql/mart_reconciliation.sql, every published figure of SEOR tables 5.1/5.2 "
        "present (never silently absent), compared only with its own peiljaar: status 'year not loaded' exactly "
        "when that peiljaar is not in the warehouse.",
        run=_mart(
            _reconciliation_sql("marts.reconciliation_seor_supply"),
            lambda cfg: [
                *_reconciliation_expectations(cfg),
                E.ExpectColumnValuesToBeInSet(
                    column="status",
                    value_set=["ok", "differs", "year not loaded", "no matching figure", "not comparable"],
                ),
            ],
            more=lambda r: r.validate(
                "year_not_loaded_exactly",
                r.frame("""
                    SELECT figure_id, (status = 'year not loaded')
                           = (peiljaar NOT IN (SELECT DISTINCT peiljaar FROM core.duo_vo_students)) AS consistent,
                           (SELECT count(*) FROM marts.reconciliation_seor_supply) AS n_rows
                    FROM marts.reconciliation_seor_supply"""),
                [
                    E.ExpectColumnValuesToBeInSet(column="consistent", value_set=[True]),
                    E.ExpectColumnValuesToBeBetween(
                        column="n_rows", min_value=len(r.cfg.campuses.get("campuses") or []) * 10
                    ),
                ],
            ),
        ),
    ),
    CheckDef(
        asset="mart_reconciliation",
        name="mart_reconciliation_valid",
        description="Union of all sources: contract columns filled, key unique, delta and ok consistent.",
        sql=_reconciliation_sql("marts.reconciliation"),
        expectations=_reconciliation_expectations,
    ),
    CheckDef(
        asset="mart_reconciliation",
        name="mart_reconciliation_agrees",
        description="Lists every comparable published figure our data does not reproduce within tolerance "
        "(warning; rows marked comparable = false, e.g. the synthetic sample against real figures, are not listed).",
        blocking=False,
        severity=WARN,
        run=_reconciliation_agrees,
    ),
    CheckDef(
        asset="mart_indicator_catalog",
        name="mart_indicator_catalog_valid",
        description="Unique indicator ids, known availability, and the mart of every computed / partial / "
        "needs-mapping indicator present in the warehouse.",
        run=_catalog,
    ),
]
