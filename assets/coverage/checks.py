"""Coverage ("dekkend"): the asset checks, as data (pipeline/checks.py builds and runs them in their asset's
step). Each rule is computed in SQL as a count of the rows breaking it (want 0), validated with
great-expectations on that one-row frame; the first offending rows are listed in the check's metadata."""

from collections.abc import Callable

from pipeline.checks import WARN, CheckDef, CheckRun, rows_metadata
from pipeline.config import PARTITIONING_SCOPES
from pipeline.validation import E

LISTED = 20


def _zero(r: CheckRun, suite: str, rules: dict[str, str]) -> None:
    """Suite `suite`: every rule (name → SQL selecting the offending rows) finds no row. The counts are
    validated as one row (column = rule name, want 0); the first offending rows of each are listed."""
    counts = r.frame("SELECT " + ", ".join(f"(SELECT count(*) FROM ({sql})) AS {name}" for name, sql in rules.items()))
    for name, sql in rules.items():
        if int(counts.at[0, name]):
            r.metadata[f"{suite}.{name}"] = rows_metadata(r.frame(f"SELECT * FROM ({sql}) LIMIT {LISTED}"))
    r.validate(suite, counts, [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0) for c in rules])


def _unique(table: str, key: str) -> str:
    return f"SELECT {key}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1"


def _zero_check(suite: str, rules: Callable[[CheckRun], dict[str, str]]) -> Callable[[CheckRun], None]:
    return lambda r: _zero(r, suite, rules(r))


# ---- definitions and offer ----------------------------------------------------------------------------------
def _group_rules(r: CheckRun) -> dict[str, str]:
    cv = r.cfg.coverage
    configured = ", ".join(f"('{g}')" for g in [*cv["flag_groups"], *cv["tl_groups"]])
    return {
        "duplicate_group_unit": _unique("core.offer_groups", "offer_group, profile_code"),
        "configured_group_without_unit": f"SELECT g.offer_group FROM (VALUES {configured}) g(offer_group) "
        "ANTI JOIN core.offer_groups o USING (offer_group)",
        "rules_not_default_and_strict": "SELECT * FROM (SELECT string_agg(offer_rule, ',' ORDER BY offer_rule) AS r "
        "FROM core.offer_rules) WHERE r IS DISTINCT FROM 'default,strict'",
    }


def _offer_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("core.offer", "peiljaar, vestiging_code, profile_code"),
        "leerjaren_exceed_bovenbouw": "SELECT * FROM core.offer WHERE n_leerjaar3 + n_leerjaar4 > n_bovenbouw",
        "negative_or_empty": "SELECT * FROM core.offer WHERE n_bovenbouw <= 0 OR n_leerjaar3 < 0 OR n_leerjaar4 < 0",
        "strict_not_within_default": "SELECT * FROM core.offer WHERE offered_strict AND NOT offered_default",
        "phasing_out_wrong": "SELECT * FROM core.offer "
        "WHERE phasing_out IS DISTINCT FROM (n_leerjaar3 = 0 AND n_leerjaar4 > 0)",
    }


def _origin_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("core.coverage_origins", "peiljaar, basis, origin_id"),
        "no_pupils": "SELECT * FROM core.coverage_origins WHERE NOT (n_pupils > 0)",
        "bounds_wrong": "SELECT * FROM core.coverage_origins "
        "WHERE NOT (n_pupils_lo <= n_pupils AND n_pupils <= n_pupils_hi)",
        "placed_wrong": "SELECT * FROM core.coverage_origins WHERE placed IS DISTINCT FROM (lat IS NOT NULL)",
        "region_missing": "SELECT * FROM core.coverage_origins WHERE provincie_code IS NULL OR corop_code IS NULL "
        "OR rmc_code IS NULL OR onderwijsgebied_code IS NULL OR gemeente_code IS NULL",
    }


# A group is "offered somewhere" in a peiljaar under a rule when some placed location offers it.
_OFFERED_SOMEWHERE = """
    SELECT DISTINCT o.peiljaar, g.offer_group, r.offer_rule
    FROM core.offer o
    JOIN core.offer_groups g ON g.profile_code = o.profile_code
    JOIN core.offer_rules r ON (r.offer_rule = 'default' AND o.offered_default)
                            OR (r.offer_rule = 'strict' AND o.offered_strict)
    JOIN core.pupil_locations l ON l.peiljaar = o.peiljaar AND l.vestiging_code = o.vestiging_code
    WHERE l.lat IS NOT NULL"""


def _distance_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("core.origin_offer_distance", "peiljaar, basis, origin_id, offer_group, offer_rule"),
        "negative_distance": "SELECT * FROM core.origin_offer_distance WHERE distance_km < 0",
        "distance_without_nearest": "SELECT * FROM core.origin_offer_distance "
        "WHERE (distance_km IS NULL) <> (nearest_vestiging_code IS NULL)",
        "not_every_origin_group_rule": """
            SELECT * FROM (SELECT (SELECT count(*) FROM core.coverage_origins)
                                  * (SELECT count(DISTINCT offer_group) FROM core.offer_groups)
                                  * (SELECT count(*) FROM core.offer_rules) AS expected,
                                  (SELECT count(*) FROM core.origin_offer_distance) AS found)
            WHERE expected <> found""",
        # every placed origin has a distance to each group that is offered somewhere that year
        "placed_without_distance": f"""
            SELECT d.* FROM core.origin_offer_distance d
            JOIN core.coverage_origins o USING (peiljaar, basis, origin_id)
            JOIN ({_OFFERED_SOMEWHERE}) s USING (peiljaar, offer_group, offer_rule)
            WHERE o.placed AND d.distance_km IS NULL""",
        # an unplaced origin has no distance, except a school offering the group itself (0, its own nearest)
        "unplaced_with_distance": """
            SELECT d.* FROM core.origin_offer_distance d
            JOIN core.coverage_origins o USING (peiljaar, basis, origin_id)
            WHERE NOT o.placed AND d.distance_km IS NOT NULL
              AND NOT (o.basis = 'school' AND d.distance_km = 0 AND d.nearest_vestiging_code = o.origin_id)""",
    }


def _offer_distance_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("marts.offer_distance", "peiljaar, vestiging_code, offer_group, offer_rule"),
        "negative_distance": "SELECT * FROM marts.offer_distance WHERE distance_km < 0",
        # 0 exactly where the location offers the group: offering (placed or not) → 0 and its own nearest ...
        "offers_but_not_zero": "SELECT * FROM marts.offer_distance WHERE offers_group "
        "AND (distance_km IS DISTINCT FROM 0 OR nearest_vestiging_code IS DISTINCT FROM vestiging_code)",
        # ... and not offering → > 0, unless the nearest offer stands at the very same coordinates
        "zero_without_offer": """
            SELECT d.peiljaar, d.vestiging_code, d.offer_group, d.offer_rule, d.nearest_vestiging_code
            FROM marts.offer_distance d
            JOIN core.pupil_locations a ON a.peiljaar = d.peiljaar AND a.vestiging_code = d.vestiging_code
            JOIN core.pupil_locations b ON b.peiljaar = d.peiljaar AND b.vestiging_code = d.nearest_vestiging_code
            WHERE NOT d.offers_group AND d.distance_km = 0 AND (a.lat <> b.lat OR a.lon <> b.lon)""",
        # every B/K/G location has a distance or is listed as unplaced (groups offered nowhere excepted)
        "neither_distance_nor_unplaced": f"""
            SELECT d.* FROM marts.offer_distance d
            JOIN ({_OFFERED_SOMEWHERE}) s USING (peiljaar, offer_group, offer_rule)
            WHERE d.distance_km IS NULL AND d.placed""",
        "not_every_location": """
            SELECT o.peiljaar, o.origin_id FROM core.coverage_origins o
            WHERE o.basis = 'school'
              AND o.origin_id NOT IN (SELECT vestiging_code FROM marts.offer_distance d WHERE d.peiljaar = o.peiljaar)""",
    }


def _without_hard_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("marts.locations_without_hard_profile", "peiljaar, offer_rule, vestiging_code"),
        "hard_offer_at_zero": "SELECT * FROM marts.locations_without_hard_profile WHERE distance_km = 0 "
        "AND nearest_vestiging_code = vestiging_code",
    }


def _coverage_rules(r: CheckRun) -> dict[str, str]:
    levels = ", ".join(repr(x) for x in PARTITIONING_SCOPES)
    keys = "peiljaar, offer_group, radius_km, basis, offer_rule"
    return {
        "duplicate_key": _unique(
            "marts.offer_coverage", "peiljaar, scope_type, scope_code, offer_group, radius_km, basis, offer_rule"
        ),
        "pct_out_of_range": "SELECT * FROM marts.offer_coverage WHERE NOT (pct_within BETWEEN 0 AND 100) "
        "OR NOT (pct_within_lo BETWEEN 0 AND 100) OR NOT (pct_within_hi BETWEEN 0 AND 100) "
        "OR NOT (pct_within_baseline BETWEEN 0 AND 100)",
        "pct_outside_bounds": "SELECT * FROM marts.offer_coverage "
        "WHERE NOT (pct_within_lo <= pct_within + 1e-9 AND pct_within <= pct_within_hi + 1e-9)",
        "within_exceeds_pupils": "SELECT * FROM marts.offer_coverage WHERE n_pupils_within > n_pupils",
        "offering_exceeds_locations": "SELECT * FROM marts.offer_coverage WHERE n_locations_offering > n_locations",
        "not_monotone_in_radius": """
            SELECT * FROM (
                SELECT *, lag(n_pupils_within) OVER (
                    PARTITION BY peiljaar, scope_type, scope_code, offer_group, basis, offer_rule
                    ORDER BY radius_km) AS prev_within
                FROM marts.offer_coverage)
            WHERE n_pupils_within < prev_within""",
        # national n_pupils (and within, locations, offering) = the sum over the scopes of every region level
        "level_differs_from_national": f"""
            WITH lvl AS (
                SELECT scope_type, {keys}, sum(n_pupils) AS n_pupils, sum(n_pupils_within) AS n_within,
                       sum(n_locations) AS n_locations, sum(n_locations_offering) AS n_offering
                FROM marts.offer_coverage WHERE scope_type IN ({levels}) GROUP BY ALL)
            SELECT l.scope_type, l.peiljaar, l.offer_group, l.radius_km, l.basis, l.offer_rule,
                   l.n_pupils, n.n_pupils AS national_n_pupils, l.n_within, n.n_within AS national_n_within
            FROM lvl l
            LEFT JOIN (SELECT * FROM lvl WHERE scope_type = 'national') n USING ({keys})
            WHERE l.scope_type <> 'national' AND (n.n_pupils IS NULL OR l.n_pupils <> n.n_pupils
                  OR l.n_within <> n.n_within OR l.n_locations <> n.n_locations OR l.n_offering <> n.n_offering)""",
        "no_national_row": """
            SELECT DISTINCT peiljaar FROM core.coverage_origins
            WHERE peiljaar NOT IN (SELECT peiljaar FROM marts.offer_coverage WHERE scope_type = 'national')""",
    }


def _counts_rules(r: CheckRun) -> dict[str, str]:
    return {
        "duplicate_key": _unique("marts.hard_profile_offer_counts", "peiljaar, scope_type, scope_code, offer_rule"),
        "with_plus_without": "SELECT * FROM marts.hard_profile_offer_counts "
        "WHERE n_with_hard + n_without_hard <> n_locations_bkg OR n_without_hard < 0",
        "pct_out_of_range": "SELECT * FROM marts.hard_profile_offer_counts "
        "WHERE NOT (pct_without BETWEEN 0 AND 100) OR NOT (pct_without_baseline BETWEEN 0 AND 100)",
        "without_hard_mismatch": """
            SELECT * FROM (
                SELECT (SELECT count(*) FROM marts.locations_without_hard_profile) AS listed,
                       (SELECT coalesce(sum(n_without_hard), 0) FROM marts.hard_profile_offer_counts
                        WHERE scope_type = 'national') AS counted)
            WHERE listed <> counted""",
    }


# ---- basis 'home' (core.coverage_origins_home, the DUO 02 file) ---------------------------------------------
def _home_rules(r: CheckRun) -> dict[str, str]:
    lj = ", ".join(str(int(x)) for x in r.cfg.coverage["home_basis"]["leerjaren"])
    return {
        "duplicate_key": _unique("core.coverage_origins_home", "peiljaar, origin_id"),
        # every pupil of the 02 file in the home leerjaren is in exactly one home origin (unplaced ones too)
        "pupils_differ_from_02_file": f"""
            WITH f AS (SELECT peiljaar, sum(n) AS n, sum(n_lo) AS lo, sum(n_hi) AS hi
                       FROM core.duo_vo_pupils_postcode WHERE leerjaar IN ({lj}) GROUP BY ALL),
                 h AS (SELECT peiljaar, sum(n_pupils_02) AS n, sum(n_pupils_02_lo) AS lo, sum(n_pupils_02_hi) AS hi
                       FROM core.coverage_origins_home GROUP BY ALL)
            SELECT * FROM f FULL JOIN h USING (peiljaar)
            WHERE f.n IS DISTINCT FROM h.n OR f.lo IS DISTINCT FROM h.lo OR f.hi IS DISTINCT FROM h.hi""",
        "estimate_exceeds_pupils_or_bounds": "SELECT * FROM core.coverage_origins_home WHERE NOT (0 <= n_pupils_lo "
        "AND n_pupils_lo <= n_pupils AND n_pupils <= n_pupils_hi AND n_pupils <= n_pupils_02)",
        "placed_wrong": "SELECT * FROM core.coverage_origins_home WHERE placed IS DISTINCT FROM (lat IS NOT NULL) "
        "OR (pc4 IS NULL AND placed)",
        # the home rows of core.coverage_origins are exactly those with an estimated population
        "origins_differ": """
            WITH a AS (SELECT peiljaar, count(*) AS k, sum(n_pupils) AS n FROM core.coverage_origins_home
                       WHERE n_pupils > 0 GROUP BY ALL),
                 b AS (SELECT peiljaar, count(*) AS k, sum(n_pupils) AS n FROM core.coverage_origins
                       WHERE basis = 'home' GROUP BY ALL)
            SELECT * FROM a FULL JOIN b USING (peiljaar) WHERE a.k IS DISTINCT FROM b.k OR a.n IS DISTINCT FROM b.n""",
    }


def _home_unplaced(r: CheckRun) -> dict[str, str]:
    return {
        "unplaced_home_postcodes": "SELECT peiljaar, origin_id, pc4, n_pupils, n_pupils_02, n_vestigingen "
        "FROM core.coverage_origins_home WHERE NOT placed ORDER BY peiljaar, origin_id",
    }


def _home_vs_school(r: CheckRun) -> dict[str, str]:
    return {
        # the estimated home population and the school population are the same pupils: bounds must overlap
        "home_and_school_totals_disagree": """
            WITH h AS (SELECT peiljaar, sum(n_pupils) AS home, sum(n_pupils_lo) AS home_lo,
                              sum(n_pupils_hi) AS home_hi FROM core.coverage_origins_home GROUP BY ALL),
                 s AS (SELECT peiljaar, sum(n_pupils) AS school, sum(n_pupils_lo) AS school_lo,
                              sum(n_pupils_hi) AS school_hi FROM core.coverage_origins WHERE basis = 'school'
                       GROUP BY ALL)
            SELECT * FROM h JOIN s USING (peiljaar) WHERE h.home_lo > s.school_hi OR s.school_lo > h.home_hi""",
    }


CHECKS = [
    CheckDef(
        asset="core_offer_groups",
        name="core_offer_groups_valid",
        description="Every configured flag and TL group has at least one offer unit, each group × unit once, and "
        "two offer rules (default, strict).",
        run=_zero_check("valid", _group_rules),
    ),
    CheckDef(
        asset="core_offer",
        name="core_offer_valid",
        description="Unique peiljaar × location × profile; leerjaar-3 + leerjaar-4 pupils within the bovenbouw; "
        "the strict rule never offers what the default does not; phasing_out = no intake but leerjaar-4 pupils.",
        run=_zero_check("valid", _offer_rules),
    ),
    CheckDef(
        asset="core_coverage_origins",
        name="core_coverage_origins_valid",
        description="Unique peiljaar × basis × origin, pupils > 0 within their bounds, placed exactly when the "
        "origin has coordinates, a region code on every level (ONBEKEND where unknown).",
        run=_zero_check("valid", _origin_rules),
    ),
    CheckDef(
        asset="core_origin_offer_distance",
        name="core_origin_offer_distance_valid",
        description="One row per origin × group × rule; distances >= 0 with a nearest location; every placed "
        "origin has a distance to every group offered somewhere that year; unplaced origins have none.",
        run=_zero_check("valid", _distance_rules),
    ),
    CheckDef(
        asset="mart_offer_distance",
        name="mart_offer_distance_valid",
        description="Distances >= 0 and 0 exactly where the location offers the group (or shares its coordinates "
        "with the nearest offer); every B/K/G location has a distance or is listed as unplaced; the listed "
        "locations without a hard profile equal the national count.",
        run=_zero_check("valid", _offer_distance_rules),
    ),
    CheckDef(
        asset="mart_locations_without_hard_profile",
        name="mart_locations_without_hard_profile_valid",
        description="Unique peiljaar × rule × location; none of them is its own nearest hard offer.",
        run=_zero_check("valid", _without_hard_rules),
    ),
    CheckDef(
        asset="mart_offer_coverage",
        name="mart_offer_coverage_valid",
        description="Shares within 0-100 and within their bounds; pupils within <= pupils; locations offering <= "
        "locations; pupils within never fall as the radius grows; every region level (provincie, COROP, RMC, "
        "onderwijsgebied, gemeente, STO region) sums to the national row per group × radius × basis × rule.",
        run=_zero_check("valid", _coverage_rules),
    ),
    CheckDef(
        asset="mart_hard_profile_offer_counts",
        name="mart_hard_profile_offer_counts_valid",
        description="Unique peiljaar × scope × rule; with + without = all B/K/G locations; shares within 0-100; "
        "the national count without a hard profile equals the locations listed in "
        "marts.locations_without_hard_profile.",
        run=_zero_check("valid", _counts_rules),
    ),
    CheckDef(
        asset="core_coverage_origins_home",
        name="core_coverage_origins_home_valid",
        description="basis 'home': one row per peiljaar × home postcode; every pupil of the DUO 02 file in the home "
        "leerjaren is in one home origin (per peiljaar, point value and bounds); the estimate within its bounds and "
        "never above the pupils living there; placed exactly when the PC4 has a centroid; the home rows of "
        "core.coverage_origins are those with an estimated population.",
        run=_zero_check("valid", _home_rules),
    ),
    CheckDef(
        asset="core_coverage_origins_home",
        name="core_coverage_origins_home_unplaced",
        description="Warning: lists the home postcodes without a GeoNames PC4 centroid (or published postcodes that "
        "are not one): their pupils count in n_pupils but never within a radius.",
        blocking=False,
        severity=WARN,
        run=_zero_check("unplaced", _home_unplaced),
    ),
    CheckDef(
        asset="core_coverage_origins_home",
        name="core_coverage_origins_home_vs_school",
        description="Warning: per peiljaar the estimated home population (B/K/G bovenbouw by home postcode) and the "
        "school population (basis 'school') agree within their bounds.",
        blocking=False,
        severity=WARN,
        run=_zero_check("totals", _home_vs_school),
    ),
]
