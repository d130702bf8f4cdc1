"""Exports of the published marts for evaluators who do not use DuckDB (CSV and Parquet).

Why a separate step after publish: exports are read from the published database only, so they always
match it; they are written into a temporary directory and swapped in whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from pipeline.db import ident

EXPORT_SCHEMAS = ("marts",)


def export_marts(published: Path, export_dir: Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write every table of the mart schemas to `export_dir/<schema>.<table>.<fmt>`; return the files."""
    con = duckdb.connect(str(published), read_only=True)
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
        written = []
        for table in tables:
            for fmt in formats:
                target = tmp / f"{table}.{fmt}"
                opts = "(FORMAT csv, HEADER true)" if fmt == "csv" else "(FORMAT parquet)"
                # ORDER BY ALL makes the export byte-stable for identical table contents.
                con.execute(f"COPY (SELECT * FROM {ident(table)} ORDER BY ALL) TO '{target}' {opts}")
                written.append(export_dir / target.name)
    finally:
        con.close()
    old = export_dir.with_name(export_dir.name + ".old")
    if export_dir.exists():
        os.replace(export_dir, old)
    os.replace(tmp, export_dir)
    shutil.rmtree(old, ignore_errors=True)
    return written
