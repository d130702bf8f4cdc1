"""The mbo marts: technical intake of new mbo entrants, STO DE4, technical diplomas, and the reconciliation of
the Techniekpact mbo figures.

Built on the mbo domain's core tables (core.mbo_instroom, core.mbo_gediplomeerden, core.mbo_instellingen;
assets/mbo/assets.py): which programme is technical and how DUO's labels map to codes is decided there, in
assets/mbo/config/mbo.yaml. What the marts group by (the vmbo leerwegen of DE4, the definitions compared with
the published Techniekpact figures) is in assets/monitoring/config/monitoring.yaml `mbo:` and written here as
small tables (core.mbo_de4_groups, core.mbo_reconciliation_definitions) that the SQL joins by name.
SQL: assets/mbo/sql/mart_mbo_*.sql and mart_reconciliation_techniekpact_mbo.sql; checks: assets/mbo/marts_checks.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from assets.common import CORE, MARTS, RAW, mart_result, md_table
from assets.mbo.marts_checks import CHECKS
from assets.monitoring import inputs as mon
from assets.monitoring.assets import comparability
from pipeline import db
from pipeline.audit import record_source, source_metadata
from pipeline.checks import checked_asset
from pipeline.csvread import read_text_csv
from pipeline.resources import StoResource

# The mbo domain's core assets the marts read (assets/mbo/assets.py).
CORE_INSTROOM = "core_mbo_instroom"
CORE_DIPLOMAS = "core_mbo_gediplomeerden"
CORE_INSTELLINGEN = "core_mbo_instellingen"

PUBLISHED_MBO_COLUMNS = [
    "figure_id",
    "source",
    "indicator",
    "measure",
    "jaar",
    "studiejaar",
    "scope",
    "niveau",
    "value",
    "unit",
    "published_as",
    "figure_kind",
    "document",
    "page_table",
    "in_spec",
    "source_url",
    "note",
]
PUBLISHED_MBO_MEASURES = ("n_technical", "pct_technical", "pct_female_choosing")
FIGURE_KINDS = ("statement", "target", "forecast")


# ---- definition tables and curated input ------------------------------------------------------------------
def de4_group_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """monitoring.yaml mbo.de4 → one row per (prior_vo code, vmbo leerweg group) with the group's label and
    report order; a prior_vo code may sit in several groups (its leerweg and 'all_vmbo')."""
    rows = [
        {
            "vmbo_leerweg": g["leerweg"],
            "label": g["label"],
            "sort_order": no,
            "prior_vo": p,
            "onderwijstype": g.get("onderwijstype"),
        }
        for no, g in enumerate(cfg["mbo"]["de4"], start=1)
        for p in g["prior_vo"]
    ]
    df = pd.DataFrame(rows, columns=["vmbo_leerweg", "label", "sort_order", "prior_vo", "onderwijstype"])
    df["onderwijstype"] = df["onderwijstype"].astype("string")
    return df


def reconciliation_definition_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """monitoring.yaml mbo.reconciliation → one row per combination of count column × leerwegen × niveaus, in
    config order (variant_no 1, the first of each list, is the primary definition)."""
    rc = cfg["mbo"]["reconciliation"]
    rows = []
    combos = itertools.product(rc["counts"], rc["leerwegen"].items(), rc["niveaus"].items())
    for no, (count, (lw_id, lw), (nv_id, nv)) in enumerate(combos, start=1):
        rows.append(
            {
                "variant_no": no,
                "variant_id": f"{count}|{lw_id}|{nv_id}",
                "variant_label": f"{count}, {lw['label']}, {nv['label']}",
                "count_column": count,
                "leerwegen": [str(v) for v in lw["values"]],
                "niveaus": [int(v) for v in nv["values"]],
                "is_primary": no == 1,
            }
        )
    return pd.DataFrame(rows)


def read_published_mbo(path: Path) -> pd.DataFrame:
    """The Techniekpact mbo figures (data_raw/published/techniekpact_mbo.csv), validated cell by cell with
    located errors (file, column, expected, found, rows); typed columns for the SQL."""
    df, _ = read_text_csv(path, required=PUBLISHED_MBO_COLUMNS)
    checks = [
        ("figure_id", df["figure_id"].str.match(r"^[a-z0-9][a-z0-9-]*$"), "a lower-case id"),
        ("jaar", df["jaar"].str.match(r"^\d{4}$"), "a 4-digit year (first year of the studiejaar)"),
        ("studiejaar", df["studiejaar"].str.match(r"^\d{4}-\d{4}$"), "a studiejaar such as 2022-2023"),
        ("measure", df["measure"].isin(PUBLISHED_MBO_MEASURES), f"one of {list(PUBLISHED_MBO_MEASURES)}"),
        ("niveau", df["niveau"].isin(["all", "1", "2", "3", "4"]), "all or a niveau 1-4"),
        ("value", df["value"].str.match(r"^-?\d+(\.\d+)?$"), "a number with '.' as decimal point"),
        ("unit", df["unit"].isin(["pct", "count"]), "pct or count"),
        ("scope", df["scope"].str.match(r"^[a-z_]+:.+$"), "'<scope_type>:<scope_code>', e.g. national:NL"),
        ("figure_kind", df["figure_kind"].isin(FIGURE_KINDS), f"one of {list(FIGURE_KINDS)}"),
        ("in_spec", df["in_spec"].isin(["true", "false"]), "true or false"),
        ("source_url", df["source_url"].str.match(r"^https?://\S+$"), "a URL"),
    ]
    mon.refuse_bad_cells(path, df, checks)
    year_ok = df["studiejaar"].str[:4] == df["jaar"]
    mon.refuse_bad_cells(path, df, [("studiejaar", year_ok, "a studiejaar starting in the row's jaar")])
    out = df[["source_row", *PUBLISHED_MBO_COLUMNS]].copy()
    out["jaar"] = out["jaar"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["in_spec"] = out["in_spec"] == "true"
    out["source_file"] = Path(path).name
    return out


# ---- assets ---------------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    description="The Techniekpact mbo figures as published (data_raw/published/techniekpact_mbo.csv: technical "
    "mbo entrants 37,991 in 2022/23 and 38,443 in 2023/24, the 28% share, per niveau; document, page, figure "
    "kind per row), validated cell by cell. Table raw.published_mbo_figures.",
    **RAW,
)
def raw_published_mbo_figures(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    path = mon.project_path(sto.config.monitoring["mbo"]["reconciliation"]["published_file"])
    df = read_published_mbo(path)
    fetched = mon.local_file("published_techniekpact_mbo", path)
    with sto.connect() as con:
        db.replace_table(con, "raw.published_mbo_figures", df)
        record_source(con, context.run.run_id, "raw_published_mbo_figures", fetched)
        meta = db.table_metadata(con, "raw.published_mbo_figures", extra=source_metadata(fetched))
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    also_writes=[("core_mbo_reconciliation_definitions", "core.mbo_reconciliation_definitions")],
    description="The mbo marts' groupings from monitoring.yaml mbo as tables: the vmbo leerweg groups of STO "
    "DE4 (core.mbo_de4_groups: prior_vo code → BB, KB, GL, TL, all_vmbo) and the definitions compared with the "
    "Techniekpact mbo figures (core.mbo_reconciliation_definitions). assets/mbo/marts.py.",
    **CORE,
)
def core_mbo_de4_groups(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    with sto.connect() as con:
        db.replace_table(con, "core.mbo_de4_groups", de4_group_frame(cfg))
        db.replace_table(con, "core.mbo_reconciliation_definitions", reconciliation_definition_frame(cfg))
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.mbo_de4_groups"))


@checked_asset(
    CHECKS,
    deps=["core_target_scopes", CORE_INSTELLINGEN],
    description="The mbo instellingen of each programme region (targets.yaml scopes) by the gemeente or COROP of "
    "the instelling's main address; an STO region by its stated municipality approximation. Used by the mbo "
    "readings of marts.programme_targets. SQL: assets/mbo/sql/core_programme_scope_mbo_instellingen.sql.",
    **CORE,
)
def core_programme_scope_mbo_instellingen(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "place_key")  # the macro the SQL names (sql/place_key.sql)
        db.run_sql(con, "core_programme_scope_mbo_instellingen")
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.programme_scope_mbo_instellingen"))


@checked_asset(
    CHECKS,
    deps=[CORE_INSTROOM, CORE_INSTELLINGEN],
    description="New mbo entrants and their technical share per jaar × scope (national, mbo instelling with its "
    "regions, provincie of the instelling) × prior vo education × niveau × leerweg, totals as 'all'; no sex "
    "split (the entrant file has none). SQL: assets/mbo/sql/mart_mbo_technical_intake.sql.",
    **MARTS,
)
def mart_mbo_technical_intake(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_mbo_technical_intake")
        national = con.execute("""
            SELECT studiejaar, prior_vo, n_entrants, n_technical, round(pct_technical, 1) AS pct_technical
            FROM marts.mbo_technical_intake
            WHERE scope_type = 'national' AND niveau = 'all' AND leerweg = 'all'
            ORDER BY studiejaar, prior_vo""").df()
        return mart_result(con, sto, "marts.mbo_technical_intake", {"national": md_table(national)})


@checked_asset(
    CHECKS,
    deps=[CORE_INSTROOM, "core_mbo_de4_groups"],
    description="STO DE4 (a PROXY): of the new mbo entrants from each vmbo leerweg (BB, KB, GL, TL, all vmbo), the "
    "share entering a technical programme, per jaar × niveau. A share of ENTRANTS with that prior education: "
    "pupils who do not enter mbo are not in the DUO file. SQL: assets/mbo/sql/mart_mbo_de4.sql.",
    **MARTS,
)
def mart_mbo_de4(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_mbo_de4")
        rows = con.execute("""
            SELECT studiejaar, vmbo_leerweg, n_entrants, n_technical, round(pct_technical, 1) AS pct_technical
            FROM marts.mbo_de4 WHERE niveau = 'all' ORDER BY studiejaar, vmbo_leerweg""").df()
        return mart_result(con, sto, "marts.mbo_de4", {"de4": md_table(rows)})


@checked_asset(
    CHECKS,
    deps=[CORE_DIPLOMAS],
    description="mbo diplomas and their technical share per jaar × geslacht (and all) × niveau (and all), with "
    "women's share of the technical diplomas. SQL: assets/mbo/sql/mart_mbo_technical_diplomas.sql.",
    **MARTS,
)
def mart_mbo_technical_diplomas(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_mbo_technical_diplomas")
        rows = con.execute("""
            SELECT jaar, geslacht, n_diplomas, n_technical, round(pct_technical, 1) AS pct_technical,
                   round(pct_female_of_technical, 1) AS pct_female_of_technical
            FROM marts.mbo_technical_diplomas WHERE niveau = 'all' ORDER BY jaar, geslacht""").df()
        return mart_result(con, sto, "marts.mbo_technical_diplomas", {"diplomas": md_table(rows)})


def _tolerances(sto: StoResource) -> dict[str, float]:
    rc = sto.config.monitoring["reconciliation"]
    return {"tol_pct": float(rc["tolerance_pct_points"]), "tol_count_rel": float(rc["tolerance_count_relative"])}


@checked_asset(
    CHECKS,
    deps=["raw_published_mbo_figures", CORE_INSTROOM, "core_mbo_reconciliation_definitions"],
    description="Every published Techniekpact mbo figure of a loaded jaar beside our value under each plausible "
    "definition (count column × BOL+BBL or BOL × niveau 1-4 or 2-4), the closest named. "
    "SQL: assets/mbo/sql/mart_mbo_reconciliation_variants.sql.",
    **MARTS,
)
def mart_mbo_reconciliation_variants(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_mbo_reconciliation_variants", _tolerances(sto))
        rows = con.execute("""
            SELECT figure_id, variant_label, round(ours, 1) AS ours, published, is_closest
            FROM marts.mbo_reconciliation_variants WHERE is_primary OR is_closest ORDER BY figure_id, variant_no""").df()
        return mart_result(con, sto, "marts.mbo_reconciliation_variants", {"primary_and_closest": md_table(rows)})


@checked_asset(
    CHECKS,
    deps=["raw_published_mbo_figures", "mart_mbo_reconciliation_variants", CORE_INSTROOM],
    description="Staging rows of marts.reconciliation for source 'techniekpact_mbo': the Techniekpact mbo figures "
    "against our primary definition, with the closest definition; status 'year not loaded' when the studiejaar "
    "is not in the warehouse. SQL: assets/mbo/sql/mart_reconciliation_techniekpact_mbo.sql.",
    **MARTS,
)
def mart_reconciliation_techniekpact_mbo(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_reconciliation_techniekpact_mbo", {**comparability(con), **_tolerances(sto)})
        rows = con.execute("""
            SELECT figure_id, peiljaar, status, round(ours, 1) AS ours, published, closest_definition
            FROM marts.reconciliation_techniekpact_mbo ORDER BY figure_id""").df()
        return mart_result(con, sto, "marts.reconciliation_techniekpact_mbo", {"figures": md_table(rows)})
