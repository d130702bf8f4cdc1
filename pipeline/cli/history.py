"""`sto history [--indicator ID --scope TYPE:CODE]`: the publishes kept in <out>/history/ (pipeline/history.py),
newest first, with the current one; with --indicator and --scope, that marts.techniek_share figure's values
(pct, n_techniek, n_total per peiljaar) in every kept publish and the current one, oldest first."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import EXIT_OK, UsageError
from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    from tabulate import tabulate

    from pipeline import history

    if bool(args.indicator) != bool(args.scope):
        raise UsageError(
            "--indicator and --scope go together (e.g. --indicator vmbo_bkg_lj3_techniek --scope national:NL)"
        )
    if args.indicator:
        rows = history.figure_history(out, args.indicator, args.scope)
        if not rows:
            print(f"no row of marts.techniek_share for indicator {args.indicator!r} and scope {args.scope!r} in {out}")
            return EXIT_OK
        headers = ["publish", "built (UTC)", "peiljaar", "pct", "n_techniek", "n_total"]
        print(f"marts.techniek_share {args.indicator} {args.scope} across the kept publishes (oldest first):")
        print(tabulate(rows, headers=headers, tablefmt="simple", floatfmt=".4g"))
        return EXIT_OK
    kept = history.entries(out)
    current = out / "sto.duckdb"
    print(f"publishes of {out} (newest first; kept in {history.history_dir(out)}):")
    rows = []
    if current.exists():
        rows.append(["current", *_current(current), f"{current.stat().st_size / 1e6:.1f}"])
    rows += [
        [e.id, e.finished_at, e.code_version[:12], e.peiljaren, e.source_mode, f"{history.entry_size(e) / 1e6:.2f}"]
        for e in kept
    ]
    print(tabulate(rows, headers=["publish", "built (UTC)", "code", "peiljaren", "source", "MB"], tablefmt="simple"))
    if not kept:
        print("no earlier publish kept yet (each publish keeps the one it replaces)")
    return EXIT_OK


def _current(path: Path) -> list[str]:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return ["", "", "", ""]
    try:
        row = con.execute(
            "SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S'), code_version, peiljaren, source_mode "
            "FROM audit.provenance ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return [str(row[0]), str(row[1])[:12], str(row[2]), str(row[3])] if row else ["", "", "", ""]
