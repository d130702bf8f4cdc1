"""Programme targets (pipeline/config/targets.yaml) as frames for sql/mart_programme_targets.sql.

Why a config: targets are figures stated in programme documents (TechTown, Twente, Rotterdam); they
change with a new masterplan, not with code. A region that is not published as data (TechTown's STO
region) is an input mapping or a documented approximation stated in every row, never invented silently.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.config import default_config, validate_targets


def targets_config() -> dict[str, Any]:
    """targets.yaml as read and validated with every other config file (`default_config().targets`)."""
    return default_config().targets


def _list(value: Any) -> list | None:
    return None if value is None else [str(v) for v in value]


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
    validate_targets(cfg)  # again: callers may pass an edited copy
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
