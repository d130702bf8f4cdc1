"""Versioned configuration: definitions (profiles, onderwijstypes, campuses, thresholds) live in YAML.

Every figure-changing choice is read from `pipeline/config/*.yaml` and `data_raw/sources.yaml`, so an
auditor can see the rule next to the result. `load_config()` reads and validates every one of those files
once into one `Config` object; `default_config()` caches the repository's copy for the process, and assets
reach it through the Dagster resource (`StoResource.config`). `Config.hash()` fingerprints the whole object
for provenance; `Config.rules_hash()` only the rules baked into a loaded peiljaar's core rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.paths import CONFIG_DIR, DATA_RAW


class ConfigError(ValueError):
    """A configuration file is missing a key or holds a value of the wrong kind."""


# The files of a configuration directory, in the order of Config's fields: stem → keys it must hold.
CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "pipeline": ("peiljaren", "censored", "validation", "geocoding", "reach"),
    "profiles": (),
    "onderwijstypes": (),
    "campuses": (),
    "monitoring": (
        "profile_offer",
        "profile_supply",
        "techniek_share",
        "techniekarm",
        "nearby_offer",
        "scopes",
        "unknown_scope_code",
        "sto_regions",
        "pupil_trend",
        "exams",
        "reconciliation",
        "catalog",
    ),
    "seor": ("canonical", "categories", "doelgroepen", "funnel", "reach", "dimensions", "gaps"),
    "targets": (),
    "statements": ("definitions", "statements", "forecasts"),
}
# monitoring.yaml scopes: the partitioning region types, and the campus radius
PARTITIONING_SCOPES = ("national", "provincie", "gemeente", "corop", "rmc", "onderwijsgebied", "sto_region")
KNOWN_SCOPES = (*PARTITIONING_SCOPES, "campus_radius")
# targets.yaml: what a target measures and how it is compared
TARGET_STATISTICS = ("n_locations_offering", "n_girls", "pct_girls", "pct_girls_choosing", "n_pupils")
TARGET_COMPARISONS = ("absolute", "pct_change_vs_baseline", "points_change_vs_baseline")
# statements.yaml: what a statement's variants compute, and how locations are counted
STATEMENT_STATISTICS = ("pct_girls", "n_locations_offering", "n_locations_without_offer")
STATEMENT_COUNT_BY = ("vestiging", "brin")
FORECAST_STATISTICS = ("n_pupils",)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file whose top level is a mapping.

    Returns the mapping; raises ConfigError naming the file when it is missing, not valid YAML, or not a
    mapping at the top level.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    return data


@dataclass(frozen=True)
class Config:
    """Every configuration file, parsed and validated: one attribute per file of pipeline/config/ (by stem)
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
        """Every parsed file by name (the pipeline/config stems and 'sources'): exactly what `hash()` covers."""
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


def validate_monitoring(cfg: dict[str, Any], where: str = "monitoring.yaml") -> None:
    """Check monitoring.yaml beyond its required keys: known scope types, well-formed and unique techniek_share
    indicators. Raises ConfigError naming `where` (the file) and the key."""
    unknown = [s for s in cfg["scopes"] if s not in KNOWN_SCOPES]
    if unknown:
        raise ConfigError(f"{where}: scopes: unknown scope type(s) {unknown}; known: {list(KNOWN_SCOPES)}")
    for ind in cfg["techniek_share"]["indicators"]:
        num = ind.get("numerator")
        if not (num == "n_profile" or (isinstance(num, dict) and "profile_flag" in num)):
            raise ConfigError(
                f"{where}: techniek_share indicator {ind.get('id')!r}: numerator must be "
                f"'n_profile' or {{profile_flag: <flag>}}, found {num!r}"
            )
    ids = [i["id"] for i in cfg["techniek_share"]["indicators"]]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: techniek_share indicator ids must be unique, found {ids}")


def validate_targets(cfg: dict[str, Any]) -> None:
    """Check targets.yaml: every scope names a region, every target its programme, label, source, a known
    scope, statistic and comparison (or a reason when not computable). Raises ConfigError naming the target
    and field."""
    if not cfg:
        raise ConfigError("pipeline/config/targets.yaml is missing or empty")
    scopes = cfg.get("scopes") or {}
    few = cfg.get("few_pupils_below", 5)
    if not isinstance(few, int) or isinstance(few, bool) or few < 1:
        raise ConfigError(f"targets.yaml few_pupils_below: expected a whole number >= 1, found {few!r}")
    for sid, s in scopes.items():
        kinds = [k for k in ("sto_region_code", "corop", "gemeenten") if s.get(k)]
        if not kinds:
            raise ConfigError(f"targets.yaml scope {sid}: needs sto_region_code, corop or gemeenten")
        if s.get("sto_region_code") and not (s.get("approximation") or {}).get("note"):
            raise ConfigError(f"targets.yaml scope {sid}: an STO region needs an approximation with a note")
    seen = set()
    for t in cfg.get("targets") or []:
        tid = t.get("id")
        if not tid or tid in seen:
            raise ConfigError(f"targets.yaml: target id {tid!r} missing or duplicated")
        seen.add(tid)
        for key in ("programme", "label", "source_document"):
            if not t.get(key):
                raise ConfigError(f"targets.yaml target {tid}: '{key}' is required")
        if t.get("computable", True) is False:
            if not t.get("reason"):
                raise ConfigError(f"targets.yaml target {tid}: a non-computable target needs a reason")
            continue
        if t.get("scope") not in scopes:
            raise ConfigError(f"targets.yaml target {tid}: unknown scope {t.get('scope')!r}; known {sorted(scopes)}")
        if t.get("is_proxy") and not t.get("proxy_note"):
            raise ConfigError(f"targets.yaml target {tid}: a proxy (is_proxy: true) needs a proxy_note")
        readings = t.get("readings") or [{}]
        names = [r.get("reading", "as stated") for r in readings]
        if len(set(names)) != len(names) or (len(readings) > 1 and not all(r.get("reading") for r in readings)):
            raise ConfigError(f"targets.yaml target {tid}: readings need unique names, found {names}")
        for r in readings:
            rt = {**t, **r}
            where = f"targets.yaml target {tid}" + (f" reading {r['reading']}" if r.get("reading") else "")
            if rt.get("statistic") not in TARGET_STATISTICS:
                raise ConfigError(f"{where}: statistic {rt.get('statistic')!r} not in {TARGET_STATISTICS}")
            if rt.get("comparison") not in TARGET_COMPARISONS:
                raise ConfigError(f"{where}: comparison {rt.get('comparison')!r} not in {TARGET_COMPARISONS}")
            if rt.get("comparison") != "absolute" and rt.get("baseline_peiljaar") is None:
                raise ConfigError(f"{where}: {rt.get('comparison')} needs baseline_peiljaar")
            if rt.get("target_value") is None:
                raise ConfigError(f"{where}: target_value is required")


def _named(where: str, key: str, value: Any, known: dict[str, Any] | tuple[str, ...]) -> None:
    if value not in known:
        raise ConfigError(f"{where}: {key} {value!r} is not defined; known: {sorted(known)}")


def validate_statements(cfg: dict[str, Any], targets: dict[str, Any]) -> None:
    """Check statements.yaml: unique ids, the fields every statement and forecast needs, known statistics,
    and every variant choice (profile set, leerjaar set, leerweg set, region) defined; regions are the
    scopes of targets.yaml. Raises ConfigError naming the statement or forecast and the field."""
    scopes = (targets or {}).get("scopes") or {}
    defs = cfg.get("definitions") or {}
    for kind in ("profiles", "leerjaren", "leerwegen"):
        if not isinstance(defs.get(kind), dict) or not defs[kind]:
            raise ConfigError(f"statements.yaml definitions: '{kind}' must be a non-empty mapping")
    for name, d in defs["profiles"].items():
        if bool(d.get("profiles")) == bool(d.get("profile_flag")):
            raise ConfigError(f"statements.yaml definitions.profiles.{name}: give either profiles or profile_flag")
    seen: set[str] = set()
    for kind in ("statements", "forecasts"):
        for s in cfg.get(kind) or []:
            sid = s.get("id")
            where = f"statements.yaml {kind[:-1]} {sid}"
            if not sid or sid in seen:
                raise ConfigError(f"statements.yaml: {kind[:-1]} id {sid!r} missing or duplicated")
            seen.add(sid)
            for key in ("programme", "document", "quote", "source"):
                if not s.get(key):
                    raise ConfigError(f"{where}: '{key}' is required")
            _named(where, "scope", s.get("scope"), scopes)
            if s.get("computable", True) is False:
                if not s.get("missing"):
                    raise ConfigError(f"{where}: a non-computable {kind[:-1]} needs 'missing' (what data it needs)")
                continue
            if kind == "forecasts":
                _named(where, "statistic", s.get("statistic"), FORECAST_STATISTICS)
                for key in ("base_peiljaar", "horizon_peiljaar", "expected_change_pct"):
                    if not isinstance(s.get(key), (int, float)) or isinstance(s.get(key), bool):
                        raise ConfigError(f"{where}: '{key}' must be a number, found {s.get(key)!r}")
                if s["horizon_peiljaar"] <= s["base_peiljaar"]:
                    raise ConfigError(f"{where}: horizon_peiljaar must come after base_peiljaar")
                continue
            _named(where, "statistic", s.get("statistic"), STATEMENT_STATISTICS)
            if not isinstance(s.get("published_value"), (int, float)) or isinstance(s.get("published_value"), bool):
                raise ConfigError(f"{where}: published_value must be a number, found {s.get('published_value')!r}")
            v = s.get("variants") or {}
            for key, known in (
                ("profiles", defs["profiles"]),
                ("leerjaren", defs["leerjaren"]),
                ("leerwegen", defs["leerwegen"]),
                ("scopes", scopes),
            ):
                if not v.get(key):
                    raise ConfigError(f"{where}: variants.{key} must list at least one choice")
                for x in v[key]:
                    _named(where, f"variants.{key}", x, known)
            for x in v.get("count_by") or []:
                _named(where, "variants.count_by", x, STATEMENT_COUNT_BY)
            for x in v.get("min_pupils") or []:
                if not isinstance(x, int) or isinstance(x, bool) or x < 1:
                    raise ConfigError(f"{where}: variants.min_pupils must be whole numbers >= 1, found {x!r}")


def load_config(config_dir: Path | None = None, sources_file: Path | None = None) -> Config:
    """Read and validate every configuration file into one Config.

    `config_dir` (default pipeline/config, read from this module's CONFIG_DIR at call time so tests can point
    it elsewhere) must hold exactly the files of CONFIG_FILES; `sources_file` defaults to
    data_raw/sources.yaml. Raises ConfigError naming the file (and key) for a missing or unexpected file,
    invalid YAML, a missing required key or an invalid value.
    """
    cdir = Path(config_dir) if config_dir else Path(CONFIG_DIR)
    sfile = Path(sources_file) if sources_file else DATA_RAW / "sources.yaml"
    unexpected = sorted(p.name for p in cdir.glob("*.yaml") if p.stem not in CONFIG_FILES)
    if unexpected:
        raise ConfigError(f"{cdir}: unexpected configuration file(s) {unexpected}; known: {list(CONFIG_FILES)}")
    paths = {stem: cdir / f"{stem}.yaml" for stem in CONFIG_FILES} | {"sources": sfile}
    parts = {name: load_yaml(p) for name, p in paths.items()}
    for stem, keys in CONFIG_FILES.items():
        missing = [k for k in keys if k not in parts[stem]]
        if missing:
            what = f"key {missing[0]!r}" if len(missing) == 1 else f"keys {missing}"
            raise ConfigError(f"{paths[stem]}: missing {what}")
    validate_monitoring(parts["monitoring"], str(paths["monitoring"]))
    validate_targets(parts["targets"])
    validate_statements(parts["statements"], parts["targets"])
    return Config(
        **parts,
        files=tuple(paths.values()),
        file_sha256={name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in paths.items()},
    )


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The repository's configuration, read and validated once per process (`default_config.cache_clear()`
    after pointing CONFIG_DIR elsewhere)."""
    return load_config()
