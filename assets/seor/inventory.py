"""SEOR campus analysis: read any initiative inventory through a column mapping into the canonical schema.

Why: the Dingemans & Groenendijk inventory is a hand-made Excel file whose layout we do not control, and
other regions keep their own. A mapping file (canonical field → source column, separators, value maps)
turns any such .csv/.xlsx into one validated canonical table without code changes, and every problem
is reported with file, row, column, what was expected and what was found, all at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import config as config_mod
from pipeline import textcheck
from pipeline.csvread import InputError, read_text_csv
from pipeline.paths import PROJECT_ROOT

ENV_INVENTORY = "STO_INVENTORY"
ENV_MAPPING = "STO_INVENTORY_MAPPING"
LIST_SEP = "|"  # separator of multi-valued fields in the canonical (raw.seor_inventory) table
MAX_LISTED = 50


class InventoryError(InputError):
    """The inventory does not fit the canonical schema; `problems` lists every offending cell."""

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else pd.DataFrame()


def load_seor_config() -> dict[str, Any]:
    """seor.yaml as read and validated with every other config file (`default_config().seor`); assets take it
    from their resource (`sto.config.seor`), this is for code without one."""
    return config_mod.default_config().seor


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file: where the inventory is and how its columns map onto the canonical schema."""

    path: Path
    inventory_file: Path
    columns: dict[str, str | None]
    sheet: str | int | None = None
    header_row: int = 1
    separator: str = LIST_SEP
    separators: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    schools_file: Path | None = None
    schools_columns: dict[str, str] = field(default_factory=dict)
    published: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def inventory_paths(cfg: dict[str, Any] | None = None) -> tuple[Path | None, Path]:
    """(inventory override or None, mapping path) from STO_INVENTORY / STO_INVENTORY_MAPPING or seor.yaml."""
    cfg = cfg or load_seor_config()
    inv = os.environ.get(ENV_INVENTORY) or None
    mapping = os.environ.get(ENV_MAPPING) or cfg["inventory"]["default_mapping"]
    return (Path(inv).expanduser().resolve() if inv else None), _root_relative(mapping)


def _root_relative(p: str | Path) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def load_mapping(path: Path, inventory: Path | None = None) -> Mapping:
    """Parse a mapping YAML; relative file names are relative to the mapping file itself."""
    data = config_mod.load_yaml(Path(path))
    base = Path(path).resolve().parent
    inv = data.get("inventory") or {}
    cols = data.get("columns")
    if not isinstance(cols, dict) or not cols:
        raise config_mod.ConfigError(f"{path}: 'columns' must map canonical fields to source column names")
    file = inventory or (base / inv["file"] if inv.get("file") else None)
    if file is None:
        raise config_mod.ConfigError(f"{path}: no inventory file: set inventory.file or {ENV_INVENTORY}")
    schools = data.get("participating_schools") or {}
    published = data.get("published")
    return Mapping(
        path=Path(path).resolve(),
        inventory_file=Path(file).resolve(),
        columns={str(k): (None if v is None else str(v)) for k, v in cols.items()},
        sheet=inv.get("sheet"),
        header_row=int(inv.get("header_row") or 1),
        separator=str(data.get("multi_value_separator") or LIST_SEP),
        separators={str(k): str(v) for k, v in (data.get("separators") or {}).items()},
        values={str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("values") or {}).items()},
        defaults=dict(data.get("defaults") or {}),
        schools_file=(base / schools["file"]).resolve() if schools.get("file") else None,
        schools_columns={str(k): str(v) for k, v in (schools.get("columns") or {}).items()},
        published=(base / published).resolve() if published else None,
        raw=data,
    )


# ---------------------------------------------------------------------------------------------- reading


def read_table(path: Path, sheet: str | int | None = None, header_row: int = 1) -> pd.DataFrame:
    """A .csv or .xlsx file as all-string columns plus `source_row` (1-based row in the file/sheet)."""
    path = Path(path)
    if not path.exists():
        raise InventoryError(f"{path}: inventory file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=header_row - 1, dtype=str)
        except (ValueError, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InventoryError(
                f"{path}: expected an .xlsx workbook with sheet {sheet if sheet is not None else 'the first'!r}, "
                f"found a file that cannot be read as one ({type(exc).__name__}: {exc})"
            ) from exc
        df.columns = [str(c).strip() for c in df.columns]
        df.insert(0, "source_row", range(header_row + 1, header_row + 1 + len(df)))
        df = df.astype({c: "string" for c in df.columns if c != "source_row"})
        for c in df.columns[1:]:
            df[c] = df[c].str.strip()
        empty = df.drop(columns="source_row").isna().all(axis=1) | (df.drop(columns="source_row").fillna("") == "").all(
            axis=1
        )
        df = df[~empty].reset_index(drop=True)
        textcheck.check_frame(df, path)
        return df
    if suffix in (".csv", ".txt"):
        if header_row != 1:
            raise InventoryError(f"{path}: header_row {header_row}: CSV inventories must have the header in row 1")
        df, _ = read_text_csv(path)
        return df
    raise InventoryError(f"{path}: expected a .csv or .xlsx inventory, found {suffix or 'no extension'!r}")


def _problem(file: Path, rows: pd.Series, column: str, source_column: str | None, expected: str, found: pd.Series):
    return pd.DataFrame(
        {
            "file": str(file),
            "row": rows.astype("int64").to_numpy(),
            "column": column,
            "source_column": source_column or "",
            "expected": expected,
            "found": found.astype("string").fillna("").to_numpy(),
        }
    )


def _raise_problems(file: Path, problems: list[pd.DataFrame], what: str = "inventory") -> None:
    if not problems:
        return
    df = pd.concat(problems, ignore_index=True).sort_values(["row", "column"], kind="stable")
    lines = [
        f"  {r.file}: row {r.row}, column {r.column!r}"
        + (f" (source column {r.source_column!r})" if r.source_column and r.source_column != r.column else "")
        + f": expected {r.expected}, found {r.found!r}"
        for r in df.head(MAX_LISTED).itertuples(index=False)  # formatting the report, bounded
    ]
    more = f"\n  ... and {len(df) - MAX_LISTED} more" if len(df) > MAX_LISTED else ""
    raise InventoryError(
        f"{file}: {len(df)} problem(s) in the {what} (mapping checked against the canonical schema):\n"
        + "\n".join(lines)
        + more,
        df,
    )


def normalise_text(s: pd.Series) -> pd.Series:
    """Lowercase, trimmed, internal whitespace collapsed: the comparison form of names and locations."""
    return s.astype("string").fillna("").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)


def _codes(cfg: dict[str, Any], spec: dict[str, Any]) -> list[str] | None:
    """Allowed values of an enum/list field (None = free)."""
    if "values" in spec:
        return [str(v) for v in spec["values"]]
    if spec.get("values_from") == "categories":
        return [str(v) for v in cfg["categories"]]
    if "dimension" in spec:
        return [
            str(c["code"])
            for c in cfg["dimensions"][spec["dimension"]]["categories"]
            if "rollup_of_all_except" not in c
        ]
    return None


def _resolve_values(values: pd.Series, allowed: list[str], value_map: dict[str, str]) -> pd.Series:
    """Apply the mapping's value map, then match the allowed codes ignoring case and surrounding spaces."""
    v = values.astype("string").str.strip()
    if value_map:
        lower_map = {str(k).strip().lower(): val for k, val in value_map.items()}
        mapped = v.str.lower().map(lower_map)
        v = mapped.astype("string").fillna(v)
    canon = {a.lower(): a for a in allowed}
    return v.str.lower().map(canon).astype("string")


def map_inventory(raw: pd.DataFrame, mapping: Mapping, cfg: dict[str, Any]) -> pd.DataFrame:
    """Convert a source table to the canonical schema; raise InventoryError listing every bad cell."""
    file = mapping.inventory_file
    canonical: dict[str, dict[str, Any]] = cfg["canonical"]
    problems: list[pd.DataFrame] = []
    unknown = sorted(set(mapping.columns) - set(canonical))
    if unknown:
        raise InventoryError(f"{mapping.path}: unknown canonical field(s) {unknown}; known: {list(canonical)}")
    header = [c for c in raw.columns if c != "source_row"]
    for fld, spec in canonical.items():
        src = mapping.columns.get(fld)
        if src is not None and src not in header:
            problems.append(
                pd.DataFrame(
                    [
                        {
                            "file": str(file),
                            "row": mapping.header_row,
                            "column": fld,
                            "source_column": src,
                            "expected": f"a column named {src!r} (mapping {mapping.path.name})",
                            "found": f"columns {header}",
                        }
                    ]
                )
            )
        elif src is None and spec.get("required"):
            problems.append(
                pd.DataFrame(
                    [
                        {
                            "file": str(mapping.path),
                            "row": 0,
                            "column": fld,
                            "source_column": "",
                            "expected": "a source column for this required field in the mapping",
                            "found": "no mapping",
                        }
                    ]
                )
            )
    _raise_problems(file, problems)

    rows = raw["source_row"]
    out = pd.DataFrame({"source_row": rows.astype("int64")})
    loc = cfg["location"]
    bad_location = pd.Series(False, index=raw.index)
    bools = {str(v).lower(): True for v in cfg["bool_values"]["true"]} | {
        str(v).lower(): False for v in cfg["bool_values"]["false"]
    }
    for fld, spec in canonical.items():
        src = mapping.columns.get(fld)
        default = mapping.defaults.get(fld, spec.get("default"))
        if src is None:
            col = pd.Series(pd.NA if default is None else str(default), index=raw.index, dtype="string")
        else:
            col = raw[src].astype("string").str.strip().replace("", pd.NA)
            if default is not None:
                col = col.fillna(str(default))
        kind = spec["type"]
        missing = col.isna()
        if spec.get("required") and missing.any():
            problems.append(_problem(file, rows[missing], fld, src, "a value (required field)", col[missing]))
        present = ~missing
        if kind == "text":
            out[fld] = col
        elif kind == "enum":
            allowed = _codes(cfg, spec) or []
            res = _resolve_values(col, allowed, mapping.values.get(fld, {}))
            bad = present & res.isna()
            if bad.any():
                problems.append(_problem(file, rows[bad], fld, src, f"one of {allowed}", col[bad]))
            out[fld] = res
        elif kind == "list":
            allowed = _codes(cfg, spec)
            sep = mapping.separators.get(fld, mapping.separator)
            parts = col.fillna("").str.split(re.escape(sep), regex=True).explode().str.strip()
            parts = parts[parts.fillna("") != ""]
            if allowed is not None:
                res = _resolve_values(parts, allowed, mapping.values.get(fld, {}))
                bad = res.isna()
                if bad.any():
                    idx = parts.index[bad]
                    problems.append(
                        _problem(
                            file, rows.loc[idx], fld, src, f"values from {allowed} separated by {sep!r}", parts[bad]
                        )
                    )
                parts = res
            elif mapping.values.get(fld):
                parts = parts.replace(mapping.values[fld]).astype("string")
            uniq = parts.dropna().rename("v").reset_index().drop_duplicates().set_index("index")["v"]
            joined = uniq.groupby(level=0).agg(LIST_SEP.join)
            out[fld] = joined.reindex(raw.index).astype("string").fillna("")
        elif kind == "bool":
            res = col.fillna("").str.lower().map(bools)
            bad = res.isna()
            if bad.any():
                problems.append(
                    _problem(file, rows[bad], fld, src, f"true/false (one of {sorted(bools)})", col[bad].fillna(""))
                )
            out[fld] = res.fillna(False).astype(bool)
        elif kind in ("lat", "lon"):
            num = pd.to_numeric(col.str.replace(",", ".", regex=False), errors="coerce")
            lo, hi = loc["lat_range"] if kind == "lat" else loc["lon_range"]
            bad = present & (num.isna() | (num < lo) | (num > hi))
            if bad.any():
                problems.append(
                    _problem(file, rows[bad], fld, src, f"a decimal {kind} between {lo} and {hi} (WGS84)", col[bad])
                )
            out[fld] = num.where(~bad)
            bad_location |= bad
        elif kind == "postcode":
            ok = col.fillna("").str.match(loc["postcode_pattern"])
            bad = present & ~ok
            if bad.any():
                problems.append(_problem(file, rows[bad], fld, src, "a Dutch postcode '1234 AB' or '1234'", col[bad]))
            out[fld] = col.str.upper().str.replace(" ", "", regex=False)
        else:
            raise config_mod.ConfigError(f"seor.yaml canonical.{fld}: unknown type {kind!r}")
    if {"lat", "lon"} <= set(out.columns):
        half = (out["lat"].isna() != out["lon"].isna()) & ~bad_location
        if half.any():
            problems.append(
                _problem(
                    file,
                    rows[half],
                    "lat/lon",
                    None,
                    "both lat and lon, or neither",
                    pd.Series(
                        "lat="
                        + out["lat"].astype("string").fillna("")
                        + " lon="
                        + out["lon"].astype("string").fillna("")
                    )[half],
                )
            )
    if "reach_override_campuses" in out.columns and "reach_override_reason" in out.columns:
        noreason = (out["reach_override_campuses"] != "") & out["reach_override_reason"].isna()
        if noreason.any():
            problems.append(
                _problem(
                    file,
                    rows[noreason],
                    "reach_override_reason",
                    mapping.columns.get("reach_override_reason"),
                    "a documented reason for the reach override",
                    out.loc[noreason, "reach_override_reason"],
                )
            )
    for fld, spec in canonical.items():
        if spec.get("unique") and fld in out.columns:
            dup = out[fld].notna() & out[fld].duplicated(keep=False)
            if dup.any():
                problems.append(
                    _problem(file, rows[dup], fld, mapping.columns.get(fld), "a unique value", out[fld][dup])
                )
    _raise_problems(file, problems)
    out.insert(0, "seq", order_seq(out["id"], out["source_row"]))
    out["source_file"] = str(file)
    return out


def order_seq(ids: pd.Series, source_row: pd.Series) -> pd.Series:
    """1-based row order for "first": numeric ids numerically, then other ids alphabetically, then file row."""
    frame = pd.DataFrame(
        {
            "is_text": pd.to_numeric(ids, errors="coerce").isna(),
            "num": pd.to_numeric(ids, errors="coerce"),
            "txt": ids.astype("string").fillna(""),
            "row": source_row,
        }
    )
    order = frame.sort_values(["is_text", "num", "txt", "row"], kind="stable").index
    seq = pd.Series(range(1, len(frame) + 1), index=order)
    return seq.reindex(frame.index).astype("int64")


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
                    _problem(file, raw["source_row"][bad], k, v, f"a decimal {k} between {lo} and {hi}", col[bad])
                )
            out[k] = num.where(~bad)
        else:
            out[k] = col.astype("string")
    if out["code"].isna().any():
        bad = out["code"].isna()
        problems.append(_problem(file, raw["source_row"][bad], "code", cols["code"], "a school code", out["code"][bad]))
    dup = out["code"].notna() & out["code"].duplicated(keep=False)
    if dup.any():
        problems.append(_problem(file, raw["source_row"][dup], "code", cols["code"], "a unique code", out["code"][dup]))
    _raise_problems(file, problems, "participating-schools file")
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
