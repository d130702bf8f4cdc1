"""Place names of the configuration against the address snapshots (pipeline/place_names.py, sql/place_key.sql).

Pure functions on tiny fixtures: the one matching rule (a DuckDB macro, used by the check and by the SQL that
selects a scope's locations), the generic walk over any configuration file, reading the names from a CSV
(UTF-8 or Windows-1252) or the warehouse, "did you mean" in DUO's spelling, and the CLI's handling (refused
on real data, a note on the synthetic sample).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import duckdb
import pytest

from pipeline import db
from pipeline import place_names as pn
from pipeline.config import ConfigError, default_config
from pipeline.paths import SQL_DIR

HEADER = "PROVINCIE;VESTIGINGSNUMMER;GEMEENTENAAM;COROPGEBIED NAAM\n"


def _keys(names: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute((SQL_DIR / "place_key.sql").read_text(encoding="utf-8"))
    return [con.execute("SELECT place_key(?)", [n]).fetchone()[0] for n in names]


def test_one_rule_for_official_and_duo_spellings():
    assert set(_keys(["'s-Gravenhage", "S GRAVENHAGE", "'S-GRAVENHAGE", "s-gravenhage", " 's Gravenhage "])) == {
        "s gravenhage"
    }
    assert _keys(["Súdwest-Fryslân", "SUDWEST-FRYSLAN"]) == ["sudwest fryslan"] * 2
    assert _keys(["Capelle aan den IJssel", "CAPELLE AAN DEN IJSSEL"]) == ["capelle aan den ijssel"] * 2
    assert len(set(_keys(["Rotterdam", "Roterdam"]))) == 2  # a typo stays a different name


def test_place_references_are_found_in_any_file_and_scope():
    """Every `gemeenten`/`gemeente`/`corop` value, wherever it appears: also in files the checker does not
    know by name (a statements file with its own scope specs)."""
    parts = {
        "targets": {"scopes": {"a": {"gemeenten": ["X", "Y"]}, "b": {"corop": "Twente"}}},
        "statements": {"statements": [{"id": "s1", "scope": {"approximation": {"gemeenten": ["Z"]}}}]},
        "sources": {"sources": {"x": {"gemeente": "not a config place"}}},
    }
    refs = {(r.part, r.loc, r.kind, r.name) for r in pn.place_references(parts)}
    assert refs == {
        ("targets", ("scopes", "a", "gemeenten", 0), "gemeente", "X"),
        ("targets", ("scopes", "a", "gemeenten", 1), "gemeente", "Y"),
        ("targets", ("scopes", "b", "corop"), "corop", "Twente"),
        ("statements", ("statements", 0, "scope", "approximation", "gemeenten", 0), "gemeente", "Z"),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_names_read_from_the_address_file(tmp_path: Path, encoding: str):
    f = tmp_path / "02.-alle-vestigingen-vo.csv"
    rows = "Zuid-Holland;01AA00;S GRAVENHAGE;Agglomeratie 's-Gravenhage\nFryslân;02BB00;SÚDWEST-FRYSLÂN;Zuidwest-Friesland\n"
    f.write_bytes((HEADER + rows).encode(encoding))
    names = pn.names_in_file(f)
    assert names == {
        "gemeente": {"S GRAVENHAGE", "SÚDWEST-FRYSLÂN"},
        "corop": {"Agglomeratie 's-Gravenhage", "Zuidwest-Friesland"},
    }


def test_unreadable_address_file_is_left_to_its_parser(tmp_path: Path):
    f = tmp_path / "02.-alle-vestigingen-vo.csv"
    f.write_bytes(b"\x00\x01garbage")
    assert pn.names_in_file(f) is None
    assert pn.names_in_file(tmp_path / "absent.csv") is None


def test_names_read_from_the_warehouse_history(tmp_path: Path):
    path = tmp_path / "sto.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.school_location_history AS SELECT 'ROTTERDAM' AS gemeente_name, 'Groot-Rijnmond' AS corop_name"
    )
    con.close()
    assert pn.names_in_warehouse(path) == {"gemeente": {"ROTTERDAM"}, "corop": {"Groot-Rijnmond"}}
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert pn.names_in_warehouse(empty) is None


def test_unmatched_names_get_did_you_mean_in_duo_spelling():
    refs = [
        pn.PlaceRef("targets", ("g", 0), "gemeente", "'s-Gravenhage"),
        pn.PlaceRef("targets", ("g", 1), "gemeente", "Roterdam"),
        pn.PlaceRef("targets", ("c",), "corop", "Twenthe"),
    ]
    known = {"gemeente": {"S GRAVENHAGE", "ROTTERDAM", "DELFT"}, "corop": {"Twente", "Groot-Rijnmond"}}
    out = {r.name: close for r, close in pn.unmatched_places(refs, known)}
    assert out == {"Roterdam": ["ROTTERDAM"], "Twenthe": ["Twente"]}


def _config_with(gemeenten: list[str]):
    cfg = default_config()
    targets = copy.deepcopy(cfg.targets)
    targets["scopes"]["rotterdam"]["gemeenten"] = gemeenten
    return dataclasses.replace(cfg, targets=targets)


def test_check_names_file_key_and_candidates(tmp_path: Path):
    f = tmp_path / "a.csv"
    f.write_text(
        HEADER
        + "Zuid-Holland;01AA00;ROTTERDAM;Groot-Rijnmond\nZuid-Holland;01AA01;CAPELLE AAN DEN IJSSEL;Groot-Rijnmond\n"
        "Zuid-Holland;01AA02;LANSINGERLAND;Groot-Rijnmond\nZuid-Holland;01AA03;PIJNACKER-NOOTDORP;Delft en Westland\n"
        "Overijssel;01AA04;ENSCHEDE;Twente\n",
        encoding="utf-8",
    )
    assert pn.check_config_places(_config_with(["ROTTERDAM", "rotterdam"]), f, None)[0] == []
    messages, where = pn.check_config_places(_config_with(["Roterdam"]), f, None)
    assert "a.csv" in where
    assert len(messages) == 1
    m = messages[0]
    assert "targets.yaml" in m and "scopes.rotterdam.gemeenten[0]" in m and "'Roterdam'" in m
    assert "did you mean 'ROTTERDAM'" in m and "GEMEENTENAAM" in m
    assert pn.check_config_places(_config_with(["Roterdam"]), None, None) == ([], "")  # no names: not checked


def test_cli_refuses_on_real_data_and_notes_on_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture):
    """Refused when the address file is real; a note when it is the synthetic sample, also a mirrored copy of
    it (the sample covers a few municipalities only)."""
    import shutil

    from pipeline.cli import check_place_names
    from pipeline.fetch import fetcher_for
    from pipeline.paths import SAMPLE_DIR

    cfg = _config_with(["Roterdam"])
    copy_of_sample = tmp_path / "sample_copy"
    shutil.copytree(SAMPLE_DIR, copy_of_sample)
    for fetcher in (
        fetcher_for(cfg.sources, True, [], None, True),
        fetcher_for(cfg.sources, False, [str(copy_of_sample)], None, True),
    ):
        check_place_names(cfg, fetcher, tmp_path / "sto.duckdb", {"sample": False})
        out = capsys.readouterr().out
        assert "note:" in out and "'Roterdam'" in out and "synthetic sample" in out
    real = tmp_path / "real"
    real.mkdir()
    (real / "02.-alle-vestigingen-vo.csv").write_text(HEADER + "Zuid-Holland;01AA00;ROTTERDAM;Groot-Rijnmond\n")
    fetcher = fetcher_for(cfg.sources, False, [str(real)], None, True)
    with pytest.raises(ConfigError, match="scopes.rotterdam.gemeenten\\[0\\].*'Roterdam'.*did you mean 'ROTTERDAM'"):
        check_place_names(cfg, fetcher, tmp_path / "sto.duckdb", {"sample": False})


def test_target_sql_matches_by_the_same_rule():
    """assets/monitoring/sql/programme_scopes.sql (the regions of the programme marts) selects a scope's locations by place_key,
    per peiljaar from that year's snapshot: the official spelling in the configuration finds DUO's upper-case
    rows (it found none before)."""
    con = duckdb.connect()
    db.run_sql(con, "place_key")
    con.execute("CREATE SCHEMA core; CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE core.pupil_locations AS SELECT * FROM (VALUES "
        "(2019, '01AA00', 'S GRAVENHAGE', 'Agglomeratie ''s-Gravenhage'),"
        " (2019, '01AA01', 'ROTTERDAM', 'Groot-Rijnmond'), (2019, '01AA02', 'SÚDWEST-FRYSLÂN', 'Zuidwest-Friesland'))"
        " t(peiljaar, vestiging_code, gemeente_name, corop_name)"
    )
    con.execute("CREATE TABLE raw.sto_region_map (vestiging_code VARCHAR, sto_region_code VARCHAR)")
    con.execute(
        "CREATE TABLE core.target_scopes (scope_id VARCHAR, scope_name VARCHAR, sto_region_code VARCHAR, "
        "corop VARCHAR, gemeenten VARCHAR[], approx_gemeenten VARCHAR[], approx_note VARCHAR)"
    )
    con.execute(
        "INSERT INTO core.target_scopes VALUES ('haag', 'Den Haag', NULL, NULL, [$1], NULL, NULL),"
        " ('fries', 'Súdwest', NULL, NULL, ['Súdwest-Fryslân'], NULL, NULL),"
        " ('rijnmond', 'Rijnmond', NULL, 'groot rijnmond', NULL, NULL, NULL)",
        ["'s-Gravenhage"],
    )
    first = [s for s in db._split_sql(db.read_sql("programme_scopes")) if s.strip()][0]
    con.execute(first)
    got = sorted(
        con.execute("SELECT scope_id, peiljaar, vestiging_code FROM core.programme_scope_locations").fetchall()
    )
    assert got == [("fries", 2019, "01AA02"), ("haag", 2019, "01AA00"), ("rijnmond", 2019, "01AA01")]


def test_ui_run_checks_place_names_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A run launched from the Dagster UI (atomic publish, no CLI preflight) makes the same check when its
    resource starts, before any step; a CLI run (tag sto/preflight) is not checked twice."""
    from types import SimpleNamespace

    from pipeline import resources

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "02.-alle-vestigingen-vo.csv").write_text(HEADER + "Zuid-Holland;01AA00;ROTTERDAM;Groot-Rijnmond\n")
    monkeypatch.setattr(resources, "default_config", lambda: _config_with(["Roterdam"]))
    res = resources.StoResource(db_path=str(tmp_path / "sto.duckdb"), mirrors=[str(mirror)], sample=False, offline=True)
    ui_run = SimpleNamespace(dagster_run=SimpleNamespace(tags={}), log=None)
    with pytest.raises(ConfigError, match="scopes.rotterdam.gemeenten\\[0\\].*'Roterdam'.*did you mean 'ROTTERDAM'"):
        res._check_place_names(ui_run, tmp_path / "sto.duckdb")
    cli_run = SimpleNamespace(dagster_run=SimpleNamespace(tags={"sto/preflight": "done"}), log=None)
    res._check_place_names(cli_run, tmp_path / "sto.duckdb")  # checked by the CLI already
