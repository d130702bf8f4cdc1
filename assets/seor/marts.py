"""SEOR campus analysis: the mart assets (tables 2.1-4.6 and the reconciliation with the report).

The funnel log and table 2.1 (mart_selection_log, mart_selection_funnel), initiatives per campus and their
radius sensitivity (mart_campus_initiatives, mart_campus_initiatives_sensitivity), characteristics and gaps
(mart_initiative_characteristics, mart_campus_gaps) and the reconciliation (mart_reconciliation_seor). Each
SQL file reads its definitions as tables (core.seor_steps, core.seor_radii, core.seor_categories,
core.seor_gap_rules: assets/seor/dims.py; raw.seor_published). Loaded with assets/seor/assets.py."""

from typing import Any

import dagster as dg
import duckdb

from assets.common import SEOR
from assets.seor.checks import CHECKS
from assets.seor.support import inventory_mapping as _mapping
from assets.seor.support import seor_meta as _meta
from pipeline import db
from pipeline.checks import checked_asset
from pipeline.config import Config
from pipeline.resources import StoResource


@dg.asset(
    deps=[
        "core_seor_step1_start",
        "core_seor_step2_category",
        "core_seor_step3_doelgroep",
        "core_seor_step4_dedupe",
        "core_seor_step5_additions",
        "core_seor_step6_roc",
        "core_seor_step7_reach",
        "core_seor_steps",
    ],
    description="Every inventory row × every funnel step it reached: kept, dropped, added or merged, and the "
    "rule that decided (related_id: the row it duplicates or was concentrated into). "
    "SQL: assets/seor/sql/mart_selection_log.sql. Table marts.selection_log.",
    **SEOR,
)
def mart_selection_log(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(con, "mart_selection_log")
        by = con.execute("SELECT decision, count(*) FROM marts.selection_log GROUP BY 1 ORDER BY 1").fetchall()
        meta = _meta(
            con, cfg, "marts.selection_log", extra={"decisions": dg.MetadataValue.json({d: int(n) for d, n in by})}
        )
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    deps=["mart_selection_log", "core_seor_steps"],
    description="Table 2.1: rows remaining after each funnel step, with kept/dropped/added per step. "
    "SQL: assets/seor/sql/mart_selection_funnel.sql. Table marts.selection_funnel.",
    **SEOR,
)
def mart_selection_funnel(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(con, "mart_selection_funnel")
        df = con.execute("SELECT step_no, step, n_remaining FROM marts.selection_funnel ORDER BY step_no").df()
        meta = _meta(
            con,
            cfg,
            "marts.selection_funnel",
            extra={
                "funnel": dg.MetadataValue.md(df.to_markdown(index=False)),
                "n_selected": dg.MetadataValue.int(int(df["n_remaining"].iloc[-1]) if len(df) else 0),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["core_seor_step7_reach", "mart_initiative_campus_reach"],
    description="Table 2.2: per campus the number of selected initiatives within the configured radius "
    "(campus_code TOTAL = all selected). SQL: assets/seor/sql/mart_campus_initiatives.sql. Table marts.campus_initiatives.",
    **SEOR,
)
def mart_campus_initiatives(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(con, "mart_campus_initiatives", {"total_code": cfg["total_campus_code"]})
        rows = con.execute("SELECT campus_code, n_initiatives FROM marts.campus_initiatives").fetchall()
        meta = _meta(
            con,
            cfg,
            "marts.campus_initiatives",
            extra={"per_campus": dg.MetadataValue.json({c: int(n) for c, n in rows})},
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["mart_initiative_campus_reach", "core_seor_reach_pairs", "core_seor_radii"],
    description="Sensitivity of table 2.2 to the radius: initiatives per campus for every radius in pipeline.yaml "
    "reach.sensitivity_radii_km (and the default radius). SQL: assets/seor/sql/mart_campus_initiatives_sensitivity.sql. "
    "Table marts.campus_initiatives_sensitivity.",
    **SEOR,
)
def mart_campus_initiatives_sensitivity(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    reach = sto.config.pipeline["reach"]
    default = float(reach["default_radius_km"])
    radii = sorted({float(r) for r in reach["sensitivity_radii_km"]} | {default})
    with sto.connect() as con:
        db.run_sql(
            con,
            "mart_campus_initiatives_sensitivity",
            {
                "total_code": cfg["total_campus_code"],
                "override_all_radii": bool(cfg["reach"]["override_all_radii"]),
                "default_radius_km": default,
            },
        )
        df = con.execute(
            "PIVOT marts.campus_initiatives_sensitivity ON radius_km USING sum(n_initiatives) GROUP BY campus_code"
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.campus_initiatives_sensitivity",
            extra={
                "radii_km": dg.MetadataValue.json(radii),
                "by_radius": dg.MetadataValue.md(df.to_markdown(index=False)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=[
        "core_seor_step7_reach",
        "mart_initiative_campus_reach",
        "core_seor_candidate_values",
        "core_seor_categories",
    ],
    description="Tables 3.1-3.6 (campus_code TOTAL) and 4.1-4.6 (per campus): selected initiatives per "
    "dimension × category (categories, labels and the 'Lokaal' roll-up from seor.yaml). "
    "SQL: assets/seor/sql/mart_initiative_characteristics.sql. Table marts.initiative_characteristics.",
    **SEOR,
)
def mart_initiative_characteristics(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(
            con,
            "mart_initiative_characteristics",
            {"total_code": cfg["total_campus_code"], "total_label": cfg["total_label"]},
        )
        meta = _meta(con, cfg, "marts.initiative_characteristics")
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["mart_initiative_characteristics", "core_seor_gap_rules"],
    description="Per campus and characteristic its share against the all-campus share, and the gaps "
    "('lacunes') derived by the rules and thresholds of seor.yaml gaps. SQL: assets/seor/sql/mart_campus_gaps.sql. "
    "Table marts.campus_gaps.",
    **SEOR,
)
def mart_campus_gaps(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(con, "mart_campus_gaps", {"total_code": cfg["total_campus_code"], "total_label": cfg["total_label"]})
        gaps = con.execute(
            "SELECT campus_code, dimension, category, gap_rule, gap_evidence FROM marts.campus_gaps WHERE is_gap "
            "ORDER BY gap_rule, campus_code, category"
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.campus_gaps",
            extra={
                "n_gaps": dg.MetadataValue.int(len(gaps)),
                "gaps": dg.MetadataValue.md(gaps.to_markdown(index=False)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


def reconciliation_params(config: Config, sample: bool, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Parameters of assets/seor/sql/seor_reconciliation.sql: seor.yaml reconciliation, and comparable = false with the
    reasons when our figures are computed under other definitions than the report's (radius, campuses from
    core.campuses against raw.seor_published, sample mode)."""
    cfg = config.seor
    rc = cfg["reconciliation"]
    radius = float(config.pipeline["reach"]["default_radius_km"])
    ours_campuses = {c for (c,) in con.execute("SELECT campus_code FROM core.campuses").fetchall()}
    pub_campuses = {
        c
        for (c,) in con.execute(
            "SELECT DISTINCT campus_code FROM raw.seor_published WHERE campus_code <> ?", [cfg["total_campus_code"]]
        ).fetchall()
    }
    reasons = []
    if radius != float(rc["published_radius_km"]):
        reasons.append(f"radius {radius:g} km, the report used {float(rc['published_radius_km']):g} km")
    if pub_campuses and ours_campuses != pub_campuses:
        reasons.append(
            f"campuses {sorted(ours_campuses)} differ from the report's {sorted(pub_campuses)} (campuses.yaml)"
        )
    if sample:
        reasons.append("sample mode: campus coordinates come from the synthetic postcode file")
    return {
        "source": rc["source"],
        "peiljaar": int(rc["peiljaar"]),
        "tolerance": float(rc["tolerance"]),
        "comparable": not reasons,
        "not_comparable_reason": "; ".join(reasons) or "",
        "total_code": cfg["total_campus_code"],
        "reach_step_no": max(int(s["step_no"]) for s in cfg["funnel"]["steps"]),
    }


@checked_asset(
    CHECKS,
    deps=["mart_selection_funnel", "mart_campus_initiatives", "mart_initiative_characteristics", "raw_seor_published"],
    description="Every published number of SEOR 2023 tables 2.1-4.6 (data_raw/published/seor2023_tables.csv, "
    "built by scripts/build_seor_published.py) next to ours, per the contract of assets/monitoring/sql/mart_reconciliation.sql; "
    "the report's known inconsistency (table 4.5 total 'Deels' 36 vs table 3.5 37) is a row with ok = false, "
    "known_source_inconsistency = true and a note naming the reproduced figure. SQL: assets/seor/sql/seor_reconciliation.sql. "
    "Table marts.reconciliation_seor.",
    **SEOR,
)
def mart_reconciliation_seor(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    mapping = _mapping(cfg)
    with sto.connect() as con:
        params = reconciliation_params(sto.config, sto.sample, con)
        db.run_sql(con, "seor_reconciliation", params)
        summary = con.execute(
            """SELECT count(*) AS figures, count(*) FILTER (WHERE ok) AS ok,
                      count(*) FILTER (WHERE NOT ok AND known_source_inconsistency) AS known_inconsistency,
                      count(*) FILTER (WHERE NOT ok AND NOT known_source_inconsistency) AS not_ok,
                      count(*) FILTER (WHERE NOT comparable) AS not_comparable
               FROM marts.reconciliation_seor"""
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.reconciliation_seor",
            extra={
                "published_file": dg.MetadataValue.text(str(mapping.published) if mapping.published else "none"),
                "summary": dg.MetadataValue.json({k: int(v) for k, v in summary.iloc[0].items()}),
                "comparable": dg.MetadataValue.text(params["not_comparable_reason"] or "yes"),
            },
        )
    return dg.MaterializeResult(metadata=meta)
