"""Acceptance: the SEOR marts built on the bundled reconstruction reproduce every published number of
tables 2.1, 2.2, 3.1-3.6 and 4.1-4.6, the report's table 3.5/4.5 inconsistency is an explicit
reconciliation row, and the gaps SEOR named follow from the configured rules."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from assets.seor import inventory as seor
from tests.conftest import SPEC, query, run_sto

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data_raw" / "seor2023"
PUBLISHED = ROOT / "data_raw" / "published" / "seor2023_tables.csv"
FUNNEL = [236, 125, 116, 103, 119, 109, 70]
TABLE_2_2 = {"IT&S": 30, "GT": 20, "DIF": 19, "IE&M": 30, "DOC": 31, "ETL": 42, "IT": 42, "BT": 34}
SEOR_GAPS = {
    ("TOTAL", "school_types", "primair onderwijs"),
    ("TOTAL", "target_groups", "ouders"),
    ("TOTAL", "target_groups", "meisjes"),
    ("TOTAL", "target_groups", "migratieachtergrond"),
    ("TOTAL", "praktijkgerichtheid", "veel"),
    ("GT", "geography", "lokaal"),
    ("DIF", "geography", "lokaal"),
}
RUNS = ["sample_out", pytest.param("real_out", marks=pytest.mark.realdata)]


@pytest.fixture(params=RUNS)
def out(request: pytest.FixtureRequest) -> Path:
    """The published database of a whole-pipeline run (synthetic sample, and real data when present)."""
    return request.getfixturevalue(request.param) / "sto.duckdb"


def test_funnel_and_table_2_2(out):
    assert [n for (n,) in query(out, "SELECT n_remaining FROM marts.selection_funnel ORDER BY step_no")] == FUNNEL
    got = dict(query(out, "SELECT campus_code, n_initiatives FROM marts.campus_initiatives"))
    assert got == {**TABLE_2_2, "TOTAL": 70}
    sens = query(out, "SELECT DISTINCT radius_km FROM marts.campus_initiatives_sensitivity ORDER BY 1")
    assert sens == [(5.0,), (10.0,), (15.0,)]
    ten = dict(
        query(out, "SELECT campus_code, n_initiatives FROM marts.campus_initiatives_sensitivity WHERE radius_km = 10")
    )
    assert ten == got


def test_every_published_number_is_reproduced(out):
    rec = pd.DataFrame(
        query(
            out,
            "SELECT indicator, ours, published, ok, known_source_inconsistency, note FROM marts.reconciliation_seor",
        ),
        columns=["indicator", "ours", "published", "ok", "known", "note"],
    )
    assert len(rec) == len(pd.read_csv(PUBLISHED)) == 429
    assert rec["ours"].notna().all()
    wrong = rec[~rec["ok"].astype(bool)]
    assert wrong["indicator"].tolist() == ["tabel_4_5/Deels/TOTAL"]
    row = wrong.iloc[0]
    assert (row["ours"], row["published"], bool(row["known"])) == (37.0, 36.0, True)
    assert "known source inconsistency" in row["note"] and "reproduces tabel_3_5 = 37" in row["note"]
    t35 = rec.set_index("indicator").loc["tabel_3_5/Deels"]
    assert t35["ours"] == 37 and t35["ok"]


def test_every_published_number_via_the_marts(out):
    """Independent of the reconciliation mart: each published figure looked up in the marts directly."""
    pub = pd.read_csv(PUBLISHED, dtype={"category": str, "campus_code": str})
    chars = {
        (d, c, k): n
        for d, c, k, n in query(out, "SELECT dimension, category, campus_code, n FROM marts.initiative_characteristics")
    }
    funnel = dict(query(out, "SELECT step_no::VARCHAR, n_remaining FROM marts.selection_funnel"))
    campus = dict(query(out, "SELECT campus_code, n_initiatives FROM marts.campus_initiatives"))
    pub["ours"] = [
        funnel[c] if d == "funnel" else campus[k] if d == "reach" else chars[(d, c, k)]
        for d, c, k in zip(pub["dimension"], pub["category"], pub["campus_code"], strict=True)
    ]
    off = pub[pub["ours"] != pub["value"]]
    assert off["indicator"].tolist() == ["tabel_4_5/Deels/TOTAL"], off[["indicator", "ours", "value"]]


def test_gaps_named_by_seor_follow_from_the_rules(out):
    gaps = set(query(out, "SELECT campus_code, dimension, category FROM marts.campus_gaps WHERE is_gap"))
    assert gaps == SEOR_GAPS


def test_every_selected_initiative_has_a_reach_reason(out):
    rows = query(
        out,
        """SELECT s.initiative_id, count(*) FILTER (WHERE r.reached AND r.reason IS NOT NULL)
           FROM core.seor_step7_reach s JOIN marts.initiative_campus_reach r USING (initiative_id)
           WHERE s.decision = 'kept' GROUP BY 1""",
    )
    assert len(rows) == 70 and min(n for _, n in rows) >= 1
    methods = dict(query(out, "SELECT method, count(*) FROM marts.initiative_campus_reach WHERE reached GROUP BY 1"))
    assert set(methods) == {"own_location", "participating_school", "national_online", "override"}
    port = dict(
        query(
            out,
            "SELECT campus_code, method FROM marts.initiative_campus_reach WHERE name LIKE '%Port Rangers%' AND reached",
        )
    )
    assert set(port) == {"GT", "ETL", "IT"} and port["ETL"] == port["IT"] == "override"  # footnote 17


def test_bundled_xlsx_maps_like_the_csv(tmp_path):
    cfg = seor.load_seor_config()
    mapping = seor.load_mapping(BUNDLED / "mapping.yaml")
    csv = seor.read_inventory(mapping, cfg)
    xlsx = seor.read_inventory(seor.load_mapping(BUNDLED / "mapping.yaml", BUNDLED / "inventory.xlsx"), cfg)
    pd.testing.assert_frame_equal(
        csv.drop(columns="source_file").reset_index(drop=True), xlsx.drop(columns="source_file").reset_index(drop=True)
    )
    assert len(csv) == 252


def test_published_file_is_generated_from_the_spec(tmp_path):
    spec_file = SPEC / "seor2023_tables.json"
    if not spec_file.exists():
        pytest.skip("../shared/spec is not available")
    mod_spec = importlib.util.spec_from_file_location(
        "build_seor_published", ROOT / "scripts" / "build_seor_published.py"
    )
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    out = tmp_path / "pub.csv"
    assert mod.main(["--spec", str(spec_file), "--out", str(out)]) == 0
    assert out.read_bytes() == PUBLISHED.read_bytes()
    assert json.loads(spec_file.read_text(encoding="utf-8"))["tabel_3_5"]["Deels"] == 37


def test_bad_inventory_stops_the_run_with_every_offending_row(tmp_path, monkeypatch, capsys):
    src = pd.read_csv(BUNDLED / "inventory.csv", dtype=str, keep_default_na=False)
    src.loc[3, "category"] = "voorlichting"
    src.loc[10, "lat"] = "51,9x"
    bad = tmp_path / "inventory.csv"
    src.to_csv(bad, index=False)
    monkeypatch.setenv("STO_INVENTORY", str(bad))
    assert run_sto(tmp_path / "out", "--select", "raw_seor_inventory") == 1
    err = capsys.readouterr().err
    assert f"{bad}: row 5, column 'category': expected one of" in err and "found 'voorlichting'" in err
    assert "row 12, column 'lat': expected a decimal lat" in err and "found '51,9x'" in err
