"""Mart exports: every marts table to CSV and Parquet, stable bytes for equal contents."""

from __future__ import annotations

import duckdb

from pipeline.export import export_marts


def test_export_marts_csv_parquet_stable(tmp_path):
    dbf = tmp_path / "sto.duckdb"
    con = duckdb.connect(str(dbf))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA core")
    con.execute("CREATE TABLE marts.t AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) v(x, y)")
    con.execute("CREATE TABLE core.hidden AS SELECT 1 AS z")
    con.close()
    files = export_marts(dbf, tmp_path / "exports")
    assert sorted(f.name for f in files) == ["marts.t.csv", "marts.t.parquet"]
    first = (tmp_path / "exports" / "marts.t.csv").read_text()
    assert first.splitlines() == ["x,y", "1,a", "2,b"]
    export_marts(dbf, tmp_path / "exports")
    assert (tmp_path / "exports" / "marts.t.csv").read_text() == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".exports-") or p.name.endswith(".old")]
