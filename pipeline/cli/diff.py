"""`sto diff [A [B]] [--since N|DATE|RUN_ID] [--top N] [--report PATH]`: what changed between two warehouses
(pipeline/diff.py). A and B: a warehouse file, an output folder (its sto.duckdb) or a release folder or zip.
Without B: A against the published warehouse of --out; without A and B: the published warehouse against the
previous publish kept in <out>/history/ (or the one --since names). Exit 0 equal, 1 differences, 2 usage."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pipeline.errors import EXIT_OK, EXIT_USAGE, UsageError
from pipeline.settings import EnvSettings

EXIT_DIFFERENT = 1  # like `git diff --exit-code`


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    from pipeline import diff, history

    t0 = time.monotonic()
    if args.top < 1:
        raise UsageError(f"--top {args.top}: expected a number >= 1")
    paths = list(args.paths or [])
    if len(paths) > 2:
        raise UsageError(f"at most two warehouses to compare, got {len(paths)}")
    if args.since and len(paths) == 2:
        raise UsageError("--since names the old side: give it with at most one path (the new side)")
    with tempfile.TemporaryDirectory(prefix="sto-diff-") as work:
        if len(paths) == 2:
            a, b = (diff.resolve_warehouse(Path(p), Path(work)) for p in paths)
            labels = (str(paths[0]), str(paths[1]))
        elif len(paths) == 1 and not args.since:  # A against the published warehouse of --out
            a, b = diff.resolve_warehouse(Path(paths[0]), Path(work)), diff.resolve_warehouse(out, Path(work))
            labels = (str(paths[0]), str(b))
        else:  # a kept publish (the previous one, or --since) against the published warehouse (or the path)
            b = diff.resolve_warehouse(Path(paths[0]) if paths else out, Path(work))
            entry = history.resolve_since(out, args.since or "1")
            a, labels = entry.path, (f"publish {entry.id} (built {entry.finished_at} UTC)", str(b))
        result = diff.diff_warehouses(a, b, top=args.top, labels=labels)
        print(diff.render(result, "text"), end="")
        if args.report:
            report = Path(args.report)
            try:
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(diff.render(result, "markdown"), encoding="utf-8")
            except OSError as exc:
                print(f"sto diff: cannot write --report {report}: {exc.strerror or exc}", file=sys.stderr)
                return EXIT_USAGE
            print(f"report written to {report}")
    print(f"sto diff: {'differences found' if result.differs else 'no difference'} ({time.monotonic() - t0:.1f}s)")
    return EXIT_DIFFERENT if result.differs else EXIT_OK
