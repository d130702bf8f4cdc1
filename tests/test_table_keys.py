"""Every table's key (`key:` in the data dictionary) is unique and names real columns, on the sample and on
the real 2019 warehouse: a key that is not unique is a dictionary error (`sto diff` compares rows by it)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline import dictionary
from tests.conftest import need_shared


def key_problems(db: Path) -> list[str]:
    """Tables of warehouse `db` whose declared key names a missing column or is not unique (set-based: one
    GROUP BY per table)."""
    keys = {t: s["key"] for t, s in dictionary.load_dictionary()["tables"].items() if s.get("key")}
    con = duckdb.connect(str(db), read_only=True)
    problems = []
    try:
        have = {
            f"{s}.{t}": {
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [s, t]
                ).fetchall()
            }
            for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        }
        missing_tables = [t for t in keys if t.startswith("marts.") and t not in have]
        if missing_tables:
            problems.append(f"keyed marts tables not in the warehouse: {missing_tables}")
        for table, key in keys.items():
            if table not in have:
                continue
            absent = [k for k in key if k not in have[table]]
            if absent:
                problems.append(f"{table}: key columns {absent} not in the table")
                continue
            cols = ", ".join(f'"{k}"' for k in key)
            dup = con.execute(
                f"SELECT count(*), any_value(struct_pack({cols})) FROM "
                f"(SELECT {cols} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()
            if dup[0]:
                problems.append(f"{table}: key {key} not unique ({dup[0]} duplicated key(s), e.g. {dup[1]})")
    finally:
        con.close()
    return problems


def test_a_duplicate_key_is_found(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.techniekarm AS SELECT 2021 AS peiljaar, 'national' AS "
        "scope_type, 'NL' AS scope_code FROM range(2)"
    )
    con.close()
    found = key_problems(db)
    assert any("marts.techniekarm: key ['peiljaar', 'scope_type', 'scope_code'] not unique" in p for p in found)


@pytest.mark.slow
def test_keys_unique_on_the_sample(sample_out: Path):
    assert key_problems(sample_out / "sto.duckdb") == []


@pytest.mark.slow
@pytest.mark.realdata
def test_keys_unique_on_the_real_2019_warehouse(real_out: Path):
    need_shared()
    assert key_problems(real_out / "sto.duckdb") == []
