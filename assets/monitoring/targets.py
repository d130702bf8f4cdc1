"""Programme targets, statements and forecasts as frames for the programme marts.

assets/monitoring/config/targets.yaml → assets/monitoring/sql/mart_programme_targets.sql; assets/monitoring/config/statements.yaml →
assets/monitoring/sql/mart_programme_statements.sql and assets/monitoring/sql/mart_programme_forecasts.sql; regions: assets/monitoring/sql/programme_scopes.sql.

Why a config: these are figures stated in programme documents (TechTown, Twente, Rotterdam); they change
with a new masterplan, not with code. The three kinds stay apart (spec indicators.md §5): only a target can
be "met"; a statement is reconciled with our figure under several definitions; a forecast is tracked. A
region that is not published as data (TechTown's STO region) is an input mapping or a documented
approximation stated in every row, never invented silently.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from pipeline.config import default_config, validate_statements, validate_targets


def targets_config() -> dict[str, Any]:
    """targets.yaml as read and validated with every other config file (`default_config().targets`)."""
    return default_config().targets


def statements_config() -> dict[str, Any]:
    """statements.yaml as read and validated with every other config file (`default_config().statements`)."""
    return default_config().statements


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


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
    """One row per target × reading with list columns (profiles, onderwijstypes, leerjaren; None = no
    filter). A target without `readings` has one reading, 'as stated'."""
    validate_targets(cfg)  # again: callers may pass an edited copy
    rows = []
    for base in cfg.get("targets") or []:
        for r in base.get("readings") or [{}]:
            t = {**base, **r}
            computable = t.get("computable", True) is not False
            note = t.get("reason") if not computable else t.get("note")
            rows.append(
                {
                    "target_id": t["id"],
                    "reading": r.get("reading", "as stated"),
                    "reading_label": _text(r.get("label")),
                    "programme": t["programme"],
                    "label": t["label"],
                    "quote": _text(t.get("quote")),
                    "scope_id": t.get("scope"),
                    "statistic": t.get("statistic"),
                    "comparison": t.get("comparison"),
                    "unit": t.get("unit"),
                    "is_proxy": bool(t.get("is_proxy", False)),
                    "proxy_note": _text(t.get("proxy_note")),
                    "profiles": _list(t.get("profiles")),
                    "profile_flag": t.get("profile_flag"),
                    "onderwijstypes": _list(t.get("onderwijstypes")),
                    "leerjaren": None if t.get("leerjaren") is None else [int(x) for x in t["leerjaren"]],
                    "baseline_peiljaar": t.get("baseline_peiljaar"),
                    "baseline_value_published": t.get("baseline_value"),
                    "target_peiljaar": t.get("target_peiljaar"),
                    "target_value": t.get("target_value"),
                    "computable": computable,
                    "note": _text(note),
                    "source_document": t["source_document"],
                }
            )
    df = pd.DataFrame(rows)
    for col in ("baseline_peiljaar", "target_peiljaar"):
        df[col] = df[col].astype("Int64")
    for col in ("baseline_value_published", "target_value"):
        df[col] = df[col].astype("Float64")
    return df


def few_pupils_below(cfg: dict[str, Any]) -> int:
    """targets.yaml few_pupils_below: an offering location with fewer pupils is counted apart (default 5)."""
    return int(cfg.get("few_pupils_below", 5))


def statement_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per statement: id, programme, document, section, quote, scope, year, published value, unit,
    statistic, computable, explanation (computable) or what is missing (not computable), source."""
    rows = []
    for no, s in enumerate(cfg.get("statements") or [], start=1):
        computable = s.get("computable", True) is not False
        rows.append(
            {
                "statement_no": no,
                "statement_id": s["id"],
                "programme": s["programme"],
                "document": s["document"],
                "section": _text(s.get("section")),
                "quote": _text(s["quote"]),
                "scope_id": s["scope"],
                "statement_year": s.get("year"),
                "published_value": float(s["published_value"]) if s.get("published_value") is not None else None,
                "unit": s.get("unit"),
                "statistic": s.get("statistic"),
                "computable": computable,
                "explanation": _text(s.get("explanation") if computable else s.get("missing")),
                "source": s["source"],
            }
        )
    df = pd.DataFrame(rows)
    df["statement_year"] = df["statement_year"].astype("Int64")
    df["published_value"] = df["published_value"].astype("Float64")
    return df


def variant_frame(cfg: dict[str, Any], targets_cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per computable statement × variant: the cross product of its `variants` choices in config
    order (variant_no 1 = the statement's primary reading), with the filters as list columns and a readable
    definition. Expanding the configured choices is config work; every figure is computed in SQL."""
    validate_statements(cfg, targets_cfg)  # again: callers may pass an edited copy
    defs = cfg["definitions"]
    scopes = targets_cfg.get("scopes") or {}
    rows = []
    for s in cfg.get("statements") or []:
        if s.get("computable", True) is False:
            continue
        v = s["variants"]
        location_stat = s["statistic"] in ("n_locations_offering", "n_locations_without_offer")
        choices = itertools.product(
            v["profiles"],
            v["leerjaren"],
            v["leerwegen"],
            v["scopes"],
            v.get("count_by") or ["vestiging"],
            v.get("min_pupils") or [1],
        )
        for no, (prof, lj, lw, scope, count_by, min_pupils) in enumerate(choices, start=1):
            p, j, w = defs["profiles"][prof], defs["leerjaren"][lj], defs["leerwegen"][lw]
            parts = [f"profiles {p['label']}", j["label"], w["label"], f"region {scopes[scope].get('name', scope)}"]
            vid = [prof, lj, lw, scope]
            if location_stat:
                parts += [
                    "counted per school (brin)" if count_by == "brin" else "counted per location (vestiging)",
                    f"offered with ≥ {min_pupils} pupil{'s' if min_pupils != 1 else ''}",
                ]
                vid += [count_by, f"min{min_pupils}"]
            rows.append(
                {
                    "statement_id": s["id"],
                    "variant_no": no,
                    "variant_id": "|".join(vid),
                    "variant_definition": "; ".join(parts),
                    "statistic": s["statistic"],
                    "profiles": [str(x) for x in p["profiles"]] if p.get("profiles") else None,
                    "profile_flag": p.get("profile_flag"),
                    "leerjaren": [int(x) for x in j["leerjaren"]],
                    "onderwijstypes": [str(x) for x in w["onderwijstypes"]],
                    "scope_id": scope,
                    "count_by": count_by,
                    "min_pupils": int(min_pupils),
                }
            )
    return pd.DataFrame(rows)


def forecast_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per forecast: id, programme, document, quote, scope, statistic, base and horizon peiljaar,
    expected change (%), computable, note (computable) or what is missing, source."""
    rows = []
    for f in cfg.get("forecasts") or []:
        computable = f.get("computable", True) is not False
        rows.append(
            {
                "forecast_id": f["id"],
                "programme": f["programme"],
                "document": f["document"],
                "quote": _text(f["quote"]),
                "scope_id": f["scope"],
                "statistic": f.get("statistic"),
                "base_peiljaar": f.get("base_peiljaar"),
                "horizon_peiljaar": f.get("horizon_peiljaar"),
                "expected_change_pct": f.get("expected_change_pct"),
                "computable": computable,
                "note": _text(f.get("note") if computable else f.get("missing")),
                "source": f["source"],
            }
        )
    df = pd.DataFrame(rows)
    for col in ("base_peiljaar", "horizon_peiljaar"):
        df[col] = df[col].astype("Int64")
    df["expected_change_pct"] = df["expected_change_pct"].astype("Float64")
    return df
