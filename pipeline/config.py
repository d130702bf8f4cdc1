"""Versioned configuration: definitions (profiles, onderwijstypes, campuses, thresholds) live in YAML.

Every figure-changing choice is read from `pipeline/config/*.yaml` and `data_raw/sources.yaml`, so an
auditor can see the rule next to the result; `config_hash()` fingerprints them for provenance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.paths import CONFIG_DIR, DATA_RAW


class ConfigError(ValueError):
    """A configuration file is missing a key or holds a value of the wrong kind."""


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    return data


@dataclass(frozen=True)
class Config:
    """All configuration files, parsed."""

    pipeline: dict[str, Any]
    profiles: dict[str, Any]
    onderwijstypes: dict[str, Any]
    campuses: dict[str, Any]
    sources: dict[str, Any]
    files: tuple[Path, ...]
    extras: dict[str, Any] | None = None  # other pipeline/config/*.yaml (monitoring, seor, ...) by stem

    @property
    def peiljaren(self) -> list[int]:
        """Every peiljaar a run may load: `first` up to `last`, or up to this calendar year when `last` is
        empty (open-ended: the next DUO year loads without a code change)."""
        return peiljaar_range(self.pipeline["peiljaren"])

    @property
    def censored_point_value(self) -> int:
        return int(self.pipeline["censored"]["point_value"])

    def source(self, source_id: str) -> dict[str, Any]:
        try:
            return self.sources["sources"][source_id]
        except KeyError as exc:
            raise ConfigError(f"data_raw/sources.yaml: no source named {source_id!r}") from exc

    def rules_hash(self) -> str:
        """sha256 over the rules baked into a loaded peiljaar's core rows: onderwijstype and profile labels
        (onderwijstypes.yaml, profiles.yaml) and the censored-cell treatment (pipeline.yaml censored). Years
        loaded under other rules must be reloaded before they are mixed with new ones."""
        blob = json.dumps(
            {"onderwijstypes": self.onderwijstypes, "profiles": self.profiles, "censored": self.pipeline["censored"]},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def hash(self) -> str:
        """sha256 over the canonical JSON of every config file: one fingerprint per rule set."""
        blob = json.dumps(
            {
                "pipeline": self.pipeline,
                "profiles": self.profiles,
                "onderwijstypes": self.onderwijstypes,
                "campuses": self.campuses,
                "sources": self.sources,
                "extras": self.extras or {},
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,  # YAML dates and the like hash by their text
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def peiljaar_range(spec: dict[str, Any], today: date | None = None) -> list[int]:
    """Peiljaren from a `peiljaren:` mapping (`first`, optional `last`); without `last` the range ends at the
    current calendar year (a peiljaar Y is the count of 1 October Y, so Y itself can be asked for from
    January Y on; whether DUO has published it is the fetch layer's question)."""
    last = spec.get("last")
    end = int(last) if last is not None else (today or date.today()).year
    return list(range(int(spec["first"]), end + 1))


def load_config(config_dir: Path | None = None, sources_file: Path | None = None) -> Config:
    """Read every configuration file; `config_dir` lets tests point at edited copies."""
    cdir = Path(config_dir) if config_dir else CONFIG_DIR
    sfile = Path(sources_file) if sources_file else DATA_RAW / "sources.yaml"
    files = (
        cdir / "pipeline.yaml",
        cdir / "profiles.yaml",
        cdir / "onderwijstypes.yaml",
        cdir / "campuses.yaml",
        sfile,
    )
    pipeline, profiles, onderwijstypes, campuses, sources = (_load_yaml(f) for f in files)
    for key in ("peiljaren", "censored", "validation", "geocoding", "reach"):
        if key not in pipeline:
            raise ConfigError(f"{files[0]}: missing key {key!r}")
    extra_files = sorted(p for p in cdir.glob("*.yaml") if p not in files)
    extras = {p.stem: _load_yaml(p) for p in extra_files}
    return Config(pipeline, profiles, onderwijstypes, campuses, sources, files + tuple(extra_files), extras)


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The repository's configuration (cached: read once per process)."""
    return load_config()
