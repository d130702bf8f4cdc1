"""`sto` command line: materialise the pipeline in-process and report its state.

    sto run [--years Y ...] [--mirror DIR ...] [--out DIR] [--offline] [--online] [--select ASSET ...]
    sto status [--out DIR]
    sto report [--out DIR]

`sto run` builds into a staging copy of the published DuckDB file and publishes it only when every
asset and blocking check succeeded; on failure it exits non-zero and the last good database stays.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.paths import DATA_OUT, DOWNLOAD_DIR, PROJECT_ROOT


def _env_setup(out: Path) -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    os.environ.setdefault("STO_DAGSTER_DIR", str(out / "dagster"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sto", description="STO / Techniekpact / SEOR monitoring pipeline")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialise all assets (or a selection)")
    run.add_argument("--years", nargs="+", type=int, help="peiljaren to (re)load; default: all available")
    run.add_argument("--mirror", action="append", default=[], help="directory holding official files (repeatable)")
    run.add_argument("--out", type=Path, default=None, help="output directory (default data_out/)")
    run.add_argument("--offline", action="store_true", help="never download; mirrors and cache only")
    run.add_argument("--online", action="store_true", help="use the real sources (download) even without --mirror")
    run.add_argument("--select", nargs="+", default=None, help="asset names to materialise (with their checks)")
    run.add_argument("--no-export", action="store_true", help="skip CSV/Parquet exports of the marts")
    ex = sub.add_parser("export", help="write every mart of the published database to data_out/exports/")
    ex.add_argument("--out", type=Path, default=None)
    st = sub.add_parser("status", help="assets and years with last materialisation and check outcome")
    st.add_argument("--out", type=Path, default=None)
    rp = sub.add_parser("report", help="write the offline HTML report of the published database to <out>/report/")
    rp.add_argument("--out", type=Path, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = (args.out or Path(os.environ.get("STO_OUT", DATA_OUT))).resolve()
    _env_setup(out)
    if args.command == "run":
        return cmd_run(args, out)
    if args.command == "export":
        return cmd_export(out)
    if args.command == "report":
        return cmd_report(out)
    return cmd_status(out)


def cmd_report(out: Path) -> int:
    """Write <out>/report/index.html from the published database (offline HTML, pipeline/report.py)."""
    from pipeline.report import build_report

    published = out / "sto.duckdb"
    if not published.exists():
        print(f"sto: no published database at {published}; run `sto run` first", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    path = build_report(published, out)
    print(f"report written to {path} in {time.monotonic() - t0:.1f}s")
    return 0


def cmd_export(out: Path) -> int:
    """Export the published marts to CSV and Parquet under <out>/exports."""
    from pipeline.export import export_marts

    published = out / "sto.duckdb"
    if not published.exists():
        print(f"sto: no published database at {published}; run `sto run` first", file=sys.stderr)
        return 2
    files = export_marts(published, out / "exports")
    print(f"exported {len(files)} file(s) to {out / 'exports'}")
    return 0


def _report_after_run(out: Path) -> None:
    """The report at the end of `sto run`: the database is already published, so a failure only warns."""
    try:
        cmd_report(out)
    except Exception as exc:  # reported; the published database is fine
        print(f"sto: warning: report not written: {type(exc).__name__}: {exc}", file=sys.stderr)


def _mode(args: argparse.Namespace) -> dict[str, Any]:
    env_mirrors = [m for m in os.environ.get("STO_MIRROR", "").split(os.pathsep) if m]
    mirrors = [str(Path(m).resolve()) for m in (args.mirror or env_mirrors)]
    for m in mirrors:
        if not Path(m).is_dir():
            raise SystemExit(f"sto: --mirror {m}: not a directory")
    online = args.online or os.environ.get("STO_ONLINE", "") in ("1", "true", "yes")
    return {
        "mirrors": mirrors,
        "cache_dir": os.environ.get("STO_CACHE", str(DOWNLOAD_DIR)),
        "offline": bool(args.offline),
        "sample": not mirrors and not online,
    }


def plan_phases(assets: list, selected: set | None) -> tuple[list, list, list]:
    """Split asset keys into: unpartitioned upstream of yearly assets, yearly assets, the rest."""
    deps: dict = {}
    partitioned: set = set()
    for a in assets:
        for key in a.keys:
            deps[key] = set(a.asset_deps.get(key, set()))
            if a.partitions_def is not None:
                partitioned.add(key)
    keys = set(deps) if selected is None else set(selected)

    def upstream(ks: set) -> set:
        seen, todo = set(), list(ks)
        while todo:
            k = todo.pop()
            for d in deps.get(k, ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    yearly = keys & partitioned
    before = (upstream(yearly) & keys) - partitioned
    after = keys - yearly - before
    order = sorted
    return order(before), order(yearly), order(after)


def available_years(fetcher, candidates: list[int]) -> list[int]:
    return [y for y in candidates if fetcher.locate("duo_vo_students", y) is not None]


def cmd_run(args: argparse.Namespace, out: Path) -> int:
    import dagster as dg

    from pipeline import publish as pub
    from pipeline.config import default_config
    from pipeline.definitions import RUN_T0, build_definitions, load_assets_and_checks
    from pipeline.resources import StoResource

    t0 = RUN_T0[0] = time.monotonic()
    mode = _mode(args)
    cfg = default_config()
    published = out / "sto.duckdb"
    try:
        with pub.run_lock(out):
            stale = pub.clean_stale_staging(out)
            if stale:
                print(f"recovered: removed {len(stale)} staging file(s) of an interrupted run")
            staging = pub.prepare_staging(published)
            resource = StoResource(db_path=str(staging), **mode)
            fetcher = resource.fetcher()
            years = args.years or available_years(fetcher, cfg.peiljaren)
            bad = [y for y in years if y not in cfg.peiljaren]
            if bad:
                pub.discard(staging)
                print(
                    f"sto: peiljaar {bad} outside the configured range {cfg.peiljaren[0]}–{cfg.peiljaren[-1]} "
                    "(pipeline/config/pipeline.yaml)",
                    file=sys.stderr,
                )
                return 2
            if not years:
                pub.discard(staging)
                print(
                    "sto: no DUO pupils file found for any peiljaar; give --years and --mirror, or --online",
                    file=sys.stderr,
                )
                return 2
            source = (
                "bundled SYNTHETIC sample (data_raw/sample)"
                if mode["sample"]
                else (f"mirrors {mode['mirrors']}" + ("" if mode["offline"] else " + download cache/online"))
            )
            print(f"sto run: peiljaren {years}; sources: {source}; output {published}")
            assets, _ = load_assets_and_checks()
            selected = None
            if args.select:
                names = {k.to_user_string(): k for a in assets for k in a.keys}
                unknown = [s for s in args.select if s not in names]
                if unknown:
                    pub.discard(staging)
                    print(f"sto: unknown asset(s) {unknown}; known: {sorted(names)}", file=sys.stderr)
                    return 2
                selected = {names[s] for s in args.select}
            before, yearly, after = plan_phases(assets, selected)
            defs = build_definitions(resource, quiet=True)
            job = defs.resolve_job_def("sto_all")
            instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
            phases = [(before, None)] + [(yearly, str(y)) for y in years] + [(after, None)]
            run_ids: list[str] = []
            try:
                for keys, part in phases:
                    if not keys:
                        continue
                    result = job.execute_in_process(
                        instance=instance,
                        asset_selection=keys,
                        partition_key=part,
                        raise_on_error=False,
                        run_config={"loggers": {"console": {}}},
                        tags={"sto/source": "sample" if mode["sample"] else "real"},
                    )
                    run_ids.append(result.run_id)
                    if not result.success:
                        _report_failure(result)
                        pub.discard(staging)
                        print(
                            f"sto run FAILED after {time.monotonic() - t0:.1f}s; "
                            f"published database unchanged: {published}",
                            file=sys.stderr,
                        )
                        return 1
                _record_provenance(staging, run_ids, years, mode, assets, selected)
                pub.publish(staging, published)
            except BaseException:
                pub.discard(staging)
                raise
    except pub.RunLockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return 3
    if not args.no_export:
        cmd_export(out)
    _report_after_run(out)
    print(f"sto run OK in {time.monotonic() - t0:.1f}s; published {published}")
    return 0


def _record_provenance(
    staging: Path, run_ids: list[str], years: list[int], mode: dict, assets: list, selected: set | None
) -> None:
    """Write the run's audit.provenance row into the staging database before it is published."""
    import uuid

    import duckdb

    from pipeline.provenance import record_run

    lineage = {
        k.to_user_string(): sorted(d.to_user_string() for d in a.asset_deps.get(k, set()))
        for a in assets
        for k in a.keys
        if selected is None or k in selected
    }
    con = duckdb.connect(str(staging))
    try:
        record_run(con, uuid.uuid4().hex, run_ids, years, "sample" if mode["sample"] else "real", lineage)
    finally:
        con.close()


def _report_failure(result) -> None:
    for ev in result.all_events:
        if ev.event_type_value == "STEP_FAILURE":
            err = ev.event_specific_data.error
            msg = err.message.strip() if err else ""
            while err is not None and err.cause is not None:
                err = err.cause
                msg = err.message.strip()
            print(f"error in {ev.step_key}: {msg}", file=sys.stderr)
        elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
            d = ev.event_specific_data
            if not d.passed and d.severity.value == "ERROR":
                failed = {k: v.value for k, v in d.metadata.items() if str(v.value).startswith("FAILED")}
                print(
                    f"blocking check failed: {d.asset_key.to_user_string()}.{d.check_name}: {failed}", file=sys.stderr
                )


STATUS_SQL = """
WITH latest AS (
    SELECT asset, coalesce(partition, '') AS part, arg_max(run_id, checked_at) AS run_id
    FROM audit.check_results GROUP BY ALL
)
SELECT c.asset, coalesce(c.partition, '') AS part,
       count(*) FILTER (WHERE NOT c.success AND c.severity = 'ERROR') AS errors,
       count(*) FILTER (WHERE NOT c.success AND c.severity = 'WARN') AS warnings
FROM audit.check_results c
JOIN latest l ON l.asset = c.asset AND l.part = coalesce(c.partition, '') AND l.run_id = c.run_id
GROUP BY ALL
"""


def cmd_status(out: Path) -> int:
    """Print every asset (and peiljaar) with its last materialisation and latest check outcome."""
    import dagster as dg
    import duckdb

    from pipeline.definitions import load_assets_and_checks

    assets, _ = load_assets_and_checks()
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    published = out / "sto.duckdb"
    checks: dict[tuple[str, str], tuple[int, int]] = {}
    if published.exists():
        con = duckdb.connect(str(published), read_only=True)
        try:
            checks = {(a, p): (e, w) for a, p, e, w in con.execute(STATUS_SQL).fetchall()}
        except duckdb.Error:
            pass
        finally:
            con.close()
    else:
        print(f"no published database at {published} yet")
    print(f"{'asset':30} {'peiljaar':8} {'last materialised (UTC)':24} checks")
    for a in sorted(assets, key=lambda a: a.key.to_user_string()):
        name = a.key.to_user_string()
        parts = sorted(instance.get_materialized_partitions(a.key)) if a.partitions_def else [""]
        for p in parts or [""]:
            flt = dg.AssetRecordsFilter(asset_key=a.key, asset_partitions=[p] if p else None)
            recs = instance.fetch_materializations(flt, limit=1).records
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(recs[0].timestamp)) if recs else "never"
            ck = checks.get((name, p))
            if ck is None:
                ck_s = "-"
            else:
                ck_s = "FAILED" if ck[0] else ("passed" + (f" ({ck[1]} warning(s))" if ck[1] else ""))
            print(f"{name:30} {p:8} {ts:24} {ck_s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
