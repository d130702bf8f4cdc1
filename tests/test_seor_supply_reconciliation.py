"""SEOR 2023 tables 5.1/5.2 reconciled (issue 16.2): the published values (peiljaar 2022, 10 km) join
marts.reconciliation; a warehouse without 2022 has every row, saying 'year not loaded', never silently absent
and never compared with another year."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.monitoring import inputs as mon
from pipeline import db
from tests.conftest import ROOT, SPEC, query

TABLE5 = ROOT / "data_raw" / "published" / "seor2023_table5.csv"


def test_curated_file_is_the_spec_rebuilt(tmp_path: Path):
    """The committed table-5 file is exactly what scripts/build_seor_published.py writes from the spec."""
    spec_file = SPEC / "seor2023_tables.json"
    if not spec_file.exists():
        pytest.skip("../shared/spec is not available")
    import importlib.util

    loader = importlib.util.spec_from_file_location(
        "build_seor_published", ROOT / "scripts" / "build_seor_published.py"
    )
    build = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(build)
    out = tmp_path / "t5.csv"
    assert build.main(["--spec", str(spec_file), "--out", str(tmp_path / "t.csv"), "--table5-out", str(out)]) == 0
    assert out.read_bytes() == TABLE5.read_bytes()
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    df = mon.read_seor_supply_published(TABLE5)
    assert set(df["peiljaar"]) == {spec["tabel_5_peiljaar"]} and set(df["radius_km"]) == {10.0}
    assert len(df) == 8 * (2 + 8)  # 8 campuses × (2 flag measures + 8 profiles)
    hard = df.set_index(["measure", "campus_code"]).loc[("hard_techniek", "GT"), "value"]
    assert hard == spec["tabel_5_1_pct_students_vmbo_bkg_within_10km"]["hard_techniek_BWI_PIE_MT_MT"]["GT"]


def _run(years: list[int], comparable: bool = True) -> pd.DataFrame:
    con = duckdb.connect()
    for s in ("core", "marts", "raw"):
        con.execute(f"CREATE SCHEMA {s}")
    db.replace_table(con, "core.duo_vo_students", pd.DataFrame({"peiljaar": years}))
    published = mon.read_seor_supply_published(TABLE5)
    ours = published[["campus_code", "measure", "radius_km"]].drop_duplicates()
    rows = []
    for y in years:
        for r in ours.itertuples():  # ours = published + 0.4 in 2022 (within tolerance), + 3 in other years
            value = published.loc[
                (published["campus_code"] == r.campus_code) & (published["measure"] == r.measure), "value"
            ].iloc[0]
            for radius in (5.0, 10.0, 15.0):
                rows.append((y, r.campus_code, radius, r.measure, value + (0.4 if y == 2022 else 3.0), 100, 4))
    db.replace_table(
        con,
        "marts.profile_supply_campus",
        pd.DataFrame(
            rows, columns=["peiljaar", "campus_code", "radius_km", "measure", "pct", "n_pupils_base", "n_locations"]
        ),
    )
    con.execute(r"CREATE TEMP MACRO radius_label(r) AS regexp_replace(CAST(r AS VARCHAR), '\.0+$', '')")
    db.replace_table(con, "raw.seor_supply_published", published)
    db.run_sql(
        con,
        "mart_reconciliation_seor_supply",
        {"tol_pct": 0.5, "comparable": comparable, "not_comparable_reason": "synthetic"},
    )
    return con.execute("SELECT * FROM marts.reconciliation_seor_supply").df()


def test_compared_only_with_its_own_peiljaar():
    df = _run([2021, 2022, 2023])
    assert len(df) == 80 and set(df["peiljaar"]) == {2022}
    assert set(df["status"]) == {"ok"} and df["ok"].all()
    assert (df["delta"] - 0.4).abs().max() < 1e-9  # the 2022 figure, not 2021's or 2023's (+3)
    assert set(df["scope"].str.extract(r"@(.*)$")[0]) == {"10km"}


def test_year_not_loaded_rows_exist():
    df = _run([2019])
    assert len(df) == 80
    assert set(df["status"]) == {"year not loaded"} and df["ours"].isna().all() and df["ok"].isna().all()
    assert df["note"].str.contains("peiljaar 2022").all()


def test_not_comparable_rows_say_so():
    df = _run([2022], comparable=False)
    assert set(df["status"]) == {"not comparable"} and df["note"].str.contains("not compared: synthetic").all()


def test_sample_compares_2022(sample_out: Path):
    rows = query(
        sample_out / "sto.duckdb",
        "SELECT status, count(*), count(ours) FROM marts.reconciliation WHERE source = 'seor_supply' GROUP BY 1",
    )
    assert rows == [("not comparable", 80, 80)]  # 2022 is in the sample: computed, but synthetic


@pytest.mark.realdata
def test_real_2019_says_year_not_loaded(real_out: Path):
    rows = query(
        real_out / "sto.duckdb",
        "SELECT status, count(*), count(ours) FROM marts.reconciliation WHERE source = 'seor_supply' GROUP BY 1",
    )
    assert rows == [("year not loaded", 80, 0)]
