"""Inventory ingestion: a column mapping turns any .csv/.xlsx layout into the canonical schema, and bad
inventories fail with every offending file/row/column listed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from assets.seor import inventory as seor

FIX = Path(__file__).resolve().parent / "fixtures" / "seor"
BUNDLED = Path(__file__).resolve().parent.parent / "data_raw" / "seor2023"

# The fixture inventory with Dutch column names, ';' between values and report-style labels.
RENAMED = {
    "id": "Nr",
    "name": "Naam activiteit",
    "category": "Categorie",
    "doelgroep": "Doelgroep",
    "place": "Plaats",
    "lat": "Breedtegraad",
    "lon": "Lengtegraad",
    "national_online": "Landelijk of online",
    "school_types": "Schoolsoort",
    "praktijkgerichtheid": "Praktijkgerichtheid",
}
CATEGORY_LABELS = {
    "promotie": "Promotie & beeldvorming",
    "werkgeversperspectief": "Werkgevers",
    "werknemersperspectief (zij-instroom)": "Zij-instroom",
}


@pytest.fixture(scope="module")
def cfg() -> dict:
    return seor.load_seor_config()


def _read(mapping_path: Path, cfg: dict, inventory: Path | None = None) -> pd.DataFrame:
    return seor.read_inventory(seor.load_mapping(mapping_path, inventory), cfg)


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["source_file"]).reset_index(drop=True)


def test_identity_mapping_reads_canonical_schema(cfg):
    df = _read(FIX / "mapping.yaml", cfg)
    assert list(df.columns) == ["seq", "source_row", *cfg["canonical"], "source_file"]
    assert len(df) == 15 and df["seq"].tolist() == list(range(1, 16))
    row = df.set_index("id").loc["5"]
    assert row["school_types"] == "havo|vmbo" and row["lat"] == pytest.approx(52.006)
    assert df.set_index("id").loc["11", "national_online"]
    assert df["provenance"].value_counts().to_dict() == {"inventory": 13, "seor_addition": 2}


def test_other_layout_maps_by_config_only(cfg, tmp_path):
    src = pd.read_csv(FIX / "inventory.csv", dtype=str, keep_default_na=False)
    src = src.rename(columns=RENAMED)
    src["Categorie"] = src["Categorie"].map(CATEGORY_LABELS)
    src["Schoolsoort"] = src["Schoolsoort"].str.replace("|", "; ", regex=False).str.upper()
    src["Landelijk of online"] = src["Landelijk of online"].map({"true": "ja", "false": "nee"})
    src["Breedtegraad"] = src["Breedtegraad"].str.replace(".", ",", regex=False)  # Dutch decimal comma
    src.to_csv(tmp_path / "regio.csv", sep=";", index=False)
    mapping = yaml.safe_load((FIX / "mapping.yaml").read_text(encoding="utf-8"))
    mapping["inventory"]["file"] = "regio.csv"
    mapping["columns"].update(RENAMED)
    mapping["separators"] = {"school_types": ";"}
    mapping["values"] = {"category": {v: k for k, v in CATEGORY_LABELS.items()}}
    mapping["participating_schools"]["file"] = str(FIX / "participating_schools.csv")
    (tmp_path / "mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    ours = _read(tmp_path / "mapping.yaml", cfg)
    expected = _read(FIX / "mapping.yaml", cfg)
    pd.testing.assert_frame_equal(_comparable(ours), _comparable(expected))


def test_same_inventory_as_xlsx(cfg, tmp_path):
    src = pd.read_csv(FIX / "inventory.csv", dtype=str, keep_default_na=False)
    xlsx = tmp_path / "inventory.xlsx"
    src.to_excel(xlsx, index=False, sheet_name="Inventarisatie")
    ours = _read(FIX / "mapping.yaml", cfg, inventory=xlsx)
    expected = _read(FIX / "mapping.yaml", cfg)
    pd.testing.assert_frame_equal(_comparable(ours), _comparable(expected))


def test_unknown_category_and_bad_location_list_every_offending_row(cfg, tmp_path):
    src = pd.read_csv(FIX / "inventory.csv", dtype=str, keep_default_na=False)
    src.loc[1, "category"] = "onbekend"  # file row 3
    src.loc[4, "lat"] = "52.00.6"  # file row 6
    src.loc[6, "postcode"] = "Delft"  # file row 8
    src.loc[7, "school_types"] = "vmbo|mbo"  # file row 9
    bad = tmp_path / "bad.csv"
    src.to_csv(bad, index=False)
    with pytest.raises(seor.InventoryError) as err:
        _read(FIX / "mapping.yaml", cfg, inventory=bad)
    msg = str(err.value)
    assert "4 problem(s)" in msg
    assert f"{bad}: row 3, column 'category': expected one of" in msg and "found 'onbekend'" in msg
    assert "row 6, column 'lat': expected a decimal lat between 50.7 and 53.6 (WGS84), found '52.00.6'" in msg
    assert "row 8, column 'postcode': expected a Dutch postcode" in msg and "found 'Delft'" in msg
    assert "row 9, column 'school_types'" in msg and "found 'mbo'" in msg
    probs = err.value.problems
    assert set(probs.columns) == {"file", "row", "column", "source_column", "expected", "found"}
    assert sorted(probs["row"].tolist()) == [3, 6, 8, 9]


def test_missing_source_column_is_reported(cfg, tmp_path):
    src = pd.read_csv(FIX / "inventory.csv", dtype=str, keep_default_na=False).drop(columns=["category"])
    bad = tmp_path / "nocat.csv"
    src.to_csv(bad, index=False)
    with pytest.raises(seor.InventoryError, match=r"row 1, column 'category': expected a column named 'category'"):
        _read(FIX / "mapping.yaml", cfg, inventory=bad)


def test_override_without_reason_and_duplicate_ids(cfg, tmp_path):
    src = pd.read_csv(FIX / "inventory.csv", dtype=str, keep_default_na=False)
    src.loc[11, "reach_override_reason"] = ""
    src.loc[14, "id"] = "1"
    bad = tmp_path / "bad.csv"
    src.to_csv(bad, index=False)
    with pytest.raises(seor.InventoryError) as err:
        _read(FIX / "mapping.yaml", cfg, inventory=bad)
    msg = str(err.value)
    assert "row 13, column 'reach_override_reason': expected a documented reason" in msg
    assert "row 2, column 'id': expected a unique value, found '1'" in msg
    assert "row 16, column 'id': expected a unique value, found '1'" in msg


def test_env_selects_inventory_and_mapping(cfg, monkeypatch, tmp_path):
    monkeypatch.delenv(seor.ENV_INVENTORY, raising=False)
    monkeypatch.delenv(seor.ENV_MAPPING, raising=False)
    inv, mapping = seor.inventory_paths(cfg)
    assert inv is None and mapping == (BUNDLED / "mapping.yaml").resolve()
    monkeypatch.setenv(seor.ENV_INVENTORY, str(tmp_path / "x.xlsx"))
    monkeypatch.setenv(seor.ENV_MAPPING, str(FIX / "mapping.yaml"))
    inv, mapping = seor.inventory_paths(cfg)
    assert inv == tmp_path / "x.xlsx" and mapping == FIX / "mapping.yaml"
    assert seor.load_mapping(mapping, inv).inventory_file == tmp_path / "x.xlsx"
