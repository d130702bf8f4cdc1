"""The mbo domain's Dagster assets (discovered by pipeline/catalog.py). Until the ingest part (raw_/core_
assets) is merged, this module only re-exports the marts of assets/mbo/marts.py."""

from assets.mbo.marts import (  # noqa: F401  (re-exported for discovery)
    core_mbo_de4_groups,
    core_programme_scope_mbo_instellingen,
    mart_mbo_de4,
    mart_mbo_reconciliation_variants,
    mart_mbo_technical_diplomas,
    mart_mbo_technical_intake,
    mart_reconciliation_techniekpact_mbo,
    raw_published_mbo_figures,
)
