"""The mbo marts (assets/mbo/marts.py, assets/mbo/sql/mart_mbo_*.sql, mart_reconciliation_techniekpact_mbo.sql):
SQL on tiny fixture tables with the columns of the mbo core tables, figures computed by hand; the published
Techniekpact mbo figures' reader; the reconciliation's 'year not loaded' and compared cases."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.mbo import marts
from assets.mbo.marts_checks import CHECKS
from pipeline import db
from pipeline.checks import evaluate
from pipeline.config import default_config
from pipeline.csvread import InputError
from tests.conftest import ROOT

POINT = 2  # pipeline.yaml censored.point_value; the fixtures carry point values as the core tables do

INSTROOM_COLS = [
    "studiejaar", "jaar", "instellingscode", "instellingsnaam", "hoofdgroep_code", "hoofdgroep_naam", "niveau",
    "leerweg", "crebo", "opleiding_naam", "vooropleiding_vo", "prior_vo", "vooropleiding_mbo", "kleine_opleiding",
    "n_totaal_mbo", "n_instroom_mbo", "n_instroom_opleiding",
    "n_totaal_mbo_lo", "n_totaal_mbo_hi", "n_instroom_mbo_lo", "n_instroom_mbo_hi",
    "n_instroom_opleiding_lo", "n_instroom_opleiding_hi", "n_censored",
    "technical", "technical_rule", "source_file", "source_row",
]  # fmt: skip


def _entrant(jaar, inst, niveau, leerweg, prior_vo, technical, n, *, totaal=None, opleiding=None, censored=False):
    """One core.mbo_instroom row; `n` is n_instroom_mbo ('<5' → the point value with bounds 1-4)."""
    lo, hi = (1, 4) if censored else (n, n)
    totaal = n if totaal is None else totaal
    opleiding = n if opleiding is None else opleiding
    return {
        "studiejaar": f"{jaar}-{jaar + 1}", "jaar": jaar, "instellingscode": inst, "instellingsnaam": f"ROC {inst}",
        "hoofdgroep_code": "T" if technical else "Z", "hoofdgroep_naam": "Techniek" if technical else "Zorg",
        "niveau": niveau, "leerweg": leerweg, "crebo": "25000" if technical else "25999",
        "opleiding_naam": "x", "vooropleiding_vo": prior_vo.upper(), "prior_vo": prior_vo,
        "vooropleiding_mbo": None, "kleine_opleiding": False,
        "n_totaal_mbo": totaal, "n_instroom_mbo": n, "n_instroom_opleiding": opleiding,
        "n_totaal_mbo_lo": totaal, "n_totaal_mbo_hi": totaal, "n_instroom_mbo_lo": lo, "n_instroom_mbo_hi": hi,
        "n_instroom_opleiding_lo": opleiding, "n_instroom_opleiding_hi": opleiding, "n_censored": censored,
        "technical": technical, "technical_rule": "fixture", "source_file": "fixture.csv", "source_row": 0,
    }  # fmt: skip


# Two instellingen (A in Zuid-Holland, B not in the address file), studiejaar 2023-2024.
ENTRANTS = [
    _entrant(2023, "A", 2, "BOL", "vmbo_bb", True, 30),
    _entrant(2023, "A", 2, "BOL", "vmbo_bb", False, 70),
    _entrant(2023, "B", 3, "BBL", "vmbo_bb", True, POINT, censored=True),
    _entrant(2023, "A", 3, "BOL", "vmbo_kb", True, 20, totaal=25, opleiding=22),
    _entrant(2023, "B", 3, "BOL", "vmbo_kb", False, 20),
    _entrant(2023, "A", 1, "BOL", "vmbo_tl", True, 10),
    _entrant(2023, "A", 4, "BOL", "havo", True, 10),
    _entrant(2023, "A", 4, "BOL", "havo", False, 90),
]

INSTELLINGEN = pd.DataFrame(
    [
        {
            "instellingscode": "A", "name": "ROC A", "address": "Straat 1", "postcode": "3011AA",
            "plaatsnaam": "ROTTERDAM", "gemeente_code": "0599", "gemeente_name": "Rotterdam", "lat": 51.92,
            "lon": 4.48, "provincie": "Zuid-Holland", "corop_code": "CR29", "corop_name": "Groot-Rijnmond", "rmc_code": "RMC37", "rmc_name": "Rijnmond",
            "source_file": "instellingenmbo.csv",
        }
    ]
)  # fmt: skip


def _diploma(jaar, geslacht, niveau, technical, n, censored=False):
    return {
        "jaar": jaar, "instellingscode": "A", "instellingsnaam": "ROC A", "plaatsnaam": "ROTTERDAM",
        "leerweg": "BOL", "niveau": niveau, "crebo": "25000" if technical else "25999", "opleiding_naam": "x",
        "sectorkamer": "s", "hoofdgroep": "h", "geslacht": geslacht, "n_diplomas": n,
        "n_diplomas_lo": 1 if censored else n, "n_diplomas_hi": 4 if censored else n, "n_censored": censored,
        "technical": technical, "technical_rule": "fixture", "source_file": "fixture.csv", "source_row": 0,
    }  # fmt: skip


DIPLOMAS = [
    _diploma(2023, "man", 2, True, 40),
    _diploma(2023, "man", 2, False, 60),
    _diploma(2023, "vrouw", 2, True, 10),
    _diploma(2023, "vrouw", 2, False, 90),
    _diploma(2023, "vrouw", 4, True, POINT, censored=True),
]


def published_csv(tmp: Path, rows: list[dict[str, str]]) -> Path:
    cols = marts.PUBLISHED_MBO_COLUMNS
    path = tmp / "techniekpact_mbo.csv"
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def figure(fid: str, jaar: int, measure: str, value: str, niveau: str = "all") -> dict[str, str]:
    return {
        "figure_id": fid, "source": "techniekpact", "indicator": "mbo_entrants_techniek", "measure": measure,
        "jaar": str(jaar), "studiejaar": f"{jaar}-{jaar + 1}", "scope": "national:NL", "niveau": niveau,
        "value": value, "unit": "count" if measure == "n_technical" else "pct", "published_as": value,
        "figure_kind": "statement", "document": "doc", "page_table": "p. 1", "in_spec": "true",
        "source_url": "https://example.org/x", "note": "",
    }  # fmt: skip


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse with the fixture core tables and the marts' definition tables from monitoring.yaml."""
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    for schema in ("raw", "core", "marts", "audit"):
        c.execute(f"CREATE SCHEMA {schema}")
    cfg = default_config().monitoring
    db.replace_table(c, "core.mbo_instroom", pd.DataFrame(ENTRANTS, columns=INSTROOM_COLS))
    db.replace_table(c, "core.mbo_instellingen", INSTELLINGEN)
    db.replace_table(c, "core.mbo_gediplomeerden", pd.DataFrame(DIPLOMAS))
    db.replace_table(c, "core.mbo_de4_groups", marts.de4_group_frame(cfg))
    db.replace_table(c, "core.mbo_reconciliation_definitions", marts.reconciliation_definition_frame(cfg))
    yield c
    c.close()


def _one(c: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    rows = c.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_technical_intake_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    db.run_sql(con, "mart_mbo_technical_intake")
    # national, all: entrants 30+70+2+20+20+10+10+90 = 252, technical 30+2+20+10+10 = 72
    n, t, pct, lo, hi = _one(
        con,
        """SELECT n_entrants, n_technical, pct_technical, pct_technical_lo, pct_technical_hi
           FROM marts.mbo_technical_intake WHERE scope_type = 'national' AND prior_vo = 'all'
             AND niveau = 'all' AND leerweg = 'all'""",
    )
    assert (n, t) == (252, 72) and pct == pytest.approx(100 * 72 / 252)
    # bounds: the '<5' technical cell 1..4 → technical 71..74 of 251..254
    assert lo == pytest.approx(100 * 71 / (71 + 180)) and hi == pytest.approx(100 * 74 / (74 + 180))
    # the instelling scope carries its regions; B is not in the address file → provincie ONBEKEND
    prov, rmc = _one(
        con,
        """SELECT instelling_provincie, instelling_rmc FROM marts.mbo_technical_intake
           WHERE scope_type = 'instelling' AND scope_code = 'A' AND prior_vo = 'all' AND niveau = 'all'
             AND leerweg = 'all'""",
    )
    assert (prov, rmc) == ("Zuid-Holland", "Rijnmond")
    by_prov = dict(
        con.execute(
            """SELECT scope_code, n_entrants FROM marts.mbo_technical_intake WHERE scope_type = 'provincie'
               AND prior_vo = 'all' AND niveau = 'all' AND leerweg = 'all'"""
        ).fetchall()
    )
    assert by_prov == {"Zuid-Holland": 230, "ONBEKEND": 22}
    # havo entrants at niveau 4: 10 of 100
    assert _one(
        con,
        """SELECT pct_technical FROM marts.mbo_technical_intake WHERE scope_type = 'national'
           AND prior_vo = 'havo' AND niveau = '4' AND leerweg = 'BOL'""",
    ) == (pytest.approx(10.0),)


def test_de4_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    db.run_sql(con, "mart_mbo_de4")
    got = {
        (lw, nv): (n, t, round(p, 4))
        for lw, nv, n, t, p in con.execute(
            "SELECT vmbo_leerweg, niveau, n_entrants, n_technical, pct_technical FROM marts.mbo_de4"
        ).fetchall()
    }
    # BB: niveau 2 30 of 100; niveau 3 the '<5' cell (point value 2) of 2; all 32 of 102
    assert got[("BB", "2")] == (100, 30, 30.0)
    assert got[("BB", "3")] == (2, 2, 100.0)
    assert got[("BB", "all")] == (102, 32, round(100 * 32 / 102, 4))
    # KB: 20 of 40; TL: 10 of 10; GL: no entrants → no row; havo is not vmbo
    assert got[("KB", "all")] == (40, 20, 50.0)
    assert got[("TL", "all")] == (10, 10, 100.0)
    assert not any(lw == "GL" for lw, _ in got)
    # all vmbo: 152 entrants, 62 technical
    assert got[("all_vmbo", "all")] == (152, 62, round(100 * 62 / 152, 4))
    assert con.execute("SELECT bool_and(is_proxy) FROM marts.mbo_de4").fetchone()[0] is True


def test_technical_diplomas_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    db.run_sql(con, "mart_mbo_technical_diplomas")
    got = {
        (g, nv): (n, t, p, f)
        for g, nv, n, t, p, f in con.execute(
            """SELECT geslacht, niveau, n_diplomas, n_technical, pct_technical, pct_female_of_technical
               FROM marts.mbo_technical_diplomas"""
        ).fetchall()
    }
    n, t, p, f = got[("all", "all")]
    assert (n, t) == (202, 52) and p == pytest.approx(100 * 52 / 202) and f == pytest.approx(100 * 12 / 52)
    n, t, p, f = got[("vrouw", "2")]
    assert (n, t, p) == (100, 10, pytest.approx(10.0)) and f == pytest.approx(100 * 10 / 50)
    assert got[("man", "all")][:2] == (100, 40)


def test_checks_pass_on_fixture_and_fail_when_national_is_not_the_sum(con: duckdb.DuckDBPyConnection) -> None:
    cfg = default_config()
    db.run_sql(con, "mart_mbo_technical_intake")
    db.run_sql(con, "mart_mbo_de4")
    db.run_sql(con, "mart_mbo_technical_diplomas")
    for check in CHECKS:
        if check.asset in ("mart_mbo_technical_intake", "mart_mbo_de4", "mart_mbo_technical_diplomas"):
            assert evaluate(check, con, cfg).passed, check.name
    con.execute(
        """UPDATE marts.mbo_technical_intake SET n_entrants = n_entrants + 1
           WHERE scope_type = 'national' AND prior_vo = 'all' AND niveau = 'all' AND leerweg = 'all'"""
    )
    national = next(c for c in CHECKS if c.name == "mart_mbo_technical_intake_national_is_sum")
    assert not evaluate(national, con, cfg).passed
    con.execute("UPDATE marts.mbo_de4 SET n_technical = n_entrants + 1 WHERE vmbo_leerweg = 'BB' AND niveau = '2'")
    de4 = next(c for c in CHECKS if c.name == "mart_mbo_de4_valid")
    assert not evaluate(de4, con, cfg).passed


def _reconcile(con: duckdb.DuckDBPyConnection, tmp_path: Path, rows: list[dict[str, str]], comparable: bool) -> None:
    db.replace_table(con, "raw.published_mbo_figures", marts.read_published_mbo(published_csv(tmp_path, rows)))
    db.run_sql(con, "mart_mbo_reconciliation_variants", {"tol_pct": 0.5, "tol_count_rel": 0.02})
    db.run_sql(
        con,
        "mart_reconciliation_techniekpact_mbo",
        {"comparable": comparable, "not_comparable_reason": "synthetic sample", "tol_pct": 0.5, "tol_count_rel": 0.02},
    )


def test_reconciliation_year_not_loaded_and_compared(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = [
        figure("tp-n-2022", 2022, "n_technical", "37991"),  # 2022 is not loaded
        figure("tp-n-2023", 2023, "n_technical", "72"),  # ours 72 (n_instroom_mbo, BOL+BBL, 1-4)
        figure("tp-pct-2023", 2023, "pct_technical", "40"),  # ours 28.6; closest: BOL only, niveau 2-4
        figure("tp-women-2023", 2023, "pct_female_choosing", "8"),
    ]
    _reconcile(con, tmp_path, rows, comparable=True)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            """SELECT figure_id, status, ours, ok, closest_definition, closest_value, note
               FROM marts.reconciliation_techniekpact_mbo"""
        ).fetchall()
    }
    assert set(got) == {"tp-n-2022", "tp-n-2023", "tp-pct-2023", "tp-women-2023"}
    status, ours, ok, *_, note = got["tp-n-2022"]
    assert (status, ours, ok) == ("year not loaded", None, None) and "2022-2023 not loaded" in note
    assert con.execute(
        "SELECT tolerance FROM marts.reconciliation_techniekpact_mbo WHERE figure_id = 'tp-n-2022'"
    ).fetchone()[0] == pytest.approx(0.02 * 37991)  # the contract: a tolerance on every row
    status, ours, ok, closest, _, _ = got["tp-n-2023"]
    assert (status, ours, ok) == ("ok", 72.0, True)
    assert closest == "n_instroom_mbo, BOL + BBL, niveau 1-4 (entree included)"
    status, ours, ok, closest, closest_value, note = got["tp-pct-2023"]
    assert status == "differs" and ours == pytest.approx(100 * 72 / 252) and ok is False
    # n_instroom_mbo: BOL+BBL 2-4 62/242, BOL 1-4 70/250 = 28%, BOL 2-4 60/240 = 25%; n_instroom_opleiding
    # BOL+BBL 1-4 74/254; n_totaal_mbo BOL+BBL 1-4 (the kb row counts 25): 77 of 257 = 30.0% — the closest to 40
    assert closest == "n_totaal_mbo, BOL + BBL, niveau 1-4 (entree included)"
    assert closest_value == pytest.approx(100 * 77 / 257)
    assert "closest definition" in note
    status, ours, *_, note = got["tp-women-2023"]
    assert status == "not computable" and ours is None and "no sex column" in note
    n_defs = len(marts.reconciliation_definition_frame(default_config().monitoring))
    assert con.execute("SELECT count(*) FROM marts.mbo_reconciliation_variants").fetchone()[0] == 3 * n_defs


def test_reconciliation_on_the_sample_is_not_compared(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _reconcile(con, tmp_path, [figure("tp-n-2023", 2023, "n_technical", "72")], comparable=False)
    status, note = con.execute("SELECT status, note FROM marts.reconciliation_techniekpact_mbo").fetchone()
    assert status == "not comparable" and "synthetic sample" in note


def test_published_mbo_file_of_the_project_reads() -> None:
    df = marts.read_published_mbo(ROOT / "data_raw" / "published" / "techniekpact_mbo.csv")
    by_id = df.set_index("figure_id")
    assert by_id.loc["tp-mbo-n-2022", "value"] == 37991 and by_id.loc["tp-mbo-n-2023", "value"] == 38443
    assert set(df["figure_kind"]) == {"statement"}


def test_published_mbo_bad_cell_is_located(tmp_path: Path) -> None:
    bad = figure("tp-x", 2023, "n_technical", "38.443,0")
    with pytest.raises(InputError) as exc:
        marts.read_published_mbo(published_csv(tmp_path, [bad]))
    msg = str(exc.value)
    assert "techniekpact_mbo.csv" in msg and "'value'" in msg and "38.443,0" in msg and "row(s) [2]" in msg


def test_sample_end_to_end(sample_out: Path) -> None:
    """The bundled sample builds the mbo marts, their reconciliation rows, the programme rows that use them and
    the catalogue entries (the sample is synthetic: the published figures are 'not comparable')."""
    c = duckdb.connect(str(sample_out / "sto.duckdb"), read_only=True)
    try:
        years = [r[0] for r in c.execute("SELECT DISTINCT jaar FROM core.mbo_instroom ORDER BY 1").fetchall()]
        assert years, "the sample has mbo entrant files"
        intake = c.execute(
            """SELECT count(*), bool_and(n_technical <= n_entrants), bool_and(pct_technical BETWEEN 0 AND 100)
               FROM marts.mbo_technical_intake"""
        ).fetchone()
        assert intake[0] > 0 and intake[1] and intake[2]
        # national = sum over instellingen, recomputed here from core.mbo_instroom
        ours = c.execute(
            """SELECT jaar, n_entrants, n_technical FROM marts.mbo_technical_intake WHERE scope_type = 'national'
               AND prior_vo = 'all' AND niveau = 'all' AND leerweg = 'all' ORDER BY jaar"""
        ).fetchall()
        core = c.execute(
            """SELECT jaar, sum(n_instroom_mbo), sum(n_instroom_mbo) FILTER (WHERE technical)
               FROM core.mbo_instroom GROUP BY jaar ORDER BY jaar"""
        ).fetchall()
        assert ours == core
        de4 = {r[0] for r in c.execute("SELECT DISTINCT vmbo_leerweg FROM marts.mbo_de4").fetchall()}
        assert de4 == {g["leerweg"] for g in default_config().monitoring["mbo"]["de4"]}
        assert c.execute("SELECT count(*) FROM marts.mbo_technical_diplomas WHERE geslacht = 'vrouw'").fetchone()[0] > 0
        status = dict(
            c.execute("SELECT figure_id, status FROM marts.reconciliation WHERE source = 'techniekpact_mbo'").fetchall()
        )
        published = c.execute("SELECT count(*) FROM raw.published_mbo_figures").fetchone()[0]
        assert len(status) == published
        loaded = set(years)
        for fid, jaar, measure in c.execute(
            "SELECT figure_id, jaar, measure FROM raw.published_mbo_figures"
        ).fetchall():
            if jaar not in loaded:
                assert status[fid] == "year not loaded", fid
            elif measure == "pct_female_choosing":
                assert status[fid] == "not computable", fid
            else:
                assert status[fid] == "not comparable", fid  # synthetic sample against real figures
        catalog = dict(
            (i, (a, m, e))
            for i, a, m, e in c.execute(
                "SELECT indicator_id, availability, mart, mart_exists FROM marts.indicator_catalog"
            ).fetchall()
        )
        assert catalog["sto_transition_mbo_techniek"] == ("computed", "marts.mbo_de4", True)
        assert catalog["tp_mbo_entrants_techniek"] == ("computed", "marts.mbo_technical_intake", True)
        mbo_readings = c.execute(
            """SELECT count(*), bool_and(is_proxy), bool_and(proxy_note LIKE 'PROXY%') FROM marts.programme_targets
               WHERE target_id = 'techtown_girls_techniek' AND reading LIKE 'mbo_%'"""
        ).fetchone()
        assert mbo_readings[0] > 0 and mbo_readings[1] and mbo_readings[2]
        rotterdam = c.execute(
            """SELECT count(*), count(our_value), bool_and(computable), bool_and(explanation LIKE '%PROXY (net flow)%')
               FROM marts.programme_statements WHERE statement_id = 'rotterdam_vmbo_to_nontechnical_mbo'"""
        ).fetchone()
        assert rotterdam[0] > 0 and rotterdam[1] > 0 and rotterdam[2] and rotterdam[3]
    finally:
        c.close()
