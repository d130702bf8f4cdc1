"""Benchmark: wall time and peak RSS of a full materialisation (not a test; prints figures).

Runs `sto run` in a child process into a fresh temporary output directory, so the figures include
Python start-up, Dagster, DuckDB and great-expectations, as a user experiences them.

    python scripts/bench.py --mirror ../shared/data/duo --mirror ../shared/data/geo --years 2019
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mirror", action="append", default=[])
    p.add_argument("--years", nargs="+", default=[])
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="sto-bench-") as tmp:
            cmd = [sys.executable, "-m", "pipeline.cli", "run", "--out", tmp, "--offline"]
            for m in args.mirror:
                cmd += ["--mirror", m]
            if args.years:
                cmd += ["--years", *args.years]
            env = {**os.environ, "STO_DAGSTER_DIR": str(Path(tmp) / "dagster"), "PYTHONPATH": str(ROOT)}
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode != 0:
                print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
                print(f"run {i + 1}: FAILED (exit {proc.returncode})")
                return 1
            print(
                f"run {i + 1}: wall {wall:.1f} s, peak RSS {peak_mb:.0f} MB "
                f"(targets: ≤ 60 s, ≤ 1536 MB) on {os.cpu_count()} cores"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
