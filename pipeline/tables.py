"""Table names and existence: the DuckDB helpers every layer needs, with no project imports.

Why a module of its own: `pipeline.db` (table writes and the metadata every asset reports) builds on the
data dictionary and on provenance, and both of those need to quote a table name or ask whether a table
exists; keeping these helpers here lets all three use them without an import cycle. `pipeline.db`
re-exports them, so `db.ident(...)` keeps working.
"""

from __future__ import annotations

import re

import duckdb

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """Quote a (possibly schema-qualified) SQL identifier from config or code: `raw.x` → `"raw"."x"`.

    Raises ValueError when a part holds anything but letters, digits and `_`.
    """
    parts = name.split(".")
    for part in parts:
        if not _IDENT.match(part):
            raise ValueError(f"invalid SQL identifier {name!r}: only letters, digits and _ allowed")
    return ".".join(f'"{p}"' for p in parts)


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the schema-qualified `table` (`schema.name`) exists on `con` (works read-only)."""
    schema, name = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a schema-qualified table, in order (empty when it does not exist)."""
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            table.split("."),
        ).fetchall()
    ]


def content_hash_sql(table: str) -> str:
    """The aggregate expression of `pipeline.db.content_hash` over `table` (aliased `t`), as a scalar
    subquery: md5 of the row count and the sum of DuckDB's 64-bit `hash` of every row."""
    return (
        f"(SELECT md5(count(*)::VARCHAR || ':' || coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR) FROM {ident(table)} t)"
    )


def sql_literal(text: str) -> str:
    """`text` as a DuckDB string literal by its quoting rule (a single quote doubled), for the few places
    where a value cannot be a bound parameter (e.g. inside generated SELECT lists)."""
    return "'" + str(text).replace("'", "''") + "'"
