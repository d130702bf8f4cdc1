"""Coverage ("dekkend"): the assets.

core_origin_offer_distance (+ core.offer, core.offer_groups, core.offer_rules, core.coverage_origins,
core.coverage_origins_home), mart_offer_coverage (+ marts.offer_distance, marts.locations_without_hard_profile,
marts.hard_profile_offer_counts). SQL: assets/coverage/sql/<table>.sql (each asset's description names its
files). The parameters of every SQL file come from `sql_params` (configuration only), so a test binds exactly
what the asset binds. Their checks are declared as data in assets/coverage/checks.py and run inside each step."""

from typing import Any

import dagster as dg

from assets.common import CORE, MARTS, md_table
from assets.coverage.checks import CHECKS
from assets.coverage.nearby import mart_nearby_small_offer  # noqa: F401  the DU2 asset, loaded with this module
from pipeline import db
from pipeline.checks import checked_asset
from pipeline.config import Config
from pipeline.resources import StoResource

PUPIL_DEPS = ["core_duo_vo_students"]


def sql_params(cfg: Config) -> dict[str, dict[str, Any]]:
    """The parameters of every SQL file of the coverage domain, by file stem, from the configuration:
    monitoring.yaml profile_offer (population and the SEOR rule), coverage.yaml (rules, groups, radii, search
    box), monitoring.yaml scopes and unknown_scope_code, pipeline.yaml (earth radius, censored point value)."""
    cv, po, mon = cfg.coverage, cfg.monitoring["profile_offer"], cfg.monitoring
    onderwijstypes = [str(x) for x in po["onderwijstypes"]]
    leerjaren = [int(x) for x in po["leerjaren"]]
    min_offered = int(po["min_pupils_offered"])
    min_intake = int(cv["offer_rules"]["strict"]["min_intake"])
    tl = cv["tl_groups"]
    tl_sectors = [str(g["sector"]) for g in tl.values()]
    return {
        "core_offer_rules": {
            "min_offered": min_offered,
            "min_intake": min_intake,
            "default_id": str(cv["offer_rules"]["default"]["id"]),
            "strict_id": str(cv["offer_rules"]["strict"]["id"]),
        },
        "core_offer_groups": {
            "flag_group_names": list(cv["flag_groups"]),
            "flag_group_flags": [str(f) for f in cv["flag_groups"].values()],
            "single_kinds": [str(k) for k in cv["single_profile_kinds"]],
            "tl_group_names": list(tl),
            "tl_sectors": tl_sectors,
        },
        "core_offer": {
            "onderwijstypes": onderwijstypes,
            "leerjaren": leerjaren,
            "min_offered": min_offered,
            "min_intake": min_intake,
            "tl_onderwijstypes": sorted({str(o) for g in tl.values() for o in g["onderwijstypes"]}),
            "tl_sectors": tl_sectors,
            "point_value": int(cfg.pipeline["censored"]["point_value"]),
        },
        "core_coverage_origins": {
            "onderwijstypes": onderwijstypes,
            "leerjaren": leerjaren,
            "unknown": str(mon["unknown_scope_code"]),
        },
        "core_coverage_origins_home": {
            "onderwijstypes": onderwijstypes,
            "leerjaren": [int(x) for x in cv["home_basis"]["leerjaren"]],
            "unknown": str(mon["unknown_scope_code"]),
        },
        "core_origin_offer_distance": {
            "earth_radius_km": float(cfg.pipeline["geocoding"]["earth_radius_km"]),
            "box_km": float(cv["search_box_km"]),
        },
        "mart_offer_distance": {},
        "mart_locations_without_hard_profile": {"hard_group": str(cv["hard_group"])},
        "mart_offer_coverage": {
            "radii_km": [float(r) for r in cv["radii_km"]],
            "scopes": [str(s) for s in mon["scopes"] if s != "campus_radius"],
        },
        "mart_hard_profile_offer_counts": {"hard_group": str(cv["hard_group"])},
    }


def _run(sto: StoResource, con: Any, *stems: str) -> None:
    params = sql_params(sto.config)
    for stem in stems:
        db.run_sql(con, stem, params[stem])


def _result(con: Any, sto: StoResource, table: str, extra: dict[str, Any] | None = None) -> dg.MaterializeResult:
    """Table metadata plus the sha256 of coverage.yaml (the file; Config.hash() covers its content too)."""
    more = {"coverage_config_sha256": dg.MetadataValue.text(sto.config.file_sha256["coverage"])}
    return dg.MaterializeResult(metadata=db.table_metadata(con, table, extra={**more, **(extra or {})}))


# ---- offer, origins, distances ------------------------------------------------------------------------------
# Two steps (each a Dagster step with its own overhead; the tables of a step come from SQL files run in
# order, every table its own asset key so lineage and checks name it).
@checked_asset(
    CHECKS,
    also_writes=[
        ("core_offer", "core.offer"),
        ("core_offer_groups", "core.offer_groups"),
        ("core_offer_rules", "core.offer_rules"),
        ("core_coverage_origins", "core.coverage_origins"),
        ("core_coverage_origins_home", "core.coverage_origins_home"),
    ],
    deps=[
        *PUPIL_DEPS,
        "core_vmbo_profile",
        "core_profile_flags",
        "core_pupil_locations",
        "raw_sto_region_map",
        "core_duo_vo_pupils_postcode",
        "raw_geonames_pc4",
    ],
    description="The offer of each vmbo profile (B/K/G bovenbouw) and each configured TL sector per peiljaar × "
    "location: pupils in leerjaar 3, 4 and both, phasing_out, offered under the SEOR rule and the strict intake "
    "rule (core.offer); the offer groups (coverage.yaml flag_groups by profile flag, one group per single "
    "profile, TL sector groups) as offer_group × profile_code (core.offer_groups); the two offer rules "
    "(core.offer_rules). The origins of the coverage distances (core.coverage_origins; basis 'school' = every vmbo "
    "location with B/K/G bovenbouw pupils per peiljaar at its coordinates of that peiljaar, with pupils, bounds "
    "and regions; basis 'home' = every home postcode area (PC4) of the DUO 02 file at its GeoNames centroid with "
    "the estimated B/K/G bovenbouw pupils living there, core.coverage_origins_home) and the distance from each to the nearest location offering each offer group under each "
    "offer rule in the same peiljaar (core.origin_offer_distance): one DuckDB pass, bounding-box prefilter and "
    "exact haversine, full comparison only for origins with nothing close. One step (each Dagster step has its own "
    "overhead; every table keeps its own asset key). SQL: assets/coverage/sql/core_offer_rules.sql, "
    "core_offer_groups.sql, core_offer.sql, core_coverage_origins_home.sql, core_coverage_origins.sql, "
    "core_origin_offer_distance.sql.",
    **CORE,
)
def core_origin_offer_distance(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_monitoring_macros")  # haversine_km, named by the header of the distance file
        _run(
            sto,
            con,
            "core_offer_rules",
            "core_offer_groups",
            "core_offer",
            "core_coverage_origins_home",
            "core_coverage_origins",
            "core_origin_offer_distance",
        )
        return _result(con, sto, "core.origin_offer_distance")


# ---- marts --------------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    also_writes=[
        ("mart_offer_distance", "marts.offer_distance"),
        ("mart_locations_without_hard_profile", "marts.locations_without_hard_profile"),
        ("mart_hard_profile_offer_counts", "marts.hard_profile_offer_counts"),
    ],
    deps=[
        "core_origin_offer_distance",
        "core_coverage_origins",
        "core_offer",
        "core_offer_groups",
        "core_offer_rules",
        "core_pupil_locations",
        "core_school_locations",
        "core_peiljaar_calendar",
    ],
    description="STO 'dekkend': share of pupils with an offer of each group within 5/10/15/20/25 km per "
    "peiljaar × scope × basis × offer rule, with the change against the baseline 2017 (or the earliest loaded "
    "year, stated per row) (marts.offer_coverage); the distance from every B/K/G location to the nearest offer "
    "of each group (marts.offer_distance); the locations offering no STO-hard profile with the distance to "
    "the nearest one (marts.locations_without_hard_profile) and their counts per scope "
    "(marts.hard_profile_offer_counts). SQL: assets/coverage/sql/mart_offer_distance.sql, "
    "mart_locations_without_hard_profile.sql, mart_offer_coverage.sql, mart_hard_profile_offer_counts.sql.",
    **MARTS,
)
def mart_offer_coverage(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        _run(
            sto,
            con,
            "mart_offer_distance",
            "mart_locations_without_hard_profile",
            "mart_offer_coverage",
            "mart_hard_profile_offer_counts",
        )
        nat = con.execute(
            """
            SELECT peiljaar, radius_km, round(pct_within, 1) AS pct_within, n_locations - n_locations_offering
                   AS locations_without
            FROM marts.offer_coverage
            WHERE scope_type = 'national' AND basis = 'school' AND offer_rule = 'default' AND offer_group = ?
            ORDER BY 1, 2""",
            [str(sto.config.coverage["hard_group"])],
        ).df()
        return _result(con, sto, "marts.offer_coverage", {"national_hard_group": md_table(nat)})
