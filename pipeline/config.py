"""Versioned configuration: definitions (profiles, onderwijstypes, campuses, thresholds) live in YAML.

Every figure-changing choice is read from a YAML file, so an auditor can see the rule next to the result:
the platform's `pipeline/config/pipeline.yaml`, each domain's `assets/<domain>/config/*.yaml` (found by
`config_files()`: one mapping file stem → path) and `data_raw/sources.yaml`. `load_config()` reads and validates every one of those files
once into one `Config` object; `default_config()` caches the repository's copy for the process, and assets
reach it through the Dagster resource (`StoResource.config`). `Config.hash()` fingerprints the whole object
for provenance; `Config.rules_hash()` only the rules baked into a loaded peiljaar's core rows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.config_schema import KNOWN_SCOPES as KNOWN_SCOPES  # re-exported: one definition
from pipeline.config_schema import TARGET_COMPARISONS as TARGET_COMPARISONS
from pipeline.config_schema import TARGET_STATISTICS as TARGET_STATISTICS
from pipeline.config_schema import UniqueKeyLoader, validate_parts
from pipeline.paths import CONFIG_DIR as PLATFORM_CONFIG_DIR
from pipeline.paths import DATA_RAW, DOMAINS_DIR


class ConfigError(ValueError):
    """A configuration file is missing a key or holds a value of the wrong kind."""


# The configuration files, in the order of Config's fields (by stem). Each lives in its home: pipeline.yaml in
# pipeline/config/, every other one in the config/ folder of the domain it belongs to (assets/<domain>/config/);
# config_files() finds them. What each may hold (required keys, types, ranges, references to codes of other
# files) is its schema in pipeline/config_schema/validation.py SCHEMAS; tests/test_config.py checks that every file has one.
CONFIG_FILES: tuple[str, ...] = (
    "pipeline",
    "profiles",
    "onderwijstypes",
    "campuses",
    "monitoring",
    "seor",
    "targets",
    "statements",
    "mbo",
    "coverage",
    "nearby",
)
# Where load_config() reads the files when no directory is given: None = every file in its home
# (config_files()); a directory = a flat copy holding every file (tests and the bad-input corpus point it at
# an edited copy made by copy_config() and clear default_config's cache). Read at call time.
CONFIG_DIR: Path | None = None
# monitoring.yaml scopes: the partitioning region types, and the campus radius (defined with the schemas)
PARTITIONING_SCOPES = tuple(s for s in KNOWN_SCOPES if s != "campus_radius")


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file whose top level is a mapping.

    Returns the mapping; raises ConfigError naming the file when it is missing, not valid YAML, or not a
    mapping at the top level.
    """
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ConfigError(f"{path}{where}: not valid YAML: {what}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    return data


@dataclass(frozen=True)
class Config:
    """Every configuration file, parsed and validated: one attribute per file of CONFIG_FILES (by stem)
    plus the source catalogue. Treat it as read-only: the instance from `default_config()` is shared by every
    step of a process."""

    pipeline: dict[str, Any]
    profiles: dict[str, Any]
    onderwijstypes: dict[str, Any]
    campuses: dict[str, Any]
    monitoring: dict[str, Any]
    seor: dict[str, Any]
    targets: dict[str, Any]
    statements: dict[str, Any]
    mbo: dict[str, Any]
    coverage: dict[str, Any]
    nearby: dict[str, Any]
    sources: dict[str, Any]
    files: tuple[Path, ...] = ()  # the files read, in field order
    file_sha256: dict[str, str] = field(default_factory=dict)  # stem (or 'sources') → sha256 of the file bytes

    @property
    def peiljaren(self) -> list[int]:
        """Every peiljaar a run may load: `first` up to `last`, or up to this calendar year when `last` is
        empty (open-ended: the next DUO year loads without a code change)."""
        return peiljaar_range(self.pipeline["peiljaren"])

    @property
    def censored_point_value(self) -> int:
        """The value counted for a censored (`<5`) cell in point estimates (pipeline.yaml censored)."""
        return int(self.pipeline["censored"]["point_value"])

    def source(self, source_id: str) -> dict[str, Any]:
        """The catalogue entry of `source_id` (data_raw/sources.yaml); ConfigError when there is none."""
        try:
            return self.sources["sources"][source_id]
        except KeyError as exc:
            raise ConfigError(f"data_raw/sources.yaml: no source named {source_id!r}") from exc

    def parts(self) -> dict[str, dict[str, Any]]:
        """Every parsed file by name (the CONFIG_FILES stems and 'sources'): exactly what `hash()` covers."""
        return {name: getattr(self, name) for name in (*CONFIG_FILES, "sources")}

    def rules_hash(self) -> str:
        """sha256 over the rules baked into a loaded peiljaar's core rows: onderwijstype and profile labels
        (onderwijstypes.yaml, profiles.yaml) and the censored-cell treatment (pipeline.yaml censored). Years
        loaded under other rules must be reloaded before they are mixed with new ones. Stored per peiljaar in
        audit.loaded_sources: its formula must not change, or every existing warehouse reads as stale."""
        blob = json.dumps(
            {"onderwijstypes": self.onderwijstypes, "profiles": self.profiles, "censored": self.pipeline["censored"]},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def hash(self) -> str:
        """sha256 over the canonical JSON of every part (`parts()`): one fingerprint per rule set."""
        blob = json.dumps(self.parts(), sort_keys=True, ensure_ascii=False, default=str)  # YAML dates hash by text
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def peiljaar_range(spec: dict[str, Any], today: date | None = None) -> list[int]:
    """Peiljaren from a `peiljaren:` mapping (`first`, optional `last`); without `last` the range ends at the
    current calendar year (a peiljaar Y is the count of 1 October Y, so Y itself can be asked for from
    January Y on; whether DUO has published it is the fetch layer's question)."""
    last = spec.get("last")
    end = int(last) if last is not None else (today or date.today()).year
    return list(range(int(spec["first"]), end + 1))


def config_error(messages: list[str]) -> ConfigError:
    """One ConfigError listing every located message (file, line, key path, value found, what is allowed)."""
    if len(messages) == 1:
        return ConfigError(messages[0])
    shown = messages[:MAX_SHOWN]
    more = f"\n  … and {len(messages) - MAX_SHOWN} more" if len(messages) > MAX_SHOWN else ""
    return ConfigError(f"{len(messages)} problems in the configuration:\n  " + "\n  ".join(shown) + more)


MAX_SHOWN = 20


def _validate_one(name: str, data: dict[str, Any], where: str, others: dict[str, Any] | None = None) -> None:
    """Validate one file's content (e.g. an edited copy) against its schema, with references resolved
    against the repository's other files (or the edited `others`: stem → mapping)."""
    parts = default_config().parts() | (others or {}) | {name: data}
    messages = validate_parts(parts, {name: Path(where)}, only=[name])
    if messages:
        raise config_error(messages)


def validate_monitoring(cfg: dict[str, Any], where: str = "monitoring.yaml") -> None:
    """Check a monitoring.yaml mapping against its schema (pipeline/config_schema/). Raises ConfigError
    naming `where` (the file), the key path, the value and what is allowed."""
    _validate_one("monitoring", cfg, where)


def validate_targets(cfg: dict[str, Any], where: str = "targets.yaml") -> None:
    """Check a targets.yaml mapping against its schema: every scope names a region, every target its
    programme, label, source, a known scope, statistic and comparison (or a reason when not computable).
    Raises ConfigError naming the target and field."""
    if not cfg:
        raise ConfigError("assets/monitoring/config/targets.yaml is missing or empty")
    _validate_one("targets", cfg, where)


def validate_statements(
    cfg: dict[str, Any], targets: dict[str, Any] | None = None, where: str = "statements.yaml"
) -> None:
    """Check a statements.yaml mapping against its schema: unique ids, what every statement and forecast
    needs, known statistics, and every variant choice (profile, leerjaar, leerweg set, region) defined; the
    regions are the scopes of `targets` (targets.yaml). Raises ConfigError naming the key path and value."""
    if not cfg:
        raise ConfigError("assets/monitoring/config/statements.yaml is missing or empty")
    _validate_one("statements", cfg, where, {"targets": targets} if targets else None)


def config_files(config_dir: Path | None = None) -> dict[str, Path]:
    """Stem → path of every configuration file of CONFIG_FILES, in that order.

    Without `config_dir`: each file in its home, pipeline/config/*.yaml and assets/<domain>/config/*.yaml.
    With it: a flat directory holding every file (a copy, see copy_config). Raises ConfigError naming the
    file for a name found in two homes, a file no schema knows, or a file not found.
    """
    if config_dir is not None:
        cdir = Path(config_dir)
        unexpected = sorted(p.name for p in cdir.glob("*.yaml") if p.stem not in CONFIG_FILES)
        if unexpected:
            raise ConfigError(f"{cdir}: unexpected configuration file(s) {unexpected}; known: {list(CONFIG_FILES)}")
        return {stem: cdir / f"{stem}.yaml" for stem in CONFIG_FILES}
    found: dict[str, Path] = {}
    for path in [*sorted(PLATFORM_CONFIG_DIR.glob("*.yaml")), *sorted(DOMAINS_DIR.glob("*/config/*.yaml"))]:
        if path.stem not in CONFIG_FILES:
            raise ConfigError(f"{path}: unexpected configuration file; known: {list(CONFIG_FILES)}")
        if path.stem in found:
            raise ConfigError(f"{path}: a second configuration file named {path.name} (the first: {found[path.stem]})")
        found[path.stem] = path
    missing = [f"{s}.yaml" for s in CONFIG_FILES if s not in found]
    if missing:
        where = f"{PLATFORM_CONFIG_DIR} or {DOMAINS_DIR}/<domain>/config"
        raise ConfigError(f"{', '.join(missing)}: configuration file not found in {where}")
    return {s: found[s] for s in CONFIG_FILES}


def copy_config(dest: Path) -> Path:
    """Copy every configuration file of the repository (config_files()) flat into `dest` (created); returns
    `dest`, a directory load_config(dest) and CONFIG_DIR accept. For tests and the bad-input corpus."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for path in config_files().values():
        shutil.copyfile(path, dest / path.name)
    return dest


def load_config(config_dir: Path | None = None, sources_file: Path | None = None) -> Config:
    """Read and validate every configuration file into one Config.

    `config_dir` (default: this module's CONFIG_DIR, read at call time so tests can point it at a copy; when
    that is None every file is read in its home, see config_files) must hold exactly the files of
    CONFIG_FILES; `sources_file` defaults to data_raw/sources.yaml. Raises ConfigError naming the file (and
    key) for a missing or unexpected file, invalid YAML, a missing required key or an invalid value.
    """
    cdir = config_dir if config_dir is not None else CONFIG_DIR
    sfile = Path(sources_file) if sources_file else DATA_RAW / "sources.yaml"
    paths = config_files(cdir) | {"sources": sfile}
    parts = {name: load_yaml(p) for name, p in paths.items()}
    messages = validate_parts(parts, paths)  # every file against its schema (pipeline/config_schema/)
    if messages:
        raise config_error(messages)
    return Config(
        **parts,
        files=tuple(paths.values()),
        file_sha256={name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in paths.items()},
    )


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The repository's configuration, read and validated once per process (`default_config.cache_clear()`
    after pointing CONFIG_DIR at a copy)."""
    return load_config()
