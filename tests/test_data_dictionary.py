"""The data dictionary: every core/marts/audit column documented in the warehouse, Dagster and docs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline import dictionary
from tests.conftest import ROOT


def test_entries_render_unit_codes_source():
    text = dictionary.column_text("marts.techniek_share", "pct")
    assert text is not None and "Unit: percent 0–100." in text
    assert "Codes:" in (dictionary.column_text("marts.techniek_share", "scope_type") or "")
    assert dictionary.column_text("marts.no_such_table", "no_such_column") is None
    table = dictionary.table_text("marts.profile_supply_campus") or ""
    assert "Grain:" in table and "Source:" in table


def test_every_percent_column_states_0_100():
    data = dictionary.load_dictionary()
    for table, spec in data["tables"].items():
        for col, entry in (spec.get("columns") or {}).items():
            if col.startswith("pct") and "change" not in col and "delta" not in col and isinstance(entry, dict):
                assert entry.get("unit") in ("percent 0–100", "percentage points", "percent change"), (table, col)


def test_comments_on_every_column_of_the_sample_warehouse(sample_out: Path):
    """Fails when a core/marts/audit table or column of a real materialisation has no description."""
    con = duckdb.connect(str(sample_out / "sto.duckdb"), read_only=True)
    try:
        assert dictionary.undocumented(con) == []
        n = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND comment IS NOT NULL"
        ).fetchone()[0]
        assert n > 100
        pct = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'techniek_share' "
            "AND column_name = 'pct'"
        ).fetchone()[0]
        assert "percent 0–100" in pct
    finally:
        con.close()


def test_campus_and_region_names_beside_codes(sample_out: Path):
    con = duckdb.connect(str(sample_out / "sto.duckdb"), read_only=True)
    try:
        with_code = con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'marts' AND column_name = 'campus_code'"
        ).fetchall()
        for (table,) in with_code:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?",
                    [table],
                ).fetchall()
            ]
            assert "campus_name" in cols, table
            missing = con.execute(f"SELECT count(*) FROM marts.{table} WHERE campus_name IS NULL").fetchone()[0]
            assert missing == 0, table
        scoped = con.execute(
            "SELECT DISTINCT table_name FROM duckdb_columns() WHERE schema_name = 'marts' AND column_name = 'scope_code'"
        ).fetchall()
        for (table,) in scoped:
            assert con.execute(
                "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ? "
                "AND column_name = 'scope_name'",
                [table],
            ).fetchone()[0], table
    finally:
        con.close()


def test_dagster_column_schema_has_descriptions():
    import dagster as dg

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.techniekarm AS SELECT 2019 AS peiljaar, 9.5::DOUBLE AS pct_hard_bovenbouw")
    from pipeline.db import table_metadata

    meta = table_metadata(con, "marts.techniekarm")
    schema: dg.TableSchema = meta["dagster/column_schema"]
    assert all(c.description for c in schema.columns)
    assert "percent 0–100" in schema.columns[1].description
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'techniekarm' AND column_name = 'peiljaar'"
    ).fetchone()[0]
    assert "Count year" in comment


def test_docs_data_dictionary_is_up_to_date(sample_out: Path):
    """docs/data_dictionary.md equals what scripts/gen_data_dictionary.py generates (rerun it if not)."""
    expected = dictionary.render_markdown(dictionary.warehouse_columns(sample_out / "sto.duckdb"))
    doc = ROOT / "docs" / "data_dictionary.md"
    if not doc.exists():
        pytest.fail("docs/data_dictionary.md missing: run python scripts/gen_data_dictionary.py")
    assert doc.read_text(encoding="utf-8") == expected, (
        "docs/data_dictionary.md is out of date: run python scripts/gen_data_dictionary.py"
    )


def test_ui_descriptions_keep_angle_brackets_for_markdown_and_comments_stay_plain() -> None:
    """The Dagster UI renders descriptions as Markdown and drops '<campus>' as an HTML tag: every description
    that reaches Dagster (column schema, asset and check descriptions) is escaped; the dictionary text (DuckDB
    comments, exports, docs) stays plain."""
    import dagster as dg

    from pipeline import db
    from pipeline.definitions import build_definitions
    from pipeline.dictionary import column_text, markdown_text

    plain = column_text("marts.techniek_share", "scope_code")
    assert "'<campus>@<radius>km'" in plain
    assert "'\\<campus\\>@\\<radius\\>km'" in markdown_text(plain)
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.techniek_share (scope_code VARCHAR)")
    meta = db.table_metadata(con, "marts.techniek_share")
    (col,) = meta["dagster/column_schema"].columns
    assert col.description == markdown_text(plain)
    comment = con.execute("SELECT comment FROM duckdb_columns() WHERE column_name = 'scope_code'").fetchone()[0]
    assert comment == plain  # DuckDB keeps the plain text
    graph = build_definitions().resolve_asset_graph()
    desc = graph.get(dg.AssetKey("mart_reconciliation")).description
    assert "marts.reconciliation_\\<source\\>" in desc
    check = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey("mart_nearby_offer"), "mart_nearby_offer_valid"))
    assert "(a \\< b)" in check.description


def test_each_domain_describes_its_own_tables():
    """Every table is described in one file: a domain's assets/<domain>/tables.yaml for the tables its own
    assets or SQL write, the index sql/data_dictionary.yaml for the platform's (audit) tables."""
    import yaml

    index, *domain_files = dictionary.dictionary_files()
    assert len(domain_files) >= 5
    seen: dict[str, Path] = {}
    for file in [index, *domain_files]:
        tables = yaml.safe_load(file.read_text(encoding="utf-8"))["tables"]
        for table in tables:
            assert table not in seen, (table, file, seen.get(table))
            seen[table] = file
        if file == index:
            assert {t.split(".")[0] for t in tables} == {"audit"}, file
            continue
        home = file.parent  # the domain's asset modules (*.py) or one of its sql/*.sql names the table it describes
        code = "\n".join(
            p.read_text(encoding="utf-8") for p in [*sorted(home.glob("*.py")), *sorted(home.glob("sql/*.sql"))]
        )
        unnamed = [t for t in tables if t not in code and t.split(".")[1] not in code]
        assert unnamed == [], (file, unnamed)
    assert set(seen) == set(dictionary.load_dictionary()["tables"])


def test_a_table_described_twice_is_refused(tmp_path: Path):
    index = tmp_path / "index.yaml"
    index.write_text("columns: {}\ntables:\n  audit.a: {description: A}\n", encoding="utf-8")
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "tables.yaml").write_text("tables:\n  core.b: {description: B}\n", encoding="utf-8")
    data = dictionary.load_dictionary(index, tmp_path)
    assert set(data["tables"]) == {"audit.a", "core.b"}
    (tmp_path / "d2").mkdir()
    (tmp_path / "d2" / "tables.yaml").write_text("tables:\n  core.b: {description: again}\n", encoding="utf-8")
    dictionary.load_dictionary.cache_clear()  # parsed once per process: the edited files are read afresh
    with pytest.raises(dictionary.DictionaryError, match=r"d2/tables.yaml: table 'core.b' is also described in"):
        dictionary.load_dictionary(index, tmp_path)
    (tmp_path / "d2" / "tables.yaml").write_text("columns: {}\ntables: {}\n", encoding="utf-8")
    dictionary.load_dictionary.cache_clear()
    with pytest.raises(dictionary.DictionaryError, match="one top-level mapping 'tables'"):
        dictionary.load_dictionary(index, tmp_path)


def test_every_marts_table_declares_a_key_of_its_own_columns():
    """`sto diff` compares rows by each table's key: every marts table declares one (`key:`), and every key
    column is a column the table documents (its own entry or a shared column). Uniqueness on the sample and
    the real 2019 warehouse: tests/test_table_keys.py."""
    data = dictionary.load_dictionary()
    marts = [t for t in data["tables"] if t.startswith("marts.")]
    assert marts and [t for t in marts if not dictionary.table_key(t)] == []
    for table, spec in data["tables"].items():
        for col in spec.get("key") or []:
            assert dictionary.column_entry(table, col, data) is not None, (table, col)


def test_a_malformed_key_is_refused(tmp_path: Path):
    index = tmp_path / "index.yaml"
    for bad in ("peiljaar", "[]", "[a, a]"):
        index.write_text(f"columns: {{}}\ntables:\n  marts.a: {{description: A, key: {bad}}}\n", encoding="utf-8")
        dictionary.load_dictionary.cache_clear()
        with pytest.raises(dictionary.DictionaryError, match=r"table 'marts.a' key: expected a list of distinct"):
            dictionary.load_dictionary(index, tmp_path)
    dictionary.load_dictionary.cache_clear()
