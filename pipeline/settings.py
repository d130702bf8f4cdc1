"""The process environment (STO_*), parsed once into one frozen object.

Why: the Dagster UI's resource defaults, `sto run` and `sto drop` used to read the same variables in three
places; a variable added or renamed in one of them went unseen in the others. Everything that needs an
STO_* value takes an `EnvSettings` (`env_settings()` at the edge: the CLI's entry point, the module-level
Definitions the UI loads).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.paths import DATA_OUT, DOWNLOAD_DIR

TRUE = ("1", "true", "yes")


@dataclass(frozen=True)
class EnvSettings:
    """STO_OUT, STO_MIRROR (':'-separated), STO_ONLINE, STO_OFFLINE, STO_CACHE, STO_DAGSTER_DIR and
    STO_HISTORY_KEEP (publishes kept under <out>/history/; overrides pipeline.yaml history.keep)."""

    out: Path
    mirrors: tuple[str, ...]
    online: bool
    offline: bool
    cache_dir: str
    dagster_dir: str | None
    history_keep_text: str = ""

    @property
    def history_keep(self) -> int | None:
        """STO_HISTORY_KEEP as a number (None when unset); UsageError for anything but a whole number >= 0."""
        text = self.history_keep_text.strip()
        if not text:
            return None
        if not text.isdigit():
            from pipeline.errors import UsageError

            raise UsageError(f"STO_HISTORY_KEEP={text!r}: expected a whole number >= 0 (publishes kept in history/)")
        return int(text)

    def history_dir(self, out: Path) -> Path:
        """The Dagster run history of output folder `out` (STO_DAGSTER_DIR, default OUT/dagster)."""
        return Path(self.dagster_dir) if self.dagster_dir else out / "dagster"

    def mode(self, mirrors: list[str] | None = None, online: bool = False, offline: bool = False) -> dict[str, Any]:
        """A run's source settings: the command line's mirrors and switches over the environment's. The
        mirrors are resolved (pipeline.integrity.check_mirror_dir has vetted them before)."""
        chosen = list(mirrors or self.mirrors)
        return {
            "mirrors": [str(Path(m).resolve()) for m in chosen],
            "cache_dir": self.cache_dir,
            "offline": bool(offline) or self.offline,
            "sample": not chosen and not (online or self.online),
            "history_keep": self.history_keep,
        }

    def resource_settings(self) -> dict[str, Any]:
        """StoResource settings of a run launched from the Dagster UI (or a sensor's run)."""
        return {
            "db_path": str(self.out / "sto.duckdb"),
            "mirrors": list(self.mirrors),
            "cache_dir": self.cache_dir,
            "offline": self.offline,
            "sample": not self.mirrors and not self.online,
            "history_keep": self.history_keep,
        }


def env_settings(environ: Mapping[str, str] | None = None) -> EnvSettings:
    """Parse the STO_* variables of `environ` (default: os.environ)."""
    env = os.environ if environ is None else environ
    return EnvSettings(
        out=Path(env.get("STO_OUT", str(DATA_OUT))),
        mirrors=tuple(m for m in env.get("STO_MIRROR", "").split(os.pathsep) if m),
        online=env.get("STO_ONLINE", "") in TRUE,
        offline=env.get("STO_OFFLINE", "") in TRUE,
        cache_dir=env.get("STO_CACHE", str(DOWNLOAD_DIR)),
        dagster_dir=env.get("STO_DAGSTER_DIR") or None,
        history_keep_text=env.get("STO_HISTORY_KEEP", ""),
    )
