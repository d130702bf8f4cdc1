"""STO / Techniekpact monitoring: the checks of the dimension tables (assets/monitoring/dims.py), as data."""

from assets.monitoring import inputs as mon
from pipeline.checks import CheckDef
from pipeline.validation import E


def _unique(asset: str, table: str, keys: list[str], what: str, nonempty: bool = True) -> CheckDef:
    """A table with at least one row (when `nonempty`) whose `keys` are unique and never null."""
    return CheckDef(
        asset=asset,
        name=f"{asset}_valid",
        description=f"{what}: one row per {' × '.join(keys)}, keys never null.",
        sql=f"SELECT * FROM {table}",
        expectations=lambda cfg: [
            *([E.ExpectTableRowCountToBeBetween(min_value=1)] if nonempty else []),
            E.ExpectCompoundColumnsToBeUnique(column_list=keys)
            if len(keys) > 1
            else E.ExpectColumnValuesToBeUnique(column=keys[0]),
            *[E.ExpectColumnValuesToNotBeNull(column=k) for k in keys],
        ],
    )


DIM_CHECKS = [
    CheckDef(
        asset="core_share_indicators",
        name="core_share_indicators_valid",
        description="One row per configured techniek_share indicator with a population and a numerator: "
        "a profile flag, the havo/vwo n_profile, or a vmbo sector (TL).",
        sql="""SELECT *, len(onderwijstypes) AS n_onderwijstypes, len(leerjaren) AS n_leerjaren,
                      (numerator_kind = 'profile_flag') = (profile_flag IS NOT NULL)
                      AND (numerator_kind = 'sector') = (sector IS NOT NULL) AS numerator_consistent
               FROM core.share_indicators""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.monitoring["techniek_share"]["indicators"])),
            E.ExpectColumnValuesToBeUnique(column="indicator"),
            E.ExpectColumnValuesToBeInSet(column="numerator_kind", value_set=["profile_flag", "n_profile", "sector"]),
            E.ExpectColumnValuesToBeBetween(column="n_onderwijstypes", min_value=1),
            E.ExpectColumnValuesToBeBetween(column="n_leerjaren", min_value=1),
            E.ExpectColumnValuesToBeInSet(column="numerator_consistent", value_set=[True]),
        ],
    ),
    _unique("core_supply_measures", "core.supply_measures", ["measure", "profile_flag"], "SEOR flag measures"),
    CheckDef(
        asset="core_campus_radii",
        name="core_campus_radii_valid",
        description="The configured sensitivity radii: unique and positive.",
        sql="SELECT * FROM core.campus_radii",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.pipeline["reach"]["sensitivity_radii_km"])),
            E.ExpectColumnValuesToBeUnique(column="radius_km"),
            E.ExpectColumnValuesToBeBetween(column="radius_km", min_value=0.001),
        ],
    ),
    _unique("core_target_scopes", "core.target_scopes", ["scope_id"], "Programme regions", nonempty=False),
    _unique("core_target_definitions", "core.target_definitions", ["target_id", "reading"], "Targets", nonempty=False),
    _unique("core_statement_definitions", "core.statement_definitions", ["statement_id"], "Statements", False),
    _unique("core_statement_variants", "core.statement_variants", ["statement_id", "variant_no"], "Variants", False),
    _unique("core_forecast_definitions", "core.forecast_definitions", ["forecast_id"], "Forecasts", False),
    CheckDef(
        asset="core_peiljaar_calendar",
        name="core_peiljaar_calendar_valid",
        description="One row per loaded peiljaar; the previous peiljaar is the loaded year before it (none for "
        "the first); one baseline peiljaar, itself loaded.",
        sql="""SELECT c.*,
                      c.prev_peiljaar IS NOT DISTINCT FROM (SELECT max(p.peiljaar) FROM core.peiljaar_calendar p
                                                            WHERE p.peiljaar < c.peiljaar) AS prev_is_previous,
                      (SELECT count(DISTINCT baseline_peiljaar) FROM core.peiljaar_calendar) AS n_baselines,
                      c.baseline_peiljaar IN (SELECT peiljaar FROM core.peiljaar_calendar) AS baseline_loaded,
                      (SELECT count(DISTINCT peiljaar) FROM core.duo_vo_students) AS n_loaded,
                      count(*) OVER () AS n_rows
               FROM core.peiljaar_calendar c""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeUnique(column="peiljaar"),
            E.ExpectColumnValuesToBeInSet(column="prev_is_previous", value_set=[True]),
            E.ExpectColumnValuesToBeBetween(column="n_baselines", min_value=1, max_value=1),
            E.ExpectColumnValuesToBeInSet(column="baseline_loaded", value_set=[True]),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_loaded", column_B="n_rows"),
        ],
    ),
    CheckDef(
        asset="core_scope_membership",
        name="core_scope_membership_valid",
        description="Every vestiging with pupils has exactly one scope per partitioning level it is built for "
        "(so each level sums to the national figure); scope types as configured; campus scopes name a radius.",
        sql=f"""WITH v AS (SELECT DISTINCT vestiging_code FROM core.duo_vo_students),
                    lv AS (SELECT DISTINCT scope_type FROM core.scope_membership
                           WHERE list_contains({list(mon.PARTITIONING_SCOPES)}, scope_type))
               SELECT v.vestiging_code, lv.scope_type, count(m.vestiging_code) AS scopes_per_level,
                      CAST(NULL AS DOUBLE) AS radius_km
               FROM v CROSS JOIN lv
               LEFT JOIN core.scope_membership m ON m.vestiging_code = v.vestiging_code AND m.scope_type = lv.scope_type
               GROUP BY ALL
               UNION ALL
               SELECT vestiging_code, scope_type, 1, radius_km FROM core.scope_membership
               WHERE scope_type = 'campus_radius'""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeInSet(column="scope_type", value_set=list(cfg.monitoring["scopes"])),
            E.ExpectColumnValuesToBeBetween(column="scopes_per_level", min_value=1, max_value=1),
        ],
    ),
    _unique(
        "core_programme_scope_locations",
        "core.programme_scope_locations",
        ["scope_id", "peiljaar", "vestiging_code", "scope_method"],
        "Locations of the programme regions per peiljaar",
        nonempty=False,
    ),
    CheckDef(
        asset="core_programme_scope_info",
        name="core_programme_scope_info_valid",
        description="One row per configured programme region (core.target_scopes), with its method and note.",
        sql="""SELECT i.*, (SELECT count(*) FROM core.target_scopes) AS n_configured,
                      count(*) OVER () AS n_info
               FROM core.programme_scope_info i""",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="scope_id"),
            E.ExpectColumnValuesToNotBeNull(column="scope_method"),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_info", column_B="n_configured"),
        ],
    ),
    CheckDef(
        asset="core_programme_scope_pupils",
        name="core_programme_scope_pupils_valid",
        description="Pupil cells of the programme regions: each at a location of its region in that peiljaar, "
        "with a count.",
        sql="""SELECT p.scope_id, p.peiljaar, p.vestiging_code, p.n,
                      EXISTS (SELECT 1 FROM core.programme_scope_locations l WHERE l.scope_id = p.scope_id
                              AND l.peiljaar = p.peiljaar AND l.vestiging_code = p.vestiging_code) AS in_region
               FROM core.programme_scope_pupils p""",
        expectations=lambda cfg: [
            *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ["scope_id", "peiljaar", "vestiging_code", "n"]],
            E.ExpectColumnValuesToBeBetween(column="n", min_value=0),
            E.ExpectColumnValuesToBeInSet(column="in_region", value_set=[True]),
        ],
    ),
    CheckDef(
        asset="raw_seor_supply_published",
        name="raw_seor_supply_published_valid",
        description="Published SEOR table 5 figures present, each with a value.",
        sql="SELECT * FROM raw.seor_supply_published",
        expectations=lambda cfg: [E.ExpectTableRowCountToBeBetween(min_value=1)],
    ),
    CheckDef(
        asset="raw_indicator_catalog",
        name="raw_indicator_catalog_valid",
        description="Catalogue entries present, unique, availability as configured.",
        sql="SELECT * FROM raw.indicator_catalog",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeInSet(
                column="availability", value_set=list(cfg.monitoring["catalog"]["availability"])
            ),
        ],
    ),
    CheckDef(
        asset="core_scope_national",
        name="core_scope_national_valid",
        description="Every vestiging with pupils once, in scope NL.",
        sql="""SELECT n.*, (SELECT count(DISTINCT vestiging_code) FROM core.duo_vo_students) AS n_with_pupils,
                      count(*) OVER () AS n_rows
               FROM core.scope_national n""",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
            E.ExpectColumnValuesToBeInSet(column="scope_code", value_set=["NL"]),
            *(
                [E.ExpectColumnPairValuesToBeEqual(column_A="n_rows", column_B="n_with_pupils")]
                if "national" in cfg.monitoring["scopes"]
                else []
            ),
        ],
    ),
    CheckDef(
        asset="core_techniek_share_national",
        name="core_techniek_share_national_valid",
        description="One national row per peiljaar × indicator, every configured indicator in every loaded "
        "peiljaar, shares within 0–100 and inside their censoring bounds.",
        sql="""SELECT *, (SELECT count(*) FROM core.peiljaar_calendar) * (SELECT count(*) FROM core.share_indicators)
                         AS n_expected, count(*) OVER () AS n_rows,
                      pct BETWEEN pct_lower - 1e-9 AND pct_upper + 1e-9 AS pct_within_bounds
               FROM core.techniek_share_national""",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "indicator"]),
            E.ExpectColumnValuesToBeInSet(column="scope_type", value_set=["national"]),
            *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100) for c in ["pct", "pct_girls"]],
            E.ExpectColumnValuesToBeInSet(column="pct_within_bounds", value_set=[True]),
            *(
                [E.ExpectColumnPairValuesToBeEqual(column_A="n_rows", column_B="n_expected")]
                if "national" in cfg.monitoring["scopes"]
                else []
            ),
        ],
    ),
]
