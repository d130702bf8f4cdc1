"""SEOR campus analysis: read any initiative inventory through a column mapping into the canonical schema.

Why: the Dingemans & Groenendijk inventory is a hand-made Excel file whose layout we do not control, and
other regions keep their own. A mapping file (canonical field → source column, separators, value maps)
turns any such .csv/.xlsx into one validated canonical table without code changes, and every problem
is reported with file, row, column, what was expected and what was found, all at once.

The inventory is read in two steps, each in its own module: assets/seor/mapping.py (the mapping file and the
raw .csv/.xlsx table, problems located) and assets/seor/canonical.py (the raw table onto the canonical
schema). This module is the entry point the assets use: `read_inventory`, the participating schools, the
published SEOR figures and seor.yaml as tables (`category_frame`, `gap_rule_frame`, `steps_frame`); it
re-exports the names of the two steps that other modules use.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from assets.seor.canonical import map_inventory, normalise_text
from assets.seor.mapping import (
    ENV_INVENTORY,
    ENV_MAPPING,
    LIST_SEP,
    InventoryError,
    Mapping,
    inventory_paths,
    load_mapping,
    load_seor_config,
    problem,
    raise_problems,
    read_table,
)
from pipeline import config as config_mod
from pipeline import textcheck

__all__ = [  # own names and the two steps' names used through this module (`... import inventory as seor`)
    "ENV_INVENTORY",
    "ENV_MAPPING",
    "LIST_SEP",
    "PUBLISHED_COLUMNS",
    "SCHOOL_FIELDS",
    "InventoryError",
    "Mapping",
    "category_frame",
    "config_mod",
    "config_sha",
    "gap_rule_frame",
    "inventory_paths",
    "load_mapping",
    "load_seor_config",
    "map_inventory",
    "normalise_text",
    "read_inventory",
    "read_participating_schools",
    "read_seor_published",
    "read_table",
    "step_info",
    "steps_frame",
]


def read_inventory(mapping: Mapping, cfg: dict[str, Any]) -> pd.DataFrame:
    """Read and map the inventory named by `mapping` (csv/xlsx) into the canonical schema."""
    raw = read_table(mapping.inventory_file, mapping.sheet, mapping.header_row)
    return map_inventory(raw, mapping, cfg)


SCHOOL_FIELDS = {"code": True, "name": False, "lat": False, "lon": False}


def read_participating_schools(mapping: Mapping, cfg: dict[str, Any]) -> pd.DataFrame:
    """The optional file locating participating schools by code (code, name, lat, lon)."""
    empty = pd.DataFrame(
        {
            "code": pd.Series(dtype="string"),
            "name": pd.Series(dtype="string"),
            "lat": pd.Series(dtype="float64"),
            "lon": pd.Series(dtype="float64"),
            "source_row": pd.Series(dtype="int64"),
        }
    )
    if mapping.schools_file is None:
        return empty
    file = mapping.schools_file
    raw = read_table(file)
    cols = {k: mapping.schools_columns.get(k, k) for k in SCHOOL_FIELDS}
    header = [c for c in raw.columns if c != "source_row"]
    missing = [f"{k} (column {v!r})" for k, v in cols.items() if v not in header and SCHOOL_FIELDS[k]]
    if missing:
        raise InventoryError(f"{file}: row 1: missing column(s) {missing}; found columns {header}")
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    problems = []
    loc = cfg["location"]
    for k, v in cols.items():
        col = (
            raw[v].astype("string").str.strip().replace("", pd.NA) if v in header else pd.Series(pd.NA, index=raw.index)
        )
        if k in ("lat", "lon"):
            num = pd.to_numeric(col.astype("string").str.replace(",", ".", regex=False), errors="coerce")
            lo, hi = loc["lat_range"] if k == "lat" else loc["lon_range"]
            bad = col.notna() & (num.isna() | (num < lo) | (num > hi))
            if bad.any():
                problems.append(
                    problem(file, raw["source_row"][bad], k, v, f"a decimal {k} between {lo} and {hi}", col[bad])
                )
            out[k] = num.where(~bad)
        else:
            out[k] = col.astype("string")
    if out["code"].isna().any():
        bad = out["code"].isna()
        problems.append(problem(file, raw["source_row"][bad], "code", cols["code"], "a school code", out["code"][bad]))
    dup = out["code"].notna() & out["code"].duplicated(keep=False)
    if dup.any():
        problems.append(problem(file, raw["source_row"][dup], "code", cols["code"], "a unique code", out["code"][dup]))
    raise_problems(file, problems, "participating-schools file")
    out["source_file"] = str(file)
    return out[["code", "name", "lat", "lon", "source_file", "source_row"]]


# -------------------------------------------------------------------------------------- config to frames


def category_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per (dimension, category) from seor.yaml: labels, order, tables and roll-up definition."""
    rows = []
    for dim, d in cfg["dimensions"].items():
        t3, t4 = d["tables"]
        for i, c in enumerate(d["categories"], start=1):
            rows.append(
                {
                    "dimension": dim,
                    "category": str(c["code"]),
                    "label": c["label"],
                    "sort_order": i,
                    "table_overall": t3,
                    "table_campus": t4,
                    "multi_valued": bool(d["multi_valued"]),
                    "is_rollup": "rollup_of_all_except" in c,
                    "rollup_except": [str(x) for x in c.get("rollup_of_all_except", [])],
                    "rank": i if d.get("ordinal") else None,
                }
            )
    df = pd.DataFrame(rows)
    df["rank"] = df["rank"].astype("Int64")
    return df


def gap_rule_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """The gap rules of seor.yaml as a table (categories NULL = every category of the dimension)."""
    rows = [
        {
            "rule_id": g["id"],
            "rule_label": g["label"],
            "scope": g["scope"],
            "dimension": g["dimension"],
            "categories": [str(c) for c in g["categories"]] if g.get("categories") else None,
            "metric": g["metric"],
            "below": float(g["below"]),
        }
        for g in cfg["gaps"]
    ]
    for r in rows:
        if r["scope"] not in ("overall", "campus") or r["metric"] not in ("share", "ratio_to_campus_mean"):
            raise config_mod.ConfigError(f"seor.yaml gaps {r['rule_id']}: unknown scope or metric")
        if r["dimension"] not in cfg["dimensions"]:
            raise config_mod.ConfigError(f"seor.yaml gaps {r['rule_id']}: unknown dimension {r['dimension']!r}")
    return pd.DataFrame(rows)


def steps_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """Funnel steps (no, key, label) from seor.yaml."""
    return pd.DataFrame(cfg["funnel"]["steps"]).rename(columns={"key": "step", "label": "step_label"})


def step_info(cfg: dict[str, Any], no: int) -> dict[str, Any]:
    return next(s for s in cfg["funnel"]["steps"] if int(s["step_no"]) == no)


def config_sha(cfg: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of seor.yaml: one fingerprint of the SEOR definitions."""
    blob = json.dumps(cfg, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


PUBLISHED_COLUMNS = [
    "figure_id",
    "source_url",
    "table_id",
    "row_label",
    "column_label",
    "indicator",
    "dimension",
    "category",
    "campus_code",
    "value",
    "unit",
    "known_inconsistency",
    "note",
]


def read_seor_published(path: Path | None) -> pd.DataFrame:
    """The curated published SEOR figures (data_raw/published/seor2023_tables.csv, named by the mapping's
    `published`), or an empty frame of the same shape when `path` is None.

    Returns one row per published figure with the columns of PUBLISHED_COLUMNS (text as string, `value`
    float64, `known_inconsistency` bool, an empty `source_url` as NA). Raises InventoryError naming the file
    when a column is missing, ValueError when a `value` is not a number.
    """
    cols = PUBLISHED_COLUMNS
    if path is None:
        df = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        df["value"] = df["value"].astype("float64")
        df["known_inconsistency"] = df["known_inconsistency"].astype("bool")
        return df
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = textcheck.locate_offset(raw, exc.start, ",", None)
        raise InventoryError(
            f"{path}: {where}: expected UTF-8 text (curated file), found bytes that are not UTF-8"
        ) from exc
    df = pd.read_csv(path, dtype="string", keep_default_na=False)
    textcheck.check_frame(df.assign(source_row=df.index + 2), path)  # no quoted line breaks in this file
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InventoryError(f"{path}: row 1: missing column(s) {missing}")
    df = df[cols].copy()
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    df["known_inconsistency"] = df["known_inconsistency"].str.lower().isin(["true", "1", "yes"])
    df["source_url"] = df["source_url"].replace("", pd.NA)
    return df
