"""Exports of the published marts for evaluators who do not use DuckDB (CSV and Parquet).

Why a separate step after publish: exports are read from the published database only, so they always
match it; they are written into a temporary directory and swapped in whole. Parquet files are written
with pyarrow and carry the data dictionary (sql/data_dictionary.yaml, as commented in the warehouse):
field metadata `description` (and `unit` where the dictionary has one) per column, schema metadata
`table`/`description` per file. Modes: directory 0755, files 0644 (readable by evaluators' accounts).
CSV text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
return) get a leading `'` (OWASP CSV injection); Parquet keeps every value as it is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import dictionary
from pipeline.tables import ident, sql_literal

EXPORT_SCHEMAS = ("marts",)
DIR_MODE = 0o755
FILE_MODE = 0o644


def _comments(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str | None, dict[str, str]]:
    """Table and column comments of the warehouse, falling back to the dictionary for uncommented ones."""
    schema, name = table.split(".")
    tcom = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database()",
        [schema, name],
    ).fetchone()
    cols = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database()",
        [schema, name],
    ).fetchall()
    col_text = {c: (com or dictionary.column_text(table, c) or "") for c, com in cols}
    return (tcom[0] if tcom and tcom[0] else dictionary.table_text(table)), col_text


def write_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    """Write `table` (rows ORDER BY ALL, byte-stable) to `target` with the dictionary as field metadata."""
    data: pa.Table = con.execute(f"SELECT * FROM {ident(table)} ORDER BY ALL").fetch_arrow_table()
    table_desc, col_text = _comments(con, table)
    fields = []
    for field in data.schema:
        meta = {"description": col_text.get(field.name, "")}
        unit = dictionary.column_unit(table, field.name)
        if unit:
            meta["unit"] = str(unit)
        fields.append(field.with_metadata(meta))
    schema = pa.schema(fields, metadata={"table": table, "description": table_desc or ""})
    pq.write_table(data.cast(schema), target)


# OWASP "CSV injection": a cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`SELECT` of `table` for the CSV export: every text (VARCHAR) cell that starts with a FORMULA_STARTS
    character gets a leading single quote, so a spreadsheet shows it as text instead of running it (OWASP
    CSV injection); numbers and other types are written as they are. Rows ORDER BY ALL of the true
    values (byte-stable for identical contents)."""
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database() ORDER BY column_index",
        table.split("."),
    ).fetchall()
    starts = ", ".join(sql_literal(c) for c in FORMULA_STARTS)
    quote = sql_literal("'")
    parts = [
        f"CASE WHEN left({ident(c)}, 1) IN ({starts}) THEN {quote} || {ident(c)} ELSE {ident(c)} END AS {ident(c)}"
        if t == "VARCHAR"
        else ident(c)
        for c, t in cols
    ]
    return f"SELECT {', '.join(parts)} FROM (SELECT * FROM {ident(table)} ORDER BY ALL)"


def write_csv(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    """Write `table` as CSV with a header to `target` (formula-like text neutralised, see `csv_select`); the
    path is a bound parameter, never SQL text."""
    con.execute(f"COPY ({csv_select(con, table)}) TO ? (FORMAT csv, HEADER true)", [str(target)])


def export_marts(published: Path, export_dir: Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write every table of the mart schemas to `export_dir/<schema>.<table>.<fmt>`; return the files.

    Raises duckdb.Error when the database cannot be read; the previous export directory stays then.
    """
    con = duckdb.connect(str(published), read_only=True)
    tmp: Path | None = None
    try:
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
                f"({', '.join('?' for _ in EXPORT_SCHEMAS)}) ORDER BY 1, 2",
                list(EXPORT_SCHEMAS),
            ).fetchall()
        ]
        export_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=export_dir.parent, prefix=".exports-"))
        os.chmod(tmp, DIR_MODE)  # mkdtemp creates 0700
        written = []
        for table in tables:
            for fmt in formats:
                target = tmp / f"{table}.{fmt}"
                if fmt == "parquet":
                    write_parquet(con, table, target)
                else:
                    write_csv(con, table, target)
                os.chmod(target, FILE_MODE)
                written.append(export_dir / target.name)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)  # no partial export folder stays behind (disk full, ...)
        raise
    finally:
        con.close()
    old = export_dir.with_name(export_dir.name + ".old")
    if export_dir.exists():
        os.replace(export_dir, old)
    os.replace(tmp, export_dir)
    shutil.rmtree(old, ignore_errors=True)
    return written
