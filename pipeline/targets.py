"""Programme targets (pipeline/config/targets.yaml) as frames for sql/mart_programme_targets.sql.

Why a config: targets are figures stated in programme documents (TechTown, Twente, Rotterdam); they
change with a new masterplan, not with code. A region that is not published as data (TechTown's STO
region) is an input mapping or a documented approximation stated in every row, never invented silently.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.config import ConfigError, default_config

STATISTICS = ("n_locations_offering", "n_girls", "pct_girls", "n_pupils")
COMPARISONS = ("absolute", "pct_change_vs_baseline")


def targets_config() -> dict[str, Any]:
    """targets.yaml as loaded with the other config files (part of the config hash)."""
    cfg = (default_config().extras or {}).get("targets")
    if not cfg:
        raise ConfigError("pipeline/config/targets.yaml is missing or empty")
    return cfg


def _list(value: Any) -> list | None:
    return None if value is None else [str(v) for v in value]


def validate(cfg: dict[str, Any]) -> None:
    """Raise ConfigError naming the target and field for an unknown scope, statistic or comparison."""
    scopes = cfg.get("scopes") or {}
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
        if t.get("statistic") not in STATISTICS:
            raise ConfigError(f"targets.yaml target {tid}: statistic {t.get('statistic')!r} not in {STATISTICS}")
        if t.get("comparison") not in COMPARISONS:
            raise ConfigError(f"targets.yaml target {tid}: comparison {t.get('comparison')!r} not in {COMPARISONS}")
        if t.get("comparison") == "pct_change_vs_baseline" and t.get("baseline_peiljaar") is None:
            raise ConfigError(f"targets.yaml target {tid}: pct_change_vs_baseline needs baseline_peiljaar")
        if t.get("target_value") is None:
            raise ConfigError(f"targets.yaml target {tid}: target_value is required")


def scope_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per region: scope_id, scope_name, sto_region_code, corop, gemeenten, approx_gemeenten, approx_note."""
    rows = []
    for sid, s in (cfg.get("scopes") or {}).items():
        approx = s.get("approximation") or {}
        rows.append(
            {
                "scope_id": sid,
                "scope_name": s.get("name", sid),
                "sto_region_code": None if s.get("sto_region_code") is None else str(s["sto_region_code"]),
                "corop": s.get("corop"),
                "gemeenten": _list(s.get("gemeenten")),
                "approx_gemeenten": _list(approx.get("gemeenten")),
                "approx_note": " ".join(str(approx.get("note", "")).split()) or None,
            }
        )
    return pd.DataFrame(rows)


def target_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per target with list columns (profiles, onderwijstypes, leerjaren; None = no filter)."""
    validate(cfg)
    rows = []
    for t in cfg.get("targets") or []:
        computable = t.get("computable", True) is not False
        note = t.get("reason") if not computable else t.get("note")
        rows.append(
            {
                "target_id": t["id"],
                "programme": t["programme"],
                "label": t["label"],
                "scope_id": t.get("scope"),
                "statistic": t.get("statistic"),
                "comparison": t.get("comparison"),
                "unit": t.get("unit"),
                "profiles": _list(t.get("profiles")),
                "profile_flag": t.get("profile_flag"),
                "onderwijstypes": _list(t.get("onderwijstypes")),
                "leerjaren": None if t.get("leerjaren") is None else [int(x) for x in t["leerjaren"]],
                "baseline_peiljaar": t.get("baseline_peiljaar"),
                "baseline_value_published": t.get("baseline_value"),
                "target_peiljaar": t.get("target_peiljaar"),
                "target_value": t.get("target_value"),
                "computable": computable,
                "note": " ".join(str(note).split()) if note else None,
                "source_document": t["source_document"],
            }
        )
    df = pd.DataFrame(rows)
    for col in ("baseline_peiljaar", "target_peiljaar"):
        df[col] = df[col].astype("Int64")
    for col in ("baseline_value_published", "target_value"):
        df[col] = df[col].astype("Float64")
    return df
