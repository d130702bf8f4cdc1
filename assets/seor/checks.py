"""SEOR 2023 initiative selection: the asset checks, as data (pipeline/checks.py builds and runs them in their asset's step)."""

import dagster as dg
import pandas as pd

from assets.seor import inventory as seor
from pipeline.checks import WARN, CheckDef, CheckRun, rows_metadata
from pipeline.validation import E

INTERNAL_COLUMNS = ["seq", "source_row", "source_file"]


def _inventory_expectations(config) -> list:
    cfg = config.seor
    loc = cfg["location"]
    return [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectTableColumnsToMatchSet(column_set=[*cfg["canonical"], *INTERNAL_COLUMNS], exact_match=True),
        E.ExpectColumnValuesToBeUnique(column="id"),
        E.ExpectColumnValuesToNotBeNull(column="id"),
        E.ExpectColumnValuesToNotBeNull(column="name"),
        E.ExpectColumnValuesToBeInSet(column="category", value_set=[str(c) for c in cfg["categories"]]),
        E.ExpectColumnValuesToBeInSet(column="provenance", value_set=cfg["canonical"]["provenance"]["values"]),
        E.ExpectColumnValuesToBeBetween(column="lat", min_value=loc["lat_range"][0], max_value=loc["lat_range"][1]),
        E.ExpectColumnValuesToBeBetween(column="lon", min_value=loc["lon_range"][0], max_value=loc["lon_range"][1]),
    ]


def _known_values(r: CheckRun) -> None:
    cfg = r.cfg.seor
    known = seor.normalise_text(pd.Series([*cfg["doelgroepen"]["po_vo"], *(cfg["doelgroepen"]["other"] or [])]))
    cats = seor.category_frame(cfg)
    codes = cats.loc[~cats["is_rollup"], ["dimension", "category"]]
    dg_df = r.frame(
        """SELECT i.initiative_id, i.doelgroep FROM core.seor_initiatives i
           WHERE i.category IN (SELECT unnest(?::VARCHAR[])) AND i.provenance IS DISTINCT FROM ?""",
        [[str(c) for c in cfg["funnel"]["keep_categories"]], cfg["funnel"]["addition_provenance"]],
    )
    dg_df["doelgroep_norm"] = seor.normalise_text(dg_df["doelgroep"])
    vals = r.frame("SELECT * FROM core.seor_initiative_values")
    vals = vals.merge(codes, how="left", left_on=["dimension", "code"], right_on=["dimension", "category"])
    vals["known"] = vals["category"].notna()
    r.validate(
        "known_doelgroepen",
        dg_df,
        [E.ExpectColumnValuesToBeInSet(column="doelgroep_norm", value_set=sorted(set(known)))],
    )
    r.validate(
        "known_characteristics",
        vals.assign(value=vals["dimension"] + "=" + vals["code"]),
        [E.ExpectColumnValuesToBeInSet(column="known", value_set=[True])],
        extra_metadata={
            "unknown_values": dg.MetadataValue.json(
                sorted(set(vals.loc[~vals["known"], "dimension"] + "=" + vals.loc[~vals["known"], "code"]))
            )
        },
    )


def _located(r: CheckRun) -> None:
    df = r.frame(
        """SELECT initiative_id, name, postcode, place, lat IS NOT NULL OR national_online AS placed
           FROM core.seor_initiatives"""
    )
    schools = r.frame("SELECT initiative_id, school_ref FROM core.seor_initiative_schools WHERE lat IS NULL")
    r.validate(
        "located",
        df,
        [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
        extra_metadata={
            "unplaced": rows_metadata(df.loc[~df["placed"], ["initiative_id", "name"]]),
            "unlocated_schools": rows_metadata(schools),
        },
    )


def _dedupe(r: CheckRun) -> None:
    dims = [str(d) for d in r.cfg.seor["funnel"]["dedupe_dimensions"]]
    df = r.frame(
        """
        WITH kept AS (SELECT initiative_id FROM core.seor_step4_dedupe WHERE decision = 'kept'),
        chars AS (
            SELECT initiative_id, string_agg(dimension || '=' || code, ';' ORDER BY dimension, code) AS k
            FROM core.seor_initiative_values WHERE list_contains(?::VARCHAR[], dimension) GROUP BY 1
        )
        SELECT i.name_norm || ' | ' || coalesce(c.k, '') AS dedupe_key, i.initiative_id
        FROM kept JOIN core.seor_initiatives i USING (initiative_id) LEFT JOIN chars c USING (initiative_id)
        """,
        [dims],
    )
    counts = r.frame(
        """SELECT (SELECT count(*) FROM core.seor_step4_dedupe) AS n_decided,
                  (SELECT count(*) FROM core.seor_step3_doelgroep WHERE decision IN ('kept', 'added')) AS n_input"""
    )
    counts["delta"] = counts["n_decided"] - counts["n_input"]
    r.validate("idempotent", df, [E.ExpectColumnValuesToBeUnique(column="dedupe_key")])
    r.validate(
        "one_decision_per_row", counts, [E.ExpectColumnValuesToBeBetween(column="delta", min_value=0, max_value=0)]
    )


def _roc(r: CheckRun) -> None:
    df = r.frame(
        "SELECT initiative_id, roc_location_norm FROM core.seor_candidates WHERE roc_location_norm IS NOT NULL"
    )
    merged = r.frame(
        """SELECT m.initiative_id, m.related_id, c.initiative_id IS NOT NULL AS target_survives
           FROM core.seor_step6_roc m LEFT JOIN core.seor_candidates c ON c.initiative_id = m.related_id
           WHERE m.decision = 'merged'"""
    )
    r.validate("one_per_roc_location", df, [E.ExpectColumnValuesToBeUnique(column="roc_location_norm")])
    r.validate(
        "merged_into_survivor", merged, [E.ExpectColumnValuesToBeInSet(column="target_survives", value_set=[True])]
    )


def _reach(r: CheckRun) -> None:
    sel = r.frame(
        """SELECT s.initiative_id, count(r.campus_code) FILTER (WHERE r.reached) AS n_reached,
                  count(r.reason) FILTER (WHERE r.reached) AS n_reasons
           FROM core.seor_step7_reach s LEFT JOIN marts.initiative_campus_reach r USING (initiative_id)
           WHERE s.decision = 'kept' GROUP BY 1"""
    )
    pairs = r.frame("SELECT * FROM marts.initiative_campus_reach WHERE reached")
    overrides = r.frame(
        """SELECT i.initiative_id, trim(o.c) AS campus_code, trim(o.c) IN (SELECT campus_code FROM core.campuses) AS known
           FROM core.seor_initiatives i,
                unnest(string_split(nullif(i.reach_override_campuses, ''), '|')) AS o(c)"""
    )
    r.validate(
        "reach_reason",
        sel,
        [
            E.ExpectColumnValuesToBeBetween(column="n_reached", min_value=1),
            E.ExpectColumnValuesToBeBetween(column="n_reasons", min_value=1),
        ],
    )
    r.validate(
        "reached_pairs_have_method",
        pairs,
        [E.ExpectColumnValuesToNotBeNull(column="method"), E.ExpectColumnValuesToNotBeNull(column="reason")],
    )
    r.validate("override_campuses_known", overrides, [E.ExpectColumnValuesToBeInSet(column="known", value_set=[True])])


def _funnel(r: CheckRun) -> None:
    cfg = r.cfg.seor
    additions = next(int(s["step_no"]) for s in cfg["funnel"]["steps"] if s["key"] == "additions")
    df = r.frame("SELECT * FROM marts.selection_funnel ORDER BY step_no")
    prev = df["n_remaining"].shift(1)
    df["change"] = (df["n_remaining"] - prev).fillna(0)
    df["signed_change"] = df["change"].where(df["step_no"] != additions, -df["change"])
    df["in_gap"] = (df["n_in"] - prev).fillna(0)
    df["balance_gap"] = df["n_in"] - df["n_kept"] - df["n_dropped"]
    r.validate(
        "monotone",
        df,
        [
            E.ExpectTableRowCountToEqual(value=len(cfg["funnel"]["steps"])),
            E.ExpectColumnValuesToBeBetween(column="signed_change", max_value=0),
            E.ExpectColumnValuesToBeBetween(column="in_gap", min_value=0, max_value=0),
            E.ExpectColumnValuesToBeBetween(column="balance_gap", min_value=0, max_value=0),
        ],
        extra_metadata={"funnel": dg.MetadataValue.md(df[["step_no", "step", "n_remaining"]].to_markdown(index=False))},
    )


def _md_or_none(df: pd.DataFrame) -> str:
    return df[["indicator", "ours", "published", "note"]].to_markdown(index=False) if len(df) else "none"


def _reconciliation(r: CheckRun) -> None:
    df = r.frame(
        """SELECT *, abs(coalesce(delta - (ours - published), 0)) AS delta_error,
                  (ok IS NULL AND ours IS NULL) OR (ok = (abs(ours - published) <= tolerance + 1e-9)) AS ok_consistent,
                  NOT comparable OR coalesce(ok, false) OR known_source_inconsistency AS acceptable
           FROM marts.reconciliation_seor"""
    )
    bad = df[~df["acceptable"].astype(bool)]
    known = df[df["known_source_inconsistency"].astype(bool)]
    r.validate(
        "agrees_with_published",
        df,
        [
            E.ExpectCompoundColumnsToBeUnique(column_list=["source", "indicator", "peiljaar", "scope", "figure_id"]),
            E.ExpectColumnValuesToBeBetween(column="delta_error", min_value=0, max_value=1e-9),
            E.ExpectColumnValuesToBeInSet(column="ok_consistent", value_set=[True]),
            E.ExpectColumnValuesToBeInSet(column="acceptable", value_set=[True]),
        ],
        extra_metadata={
            "disagreements": dg.MetadataValue.md(_md_or_none(bad)),
            "known_source_inconsistencies": dg.MetadataValue.md(_md_or_none(known)),
            "not_compared": dg.MetadataValue.int(int((~df["comparable"].astype(bool)).sum()) if len(df) else 0),
        },
    )


CHECKS = [
    CheckDef(
        asset="raw_seor_inventory",
        name="seor_inventory_canonical_schema",
        description="Canonical schema: exactly the fields of seor.yaml canonical, unique non-empty ids, names, "
        "known categories and provenance, coordinates in the Netherlands.",
        suite="canonical_schema",
        sql="SELECT * FROM raw.seor_inventory",
        expectations=_inventory_expectations,
    ),
    CheckDef(
        asset="core_seor_initiatives",
        name="seor_initiatives_known_values",
        description="Known values: every doelgroep judged at step 3 is a known doelgroep of seor.yaml (po_vo or "
        "other), every characteristic value is a category code of its dimension.",
        run=_known_values,
    ),
    CheckDef(
        asset="core_seor_initiatives",
        name="seor_initiatives_located",
        description="Lists initiatives without coordinates that are not national/online and participating "
        "schools that could not be located (warning: they cannot reach a campus by distance).",
        blocking=False,
        severity=WARN,
        run=_located,
    ),
    CheckDef(
        asset="core_seor_step4_dedupe",
        name="seor_step4_dedupe_idempotent",
        description="Dedupe is idempotent: among the rows kept at step 4 no two share the normalised name and "
        "characteristic set (applying the rule again removes nothing); every input row has one decision.",
        run=_dedupe,
    ),
    CheckDef(
        asset="core_seor_step6_roc",
        name="seor_step6_roc_concentrated",
        description="After the ROC concentration no two candidates share a ROC location and every merged row "
        "points at a surviving candidate.",
        run=_roc,
    ),
    CheckDef(
        asset="core_seor_step7_reach",
        name="seor_step7_reach_reasons",
        description="Every selected initiative has a reach reason for at least one campus (method and reason "
        "filled); every reached pair has a method; override campuses exist in campuses.yaml.",
        run=_reach,
    ),
    CheckDef(
        asset="mart_selection_funnel",
        name="mart_selection_funnel_monotone",
        description="Funnel counts never increase except at the additions step (where they never decrease); "
        "each step decides every row of the previous step (in = previous remaining, in = kept + dropped).",
        run=_funnel,
    ),
    CheckDef(
        asset="mart_reconciliation_seor",
        name="mart_reconciliation_seor_agrees",
        description="Every comparable published SEOR figure is reproduced (ok), or is a known inconsistency of the "
        "report (ok = false, known_source_inconsistency, visible in the note); plus the reconciliation contract "
        "(key unique, delta = ours - published, ok consistent with the tolerance). Rows computed under other "
        "definitions than the report's (radius, campuses, sample mode) are not compared.",
        run=_reconciliation,
    ),
]


# ---- the definition tables (assets/seor/dims.py)
DIM_CHECKS = [
    CheckDef(
        asset="core_seor_steps",
        name="core_seor_steps_valid",
        description="The configured funnel steps, numbered 1–7 once each, each named.",
        sql="SELECT * FROM core.seor_steps",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.seor["funnel"]["steps"])),
            E.ExpectColumnValuesToBeUnique(column="step_no"),
            E.ExpectColumnValuesToBeBetween(column="step_no", min_value=1, max_value=7),
            E.ExpectColumnValuesToNotBeNull(column="step"),
        ],
    ),
    CheckDef(
        asset="core_seor_categories",
        name="core_seor_categories_valid",
        description="One row per configured dimension × category, every configured dimension present, labelled.",
        sql="SELECT * FROM core.seor_categories",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["dimension", "category"]),
            E.ExpectColumnDistinctValuesToEqualSet(column="dimension", value_set=list(cfg.seor["dimensions"])),
            E.ExpectColumnValuesToNotBeNull(column="label"),
        ],
    ),
    CheckDef(
        asset="core_seor_ordinal_ranks",
        name="core_seor_ordinal_ranks_valid",
        description="Ranks of the ordinal dimensions step 6 takes the maximum of: unique code per dimension, "
        "ranks from 1, only dimensions of seor.yaml funnel.roc_max_dimensions.",
        sql="SELECT * FROM core.seor_ordinal_ranks",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["dimension", "code"]),
            E.ExpectColumnValuesToBeBetween(column="rank", min_value=1),
            E.ExpectColumnValuesToBeInSet(column="dimension", value_set=list(cfg.seor["funnel"]["roc_max_dimensions"])),
        ],
    ),
    CheckDef(
        asset="core_seor_gap_rules",
        name="core_seor_gap_rules_valid",
        description="One row per configured gap rule with a threshold.",
        sql="SELECT * FROM core.seor_gap_rules",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.seor["gaps"])),
            E.ExpectColumnValuesToBeUnique(column="rule_id"),
            E.ExpectColumnValuesToNotBeNull(column="below"),
            E.ExpectColumnValuesToBeInSet(column="scope", value_set=["overall", "campus"]),
        ],
    ),
    CheckDef(
        asset="core_seor_radii",
        name="core_seor_radii_valid",
        description="The sensitivity radii and the default radius, unique and positive, the default among them.",
        sql="SELECT * FROM core.seor_radii",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="radius_km"),
            E.ExpectColumnValuesToBeBetween(column="radius_km", min_value=0.001),
            E.ExpectColumnDistinctValuesToContainSet(
                column="radius_km", value_set=[float(cfg.pipeline["reach"]["default_radius_km"])]
            ),
        ],
    ),
    CheckDef(
        asset="raw_seor_published",
        name="raw_seor_published_valid",
        description="Published figures unique per figure id, each with a value and its table.",
        sql="SELECT * FROM raw.seor_published",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="figure_id"),
            E.ExpectColumnValuesToNotBeNull(column="value"),
            E.ExpectColumnValuesToNotBeNull(column="table_id"),
        ],
    ),
]
