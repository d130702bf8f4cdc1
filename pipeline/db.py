"""DuckDB helpers: SQL files, table writes and the metadata every asset reports.

Why: assets write their tables directly into DuckDB (no pickled IO), so the SQL files (each domain's
`assets/<domain>/sql/`, the shared `sql/`) are what an evaluator reads and what runs; table metadata (rows, schema, content hash) comes from one place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import dictionary
from pipeline.paths import DOMAINS_DIR, SQL_DIR
from pipeline.provenance import asset_provenance_metadata
from pipeline.tables import columns as columns  # re-exported: db.columns, db.ident, db.table_exists
from pipeline.tables import ident as ident
from pipeline.tables import table_exists as table_exists

SCHEMAS = ("raw", "core", "marts", "audit")


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse and make sure the layer schemas exist."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        for schema in SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con


def sql_files(shared: Path = SQL_DIR, domains: Path = DOMAINS_DIR) -> dict[str, list[Path]]:
    """Name (file stem) → the SQL files of that name: the shared `sql/*.sql` and every domain's
    `assets/<domain>/sql/*.sql`. A name must be unique across them (tests/test_structure.py checks it)."""
    found: dict[str, list[Path]] = {}
    for path in [*sorted(shared.glob("*.sql")), *sorted(domains.glob("*/sql/*.sql"))]:
        found.setdefault(path.stem, []).append(path)
    return found


def sql_path(name: str) -> Path:
    """The one SQL file named `name` (shared or in a domain's sql/). Raises FileNotFoundError naming the
    places looked in when there is none, ValueError naming both files when two domains use the name."""
    paths = sql_files().get(name, [])
    if not paths:
        raise FileNotFoundError(f"no SQL file {name}.sql in {SQL_DIR} or {DOMAINS_DIR}/*/sql/")
    if len(paths) > 1:
        raise ValueError(f"SQL name {name!r} is not unique: {', '.join(map(str, paths))}")
    return paths[0]


def read_sql(name: str) -> str:
    """Text of the SQL file `<name>.sql` (`sql_path`)."""
    return sql_path(name).read_text(encoding="utf-8")


def run_sql(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> None:
    """Run every statement of the SQL file `<name>.sql` (`sql_path`); named parameters ($name) are bound
    where used."""
    text = read_sql(name)
    statements = [s.strip() for s in _split_sql(text) if s.strip()]
    for stmt in statements:
        used = {k: v for k, v in (params or {}).items() if f"${k}" in stmt}
        con.execute(stmt, used) if used else con.execute(stmt)


def _split_sql(text: str) -> list[str]:
    """Split on ';' at line ends, ignoring '--' comments (our SQL files keep one statement per ';')."""
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("--")]
    return re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)


def _contiguous(df: pd.DataFrame) -> pd.DataFrame:
    """`df` itself, or a copy when a NumPy-backed column is a strided view (e.g. after df.iloc[::-1]), which
    DuckDB cannot scan. Copying only then saves a full copy of every frame written (memory and time);
    extension columns (Arrow strings, nullable types) are scanned as they are."""
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if isinstance(col.dtype, np.dtype) and not np.asarray(col.array).flags.c_contiguous:
            return df.copy()
    return df


def _scannable(df: pd.DataFrame) -> pd.DataFrame | pa.Table:
    """What DuckDB scans for `df`: an Arrow table when every column is text (pandas StringDtype) or a NumPy
    bool/int/float column, else `_contiguous(df)`.

    DuckDB's scan of pandas' Arrow-backed text columns goes through Python objects: writing the exam rows
    (133k x 24) that way peaked at about 200 MB and took 1.3 s, from Arrow 90 MB and 0.9 s. Only these
    dtypes take the Arrow route because DuckDB gives them the same types either way (VARCHAR, BIGINT,
    DOUBLE, BOOLEAN; NaN and NA become NULL in both); other frames (object, datetime, categorical columns)
    are scanned as before."""
    names = list(df.columns)
    if len(set(names)) == len(names) and all(isinstance(n, str) for n in names):
        dtypes = list(df.dtypes)
        if all(
            isinstance(t, pd.StringDtype) or (isinstance(t, np.dtype) and t.kind in "biuf" and t != np.float16)
            for t in dtypes
        ):
            return pa.Table.from_pandas(df, preserve_index=False)
    return _contiguous(df)


def replace_table(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    """Replace a table with a DataFrame's contents."""
    con.register("_df_in", _scannable(df))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT * FROM _df_in")
    finally:
        con.unregister("_df_in")


def replace_table_from_sql(
    con: duckdb.DuckDBPyConnection, table: str, select: str, params: list | dict | None = None
) -> None:
    """Replace a table with the rows of a query run on `con` (e.g. `SELECT * FROM a_temp_table`), so data
    that DuckDB read itself is written without a round trip through pandas. Raises duckdb.Error."""
    con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS {select}", params or [])


def replace_partition(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, key: str, value: Any) -> None:
    """Replace the rows of one partition (e.g. one peiljaar) of a table, creating it when new."""
    con.register("_df_in", _scannable(df))
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema || '.' || table_name = ?",
            [table],
        ).fetchone()[0]
        if not exists:
            con.execute(f"CREATE TABLE {ident(table)} AS SELECT * FROM _df_in")
        else:
            # Columns new in this code version (e.g. raw.duo_vo_students.lwoo) are added, null for old rows.
            have = {r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()}
            for col, typ, *_ in con.execute("DESCRIBE _df_in").fetchall():
                if col not in have:
                    con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN {ident(col)} {typ}")
            con.execute(f"DELETE FROM {ident(table)} WHERE {ident(key)} = ?", [value])
            con.execute(f"INSERT INTO {ident(table)} BY NAME SELECT * FROM _df_in")
    finally:
        con.unregister("_df_in")


def frame_content_id(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> str:
    """`content_hash` of a DataFrame's rows: the same data in another file form (encoding, line ends,
    quoting, row order) gets the same id."""
    con.register("_content_in", _scannable(df))
    try:
        return content_md5(con, "_content_in")
    finally:
        con.unregister("_content_in")


def content_md5(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: list | None = None) -> str:
    """Order-independent md5 over all rows as text (32 hex characters): equal values mean equal contents.

    Stable across DuckDB versions (md5 of the rows' text), so it may be stored as an identity (address
    snapshot ids); it sorts every row's md5, about 0.4 s for 0.5 million rows. For metadata and
    comparisons within one code version use the fast `content_hash`."""
    sql = (
        f"SELECT coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) FROM "
        f"(SELECT md5(CAST(t AS VARCHAR)) AS h FROM {ident(table)} t {where})"
    )
    return con.execute(sql, params or []).fetchone()[0]


def content_hash(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: list | None = None) -> str:
    """Order-independent checksum of all rows (32 hex characters): md5 of the row count and the sum of
    DuckDB's 64-bit `hash` of every row, so duplicated rows count (unlike a xor). About 30x faster than
    `content_md5` (0.017 s for 0.5 million rows), but DuckDB's `hash` may change between DuckDB versions
    (pinned in requirements.lock): never store it as a lasting identity."""
    sql = (
        f"SELECT md5(count(*)::VARCHAR || ':' || coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR) "
        f"FROM {ident(table)} t {where}"
    )
    return con.execute(sql, params or []).fetchone()[0]


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "",
    params: list | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Dagster metadata for a table: row count, column schema with descriptions (escaped for the UI's
    Markdown, `dictionary.markdown_text`), content checksum.

    Also writes the data dictionary's `COMMENT ON TABLE/COLUMN` for the table (sql/data_dictionary.yaml),
    since every asset calls this right after writing its table.
    """
    dictionary.apply_comments(con, [table])
    rows = con.execute(f"SELECT count(*) FROM {ident(table)} t {where}", params or []).fetchone()[0]
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        table.split("."),
    ).fetchall()
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name=c, type=t, description=dictionary.markdown_text(dictionary.column_text(table, c)))
            for c, t in cols
        ]
    )
    meta: dict[str, Any] = {
        "table": dg.MetadataValue.text(table),
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "dagster/column_schema": schema,
        "content_sha": dg.MetadataValue.text(content_hash(con, table, where, params)),
    }
    if dictionary.table_text(table):
        meta["description"] = dg.MetadataValue.text(dictionary.table_text(table) or "")
    meta.update(asset_provenance_metadata())
    for k, v in (extra or {}).items():
        meta[k] = v
    return meta
