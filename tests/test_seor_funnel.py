"""SEOR funnel, reach and marts materialised by Dagster on a tiny fixture inventory (two campuses).

Every funnel rule is exercised once (tests/fixtures/seor/inventory.csv notes which row tests what), and
editing the radius or adding a campus in config changes the reach marts without code changes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

import pipeline.config as config_mod
from pipeline import db
from pipeline.resources import StoResource
from tests.conftest import query

FIX = Path(__file__).resolve().parent / "fixtures" / "seor"
REACH_ASSETS = [
    "core_campuses",
    "mart_initiative_campus_reach",
    "core_seor_reach_pairs",  # written by the same step
    "core_seor_step7_reach",
    "mart_campus_initiatives",
    "mart_campus_initiatives_sensitivity",
]


def _defs() -> list:
    """The SEOR assets (their checks are declared on them) plus core_campuses."""
    import assets.locations.assets
    import assets.seor.assets

    return [*dg.load_assets_from_modules([assets.seor.assets]), assets.locations.assets.core_campuses]


def _write_config(cfg_dir: Path, radius: float = 10, extra_campus: dict | None = None) -> None:
    """A copy of the configuration files with the fixture campuses, a radius and the fixture's extra doelgroep."""
    config_mod.copy_config(cfg_dir)
    campuses = yaml.safe_load((FIX / "campuses.yaml").read_text(encoding="utf-8"))
    if extra_campus:
        campuses["campuses"].append(extra_campus)
    (cfg_dir / "campuses.yaml").write_text(yaml.safe_dump(campuses, allow_unicode=True), encoding="utf-8")
    pipe = yaml.safe_load((cfg_dir / "pipeline.yaml").read_text(encoding="utf-8"))
    pipe["reach"]["default_radius_km"] = radius
    (cfg_dir / "pipeline.yaml").write_text(yaml.safe_dump(pipe, allow_unicode=True), encoding="utf-8")
    s = yaml.safe_load((cfg_dir / "seor.yaml").read_text(encoding="utf-8"))
    s["doelgroepen"]["other"] = ["Studenten mbo"]
    (cfg_dir / "seor.yaml").write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _materialize(dbp: Path, selection: list[str] | None = None) -> dg.ExecuteInProcessResult:
    """Materialise `selection` (default every SEOR asset) with the checks declared on those assets."""
    result = dg.materialize(
        _defs(),
        selection=selection,
        resources={"sto": StoResource(db_path=str(dbp), sample=False, offline=True)},
        raise_on_error=False,
    )
    failures = [
        ev.event_specific_data.error.message
        for ev in result.all_events
        if ev.event_type_value == "STEP_FAILURE" and ev.event_specific_data.error
    ]
    assert result.success, failures
    return result


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, pytest.MonkeyPatch]]:
    """The SEOR assets (and their checks) on the fixture inventory, with a private config directory."""
    tmp = tmp_path_factory.mktemp("seor_fixture")
    mp = pytest.MonkeyPatch()
    cfg_dir = tmp / "config"
    _write_config(cfg_dir)
    mp.setattr(config_mod, "CONFIG_DIR", cfg_dir)
    config_mod.default_config.cache_clear()
    mp.setenv("STO_INVENTORY_MAPPING", str(FIX / "mapping.yaml"))
    mp.delenv("STO_INVENTORY", raising=False)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    dbp = tmp / "sto.duckdb"
    con = db.connect(dbp)
    con.execute("CREATE TABLE raw.geonames_pc6 AS SELECT '2595AN' AS pc6, 52.0793 AS lat, 4.3416 AS lon")
    con.execute("CREATE TABLE raw.geonames_pc4 AS SELECT '2595' AS pc4, 52.08 AS lat, 4.34 AS lon")
    con.execute(
        "CREATE TABLE core.school_locations AS SELECT 'ZZZZ98' AS vestiging_code, 'x' AS name, 52.0 AS lat, "
        "4.3 AS lon, 25.0 AS precision_m, 'pc6_centroid' AS geocode_method"
    )
    con.close()
    _materialize(dbp)
    yield dbp, mp
    mp.undo()
    config_mod.default_config.cache_clear()


def test_funnel_counts_and_rules(fixture_run):
    dbp, _ = fixture_run
    funnel = query(dbp, "SELECT step_no, n_remaining, n_dropped, n_added FROM marts.selection_funnel ORDER BY 1")
    assert funnel == [
        (1, 13, 0, 0),
        (2, 11, 2, 0),
        (3, 10, 1, 0),
        (4, 9, 1, 0),
        (5, 11, 0, 2),
        (6, 10, 1, 0),
        (7, 9, 1, 0),
    ]
    log = {
        (i, s): (d, r, rel)
        for i, s, d, r, rel in query(
            dbp, "SELECT initiative_id, step_no, decision, rule, related_id FROM marts.selection_log"
        )
    }
    assert log[("2", 2)][0] == "dropped" and "werkgeversperspectief" in log[("2", 2)][1]
    assert log[("4", 3)][0] == "dropped" and "Studenten mbo" in log[("4", 3)][1]
    assert log[("5", 4)] == ("dropped", "exact duplicate (same normalised name and characteristics) of 1", "1")
    assert log[("6", 4)][0] == "kept"  # same name, other activities: not a duplicate
    assert log[("8", 6)][0] == "merged" and log[("8", 6)][2] == "7"
    assert log[("9", 7)][0] == "dropped" and "no campus within 10" in log[("9", 7)][1]
    assert log[("14", 5)][0] == "added" and ("14", 1) not in log
    assert not [k for k in log if k[0] == "8" and k[1] == 7]  # a merged row leaves the funnel


def test_roc_concentration_merges_characteristics(fixture_run):
    dbp, _ = fixture_run
    vals = query(dbp, "SELECT dimension, code FROM core.seor_candidate_values WHERE initiative_id = '7' ORDER BY 1, 2")
    assert ("praktijkgerichtheid", "veel") in vals and ("praktijkgerichtheid", "deels") not in vals
    assert {
        ("activities", "open dagen/proefstuderen"),
        ("activities", "evenement"),
        ("target_groups", "ouders"),
    } <= set(vals)


def test_reach_methods(fixture_run):
    dbp, _ = fixture_run
    rows = query(dbp, "SELECT initiative_id, campus_code, method FROM marts.initiative_campus_reach WHERE reached")
    got = {(i, c): m for i, c, m in rows}
    assert got[("1", "A")] == "own_location"
    assert got[("10", "B")] == "participating_school"
    assert got[("11", "A")] == got[("11", "B")] == "national_online"
    assert got[("12", "B")] == "override" and ("12", "A") not in got
    assert got[("13", "A")] == "own_location"  # located by its postcode (PC6 centroid)
    reason = query(dbp, "SELECT reason FROM marts.initiative_campus_reach WHERE initiative_id = '12' AND reached")
    assert reason == [("documented override: free bus from the campus area",)]
    assert query(dbp, "SELECT campus_code, n_initiatives FROM marts.campus_initiatives ORDER BY 1") == [
        ("A", 6),
        ("B", 4),
        ("TOTAL", 9),
    ]
    sens = query(dbp, "SELECT radius_km, campus_code, n_initiatives FROM marts.campus_initiatives_sensitivity")
    assert (5.0, "A", 5) in sens and (10.0, "A", 6) in sens and (15.0, "TOTAL", 9) in sens


def test_characteristics_and_gaps(fixture_run):
    dbp, _ = fixture_run
    n = dict(
        ((d, c, k), v)
        for d, c, k, v in query(dbp, "SELECT dimension, category, campus_code, n FROM marts.initiative_characteristics")
    )
    assert n[("geography", "Landelijk/online", "TOTAL")] == 1 and n[("geography", "lokaal", "TOTAL")] == 8
    assert n[("geography", "Totaal", "A")] == 6 and n[("praktijkgerichtheid", "veel", "TOTAL")] == 3
    gaps = query(dbp, "SELECT campus_code, category, gap_rule FROM marts.campus_gaps WHERE is_gap")
    assert ("TOTAL", "ouders", "few_target_group") in gaps and ("TOTAL", "leerlingen", "few_target_group") not in gaps


def test_radius_and_campus_come_from_config(fixture_run, tmp_path):
    dbp, mp = fixture_run
    for radius, extra, expect in [
        (5, None, [("A", 5), ("B", 4), ("TOTAL", 8)]),
        (
            10,
            {
                "code": "C",
                "name": "Campus C",
                "address": "x",
                "postcode": "9700 AA",
                "city": "Groningen",
                "lat": 53.2,
                "lon": 6.5,
                "source_note": "test",
            },
            None,
        ),
    ]:
        cfg_dir = tmp_path / f"config_{radius}"
        _write_config(cfg_dir, radius=radius, extra_campus=extra)
        mp.setattr(config_mod, "CONFIG_DIR", cfg_dir)
        config_mod.default_config.cache_clear()
        copy = tmp_path / f"sto_{radius}.duckdb"
        shutil.copy(dbp, copy)
        _materialize(copy, selection=REACH_ASSETS)
        got = query(copy, "SELECT campus_code, n_initiatives FROM marts.campus_initiatives ORDER BY 1")
        if expect:
            assert got == expect
            assert query(copy, "SELECT DISTINCT radius_km FROM marts.initiative_campus_reach") == [(5.0,)]
        else:  # campus C (Groningen) picks up initiative 9 and the national one; 9 is now selected
            assert ("C", 2) in got and ("TOTAL", 10) in got
            sens = query(copy, "SELECT count(*) FROM marts.campus_initiatives_sensitivity WHERE campus_code = 'C'")
            assert sens == [(3,)]
