"""`sto drop --years …`: remove peiljaren from the warehouse and rebuild the marts (pipeline.runner.drop,
published as `sto run` publishes)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.errors import EXIT_BUSY, UsageError
from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    """Refuse a year the warehouse does not hold, or dropping every year (exit 2); then one runner call."""
    import duckdb

    from pipeline import publish as pub
    from pipeline import runner
    from pipeline.config import default_config
    from pipeline.partitions import YEARLY_TABLES

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
    return runner.drop(out, years, loaded, warehouse_mode(published, env), t0).code


def warehouse_mode(published: Path, env: EnvSettings) -> dict[str, Any]:
    """Source settings for rebuilding a warehouse's marts: its own source kind, offline. The assets
    downstream of the yearly ones read only the warehouse, never a source file."""
    import duckdb

    from pipeline.audit import KIND_SAMPLE, warehouse_kinds

    con = duckdb.connect(str(published), read_only=True)
    try:
        kinds = warehouse_kinds(con)
    finally:
        con.close()
    return {
        "mirrors": [str(Path(m).resolve()) for m in env.mirrors],
        "cache_dir": env.cache_dir,
        "offline": True,
        "sample": KIND_SAMPLE in kinds or not kinds,
        "history_keep": env.history_keep,  # STO_HISTORY_KEEP (None: pipeline.yaml history.keep)
    }
