"""SEOR campus analysis: the definitions its SQL reads, as checked and documented tables.

core_seor_steps (one step, one table each): the funnel steps (core.seor_steps), the categories of every
characteristic with labels, order, tables and roll-ups (core.seor_categories), the ordinal ranks funnel
step 6 takes the maximum of (core.seor_ordinal_ranks), the gap rules (core.seor_gap_rules) from seor.yaml,
and the radii of the sensitivity table (core.seor_radii: pipeline.yaml reach). raw_seor_published: the
report's published figures (the mapping's `published` file) as raw.seor_published. Checks:
assets/seor/checks.py (DIM_CHECKS). Loaded with assets/seor/assets.py."""

import dagster as dg
import pandas as pd

from assets.common import CORE, RAW, finish_raw
from assets.seor import inventory as seor
from assets.seor.checks import DIM_CHECKS
from assets.seor.support import inventory_mapping, local_file
from pipeline import db
from pipeline.checks import checked_asset
from pipeline.resources import StoResource


def definition_frames(sto: StoResource) -> dict[str, pd.DataFrame]:
    """{table: frame} of every config-defined SEOR table."""
    cfg = sto.config.seor
    f = cfg["funnel"]
    cats = seor.category_frame(cfg)
    ordinal = cats[cats["rank"].notna() & cats["dimension"].isin(f["roc_max_dimensions"])]
    ranks = ordinal[["dimension", "category", "rank"]].rename(columns={"category": "code"}).astype({"rank": "int64"})
    reach = sto.config.pipeline["reach"]
    radii = sorted({float(r) for r in reach["sensitivity_radii_km"]} | {float(reach["default_radius_km"])})
    return {
        "core.seor_steps": seor.steps_frame(cfg),
        "core.seor_categories": cats,
        "core.seor_ordinal_ranks": ranks,
        "core.seor_gap_rules": seor.gap_rule_frame(cfg),
        "core.seor_radii": pd.DataFrame({"radius_km": radii}),
    }


@checked_asset(
    DIM_CHECKS,
    also_writes=[
        ("core_seor_categories", "core.seor_categories"),
        ("core_seor_ordinal_ranks", "core.seor_ordinal_ranks"),
        ("core_seor_gap_rules", "core.seor_gap_rules"),
        ("core_seor_radii", "core.seor_radii"),
    ],
    description="The SEOR definitions from versioned config as tables: funnel steps (core.seor_steps), "
    "categories with labels, order, tables and roll-ups (core.seor_categories), the ordinal ranks of funnel "
    "step 6 (core.seor_ordinal_ranks), gap rules (core.seor_gap_rules; seor.yaml) and the radii of the "
    "sensitivity table (core.seor_radii; pipeline.yaml reach). assets/seor/inventory.py.",
    **CORE,
)
def core_seor_steps(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        for table, df in definition_frames(sto).items():
            db.replace_table(con, table, df)
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.seor_steps"))


@checked_asset(
    DIM_CHECKS,
    description="Every published number of SEOR 2023 tables 2.1-4.6 as curated (data_raw/published/"
    "seor2023_tables.csv, named by the inventory mapping's `published`; empty when the mapping names none), "
    "read into raw.seor_published for assets/seor/sql/seor_reconciliation.sql.",
    **RAW,
)
def raw_seor_published(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    path = inventory_mapping(sto.config.seor).published
    fetched = local_file("seor_published", path) if path is not None else None
    return finish_raw(context, sto, "raw.seor_published", seor.read_seor_published(path), fetched)
