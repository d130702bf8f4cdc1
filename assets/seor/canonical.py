"""SEOR inventory, step 2: a raw table mapped onto the canonical schema of seor.yaml (`map_inventory`):
value maps, enum and list codes matched case-insensitively, booleans, coordinates within the configured
ranges, postcodes, required and unique fields, all checked at once; plus the comparison form of text
(`normalise_text`) and the "first" order of rows (`order_seq`)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from assets.seor.mapping import LIST_SEP, InventoryError, Mapping, problem, raise_problems
from pipeline import config as config_mod


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
    raise_problems(file, problems)

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
            problems.append(problem(file, rows[missing], fld, src, "a value (required field)", col[missing]))
        present = ~missing
        if kind == "text":
            out[fld] = col
        elif kind == "enum":
            allowed = _codes(cfg, spec) or []
            res = _resolve_values(col, allowed, mapping.values.get(fld, {}))
            bad = present & res.isna()
            if bad.any():
                problems.append(problem(file, rows[bad], fld, src, f"one of {allowed}", col[bad]))
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
                        problem(
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
                    problem(file, rows[bad], fld, src, f"true/false (one of {sorted(bools)})", col[bad].fillna(""))
                )
            out[fld] = res.fillna(False).astype(bool)
        elif kind in ("lat", "lon"):
            num = pd.to_numeric(col.str.replace(",", ".", regex=False), errors="coerce")
            lo, hi = loc["lat_range"] if kind == "lat" else loc["lon_range"]
            bad = present & (num.isna() | (num < lo) | (num > hi))
            if bad.any():
                problems.append(
                    problem(file, rows[bad], fld, src, f"a decimal {kind} between {lo} and {hi} (WGS84)", col[bad])
                )
            out[fld] = num.where(~bad)
            bad_location |= bad
        elif kind == "postcode":
            ok = col.fillna("").str.match(loc["postcode_pattern"])
            bad = present & ~ok
            if bad.any():
                problems.append(problem(file, rows[bad], fld, src, "a Dutch postcode '1234 AB' or '1234'", col[bad]))
            out[fld] = col.str.upper().str.replace(" ", "", regex=False)
        else:
            raise config_mod.ConfigError(f"seor.yaml canonical.{fld}: unknown type {kind!r}")
    if {"lat", "lon"} <= set(out.columns):
        half = (out["lat"].isna() != out["lon"].isna()) & ~bad_location
        if half.any():
            problems.append(
                problem(
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
                problem(
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
                    problem(file, rows[dup], fld, mapping.columns.get(fld), "a unique value", out[fld][dup])
                )
    raise_problems(file, problems)
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
