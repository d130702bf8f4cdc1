"""`sto` command line (installed as .venv/bin/sto): materialise the pipeline in-process and look after the
warehouse's life.

    sto run    [--years Y ...] [--mirror DIR ...] [--out DIR] [--offline | --online] [--select ASSET ...]
               [--no-export] [--force]
    sto status [--out DIR]
    sto drop   --years Y ... [--out DIR]
    sto reset  [--out DIR] [--yes]
    sto export [--out DIR]
    sto report [--out DIR]

`sto run` builds into a staging copy of the published DuckDB file and publishes it only when every
asset and blocking check succeeded; on failure it exits non-zero and the last good database stays.
Usage errors (years, mirrors, a warehouse that holds the other source kind, one file for two years) are
answered before Dagster is imported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.config import ConfigError
from pipeline.paths import DATA_OUT, DOWNLOAD_DIR, PROJECT_ROOT

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
EXIT_DAMAGED, EXIT_CHANGED, EXIT_AFTER_PUBLISH = 4, 5, 6  # pipeline/integrity.py

EPILOG = """sto lives in the project's virtual environment: run it as .venv/bin/sto from the project folder
(`make setup` installs it), or `source .venv/bin/activate` once and type sto as below.

examples:
  sto run                                     bundled synthetic sample (peiljaren 2021-2023)
  sto run --mirror ../shared/data/duo --mirror ../shared/data/geo --years 2019 --offline
  sto run --online --years 2024 2025          download the official files (HTTPS, checksums)
  sto run --years 2026 --mirror DIR           add a year: only that year is read, marts are rebuilt
  sto run --force                             rebuild everything (default: skip unchanged work)
  sto status                                  years, their source kind and files, last load, checks
  sto drop --years 2019                       remove a peiljaar and rebuild the marts
  sto reset                                   list what reset would delete (dry run, exit 0)
  sto reset --yes                             empty the output folder (warehouse, exports, report, history, lock)

environment:
  STO_OUT      output folder (default data_out/)      STO_MIRROR   mirror folders, ':'-separated
  STO_ONLINE   1 = real sources, download allowed     STO_OFFLINE  1 = never download
  STO_CACHE    download cache (data_raw/downloads)    STO_DAGSTER_DIR  Dagster run history (OUT/dagster)
  STO_INVENTORY_MAPPING, STO_INVENTORY   another SEOR inventory (see README)

exit codes:
  0 ok   1 run failed (published database unchanged)   2 usage error or refused input
  3 busy: another sto run holds the lock, or another process has the warehouse open read-write
  4 warehouse damaged or unreadable (truncated, garbage, empty, another DuckDB storage version): the
    message names the file and how to recover (restore the previous copy, or `sto reset --out DIR --yes`)
  5 warehouse changed outside the pipeline since its build (content hashes differ): `sto status` shows
    NOT VERIFIED; export, report, drop and `run --select` refuse; `sto run` rebuilds instead of skipping
  6 published, but a step after the publish failed (exports or report not written; the message says which)
"""


class UsageError(Exception):
    """A problem with the command line or the inputs found before any work (exit 2)."""


def _env_setup(out: Path) -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    os.environ.setdefault("STO_DAGSTER_DIR", str(out / "dagster"))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its text, add a hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"sto: {message} (see `sto --help`)\n")


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = _Parser(
        prog="sto",
        description="STO / Techniekpact / SEOR monitoring pipeline: DUO open data → audited DuckDB marts.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="materialise all assets (or a selection)", epilog=EPILOG, formatter_class=fmt)
    run.add_argument("--years", nargs="+", type=int, help="peiljaren to (re)load; default: all available")
    run.add_argument("--mirror", action="append", default=[], help="directory holding official files (repeatable)")
    run.add_argument("--out", type=Path, default=None, help="output directory (default data_out/)")
    net = run.add_mutually_exclusive_group()
    net.add_argument("--offline", action="store_true", help="never download; mirrors and cache only")
    net.add_argument("--online", action="store_true", help="use the real sources (download) even without --mirror")
    run.add_argument("--select", nargs="+", default=None, help="asset names to materialise (with their checks)")
    run.add_argument("--no-export", action="store_true", help="skip CSV/Parquet exports of the marts")
    run.add_argument(
        "--force",
        action="store_true",
        help="rebuild every asset even when the code, settings and input files are unchanged since the last "
        "build (default: skip the run, or load only new and changed peiljaren)",
    )
    ex = sub.add_parser("export", help="write every mart of the published database to data_out/exports/")
    ex.add_argument("--out", type=Path, default=None)
    st = sub.add_parser("status", help="years with source kind, files and load time; assets and check outcomes")
    st.add_argument("--out", type=Path, default=None)
    dr = sub.add_parser("drop", help="remove peiljaren from the warehouse and rebuild the marts")
    dr.add_argument("--years", nargs="+", type=int, required=True)
    dr.add_argument("--out", type=Path, default=None)
    rs = sub.add_parser("reset", help="empty the output folder: warehouse, exports, report, run history, lock")
    rs.add_argument("--out", type=Path, default=None)
    rs.add_argument("--yes", action="store_true", help="really delete (without it: a dry run listing what would go)")
    rp = sub.add_parser("report", help="write the offline HTML report of the published database to <out>/report/")
    rp.add_argument("--out", type=Path, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `sto`; returns the exit code (see EPILOG)."""
    from pipeline.integrity import safe_umask

    safe_umask()  # nothing the pipeline creates is group- or world-writable, whatever the caller's umask
    try:
        return _main(argv)
    except BrokenPipeError:  # `sto status | head`: the reader left; nothing to report
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # a full disk can stop Dagster's own run history before any step reports it
        from pipeline.integrity import disk_full_message, enospc_in

        if not enospc_in(exc):
            raise
        args = _parser().parse_args(argv)
        out = (args.out or Path(os.environ.get("STO_OUT", DATA_OUT))).resolve()
        from pipeline import publish as pub

        pub.clean_if_idle(out)
        print(f"sto {args.command} FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        print(f"sto: {disk_full_message(out)}", file=sys.stderr)
        print(f"published database unchanged: {out / 'sto.duckdb'}", file=sys.stderr)
        return EXIT_FAILED


def _main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        out = (args.out or Path(os.environ.get("STO_OUT", DATA_OUT))).resolve()
    except (RuntimeError, OSError) as exc:  # Python names a loop "Symlink loop from …"
        print(f"sto: --out {args.out or os.environ.get('STO_OUT')}: a symbolic link loop ({exc})", file=sys.stderr)
        return EXIT_USAGE
    _env_setup(out)
    from pipeline import integrity
    from pipeline import publish as pub

    try:
        if args.command != "reset":
            _guard_warehouse(args, out)
        if args.command == "status":  # the verification line, then the status itself (exit 5 when not verified)
            ok, line = integrity.status_line(out / "sto.duckdb") if (out / "sto.duckdb").exists() else (True, "")
            if line:
                print(line + "\n")
            try:
                rc = cmd_status(out)
            except Exception as exc:  # a read-only output folder: the run history cannot be created or opened
                if isinstance(exc, BrokenPipeError) or (
                    not isinstance(exc, OSError) and "readonly" not in str(exc).replace("-", "")
                ):
                    raise
                history = os.environ.get("STO_DAGSTER_DIR", str(out / "dagster"))
                print(
                    f"sto status: the run history {history} cannot be opened on this account or file system "
                    f"({str(exc).strip().splitlines()[0]}): the assets' last materialisations are not shown",
                    file=sys.stderr,
                )
                rc = EXIT_OK
            return rc if rc or ok else EXIT_CHANGED
        if args.command == "run":
            return cmd_run(args, out)
        if args.command == "export":
            return cmd_export(out)
        if args.command == "drop":
            return cmd_drop(args, out)
        if args.command == "reset":
            return cmd_reset(args, out)
        if args.command == "report":
            return cmd_report(out)
        return cmd_status(out)
    except (UsageError, integrity.PreflightError) as exc:
        print(f"sto: {exc}", file=sys.stderr)
        if args.command in ("run", "drop") and (out / "sto.duckdb").exists():
            print(f"nothing was run; published database unchanged: {out / 'sto.duckdb'}", file=sys.stderr)
        return EXIT_USAGE
    except pub.PublishBlockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except integrity.WarehouseDamagedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    except integrity.WarehouseChangedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        print(f"sto {args.command}: refused; nothing was written", file=sys.stderr)
        return EXIT_CHANGED
    except ConfigError as exc:  # a configuration file refused (pipeline/config_schema.py, pipeline/place_names.py)
        print(f"sto: {exc}", file=sys.stderr)
        unchanged = f"; published database unchanged: {out / 'sto.duckdb'}" if (out / "sto.duckdb").exists() else ""
        print(f"sto: configuration refused before any work; nothing was run{unchanged}", file=sys.stderr)
        return EXIT_USAGE


def _guard_warehouse(args: argparse.Namespace, out: Path) -> None:
    """Before any command but reset (pipeline/integrity.py): remove staging files of killed or terminated
    runs when no run is in progress; name a damaged or foreign warehouse (exit 4) or a writer on it (exit
    3); refuse an output folder this account cannot write (exit 2); and for the commands that pass the
    warehouse's contents on (export, report, drop) require it unchanged since its build
    (exit 5). `sto run` verifies in its build plan (a changed warehouse is rebuilt, not skipped) and, for a
    partial run, on its staging copy (pipeline/resources.py)."""
    from pipeline import integrity
    from pipeline import publish as pub

    published = out / "sto.duckdb"
    removed = pub.clean_if_idle(out)
    if removed:
        print(f"sto: removed {len(removed)} staging file(s) left by an interrupted run: {[p.name for p in removed]}")
    integrity.require_readable(published)
    if args.command != "status":
        dagster_dir = Path(os.environ.get("STO_DAGSTER_DIR", out / "dagster"))
        integrity.check_writable(out, [dagster_dir] if args.command in ("run", "drop") else None)
    if args.command in ("run", "drop"):
        integrity.check_free_space(out)  # exit 2 when the staging copy cannot fit (ENOSPC named)
    if args.command in ("export", "report", "drop"):
        integrity.require_verified(published)  # `run` verifies in its build plan and on its staging copy


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
    return EXIT_OK


def cmd_export(out: Path) -> int:
    """Export the published marts to CSV and Parquet under <out>/exports."""
    from pipeline.export import export_marts

    published = out / "sto.duckdb"
    if not published.exists():
        print(f"sto: no published database at {published}; run `sto run` first", file=sys.stderr)
        return EXIT_USAGE
    files = export_marts(published, out / "exports")
    print(f"exported {len(files)} file(s) to {out / 'exports'}")
    return EXIT_OK


def _after_publish(out: Path, export: bool = True, report: bool = True) -> int:
    """Exports and the report after a publish (or a skip that found them missing). The database is already
    published, so a failure here is not exit 1 ("published database unchanged" would be false): each
    failure is named, with the disk-full cause when that is it, and the exit code is 6."""
    from pipeline import integrity

    failed = []
    for what, wanted, step in (("exports", export, cmd_export), ("report", report, cmd_report)):
        if not wanted:
            continue
        try:
            if step(out) != EXIT_OK:
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


def _mode(args: argparse.Namespace) -> dict[str, Any]:
    env_mirrors = [m for m in os.environ.get("STO_MIRROR", "").split(os.pathsep) if m]
    from pipeline.integrity import check_mirror_dir

    for m in args.mirror or env_mirrors:
        check_mirror_dir(m)  # PreflightError (exit 2): missing, not a folder, unreadable, a symlink loop
    mirrors = [str(Path(m).resolve()) for m in (args.mirror or env_mirrors)]
    online = args.online or os.environ.get("STO_ONLINE", "") in ("1", "true", "yes")
    offline = bool(args.offline) or os.environ.get("STO_OFFLINE", "") in ("1", "true", "yes")
    return {
        "mirrors": mirrors,
        "cache_dir": os.environ.get("STO_CACHE", str(DOWNLOAD_DIR)),
        "offline": offline,
        "sample": not mirrors and not online,
    }


def whole_steps(assets: list, keys: set) -> set:
    """`keys` plus every other table written by the same step (a multi-asset such as core_seor_step6_roc
    writes its tables together and cannot run for one of them alone)."""
    return set(keys).union(*(a.keys for a in assets if a.keys & set(keys)))


def downstream_of_yearly(assets: list) -> list:
    """Unpartitioned asset keys that depend, directly or not, on a peiljaar-partitioned asset (the marts
    and coverage tables a change of loaded years invalidates), sorted."""
    deps = {k: set(a.asset_deps.get(k, set())) for a in assets for k in a.keys}
    yearly = {k for a in assets if a.partitions_def is not None for k in a.keys}
    down: set = set()
    changed = True
    while changed:
        changed = False
        for k, ds in deps.items():
            if k not in yearly and k not in down and ds & (yearly | down):
                down.add(k)
                changed = True
    return sorted(down)


def available_years(fetcher, candidates: list[int]) -> list[int]:
    """The candidate peiljaren whose DUO pupils file is in a mirror or the cache."""
    return [y for y in candidates if fetcher.locate("duo_vo_students", y) is not None]


def _years_by_mirror(cfg, mode: dict[str, Any]) -> str:
    """'DIR: 2019, 2020; DIR2: none' — what each mirror (or the sample) holds, for error messages."""
    from pipeline.fetch import fetcher_for

    dirs = ["(bundled sample)"] if mode["sample"] else mode["mirrors"]
    parts = []
    for d in dirs:
        f = fetcher_for(cfg.sources, mode["sample"], [] if mode["sample"] else [d], None, True)
        ys = available_years(f, cfg.peiljaren)
        parts.append(f"{d}: {', '.join(map(str, ys)) or 'none'}")
    return "; ".join(parts) or "no mirror given"


def preflight(args: argparse.Namespace, out: Path, cfg, mode: dict[str, Any]) -> tuple[list[int], list]:
    """Every check that needs no Dagster: years in range and present, one file per year, the warehouse's
    source kind, no writer on the published file. Returns (years, located files).

    Raises UsageError (exit 2) or publish.PublishBlockedError (exit 3)."""
    import duckdb

    from pipeline import publish as pub
    from pipeline.fetch import fetcher_for

    allowed = cfg.peiljaren
    if args.years:
        bad = sorted({y for y in args.years if y not in allowed})
        if bad:
            raise UsageError(
                f"peiljaar {', '.join(map(str, bad))} outside the allowed range {allowed[0]}–{allowed[-1]} "
                "(pipeline/config/pipeline.yaml `peiljaren`; the range runs to the current calendar year)"
            )
    fetcher = fetcher_for(cfg.sources, mode["sample"], mode["mirrors"], mode["cache_dir"], mode["offline"])
    check_place_names(cfg, fetcher, out / "sto.duckdb", mode)  # before pandas is imported (pipeline.audit): fast
    from pipeline.audit import (
        KIND_REAL,
        KIND_SAMPLE,
        describe_holdings,
        loaded_year_files,
        mix_message,
        refresh_command,
        source_kind,
        stale_rule_years,
        warehouse_kinds,
    )

    years = sorted(set(args.years)) if args.years else available_years(fetcher, allowed)
    if not years:
        raise UsageError(
            "no DUO pupils file found for any peiljaar; give --mirror DIR (and --years) or --online. "
            f"Mirrors: {_years_by_mirror(cfg, mode)}"
        )
    located = {y: fetcher.locate("duo_vo_students", y) for y in years}
    can_download = not mode["sample"] and not mode["offline"]
    missing = [y for y, f in located.items() if f is None]
    if missing and not can_download:
        raise UsageError(
            f"no DUO pupils file for peiljaar {', '.join(map(str, missing))}: source 'duo_vo_students' peiljaar "
            f"{missing[0]}: none of {fetcher.candidate_names('duo_vo_students', missing[0])} found in the mirrors"
            f"{'' if mode['sample'] else ' or the download cache'} (offline mode). Years each mirror has: "
            f"{_years_by_mirror(cfg, mode)}"
        )
    if missing and can_download:  # ask the publisher now, not after the other steps have run
        unpublished = [y for y in missing if not fetcher.is_published("duo_vo_students", y)]
        if unpublished:
            raise UsageError(
                f"no DUO pupils file for peiljaar {', '.join(map(str, unpublished))}: not in the mirrors or the "
                f"download cache, and {fetcher.url('duo_vo_students', unpublished[0])} did not answer with the "
                "file (not published yet, or no network). Years each mirror has: "
                f"{_years_by_mirror(cfg, mode)}"
            )
    files = [f for f in located.values() if f is not None]
    by_sha: dict[str, Any] = {}
    for f in files:  # one file for two peiljaren within this run
        if f.sha256 in by_sha:
            g = by_sha[f.sha256]
            raise UsageError(
                f"{g.path} (peiljaar {g.peiljaar}) and {f.path} (peiljaar {f.peiljaar}) are the same file "
                f"(identical sha256 {f.sha256[:16]}…): one file cannot hold two peiljaren"
            )
        by_sha[f.sha256] = f
    kinds = {source_kind(f.path) for f in files}
    if len(kinds) > 1:
        raise UsageError(
            "this run's files mix the synthetic sample and real data: "
            + "; ".join(f"peiljaar {f.peiljaar}: {f.path} ({source_kind(f.path)})" for f in files)
        )
    published = out / "sto.duckdb"
    if published.exists():
        pub.check_no_writer(published)
        con = duckdb.connect(str(published), read_only=True)
        try:
            kind = next(iter(kinds)) if kinds else (KIND_SAMPLE if mode["sample"] else KIND_REAL)
            if warehouse_kinds(con) - {kind}:
                refresh = refresh_command(con, out, DATA_OUT)
                raise UsageError(mix_message(str(published), describe_holdings(con), kind, out, refresh))
            stale = [y for y in stale_rule_years(con, "duo_vo_students", cfg.rules_hash()) if y not in years]
            if stale:
                every = sorted(set(stale) | set(years))
                raise UsageError(
                    f"peiljaar {', '.join(map(str, stale))} in {published} was loaded under other classification "
                    "rules (pipeline/config/onderwijstypes.yaml, profiles.yaml or the censored-cell treatment "
                    "changed since); its figures would be mixed with this run's. Reload it with the current rules: "
                    f"`sto run --years {' '.join(map(str, every))} …`, or remove it: `sto drop --years "
                    f"{' '.join(map(str, stale))}`."
                )
            for year, path, sha in loaded_year_files(con, "duo_vo_students"):
                g = by_sha.get(sha)
                if g is not None and g.peiljaar != year:
                    raise UsageError(
                        f"{g.path} (offered for peiljaar {g.peiljaar}) is the same file as {path}, loaded for "
                        f"peiljaar {year} (identical sha256 {sha[:16]}…): one file cannot hold two peiljaren. "
                        f"If {year} was wrong, `sto drop --years {year}` first."
                    )
        finally:
            con.close()
    return years, files


def check_place_names(cfg, fetcher, published: Path, mode: dict[str, Any]) -> None:
    """Every place name of the configuration (scopes' gemeenten, COROP regions) against the address file this
    run loads and the snapshots the warehouse holds (pipeline/place_names.py). Raises ConfigError (exit 2)
    naming file, line, key and the name, with "did you mean"; for the synthetic sample, which covers a few
    municipalities only, the names it lacks are a printed note."""
    from pipeline.audit import KIND_SAMPLE, source_kind
    from pipeline.config import config_error
    from pipeline.place_names import check_config_places

    located = fetcher.locate("duo_vo_locations")
    messages, where = check_config_places(cfg, located.path if located else None, published)
    if located:
        sample = source_kind(located.path) == KIND_SAMPLE  # also a mirrored copy of the sample
    else:  # names from the warehouse alone: they are the sample's when the warehouse holds the sample
        sample = mode["sample"] or _holds_sample(published)
    if messages and sample:
        print(
            f"sto run: note: {len(messages)} place name(s) of the configuration have no address in the synthetic "
            "sample; their targets are computed over the sample's locations (a run on real data refuses them):",
        )
        for m in messages:
            print(f"  {m}")
    elif messages:
        raise config_error(messages)


def _holds_sample(published: Path) -> bool:
    """Whether the warehouse holds the synthetic sample (audit.loaded_sources); False when it cannot say."""
    import duckdb

    from pipeline.audit import KIND_SAMPLE
    from pipeline.tables import sql_literal

    if not published.is_file():
        return False
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return False
    try:
        sql = f"SELECT count(*) FROM audit.loaded_sources WHERE source_kind = {sql_literal(KIND_SAMPLE)}"
        return bool(con.execute(sql).fetchone()[0])
    except duckdb.Error:
        return False
    finally:
        con.close()


def _source_line(mode: dict[str, Any]) -> str:
    if mode["sample"]:
        return "bundled SYNTHETIC sample (data_raw/sample)"
    return f"mirrors {mode['mirrors']}" + ("" if mode["offline"] else " + download cache/online")


def cmd_run(args: argparse.Namespace, out: Path) -> int:
    """`sto run`: preflight (usage errors, what changed since the last build), then one run of the Dagster
    job `sto_all` over the selection and the requested peiljaren, published by the resource."""
    from pipeline import publish as pub
    from pipeline.config import default_config

    t0 = time.monotonic()
    mode = _mode(args)
    cfg = default_config()
    published = out / "sto.duckdb"
    from pipeline.integrity import check_input_files

    # unreadable, empty (0 bytes) or broken-link inputs: exit 2 now, not a "not found" or a step failure
    check_input_files(list(_locators(cfg, mode)), cfg.sources, sorted(set(args.years or cfg.peiljaren)))
    try:
        years, _ = preflight(args, out, cfg, mode)
    except pub.PublishBlockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:  # an input that cannot be read (hashing the located files)
        raise UsageError(f"{exc.filename or ''}: cannot be read ({exc.strerror or exc}); nothing was run") from exc
    plan = None
    if not args.select:  # an explicit selection runs as asked
        plan = _build_plan(published, cfg, mode, years, args.force)
        if plan.kind == "skip":
            print(f"sto run: {plan.reason}; skipped. Published database unchanged: {published} (`--force` rebuilds)")
            rc = _after_publish(
                out,
                export=not args.no_export and not (out / "exports").exists(),
                report=not (out / "report" / "index.html").exists(),
            )
            print(
                f"sto run {'OK' if rc == EXIT_OK else 'published database unchanged'} in {time.monotonic() - t0:.1f}s (nothing to do)"
            )
            return rc
        years = plan.years  # a full build after a change outside the pipeline reloads every held peiljaar
        if plan.kind != "years":
            _require_reference_files(cfg, mode)
        print(
            f"sto run: {'only the new or changed peiljaren' if plan.kind == 'years' else 'full build'}: {plan.reason}"
        )
    import dagster as dg

    from pipeline.definitions import PROGRESS, RUN_T0, build_definitions, load_assets_and_checks, loaded_peiljaren
    from pipeline.partitions import PEILJAAR_PARTITIONS
    from pipeline.resources import StoResource

    RUN_T0[0] = t0
    assets, _ = load_assets_and_checks()
    selected = None
    if args.select:
        names = {k.to_user_string(): k for a in assets for k in a.keys}
        unknown = [s for s in args.select if s not in names]
        if unknown:
            raise UsageError(f"unknown asset(s) {unknown}; known: {sorted(names)}")
        selected = whole_steps(assets, {names[s] for s in args.select})
    elif plan is not None and plan.kind == "years":
        yearly = {k for a in assets if a.partitions_def is not None for k in a.keys}
        selected = whole_steps(assets, yearly | set(downstream_of_yearly(assets)))
    print(f"sto run: peiljaren {years}; sources: {_source_line(mode)}; output {published}")
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
        tags.update(_partition_range(known + new, years))  # before adding: a refused range adds nothing
        instance.add_dynamic_partitions(PEILJAAR_PARTITIONS, new)
    # The same job, selection semantics and publish rule as a run from the Dagster UI: the resource
    # (atomic_publish) takes the output folder's lock, builds into a staging copy and publishes it only when
    # no step and no blocking check failed, recording provenance first (pipeline/resources.py).
    resource = StoResource(db_path=str(published), atomic_publish=True, **mode)
    job = build_definitions(resource, quiet=True).resolve_job_def("sto_all")
    PROGRESS.update(
        done=0,
        total=len([a for a in assets if a.keys & set(keys)]),  # steps
        part=", ".join(map(str, years)) if yearly else None,
        yearly_steps={k.to_user_string() for k in yearly},
    )
    from pipeline import integrity

    try:
        result = job.execute_in_process(
            instance=instance,
            asset_selection=keys,
            raise_on_error=False,
            run_config={"loggers": {"console": {}}},
            tags=tags,
        )
    except Exception as exc:  # Dagster itself failed (e.g. its run history could not be written: disk full)
        outcome = pub.OUTCOMES.pop(str(published), None)
        print(f"sto run FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        note = integrity.disk_full_message(out) if integrity.enospc_in(exc) else integrity.disk_full_note(out)
        if note:
            print(f"sto: {note}", file=sys.stderr)
        if outcome == "published":
            return EXIT_AFTER_PUBLISH
        pub.clean_if_idle(out)
        print(f"published database unchanged: {published}", file=sys.stderr)
        return EXIT_FAILED
    outcome = pub.OUTCOMES.pop(str(published), None)
    if outcome != "published":  # the years this run added as partitions hold no data: remove them again
        for k in new:
            instance.delete_dynamic_partition(PEILJAAR_PARTITIONS, k)
    changed = _error_of(result, "WarehouseChangedError")
    if changed:  # a partial run on a warehouse changed outside the pipeline (verified on the staging copy)
        print(f"sto: {changed}", file=sys.stderr)
        print(f"sto run: refused; nothing published; published database unchanged: {published}", file=sys.stderr)
        return EXIT_CHANGED
    busy = _busy_error(result)
    if busy is not None or (outcome or "").startswith("blocked"):
        print(f"sto: {busy or outcome.removeprefix('blocked: ')}", file=sys.stderr)
        print(f"nothing published; published database unchanged: {published}", file=sys.stderr)
        return EXIT_BUSY
    if not result.success or outcome != "published":
        _report_failure(result)
        note = integrity.disk_full_message(out) if _enospc_event(result) else integrity.disk_full_note(out)
        if note:
            print(f"sto: {note}", file=sys.stderr)
        print(
            f"sto run FAILED after {time.monotonic() - t0:.1f}s; published database unchanged: {published}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    rc = _after_publish(out, export=not args.no_export)
    print(f"sto run {'OK' if rc == EXIT_OK else 'published'} in {time.monotonic() - t0:.1f}s; published {published}")
    return rc


def _partition_range(order: list[str], years: list[int]) -> dict[str, str]:
    """Run tags for one run over `years`: the partition range from the first to the last of them in the
    dynamic partitions' order (the order years were first loaded). Raises UsageError when that range
    would take in a loaded peiljaar that was not asked for (years first loaded out of order)."""
    wanted = {str(y) for y in years}
    idx = sorted(order.index(k) for k in wanted)
    block = order[idx[0] : idx[-1] + 1]
    extra = [k for k in block if k not in wanted]
    if extra:
        raise UsageError(
            f"peiljaar {', '.join(extra)} lies between the requested years in the warehouse's partition order "
            f"({', '.join(order)}); one run covers one range: add --years {' '.join(extra)} (reloaded from "
            "its file), or run the years separately"
        )
    return {"dagster/asset_partition_range_start": block[0], "dagster/asset_partition_range_end": block[-1]}


def _enospc_event(result) -> bool:
    """True when an error event of the run names a full disk (ENOSPC, DuckDB's or SQLite's words)."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            text = err.message or ""
            if "No space left on device" in text or "ENOSPC" in text or "database or disk is full" in text:
                return True
            err = err.cause
    return False


def _error_of(result, cls_name: str) -> str | None:
    """The message of the first error of class `cls_name` in the run's events (causes included), or None."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            if err.cls_name == cls_name:
                return err.message.strip().removeprefix(f"{cls_name}: ")
            err = err.cause
    return None


def _busy_error(result) -> str | None:
    """The message of a RunLockedError / PublishBlockedError that stopped the run (another run holds the
    folder, or a process holds the warehouse open read-write), or None."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            if err.cls_name in ("RunLockedError", "PublishBlockedError"):
                return err.message.strip().removeprefix(f"{err.cls_name}: ")
            err = err.cause
    return None


def _execute_phases(job, instance, phases: list, mode: dict[str, Any]) -> list[str] | None:
    """Run each (asset keys, partition) phase in-process; the run ids, or None after the first failure."""
    from pipeline.definitions import PROGRESS

    run_ids: list[str] = []
    for keys, part in phases:
        PROGRESS["part"] = part
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
            return None
    return run_ids


def cmd_drop(args: argparse.Namespace, out: Path) -> int:
    """`sto drop --years …`: delete those peiljaren's rows, rebuild every unpartitioned downstream asset
    (marts) over the remaining years, publish atomically and remove the years' Dagster partitions."""
    import duckdb

    from pipeline import publish as pub
    from pipeline.config import default_config
    from pipeline.partitions import PEILJAAR_PARTITIONS, YEARLY_TABLES

    default_config()  # the marts are rebuilt under the configuration: validated before any work (ConfigError)
    published = out / "sto.duckdb"
    if not published.exists():
        raise UsageError(f"no published database at {published}")
    try:
        pub.check_no_writer(published)
    except pub.PublishBlockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_BUSY
    con = duckdb.connect(str(published), read_only=True)
    try:
        loaded = [r[0] for r in con.execute(f"SELECT DISTINCT peiljaar FROM {YEARLY_TABLES[-1]} ORDER BY 1").fetchall()]
    finally:
        con.close()
    years = sorted(set(args.years))
    absent = [y for y in years if y not in loaded]
    if absent:
        raise UsageError(f"peiljaar {', '.join(map(str, absent))} is not in {published} (it holds {loaded})")
    if set(loaded) <= set(years):
        raise UsageError(f"dropping every loaded peiljaar ({loaded}) leaves no data: use `sto reset --yes` instead")
    t0 = time.monotonic()
    import dagster as dg

    from pipeline.definitions import PROGRESS, RUN_T0, build_definitions, load_assets_and_checks
    from pipeline.resources import StoResource

    RUN_T0[0] = t0
    mode = _warehouse_mode(published)
    try:
        with pub.run_lock(out):
            pub.clean_stale_staging(out)
            pub.check_no_writer(published)
            staging = pub.prepare_staging(published)
            try:
                con = duckdb.connect(str(staging))
                try:
                    for table in (*YEARLY_TABLES, "audit.loaded_sources"):
                        con.execute(f"DELETE FROM {table} WHERE list_contains(?, peiljaar)", [years])
                finally:
                    con.close()
                assets, _ = load_assets_and_checks()
                keys = sorted(whole_steps(assets, set(downstream_of_yearly(assets))))
                resource = StoResource(db_path=str(staging), **mode)
                job = build_definitions(resource, quiet=True).resolve_job_def("sto_all")
                instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
                PROGRESS.update(done=0, total=len([a for a in assets if a.keys & set(keys)]))
                print(f"sto drop: peiljaren {years} from {published}; rebuilding {len(keys)} downstream asset(s)")
                run_ids = _execute_phases(job, instance, [(keys, None)], mode)
                if run_ids is None:
                    pub.discard(staging)
                    print(f"sto drop FAILED; published database unchanged: {published}", file=sys.stderr)
                    return EXIT_FAILED
                remaining = [y for y in loaded if y not in years]
                _record_provenance(staging, run_ids, remaining, mode, keys)
                pub.publish(staging, published)
            except BaseException:
                pub.discard(staging)
                raise
            for y in years:
                if instance.has_dynamic_partition(PEILJAAR_PARTITIONS, str(y)):
                    instance.delete_dynamic_partition(PEILJAAR_PARTITIONS, str(y))
    except pub.RunLockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_BUSY
    rc = _after_publish(out)
    print(
        f"sto drop {'OK' if rc == EXIT_OK else 'published'} in {time.monotonic() - t0:.1f}s; peiljaren now {remaining}; published {published}"
    )
    return rc


def _warehouse_mode(published: Path) -> dict[str, Any]:
    """Source settings for rebuilding a warehouse's marts (`sto drop`): its own source kind, offline. The
    assets downstream of the yearly ones read only the warehouse, never a source file."""
    import duckdb

    from pipeline.audit import KIND_SAMPLE, warehouse_kinds

    con = duckdb.connect(str(published), read_only=True)
    try:
        kinds = warehouse_kinds(con)
    finally:
        con.close()
    env_mirrors = [str(Path(m).resolve()) for m in os.environ.get("STO_MIRROR", "").split(os.pathsep) if m]
    return {
        "mirrors": env_mirrors,
        "cache_dir": os.environ.get("STO_CACHE", str(DOWNLOAD_DIR)),
        "offline": True,
        "sample": KIND_SAMPLE in kinds or not kinds,
    }


def cmd_reset(args: argparse.Namespace, out: Path) -> int:
    """`sto reset --yes`: remove the warehouse (and any journal), staging, exports, report, the project-local
    Dagster run history under the output folder and the run lock file; under the run lock, never under a
    writer. Without --yes a dry run: lists what would go and exits 0."""
    from pipeline import publish as pub

    published = out / "sto.duckdb"
    dagster_dir = Path(os.environ.get("STO_DAGSTER_DIR", out / "dagster")).resolve()
    lock = out / pub.LOCK_NAME
    targets = [published, Path(str(published) + ".wal"), out / ".staging", out / "exports", out / "report"]
    if dagster_dir.is_relative_to(out):
        targets.append(dagster_dir)
    present = [t for t in [*targets, lock] if t.exists()]
    if not present:
        print(f"sto reset: {out} holds nothing to delete")
        return EXIT_OK
    if not args.yes:  # a dry run: it did what was asked (list), so it succeeds
        print("sto reset would delete:")
        for t in present:
            print(f"  {t}")
        print(f"nothing deleted; run `sto reset --out {out} --yes` to delete")
        return EXIT_OK
    try:
        with pub.run_lock(out):
            pub.check_no_writer(published)
            for t in present:
                if t != lock:
                    shutil.rmtree(t) if t.is_dir() else t.unlink()
            lock.unlink(missing_ok=True)  # last, still held: reset leaves nothing behind
    except pub.RunLockedError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print(f"sto reset: removed {len(present)} item(s) from {out}")
    return EXIT_OK


def _require_reference_files(cfg, mode: dict[str, Any]) -> None:
    """Before a full build: every non-optional reference source (addresses, GeoNames, exams, curated
    inputs) must be in a mirror, the cache or the repository, unless the run may download it. Raises
    UsageError (exit 2) naming each missing source, the file names looked for and the mirrors, in the
    words of the fetch error the step would raise later."""
    if not mode["sample"] and not mode["offline"]:
        return  # online: a missing file is downloaded (its own errors name the URL)
    fetcher, local = _locators(cfg, mode)
    missing = [
        sid
        for sid, spec in cfg.sources["sources"].items()
        if not spec.get("yearly") and not spec.get("optional") and (fetcher.locate(sid) or local.locate(sid)) is None
    ]
    if missing:
        where = ", ".join(str(m) for m in fetcher.mirrors) or "no mirror configured"
        raise UsageError(
            "reference file(s) missing, nothing was run: "
            + "; ".join(f"source {sid!r}: none of {fetcher.candidate_names(sid)} found" for sid in missing)
            + f" in mirrors ({where}) or cache, and offline mode. Give every mirror the full build needs "
            "(e.g. --mirror ../shared/data/duo --mirror ../shared/data/geo); a mirror holding only a new year's "
            "file is added to those, not instead of them"
        )


def _locators(cfg, mode: dict[str, Any]) -> tuple:
    """(fetcher, fetcher with the repository's curated inputs) of this run's mode, offline: they only
    locate files (mirrors, cache, data_raw/), never download."""
    from pipeline.fetch import fetcher_for

    args = (cfg.sources, mode["sample"], mode["mirrors"], mode["cache_dir"], True)
    return fetcher_for(*args), fetcher_for(*args, local=True)


def _build_plan(published: Path, cfg, mode: dict[str, Any], years: list[int], force: bool):
    """pipeline.fingerprint.plan_build with this run's locating fetchers (no network)."""
    from pipeline.fingerprint import plan_build

    return plan_build(published, cfg.sources, *_locators(cfg, mode), mode, years, force)


def _record_provenance(staging: Path, run_ids: list[str], years: list[int], mode: dict, keys: list) -> None:
    """Write `sto drop`'s audit.provenance row (the lineage of the assets it rebuilt, `keys`) into its staging
    database before it is published (`sto run` records through the resource, as UI runs do)."""
    import uuid

    import duckdb

    from pipeline.provenance import record_run
    from pipeline.resources import ASSET_DEPS

    names = {k.to_user_string() for k in keys}
    lineage = {k: deps for k, deps in ASSET_DEPS.items() if k in names}
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
                print(f"blocking check failed: {d.asset_key.to_user_string()}.{d.check_name}", file=sys.stderr)
                for k, v in d.metadata.items():
                    text = str(v.value)
                    if text.startswith("FAILED"):
                        print(f"  {k}: {text.split(';')[0].removeprefix('FAILED: ')}", file=sys.stderr)
                    elif "failing rows in words: " in k:
                        for line in text.splitlines()[:20]:
                            print(f"    {line}", file=sys.stderr)


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


YEARS_SQL = """
SELECT peiljaar, source_kind AS kind, string_agg(file_name || ' (' || left(sha256, 12) || ')', ', ' ORDER BY file_name)
       AS files, strftime(max(loaded_at), '%Y-%m-%d %H:%M') AS loaded_utc
FROM audit.loaded_sources WHERE peiljaar IS NOT NULL GROUP BY ALL ORDER BY peiljaar
"""
REFERENCE_SQL = """
SELECT asset, source_kind AS kind, file_name || ' (' || left(sha256, 12) || ')' AS file,
       strftime(loaded_at, '%Y-%m-%d %H:%M') AS loaded_utc
FROM audit.loaded_sources WHERE peiljaar IS NULL ORDER BY asset, file_name
"""


def cmd_status(out: Path) -> int:
    """Print the warehouse's peiljaren (source kind, files with sha256, load time), its reference inputs, and
    every asset (and peiljaar) with its last materialisation and latest check outcome, in aligned columns."""
    import duckdb
    from tabulate import tabulate

    from pipeline.audit import SNAPSHOT_USE_SQL, describe_holdings, loaded_year_files

    published = out / "sto.duckdb"
    checks: dict[tuple[str, str], tuple[int, int]] = {}
    held: list[str] = []
    if not published.exists():
        print(f"no published database at {published} yet: `sto run` builds one")
        return EXIT_OK
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.IOException as exc:  # a writer holds the file
        print(f"sto: cannot read {published}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_BUSY
    try:
        print(f"warehouse {published}: {describe_holdings(con) or 'no source identity recorded'}\n")
        held = sorted({str(y) for y, _, _ in loaded_year_files(con, "duo_vo_students")})  # the warehouse's own years
        for title, sql in (
            ("peiljaren", YEARS_SQL),
            ("address snapshots used per peiljaar", SNAPSHOT_USE_SQL),
            ("reference inputs", REFERENCE_SQL),
        ):
            try:
                df = con.execute(sql).df()
            except duckdb.Error:
                continue
            print(f"{title}:\n{tabulate(df, headers='keys', tablefmt='simple', showindex=False)}\n")
        try:
            checks = {(a, p): (e, w) for a, p, e, w in con.execute(STATUS_SQL).fetchall()}
        except duckdb.Error:
            pass
    finally:
        con.close()
    import dagster as dg

    from pipeline.definitions import load_assets_and_checks

    assets, _ = load_assets_and_checks()
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    rows = []
    partitioned = {k for a in assets if a.partitions_def for k in a.keys}
    for key in sorted((k for a in assets for k in a.keys), key=lambda k: k.to_user_string()):
        name = key.to_user_string()
        # A yearly asset's partitions are the years the warehouse holds, not the run history's (which keeps
        # the materialisations of a dropped year).
        for p in (held or [""]) if key in partitioned else [""]:
            flt = dg.AssetRecordsFilter(asset_key=key, asset_partitions=[p] if p else None)
            recs = instance.fetch_materializations(flt, limit=1).records
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(recs[0].timestamp)) if recs else "not in run history"
            ck = checks.get((name, p))
            if ck is None:
                ck_s = "-"
            else:
                ck_s = "FAILED" if ck[0] else ("passed" + (f" ({ck[1]} warning(s))" if ck[1] else ""))
            rows.append((name, p, ts, ck_s))
    print(tabulate(rows, headers=["asset", "peiljaar", "last materialised (UTC)", "checks"], tablefmt="simple"))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
