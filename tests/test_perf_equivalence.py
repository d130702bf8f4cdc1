"""Issue 11 performance changes keep results identical: the two-pass GX validation (BASIC, then COMPLETE for
expectations with unexpected values) against one COMPLETE pass, Arrow-route frame writes against DuckDB's
pandas scan, and the DuckDB GeoNames reader against its DataFrame form."""

from __future__ import annotations

import gzip

import duckdb
import numpy as np
import pandas as pd
import pytest

from assets.locations import geo
from pipeline import db, validation
from pipeline.validation import E


def _one_complete_pass(df: pd.DataFrame, expectations: list, name: str) -> list[dict]:
    """validate_frame as it was before issue 11: one suite, result_format COMPLETE."""
    gx, _ctx, batch_def = validation._gx()
    frame = df[validation.needed_columns(list(df.columns), expectations)]
    suite = gx.ExpectationSuite(name=name)
    for exp in expectations:
        suite.add_expectation(getattr(gx.expectations, exp.type)(**exp.kwargs))
    result = batch_def.get_batch(batch_parameters={"dataframe": frame}).validate(suite, result_format="COMPLETE")
    out = []
    for er in result.results:
        res = er.result or {}
        observed = {
            "observed_value": validation._jsonable(res.get("observed_value")),
            "unexpected_values": sorted({str(v) for v in res.get("unexpected_list") or []})[: validation.MAX_LISTED],
            "unexpected_percent": res.get("unexpected_percent"),
        }
        if not er.success:
            rows = validation._locate(frame, res.get("unexpected_index_list") or [])
            if rows:
                observed["rows"] = rows
        out.append(
            {
                "expectation": er.expectation_config.type,
                "kwargs": {k: v for k, v in er.expectation_config.kwargs.items() if k != "batch_id"},
                "success": bool(er.success),
                "unexpected_count": int(res.get("unexpected_count") or 0),
                "observed": observed,
            }
        )
    return out


def test_two_pass_validation_equals_one_complete_pass() -> None:
    df = pd.DataFrame(
        {
            "source_file": "f.csv",
            "source_row": range(2, 202),
            "code": [f"{i:02d}AB" for i in range(199)] + ["bad"],  # one failure
            "n": [1] * 199 + [-3],
            "kind": ["x"] * 198 + ["y", "y"],  # passes with mostly, has unexpected values
            "v": [1.5] * 200,
        }
    )
    exps = [  # GX groups results by column: the failing ones come back at other positions than declared
        E.ExpectColumnValuesToNotBeNull(column="v"),
        E.ExpectColumnValuesToMatchRegex(column="code", regex=r"^\d{2}AB$"),
        E.ExpectColumnMaxToBeBetween(column="v", max_value=2),
        E.ExpectColumnValuesToBeBetween(column="n", min_value=0),
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToBeInSet(column="kind", value_set=["x"], mostly=0.9),
        E.ExpectCompoundColumnsToBeUnique(column_list=["kind", "v"]),
        E.ExpectColumnValuesToBeUnique(column="source_row"),
    ]
    two_pass = validation.validate_frame(df, exps, "t.two_pass")
    assert two_pass == _one_complete_pass(df, exps, "t.one_pass")
    assert [r["expectation"] for r in two_pass if not r["success"]] == [
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_compound_columns_to_be_unique",
    ]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(
            {
                "s": pd.array(["a", None, "c"], dtype="string"),
                "t": pd.Series(["x", "y", None], dtype="str"),
                "i": np.array([1, 2, 3], dtype="int64"),
                "f": [1.5, np.nan, 3.0],
                "b": [True, False, True],
                "u": np.array([1, 2, 3], dtype="uint8"),
            }
        ),
        pd.DataFrame({"o": pd.Series([1, "x", None], dtype=object), "d": pd.to_datetime(["2020-01-01"] * 3)}),
    ],
)
def test_arrow_route_writes_the_same_table(frame: pd.DataFrame) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    db.replace_table(con, "raw.new", frame)
    con.register("_old", frame.copy())  # DuckDB's own pandas scan, as before
    con.execute("CREATE TABLE raw.old AS SELECT * FROM _old")
    assert con.execute("DESCRIBE raw.new").fetchall() == con.execute("DESCRIBE raw.old").fetchall()
    assert con.execute("SELECT * FROM raw.new").fetchall() == con.execute("SELECT * FROM raw.old").fetchall()
    db.replace_table(con, "raw.rev", frame.iloc[::-1])  # strided NumPy views still written (copied)
    assert con.execute("SELECT count(*) FROM raw.rev").fetchone()[0] == len(frame)


LINE = "NL\t{pc}\t's-Gravenhage\tZuid-Holland\t11\t's-Gravenhage\t0518\t\t\t{lat}\t4.3416\t6\n"


def test_write_geonames_matches_parse_geonames_and_keeps_line_numbers(tmp_path) -> None:
    rows = [LINE.format(pc="2595 AN", lat="52.0793"), LINE.format(pc="XX", lat="52.1")]
    rows += [LINE.format(pc=f"{2500 + i} AB", lat="52.0") for i in range(3000)]
    path = tmp_path / "NL_full.txt.gz"
    path.write_bytes(gzip.compress("".join(rows).encode()))
    df = geo.parse_geonames(path, None, "pc6")
    assert df["pc6"].iloc[0] == "2595AN" and df["source_row"].tolist()[:3] == [1, 3, 4]  # 'XX' left out
    assert df["gemeente_code"].iloc[0] == "0518" and df["place"].iloc[0] == "'s-Gravenhage"
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    geo.write_geonames(con, "raw.geonames_pc6", path)
    assert con.execute("SELECT * FROM raw.geonames_pc6").df().equals(df)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns").fetchall())
    assert types == {
        "pc6": "VARCHAR",
        "place": "VARCHAR",
        "provincie": "VARCHAR",
        "gemeente": "VARCHAR",
        "gemeente_code": "VARCHAR",
        "lat": "DOUBLE",
        "lon": "DOUBLE",
        "source_row": "BIGINT",
    }


def test_write_geonames_refuses_and_leaves_the_table(tmp_path) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.geonames_pc4 AS SELECT 'keep' AS pc4")
    bad = tmp_path / "NL.txt"
    bad.write_text(LINE.format(pc="2595", lat="52.1") + LINE.format(pc="2596", lat="north") + "a\tb\n")
    with pytest.raises(geo.InputError, match=r"row 3: expected 12 tab-separated fields, found 2 \(1 such rows"):
        geo.write_geonames(con, "raw.geonames_pc4", bad)
    bad.write_text(LINE.format(pc="2595", lat="52.1") + LINE.format(pc="2596", lat="north"))
    with pytest.raises(geo.InputError, match=r"row 2 columns latitude/longitude .* found 'north'/'4.3416' \(1 such"):
        geo.write_geonames(con, "raw.geonames_pc4", bad)
    assert con.execute("SELECT * FROM raw.geonames_pc4").fetchall() == [("keep",)]
