"""Coverage domain, STO "duurzaam" DU2: nearby small offer, counted (issue 18 item 6).

One step (asset mart_nearby_small_offer, also writing marts.nearby_small_offer_pairs) running two SQL files of
assets/coverage/sql/ with the settings of
assets/coverage/config/nearby.yaml (schema: pipeline/config_schema/coverage_nearby.py):
- mart_nearby_small_offer_pairs → marts.nearby_small_offer_pairs: every pair of locations offering the same
  profile (per leerweg) with few pupils within reach, per grid cell, same-instelling pairs flagged (audit).
- mart_nearby_small_offer → marts.nearby_small_offer: per peiljaar × scope × profile × leerweg × grid cell the
  locations offering, the small ones with a neighbour, their clusters (connected components, recursive CTE),
  the pairs, and the change against the baseline peiljaar.
The offer rule is that of marts.profile_offer_location (monitoring.yaml profile_offer, SEOR table 5.1).
Checks: CHECKS below, as data (run inside each asset's step)."""

from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from assets.common import MARTS
from assets.monitoring.checks import level_deltas
from pipeline import db
from pipeline.checks import CheckDef, CheckRun, checked_asset
from pipeline.config import Config
from pipeline.resources import StoResource
from pipeline.validation import E

PAIR_KEY = ["peiljaar", "leerweg", "profile_code", "max_distance_km", "max_small_pupils", "vestiging_a", "vestiging_b"]
MART_KEY = ["peiljaar", "scope_type", "scope_code", "profile_code", "leerweg", "max_distance_km", "max_small_pupils"]
LOCATION_MEASURES = ["n_locations_offering", "n_locations_small", "n_locations_unplaced", "n_locations_small_nearby"]
COUNT_COLUMNS = [*LOCATION_MEASURES, "n_clusters", "n_pairs", "n_pairs_crossing", "n_pairs_same_instelling"]


def nearby_params(cfg: Config) -> dict[str, Any]:
    """The parameters of assets/coverage/sql/mart_nearby_small_offer_pairs.sql and mart_nearby_small_offer.sql
    (nearby.yaml nearby_small_offer)."""
    nb = cfg.nearby["nearby_small_offer"]
    return {
        "max_distances_km": [float(d) for d in nb["max_distance_km"]],
        "max_small_pupils": [int(n) for n in nb["max_small_pupils"]],
        "leerwegen": list(nb["leerwegen"]),
        "profile_kinds": list(nb["profile_kinds"]),
        "exclude_same_instelling": bool(nb["exclude_same_instelling"]),
        "instelling_code_length": int(nb["instelling_code_length"]),
        "scope_types": list(nb["scope_types"]),
    }


PAIR_PARAMS = [
    "max_distances_km",
    "max_small_pupils",
    "leerwegen",
    "profile_kinds",
    "exclude_same_instelling",
    "instelling_code_length",
]
MART_PARAMS = [
    "max_distances_km",
    "max_small_pupils",
    "leerwegen",
    "profile_kinds",
    "exclude_same_instelling",
    "scope_types",
]


def build_pairs(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """Write marts.nearby_small_offer_pairs (needs marts.profile_offer_location and core.pupil_locations)."""
    p = nearby_params(cfg)
    db.run_sql(con, "mart_monitoring_macros")  # haversine_km, named by the SQL file's header
    db.run_sql(
        con,
        "mart_nearby_small_offer_pairs",
        {"earth_radius_km": float(cfg.pipeline["geocoding"]["earth_radius_km"]), **{k: p[k] for k in PAIR_PARAMS}},
    )


def build_counts(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """Write marts.nearby_small_offer (needs the pair table, core.scope_membership, core.peiljaar_calendar)."""
    p = nearby_params(cfg)
    db.run_sql(con, "mart_nearby_small_offer", {k: p[k] for k in MART_PARAMS})


def _result(con: duckdb.DuckDBPyConnection, sto: StoResource, table: str) -> dg.MaterializeResult:
    more = {"nearby_config_sha256": dg.MetadataValue.text(sto.config.file_sha256["nearby"])}
    return dg.MaterializeResult(metadata=db.table_metadata(con, table, extra=more))


# ---------------------------------------------------------------------------------------------- checks (data)
def pair_level_deltas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per partitioning scope type × key: the national n_pairs minus (sum over the level's scopes of n_pairs
    minus half their n_pairs_crossing); want 0 (a pair crossing two scopes of a level is counted in both)."""
    keys = ", ".join(k for k in MART_KEY if k not in ("scope_type", "scope_code"))
    return con.execute(
        f"""
        WITH lvl AS (
            SELECT scope_type, {keys}, sum(n_pairs) - sum(n_pairs_crossing) / 2 AS n_pairs
            FROM marts.nearby_small_offer WHERE scope_type <> 'national' GROUP BY ALL),
        nat AS (SELECT {keys}, n_pairs FROM marts.nearby_small_offer WHERE scope_type = 'national')
        SELECT l.scope_type, {keys}, coalesce(n.n_pairs, 0) - l.n_pairs AS d_n_pairs
        FROM lvl l LEFT JOIN nat n USING ({keys})"""
    ).df()


def _counts_consistent(r: CheckRun) -> None:
    r.validate(
        "levels_consistent",
        level_deltas(r.con, "marts.nearby_small_offer", MART_KEY[3:], LOCATION_MEASURES),
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            *[E.ExpectColumnValuesToBeBetween(column=f"d_{m}", min_value=0, max_value=0) for m in LOCATION_MEASURES],
        ],
    )
    r.validate(
        "pairs_consistent",
        pair_level_deltas(r.con),
        [E.ExpectColumnValuesToBeBetween(column="d_n_pairs", min_value=0, max_value=0)],
    )


CHECKS = [
    CheckDef(
        asset="mart_nearby_small_offer_pairs",
        name="mart_nearby_small_offer_pairs_valid",
        description="Unique ordered pairs (a < b) per peiljaar × leerweg × profile × grid cell; distance within the "
        "cell's maximum; both counts between 1 and the cell's max_small_pupils; counted = not (same instelling and "
        "excluded).",
        run=lambda r: r.validate(
            "valid",
            r.con.execute(
                """SELECT *, vestiging_a < vestiging_b AS ordered, distance_km <= max_distance_km AS within,
                          greatest(n_a, n_b) <= max_small_pupils AND least(n_a, n_b) >= 1 AS small,
                          counted = NOT (same_instelling AND ?::BOOLEAN) AS counted_by_rule
                   FROM marts.nearby_small_offer_pairs""",
                [bool(r.cfg.nearby["nearby_small_offer"]["exclude_same_instelling"])],
            ).df(),
            [
                E.ExpectCompoundColumnsToBeUnique(column_list=PAIR_KEY),
                *[
                    E.ExpectColumnValuesToBeInSet(column=c, value_set=[True])
                    for c in ("ordered", "within", "small", "counted_by_rule")
                ],
                E.ExpectColumnValuesToBeBetween(column="distance_km", min_value=0),
            ],
        ),
    ),
    CheckDef(
        asset="mart_nearby_small_offer_pairs",
        name="nearby_instelling_code_is_brin",
        description="The same-instelling rule reads the instelling from the first instelling_code_length characters "
        "of the vestiging code (nearby.yaml): for every vestiging of the pupil files they equal its BRIN / "
        "instellingscode.",
        run=lambda r: r.validate(
            "valid",
            r.con.execute(
                """SELECT DISTINCT peiljaar, vestiging_code, brin, left(vestiging_code, ?) = brin AS prefix_is_brin
                   FROM core.duo_vo_students""",
                [int(r.cfg.nearby["nearby_small_offer"]["instelling_code_length"])],
            ).df(),
            [E.ExpectColumnValuesToBeInSet(column="prefix_is_brin", value_set=[True])],
        ),
    ),
    CheckDef(
        asset="mart_nearby_small_offer",
        name="mart_nearby_small_offer_valid",
        description="Unique peiljaar × scope × profile × leerweg × grid cell; counts >= 0; small nearby <= small <= "
        "offering; crossing pairs <= pairs, none nationally; nationally every cluster has at least two locations; "
        "national location counts = the sum over each partitioning level (provincie, COROP, ...); national pairs = "
        "the sum over a level minus half its crossing pairs.",
        run=lambda r: (
            r.validate(
                "valid",
                r.con.execute(
                    f"""SELECT {", ".join([*MART_KEY, *COUNT_COLUMNS, "baseline_peiljaar"])},
                              n_locations_small_nearby <= n_locations_small AND n_locations_small <= n_locations_offering
                                 AS nested,
                              n_pairs_crossing <= n_pairs AS crossing_le_pairs,
                              scope_type <> 'national' OR (n_pairs_crossing = 0
                                                           AND 2 * n_clusters <= n_locations_small_nearby) AS national_ok
                       FROM marts.nearby_small_offer"""
                ).df(),
                [
                    E.ExpectTableRowCountToBeBetween(min_value=1),
                    E.ExpectCompoundColumnsToBeUnique(column_list=MART_KEY),
                    *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in COUNT_COLUMNS],
                    *[
                        E.ExpectColumnValuesToBeInSet(column=c, value_set=[True])
                        for c in ("nested", "crossing_le_pairs", "national_ok")
                    ],
                    E.ExpectColumnValuesToNotBeNull(column="baseline_peiljaar"),
                ],
            ),
            _counts_consistent(r),
        ),
    ),
]


# ---------------------------------------------------------------------------------------------- assets
@checked_asset(
    CHECKS,
    also_writes=[("mart_nearby_small_offer_pairs", "marts.nearby_small_offer_pairs")],
    deps=[
        "mart_profile_offer_location",
        "core_pupil_locations",
        "core_duo_vo_students",
        "core_scope_membership",
        "core_peiljaar_calendar",
    ],
    description="STO 'duurzaam' DU2, nearby small offer counted: per peiljaar × scope × profile × leerweg × "
    "max_distance_km × max_small_pupils the locations offering the profile, the small ones with another small "
    "one within reach, their clusters (connected components), the pairs (same instelling excluded by default) and "
    "the change against the baseline peiljaar (marts.nearby_small_offer); and the audit table of every pair of "
    "locations that both offer the same profile (per leerweg and for B/K/G together) with at most N pupils within "
    "D km, per grid cell, same-instelling pairs flagged and, by default, not counted "
    "(marts.nearby_small_offer_pairs). One step. SQL: assets/coverage/sql/mart_nearby_small_offer_pairs.sql, "
    "mart_nearby_small_offer.sql.",
    **MARTS,
)
def mart_nearby_small_offer(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        build_pairs(con, sto.config)
        build_counts(con, sto.config)
        return _result(con, sto, "marts.nearby_small_offer")
