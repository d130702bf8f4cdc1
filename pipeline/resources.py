"""Dagster resources: where the warehouse is and where sources come from.

Why one resource: every asset needs the same two things (a DuckDB connection to the run's build file
and a fetcher over the configured mirrors), and the CLI swaps both per run (staging file, --mirror).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipeline import db
from pipeline.config import Config, default_config
from pipeline.fetch import Fetcher
from pipeline.paths import DATA_OUT, DATA_RAW, DOWNLOAD_DIR, SAMPLE_DIR


class StoResource(dg.ConfigurableResource):
    """Warehouse path plus source settings for one run."""

    db_path: str = str(DATA_OUT / "sto.duckdb")
    mirrors: list[str] = []
    cache_dir: str = str(DOWNLOAD_DIR)
    offline: bool = False
    sample: bool = True

    @property
    def config(self) -> Config:
        return default_config()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        con = db.connect(self.db_path)
        try:
            yield con
        finally:
            con.close()

    def fetcher(self, local: bool = False) -> Fetcher:
        """Sample mode reads only the bundled sample; real mode mirrors → cache → download."""
        cfg = self.config
        extra = {h for h in [_host(cfg.pipeline["geocoding"].get("pdok_url"))] if h}
        if self.sample:
            mirrors = [SAMPLE_DIR]
            return Fetcher(cfg.sources, mirrors + ([DATA_RAW] if local else []), None, offline=True)
        mirrors = [Path(m) for m in self.mirrors] + ([DATA_RAW] if local else [])
        return Fetcher(cfg.sources, mirrors, Path(self.cache_dir), offline=self.offline, extra_hosts=extra)


def _host(url: str | None) -> str | None:
    from urllib.parse import urlparse

    return urlparse(url).hostname if url else None


def settings_from_env() -> dict:
    """Resource settings from environment variables (used by the Dagster UI and `sto` defaults)."""
    mirrors = [m for m in os.environ.get("STO_MIRROR", "").split(os.pathsep) if m]
    online = os.environ.get("STO_ONLINE", "") in ("1", "true", "yes")
    out = Path(os.environ.get("STO_OUT", str(DATA_OUT)))
    return {
        "db_path": str(out / "sto.duckdb"),
        "mirrors": mirrors,
        "cache_dir": os.environ.get("STO_CACHE", str(DOWNLOAD_DIR)),
        "offline": os.environ.get("STO_OFFLINE", "") in ("1", "true", "yes"),
        "sample": not mirrors and not online,
    }
