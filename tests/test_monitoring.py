"""Monitoring marts on the synthetic sample (3 peiljaren): trends, levels, independent recomputation,
the reconciliation contract, the optional STO-region mapping, and the curated inputs."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from assets.monitoring import inputs as mon
from pipeline.config import ConfigError, copy_config, load_config
from pipeline.csvread import InputError
from pipeline.resources import StoResource
from tests.conftest import query

MARTS = [
    "profile_offer_location",
    "profile_offer_region",
    "profile_supply_campus",
    "techniek_share",
    "techniekarm",
    "nearby_offer",
    "pupil_trend",
    "exam_results",
    "exam_national_series",
    "reconciliation_techniekpact",
    "reconciliation",
    "indicator_catalog",
]
R_EARTH = 6371.0088


def _df(dbf, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(dbf), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _haversine(lat1, lon1, lat2, lon2, r=R_EARTH):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.minimum(a, 1)))


@pytest.fixture()
def sample_copy(sample_out, tmp_path):
    """A writable copy of the sample warehouse for tests that add rows."""
    dst = tmp_path / "sto.duckdb"
    shutil.copy(sample_out / "sto.duckdb", dst)
    return dst


def test_all_marts_built_and_checked(sample_out):
    dbf = sample_out / "sto.duckdb"
    for m in MARTS:
        assert query(dbf, f"SELECT count(*) FROM marts.{m}")[0][0] > 0, m
    failed = query(
        dbf,
        "SELECT asset, check_name, expectation FROM audit.check_results "
        "WHERE NOT success AND severity = 'ERROR' AND (asset LIKE 'mart_%' OR asset LIKE 'raw_%')",
    )
    assert failed == []
    checked = {a for (a,) in query(dbf, "SELECT DISTINCT asset FROM audit.check_results WHERE asset LIKE 'mart_%'")}
    assert {f"mart_{m}" for m in MARTS} <= checked


def test_profile_status_against_baseline_and_previous_year(sample_out):
    df = _df(sample_out / "sto.duckdb", "SELECT * FROM marts.profile_offer_location")
    assert df["status_vs_baseline"].notna().all() and df["status_vs_previous"].notna().all()
    assert set(df["baseline_peiljaar"]) == {2021}  # 2017 not loaded: the earliest loaded year, stated per row
    s = df.set_index(["vestiging_code", "profile_code", "peiljaar"])

    def st(v, p, y):
        return s.loc[(v, p, y), ["status_vs_baseline", "status_vs_previous", "offered"]].tolist()

    # designed edge cases of the sample (data_raw/sample/README.md)
    assert st("92YC00", "BWI", 2022) == ["dropped", "dropped", False]
    assert st("92YC00", "BWI", 2023) == ["dropped", "not_offered", False]
    assert st("91PD00", "BWI", 2022) == ["new", "new", True]
    assert st("91PD00", "BWI", 2023) == ["new", "kept", True]
    assert st("98BP00", "M&T", 2022) == ["kept", "kept", True]
    assert st("98BP00", "M&T", 2023) == ["dropped", "dropped", False]
    assert st("92TY02", "BWI", 2022)[0] == "dropped"  # location closed after 2021
    assert st("92YC01", "PIE", 2022)[0] == "new"  # new sister location
    assert s.loc[("96TD00", "BWI", 2022), "intake_stopped"]  # phase-out: only leerjaar 4 left
    assert (df.loc[df["peiljaar"] == 2021, "status_vs_baseline"] == "baseline").all()
    assert (df.loc[df["peiljaar"] == 2021, "status_vs_previous"] == "first_year").all()


def test_techniek_share_year_on_year_and_baseline(sample_out):
    df = _df(sample_out / "sto.duckdb", "SELECT * FROM marts.techniek_share")
    key = ["scope_type", "scope_code", "indicator"]
    prev = df[["peiljaar", *key, "pct", "n_techniek"]].rename(
        columns={"peiljaar": "prev_peiljaar", "pct": "pct_p", "n_techniek": "n_p"}
    )
    m = df[df["peiljaar"] > 2021].merge(prev, on=["prev_peiljaar", *key], how="left")
    assert (m["prev_peiljaar"] == m["peiljaar"] - 1).all()
    both = m["pct_p"].notna()
    assert both.mean() > 0.9
    assert np.allclose(m.loc[both, "delta_pct_yoy"], m.loc[both, "pct"] - m.loc[both, "pct_p"])
    assert (m.loc[both, "delta_n_techniek_yoy"] == m.loc[both, "n_techniek"] - m.loc[both, "n_p"]).all()
    assert df.loc[df["peiljaar"] == 2021, "delta_pct_yoy"].isna().all()
    nat = df[(df["scope_type"] == "national")].set_index(["indicator", "peiljaar"])
    assert nat["delta_pct_yoy"].loc[("vmbo_bkg_lj3_techniek", 2023)] == pytest.approx(
        nat["pct"].loc[("vmbo_bkg_lj3_techniek", 2023)] - nat["pct"].loc[("vmbo_bkg_lj3_techniek", 2022)]
    )
    assert nat["delta_pct_vs_baseline"].loc[("havo_lj4_nprofiel", 2023)] == pytest.approx(
        nat["pct"].loc[("havo_lj4_nprofiel", 2023)] - nat["pct"].loc[("havo_lj4_nprofiel", 2021)]
    )
    # censored cells are counted and stated; 2021 has none (the sample's 2021 file is uncensored)
    cens = nat["censored_cells"]
    assert cens.loc[("vmbo_bkg_lj3_techniek", 2021)] == 0 and cens.loc[("vmbo_bkg_lj3_techniek", 2022)] > 0
    assert set(df["censored_point_value"]) == {2}


def test_national_share_recomputed_from_core(sample_out):
    dbf = sample_out / "sto.duckdb"
    s = _df(dbf, "SELECT peiljaar, onderwijstype, leerjaar, profile_code, n_profile, sex, n FROM core.duo_vo_students")
    flags = _df(dbf, "SELECT profile_code, techniekpact_techniek FROM core.vmbo_profile")
    s = s.merge(flags, on="profile_code", how="left")
    bkg = s[s["onderwijstype"].isin(["VMBO-BB", "VMBO-KB", "VMBO-GL"]) & (s["leerjaar"] == 3)]
    tech = bkg["techniekpact_techniek"].eq(True)
    exp_vmbo = 100 * bkg["n"].where(tech, 0).groupby(bkg["peiljaar"]).sum() / bkg.groupby("peiljaar")["n"].sum()
    havo = s[(s["onderwijstype"] == "HAVO") & (s["leerjaar"] == 4)]
    girls = havo[havo["sex"] == "V"]
    exp_girls = (
        100
        * girls["n"].where(girls["n_profile"].eq(True), 0).groupby(girls["peiljaar"]).sum()
        / girls.groupby("peiljaar")["n"].sum()
    )
    got = _df(dbf, "SELECT peiljaar, indicator, pct, pct_girls FROM marts.techniek_share WHERE scope_type = 'national'")
    got = got.set_index(["indicator", "peiljaar"])
    for y in (2021, 2022, 2023):
        assert got.loc[("vmbo_bkg_lj3_techniek", y), "pct"] == pytest.approx(exp_vmbo[y])
        assert got.loc[("havo_lj4_nprofiel", y), "pct_girls"] == pytest.approx(exp_girls[y])


@pytest.mark.parametrize(
    "table, keys, measures",
    [
        ("techniek_share", ["indicator"], ["n_total", "n_techniek", "n_girls_techniek"]),
        ("techniekarm", [], ["n_bovenbouw", "n_hard"]),
        ("pupil_trend", [], ["n_pupils"]),
        ("profile_offer_region", ["profile_code"], ["n_locations_offering", "n_bovenbouw"]),
    ],
)
def test_levels_sum_to_national(sample_out, table, keys, measures):
    df = _df(sample_out / "sto.duckdb", f"SELECT * FROM marts.{table}")
    k = ["peiljaar", *keys]
    nat = df[df["scope_type"] == "national"].set_index(k)[measures].sort_index()
    levels = set(df["scope_type"]) - {"national", "campus_radius"}
    assert {"provincie", "gemeente", "corop", "rmc", "onderwijsgebied"} <= levels
    for lvl in levels:
        summed = df[df["scope_type"] == lvl].groupby(k)[measures].sum().sort_index()
        pd.testing.assert_frame_equal(summed, nat, check_dtype=False, check_index_type=False, obj=lvl)
    if table == "pupil_trend":  # the location missing from the address file lands in ONBEKEND, not dropped
        assert set(df.loc[df["scope_code"] == "ONBEKEND", "scope_type"]) == {
            "gemeente",
            "corop",
            "rmc",
            "onderwijsgebied",
        }


def test_profile_supply_recomputed_for_one_campus(sample_out):
    dbf = sample_out / "sto.duckdb"
    c = _df(dbf, "SELECT lat, lon FROM core.campuses WHERE campus_code = 'IT&S'").iloc[0]
    loc = _df(dbf, "SELECT vestiging_code, lat, lon FROM core.school_locations WHERE lat IS NOT NULL")
    loc["d"] = _haversine(c["lat"], c["lon"], loc["lat"], loc["lon"])
    cells = _df(
        dbf,
        """SELECT s.vestiging_code, s.profile_code, s.n, p.seor_hard, p.seor_some_techniek
                        FROM core.duo_vo_students s LEFT JOIN core.vmbo_profile p USING (profile_code)
                        WHERE s.peiljaar = 2022 AND s.onderwijstype IN ('VMBO-BB','VMBO-KB','VMBO-GL')""",
    )
    near = cells[cells["vestiging_code"].isin(loc.loc[loc["d"] <= 10, "vestiging_code"])]
    base = near.groupby("vestiging_code")["n"].sum()
    prof = near.groupby(["vestiging_code", "profile_code"])["n"].sum().reset_index()
    prof = prof[prof["n"] >= 1].merge(
        near[["profile_code", "seor_hard", "seor_some_techniek"]].drop_duplicates(), on="profile_code"
    )
    got = _df(
        dbf,
        "SELECT measure, pct, n_pupils_base, n_locations FROM marts.profile_supply_campus "
        "WHERE peiljaar = 2022 AND campus_code = 'IT&S' AND radius_km = 10",
    ).set_index("measure")
    for measure, flag in (("any_techniek", "seor_some_techniek"), ("hard_techniek", "seor_hard")):
        offering = set(prof.loc[prof[flag].eq(True), "vestiging_code"])
        expected = 100 * base[base.index.isin(offering)].sum() / base.sum()
        assert got.loc[measure, "pct"] == pytest.approx(expected)
    assert got.loc["BWI", "pct"] == pytest.approx(
        100 * base[base.index.isin(set(prof.loc[prof["profile_code"] == "BWI", "vestiging_code"]))].sum() / base.sum()
    )
    assert got.loc["any_techniek", "n_pupils_base"] == base.sum() and got.loc["any_techniek", "n_locations"] == len(
        base
    )
    radii = {r for (r,) in query(dbf, "SELECT DISTINCT radius_km FROM marts.profile_supply_campus")}
    assert radii == {5.0, 10.0, 15.0}


def test_nearby_offer_equals_brute_force(sample_out):
    dbf = sample_out / "sto.duckdb"
    cfg = mon.monitoring_config()["nearby_offer"]
    o = _df(
        dbf,
        """SELECT o.peiljaar, o.profile_code, o.vestiging_code, o.n_bovenbouw, g.lat, g.lon
                    FROM marts.profile_offer_location o JOIN core.school_locations g USING (vestiging_code)
                    WHERE o.offered AND o.profile_kind = 'profile' AND g.lat IS NOT NULL AND o.n_bovenbouw <= ?""",
        [cfg["max_small_pupils"]],
    )
    pairs = o.merge(o, on=["peiljaar", "profile_code"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["vestiging_code_a"] < pairs["vestiging_code_b"]]
    pairs = pairs[_haversine(pairs["lat_a"], pairs["lon_a"], pairs["lat_b"], pairs["lon_b"]) <= cfg["max_distance_km"]]
    expected = set(map(tuple, pairs[["peiljaar", "profile_code", "vestiging_code_a", "vestiging_code_b"]].values))
    got = set(query(dbf, "SELECT peiljaar, profile_code, vestiging_a, vestiging_b FROM marts.nearby_offer"))
    assert got == expected and len(got) > 0


def test_reconciliation_contract_accepts_another_source(sample_copy):
    from assets.monitoring.assets import mart_reconciliation

    con = duckdb.connect(str(sample_copy))
    con.execute("""CREATE TABLE marts.reconciliation_othersource AS SELECT 'othersource' AS source, 'tabel_2_1.step_7' AS indicator,
                   NULL::INTEGER AS peiljaar, 'inventory:Zuid-Holland' AS scope, 70.0 AS ours, 70 AS published,
                   0.0 AS delta, 0.0 AS tolerance, true AS ok, true AS comparable""")
    con.close()
    list(mart_reconciliation(dg.build_asset_context(), StoResource(db_path=str(sample_copy))))  # a generator
    rows = dict(query(sample_copy, "SELECT source, count(*) FROM marts.reconciliation GROUP BY 1"))
    assert rows["othersource"] == 1 and rows["techniekpact"] > 30
    extra = query(sample_copy, "SELECT comparable FROM marts.reconciliation WHERE source = 'othersource'")
    assert extra == [(True,)]  # extra columns of a source are kept
    con = duckdb.connect(str(sample_copy))
    con.execute("CREATE TABLE marts.reconciliation_broken AS SELECT 'x' AS source, 1.0 AS ours")
    con.close()
    with pytest.raises(InputError, match=r"marts.reconciliation_broken.*\['indicator'"):
        list(mart_reconciliation(dg.build_asset_context(), StoResource(db_path=str(sample_copy))))


def test_sto_region_scope_from_mapping(sample_copy, tmp_path):
    from assets.monitoring.assets import mart_techniek_share
    from assets.monitoring.dims import core_scope_membership

    codes = [c for (c,) in query(sample_copy, "SELECT DISTINCT vestiging_code FROM core.duo_vo_students ORDER BY 1")]
    mapping = tmp_path / "sto_regions.csv"
    lines = ["vestiging_code;sto_region_code;sto_region_name;source_note"]
    lines += [
        f"{c};{'R1' if i % 2 else 'R2'};Regio {'1' if i % 2 else '2'};test fixture" for i, c in enumerate(codes[:20])
    ]
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    df = mon.read_sto_region_map(mapping)
    con = duckdb.connect(str(sample_copy))
    con.register("m", df)
    con.execute("CREATE OR REPLACE TABLE raw.sto_region_map AS SELECT * FROM m")
    con.close()
    # the scope dimension is its own asset (upstream of the mart): rebuilt from the new mapping first
    list(core_scope_membership(dg.build_asset_context(), StoResource(db_path=str(sample_copy))))  # generators
    list(mart_techniek_share(StoResource(db_path=str(sample_copy))))
    t = _df(sample_copy, "SELECT * FROM marts.techniek_share")
    sto = t[t["scope_type"] == "sto_region"]
    assert set(sto["scope_code"]) == {"R1", "R2", "ONBEKEND"}
    nat = t[t["scope_type"] == "national"].set_index(["peiljaar", "indicator"])["n_total"].sort_index()
    summed = sto.groupby(["peiljaar", "indicator"])["n_total"].sum().sort_index()
    assert (summed == nat).all()
    bad = tmp_path / "dup.csv"
    bad.write_text(lines[0] + f"\n{codes[0]};R1;x;y\n{codes[0]};R2;x;y\n", encoding="utf-8")
    with pytest.raises(InputError, match="one row per vestiging"):
        mon.read_sto_region_map(bad)


def test_reconciliation_rows_and_catalog(sample_out):
    dbf = sample_out / "sto.duckdb"
    rec = _df(dbf, "SELECT * FROM marts.reconciliation WHERE source = 'techniekpact'")
    assert rec["source_url"].str.startswith("http").all()
    loaded = rec[rec["peiljaar"].isin([2021, 2022, 2023]) & ~rec["indicator"].str.startswith("mbo")]
    assert loaded["ours"].notna().all() and loaded["ok"].notna().all()
    assert rec.loc[rec["indicator"].str.startswith("mbo"), "ours"].isna().all()
    cat = _df(dbf, "SELECT * FROM marts.indicator_catalog").set_index("indicator_id")
    assert cat.loc["sto_quality_surveys", "availability"] == "unavailable"
    assert not cat.loc["sto_quality_surveys", "open_data"]
    assert set(cat["programme"]) >= {"STO", "Techniekpact", "SEOR", "TechTown", "Twente"}
    own = cat[cat["availability"].isin(["computed", "partial", "needs_mapping"])]
    assert own["mart_exists"].all()


def test_published_file_errors_are_located(tmp_path):
    src = mon.project_path(mon.monitoring_config()["reconciliation"]["published_file"])
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",2019,national:NL,", ",2019,national:NL,n/a", 1)
    bad = tmp_path / "techniekpact.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        mon.read_published(bad)
    assert "column 'value'" in str(exc.value) and "row(s) [4]" in str(exc.value)


def test_monitoring_config_validated(tmp_path):
    cfg_dir = copy_config(tmp_path / "config")
    bad = cfg_dir / "monitoring.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("scopes: [national,", "scopes: [nation,"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown scope type") as exc:
        load_config(config_dir=cfg_dir)
    assert str(bad) in str(exc.value) and "scopes" in str(exc.value)
    assert mon.monitoring_config()["version"] >= 1
