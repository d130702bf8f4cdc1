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
        (lambda c: c["scopes"]["techtown"]["approximation"].pop("note"), "approximation with a note"),
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
