"""SEOR inventory, step 1: the column mapping and the raw table. A mapping file (canonical field → source
column, separators, value maps, defaults) says where an inventory is and how to read it; `read_table` reads
a .csv/.xlsx as all-string columns with the row as an editor shows it. `InventoryError`, `problem` and
`raise_problems` report every offending cell at once (file, row, column, expected, found).

The override variables STO_INVENTORY / STO_INVENTORY_MAPPING are read here (`inventory_paths`).
"""

from __future__ import annotations

import os
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


def problem(file: Path, rows: pd.Series, column: str, source_column: str | None, expected: str, found: pd.Series):
    """One problem row per offending cell: file, row, canonical column, source column, expected, found."""
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


def raise_problems(file: Path, problems: list[pd.DataFrame], what: str = "inventory") -> None:
    """Raise one InventoryError listing every problem (the first MAX_LISTED in the message); none: return."""
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
