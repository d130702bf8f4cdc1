"""STO / Techniekpact monitoring: configuration and the small curated inputs the marts need.

Why a module of its own: every definition behind a monitoring figure (which pupils, which profile flag,
thresholds, distances, exam programme classes) lives in `assets/monitoring/config/monitoring.yaml`, read and
validated with the other config files (`Config.monitoring`); this module turns its lists into small
DataFrames that the dimension assets write as tables (core.share_indicators, core.supply_measures,
core.campus_radii, core.exam_programmes, …; assets/monitoring/dims.py) and the SQL in `sql/mart_*.sql`
joins by name, so the SQL holds no literal definitions. It also reads the curated inputs (published
figures, the indicator catalogue, the optional vestiging → STO-region mapping) with located errors.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from pipeline.config import KNOWN_SCOPES as KNOWN_SCOPES  # re-exported: the checks name the scope types
from pipeline.config import PARTITIONING_SCOPES as PARTITIONING_SCOPES
from pipeline.config import default_config
from pipeline.constants import VESTIGING_CODE_PATTERN
from pipeline.csvread import InputError, read_text_csv
from pipeline.fetch import FetchedFile, sha256_file
from pipeline.paths import PROJECT_ROOT

RECONCILIATION_COLUMNS = ["source", "indicator", "peiljaar", "scope", "ours", "published", "delta", "tolerance", "ok"]
PUBLISHED_COLUMNS = [
    "figure_id",
    "source",
    "indicator",
    "measure",
    "peiljaar",
    "scope",
    "value",
    "unit",
    "published_as",
    "in_spec",
    "source_url",
    "note",
]
PUBLISHED_MEASURES = ("pct", "n_techniek", "pct_girls")
STO_REGION_COLUMNS = ["vestiging_code", "sto_region_code", "sto_region_name", "source_note"]
CATALOG_FIELDS = [
    "id",
    "programme",
    "theme",
    "name",
    "definition",
    "source_report",
    "unit",
    "grain",
    "open_data",
    "availability",
    "mart",
    "mart_filter",
    "note",
]


def monitoring_config() -> dict[str, Any]:
    """monitoring.yaml as read and validated with every other config file (`default_config().monitoring`);
    assets take it from their resource (`sto.config.monitoring`), this is for code without one."""
    return default_config().monitoring


def project_path(rel: str) -> Path:
    """A path from the config, relative to the project root unless absolute."""
    p = Path(rel)
    return p if p.is_absolute() else PROJECT_ROOT / p


def local_file(source_id: str, path: Path) -> FetchedFile:
    """Provenance record for a curated project file (read from the project's data_raw, like a mirror)."""
    return FetchedFile(
        source_id,
        None,
        str(path),
        str(path.resolve()),
        "mirror",
        path.stat().st_size,
        sha256_file(path),
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


# ---- definition tables for the SQL (written by assets/monitoring/dims.py) --------------------------------------
def share_indicator_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """One row per techniek_share indicator: population filter and numerator (a profile flag, the havo/vwo
    n_profile, or a VMBO SECTOR value of the DUO file: the TL pupils have a sector but no profile)."""

    def kind(num: Any) -> str:
        return "n_profile" if num == "n_profile" else next(iter(num))

    rows = [
        {
            "indicator": i["id"],
            "label": i["label"],
            "onderwijstypes": list(i["onderwijstypes"]),
            "leerjaren": [int(x) for x in i["leerjaren"]],
            "numerator_kind": kind(i["numerator"]),
            "profile_flag": i["numerator"]["profile_flag"] if kind(i["numerator"]) == "profile_flag" else None,
            "sector": i["numerator"]["sector"] if kind(i["numerator"]) == "sector" else None,
        }
        for i in cfg["techniek_share"]["indicators"]
    ]
    df = pd.DataFrame(rows)
    df["profile_flag"] = df["profile_flag"].astype("string")
    df["sector"] = df["sector"].astype("string")
    return df


def supply_measure_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """SEOR flag measures (name → profile flag); single-profile measures are added in SQL from the dimension."""
    return pd.DataFrame([{"measure": m, "profile_flag": f} for m, f in cfg["profile_supply"]["flag_measures"].items()])


def exam_programme_frames(cfg: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Exam programme dimension, its accepted names, and its flags in long form (inspectiecode, flag, value)."""
    ex = cfg["exams"]
    prog = pd.DataFrame(ex["programmes"])
    prog["inspectiecode"] = prog["code"].astype(str)
    dim = prog[["inspectiecode", "level", "leerweg", "sector"]].astype("string")
    classified = prog["classified"] if "classified" in prog.columns else pd.Series(True, index=prog.index)
    dim["classified"] = classified.fillna(True).astype(bool)
    names = prog[["inspectiecode", "names"]].explode("names").rename(columns={"names": "opleidingsnaam"})
    flags = prog.melt(id_vars=["inspectiecode"], value_vars=list(ex["flags"]), var_name="flag", value_name="value")
    flags["value"] = flags["value"].astype(bool)
    return dim, names, flags


def exam_series_frame(cfg: dict[str, Any]) -> pd.DataFrame:
    """National exam series: id, levels, leerwegen (null = all) and the numerator flag."""
    df = pd.DataFrame(cfg["exams"]["series"])
    df["leerwegen"] = df["leerwegen"].map(lambda v: list(v) if isinstance(v, list) else None)
    return df[["id", "label", "levels", "leerwegen", "flag"]].rename(columns={"id": "series"})


def campus_radius_frame(radii: list[float]) -> pd.DataFrame:
    """The sensitivity radii as a one-column table."""
    return pd.DataFrame({"radius_km": [float(r) for r in radii]})


# ---- curated inputs ---------------------------------------------------------------------------------------


def refuse_bad_cells(path: object, df: pd.DataFrame, checks: list[tuple[str, pd.Series, str]]) -> None:
    """Raise InputError for the first column of `checks` (column, ok mask, what is expected) with a cell that
    fails, naming file, column, expected, the values found and their rows; then for duplicate figure_ids."""
    for col, ok, expected in checks:
        bad = ~ok.fillna(False).astype(bool)
        if bad.any():
            rows = df.loc[bad, "source_row"].tolist()[:10]
            raise InputError(
                f"{path}: column {col!r}: expected {expected}, found {df.loc[bad, col].tolist()[:10]} in row(s) {rows}"
            )
    dup = df["figure_id"].duplicated(keep=False)
    if dup.any():
        raise InputError(
            f"{path}: column 'figure_id': expected unique ids, found duplicates "
            f"{sorted(set(df.loc[dup, 'figure_id']))} in rows {df.loc[dup, 'source_row'].tolist()}"
        )


def read_published(path: Path) -> pd.DataFrame:
    """Published reference figures (data_raw/published/techniekpact.csv), validated cell by cell."""
    df, _ = read_text_csv(path, required=PUBLISHED_COLUMNS)
    checks = [
        ("figure_id", df["figure_id"].str.match(r"^[a-z0-9][a-z0-9-]*$"), "a lower-case id"),
        ("peiljaar", df["peiljaar"].str.match(r"^\d{4}$"), "a 4-digit peiljaar (school year YYYY/YYYY+1)"),
        ("value", df["value"].str.match(r"^-?\d+(\.\d+)?$"), "a number with '.' as decimal point"),
        ("measure", df["measure"].isin(PUBLISHED_MEASURES), f"one of {list(PUBLISHED_MEASURES)}"),
        ("unit", df["unit"].isin(["pct", "count"]), "pct or count"),
        ("scope", df["scope"].str.match(r"^[a-z_]+:.+$"), "'<scope_type>:<scope_code>', e.g. national:NL"),
        ("in_spec", df["in_spec"].isin(["true", "false"]), "true or false"),
        ("source_url", df["source_url"].str.match(r"^https?://\S+$"), "a URL"),
    ]
    refuse_bad_cells(path, df, checks)
    out = df.copy()
    out["peiljaar"] = out["peiljaar"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["in_spec"] = out["in_spec"] == "true"
    out["scope_type"] = out["scope"].str.split(":", n=1).str[0]
    out["scope_code"] = out["scope"].str.split(":", n=1).str[1]
    out["source_file"] = Path(path).name
    return out


def read_sto_region_map(path: Path) -> pd.DataFrame:
    """Optional vestiging → STO-region mapping (format documented in monitoring.yaml)."""
    df, _ = read_text_csv(path, required=STO_REGION_COLUMNS)
    code = df["vestiging_code"].str.upper()
    bad = (
        ~code.str.match(VESTIGING_CODE_PATTERN).fillna(False)
        | df["sto_region_code"].isna()
        | (df["sto_region_code"] == "")
    )
    if bad.any():
        raise InputError(
            f"{path}: columns vestiging_code/sto_region_code: expected a 6-character vestiging "
            f"code and a region code, found {df.loc[bad, ['vestiging_code', 'sto_region_code']].values.tolist()[:10]} "
            f"in row(s) {df.loc[bad, 'source_row'].tolist()[:10]}"
        )
    dup = code.duplicated(keep=False)
    if dup.any():
        raise InputError(
            f"{path}: column 'vestiging_code': expected one row per vestiging, found duplicates "
            f"{sorted(set(code[dup]))} in rows {df.loc[dup, 'source_row'].tolist()[:10]}"
        )
    out = df[["source_row", *STO_REGION_COLUMNS]].copy()
    out["vestiging_code"] = code
    out["source_file"] = Path(path).name
    return out


def empty_sto_region_map() -> pd.DataFrame:
    """The mapping table's shape when no mapping file is given."""
    return pd.DataFrame(
        {
            c: pd.Series(dtype="string")
            for c in ["vestiging_code", "sto_region_code", "sto_region_name", "source_note", "source_file"]
        }
    ).assign(source_row=pd.Series(dtype="int64"))


SEOR_SUPPLY_COLUMNS = [
    "figure_id",
    "source",
    "table_id",
    "measure",
    "campus_code",
    "peiljaar",
    "radius_km",
    "value",
    "unit",
]


def read_seor_supply_published(path: Path) -> pd.DataFrame:
    """SEOR tables 5.1/5.2 as published (data_raw/published/seor2023_table5.csv), validated cell by cell:
    figure_id unique, peiljaar a 4-digit year, radius and value numbers. Typed columns for the SQL."""
    df, _ = read_text_csv(path, required=SEOR_SUPPLY_COLUMNS)
    checks = [
        ("peiljaar", df["peiljaar"].str.match(r"^\d{4}$"), "a 4-digit peiljaar (school year YYYY/YYYY+1)"),
        ("radius_km", df["radius_km"].str.match(r"^\d+(\.\d+)?$"), "a radius in km with '.' as decimal point"),
        ("value", df["value"].str.match(r"^-?\d+(\.\d+)?$"), "a number with '.' as decimal point"),
        ("unit", df["unit"].isin(["pct"]), "pct"),
    ]
    refuse_bad_cells(path, df, checks)
    out = df[[*SEOR_SUPPLY_COLUMNS, "note"]].copy() if "note" in df else df[SEOR_SUPPLY_COLUMNS].copy()
    out["peiljaar"] = out["peiljaar"].astype(int)
    out["radius_km"] = out["radius_km"].astype(float)
    out["value"] = out["value"].astype(float)
    return out


def read_catalog(path: Path, availability: list[str]) -> pd.DataFrame:
    """Indicator catalogue YAML → one row per indicator, every field present, availability known."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    items = (doc or {}).get("indicators")
    if not isinstance(items, list) or not items:
        raise InputError(f"{path}: expected a list under 'indicators', found {type(items).__name__}")
    for i, item in enumerate(items, start=1):
        missing = [f for f in CATALOG_FIELDS if f not in item]
        if missing:
            raise InputError(f"{path}: indicator #{i} ({item.get('id')!r}): missing field(s) {missing}")
        if item["availability"] not in availability:
            raise InputError(
                f"{path}: indicator {item['id']!r}: field 'availability': expected one of "
                f"{availability}, found {item['availability']!r}"
            )
        if item["availability"] != "unavailable" and not item["mart"]:
            raise InputError(
                f"{path}: indicator {item['id']!r}: field 'mart': expected a table for "
                f"availability {item['availability']!r}, found none"
            )
    df = pd.DataFrame(items)[CATALOG_FIELDS].rename(columns={"id": "indicator_id"})
    df["open_data"] = df["open_data"].astype(bool)
    for c in df.columns:
        if c != "open_data":
            df[c] = df[c].astype("string")
    df["catalog_version"] = str(doc.get("version"))
    return df


# ---- reconciliation contract ------------------------------------------------------------------------------
STAGING_RE = re.compile(r"^reconciliation_[a-z0-9_]+$")


def reconciliation_staging_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every marts.reconciliation_<source> table present, checked against the contract's required columns."""
    names = [
        n
        for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_name LIKE 'reconciliation\\_%' ESCAPE '\\' ORDER BY table_name"
        ).fetchall()
        if STAGING_RE.match(n)
    ]
    for n in names:
        cols = {
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
                [n],
            ).fetchall()
        }
        missing = [c for c in RECONCILIATION_COLUMNS if c not in cols]
        if missing:
            raise InputError(
                f"marts.{n}: reconciliation staging table lacks required column(s) {missing} "
                "(contract: assets/monitoring/sql/mart_reconciliation.sql)"
            )
    return [f"marts.{n}" for n in names]
