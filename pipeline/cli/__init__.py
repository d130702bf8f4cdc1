"""`sto` command line (installed as .venv/bin/sto): materialise the pipeline in-process and look after the
warehouse's life.

    sto run    [--years Y ...] [--mirror DIR ...] [--out DIR] [--offline | --online] [--select ASSET ...]
               [--no-export] [--force]
    sto status [--out DIR]
    sto drop   --years Y ... [--out DIR]
    sto reset  [--out DIR] [--yes]
    sto export [--out DIR]
    sto report [--out DIR]
    sto release [--out DIR] [--force] | sto release --verify FOLDER_OR_ZIP
    sto diff   [A [B]] [--out DIR] [--since N|DATE|RUN_ID] [--top N] [--report PATH]
    sto history [--out DIR] [--indicator ID --scope TYPE:CODE]

One small module per command (run, status, drop, reset, export, report, release, diff, history), each calling
pipeline.runner or its own platform module (pipeline/release.py, pipeline/diff.py, pipeline/history.py);
this module parses the command line and the environment once, guards the warehouse and maps errors to
the exit codes README.md promises. Usage errors (years, mirrors, a warehouse that holds the other source
kind, one file for two years) are answered before Dagster is imported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli import diff, drop, export, history, release, report, reset, run, status
from pipeline.cli.parsing import EPILOG, env_setup, parser
from pipeline.config import ConfigError
from pipeline.errors import (
    EXIT_AFTER_PUBLISH,
    EXIT_BUSY,
    EXIT_CHANGED,
    EXIT_DAMAGED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
)
from pipeline.preflight import build_plan as _build_plan
from pipeline.preflight import check_place_names
from pipeline.selection import downstream_of_yearly, whole_steps
from pipeline.selection import partition_range as _partition_range
from pipeline.settings import EnvSettings, env_settings

__all__ = [
    "EPILOG",
    "EXIT_AFTER_PUBLISH",
    "EXIT_BUSY",
    "EXIT_CHANGED",
    "EXIT_DAMAGED",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "_build_plan",
    "_partition_range",
    "check_place_names",
    "downstream_of_yearly",
    "main",
    "whole_steps",
]

COMMANDS = {
    "run": run,
    "status": status,
    "drop": drop,
    "reset": reset,
    "export": export,
    "report": report,
    "release": release,
    "diff": diff,
    "history": history,
}
READ_ONLY = ("diff", "history")  # commands that only read warehouses (their own usage errors; no guard)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `sto`; returns the exit code (see EPILOG)."""
    from pipeline.integrity import safe_umask

    safe_umask()  # nothing the pipeline creates is group- or world-writable, whatever the caller's umask
    args = parser().parse_args(argv)
    env = env_settings()  # the one parse of the STO_* environment
    try:
        return _main(args, env)
    except BrokenPipeError:  # `sto status | head`: the reader left; nothing to report
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # a full disk can stop Dagster's own run history before any step reports it
        from pipeline import publish as pub
        from pipeline.integrity import disk_full_message, enospc_in

        if not enospc_in(exc):
            raise
        out = (args.out or env.out).resolve()
        pub.clean_if_idle(out)
        print(f"sto {args.command} FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        print(f"sto: {disk_full_message(out)}", file=sys.stderr)
        print(f"published database unchanged: {out / 'sto.duckdb'}", file=sys.stderr)
        return EXIT_FAILED


def _main(args: argparse.Namespace, env: EnvSettings) -> int:
    try:
        out = (args.out or env.out).resolve()
    except (RuntimeError, OSError) as exc:  # Python names a loop "Symlink loop from …"
        print(f"sto: --out {args.out or env.out}: a symbolic link loop ({exc})", file=sys.stderr)
        return EXIT_USAGE
    env_setup(out, env)
    from pipeline import integrity
    from pipeline import publish as pub

    try:
        if args.command != "reset" and args.command not in READ_ONLY:
            _guard_warehouse(args.command, out, env)
        return COMMANDS[args.command].command(args, out, env)
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
    except ConfigError as exc:  # a configuration file refused (pipeline/config_schema/, pipeline/place_names.py)
        print(f"sto: {exc}", file=sys.stderr)
        unchanged = f"; published database unchanged: {out / 'sto.duckdb'}" if (out / "sto.duckdb").exists() else ""
        print(f"sto: configuration refused before any work; nothing was run{unchanged}", file=sys.stderr)
        return EXIT_USAGE


def _guard_warehouse(command: str, out: Path, env: EnvSettings) -> None:
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
    if command != "status":
        integrity.check_writable(out, [env.history_dir(out)] if command in ("run", "drop") else None)
    if command in ("run", "drop"):
        integrity.check_free_space(out)  # exit 2 when the staging copy cannot fit (ENOSPC named)
    if command in ("export", "report", "drop"):
        integrity.require_verified(published)  # `run` verifies in its build plan and on its staging copy
