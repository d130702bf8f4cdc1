"""`sto reset`: empty the output folder (warehouse, history of publishes, exports, report, run history, lock);
a dry run without --yes."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from pipeline.errors import EXIT_BUSY, EXIT_OK
from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    """`sto reset --yes`: remove the warehouse (and any journal), the kept publishes (history/), staging,
    exports, report, the project-local Dagster run history under the output folder and the run lock file;
    under the run lock, never under a writer. Without --yes a dry run: lists what would go and exits 0."""
    from pipeline import publish as pub
    from pipeline.history import history_dir

    published = out / "sto.duckdb"
    dagster_dir = env.history_dir(out).resolve()
    lock = out / pub.LOCK_NAME
    targets = [published, Path(str(published) + ".wal"), out / ".staging", out / "exports", out / "report"]
    targets.append(history_dir(out))  # the kept publishes (pipeline/history.py)
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
