"""The `sto` command line's grammar: commands, options, help text and exit codes (argparse)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.errors import EXIT_USAGE
from pipeline.paths import PROJECT_ROOT
from pipeline.settings import EnvSettings

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
  sto release                                 versioned bundle of the published warehouse: <out>/releases/<name>/ and .zip
  sto release --verify data_out/releases/sto-2026-01-31-0123456789ab.zip   re-check every sha256 of a bundle
  sto diff                                    the published warehouse against the previous publish
  sto diff A B --report diff.md               two warehouses (files, output folders, releases); exit 0 equal, 1 not
  sto history                                 the publishes kept in <out>/history/
  sto history --indicator vmbo_bkg_lj3_techniek --scope national:NL   a figure across the kept publishes

environment:
  STO_OUT      output folder (default data_out/)      STO_MIRROR   mirror folders, ':'-separated
  STO_ONLINE   1 = real sources, download allowed     STO_OFFLINE  1 = never download
  STO_CACHE    download cache (data_raw/downloads)    STO_DAGSTER_DIR  Dagster run history (OUT/dagster)
  STO_INVENTORY_MAPPING, STO_INVENTORY   another SEOR inventory (see README)
  STO_HISTORY_KEEP publishes kept in OUT/history/ (default pipeline.yaml history.keep: 10; 0 keeps none)

exit codes:
  0 ok   1 run failed (published database unchanged)   2 usage error or refused input
  3 busy: another sto run holds the lock, or another process has the warehouse open read-write
  4 warehouse damaged or unreadable (truncated, garbage, empty, another DuckDB storage version): the
    message names the file and how to recover (restore the previous copy, or `sto reset --out DIR --yes`)
  5 warehouse changed outside the pipeline since its build (content hashes differ): `sto status` shows
    NOT VERIFIED; export, report, drop and `run --select` refuse; `sto run` rebuilds instead of skipping
  6 published, but a step after the publish failed (exports or report not written; the message says which)
  sto diff: 0 no difference, 1 differences, 2 usage (a path that does not exist or is not a warehouse)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its text, add a hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"sto: {message} (see `sto --help`)\n")


def parser() -> argparse.ArgumentParser:
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
    rl = sub.add_parser(
        "release",
        help="write a versioned bundle (folder and zip) of the published, verified warehouse to <out>/releases/",
    )
    rl.add_argument("--out", type=Path, default=None)
    rl.add_argument("--force", action="store_true", help="replace an existing release of the same name")
    rl.add_argument(
        "--verify",
        type=Path,
        default=None,
        metavar="FOLDER_OR_ZIP",
        help="re-check every sha256 of a release folder or zip against its manifest (exit 0 ok, 1 differs)",
    )
    df = sub.add_parser(
        "diff",
        help="what changed between two warehouses (rows by key, measures, causes); exit 0 equal, 1 different",
        description="Compare warehouse A (old) with B (new): a warehouse file, an output folder (its sto.duckdb) "
        "or a release folder or zip. `sto diff` alone: the published warehouse of --out against the previous "
        "publish kept in <out>/history/; `sto diff A`: A against the published warehouse; --since picks the "
        "kept publish. Exit 0 no difference, 1 differences, 2 usage.",
    )
    df.add_argument(
        "paths", nargs="*", metavar="WAREHOUSE", help="A (old) and B (new): a file, an output folder or a release"
    )
    df.add_argument("--out", type=Path, default=None, help="output folder whose published warehouse and history to use")
    df.add_argument("--since", default=None, help="a kept publish: N (1 = previous), a date YYYY-MM-DD, or a run id")
    df.add_argument("--top", type=int, default=5, help="largest changes shown per measure (default 5)")
    df.add_argument("--report", default=None, help="also write the diff as a markdown file to this path")
    hi = sub.add_parser(
        "history",
        help="the publishes kept in <out>/history/; with --indicator and --scope a figure's values across them",
    )
    hi.add_argument("--out", type=Path, default=None)
    hi.add_argument("--indicator", default=None, help="marts.techniek_share indicator, e.g. vmbo_bkg_lj3_techniek")
    hi.add_argument("--scope", default=None, help="<scope_type>:<scope_code>, e.g. national:NL or gemeente:0363")
    return p


def env_setup(out: Path, env: EnvSettings) -> None:
    """Environment for Dagster and great-expectations in this process: the instance (dagster.yaml) reads
    STO_DAGSTER_DIR, the run history of the output folder unless given."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    os.environ.setdefault("STO_DAGSTER_DIR", str(env.history_dir(out)))
