"""Dagster Definitions: every asset, check, job and schedule of the pipeline.

`defs` (module level) is what the Dagster UI loads (`make ui`); the CLI builds its own with
`build_definitions(...)` so that it can point the resource at a run's staging file.
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline import catalog
from pipeline.config import default_config
from pipeline.fetch import Fetcher
from pipeline.partitions import PEILJAAR, due_peiljaren, latest_expected_peiljaar
from pipeline.progress import Progress
from pipeline.resources import StoResource
from pipeline.settings import env_settings

# The beta parameters used on purpose (backfill_policy: every requested peiljaar in one step; AssetSelection
# include_sources) would print a warning per import into every CLI run.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

# The asset modules: every domain's, found on disk (pipeline/catalog.py domain_modules).
MODULES = list(catalog.MODULES)
domain_modules = catalog.domain_modules


def load_assets_and_checks(
    modules: list[str] | None = None,
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """All assets and asset checks of `modules` (default: every domain's, MODULES).

    Returns (assets, checks); raises ModuleNotFoundError naming a module that does not exist.
    """
    return catalog.load_assets_and_checks(MODULES if modules is None else modules)


duo_year_job = dg.define_asset_job(
    "duo_year_job",
    selection=dg.AssetSelection.assets(
        "raw_duo_vo_students", "core_duo_vo_students", "raw_duo_vo_pupils_postcode", "core_duo_vo_pupils_postcode"
    ),
    partitions_def=PEILJAAR,
    description="Load one DUO peiljaar (raw and core pupils). Downstream marts: run `sto run` or the all-assets job.",
)


def loaded_peiljaren(published: Path) -> set[int]:
    """Peiljaren the published warehouse holds (audit.loaded_sources; empty when there is no warehouse).
    The warehouse, not the Dagster instance, is the truth: a fresh run history must not re-request years."""
    import duckdb

    from pipeline.audit import loaded_year_files

    if not published.exists():
        return set()
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {y for y, _, _ in loaded_year_files(con, "duo_vo_students")}
    finally:
        con.close()


def _today() -> date:
    """Today's date (a function so that tests can freeze the clock)."""
    return date.today()


def evaluate_new_year(
    today: date, loaded: set[int], fetcher: Fetcher, first: int, release_month: int
) -> dg.SensorResult | dg.SkipReason:
    """The new-DUO-year decision: request every due peiljaar whose pupils file is published, add it as a
    partition; skip with a reason that names the year and where we looked while DUO has not published it.
    Pure apart from `fetcher` (mirrors, cache, or an HTTP probe online), so it is unit-tested with a
    frozen clock."""
    due = due_peiljaren(today, first, release_month, loaded)
    if not due:
        nxt = latest_expected_peiljaar(today, release_month) + 1
        return dg.SkipReason(
            f"every expected peiljaar is loaded; peiljaar {nxt} is expected from month {release_month} of {nxt + 1}"
        )
    ready = [y for y in due if fetcher.is_published("duo_vo_students", y)]
    if not ready:
        names = fetcher.candidate_names("duo_vo_students", due[0])
        return dg.SkipReason(
            f"DUO has not published peiljaar {due[0]} yet (looked for {names[0]} in "
            f"{[str(m) for m in fetcher.mirrors] or 'no mirror'}{'' if fetcher.offline else ' and online'})"
        )
    keys = [str(y) for y in ready]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=k, run_key=f"peiljaar-{k}") for k in keys],
        dynamic_partitions_requests=[PEILJAAR.build_add_request(keys)],
    )


@dg.sensor(
    job=duo_year_job,
    minimum_interval_seconds=24 * 3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Yearly refresh: once a day, looks for the DUO pupils files of the peiljaren after the newest one "
    "the warehouse holds, up to the newest expected (pipeline.yaml peiljaren.expected_release_month), and "
    "requests each that is published; skips with the reason while DUO has not published it (off by default).",
)
def new_duo_year(context: dg.SensorEvaluationContext, sto: StoResource) -> dg.SensorResult | dg.SkipReason:
    cfg = sto.config
    loaded = loaded_peiljaren(Path(sto.db_path))
    spec = cfg.pipeline["peiljaren"]
    return evaluate_new_year(
        _today(), loaded, sto.fetcher(), int(spec["first"]), int(spec.get("expected_release_month", 3))
    )


def for_the_ui(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets with their descriptions escaped for the UI's Markdown (`dictionary.markdown_text`: text
    such as 'marts.reconciliation_<source>' would lose '<source>'); the code keeps the plain text."""
    from pipeline.dictionary import markdown_text

    return [
        a.map_asset_specs(lambda spec: spec.replace_attributes(description=markdown_text(spec.description)))
        for a in assets
    ]


def build_definitions(resource: StoResource | None = None, progress: Progress | None = None) -> dg.Definitions:
    """Definitions with the given resource (default: settings from the STO_* environment variables), and
    with `progress` the run's concise console logger (the CLI's runner) instead of Dagster's.

    The configuration is validated first (pipeline/config_schema/): a refused file stops the load with the
    same located message `sto run` prints (ConfigError)."""
    default_config()
    assets, checks = load_assets_and_checks()
    assets = for_the_ui(assets)
    kwargs: dict[str, Any] = {}
    if progress is not None:
        kwargs["loggers"] = {"console": progress.logger_definition()}
    all_job = dg.define_asset_job(
        "sto_all",
        selection=dg.AssetSelection.all(include_sources=False),
        description="Every asset and check (the sto CLI runs it in phases).",
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[duo_year_job, all_job],
        sensors=[new_duo_year],
        resources={"sto": resource or StoResource(**env_settings().resource_settings(), atomic_publish=True)},
        executor=dg.in_process_executor,  # one resource set-up per run: one staging copy per run
        **kwargs,
    )


defs = build_definitions()
