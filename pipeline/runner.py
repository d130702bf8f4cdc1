"""The one runner: plan → execute one Dagster run → publish → export → report; returns an `Outcome`.

`sto run` and `sto drop` call it (pipeline/cli/); every run, these and a run launched from the Dagster UI or
requested by the sensor, executes the same job of `pipeline.definitions` with the same resource, which
builds into a staging copy and publishes only when no step and no blocking check failed
(pipeline/resources.py). The publish outcome comes back from the run record (run tag `sto/publish`), the
progress lives in this run's `Progress` (its console logger), the lineage is read from the definitions by
the resource: nothing about a run is kept in a module variable.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import EXIT_AFTER_PUBLISH, EXIT_BUSY, EXIT_CHANGED, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from pipeline.paths import PROJECT_ROOT


@dataclass(frozen=True)
class RunRequest:
    """What `sto run` asks: the output folder, the source mode (EnvSettings.mode), the peiljaren (None: every
    available one), an explicit asset selection, --force, and whether to export."""

    out: Path
    mode: dict[str, Any]
    years: list[int] | None = None
    select: list[str] | None = None
    force: bool = False
    export: bool = True
    t0: float = field(default_factory=time.monotonic)


@dataclass
class Outcome:
    """A runner call's result: the exit code (README), the peiljaren the warehouse holds or this run loaded,
    the Dagster run id and the publish outcome ("published", "discarded", "blocked: …", "skipped" or None)."""

    code: int
    years: list[int] = field(default_factory=list)
    run_id: str | None = None
    publish: str | None = None


def source_line(mode: dict[str, Any]) -> str:
    if mode["sample"]:
        return "bundled SYNTHETIC sample (data_raw/sample)"
    return f"mirrors {mode['mirrors']}" + ("" if mode["offline"] else " + download cache/online")


def run(req: RunRequest, cfg) -> Outcome:
    """`sto run`: preflight (usage errors, what changed since the last build), then one run of the Dagster
    job `sto_all` over the selection and the requested peiljaren, published by the resource; then exports
    and the report. Raises UsageError (exit 2) for a refused request."""
    from pipeline import publish as pub
    from pipeline.integrity import check_input_files
    from pipeline.preflight import build_plan, locators, preflight, require_reference_files

    out, mode, published = req.out, req.mode, req.out / "sto.duckdb"
    # unreadable, empty (0 bytes) or broken-link inputs: exit 2 now, not a "not found" or a step failure
    check_input_files(list(locators(cfg, mode)), cfg.sources, sorted(set(req.years or cfg.peiljaren)))
    try:
        years, _ = preflight(req.years, out, cfg, mode)
    except pub.PublishBlockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return Outcome(EXIT_BUSY)
    except OSError as exc:  # an input that cannot be read (hashing the located files)
        raise UsageError(f"{exc.filename or ''}: cannot be read ({exc.strerror or exc}); nothing was run") from exc
    plan = None
    if not req.select:  # an explicit selection runs as asked
        plan = build_plan(published, cfg, mode, years, req.force)
        if plan.kind == "skip":
            print(f"sto run: {plan.reason}; skipped. Published database unchanged: {published} (`--force` rebuilds)")
            rc = after_publish(
                out,
                cfg,
                export=req.export and not (out / "exports").exists(),
                report=not (out / "report" / "index.html").exists(),
            )
            print(
                f"sto run {'OK' if rc == EXIT_OK else 'published database unchanged'} in {time.monotonic() - req.t0:.1f}s (nothing to do)"
            )
            return Outcome(rc, years, publish="skipped")
        years = plan.years  # a full build after a change outside the pipeline reloads every held peiljaar
        if plan.kind != "years":
            require_reference_files(cfg, mode)
        print(
            f"sto run: {'only the new or changed peiljaren' if plan.kind == 'years' else 'full build'}: {plan.reason}"
        )
    return _build(req, years, plan)


def _build(req: RunRequest, years: list[int], plan) -> Outcome:
    """Execute the run `plan` (None: an explicit selection) asked for over `years`."""
    import dagster as dg

    from pipeline.definitions import load_assets_and_checks, loaded_peiljaren
    from pipeline.partitions import PEILJAAR_PARTITIONS
    from pipeline.selection import downstream_of_yearly, partition_range, whole_steps

    out, mode, published = req.out, req.mode, req.out / "sto.duckdb"
    assets, _ = load_assets_and_checks()
    selected = None
    if req.select:
        names = {k.to_user_string(): k for a in assets for k in a.keys}
        unknown = [s for s in req.select if s not in names]
        if unknown:
            raise UsageError(f"unknown asset(s) {unknown}; known: {sorted(names)}")
        selected = whole_steps(assets, {names[s] for s in req.select})
    elif plan is not None and plan.kind == "years":
        yearly = {k for a in assets if a.partitions_def is not None for k in a.keys}
        selected = whole_steps(assets, yearly | set(downstream_of_yearly(assets)))
    print(f"sto run: peiljaren {years}; sources: {source_line(mode)}; output {published}")
    keys = sorted(selected) if selected is not None else sorted(k for a in assets for k in a.keys)
    yearly = [k for k in keys if any(k in a.keys and a.partitions_def is not None for a in assets)]
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    # sto/preflight: the configuration's place names were checked above (the resource checks them for UI runs)
    tags = {"sto/source": "sample" if mode["sample"] else "real", "sto/preflight": "done"}
    if plan is not None:
        tags["sto/build"] = plan.kind  # the resource records the build state only for complete builds
    new: list[str] = []
    if yearly:
        # The warehouse is the truth: a partition whose year it does not hold (left by a failed or killed
        # run, or a sensor run that failed) is removed first, so it never narrows a later range.
        held = {str(y) for y in loaded_peiljaren(published)}
        for k in instance.get_dynamic_partitions(PEILJAAR_PARTITIONS):
            if k not in held:
                instance.delete_dynamic_partition(PEILJAAR_PARTITIONS, k)
        known = list(instance.get_dynamic_partitions(PEILJAAR_PARTITIONS))
        new = [str(y) for y in years if str(y) not in known]
        tags.update(partition_range(known + new, years))  # before adding: a refused range adds nothing
        instance.add_dynamic_partitions(PEILJAAR_PARTITIONS, new)
    progress = _progress(req.t0, assets, keys, part=", ".join(map(str, years)) if yearly else None, yearly=yearly)
    result, outcome = execute(instance, published, keys, tags, mode, progress)
    if outcome.publish != "published":  # the years this run added as partitions hold no data: remove them again
        for k in new:
            instance.delete_dynamic_partition(PEILJAAR_PARTITIONS, k)
    if result is None:  # Dagster itself failed: named by `execute`
        return outcome
    rc = _judge(result, outcome, out, "sto run", req.t0)
    if rc is not None:
        return Outcome(rc, years, outcome.run_id, outcome.publish)
    rc = after_publish(out, None, export=req.export)
    print(
        f"sto run {'OK' if rc == EXIT_OK else 'published'} in {time.monotonic() - req.t0:.1f}s; published {published}"
    )
    return Outcome(rc, years, outcome.run_id, outcome.publish)


def drop(out: Path, years: list[int], loaded: list[int], mode: dict[str, Any], t0: float) -> Outcome:
    """`sto drop`: one run that deletes `years`' rows from the staging copy (StoResource.drop_years) and
    rebuilds every unpartitioned asset downstream of the yearly ones over the remaining years, published
    as `sto run` publishes; then the years' Dagster partitions are removed, exports and report written."""
    import dagster as dg

    from pipeline import publish as pub
    from pipeline.definitions import load_assets_and_checks
    from pipeline.partitions import PEILJAAR_PARTITIONS
    from pipeline.selection import downstream_of_yearly, whole_steps

    published = out / "sto.duckdb"
    try:  # busy now: said before any work (the resource takes the lock for the run itself)
        with pub.run_lock(out):
            pub.check_no_writer(published)
    except pub.RunLockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return Outcome(EXIT_BUSY, loaded)
    assets, _ = load_assets_and_checks()
    keys = sorted(whole_steps(assets, set(downstream_of_yearly(assets))))
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    print(f"sto drop: peiljaren {years} from {published}; rebuilding {len(keys)} downstream asset(s)")
    tags = {"sto/source": "sample" if mode["sample"] else "real", "sto/preflight": "done"}
    progress = _progress(t0, assets, keys)
    result, outcome = execute(instance, published, keys, tags, mode, progress, drop_years=years)
    if result is None:
        return outcome
    busy = _judge(result, outcome, out, "sto drop", t0, quiet=True)
    if busy is not None:
        if busy == EXIT_FAILED:
            print(f"sto drop FAILED; published database unchanged: {published}", file=sys.stderr)
        return Outcome(busy, loaded, outcome.run_id, outcome.publish)
    for y in years:
        if instance.has_dynamic_partition(PEILJAAR_PARTITIONS, str(y)):
            instance.delete_dynamic_partition(PEILJAAR_PARTITIONS, str(y))
    remaining = [y for y in loaded if y not in years]
    rc = after_publish(out, None)
    print(
        f"sto drop {'OK' if rc == EXIT_OK else 'published'} in {time.monotonic() - t0:.1f}s; peiljaren now {remaining}; published {published}"
    )
    return Outcome(rc, remaining, outcome.run_id, outcome.publish)


def _progress(t0: float, assets: list, keys: list, part: str | None = None, yearly: list | None = None):
    from pipeline.progress import Progress

    return Progress(
        t0=t0,
        total=len([a for a in assets if a.keys & set(keys)]),  # steps
        part=part,
        yearly_steps=frozenset(k.to_user_string() for k in yearly or []),
    )


def execute(instance, published: Path, keys: list, tags: dict[str, str], mode: dict[str, Any], progress, **resource):
    """One in-process run of `sto_all` over `keys`, published by the resource (atomic publish). Returns
    (the run's result, Outcome with its run id and publish outcome); (None, Outcome with the exit code) when
    Dagster itself failed (e.g. its run history could not be written: disk full), after saying so."""
    from pipeline import integrity
    from pipeline import publish as pub
    from pipeline.definitions import build_definitions
    from pipeline.resources import StoResource

    sto = StoResource(db_path=str(published), atomic_publish=True, **mode, **resource)
    job = build_definitions(sto, progress).resolve_job_def("sto_all")
    run_id, before = str(uuid.uuid4()), _identity(published)
    try:
        result = job.execute_in_process(
            instance=instance,
            asset_selection=keys,
            raise_on_error=False,
            run_config={"loggers": {"console": {}}},
            tags=tags,
            run_id=run_id,
        )
    except Exception as exc:
        outcome = _publish_outcome(instance, run_id, published, before)
        command = "sto drop" if resource.get("drop_years") else "sto run"
        print(f"{command} FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        out = published.parent
        note = integrity.disk_full_message(out) if integrity.enospc_in(exc) else integrity.disk_full_note(out)
        if note:
            print(f"sto: {note}", file=sys.stderr)
        if outcome == "published":
            return None, Outcome(EXIT_AFTER_PUBLISH, run_id=run_id, publish=outcome)
        pub.clean_if_idle(out)
        print(f"published database unchanged: {published}", file=sys.stderr)
        return None, Outcome(EXIT_FAILED, run_id=run_id, publish=outcome)
    return result, Outcome(EXIT_OK, run_id=run_id, publish=_publish_outcome(instance, run_id, published, before))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _publish_outcome(instance, run_id: str, published: Path, before: tuple[int, int] | None) -> str | None:
    """The resource's publish outcome for run `run_id` (run tag `sto/publish`); when the run history could
    not record it (a full disk), "published" if the published file was replaced during the run."""
    from pipeline.resources import PUBLISH_TAG

    try:
        record = instance.get_run_by_id(run_id)
        tag = record.tags.get(PUBLISH_TAG) if record is not None else None
    except Exception:  # noqa: BLE001 - an unreadable run history: judged by the file below
        tag = None
    if tag is None and _identity(published) not in (None, before):
        return "published"
    return tag


def _judge(result, outcome: Outcome, out: Path, command: str, t0: float, quiet: bool = False) -> int | None:
    """The exit code of a finished run that did not publish (after naming why), or None when it published."""
    from pipeline import integrity
    from pipeline.run_events import busy_error, enospc_event, error_of, report_failure

    published, state = out / "sto.duckdb", outcome.publish or ""
    changed = error_of(result, "WarehouseChangedError")
    if changed:  # a partial run on a warehouse changed outside the pipeline (verified on the staging copy)
        print(f"sto: {changed}", file=sys.stderr)
        print(f"{command}: refused; nothing published; published database unchanged: {published}", file=sys.stderr)
        return EXIT_CHANGED
    busy = busy_error(result)
    if busy is not None or state.startswith("blocked"):
        print(f"sto: {busy or state.removeprefix('blocked: ')}", file=sys.stderr)
        print(f"nothing published; published database unchanged: {published}", file=sys.stderr)
        return EXIT_BUSY
    if not result.success or state != "published":
        report_failure(result)
        if quiet:
            return EXIT_FAILED
        note = integrity.disk_full_message(out) if enospc_event(result) else integrity.disk_full_note(out)
        if note:
            print(f"sto: {note}", file=sys.stderr)
        print(
            f"{command} FAILED after {time.monotonic() - t0:.1f}s; published database unchanged: {published}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return None


def write_exports(out: Path) -> int:
    """Export the published marts to CSV and Parquet under <out>/exports."""
    from pipeline.export import export_marts

    published = out / "sto.duckdb"
    if not published.exists():
        print(f"sto: no published database at {published}; run `sto run` first", file=sys.stderr)
        return EXIT_USAGE
    files = export_marts(published, out / "exports")
    print(f"exported {len(files)} file(s) to {out / 'exports'}")
    return EXIT_OK


def write_report(out: Path, cfg=None) -> int:
    """Write <out>/report/index.html from the published database (offline HTML, pipeline/report/)."""
    from pipeline.report import build_report

    published = out / "sto.duckdb"
    if not published.exists():
        print(f"sto: no published database at {published}; run `sto run` first", file=sys.stderr)
        return EXIT_USAGE
    t0 = time.monotonic()
    path = build_report(published, out, cfg)
    print(f"report written to {path} in {time.monotonic() - t0:.1f}s")
    return EXIT_OK


def after_publish(out: Path, cfg, export: bool = True, report: bool = True) -> int:
    """Exports and the report after a publish (or a skip that found them missing). The database is already
    published, so a failure here is not exit 1 ("published database unchanged" would be false): each
    failure is named, with the disk-full cause when that is it, and the exit code is 6."""
    from pipeline import integrity

    failed = []
    steps = (("exports", export, lambda: write_exports(out)), ("report", report, lambda: write_report(out, cfg)))
    for what, wanted, step in steps:
        if not wanted:
            continue
        try:
            if step() != EXIT_OK:
                failed.append(what)
        except Exception as exc:
            failed.append(what)
            print(f"sto: {what} not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            if integrity.enospc_in(exc):
                print(f"sto: {integrity.disk_full_message(out)}", file=sys.stderr)
    if failed:
        print(
            f"sto: the database {out / 'sto.duckdb'} is published, but the {' and '.join(failed)} could not be "
            f"written (exit {EXIT_AFTER_PUBLISH}); `sto {' / sto '.join(f[:6] for f in failed)} --out {out}` "
            "writes them again",
            file=sys.stderr,
        )
        return EXIT_AFTER_PUBLISH
    return EXIT_OK
