"""Coverage from home (issue 18 item 3, basis 'home'): the home origins (assets/coverage/sql/
core_coverage_origins_home.sql) on the tiny hand-checked warehouse of tests/test_coverage.py plus a DUO 02
file, figures checked by hand; their checks passing and failing; and the sample materialised."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assets.coverage.assets import sql_params
from assets.coverage.checks import CHECKS
from pipeline import db
from pipeline.checks import evaluate
from pipeline.config import default_config
from tests.conftest import query
from tests.test_coverage import D_AB, LAT, ORDER, build_tiny, code

# The tiny warehouse's 2019 schools (all on latitude 52.0): A (lon 5.00, BWI, provincie P1, gemeente GP1),
# B (5.10, Z&W, P1), C, D (P2), E (unplaced). Added here:
#   01 file: 20 HAVO leerjaar-4 pupils at A, so A's B/K/G share of its leerjaar 3-4 pupils is 20 / 40 = 0.5;
#            B's share is 1 (only VMBO-KB).
#   02 file (leerjaar 3 + 4; leerjaar 1 is outside the population):
#     A: PC4 1111 (next to A) 10 + 6 = 16 → 8.0;  PC4 2222 (next to B) 5 → 2.5;  PC4 3333 (no centroid) '<5'
#        (point value 2) → 1.0;  a postcode that is not one ('XX', pc4 NULL) 1 → 0.5.  A's estimate: 12.0 = 12
#        whole pupils; floors 8 + 2 + 1 + 0 = 11, the one left goes to the largest remainder (0.5: 2222 before
#        the unknown postcode) → 1111: 8, 2222: 3, 3333: 1, ONBEKEND: 0.
#     B: PC4 2222 10 + 10 = 20 → 20.
#   → home origins 1111: 8, 2222: 23, 3333: 1 (unplaced), ONBEKEND: 0 (kept in core.coverage_origins_home only).
#   GeoNames: 1111 twice (two woonplaatsen: 52.0005 and 52.0015 → averaged 52.0010), gemeente GP1 (has a school:
#   region_source 'gemeente'); 2222 at lon 5.1005 in gemeente GX9 of P1 (no school: 'nearest_school', B).
HOME_02 = [  # vestiging, pc4 (None: not a postcode), postcode, leerjaar, n, censored
    ("A", "1111", "1111", 1, 30, False),
    ("A", "1111", "1111", 3, 10, False),
    ("A", "1111", "1111", 4, 6, False),
    ("A", "2222", "2222", 3, 5, False),
    ("A", "3333", "3333", 4, 2, True),
    ("A", None, "XX", 3, 1, False),
    ("B", "2222", "2222", 3, 10, False),
    ("B", "2222", "2222", 4, 10, False),
]
GEONAMES = [  # pc4, place, provincie, gemeente, gemeente_code, lat, lon
    ("1111", "Adorp", "P1", "Gemeente P1", "GP1", 52.0005, 5.0),
    ("1111", "Bdorp", "P1", "Gemeente P1", "GP1", 52.0015, 5.0),
    ("2222", "Cdorp", "P1", "Gemeente X", "GX9", 52.0, 5.1005),
    ("9999", "Elders", "P2", "Gemeente Y", "GY1", 53.0, 6.0),
]
HOME_STEPS = ORDER[ORDER.index("core_coverage_origins_home") :]


def build_home(path: Path) -> duckdb.DuckDBPyConnection:
    con = build_tiny(path)
    con.execute(
        "INSERT INTO core.duo_vo_students VALUES (2019, ?, 'HAVO', 4, NULL, NULL, 20, false, 20, 20)", [code("A")]
    )
    for c, pc4, _pc, lj, n, cens in HOME_02:
        con.execute(
            "INSERT INTO core.duo_vo_pupils_postcode VALUES (2019, ?, ?, ?, ?, ?, ?, ?)",
            [code(c), pc4, lj, n, cens, 1 if cens else n, 4 if cens else n],
        )
    for i, row in enumerate(GEONAMES, start=1):
        con.execute("INSERT INTO raw.geonames_pc4 VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [*row, i])
    params = sql_params(default_config())
    for stem in HOME_STEPS:
        db.run_sql(con, stem, params[stem])
    return con


@pytest.fixture()
def home(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = build_home(tmp_path / "home.duckdb")
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def test_estimate_by_hand_and_largest_remainder(home):
    got = rows(
        home,
        """SELECT origin_id, n_pupils, n_pupils_02, placed, n_vestigingen FROM core.coverage_origins_home
           WHERE peiljaar = 2019""",
    )
    assert got == {
        "1111": (8, 16, True, 1),
        "2222": (23, 25, True, 2),
        "3333": (1, 2, False, 1),
        "ONBEKEND": (0, 1, False, 1),
    }
    # every pupil of the 02 file in leerjaar 3-4 is in one home origin (leerjaar 1 is not)
    assert home.execute("SELECT sum(n_pupils_02) FROM core.coverage_origins_home").fetchone()[0] == 44
    # the home rows of core.coverage_origins: those with an estimate above 0, each stating the rule
    origins = rows(
        home,
        "SELECT origin_id, n_pupils, population_rule FROM core.coverage_origins WHERE basis = 'home' ORDER BY 1",
    )
    assert {k: v[0] for k, v in origins.items()} == {"1111": 8, "2222": 23, "3333": 1}
    rule = {v[1] for v in origins.values()}
    assert len(rule) == 1 and "VMBO-BB, VMBO-KB, VMBO-GL in leerjaar 3, 4" in rule.pop()


def test_bounds_over_censored_cells(home):
    # 3333: one '<5' cell (1..4) at A, whose share is 20/40 with no censored 01 cell: lo floor(1*0.5) = 0,
    # hi ceil(4*0.5) = 2; the exact cells of 1111 and 2222 keep their point value as both bounds
    got = rows(home, "SELECT origin_id, n_pupils_lo, n_pupils, n_pupils_hi FROM core.coverage_origins_home")
    assert got["3333"] == (0, 1, 2) and got["1111"] == (8, 8, 8)
    assert got["2222"] == (22, 23, 23)  # A's 2.5 rounded down (lo) and up (hi); the estimate gave it 3


def test_centroid_and_regions_of_a_home_postcode(home):
    got = rows(
        home,
        """SELECT origin_id, lat, lon, provincie_code, gemeente_code, corop_code, region_source
           FROM core.coverage_origins_home""",
    )
    assert got["1111"][0] == pytest.approx(52.001) and got["1111"][1:] == (5.0, "P1", "GP1", "C1", "gemeente")
    assert got["2222"][2:] == ("P1", "GX9", "C1", "nearest_school")
    assert got["3333"][:2] == (None, None) and got["3333"][2:] == ("ONBEKEND", "ONBEKEND", "ONBEKEND", "none")


def test_a_pupil_next_to_a_school_with_bwi_is_at_distance_zero_ish(home):
    d = rows(
        home,
        """SELECT origin_id, distance_km, nearest_vestiging_code FROM core.origin_offer_distance
           WHERE basis = 'home' AND offer_group = 'profile:BWI' AND offer_rule = 'default'""",
    )
    assert d["1111"][0] == pytest.approx(0.111, abs=0.001) and d["1111"][1] == code("A")  # 0.001° north of A
    assert d["2222"][0] == pytest.approx(D_AB * 1.005, abs=0.01) and d["2222"][1] == code("A")
    assert d["3333"] == (None, None)  # unplaced: no distance
    # B's own pupils living at B (2222) have their nearest Z&W 0.0005° away, not 0: home is not the school
    zw = home.execute(
        """SELECT distance_km FROM core.origin_offer_distance WHERE basis = 'home' AND origin_id = '2222'
           AND offer_group = 'profile:Z&W' AND offer_rule = 'default'"""
    ).fetchone()[0]
    assert zw == pytest.approx(0.0344, abs=0.001) and LAT == 52.0


def test_home_coverage_by_hand(home):
    got = rows(
        home,
        """SELECT radius_km, n_pupils, n_pupils_within, n_locations, n_locations_offering, n_unplaced
           FROM marts.offer_coverage WHERE peiljaar = 2019 AND basis = 'home' AND scope_type = 'national'
             AND offer_group = 'sto_hard' AND offer_rule = 'default'""",
    )
    # 1111 (8) within 5 km of A; 2222 (23) at 6.88 km; 3333 (1) unplaced, never within
    assert got[5.0] == (32, 8, 3, 0, 1) and got[10.0] == (32, 31, 3, 0, 1)
    # the provincie rows sum to the national row: P1 = 1111 + 2222, ONBEKEND = 3333
    prov = rows(
        home,
        """SELECT scope_code, n_pupils FROM marts.offer_coverage WHERE peiljaar = 2019 AND basis = 'home'
           AND scope_type = 'provincie' AND offer_group = 'sto_hard' AND offer_rule = 'default' AND radius_km = 5""",
    )
    assert prov == {"P1": (31,), "ONBEKEND": (1,)}
    # basis 'school' is untouched by the home origins (tests/test_coverage.py: 66 pupils, 36 within 5 km)
    school = home.execute(
        """SELECT n_pupils, n_pupils_within FROM marts.offer_coverage WHERE peiljaar = 2019 AND basis = 'school'
           AND scope_type = 'national' AND offer_group = 'sto_hard' AND offer_rule = 'default' AND radius_km = 5"""
    ).fetchone()
    assert school == (66, 36)  # the HAVO pupils added at A are not in the population


def test_home_checks_pass_warn_and_fail(home):
    cfg = default_config()
    by_name = {c.name: c for c in CHECKS}
    for check in CHECKS:
        if check.name not in ("core_coverage_origins_home_unplaced", "core_coverage_origins_home_vs_school"):
            assert evaluate(check, home, cfg).passed, check.name
    unplaced = evaluate(by_name["core_coverage_origins_home_unplaced"], home, cfg)
    assert not unplaced.passed  # 3333 and the unknown postcode are listed (a warning)
    # the fixture's home population (32) is not the school population (66): the warning says so
    assert not evaluate(by_name["core_coverage_origins_home_vs_school"], home, cfg).passed
    # a pupil of the 02 file lost on the way fails the blocking reconciliation
    home.execute("UPDATE core.coverage_origins_home SET n_pupils_02 = n_pupils_02 - 1 WHERE origin_id = '2222'")
    bad = evaluate(by_name["core_coverage_origins_home_valid"], home, cfg)
    assert not bad.passed and any("pupils_differ_from_02_file" in k for k in bad.metadata)


def test_without_a_02_file_there_are_no_home_origins(tmp_path: Path):
    con = build_tiny(tmp_path / "none.duckdb")  # empty 02 table: the school basis only
    assert con.execute("SELECT DISTINCT basis FROM core.coverage_origins").fetchall() == [("school",)]
    assert con.execute("SELECT count(*) FROM core.coverage_origins_home").fetchone()[0] == 0
    cfg = default_config()
    for check in CHECKS:
        assert evaluate(check, con, cfg).passed, check.name
    con.close()


def test_bounding_box_gives_the_full_comparison_for_home_origins(tmp_path: Path):
    con = build_home(tmp_path / "box.duckdb")
    sql = "SELECT * FROM core.origin_offer_distance WHERE basis = 'home'"
    full = sorted(con.execute(sql).fetchall(), key=str)
    params = sql_params(default_config())["core_origin_offer_distance"]
    db.run_sql(con, "core_origin_offer_distance", {**params, "box_km": 0.05})
    assert sorted(con.execute(sql).fetchall(), key=str) == full
    con.close()


# ---- the sample ---------------------------------------------------------------------------------------------
def test_sample_home_basis(sample_out: Path):
    dbf = sample_out / "sto.duckdb"
    totals = query(
        dbf,
        """SELECT peiljaar, basis, sum(n_pupils), sum(n_pupils_lo), sum(n_pupils_hi) FROM core.coverage_origins
           GROUP BY ALL ORDER BY ALL""",
    )
    by = {(y, b): (n, lo, hi) for y, b, n, lo, hi in totals}
    assert {y for y, _ in by} == {2021, 2022, 2023}
    # 2021 is uncensored and its 02 file splits exactly the 01 pupils: the same population from home and school
    assert by[(2021, "home")][0] == by[(2021, "school")][0]
    for y in (2022, 2023):  # censored years: the bounds overlap
        (_, hlo, hhi), (_, slo, shi) = by[(y, "home")], by[(y, "school")]
        assert hlo <= shi and slo <= hhi
    # every pupil of the 02 files in leerjaar 3-4 is in a home origin
    assert query(dbf, "SELECT sum(n_pupils_02) FROM core.coverage_origins_home") == query(
        dbf, "SELECT sum(n) FROM core.duo_vo_pupils_postcode WHERE leerjaar IN (3, 4)"
    )
    # the designed edge cases: PC4 2516 has no centroid (unplaced); Brielle and Hellevoetsluis (GeoNames 0501,
    # 0530) are one gemeente (1992) in the sample's address file, so their regions come from the nearest school
    unplaced = query(dbf, "SELECT DISTINCT origin_id FROM core.coverage_origins_home WHERE NOT placed")
    assert unplaced == [("2516",)]
    nearest = query(
        dbf, "SELECT DISTINCT gemeente_code FROM core.coverage_origins_home WHERE region_source = 'nearest_school'"
    )
    assert sorted(nearest) == [("0501",), ("0530",)]
    national = query(
        dbf,
        """SELECT count(*) FROM marts.offer_coverage WHERE basis = 'home' AND scope_type = 'national'
           AND pct_within BETWEEN 0 AND 100""",
    )[0][0]
    assert national > 0
    checks = dict(
        query(
            dbf,
            "SELECT check_name, bool_and(success) FROM audit.check_results WHERE asset = 'core_coverage_origins_home' "
            "GROUP BY 1",
        )
    )
    assert checks == {"valid": True, "totals": True, "unplaced": False}  # unplaced: a warning listing 2516
