"""The data dictionary: one description per table and column, shown everywhere.

Where: each domain describes its own tables in assets/<domain>/tables.yaml (beside its assets and SQL); the
index sql/data_dictionary.yaml holds the shared column descriptions and the platform's audit tables.
`load_dictionary()` merges them into one mapping.

Why one file: an evaluator reading DuckDB (`duckdb_columns().comment`), the Dagster UI (column schema),
a Parquet export (field metadata) or docs/data_dictionary.md must see the same text. The dictionary is
documentation, not a rule: it lives outside pipeline/config so editing it does not change the config hash.

Shapes: `column_text(table, column)` → "description Unit: … Codes: … Source: …" or None when undocumented;
`table_text(table)` → "description Grain: … Key: … Source: …" or None; `table_key(table)` → the key columns.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipeline.paths import DOMAINS_DIR, SQL_DIR
from pipeline.tables import ident, sql_literal

DICTIONARY_FILE = SQL_DIR / "data_dictionary.yaml"  # the index: shared column descriptions, audit tables
DOMAIN_TABLES = "tables.yaml"  # each domain's entries: assets/<domain>/tables.yaml
DOCUMENTED_SCHEMAS = ("core", "marts", "audit")


class DictionaryError(ValueError):
    """The dictionary file is malformed (names the entry)."""


def dictionary_files(path: Path = DICTIONARY_FILE, domains: Path = DOMAINS_DIR) -> list[Path]:
    """The files of the dictionary: the index, then every domain's tables.yaml in name order."""
    return [Path(path), *sorted(Path(domains).glob(f"*/{DOMAIN_TABLES}"))]


@lru_cache(maxsize=4)
def load_dictionary(path: Path = DICTIONARY_FILE, domains: Path = DOMAINS_DIR) -> dict[str, Any]:
    """The whole dictionary: the index `path` (shared `columns`, the platform's tables) merged with the
    `tables` of every domain's assets/<domain>/tables.yaml. Raises DictionaryError naming the file and entry
    when a table or column is malformed, a domain file holds more than `tables`, or a table is described in
    two files."""
    index, *domain_files = dictionary_files(path, domains)
    data = yaml.safe_load(index.read_text(encoding="utf-8")) or {}
    for key in ("columns", "tables"):
        if not isinstance(data.get(key), dict):
            raise DictionaryError(f"{index}: top-level '{key}' must be a mapping")
    _check_tables(index, data["tables"])
    origin = dict.fromkeys(data["tables"], index)
    for file in domain_files:
        part = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(part.get("tables"), dict) or set(part) - {"tables"}:
            raise DictionaryError(f"{file}: a domain's tables.yaml holds one top-level mapping 'tables'")
        _check_tables(file, part["tables"])
        for table in part["tables"]:
            if table in origin:
                raise DictionaryError(f"{file}: table {table!r} is also described in {origin[table]}")
            origin[table] = file
        data["tables"].update(part["tables"])
    return data


def _check_tables(path: Path, tables: dict[str, Any]) -> None:
    for table, spec in tables.items():
        if "." not in table or not isinstance(spec, dict) or not spec.get("description"):
            raise DictionaryError(f"{path}: table {table!r} needs 'schema.table' and a description")
        key = spec.get("key")
        if key is not None and (
            not isinstance(key, list)
            or not key
            or not all(isinstance(k, str) and k for k in key)
            or len(set(key)) != len(key)
        ):
            raise DictionaryError(
                f"{path}: table {table!r} key: expected a list of distinct column names (the columns that identify "
                f"one row, e.g. [peiljaar, vestiging_code]), found {key!r}"
            )


def table_key(table: str) -> list[str] | None:
    """The key of `table` (`key:` in its dictionary entry: the columns that identify one row; `sto diff`
    compares rows by it), or None when the entry declares none."""
    spec = load_dictionary()["tables"].get(table) or {}
    return list(spec["key"]) if spec.get("key") else None


def _render_column(entry: str | dict[str, Any]) -> str:
    if isinstance(entry, str):
        return entry.strip()
    parts = [str(entry.get("description", "")).strip()]
    for key, label in (("unit", "Unit"), ("codes", "Codes"), ("source", "Source")):
        if entry.get(key):
            parts.append(f"{label}: {entry[key]}.")
    return " ".join(p for p in parts if p)


def column_entry(table: str, column: str, data: dict[str, Any] | None = None) -> str | dict[str, Any] | None:
    """The raw entry of a column: the table's own, else the shared one by column name, else None."""
    data = data or load_dictionary()
    own = (data["tables"].get(table) or {}).get("columns") or {}
    if column in own:
        return own[column]
    return data["columns"].get(column)


def column_text(table: str, column: str) -> str | None:
    """Description of `table.column` with unit, codes and source, or None when the dictionary lacks it."""
    entry = column_entry(table, column)
    return None if entry is None else _render_column(entry)


def column_unit(table: str, column: str) -> str | None:
    """The unit of a column when the dictionary states one separately."""
    entry = column_entry(table, column)
    return entry.get("unit") if isinstance(entry, dict) else None


def table_text(table: str) -> str | None:
    """Description of a table with its grain, key and source, or None when undocumented."""
    spec = load_dictionary()["tables"].get(table)
    if spec is None:
        return None
    parts = [spec["description"].strip()]
    if spec.get("grain"):
        parts.append(f"Grain: {spec['grain']}.")
    if spec.get("key"):
        parts.append(f"Key: {', '.join(spec['key'])}.")
    if spec.get("source"):
        parts.append(f"Source: {spec['source']}.")
    return " ".join(parts)


# Characters that Markdown (the Dagster UI renders descriptions as Markdown and drops HTML-like tags) would
# take as markup: '<campus>@<radius>km' would show as '@km'. Backslash escapes show them as written.
# Intraword '_' (column and file names) is never emphasis in CommonMark, so it is left as is; `code` in a
# description is meant as code.
_MARKDOWN_SPECIAL = re.compile(r"([\\*<>\[\]])")
_MARKDOWN_CELL_SPECIAL = re.compile(r"([\\`*<>\[\]|])")


def markdown_text(text: str | None, cell: bool = False) -> str | None:
    """`text` with the Markdown-special characters backslash-escaped, for the places that render Markdown
    (Dagster asset, column and check descriptions; with `cell`, also '|' for a Markdown table cell); DuckDB
    comments, exports and docs keep the plain text. None stays None."""
    if text is None:
        return None
    return (_MARKDOWN_CELL_SPECIAL if cell else _MARKDOWN_SPECIAL).sub(r"\\\1", text)


def _sql_str(text: str) -> str:
    return sql_literal(text)  # COMMENT ON ... IS takes no bound parameter


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database() ORDER BY column_index",
            [schema, name],
        ).fetchall()
    ]


def apply_comments(con: duckdb.DuckDBPyConnection, tables: list[str] | None = None) -> int:
    """`COMMENT ON TABLE/COLUMN` for the given tables (default: every table of core/marts/audit).

    Call after a table is (re)written: CREATE OR REPLACE drops the comments. Undocumented tables or
    columns are left without a comment (tests/test_data_dictionary.py fails on them). Returns the number
    of comments set.
    """

    if tables is None:
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
                f"AND schema_name IN ({', '.join('?' for _ in DOCUMENTED_SCHEMAS)}) ORDER BY 1, 2",
                list(DOCUMENTED_SCHEMAS),
            ).fetchall()
        ]
    statements = []
    for table in tables:
        if table.split(".")[0] not in DOCUMENTED_SCHEMAS:
            continue
        ttext = table_text(table)
        if ttext:
            statements.append(f"COMMENT ON TABLE {ident(table)} IS {_sql_str(ttext)}")
        for col in _columns(con, table):
            ctext = column_text(table, col)
            if ctext:
                statements.append(f"COMMENT ON COLUMN {ident(table)}.{ident(col)} IS {_sql_str(ctext)}")
    # One transaction for all of them: a commit per COMMENT costs ~2 ms each (707 on a full warehouse).
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements:
            con.execute(stmt)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(statements)


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """'schema.table' or 'schema.table.column' of every core/marts/audit object without a comment."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN ('core', 'marts', 'audit') AND (comment IS NULL OR comment = '') "
        "UNION ALL SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name IN ('core', 'marts', 'audit') "
        "AND (comment IS NULL OR comment = '') ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def render_markdown(columns_by_table: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """docs/data_dictionary.md: every documented table with its columns (name, text).

    `columns_by_table` maps 'schema.table' to [(column, type)] as in a materialised warehouse (column
    order and set; types are left out since an all-NULL column's type can differ between data sets);
    without it the columns listed in the dictionary itself are shown.
    """
    data = load_dictionary()
    lines = [
        "# Data dictionary",
        "",
        "Generated from `sql/data_dictionary.yaml` and every `assets/<domain>/tables.yaml` by",
        "`scripts/gen_data_dictionary.py`; do not edit by hand.",
        "The same text is in the warehouse (`COMMENT ON`, see `duckdb_columns()`), in the Dagster column",
        "schemas and in the Parquet exports' field metadata. Percent columns are on a 0–100 scale.",
        "",
    ]
    tables = sorted(set(data["tables"]) | set(columns_by_table or {}))
    for schema in DOCUMENTED_SCHEMAS:
        lines += [f"## `{schema}`", ""]
        for table in [t for t in tables if t.split(".")[0] == schema]:
            lines += [f"### `{table}`", "", table_text(table) or "(undocumented)", ""]
            cols = (columns_by_table or {}).get(table)
            if cols is None:
                cols = [(c, "") for c in ((data["tables"].get(table) or {}).get("columns") or {})]
            if cols:
                lines += ["| column | description |", "|---|---|"]
                for col, _typ in cols:
                    text = (column_text(table, col) or "(undocumented)").replace("|", "\\|")
                    lines.append(f"| `{col}` | {text} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def warehouse_columns(db_path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """{'schema.table': [(column, type)]} of every core/marts/audit table of a warehouse file."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name IN ('core', 'marts', 'audit') "
            "ORDER BY schema_name, table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, col, typ in rows:
        out.setdefault(table, []).append((col, typ))
    return out
