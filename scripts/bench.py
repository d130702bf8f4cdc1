"""`make bench`: the performance targets of issue 11, measured as a user meets them (not a test).

Each scenario runs `sto` in a child process (Python start-up, Dagster, DuckDB and great-expectations
included) into its own temporary output folder, and reports wall time and the child's peak RSS next to
the target and the ratio to the bare DuckDB script (`scripts/bench_bare.py`, which reads the same real
files and computes two headline figures with nothing else):

| scenario | target (2 cores) |
|---|---|
| one real year (2019), every asset and check, empty folder | <= 15 s, <= 0.5 GB |
| eight years (2014-2021: 2019 real, the others derived from it), empty folder | <= 30 s |
| adding one year (2020) to a loaded four-year warehouse (2016-2019) | <= 10 s |
| the one-year run again, nothing changed | <= 5 s |
| a usage error (`sto run --years 1999`) and `sto --help` | < 2 s |

Derived years are the real 2019 pupils file with its data lines in another order (a seeded shuffle per
year): the same figures, a different file (sha256), so the one-file-one-peiljaar guard accepts it. They
are written at run time into a temporary mirror, never committed.

    python scripts/bench.py                      # this checkout, every scenario once
    python scripts/bench.py --repeat 3           # median of three
    python scripts/bench.py --root /work/before  # another checkout (its .venv), for before/after pairs
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUPILS_2019 = "leerlingen-vo-per-vestiging-naar-onderwijstype-2019.csv"


def run_child(root: Path, args: list[str], out: Path | None) -> tuple[float, float, int, str]:
    """Run `sto ARGS` from checkout `root`; (wall s, peak RSS MB, exit code, last output lines)."""
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False", "PYTHONPATH": str(root)}
    if out is not None:
        env["STO_DAGSTER_DIR"] = str(out / "dagster")
    python = root / ".venv/bin/python"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(python), "-m", "pipeline.cli", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, "\n".join(output.splitlines()[-12:])


def derived_mirror(duo: Path, years: list[int], dest: Path) -> Path:
    """A mirror folder with a pupils file for each of `years` (2019 excluded: the real mirror has it),
    each the real 2019 file's data lines in a seeded order per year."""
    dest.mkdir(parents=True, exist_ok=True)
    raw = (duo / PUPILS_2019).read_bytes()
    header, *lines = raw.splitlines(keepends=True)
    for y in years:
        if y == 2019:
            continue
        shuffled = lines[:]
        random.Random(y).shuffle(shuffled)
        (dest / PUPILS_2019.replace("2019", str(y))).write_bytes(header + b"".join(shuffled))
    return dest


def main() -> int:
    """Run every scenario `--repeat` times; print a table of medians with targets and ratios."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=str(ROOT), help="checkout to benchmark (uses ROOT/.venv)")
    p.add_argument("--duo", default=str(ROOT.parent / "shared/data/duo"))
    p.add_argument("--geo", default=str(ROOT.parent / "shared/data/geo"))
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--only", nargs="*", default=[], help="scenario names to run (default: all)")
    a = p.parse_args()
    root, duo, geo = Path(a.root).resolve(), Path(a.duo).resolve(), Path(a.geo).resolve()
    if not (duo / PUPILS_2019).exists():
        print(f"bench: {duo / PUPILS_2019} not found (give --duo/--geo: the real-data mirror)", file=sys.stderr)
        return 2
    real = ["--offline", "--mirror", str(duo), "--mirror", str(geo), "--no-export"]
    results: dict[str, list[tuple[float, float]]] = {}

    def timed(name: str, fn: Callable[[Path], tuple[float, float, int, str]]) -> None:
        if a.only and name not in a.only:
            return
        for _ in range(a.repeat):
            with tempfile.TemporaryDirectory(prefix="sto-bench-") as tmp:
                wall, rss, rc, tail = fn(Path(tmp))
                ok = rc == 0 or name == "usage error"
                if not ok:
                    print(f"{name}: FAILED (exit {rc})\n{tail}", file=sys.stderr)
                    raise SystemExit(1)
                results.setdefault(name, []).append((wall, rss))
                print(f"  {name}: {wall:.1f} s, {rss:.0f} MB", flush=True)

    def one_year(tmp: Path) -> tuple[float, float, int, str]:
        return run_child(root, ["run", "--out", str(tmp), *real, "--years", "2019"], tmp)

    def no_change(tmp: Path) -> tuple[float, float, int, str]:
        one_year(tmp)
        return one_year(tmp)

    def eight_years(tmp: Path) -> tuple[float, float, int, str]:
        years = list(range(2014, 2022))
        mirror = derived_mirror(duo, years, (tmp / "mirror").resolve())
        args = ["run", "--out", str(tmp / "out"), *real, "--mirror", str(mirror), "--years", *map(str, years)]
        return run_child(root, args, tmp / "out")

    def add_year(tmp: Path) -> tuple[float, float, int, str]:
        mirror = derived_mirror(duo, list(range(2016, 2021)), tmp / "mirror")
        base = ["run", "--out", str(tmp / "out"), *real, "--mirror", str(mirror), "--years"]
        wall, rss, rc, tail = run_child(root, [*base, "2016", "2017", "2018", "2019"], tmp / "out")
        if rc != 0:
            return wall, rss, rc, tail
        return run_child(root, [*base, "2020"], tmp / "out")

    def usage_error(tmp: Path) -> tuple[float, float, int, str]:
        wall, rss, rc, tail = run_child(root, ["run", "--out", str(tmp), "--years", "1999"], tmp)
        return wall, rss, (0 if rc == 2 else 1), tail

    def help_(tmp: Path) -> tuple[float, float, int, str]:
        return run_child(root, ["--help"], None)

    def bare(tmp: Path) -> tuple[float, float, int, str]:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/bench_bare.py"), "--duo", str(duo), "--geo", str(geo)]
        )
        _, status, usage = os.wait4(proc.pid, 0)
        return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), ""

    print(f"bench: {root} on {os.cpu_count()} cores, {a.repeat} repeat(s)", flush=True)
    timed("bare script", bare)
    timed("help", help_)
    timed("usage error", usage_error)
    timed("one year", one_year)
    timed("no change", no_change)
    timed("add one year", add_year)
    timed("eight years", eight_years)
    targets = {
        "bare script": None,
        "help": (2, None),
        "usage error": (2, None),
        "one year": (15, 512),
        "no change": (5, None),
        "add one year": (10, None),
        "eight years": (30, None),
    }
    base_wall = statistics.median(w for w, _ in results["bare script"]) if "bare script" in results else None
    print(f"\n| scenario | wall s (median of {a.repeat}) | peak MB | target | met | × bare |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        tgt = targets.get(name)
        target = "" if not tgt else f"≤ {tgt[0]} s" + (f", ≤ {tgt[1]} MB" if tgt[1] else "")
        met = "" if not tgt else ("yes" if wall <= tgt[0] and (tgt[1] is None or rss <= tgt[1]) else "NO")
        ratio = f"{wall / base_wall:.1f}" if base_wall else ""
        print(f"| {name} | {wall:.1f} | {rss:.0f} | {target} | {met} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
