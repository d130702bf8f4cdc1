"""Declarative checks (pipeline/checks.py): each check evaluated as a plain function on a tiny DuckDB fixture
(the Dagster University `dagster_testing` pattern), and every check declared on its asset by the factory."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import dagster as dg
import duckdb
import pytest

import assets.coverage.checks
import assets.coverage.nearby
import assets.duo_pupils.checks
import assets.exams.checks
import assets.locations.checks
import assets.mbo.checks
import assets.mbo.marts_checks
import assets.monitoring.checks
import assets.monitoring.dim_checks
import assets.seor.checks
from pipeline import checks
from pipeline.config import default_config
from pipeline.constants import COUNT_COLUMNS
from pipeline.validation import AUDIT_DDL, E

ALL_CHECKS = [
    *assets.duo_pupils.checks.CHECKS,
    *assets.locations.checks.CHECKS,
    *assets.exams.checks.CHECKS,
    *assets.monitoring.checks.CHECKS,
    *assets.monitoring.dim_checks.DIM_CHECKS,
    *assets.seor.checks.CHECKS,
    *assets.seor.checks.DIM_CHECKS,
    *assets.mbo.checks.CHECKS,
    *assets.mbo.marts_checks.CHECKS,
    *assets.coverage.checks.CHECKS,
    *assets.coverage.nearby.CHECKS,
]
BY_NAME = {c.name: c for c in ALL_CHECKS}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse with the raw/core/marts/audit schemas and the audit table."""
    c = duckdb.connect()
    for schema in ("raw", "core", "marts", "audit"):
        c.execute(f"CREATE SCHEMA {schema}")
    c.execute(AUDIT_DDL)
    yield c
    c.close()


def _audit(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT asset, partition, check_name, expectation, success, unexpected_count FROM audit.check_results "
        "ORDER BY expectation"
    ).fetchall()


def test_school_points_pass(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE raw.school_points AS SELECT * FROM (VALUES ('01AB00', 52.1, 5.1), ('02CD01', 51.9, 4.4)) "
        "t(vestiging_code, lat, lon)"
    )
    result = checks.evaluate(BY_NAME["raw_school_points_valid"], con, default_config())
    assert result.passed
    assert result.asset_key == dg.AssetKey("raw_school_points")
    assert result.check_name == "raw_school_points_valid"
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["rows_validated"].value == 2
    assert result.metadata["expect_column_values_to_be_unique(vestiging_code)"].value == "ok"
    assert [r[3] for r in _audit(con)] == [
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_unique",
    ]


def test_geocode_overrides_fail_with_located_row(con: duckdb.DuckDBPyConnection) -> None:
    """A longitude outside the Netherlands fails the blocking check and names the file, row and value."""
    con.execute(
        "CREATE TABLE raw.geocode_overrides AS SELECT * FROM (VALUES "
        "('overrides.csv', 2, '90DQ01', 52.0, 4.3671, 'note'), ('overrides.csv', 3, '90DQ02', 52.0, 43.671, 'note')) "
        "t(source_file, source_row, vestiging_code, lat, lon, source_note)"
    )
    result = checks.evaluate(BY_NAME["raw_geocode_overrides_valid"], con, default_config(), run_id="r1")
    assert not result.passed
    label = "expect_column_values_to_be_between(lon)"
    assert result.metadata[label].value.startswith("FAILED: 1 unexpected;")
    words = result.metadata[f"failing rows in words: {label}"].value
    assert words.splitlines() == ["found: '43.671'", "overrides.csv row 3: vestiging_code 90DQ02"]
    failed = [r for r in _audit(con) if not r[4]]
    assert failed == [("raw_geocode_overrides", None, "valid", "expect_column_values_to_be_between", False, 1)]
    assert con.execute("SELECT DISTINCT run_id FROM audit.check_results").fetchall() == [("r1",)]


def test_warning_check_keeps_its_severity_and_listing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE core.school_locations AS SELECT * FROM (VALUES ('01AB00', '1234 AB', 52.1), "
        "('02CD01', '9999 ZZ', NULL)) t(vestiging_code, postcode, lat)"
    )
    result = checks.evaluate(BY_NAME["core_school_locations_ungeocoded"], con, default_config())
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    # labelled a warning (Dagster's UI tags it "Failed" in yellow): outcome, description and each expectation
    assert result.metadata["outcome"].value == "warning"
    assert result.description.startswith("Warning (severity WARN, not blocking")
    assert "expect\\_" not in result.description and "expect_column_values_to_be_in_set(placed): 1 unexpected" in (
        result.description
    )
    value = result.metadata["expect_column_values_to_be_in_set(placed)"].value
    assert value.startswith("WARNING: 1 unexpected;") and "{" not in value  # words, not a dict dump
    # the listed rows: a Markdown table with the column names, not a list of dicts
    table = result.metadata["ungeocoded"].value
    assert table.splitlines()[0] == "1 row(s):"
    assert re.search(r"^\| vestiging_code\s+\| postcode\s+\|$", table, flags=re.MULTILINE)
    assert re.search(r"^\| 02CD01\s+\| 9999 ZZ\s+\|$", table, flags=re.MULTILINE)
    assert {r[2] for r in _audit(con)} == {"ungeocoded_listed"}


def test_blocking_failure_reads_as_failed_and_a_pass_as_passed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE core.school_locations AS SELECT * FROM (VALUES ('01AB00', '1234 AB', 52.1)) "
        "t(vestiging_code, postcode, lat)"
    )
    ok = checks.evaluate(BY_NAME["core_school_locations_ungeocoded"], con, default_config())
    assert ok.passed and ok.metadata["outcome"].value == "passed" and ok.description.startswith("Passed")
    con.execute(
        "CREATE TABLE raw.geocode_overrides AS SELECT * FROM (VALUES ('o.csv', 2, '90DQ01', 52.0, 43.6, 'n')) "
        "t(source_file, source_row, vestiging_code, lat, lon, source_note)"
    )
    bad = checks.evaluate(BY_NAME["raw_geocode_overrides_valid"], con, default_config())
    assert bad.metadata["outcome"].value == "failed" and bad.description.startswith("Failed (blocking")


def test_markdown_rows_escape_cells_and_name_columns() -> None:
    from pipeline.validation import markdown_rows

    text = markdown_rows([{"name": "A|<b>", "n": None}], total=3, what="row(s) fail")
    assert text.splitlines()[0] == "3 row(s) fail; the first 1:"
    assert "A\\|\\<b\\>" in text and "None" not in text


def test_per_peiljaar_check_sees_only_its_year(con: duckdb.DuckDBPyConnection) -> None:
    """The partition restricts the rows validated and is recorded in audit.check_results."""
    cfg = default_config()
    # every count '7', except one censored '<5' cell
    cols = ", ".join(f"'{'<5' if c == 'lj1_m' else '7'}' AS {c}" for c in COUNT_COLUMNS)
    label = cfg.onderwijstypes["onderwijstypes"][0]["label"]
    con.execute(
        f"""CREATE TABLE raw.duo_vo_students AS
            SELECT 'f.csv' AS source_file, 2 AS source_row, 2022 AS peiljaar, '01AB00' AS vestiging_code,
                   '{label}' AS onderwijstype_label, 'x' AS afdeling, '1' AS opleidingscode, NULL::VARCHAR AS lwoo,
                   'lt5' AS masking, {cols}
            UNION ALL
            SELECT 'g.csv', 2, 1999, 'bad', 'nope', 'x', '1', NULL, 'lt5', {cols}"""
    )
    check = BY_NAME["raw_duo_vo_students_valid"]
    ok = checks.evaluate(check, con, cfg, partition="2022")
    assert ok.metadata["0: rows_validated"].value == 1
    assert ok.metadata["0: expect_column_values_to_match_regex(vestiging_code)"].value == "ok"
    bad = checks.evaluate(check, con, cfg, partition=1999)
    assert not bad.passed
    words = bad.metadata["0: failing rows in words: expect_column_values_to_be_in_set(onderwijstype_label)"]
    assert "g.csv row 2: peiljaar 1999, vestiging_code bad, onderwijstype_label nope, afdeling x" in words.value
    assert {r[1] for r in _audit(con)} == {"2022", "1999"}


def test_combine_prefixes_suites_and_keeps_extra_unprefixed() -> None:
    check = checks.CheckDef(asset="a", name="a_valid", description="d")
    one = dg.AssetCheckResult(passed=True, metadata={"rows_validated": 1})
    two = dg.AssetCheckResult(passed=False, metadata={"rows_validated": 2})
    single = checks.combine(check, [one], {"extra": 3})
    assert set(single.metadata) == {"outcome", "rows_validated", "extra"} and single.passed
    both = checks.combine(check, [one, two], {"extra": 3})
    assert set(both.metadata) == {"outcome", "0: rows_validated", "1: rows_validated", "extra"} and not both.passed


def test_simple_form_reads_only_needed_columns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE raw.t AS SELECT 1 AS id, 'x' AS unused, 'f.csv' AS source_file")
    check = checks.CheckDef(
        asset="raw_t",
        name="raw_t_valid",
        description="d",
        sql="SELECT * FROM raw.t",
        expectations=lambda cfg: [E.ExpectColumnValuesToBeUnique(column="id")],
    )
    assert checks.evaluate(check, con, default_config()).passed
    with pytest.raises(ValueError, match="give sql and expectations"):
        checks.evaluate(checks.CheckDef(asset="a", name="b", description="c"), con, default_config())


def test_every_check_declared_on_its_asset() -> None:
    """The factory's list is exactly the check_specs of the assets: no check lost (39 before issues 15/16, plus
    the checks of mart_programme_statements, mart_programme_forecasts, mart_programme_targets,
    mart_reconciliation_seor_supply and core_boundaries, plus one per dimension table of issue 17: 3 exam,
    1 pupils (profile flags), 17 monitoring, 6 SEOR; plus the 11 of the mbo domain and the 10 of its marts, issue 19)."""
    from pipeline.definitions import load_assets_and_checks
    from pipeline.dictionary import markdown_text

    assets, separate = load_assets_and_checks()
    assert separate == []
    declared = {
        (s.asset_key.to_user_string(), s.name, s.description, s.blocking) for a in assets for s in a.check_specs
    }
    # the description as the UI's Markdown needs it ("'<5'" would lose "<5")
    expected = {(c.asset, c.name, markdown_text(c.description), c.blocking) for c in ALL_CHECKS}
    assert declared == expected
    # + 11 + 10: the mbo domain (sources, marts); + 8: the coverage domain; + 5: the DUO 02 file (duo_pupils);
    # + 3: coverage basis 'home'; + 3: coverage nearby small offer
    assert len(ALL_CHECKS) == len(BY_NAME) == 39 + 5 + 1 + 3 + 17 + 6 + 11 + 10 + 8 + 5 + 3 + 3
    assert all((c.severity == dg.AssetCheckSeverity.ERROR) == c.blocking for c in ALL_CHECKS)


def test_definitions_do_not_import_great_expectations() -> None:
    """GX is imported by the first validation, not by loading the definitions (import time, `sto --help`)."""
    import subprocess

    code = "import pipeline.definitions, sys; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
