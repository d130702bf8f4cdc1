"""The catalogue of asset modules: which modules define the pipeline's assets and checks, and the lineage
(each asset's upstream assets) they declare.

Why its own module: the resource records a run's lineage in audit.provenance when it publishes, and
`pipeline.definitions` builds the Definitions around that resource; reading the lineage here (computed
from the asset definitions when it is needed, never kept) lets both use it without importing each other.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import dagster as dg

from pipeline.paths import DOMAINS_DIR


def domain_modules(domains: Path = DOMAINS_DIR) -> list[str]:
    """The asset module of every domain, found on disk: `assets.<domain>.assets` for each
    assets/<domain>/assets.py, in name order (the checks are declared on the assets; each domain's checks.py
    holds them as data). A new domain is picked up without editing a list (ARCHITECTURE.md); a module that
    does not import is an error (ModuleNotFoundError names it), never skipped."""
    return [f"{domains.name}.{p.parent.name}.assets" for p in sorted(domains.glob("*/assets.py"))]


MODULES = tuple(domain_modules())


def load_assets_and_checks(
    modules: Sequence[str] = MODULES,
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """All assets and asset checks of `modules`.

    Returns (assets, checks); raises ModuleNotFoundError naming a module of the list that does not exist.
    """
    mods = [importlib.import_module(m) for m in modules]
    assets = list(dg.load_assets_from_modules(mods))
    checks = list(dg.load_asset_checks_from_modules(mods))
    return assets, checks


def asset_lineage(modules: Sequence[str] = MODULES) -> Mapping[str, list[str]]:
    """{asset: its upstream assets, sorted} of every asset of `modules`: the lineage a run's audit.provenance
    row records."""
    assets, _ = load_assets_and_checks(modules)
    return {
        k.to_user_string(): sorted(d.to_user_string() for d in a.asset_deps.get(k, set()))
        for a in assets
        for k in a.keys
    }
