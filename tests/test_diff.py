"""`sto diff` (pipeline/diff.py): rows added, removed and changed by key, measures, tables and columns,
causes from the audit tables, inputs (file, folder, release zip), exit codes. Tiny warehouses built here;
the sequence over real rebuilds of the sample is in tests/test_history.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from pipeline import diff
from pipeline.cli import main
from pipeline.errors import UsageError

KEYS = {"marts.share": ["peiljaar", "scope"], "marts.other": ["id"]}


def warehouse(
    path: Path,
    share_rows: str,
    *,
    extra: str = "",
    config: str = "('monitoring.yaml', 'x.t', '10')",
    sha: str = "aa",
    code: str = "c1",
) -> Path:
    """A minimal warehouse: marts.share (peiljaar, scope, pct DOUBLE, n INTEGER, label), marts.other, and the
    audit tables the causes read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit; CREATE SCHEMA core")
    con.execute("CREATE TABLE marts.share (peiljaar INTEGER, scope VARCHAR, pct DOUBLE, n INTEGER, label VARCHAR)")
    con.execute(f"INSERT INTO marts.share VALUES {share_rows}")
    con.execute("CREATE TABLE marts.other AS SELECT range AS id, range * 2 AS v FROM range(3)")
    con.execute("CREATE TABLE core.dim AS SELECT 1 AS a")
    con.execute(
        "CREATE TABLE audit.loaded_sources (asset VARCHAR, source_id VARCHAR, peiljaar INTEGER, file_name VARCHAR, "
        "sha256 VARCHAR, rules_hash VARCHAR)"
    )
    con.execute(f"INSERT INTO audit.loaded_sources VALUES ('raw_x', 'duo_vo_students', 2021, 'f.csv', '{sha}', NULL)")
    con.execute("CREATE TABLE audit.config_values (file VARCHAR, key VARCHAR, value VARCHAR, run_group VARCHAR)")
    con.execute(f"INSERT INTO audit.config_values SELECT *, 'g' FROM (VALUES {config})")
    con.execute(
        "CREATE TABLE audit.provenance (run_group VARCHAR, dagster_run_ids VARCHAR, finished_at TIMESTAMP, "
        "code_version VARCHAR, config_hash VARCHAR, package_versions VARCHAR)"
    )
    con.execute(f"INSERT INTO audit.provenance VALUES ('g', '[\"r1\"]', now(), '{code}', 'h', '{{}}')")
    if extra:
        con.execute(extra)
    con.close()
    return path


BASE = "(2021, 'NL', 19.3, 100, 'a'), (2021, 'GM1', 10.0, 5, 'b'), (2022, 'NL', 20.0, 110, 'c')"


def test_equal_warehouses_differ_in_nothing(tmp_path: Path):
    a = warehouse(tmp_path / "a.duckdb", BASE)
    b = warehouse(tmp_path / "b.duckdb", BASE)
    result = diff.diff_warehouses(a, b, keys=KEYS)
    assert not result.differs
    assert {t.status for t in result.tables} == {"equal"}
    assert "EQUAL" in diff.render(result)


def test_rows_added_removed_changed_by_key_with_the_largest_changes(tmp_path: Path):
    a = warehouse(tmp_path / "a.duckdb", BASE)
    rows = "(2021, 'NL', 19.1, 100, 'a'), (2022, 'NL', 20.0, 120, 'c'), (2023, 'NL', 21.0, 130, 'd')"
    b = warehouse(tmp_path / "b.duckdb", rows)
    result = diff.diff_warehouses(a, b, keys=KEYS, top=1)
    share = result.table("marts.share")
    assert (share.status, share.added, share.removed, share.changed) == ("changed", 1, 1, 2)
    assert share.changed_columns == {"pct": 1, "n": 1}
    assert share.examples["added"] == ["peiljaar=2023, scope=NL"]
    assert share.examples["removed"] == ["peiljaar=2021, scope=GM1"]
    assert share.examples["changed"] == ["peiljaar=2021, scope=NL", "peiljaar=2022, scope=NL"]
    by_col = {m.column: m for m in share.measures}
    assert by_col["pct"].key == "peiljaar=2021, scope=NL" and by_col["pct"].delta == pytest.approx(-0.2)
    assert by_col["n"].key == "peiljaar=2022, scope=NL" and (by_col["n"].old, by_col["n"].new) == (110, 120)
    assert result.table("marts.other").status == "equal"
    text = diff.render(result)
    assert "marts.share" in text and "peiljaar=2021, scope=NL" in text and "19.3" in text and "19.1" in text
    md = diff.render(result, "markdown")
    assert md.startswith("# sto diff") and "| marts.share" in md


def test_float_tolerance_and_exact_decimals(tmp_path: Path):
    """A DOUBLE that differs in the last bits (parallel sums) is equal; a real change is not."""
    a = warehouse(tmp_path / "a.duckdb", BASE)
    b = warehouse(tmp_path / "b.duckdb", BASE.replace("19.3", "19.300000000000004"))
    assert not diff.diff_warehouses(a, b, keys=KEYS).differs
    c = warehouse(tmp_path / "c.duckdb", BASE.replace("19.3", "19.3001"))
    assert diff.diff_warehouses(a, c, keys=KEYS).table("marts.share").changed_columns == {"pct": 1}
    assert diff.FLOAT_RTOL == 1e-9


def test_null_key_parts_match_and_tables_and_columns_added_or_removed(tmp_path: Path):
    rows = "(NULL, 'NL', 1.0, 1, 'x')"
    a = warehouse(tmp_path / "a.duckdb", rows, extra="CREATE TABLE marts.gone AS SELECT 1 AS id")
    b = warehouse(
        tmp_path / "b.duckdb",
        rows,
        extra="CREATE TABLE marts.new AS SELECT 1 AS id; ALTER TABLE marts.other ADD COLUMN w INTEGER; "
        "ALTER TABLE marts.other DROP COLUMN v",
    )
    result = diff.diff_warehouses(a, b, keys=KEYS)
    assert result.table("marts.share").status == "equal"  # NULL peiljaar matched by IS NOT DISTINCT FROM
    assert result.table("marts.gone").status == "removed" and result.table("marts.new").status == "added"
    other = result.table("marts.other")
    assert (other.columns_added, other.columns_removed, other.changed) == (["w"], ["v"], 0)


def test_a_key_that_is_not_unique_is_named_and_rows_compared_whole(tmp_path: Path):
    a = warehouse(tmp_path / "a.duckdb", BASE + ", (2021, 'NL', 1.0, 1, 'dup')")
    b = warehouse(tmp_path / "b.duckdb", BASE)
    share = diff.diff_warehouses(a, b, keys=KEYS).table("marts.share")
    assert "not unique in A" in share.note and (share.added, share.removed) == (0, 1)
    nokey = diff.diff_warehouses(a, b, keys={}).table("marts.share")
    assert "no key" in nokey.note and nokey.removed == 1


def test_causes_name_inputs_config_and_code(tmp_path: Path):
    a = warehouse(tmp_path / "a.duckdb", BASE)
    b = warehouse(tmp_path / "b.duckdb", BASE, sha="bb", code="c2", config="('monitoring.yaml', 'x.t', '12')")
    c = diff.diff_warehouses(a, b, keys=KEYS).causes
    assert c.inputs == [("duo_vo_students", "2021", "f.csv (aa)", "f.csv (bb)")]
    assert c.config == [("monitoring.yaml", "x.t", "10", "12")]
    assert c.code_version == ("c1", "c2") and c.config_hash is None
    text = diff.render(diff.diff_warehouses(a, b, keys=KEYS))
    assert "x.t" in text and "c1 → c2" in text


def test_flatten_config_names_every_value(tmp_path: Path):
    from pipeline.config import default_config
    from pipeline.provenance import flatten_config

    rows = {(f, k): v for f, k, v in flatten_config(default_config())}
    assert rows[("monitoring.yaml", "techniekarm.threshold_pct")] == "10"
    assert rows[("monitoring.yaml", "techniekarm.leerjaren")] == "[3, 4]"
    assert rows[("pipeline.yaml", "history.keep")] == "10"
    assert {f for f, _ in rows} >= {"pipeline.yaml", "monitoring.yaml", "sources.yaml", "profiles.yaml"}


def test_inputs_file_folder_release_zip_and_usage_errors(tmp_path: Path, capsys):
    a = warehouse(tmp_path / "out" / "sto.duckdb", BASE)
    release = tmp_path / "release-2026"
    warehouse(release / "sto.duckdb", BASE)
    zpath = tmp_path / "release-2026.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(release / "sto.duckdb", "release-2026/sto.duckdb")
    assert diff.resolve_warehouse(tmp_path / "out") == a
    assert main(["diff", str(tmp_path / "out"), str(zpath)]) == 0
    assert main(["diff", str(a), str(release)]) == 0
    changed = warehouse(tmp_path / "c.duckdb", BASE.replace("19.3", "18.0"))
    capsys.readouterr()
    report = tmp_path / "r" / "diff.md"
    assert main(["diff", str(a), str(changed), "--report", str(report)]) == 1
    said = capsys.readouterr().out  # the CLI keys tables by the real dictionary: marts.share has no key there
    assert "marts.share" in said and "no key in the data dictionary" in said
    assert report.read_text().startswith("# sto diff")
    assert main(["diff", str(tmp_path / "nope.duckdb"), str(a)]) == 2
    assert "nope.duckdb: no such file or folder" in capsys.readouterr().err
    (tmp_path / "text.duckdb").write_text("not a database")
    assert main(["diff", str(tmp_path / "text.duckdb"), str(a)]) == 2
    assert "not a readable DuckDB warehouse" in capsys.readouterr().err
    assert main(["diff", str(tmp_path), str(a)]) == 2  # a folder without sto.duckdb
    with pytest.raises(UsageError, match="without a marts schema"):
        duckdb.connect(str(tmp_path / "empty.duckdb")).execute("CREATE TABLE t (a INT)").close()
        diff.resolve_warehouse(tmp_path / "empty.duckdb")
