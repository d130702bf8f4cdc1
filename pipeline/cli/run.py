"""`sto run`: the command line and the environment into a RunRequest for pipeline.runner.run."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    """Build the warehouse in `out` as asked (see pipeline.runner.run); returns the exit code."""
    from pipeline import runner
    from pipeline.config import default_config
    from pipeline.integrity import check_mirror_dir

    t0 = time.monotonic()
    for m in args.mirror or env.mirrors:
        check_mirror_dir(m)  # PreflightError (exit 2): missing, not a folder, unreadable, a symlink loop
    mode = env.mode(args.mirror, online=args.online, offline=args.offline)
    request = runner.RunRequest(
        out=out,
        mode=mode,
        years=args.years,
        select=args.select,
        force=args.force,
        export=not args.no_export,
        t0=t0,
    )
    return runner.run(request, default_config()).code
