"""The mbo marts' checks, as data (pipeline/checks.py builds and runs them in their asset's step): shares within
0-100, technical counts never above the population, the national figure equal to the sum over instellingen
(and over provincies), one row per key, every published figure reconciled."""

from pipeline.checks import CheckDef, pct_between
from pipeline.validation import E

PUBLISHED_STATUSES = ["ok", "differs", "not comparable", "not computable", "year not loaded"]

# The national row of each jaar × prior_vo × niveau × leerweg against the sum of the instelling rows and the
# sum of the provincie rows (an instelling missing from the address file counts under provincie 'ONBEKEND').
_NATIONAL_VS_PARTS = """
    WITH parts AS (
        SELECT jaar, prior_vo, niveau, leerweg,
               sum(n_entrants) FILTER (WHERE scope_type = 'national') AS national_entrants,
               sum(n_technical) FILTER (WHERE scope_type = 'national') AS national_technical,
               sum(n_entrants) FILTER (WHERE scope_type = 'instelling') AS instelling_entrants,
               sum(n_technical) FILTER (WHERE scope_type = 'instelling') AS instelling_technical,
               sum(n_entrants) FILTER (WHERE scope_type = 'provincie') AS provincie_entrants,
               sum(n_technical) FILTER (WHERE scope_type = 'provincie') AS provincie_technical
        FROM marts.mbo_technical_intake GROUP BY ALL
    )
    SELECT jaar, prior_vo, niveau, leerweg,
           coalesce(national_entrants, -1) - coalesce(instelling_entrants, 0) AS diff_instelling_entrants,
           coalesce(national_technical, -1) - coalesce(instelling_technical, 0) AS diff_instelling_technical,
           coalesce(national_entrants, -1) - coalesce(provincie_entrants, 0) AS diff_provincie_entrants,
           coalesce(national_technical, -1) - coalesce(provincie_technical, 0) AS diff_provincie_technical
    FROM parts"""


def _zero(cols: list[str]) -> list:
    return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0) for c in cols]


def _nonnegative(cols: list[str]) -> list:
    return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in cols]


CHECKS = [
    CheckDef(
        asset="raw_published_mbo_figures",
        name="raw_published_mbo_figures_valid",
        description="One row per published figure, each with a value, document and figure kind.",
        sql="SELECT * FROM raw.published_mbo_figures",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="figure_id"),
            E.ExpectColumnValuesToNotBeNull(column="value"),
            E.ExpectColumnValuesToNotBeNull(column="document"),
            E.ExpectColumnValuesToBeInSet(column="figure_kind", value_set=["statement", "target", "forecast"]),
        ],
    ),
    CheckDef(
        asset="core_mbo_de4_groups",
        name="core_mbo_de4_groups_valid",
        description="Every configured DE4 leerweg group present, each prior_vo code once per group.",
        sql="SELECT * FROM core.mbo_de4_groups",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["vmbo_leerweg", "prior_vo"]),
            E.ExpectColumnDistinctValuesToEqualSet(
                column="vmbo_leerweg", value_set=[g["leerweg"] for g in cfg.monitoring["mbo"]["de4"]]
            ),
        ],
    ),
    CheckDef(
        asset="core_mbo_reconciliation_definitions",
        name="core_mbo_reconciliation_definitions_valid",
        description="One row per configured definition, exactly one primary.",
        sql="SELECT *, count(*) FILTER (WHERE is_primary) OVER () AS n_primary FROM core.mbo_reconciliation_definitions",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="variant_id"),
            E.ExpectColumnValuesToBeBetween(column="n_primary", min_value=1, max_value=1),
        ],
    ),
    CheckDef(
        asset="core_programme_scope_mbo_instellingen",
        name="core_programme_scope_mbo_instellingen_valid",
        description="An mbo instelling once per programme region, each region a configured one.",
        sql="""SELECT m.*, m.scope_id IN (SELECT scope_id FROM core.target_scopes) AS configured
               FROM core.programme_scope_mbo_instellingen m""",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["scope_id", "instellingscode"]),
            E.ExpectColumnValuesToBeInSet(column="configured", value_set=[True]),
        ],
    ),
    CheckDef(
        asset="mart_mbo_technical_intake",
        name="mart_mbo_technical_intake_valid",
        description="One row per jaar × scope × prior_vo × niveau × leerweg; shares and their bounds within 0-100; "
        "technical entrants never more than all entrants; bounds around the point value.",
        sql="""SELECT *, n_entrants - n_technical AS n_other, n_entrants_hi - n_entrants AS hi_minus_point,
                      n_entrants - n_entrants_lo AS point_minus_lo
               FROM marts.mbo_technical_intake""",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(
                column_list=["jaar", "scope_type", "scope_code", "prior_vo", "niveau", "leerweg"]
            ),
            E.ExpectColumnValuesToBeInSet(column="scope_type", value_set=["national", "instelling", "provincie"]),
            *pct_between(["pct_technical", "pct_technical_lo", "pct_technical_hi"]),
            *_nonnegative(["n_technical", "n_other", "hi_minus_point", "point_minus_lo"]),
        ],
    ),
    CheckDef(
        asset="mart_mbo_technical_intake",
        name="mart_mbo_technical_intake_national_is_sum",
        description="The national figure equals the sum over the mbo instellingen and the sum over the "
        "provincies, for entrants and technical entrants, in every jaar × prior_vo × niveau × leerweg.",
        sql=_NATIONAL_VS_PARTS,
        suite="national_is_sum",
        expectations=lambda cfg: _zero(
            [
                "diff_instelling_entrants",
                "diff_instelling_technical",
                "diff_provincie_entrants",
                "diff_provincie_technical",
            ]
        ),
    ),
    CheckDef(
        asset="mart_mbo_de4",
        name="mart_mbo_de4_valid",
        description="One row per jaar × vmbo leerweg × niveau; shares within 0-100; technical entrants never "
        "more than all entrants of the leerweg.",
        sql="SELECT *, n_entrants - n_technical AS n_other FROM marts.mbo_de4",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["jaar", "vmbo_leerweg", "niveau"]),
            E.ExpectColumnValuesToBeInSet(
                column="vmbo_leerweg", value_set=[g["leerweg"] for g in cfg.monitoring["mbo"]["de4"]]
            ),
            *pct_between(["pct_technical", "pct_technical_lo", "pct_technical_hi"]),
            *_nonnegative(["n_technical", "n_other"]),
        ],
    ),
    CheckDef(
        asset="mart_mbo_technical_diplomas",
        name="mart_mbo_technical_diplomas_valid",
        description="One row per jaar × geslacht × niveau; shares within 0-100; technical diplomas never more "
        "than all diplomas.",
        sql="SELECT *, n_diplomas - n_technical AS n_other FROM marts.mbo_technical_diplomas",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["jaar", "geslacht", "niveau"]),
            E.ExpectColumnValuesToBeInSet(column="geslacht", value_set=["man", "vrouw", "all"]),
            *pct_between(["pct_technical", "pct_female_of_technical"]),
            *_nonnegative(["n_technical", "n_other"]),
        ],
    ),
    CheckDef(
        asset="mart_mbo_reconciliation_variants",
        name="mart_mbo_reconciliation_variants_valid",
        description="One row per published figure × definition; at most one closest definition per figure.",
        sql="""SELECT *, count(*) FILTER (WHERE is_closest) OVER (PARTITION BY figure_id) AS n_closest
               FROM marts.mbo_reconciliation_variants""",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["figure_id", "variant_no"]),
            E.ExpectColumnValuesToBeBetween(column="n_closest", min_value=0, max_value=1),
        ],
    ),
    CheckDef(
        asset="mart_reconciliation_techniekpact_mbo",
        name="mart_reconciliation_techniekpact_mbo_valid",
        description="Every published mbo figure has exactly one row, with a known status.",
        sql="""SELECT r.*, (SELECT count(*) FROM raw.published_mbo_figures) AS n_published,
                      count(*) OVER () AS n_rows
               FROM marts.reconciliation_techniekpact_mbo r""",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="figure_id"),
            E.ExpectColumnValuesToBeInSet(column="status", value_set=PUBLISHED_STATUSES),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_rows", column_B="n_published"),
        ],
    ),
]
