"""Coverage domain, nearby small offer (STO DU2, marts.nearby_small_offer and its pair table), the TL
technical share of marts.techniek_share, and the coverage report section.

SQL on a tiny hand-built warehouse: four locations offering BWI (A and B of one instelling 3 km apart, C
8 km east of A, D far away) in two provincies and two peiljaren (2017 = baseline, without C), so every
count below is worked out by hand."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from pydantic import ValidationError

from assets.coverage import nearby
from assets.monitoring import inputs as mon
from pipeline import db
from pipeline.checks import evaluate
from pipeline.config import Config, default_config
from pipeline.config_schema.coverage_nearby import NearbyFile
from pipeline.config_schema.monitoring import Indicator

KM_LAT = 1 / 111.195  # degrees of latitude per km at earth radius 6371 km (pipeline.yaml)
LAT0, LON0 = 52.0, 5.0
KM_LON = KM_LAT / math.cos(math.radians(LAT0))

# vestiging_code: (name, lat, lon, provincie, n_by_leerweg in 2019, in 2017 (None = not offered))
LOCATIONS: dict[str, tuple[str, float, float, str, dict[str, int], dict[str, int] | None]] = {
    "00AA00": ("A", LAT0, LON0, "P1", {"BB": 12}, {"BB": 12}),
    "00AA01": ("B", LAT0 + 3 * KM_LAT, LON0, "P1", {"KB": 18}, {"KB": 18}),
    "11CC00": ("C", LAT0, LON0 + 8 * KM_LON, "P2", {"BB": 10, "KB": 15}, None),
    "22DD00": ("D", LAT0 + 60 * KM_LAT, LON0, "P2", {"GL": 5}, {"GL": 5}),
}


def _config(**changes: Any) -> Config:
    cfg = copy.deepcopy(default_config())
    cfg.nearby["nearby_small_offer"].update(changes)
    return cfg


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ("core", "marts", "audit"):
        con.execute(f"CREATE SCHEMA {s}")
    offer, locs, scopes = [], [], []
    for code, (name, lat, lon, prov, n19, n17) in LOCATIONS.items():
        for year, n in ((2019, n19), (2017, n17)):
            if n is None:
                continue
            offer.append(
                {
                    "peiljaar": year,
                    "vestiging_code": code,
                    "location_name": name,
                    "profile_code": "BWI",
                    "profile_kind": "profile",
                    "n_bovenbouw": sum(n.values()),
                    "n_by_leerweg": n,
                    "censored_cells": 0,
                    "min_pupils_offered": 1,
                    "offered": True,
                }
            )
            locs.append({"peiljaar": year, "vestiging_code": code, "lat": lat, "lon": lon})
        scopes += [
            {"vestiging_code": code, "scope_type": "national", "scope_code": "NL", "scope_name": "Nederland"},
            {"vestiging_code": code, "scope_type": "provincie", "scope_code": prov, "scope_name": f"Provincie {prov}"},
        ]
    o = pd.DataFrame(offer)  # noqa: F841  (read by name below)
    con.execute(
        "CREATE TABLE marts.profile_offer_location AS SELECT peiljaar::INTEGER AS peiljaar, vestiging_code, "
        "location_name, profile_code, profile_kind, n_bovenbouw::BIGINT AS n_bovenbouw, "
        "map_from_entries([struct_pack(k := e.key, v := e.value::BIGINT) FOR e IN map_entries(n_by_leerweg)]) "
        "AS n_by_leerweg, censored_cells::BIGINT AS censored_cells, min_pupils_offered::INTEGER AS min_pupils_offered, "
        "offered FROM o"
    )
    pl = pd.DataFrame(locs)  # noqa: F841
    con.execute(
        "CREATE TABLE core.pupil_locations AS SELECT peiljaar::INTEGER AS peiljaar, vestiging_code, lat, lon FROM pl"
    )
    sm = pd.DataFrame(scopes)  # noqa: F841
    con.execute("CREATE TABLE core.scope_membership AS SELECT * FROM sm")
    con.execute(
        "CREATE TABLE core.peiljaar_calendar AS SELECT * FROM (VALUES (2017, NULL, 2017), (2019, 2017, 2017)) "
        "t(peiljaar, prev_peiljaar, baseline_peiljaar)"
    )
    con.execute(
        "CREATE TABLE core.duo_vo_students AS SELECT * FROM (VALUES (2019, '00AA00', '00AA'), (2019, '11CC00', '11CC')) "
        "t(peiljaar, vestiging_code, brin)"
    )
    return con


def _build(cfg: Config) -> duckdb.DuckDBPyConnection:
    con = _warehouse()
    nearby.build_pairs(con, cfg)
    nearby.build_counts(con, cfg)
    return con


def _row(con: duckdb.DuckDBPyConnection, d: float, n: int, leerweg: str = "all", scope: str = "NL", year: int = 2019):
    got = con.execute(
        "SELECT * FROM marts.nearby_small_offer WHERE peiljaar = ? AND scope_code = ? AND leerweg = ? "
        "AND max_distance_km = ? AND max_small_pupils = ?",
        [year, scope, leerweg, d, n],
    ).df()
    assert len(got) == 1, got
    return got.iloc[0]


@pytest.fixture(scope="module")
def built() -> duckdb.DuckDBPyConnection:
    return _build(default_config())


def test_config_is_the_grid_of_the_brief() -> None:
    nb = default_config().nearby["nearby_small_offer"]
    assert nb["max_distance_km"] == [5, 10, 15] and nb["max_small_pupils"] == [15, 20, 30]
    assert nb["exclude_same_instelling"] is True and nb["instelling_code_length"] == 4


def test_pairs_flag_same_instelling_and_fall_in_their_grid_cells(built) -> None:
    pairs = built.execute(
        "SELECT vestiging_a, vestiging_b, max_distance_km, max_small_pupils, distance_km, same_instelling, counted "
        "FROM marts.nearby_small_offer_pairs WHERE peiljaar = 2019 AND leerweg = 'all' ORDER BY ALL"
    ).df()
    ab = pairs[(pairs.vestiging_a == "00AA00") & (pairs.vestiging_b == "00AA01")]
    # A (12) and B (18) are 3 km apart: in every distance cell, for the size thresholds 20 and 30
    assert sorted(zip(ab.max_distance_km, ab.max_small_pupils, strict=True)) == [
        (d, n) for d in (5.0, 10.0, 15.0) for n in (20, 30)
    ]
    assert ab.same_instelling.all() and not ab.counted.any()
    assert ab.distance_km.round(2).eq(3.0).all()
    ac = pairs[(pairs.vestiging_a == "00AA00") & (pairs.vestiging_b == "11CC00")]
    # C has 25 pupils: only with N = 30, and 8 km away: only from 10 km
    assert sorted(zip(ac.max_distance_km, ac.max_small_pupils, strict=True)) == [(10.0, 30), (15.0, 30)]
    assert ac.counted.all() and not ac.same_instelling.any()
    assert ac.distance_km.round(2).eq(8.0).all()
    assert not pairs.isin(["22DD00"]).any().any()  # D is 60 km away


def test_counts_clusters_and_the_grid(built) -> None:
    r = _row(built, 5, 30)  # only the same-instelling pair A-B is within 5 km: excluded
    assert (r.n_locations_offering, r.n_locations_small, r.n_locations_small_nearby) == (4, 4, 0)
    assert (r.n_clusters, r.n_pairs, r.n_pairs_same_instelling) == (0, 0, 1)
    r = _row(built, 10, 30)  # A-C and B-C counted; A, B, C one cluster
    assert (r.n_locations_small_nearby, r.n_clusters, r.n_pairs, r.n_pairs_same_instelling) == (3, 1, 2, 1)
    r = _row(built, 10, 20)  # C (25) is not small: only A-B, excluded
    assert (r.n_locations_small, r.n_locations_small_nearby, r.n_pairs) == (3, 0, 0)
    r = _row(built, 15, 15)  # only A (12) and D (5) small, 60 km apart
    assert (r.n_locations_small, r.n_locations_small_nearby, r.n_pairs) == (2, 0, 0)


def test_per_leerweg(built) -> None:
    bb = _row(built, 10, 15, "BB")  # A 12 and C 10 in BB, 8 km apart
    assert (bb.n_locations_offering, bb.n_locations_small_nearby, bb.n_clusters, bb.n_pairs) == (2, 2, 1, 1)
    kb = _row(built, 10, 20, "KB")  # B 18 and C 15 in KB, 8.5 km apart
    assert (kb.n_locations_offering, kb.n_locations_small_nearby, kb.n_pairs) == (2, 2, 1)
    assert _row(built, 5, 20, "KB").n_pairs == 0
    gl = _row(built, 15, 30, "GL")  # D alone
    assert (gl.n_locations_offering, gl.n_locations_small_nearby) == (1, 0)


def test_regions_cross_pairs_and_baseline(built) -> None:
    p1, p2 = _row(built, 10, 30, scope="P1"), _row(built, 10, 30, scope="P2")
    assert (p1.n_locations_offering, p1.n_locations_small_nearby, p1.n_pairs, p1.n_pairs_crossing) == (2, 2, 2, 2)
    assert (p2.n_locations_offering, p2.n_locations_small_nearby, p2.n_pairs, p2.n_pairs_crossing) == (2, 1, 2, 2)
    assert p1.n_clusters == p2.n_clusters == 1  # the one cluster touches both provincies
    nat = _row(built, 10, 30)
    assert nat.n_pairs == p1.n_pairs + p2.n_pairs - (p1.n_pairs_crossing + p2.n_pairs_crossing) / 2
    # 2017 had no C: no counted pair, three offering locations
    assert _row(built, 10, 30, year=2017).n_pairs == 0
    assert (nat.baseline_peiljaar, nat.change_n_pairs, nat.change_n_locations_offering) == (2017, 2, 1)
    assert (nat.change_n_clusters, nat.change_n_locations_small_nearby) == (1, 3)


def test_same_instelling_counted_when_not_excluded() -> None:
    con = _build(_config(exclude_same_instelling=False))
    r = _row(con, 5, 30)
    assert (r.n_locations_small_nearby, r.n_clusters, r.n_pairs, r.n_pairs_same_instelling) == (2, 1, 1, 1)
    r10 = _row(con, 10, 30)
    assert (r10.n_pairs, r10.change_n_pairs) == (3, 2)  # 2017: A-B only
    assert bool(r.exclude_same_instelling) is False


def test_checks_pass_on_the_fixture_and_catch_a_wrong_count(built) -> None:
    cfg = default_config()
    for check in nearby.CHECKS:
        assert evaluate(check, built, cfg, None).passed, check.name
    con = _build(cfg)
    con.execute(
        "UPDATE marts.nearby_small_offer SET n_locations_small_nearby = n_locations_small + 1 "
        "WHERE scope_code = 'P1' AND max_distance_km = 10 AND max_small_pupils = 30 AND leerweg = 'all'"
    )
    mart_check = next(c for c in nearby.CHECKS if c.name == "mart_nearby_small_offer_valid")
    assert not evaluate(mart_check, con, cfg, None).passed
    con.execute("UPDATE core.duo_vo_students SET brin = 'ZZZZ' WHERE vestiging_code = '11CC00'")
    brin_check = next(c for c in nearby.CHECKS if c.name == "nearby_instelling_code_is_brin")
    assert not evaluate(brin_check, con, cfg, None).passed


def test_clusters_are_connected_components() -> None:
    """A chain A–C–E (each link 8 km, A–E 16 km) is one cluster at 10 km, and two separate pairs give two."""
    con = _warehouse()
    con.execute(
        "INSERT INTO marts.profile_offer_location SELECT 2019, '33EE00', 'E', 'BWI', 'profile', 9, MAP {'BB': 9}, 0, 1, true"
    )
    con.execute(f"INSERT INTO core.pupil_locations VALUES (2019, '33EE00', {LAT0}, {LON0 + 16 * KM_LON})")
    con.execute(
        "INSERT INTO core.scope_membership VALUES ('33EE00', 'national', 'NL', 'Nederland'), "
        "('33EE00', 'provincie', 'P2', 'Provincie P2')"
    )
    cfg = default_config()
    nearby.build_pairs(con, cfg)
    nearby.build_counts(con, cfg)
    r = _row(con, 10, 30)
    assert (r.n_locations_small_nearby, r.n_clusters, r.n_pairs) == (4, 1, 3)  # A-C, B-C, C-E
    r = _row(con, 10, 15, "BB")  # BB: A 12, C 10, E 9: chain A-C-E
    assert (r.n_locations_small_nearby, r.n_clusters, r.n_pairs) == (3, 1, 2)


def test_schema_rejects_a_bad_grid() -> None:
    good = copy.deepcopy(default_config().nearby)
    NearbyFile.model_validate(good, context={"refs": {"profile_kind": ["profile", "route"]}})
    for change in (
        {"max_distance_km": []},
        {"max_distance_km": [5, 5]},
        {"max_small_pupils": [0]},
        {"leerwegen": ["TL"]},
        {"scope_types": ["campus_radius"]},
        {"exclude_same_instelling": "yes"},
    ):
        bad = copy.deepcopy(good)
        bad["nearby_small_offer"].update(change)
        with pytest.raises(ValidationError):
            NearbyFile.model_validate(bad, context={"refs": {"profile_kind": ["profile", "route"]}})


# ---------------------------------------------------------------------------------------------- TL share
def test_tl_indicator_configured_with_a_sector_numerator() -> None:
    frame = mon.share_indicator_frame(default_config().monitoring).set_index("indicator")
    tl = frame.loc["vmbo_tl_lj3_techniek"]
    assert (tl.numerator_kind, tl.sector, tl.onderwijstypes, tl.leerjaren) == ("sector", "Techniek", ["VMBO-TL"], [3])
    assert pd.isna(tl.profile_flag)
    assert frame.loc["vmbo_bkg_lj3_techniek", "numerator_kind"] == "profile_flag"
    base = {"id": "x", "label": "x", "onderwijstypes": ["VMBO-TL"], "leerjaren": [3]}
    Indicator.model_validate({**base, "numerator": {"sector": "Techniek"}}, context={})
    for bad in ({"sector": ""}, {"sector": 3}, {"sector": "Techniek", "profile_flag": "sto_hard"}):
        with pytest.raises(ValidationError):
            Indicator.model_validate({**base, "numerator": bad}, context={})


def test_tl_share_counts_sector_techniek() -> None:
    """TL leerjaar 3: 3 + 2 in sector Techniek, 4 in Economie, 1 without a sector ('N.v.t.' → NULL); leerjaar 4
    and BB pupils are outside the population."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    ind = mon.share_indicator_frame(default_config().monitoring)  # noqa: F841
    con.execute("CREATE TABLE core.share_indicators AS SELECT * FROM ind")
    con.execute("CREATE TABLE core.profile_flags (profile_code VARCHAR, flag VARCHAR, value BOOLEAN)")
    con.execute(
        "CREATE TABLE core.peiljaar_calendar AS SELECT 2019 AS peiljaar, NULL::INTEGER AS prev_peiljaar, "
        "2019 AS baseline_peiljaar"
    )
    con.execute(
        "CREATE TABLE core.scope_x AS SELECT 'V1' AS vestiging_code, 'national' AS scope_type, 'NL' AS scope_code, "
        "'Nederland' AS scope_name, NULL::DOUBLE AS radius_km"
    )
    con.execute(
        """CREATE TABLE core.duo_vo_students AS SELECT 2019 AS peiljaar, 'V1' AS vestiging_code, ot AS onderwijstype,
                  lj AS leerjaar, sex, n, n AS n_lower, n AS n_upper, false AS n_censored, NULL::BOOLEAN AS n_profile,
                  NULL::VARCHAR AS profile_code, sector AS vmbo_sector
           FROM (VALUES ('VMBO-TL', 3, 'M', 3, 'Techniek'), ('VMBO-TL', 3, 'V', 2, 'Techniek'),
                        ('VMBO-TL', 3, 'V', 4, 'Economie'), ('VMBO-TL', 3, 'M', 1, NULL),
                        ('VMBO-TL', 4, 'M', 7, 'Techniek'), ('VMBO-BB', 3, 'M', 6, 'Techniek'))
                t(ot, lj, sex, n, sector)"""
    )
    db.run_sql(con, "techniek_share_macro")
    r = con.execute(
        "SELECT n_total, n_techniek, pct, n_girls, n_girls_techniek FROM techniek_share_rows('core.scope_x', true, 1) "
        "WHERE indicator = 'vmbo_tl_lj3_techniek'"
    ).fetchone()
    assert r[:2] == (10, 5) and r[2] == pytest.approx(50.0) and r[3:] == (6, 2)


@pytest.mark.realdata
def test_real_2019_tl_share_and_nearby_pairs(real_out: Path) -> None:
    from tests.conftest import query

    wh = real_out / "sto.duckdb"
    assert query(
        wh,
        "SELECT n_techniek, n_total FROM marts.techniek_share WHERE peiljaar = 2019 AND scope_type = 'national' "
        "AND indicator = 'vmbo_tl_lj3_techniek'",
    ) == [(6286, 38083)]
    # the pair table's 10 km / 30 pupils / all-leerwegen cell is exactly marts.nearby_offer (169 pairs, 43 same)
    assert query(
        wh,
        "SELECT count(*), count(*) FILTER (WHERE same_instelling) FROM marts.nearby_small_offer_pairs "
        "WHERE peiljaar = 2019 AND leerweg = 'all' AND max_distance_km = 10 AND max_small_pupils = 30",
    ) == [(169, 43)]
    assert query(
        wh,
        """SELECT count(*) FROM marts.nearby_offer o
           FULL JOIN (SELECT * FROM marts.nearby_small_offer_pairs
                      WHERE leerweg = 'all' AND max_distance_km = 10 AND max_small_pupils = 30) p
             ON p.peiljaar = o.peiljaar AND p.profile_code = o.profile_code AND p.vestiging_a = o.vestiging_a
            AND p.vestiging_b = o.vestiging_b
           WHERE o.vestiging_a IS NULL OR p.vestiging_a IS NULL""",
    ) == [(0,)]


# ---------------------------------------------------------------------------------------------- report section
def _settings() -> Any:
    from pipeline.report.render import Settings

    return Settings(
        default_radius=10.0,
        radii=(5.0, 10.0, 15.0),
        years=(2017, 2019),
        unknown_scope_code="ONBEKEND",
        earth_radius_km=6371.0,
    )


def test_report_section_degrades_part_by_part(built) -> None:
    from pipeline.report.sections import coverage

    d = coverage.build(built, _settings())
    assert "marts.offer_distance is not built" in str(d["map"]["map"])
    assert "marts.offer_coverage is not built" in str(d["coverage"]["provincie"])
    assert "marts.locations_without_hard_profile is not built" in str(d["hard"]["list"])
    # the nearby part is there: 10 km (the default radius), at most 30 pupils (the largest threshold)
    assert (
        d["answer"]
        == "3 locations offer a profile to at most 30 pupils with another such location within 10 km (1 cluster)."
    )
    assert d["nearby"]["headline"]["same"] == 1 and d["nearby"]["headline"]["baseline"] == 2017
    assert 'id="coverage-nearby-grid"' in str(d["nearby"]["grid"])
    empty = duckdb.connect()
    assert coverage.build(empty, _settings())["answer"] is None


def test_distance_classes_follow_the_radii() -> None:
    from pipeline.report.sections.coverage import distance_classes

    labels = [c[0] for c in distance_classes((5.0, 10.0, 15.0))]
    assert labels == ["0 km: offers it itself", "up to 5 km", "5–10 km", "10–15 km", "more than 15 km"]


def test_report_section_on_the_sample(sample_out: Path) -> None:
    """With every coverage mart built (the sample run): the answer names the coverage, the locations without a
    hard profile and the nearby offer, each from its mart; the map and the narrow tables are there."""
    from pipeline.report.sections import coverage
    from tests.conftest import query

    wh = sample_out / "sto.duckdb"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        d = coverage.build(con, _settings())
    finally:
        con.close()
    year = query(wh, "SELECT max(peiljaar) FROM marts.offer_coverage")[0][0]
    pct, n = query(
        wh,
        "SELECT pct_within, n_pupils FROM marts.offer_coverage WHERE peiljaar = ? AND scope_type = 'national' "
        "AND basis = 'school' AND offer_group = 'sto_hard' AND radius_km = 10 AND offer_rule = 'default'",
        [year],
    )[0]
    without = query(
        wh,
        "SELECT n_without_hard FROM marts.hard_profile_offer_counts WHERE peiljaar = ? AND scope_type = 'national' "
        "AND offer_rule = 'default'",
        [year],
    )[0][0]
    assert d["answer"].startswith(f"{pct:.1f}% of the {int(n):,} vmbo B/K/G bovenbouw pupils")
    assert f"; {without} of the " in d["answer"]
    assert 'id="coverage-map"' in str(d["map"]["map"]) and d["map"]["n_placed"] > 0
    for part in (d["coverage"]["provincie"], d["hard"]["counts"], d["nearby"]["profiles"], d["nearby"]["grid"]):
        assert "<table" in str(part) and "not built" not in str(part)
    assert len(d["nearby"]["grid"].split("<th")) - 1 <= 8  # narrow: distance + three size thresholds
