"""Dagster resources: where the warehouse is and where sources come from.

Why one resource: every asset needs the same two things (a DuckDB connection to the run's build file
and a fetcher over the configured mirrors), and the CLI swaps both per run (staging file, --mirror).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipeline import db, publish
from pipeline.config import Config, default_config
from pipeline.fetch import Fetcher, fetcher_for
from pipeline.partitions import PEILJAAR_PARTITIONS, YEARLY_TABLES
from pipeline.paths import DATA_OUT, DOWNLOAD_DIR
from pipeline.settings import env_settings

PUBLISH_TAG = "sto/publish"  # the run tag where a run's publish outcome is recorded (see StoResource)


class StoResource(dg.ConfigurableResource):
    """Warehouse path plus source settings for one run.

    With `atomic_publish` (the Dagster UI's setting) a run builds into a staging copy of `db_path` and
    the copy replaces the published file at the end of the run only when no step failed and no blocking
    check failed. `sto run`, `sto drop` and a run launched from the UI or by the sensor all publish this way.
    With `drop_years` (`sto drop`) the staging copy first loses those peiljaren's rows, so the run rebuilds
    the marts over the remaining years.

    The outcome ("published", "discarded" or "blocked: <why>") is recorded on the Dagster run itself, as the
    run tag `sto/publish` (PUBLISH_TAG; shown in the UI, read back by pipeline.runner): a failure in a
    resource's teardown does not fail a Dagster run, so the run's success alone does not say.
    """

    db_path: str = str(DATA_OUT / "sto.duckdb")
    mirrors: list[str] = []
    cache_dir: str = str(DOWNLOAD_DIR)
    offline: bool = False
    sample: bool = True
    atomic_publish: bool = False
    drop_years: list[int] = []
    history_keep: int | None = None  # publishes kept in <out>/history/ (None: pipeline.yaml history.keep)
    _staging: str | None = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default=None)
    _con: Any = PrivateAttr(default=None)
    _con_path: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if not self.atomic_publish or context.dagster_run is None:  # sensors and schedules build no warehouse
            return
        from pipeline.integrity import safe_umask

        safe_umask()  # UI runs too: the warehouse, staging copy and lock are never group/world-writable
        published = Path(self.db_path)
        self._lock = publish.acquire_lock(published.parent)  # RunLockedError: another run has the folder
        try:
            publish.check_no_writer(published)  # never copy a file a writer is changing
        except publish.PublishBlockedError:
            self._lock.close()
            self._lock = None
            raise
        try:  # a run launched from the UI: the configuration's place names against this run's addresses
            self._check_place_names(context, published)
        except Exception:
            self._lock.close()
            self._lock = None
            raise
        stale = publish.clean_stale_staging(published.parent)
        if stale and context.log:
            context.log.warning(f"recovered: removed {len(stale)} staging file(s) of an interrupted run")
        self._staging = str(publish.prepare_staging(published))
        if context.dagster_run.tags.get("sto/build") != "full" and published.exists():
            self._verify_staging(published)
        if self.drop_years:
            self._drop_from_staging()

    def _drop_from_staging(self) -> None:
        """`sto drop`: delete the dropped peiljaren's rows (every yearly table and their audit rows) from the
        staging copy before any step runs; the run then rebuilds what depends on them."""
        con = duckdb.connect(self._staging)
        try:
            have = {
                r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
            }
            for table in (*YEARLY_TABLES, "audit.loaded_sources"):
                if table in have:  # a warehouse built before a yearly table existed lacks it
                    con.execute(f"DELETE FROM {table} WHERE list_contains(?, peiljaar)", [list(self.drop_years)])
        finally:
            con.close()

    def _verify_staging(self, published: Path) -> None:
        """A run that keeps some tables as they are (a selection, new years only, a UI run) must not publish,
        and so re-hash, tables changed outside the pipeline: the staging copy (the published file without
        any orphaned journal, exactly what this run builds on) is verified first; a full `sto run` build
        rebuilds every table instead (pipeline/integrity.py). Raises WarehouseChangedError."""
        from pipeline import integrity

        con = duckdb.connect(self._staging, read_only=True)
        try:
            check = integrity.verify(con)
        finally:
            con.close()
        if not check.ok:
            publish.discard(Path(self._staging))
            self._staging = None
            self._lock.close()
            self._lock = None
            raise integrity.WarehouseChangedError(check.message(published))

    def _check_place_names(self, context: dg.InitResourceContext, published: Path) -> None:
        """Place names of the configuration against the address file this run loads and the warehouse's
        snapshots (pipeline/place_names.py), before any step: ConfigError naming file, key and name (the CLI
        checks the same in its preflight; for the synthetic sample the names it lacks are a warning)."""
        from pipeline.config import config_error
        from pipeline.place_names import check_config_places

        if context.dagster_run is not None and context.dagster_run.tags.get("sto/preflight") == "done":
            return
        from pipeline.audit import KIND_SAMPLE, source_kind

        located = self.fetcher().locate("duo_vo_locations")
        messages, _ = check_config_places(self.config, located.path if located else None, published)
        if messages and (source_kind(located.path) == KIND_SAMPLE if located else self.sample):
            if context.log:
                context.log.warning("place names without an address in the synthetic sample: " + "; ".join(messages))
        elif messages:
            raise config_error(messages)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """End of a run under atomic publish: discard the staging copy when a step or a blocking check
        failed; otherwise record the run's provenance (and, for a complete `sto run` build, its build
        state) in the copy and swap it in. The outcome is recorded as the run's `sto/publish` tag."""
        self.close()  # the run's one connection: closed (and checkpointed) before any publish
        if not self.atomic_publish or self._staging is None:
            return
        staging, published = Path(self._staging), Path(self.db_path)
        recorded = False
        try:
            if _run_failed(context) or not staging.exists():
                publish.discard(staging)
                _record_outcome(context, "discarded")
                if context.log:
                    context.log.warning(f"run failed: staging discarded, {published} unchanged")
                return
            self._record_run(context, staging)
            try:
                removed = publish.publish(staging, published, self._history_keep())
            except publish.PublishBlockedError as exc:
                publish.discard(staging)
                _record_outcome(context, f"blocked: {exc}")
                recorded = True
                if context.log:
                    context.log.error(f"not published: {exc}")
                raise
            _record_outcome(context, "published")
            recorded = True
            if removed and context.log:
                context.log.warning(f"removed orphaned journal(s) {[str(p) for p in removed]} before publishing")
        except BaseException:
            publish.discard(staging)
            if not recorded:
                _record_outcome(context, "discarded")
            raise
        finally:
            self._staging = None
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def _record_run(self, context: dg.InitResourceContext, staging: Path) -> None:
        """audit.provenance for this run (code, packages, config, input files, the lineage of the assets it
        ran) and, when the CLI tagged it as a complete build (`sto/build`), audit.build_state."""
        import uuid

        from pipeline.fingerprint import record_build
        from pipeline.provenance import record_run

        run = context.dagster_run
        chosen = {k.to_user_string() for k in run.asset_selection} if run.asset_selection else None
        from pipeline.catalog import asset_lineage

        lineage = {k: deps for k, deps in asset_lineage().items() if chosen is None or k in chosen}
        start = run.tags.get("dagster/asset_partition_range_start") or run.tags.get("dagster/partition")
        end = run.tags.get("dagster/asset_partition_range_end") or start
        con = db.connect(staging)
        try:
            if start is not None:  # the peiljaren this run loaded
                keys = list(context.instance.get_dynamic_partitions(PEILJAAR_PARTITIONS))
                years = [
                    int(k)
                    for k in (
                        keys[keys.index(start) : keys.index(end) + 1] if start in keys and end in keys else [start]
                    )
                ]
            elif db.table_exists(con, "core.duo_vo_students"):  # the peiljaren the marts were built over
                years = [
                    y
                    for (y,) in con.execute("SELECT DISTINCT peiljaar FROM core.duo_vo_students ORDER BY 1").fetchall()
                ]
            else:
                years = []
            group = uuid.uuid4().hex
            kind = run.tags.get("sto/build")
            if kind:
                mode = {
                    "sample": self.sample,
                    "mirrors": self.mirrors,
                    "offline": self.offline,
                    "cache_dir": self.cache_dir,
                }
                record_build(con, group, kind, years, mode)
            record_run(con, group, [run.run_id], years, "sample" if self.sample else "real", lineage, self.config)
        finally:
            con.close()

    def _history_keep(self) -> int:
        """Publishes to keep in <out>/history/: STO_HISTORY_KEEP (this resource's history_keep) over
        pipeline.yaml history.keep (default pipeline.history.DEFAULT_KEEP)."""
        from pipeline.history import DEFAULT_KEEP

        if self.history_keep is not None:
            return self.history_keep
        return int((self.config.pipeline.get("history") or {}).get("keep", DEFAULT_KEEP))

    @property
    def warehouse_path(self) -> str:
        """The file assets write to in this run (the staging copy under atomic publish)."""
        return self._staging or self.db_path

    @property
    def config(self) -> Config:
        return default_config()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's DuckDB connection to `warehouse_path`, opened on first use and kept for the whole run
        (every step and check of a run shares it; closed at the run's end by `teardown_after_execution`
        or `close`). Opening and checkpointing a connection per step cost about 6 s of a one-year run.

        On an exception inside the block an open transaction is rolled back, so a failed step never leaves
        the shared connection in an aborted transaction for the steps that still run."""
        path = self.warehouse_path
        if self._con is None or self._con_path != path:
            self.close()
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._con, self._con_path = db.connect(path), path
        try:
            yield self._con
        except BaseException:
            try:
                self._con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # no transaction was open
            raise

    def close(self) -> None:
        """Close the run's connection (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def fetcher(self, local: bool = False) -> Fetcher:
        """Sample mode reads only the bundled sample; real mode mirrors → cache → download."""
        cfg = self.config
        extra = {h for h in [_host(cfg.pipeline["geocoding"].get("pdok_url"))] if h}
        return fetcher_for(cfg.sources, self.sample, self.mirrors, self.cache_dir, self.offline, local, extra)


def _record_outcome(context: dg.InitResourceContext, outcome: str) -> None:
    """Record the publish outcome on the run (tag `sto/publish`). When the run history itself cannot be
    written (a full disk) the tag is lost: pipeline.runner then judges by the published file."""
    run = context.dagster_run
    if run is None:
        return
    try:
        context.instance.add_run_tags(run.run_id, {PUBLISH_TAG: outcome})
    except Exception as exc:  # noqa: BLE001 - the outcome must not mask the run's own result
        if context.log:
            context.log.warning(f"publish outcome {outcome.split(':')[0]!r} not recorded in the run history: {exc}")


def _run_failed(context: dg.InitResourceContext) -> bool:
    """True when the run had a failed step or a failed ERROR-severity (blocking) asset check."""
    evs = context.instance.all_logs(
        context.run.run_id,
        of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.ASSET_CHECK_EVALUATION},
    )
    for rec in evs:
        ev = rec.dagster_event
        if ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            return True
        data = ev.event_specific_data
        if not data.passed and data.severity == dg.AssetCheckSeverity.ERROR:
            return True
    return False


def _host(url: str | None) -> str | None:
    from urllib.parse import urlparse

    return urlparse(url).hostname if url else None


def settings_from_env() -> dict:
    """Resource settings from the STO_* environment variables (pipeline.settings, parsed in one place)."""
    return env_settings().resource_settings()
