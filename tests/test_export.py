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


def test_export_modes_and_parquet_dictionary(tmp_path):
    """Exports are world-readable (dir 755, files 644); Parquet carries the dictionary as field metadata."""
    import stat

    import pyarrow.parquet as pq

    dbf = tmp_path / "sto.duckdb"
    con = duckdb.connect(str(dbf))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.techniek_share AS SELECT 2019 AS peiljaar, 19.5::DOUBLE AS pct")
    con.execute("COMMENT ON COLUMN marts.techniek_share.pct IS 'from the warehouse'")
    con.close()
    export_marts(dbf, tmp_path / "exports")
    out = tmp_path / "exports"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for f in out.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f
    pf = out / "marts.techniek_share.parquet"
    schema = pq.read_schema(pf)
    assert schema.field("pct").metadata[b"description"] == b"from the warehouse"
    assert schema.field("pct").metadata[b"unit"] == "percent 0–100".encode()
    assert b"Count year" in schema.field("peiljaar").metadata[b"description"]
    assert schema.metadata[b"table"] == b"marts.techniek_share"
    assert pq.read_table(pf).to_pylist() == [{"peiljaar": 2019, "pct": 19.5}]
