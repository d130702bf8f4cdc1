"""The coverage domain (assets/coverage/): its SQL on a tiny hand-made warehouse with figures checked by hand,
its checks (passing, and failing on a broken table), the sample materialised, and two sequences of runs (a
year added then dropped; a newer address snapshot) that leave every coverage mart as it was."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from assets.coverage.assets import sql_params
from assets.coverage.checks import CHECKS
from pipeline import db
from pipeline.checks import evaluate
from pipeline.config import default_config
from tests.conftest import copy_out, patched_sample, query, run_sto, table_hashes

PUPILS_NAME = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{}.csv"
COVERAGE_MARTS = (
    "marts.offer_distance",
    "marts.offer_coverage",
    "marts.locations_without_hard_profile",
    "marts.hard_profile_offer_counts",
)
# The SQL files in the order the assets run them.
ORDER = [
    "core_offer_rules",
    "core_offer_groups",
    "core_offer",
    "core_coverage_origins_home",
    "core_coverage_origins",
    "core_origin_offer_distance",
    "mart_offer_distance",
    "mart_locations_without_hard_profile",
    "mart_offer_coverage",
    "mart_hard_profile_offer_counts",
]

# ---- a tiny warehouse ---------------------------------------------------------------------------------------
# Every location on latitude 52.0. 2019:
#   A (lon 5.00, P1)  BWI: leerjaar 3 = 10, leerjaar 4 = 10           → offers sto_hard under both rules
#   B (lon 5.10, P1)  Z&W: 10 + 10                                     → nearest sto_hard: A
#   C (lon 5.30, P2)  BWI: leerjaar 4 = 8 only                         → phasing out: default yes, strict no
#   D (lon 5.40, P2)  PIE: leerjaar 3 = '<5' (point value 2), 4 = 6    → intake below 5: default yes, strict no
#   E (no coordinates, P2)  E&O: 5 + 5                                 → unplaced
#   T (lon 5.05, P1)  VMBO-TL sector Techniek leerjaar 3 = 20          → tl_techniek; no B/K/G pupils
# 2018 (the baseline: the earliest loaded, 2017 not loaded): A as in 2019; B at lon 5.20 offering BWI 10 + 10.
LAT = 52.0
LON = {"A": 5.00, "B": 5.10, "C": 5.30, "D": 5.40, "T": 5.05}
PROV = {"A": "P1", "B": "P1", "C": "P2", "D": "P2", "E": "P2", "T": "P1"}
R = 6371.0088  # pipeline.yaml geocoding.earth_radius_km

# By hand: along a parallel, 0.1° of longitude at 52° N is R·cos(52°)·0.1·π/180 = 6371.0088 × 0.615661 ×
# 0.00174533 = 6.8459 km (the haversine differs from this small-angle value by less than 1 m here).
D_AB = 6.8459
D_AC = 3 * D_AB  # 0.3° (20.54 km; the haversine is as linear as that along a parallel to < 1 m)
D_AD = 4 * D_AB  # 0.4° (27.38 km)

# peiljaar, code, onderwijstype, leerjaar, profile, sector, n, censored
CELLS = [
    (2019, "A", "VMBO-BB", 3, "BWI", "Techniek", 10, False),
    (2019, "A", "VMBO-BB", 4, "BWI", "Techniek", 10, False),
    (2019, "B", "VMBO-KB", 3, "Z&W", "Zorg & Welzijn", 10, False),
    (2019, "B", "VMBO-KB", 4, "Z&W", "Zorg & Welzijn", 10, False),
    (2019, "C", "VMBO-BB", 4, "BWI", "Techniek", 8, False),
    (2019, "D", "VMBO-GL", 3, "PIE", "Techniek", 2, True),
    (2019, "D", "VMBO-GL", 4, "PIE", "Techniek", 6, False),
    (2019, "E", "VMBO-KB", 3, "E&O", "Economie", 5, False),
    (2019, "E", "VMBO-KB", 4, "E&O", "Economie", 5, False),
    (2019, "T", "VMBO-TL", 3, None, "Techniek", 20, False),
    (2018, "A", "VMBO-BB", 3, "BWI", "Techniek", 10, False),
    (2018, "A", "VMBO-BB", 4, "BWI", "Techniek", 10, False),
    (2018, "B", "VMBO-KB", 3, "BWI", "Techniek", 10, False),
    (2018, "B", "VMBO-KB", 4, "BWI", "Techniek", 10, False),
]
PROFILES = {  # code: (kind, sto_hard, seor_hard, seor_some_techniek, techniekpact_techniek)
    "BWI": ("profile", True, True, True, True),
    "PIE": ("profile", True, True, True, True),
    "Z&W": ("profile", False, False, False, False),
    "E&O": ("profile", False, False, False, False),
}


def code(x: str) -> str:
    return f"{x * 4}00"


def build_tiny(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for schema in ("core", "raw", "marts", "audit"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute("""CREATE TABLE core.duo_vo_students (peiljaar INTEGER, vestiging_code VARCHAR, onderwijstype VARCHAR,
                   leerjaar INTEGER, profile_code VARCHAR, vmbo_sector VARCHAR, n INTEGER, n_censored BOOLEAN,
                   n_lower INTEGER, n_upper INTEGER)""")
    for y, c, ot, lj, prof, sector, n, cens in CELLS:
        con.execute(
            "INSERT INTO core.duo_vo_students VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [y, code(c), ot, lj, prof, sector, n, cens, 1 if cens else n, 4 if cens else n],
        )
    con.execute("CREATE TABLE core.vmbo_profile (profile_code VARCHAR, kind VARCHAR)")
    con.execute("CREATE TABLE core.profile_flags (profile_code VARCHAR, flag VARCHAR, value BOOLEAN)")
    for p, (kind, sto, seor, some, tp) in PROFILES.items():
        con.execute("INSERT INTO core.vmbo_profile VALUES (?, ?)", [p, kind])
        for flag, v in [
            ("sto_hard", sto),
            ("seor_hard", seor),
            ("seor_some_techniek", some),
            ("techniekpact_techniek", tp),
        ]:
            con.execute("INSERT INTO core.profile_flags VALUES (?, ?, ?)", [p, flag, v])
    con.execute("""CREATE TABLE core.pupil_locations (peiljaar INTEGER, vestiging_code VARCHAR, name VARCHAR,
                   lat DOUBLE, lon DOUBLE, provincie VARCHAR, gemeente_code VARCHAR, gemeente_name VARCHAR,
                   corop_code VARCHAR, corop_name VARCHAR, rmc_code VARCHAR, rmc_name VARCHAR,
                   onderwijsgebied_code VARCHAR, onderwijsgebied_name VARCHAR, snapshot_id VARCHAR)""")
    for y in (2018, 2019):
        for c in sorted({c for yy, c, *_ in CELLS if yy == y}):
            lon = 5.20 if (y, c) == (2018, "B") else LON.get(c)
            placed = lon is not None
            con.execute(
                "INSERT INTO core.pupil_locations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [y, code(c), f"School {c}", LAT if placed else None, lon, PROV[c]]
                + (
                    [f"G{PROV[c]}", f"Gemeente {PROV[c]}", "C1", "Corop", "R1", "Rmc", "O1", "Og"]
                    if placed
                    else [None] * 8
                )
                + ["s1"],
            )
    con.execute("""CREATE TABLE core.school_location_history (snapshot_id VARCHAR, vestiging_code VARCHAR,
                   name VARCHAR, brin VARCHAR)""")
    con.execute("""INSERT INTO core.school_location_history
                   SELECT DISTINCT 's1', vestiging_code, 'Loc ' || vestiging_code, left(vestiging_code, 4)
                   FROM core.pupil_locations WHERE lat IS NOT NULL""")
    con.execute(
        "CREATE TABLE raw.sto_region_map (vestiging_code VARCHAR, sto_region_code VARCHAR, sto_region_name VARCHAR)"
    )
    # basis 'home' inputs, empty here (the home origins have their own tests: tests/test_coverage_home.py)
    con.execute("""CREATE TABLE core.duo_vo_pupils_postcode (peiljaar INTEGER, vestiging_code VARCHAR, pc4 VARCHAR,
                   leerjaar INTEGER, n INTEGER, n_censored BOOLEAN, n_lo INTEGER, n_hi INTEGER)""")
    con.execute("""CREATE TABLE raw.geonames_pc4 (pc4 VARCHAR, place VARCHAR, provincie VARCHAR, gemeente VARCHAR,
                   gemeente_code VARCHAR, lat DOUBLE, lon DOUBLE, source_row BIGINT)""")
    con.execute("""CREATE TABLE core.peiljaar_calendar AS
                   SELECT * FROM (VALUES (2018, NULL, 2018), (2019, 2018, 2018)) t(peiljaar, prev_peiljaar, baseline_peiljaar)""")
    params = sql_params(default_config())
    db.run_sql(con, "mart_monitoring_macros")
    for stem in ORDER:
        db.run_sql(con, stem, params[stem])
    return con


@pytest.fixture()
def tiny(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = build_tiny(tmp_path / "tiny.duckdb")
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def distance(con, c: str, group: str, rule: str, year: int = 2019) -> tuple:
    return one(
        con,
        """SELECT distance_km, nearest_vestiging_code, offers_group, placed FROM marts.offer_distance
           WHERE peiljaar = ? AND vestiging_code = ? AND offer_group = ? AND offer_rule = ?""",
        [year, code(c), group, rule],
    )


def coverage(con, scope_code: str, radius: float, rule: str, group: str = "sto_hard", year: int = 2019) -> tuple:
    return one(
        con,
        """SELECT n_pupils, n_pupils_within, pct_within, n_locations, n_locations_offering, n_unplaced,
                  baseline_peiljaar, change_pct_points
           FROM marts.offer_coverage WHERE peiljaar = ? AND scope_code = ? AND radius_km = ? AND offer_rule = ?
             AND offer_group = ? AND basis = 'school'""",
        [year, scope_code, radius, rule, group],
    )


# ---- the SQL on the tiny warehouse --------------------------------------------------------------------------
def test_hand_checked_distance_and_zero_where_offered(tiny):
    d, nearest, offers, placed = distance(tiny, "B", "sto_hard", "default")
    assert d == pytest.approx(D_AB, abs=1e-3) and nearest == code("A") and not offers and placed
    # the haversine itself, written out independently of the SQL macro
    phi, dl = math.radians(LAT), math.radians(0.1)
    assert d == pytest.approx(2 * R * math.asin(math.cos(phi) * math.sin(dl / 2)), abs=1e-9)
    for c in ("A", "C", "D"):  # each offers an STO-hard profile itself under the default rule
        assert distance(tiny, c, "sto_hard", "default")[:3] == (0.0, code(c), True)
    # the per-profile group: only D offers PIE; B's nearest PIE is D, 0.3° away
    assert distance(tiny, "B", "profile:PIE", "default")[:2] == (pytest.approx(D_AC, abs=1e-3), code("D"))
    # TL techniek: T (a TL-only location) is an offer, not an origin
    assert distance(tiny, "A", "tl_techniek", "default")[:2] == (pytest.approx(D_AB / 2, abs=1e-3), code("T"))
    assert not tiny.execute("SELECT * FROM marts.offer_distance WHERE vestiging_code = ?", [code("T")]).fetchall()


def test_unplaced_location_listed_without_distance(tiny):
    d, nearest, offers, placed = distance(tiny, "E", "sto_hard", "default")
    assert (d, nearest, offers, placed) == (None, None, False, False)
    assert coverage(tiny, "NL", 25, "default")[5] == 1  # n_unplaced


def test_unplaced_location_offering_the_group_itself_is_at_distance_zero(tiny):
    # E has no coordinates but offers E&O itself: its pupils have the offer at their own school (0 km, its own
    # nearest), while for groups it does not offer it stays without a distance (above)
    d, nearest, offers, placed = distance(tiny, "E", "profile:E&O", "default")
    assert (d, nearest, offers, placed) == (0.0, code("E"), True, False)


def test_phasing_out_and_strict_rule(tiny):
    rows = dict(
        ((c, p), (lj3, lj4, out, dflt, strict))
        for c, p, lj3, lj4, out, dflt, strict in tiny.execute(
            """SELECT vestiging_code, profile_code, n_leerjaar3, n_leerjaar4, phasing_out, offered_default,
                      offered_strict FROM core.offer WHERE peiljaar = 2019"""
        ).fetchall()
    )
    assert rows[(code("C"), "BWI")] == (0, 8, True, True, False)  # only leerjaar 4: phasing out
    assert rows[(code("D"), "PIE")] == (2, 6, False, True, False)  # intake '<5' (point value 2) < 5
    assert rows[(code("A"), "BWI")] == (10, 10, False, True, True)
    assert rows[(code("T"), "TL:Techniek")] == (20, 0, False, True, True)
    # under the strict rule only A offers STO-hard: C and D measure to A
    assert distance(tiny, "C", "sto_hard", "strict")[:3] == (pytest.approx(D_AC, abs=1e-3), code("A"), False)
    assert distance(tiny, "D", "sto_hard", "strict")[:3] == (pytest.approx(D_AD, abs=1e-3), code("A"), False)


def test_coverage_by_hand(tiny):
    # national 2019: pupils A 20, B 20, C 8, D 8 (point value 2 for the '<5' cell), E 10 = 66
    # default rule: within 5 km A, C, D (0 km) = 36; within 10 km also B (6.85 km) = 56; E never (unplaced)
    n, within, pct, n_loc, n_off, unplaced, base, change = coverage(tiny, "NL", 5, "default")
    assert (n, within, n_loc, n_off, unplaced, base) == (66, 36, 5, 3, 1, 2018)
    assert pct == pytest.approx(100 * 36 / 66)
    # 2018 (baseline): A and B both offer BWI: 100 %
    assert change == pytest.approx(100 * 36 / 66 - 100)
    assert coverage(tiny, "NL", 10, "default")[1] == 56
    # strict rule: only A offers; B 6.85, C 20.54, D 27.38 km
    assert [coverage(tiny, "NL", r, "strict")[1] for r in (5, 10, 15, 20, 25)] == [20, 40, 40, 40, 48]
    # provincies: P1 = A + B = 40, P2 = C + D + E = 26; they sum to the national row
    p1, p2 = coverage(tiny, "P1", 10, "default"), coverage(tiny, "P2", 10, "default")
    assert (p1[0], p2[0]) == (40, 26) and p1[0] + p2[0] == 66 and p1[1] + p2[1] == 56
    # bounds: D's '<5' cell is 1..4, so n_pupils 65..68
    lo, hi, plo, phi = one(
        tiny,
        """SELECT n_pupils_lo, n_pupils_hi, pct_within_lo, pct_within_hi FROM marts.offer_coverage
           WHERE peiljaar = 2019 AND scope_code = 'NL' AND radius_km = 5 AND offer_rule = 'default'
             AND offer_group = 'sto_hard'""",
    )
    assert (lo, hi) == (65, 68)
    assert plo == pytest.approx(100 * 35 / 65) and phi == pytest.approx(100 * 38 / 68)


def test_locations_without_hard_profile(tiny):
    rows = tiny.execute(
        """SELECT vestiging_code, distance_km, nearest_vestiging_code FROM marts.locations_without_hard_profile
           WHERE peiljaar = 2019 AND offer_rule = 'default' ORDER BY 1"""
    ).fetchall()
    assert [r[0] for r in rows] == [code("B"), code("E")]
    assert rows[0][1] == pytest.approx(D_AB, abs=1e-3) and rows[0][2] == code("A")
    counts = one(
        tiny,
        """SELECT n_locations_bkg, n_with_hard, n_without_hard, change_n_without FROM marts.hard_profile_offer_counts
           WHERE peiljaar = 2019 AND scope_type = 'national' AND offer_rule = 'default'""",
    )
    assert counts == (5, 3, 2, 2)  # 2018: A and B both with a hard profile


def test_per_year_coordinates(tiny):
    # B stood at lon 5.20 in 2018 and offered BWI itself; 2019 measures from its 2019 place (5.10)
    assert distance(tiny, "B", "sto_hard", "default", 2018)[:2] == (0.0, code("B"))
    assert distance(tiny, "B", "profile:PIE", "default", 2019)[0] == pytest.approx(D_AC, abs=1e-3)


def test_checks_pass_and_fail(tiny):
    cfg = default_config()
    for check in CHECKS:
        assert evaluate(check, tiny, cfg).passed, check.name
    # a distance that is not 0 where the location offers the group fails the mart check
    tiny.execute(
        "UPDATE marts.offer_distance SET distance_km = 1.5 WHERE vestiging_code = ? AND offer_group = 'sto_hard'",
        [code("A")],
    )
    bad = next(c for c in CHECKS if c.name == "mart_offer_distance_valid")
    result = evaluate(bad, tiny, cfg)
    assert not result.passed and any("offers_but_not_zero" in k for k in result.metadata)
    # a province that no longer sums to the national row fails the coverage check
    tiny.execute("UPDATE marts.offer_coverage SET n_pupils = n_pupils + 1 WHERE scope_code = 'P1'")
    cov = next(c for c in CHECKS if c.name == "mart_offer_coverage_valid")
    assert not evaluate(cov, tiny, cfg).passed


def test_bounding_box_gives_the_full_comparison(tmp_path):
    """The search box changes speed only: a box too small for any neighbour gives the same distances."""
    con = build_tiny(tmp_path / "a.duckdb")
    full = sorted(con.execute("SELECT * FROM core.origin_offer_distance").fetchall(), key=str)
    params = sql_params(default_config())["core_origin_offer_distance"]
    db.run_sql(con, "core_origin_offer_distance", {**params, "box_km": 0.5})
    assert sorted(con.execute("SELECT * FROM core.origin_offer_distance").fetchall(), key=str) == full
    con.close()


# ---- the sample, and sequences of runs ----------------------------------------------------------------------
def test_sample_materialised(sample_out):
    dbf = sample_out / "sto.duckdb"
    for table in COVERAGE_MARTS:
        assert query(dbf, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    failed = query(
        dbf,
        "SELECT check_name, expectation FROM audit.check_results WHERE NOT success AND asset LIKE '%offer%' "
        "OR (NOT success AND asset LIKE '%hard_profile%')",
    )
    assert not failed
    # every B/K/G location of every year, every group and both rules
    n_loc, n_rows = query(
        dbf,
        """SELECT (SELECT count(*) FROM core.coverage_origins WHERE basis = 'school'),
                  (SELECT count(*) FROM marts.offer_distance) / (SELECT count(DISTINCT offer_group) * 2
                                                                 FROM marts.offer_distance)""",
    )[0]
    assert n_loc == n_rows > 0


@pytest.mark.slow
@pytest.mark.full  # the fast tier's tests/test_warehouse_life.py sequence compares every mart, coverage included
def test_year_added_then_dropped_leaves_coverage_as_it_was(sample_out, tmp_path, monkeypatch):
    out = copy_out(sample_out, tmp_path / "out")
    reference = table_hashes(out / "sto.duckdb", ("marts",))
    sample = patched_sample(tmp_path, monkeypatch)
    src = (sample / PUPILS_NAME.format(2023)).read_text(encoding="utf-8").splitlines(keepends=True)
    (sample / PUPILS_NAME.format(2026)).write_text("".join(src[:-3]), encoding="utf-8")  # a different file
    assert run_sto(out, "--years", "2026", "--no-export") == 0
    years = query(out / "sto.duckdb", "SELECT DISTINCT peiljaar FROM marts.offer_coverage ORDER BY 1")
    assert [y for (y,) in years] == [2021, 2022, 2023, 2026]
    from pipeline.cli import main

    assert main(["drop", "--out", str(out), "--years", "2026"]) == 0
    after = table_hashes(out / "sto.duckdb", ("marts",))
    for table in COVERAGE_MARTS:
        assert after[table] == reference[table], table


@pytest.mark.slow
@pytest.mark.full  # a long sequence: make test-full (CI runs both tiers); the fast tier keeps the 6-minute budget
def test_newer_address_snapshot_keeps_earlier_distances(sample_out, tmp_path, monkeypatch):
    """A newer address file in which every second school is gone and the rest moved leaves the distances of
    the loaded years as they were (each year keeps its own snapshot)."""
    import os
    import time

    out = copy_out(sample_out, tmp_path / "out")
    reference = table_hashes(out / "sto.duckdb", ("marts",))
    sample = patched_sample(tmp_path, monkeypatch)
    addr = sample / "02.-alle-vestigingen-vo.csv"
    lines = addr.read_text(encoding="cp1252").splitlines(keepends=True)
    addr.write_text("".join(lines[:1] + lines[1::2]), encoding="cp1252")
    os.utime(addr, (time.time(), time.time()))  # dated today by its modification time
    assert run_sto(out, "--years", "2023", "--no-export") == 0
    after = table_hashes(out / "sto.duckdb", ("marts",))
    for table in COVERAGE_MARTS:
        assert after[table] == reference[table], table
