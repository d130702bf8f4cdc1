"""Programme targets: config validation and marts.programme_targets on the sample warehouse."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline import targets
from pipeline.config import ConfigError
from tests.conftest import query


def test_config_loads_and_lists_every_spec_target():
    cfg = targets.targets_config()
    df = targets.target_frame(cfg)
    assert set(df["programme"]) == {"TechTown", "Twente", "Rotterdam"}
    computable = set(df.loc[df["computable"], "target_id"])
    assert computable == {
        "techtown_mt_locations",
        "techtown_girls_techniek",
        "twente_pupils_2025",
        "twente_pupils_2030",
        "rotterdam_girls_technical_vmbo",
    }
    assert df.loc[~df["computable"], "note"].notna().all()
    scopes = targets.scope_frame(cfg).set_index("scope_id")
    assert "APPROXIMATION" in scopes.loc["techtown", "approx_note"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c["targets"][0].update(scope="nowhere"), "unknown scope"),
        (lambda c: c["targets"][0].update(statistic="n_boys"), "statistic"),
        (lambda c: c["targets"][-1].pop("reason"), "needs a reason"),
        (lambda c: c["scopes"]["techtown"]["approximation"].pop("note"), "approximation: missing key 'note'"),
    ],
)
def test_config_errors_name_the_target(mutate, message):
    cfg = copy.deepcopy(targets.targets_config())
    mutate(cfg)
    with pytest.raises(ConfigError, match=message):
        targets.target_frame(cfg)


def test_programme_targets_mart(sample_out: Path):
    db = sample_out / "sto.duckdb"
    rows = query(
        db,
        "SELECT target_id, peiljaar, computable, scope_method, measured_value, current_value, target_value, "
        "distance_to_target, reason FROM marts.programme_targets ORDER BY target_id, peiljaar",
    )
    by_id: dict[str, list[tuple]] = {}
    for r in rows:
        by_id.setdefault(r[0], []).append(r)
    years = [r[0] for r in query(db, "SELECT DISTINCT peiljaar FROM core.duo_vo_students ORDER BY 1")]
    # one row per loaded year for computable targets, one row (peiljaar NULL) with the reason otherwise
    for tid, rs in by_id.items():
        if rs[0][2]:
            assert [r[1] for r in rs] == years, tid
        else:
            assert len(rs) == 1 and rs[0][1] is None and rs[0][8], tid
    # TechTown without an STO mapping: the stated approximation in every row
    assert {r[3] for r in by_id["techtown_mt_locations"]} == {"gemeenten (approximation)"}
    # distance = target − current
    for r in rows:
        if r[5] is not None:
            assert r[7] == pytest.approx(r[6] - r[5])
    # the baseline year of a change target has change 0
    base = [r for r in by_id["techtown_girls_techniek"] if r[1] == 2022]
    assert base and base[0][5] == pytest.approx(0.0)
    # Rotterdam girls' share recomputed from core for the configured profiles
    ours = query(
        db,
        """SELECT 100.0 * sum(n) FILTER (WHERE sex = 'V') / sum(n) FROM core.duo_vo_students s
           JOIN core.school_locations l USING (vestiging_code)
           WHERE upper(l.gemeente_name) = 'ROTTERDAM' AND s.peiljaar = 2023 AND s.leerjaar IN (3, 4)
             AND s.onderwijstype IN ('VMBO-BB', 'VMBO-KB', 'VMBO-GL', 'VMBO-TL')
             AND s.profile_code IN ('BWI', 'PIE', 'MVI', 'M&T')""",
    )[0][0]
    rot = [r for r in by_id["rotterdam_girls_technical_vmbo"] if r[1] == 2023][0]
    assert rot[4] == pytest.approx(ours)


@pytest.mark.realdata
def test_programme_targets_real_2019(real_out: Path):
    """2019 only: Twente has locations (COROP from the real address file) but no 2021 baseline loaded."""
    rows = query(
        real_out / "sto.duckdb",
        "SELECT target_id, n_locations_in_scope, measured_value, current_value, reason "
        "FROM marts.programme_targets WHERE peiljaar = 2019",
    )
    got = {r[0]: r for r in rows}
    assert got["twente_pupils_2025"][1] > 20 and got["twente_pupils_2025"][2] > 10000
    assert got["twente_pupils_2025"][3] is None and "not loaded" in got["twente_pupils_2025"][4]
    assert 0 < got["rotterdam_girls_technical_vmbo"][3] < 50
    assert got["techtown_mt_locations"][2] >= 1


def _tiny_warehouse(with_mapping: bool):
    """Two years, three locations (two in Rotterdam, one in Enschede/Twente), optional STO mapping."""
    import duckdb
    import pandas as pd

    from pipeline import db
    from pipeline.monitoring import register

    con = duckdb.connect()
    for s in ("core", "raw", "marts"):
        con.execute(f"CREATE SCHEMA {s}")
    con.execute("""
        CREATE TABLE core.school_locations AS SELECT * FROM (VALUES
            ('AAAA00', 'ROTTERDAM', 'Groot-Rijnmond'), ('BBBB00', 'ROTTERDAM', 'Groot-Rijnmond'),
            ('CCCC00', 'ENSCHEDE', 'Twente')) v(vestiging_code, gemeente_name, corop_name)""")
    rows = []
    for year, scale in ((2021, 1.0), (2022, 0.9)):
        for loc, prof in (("AAAA00", "M&T"), ("BBBB00", "BWI"), ("CCCC00", "PIE")):
            rows += [
                (year, loc, "VMBO-KB", 3, prof, "M", int(20 * scale)),
                (year, loc, "VMBO-KB", 3, prof, "V", int(10 * scale)),
                (year, loc, "HAVO", 4, None, "V", int(100 * scale)),
            ]
    df = pd.DataFrame(
        rows, columns=["peiljaar", "vestiging_code", "onderwijstype", "leerjaar", "profile_code", "sex", "n"]
    )
    db.replace_table(con, "core.duo_vo_students", df)
    con.execute("""CREATE TABLE core.vmbo_profile AS SELECT * FROM (VALUES
        ('M&T', 'x', 'profile', 't', true), ('BWI', 'x', 'profile', 't', true), ('PIE', 'x', 'profile', 't', true))
        v(profile_code, name, kind, sector, techniekpact_techniek)""")
    con.execute("ALTER TABLE core.vmbo_profile ADD COLUMN config_version INTEGER DEFAULT 1")
    mapping = "SELECT 'AAAA00' AS vestiging_code, '24056' AS sto_region_code, 'TechTown' AS sto_region_name"
    con.execute(f"CREATE TABLE raw.sto_region_map AS {mapping} {'' if with_mapping else 'LIMIT 0'}")
    db.run_sql(con, "mart_monitoring_macros")
    db.run_sql(con, "place_key")  # as the asset does (assets/monitoring/assets.py _prepare_macros)
    cfg = targets.targets_config()
    register(con, "programme_target_in", targets.target_frame(cfg))
    register(con, "target_scope_in", targets.scope_frame(cfg))
    db.run_sql(con, "mart_programme_targets", {"min_offered": 1})
    return con


@pytest.mark.parametrize("with_mapping", [False, True])
def test_programme_targets_sql_on_tiny_data(with_mapping: bool):
    con = _tiny_warehouse(with_mapping)
    got = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            "SELECT target_id, peiljaar, scope_method, n_locations_in_scope, measured_value, current_value, "
            "distance_to_target, target_met FROM marts.programme_targets WHERE computable"
        ).fetchall()
    }
    # TechTown: the mapping (one location) when given, else the municipality approximation (two locations)
    method, nloc, mt, *_ = got[("techtown_mt_locations", 2021)]
    assert (method, nloc, mt) == (
        ("sto_region_mapping", 1, 1.0) if with_mapping else ("gemeenten (approximation)", 2, 1.0)
    )
    # Twente: all vo pupils of COROP Twente, −10% against 2021 → distance −8.5 − (−10) = 1.5, target met
    method, nloc, measured, change, distance, met = got[("twente_pupils_2025", 2022)]
    assert (method, nloc, measured) == ("corop", 1, 27 + 90)
    assert change == pytest.approx(100 * (117 - 130) / 130) and distance == pytest.approx(-8.5 - change)
    assert met is True
    # Rotterdam: girls' share of the technical vmbo pupils (10 of 30 per location) = 33.3%
    assert got[("rotterdam_girls_technical_vmbo", 2021)][2] == pytest.approx(100 / 3)
    # baseline 2022 of the TechTown girls target: change 0 in 2022
    assert got[("techtown_girls_techniek", 2022)][3] == pytest.approx(0.0)
