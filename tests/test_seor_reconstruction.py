"""The bundled SEOR 2023 reconstruction (data_raw/seor2023) reproduces the published report.

Two ways: the pipeline's own SEOR assets run on the committed files (tools/seor_reconstruction/verify.py, the
same check the generator runs before it writes), and, as an independent cross-check of the data, the funnel
rules written out again here in plain vectorised pandas: steps 1-6 need only the spec (../shared/spec), step 7
and every per-campus table also need the campus coordinates (../shared/data/geo/campuses_geocoded.csv). Parts
whose inputs are absent are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tools.geo import earth_radius_km

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data_raw" / "seor2023"
SPEC_FILE = ROOT.parent / "shared" / "spec" / "seor2023_tables.json"
CAMPUS_FILE = ROOT.parent / "shared" / "data" / "geo" / "campuses_geocoded.csv"
EARTH_RADIUS_KM = earth_radius_km()  # pipeline.yaml geocoding.earth_radius_km
MULTI = ["school_types", "target_groups", "activities", "branches"]
CHARS = ["geography", "school_types", "target_groups", "activities", "praktijkgerichtheid", "branches"]
PRAKTIJK = ["geen", "deels", "veel"]
TABLES = {  # dimension -> (table 3.x, table 4.x)
    "geography": ("tabel_3_1", "Tabel 4.1"),
    "school_types": ("tabel_3_2", "Tabel 4.2"),
    "target_groups": ("tabel_3_3", "Tabel 4.3"),
    "activities": ("tabel_3_4", "Tabel 4.4"),
    "praktijkgerichtheid": ("tabel_3_5", "Tabel 4.5"),
    "branches": ("tabel_3_6", "Tabel 4.6"),
}
COLUMNS = (
    "id name programme category doelgroep region organisation address postcode place lat lon "
    "national_online participating_schools geography school_types target_groups activities "
    "praktijkgerichtheid branches url roc_location reach_override_campuses reach_override_reason "
    "provenance reconstructed notes"
).split()
# Locations that cannot keep 1 km from every 5/10/15 km boundary (README, "Margin exceptions"):
# table 4.1 needs one Jet-Net cluster within 10 km of DOC but not of IE&M (0.73 km apart) and one
# Overig initiative within 10 km of BT only.
MARGIN_EXCEPTIONS = {"Jet-Net cluster Mc Dermott", "On Stage - Westland"}


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inventory() -> pd.DataFrame:
    return pd.read_csv(DATA / "inventory.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    return pd.read_csv(DATA / "participating_schools.csv", dtype={"code": str, "name": str})


@pytest.fixture(scope="module")
def labels() -> dict:
    return yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec() -> dict:
    if not SPEC_FILE.exists():
        pytest.skip("../shared/spec is not available")
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def campuses(spec: dict) -> pd.DataFrame:
    """code, lat, lon of the eight campuses (joined on postcode)."""
    if not CAMPUS_FILE.exists():
        pytest.skip("../shared/data/geo/campuses_geocoded.csv is not available")
    coords = pd.read_csv(CAMPUS_FILE, dtype={"postcode_given": str})
    wanted = pd.DataFrame(spec["campuses"]).assign(pc=lambda d: d["postcode"].str.replace(" ", ""))
    out = wanted.merge(coords, left_on="pc", right_on="postcode_given", how="left")
    assert out["lat"].notna().all()
    return out[["code", "lat", "lon"]]


@pytest.fixture(scope="module")
def stages(inventory: pd.DataFrame, spec: dict) -> dict[str, pd.DataFrame]:
    return funnel_steps_1_to_6(inventory, spec)


@pytest.fixture(scope="module")
def selected(stages: dict, schools: pd.DataFrame, campuses: pd.DataFrame) -> pd.DataFrame:
    return reach(stages["s6"], schools, campuses, radius_km=10)


# ---------------------------------------------------------------------------------------------
# the funnel rules, vectorised
# ---------------------------------------------------------------------------------------------


def normalise(s: pd.Series) -> pd.Series:
    return s.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)


def canonical_sets(s: pd.Series) -> pd.Series:
    """Pipe-separated codes -> the same codes sorted, de-duplicated, re-joined."""
    parts = s.str.split("|").explode().str.strip()
    parts = parts[parts != ""].rename("v").rename_axis("row").reset_index().drop_duplicates()
    joined = parts.sort_values(["row", "v"]).groupby("row")["v"].agg("|".join)
    return joined.reindex(s.index, fill_value="")


def funnel_steps_1_to_6(inv: pd.DataFrame, spec: dict) -> dict[str, pd.DataFrame]:
    s1 = inv[inv["provenance"] == "inventory"]
    s2 = s1[s1["category"] == "promotie"]
    s3 = s2[s2["doelgroep"].isin(spec["po_vo_doelgroepen"])]
    key = pd.DataFrame({"name": normalise(s3["name"])} | {d: canonical_sets(s3[d]) for d in CHARS})
    s4 = s3.loc[~key.loc[s3.sort_values("id").index].duplicated(keep="first")].sort_values("id")
    s5 = pd.concat([s4, inv[inv["provenance"] == "seor_addition"]])
    bijlage = [e["initiatief"] for e in spec["bijlage_70_initiatieven"]]
    in_group = s5["roc_location"] != ""
    group = s5[in_group].assign(_named=lambda d: d["name"].isin(bijlage))
    survivors = (
        group.sort_values(["roc_location", "_named", "id"], ascending=[True, False, True])
        .drop_duplicates("roc_location")
        .set_index("roc_location")
    )
    for dim in MULTI:
        survivors[dim] = canonical_sets(group.groupby("roc_location")[dim].agg("|".join).reindex(survivors.index))
    rank = group["praktijkgerichtheid"].map({v: k for k, v in enumerate(PRAKTIJK)})
    survivors["praktijkgerichtheid"] = rank.groupby(group["roc_location"]).max().map(dict(enumerate(PRAKTIJK)))
    s6 = pd.concat([s5[~in_group], survivors.reset_index()[s5.columns]], ignore_index=True)
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5, "s6": s6}


def haversine(lat: pd.Series, lon: pd.Series, clat: float, clon: float) -> pd.Series:
    p1, p2 = np.radians(lat), np.radians(clat)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(clon - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def reach(s6: pd.DataFrame, schools: pd.DataFrame, campuses: pd.DataFrame, radius_km: float) -> pd.DataFrame:
    """Step 7: rows that reach at least one campus, with a boolean column per campus code."""
    lat = pd.to_numeric(s6["lat"], errors="coerce")
    lon = pd.to_numeric(s6["lon"], errors="coerce")
    links = (
        s6[["id"]]
        .assign(code=s6["participating_schools"].str.split("|"))
        .explode("code")
        .merge(schools, on="code", how="inner")
    )
    overrides = s6["reach_override_campuses"].str.split("|").explode()
    national = s6["national_online"] == "true"
    out = s6.copy()
    for c in campuses.itertuples():
        own = haversine(lat, lon, c.lat, c.lon) <= radius_km
        school = s6["id"].isin(links.loc[haversine(links["lat"], links["lon"], c.lat, c.lon) <= radius_km, "id"])
        override = s6.index.isin(overrides[overrides == c.code].index)
        out[c.code] = national | own | school | override
    return out[out[list(campuses["code"])].any(axis=1)].reset_index(drop=True)


def counts_per_campus(sel: pd.DataFrame, dim: str, campus_codes: list[str]) -> pd.DataFrame:
    """code x (campus..., total) counts of one dimension over the selected initiatives."""
    codes = sel[dim].str.split("|").explode().rename("code")
    frame = sel[campus_codes].astype(int).join(codes).assign(total=1)
    return frame.groupby("code")[[*campus_codes, "total"]].sum()


def norm_label(label: str) -> str:
    return re.sub(r"\s+", "", label.lower().replace("voortgezet onderwijs – ", "vo "))


def published(spec: dict, labels: dict, dim: str) -> tuple[dict[str, dict], dict[str, int]]:
    """Table 4.x rows (per campus) and table 3.x totals keyed by inventory code."""
    t3, t4 = spec[TABLES[dim][0]], spec["tabellen_4"][TABLES[dim][1]]
    by_norm = {norm_label(k): v for k, v in t4.items()}
    rows, totals = {}, {}
    for code, label in labels[dim].items():
        rows[code] = by_norm[norm_label(label)]
        totals[code] = t3[label]
    return rows, totals


# ---------------------------------------------------------------------------------------------
# files and vocabularies (no spec needed)
# ---------------------------------------------------------------------------------------------


def test_schema_and_ids(inventory: pd.DataFrame) -> None:
    assert list(inventory.columns) == COLUMNS
    assert inventory["id"].is_unique
    inv = inventory["provenance"] == "inventory"
    assert inventory.loc[inv, "id"].str.fullmatch(r"DG-\d{3}").all()
    assert inventory.loc[~inv, "id"].str.fullmatch(r"SEOR-A\d{2}").all()
    assert (inventory["reconstructed"] == "true").all()
    assert inventory["national_online"].isin(["true", "false"]).all()
    assert inventory["notes"].ne("").all()
    assert inventory["postcode"].str.fullmatch(r"(\d{4} [A-Z]{2})?").all()


def test_codes_come_from_labels_yaml(inventory: pd.DataFrame, labels: dict) -> None:
    for dim in ["geography", "praktijkgerichtheid"]:
        assert inventory[dim].isin(list(labels[dim])).all(), dim
    for dim in MULTI:
        used = set(inventory[dim].str.split("|").explode()) - {""}
        assert used <= set(labels[dim]), (dim, used - set(labels[dim]))
    national = inventory["national_online"] == "true"
    assert (national == (inventory["geography"] == "Landelijk/online")).all()


def test_locations(inventory: pd.DataFrame, schools: pd.DataFrame) -> None:
    national = inventory["national_online"] == "true"
    located = inventory[inventory["lat"] != ""]
    assert (located["lon"] != "").all()
    assert located["lat"].astype(float).between(51.6, 52.4).all()
    assert located["lon"].astype(float).between(3.9, 5.1).all()
    assert (inventory.loc[~national, "lat"] != "").all()
    used = set(inventory["participating_schools"].str.split("|").explode()) - {""}
    assert used <= set(schools["code"]) and set(schools["code"]) <= used
    assert schools["code"].str.fullmatch(r"S-\d{3}").all()


def test_xlsx_is_the_same_data(inventory: pd.DataFrame) -> None:
    xlsx = pd.read_excel(DATA / "inventory.xlsx", sheet_name="inventaris", dtype=str).fillna("")
    pd.testing.assert_frame_equal(xlsx, inventory)


# ---------------------------------------------------------------------------------------------
# funnel steps 1-6 (spec needed)
# ---------------------------------------------------------------------------------------------


def test_categories_doelgroepen_additions(inventory: pd.DataFrame, spec: dict) -> None:
    assert set(inventory["category"]) <= set(spec["inventory_categories"])
    adds = inventory[inventory["provenance"] == "seor_addition"]
    urls = [u for u in spec["additions_urls"] if "jinc.nl" not in u]
    assert set(adds["url"]) == set(urls) | {u for u in spec["additions_urls"] if "jinc.nl" in u}
    assert set(spec["jinc_split"]) <= set(adds["name"])
    selected_po_vo = inventory[inventory["notes"] == "named in SEOR 2023 bijlage"]
    assert selected_po_vo["doelgroep"].isin(spec["po_vo_doelgroepen"]).all()


def test_funnel_steps_1_to_6(stages: dict, spec: dict) -> None:
    want = [n for _, n in spec["tabel_2_1_funnel"]][:6]
    got = [len(stages[k]) for k in ["s1", "s2", "s3", "s4", "s5", "s6"]]
    assert got == want


def test_near_duplicates_survive_step_4(stages: dict) -> None:
    names = normalise(stages["s4"]["name"])
    assert names.duplicated().sum() >= 2  # same name, different characteristics


def test_roc_survivor_is_bijlage_name_not_first_id(stages: dict, spec: dict) -> None:
    bijlage = {e["initiatief"] for e in spec["bijlage_70_initiatieven"]}
    groups = stages["s5"][stages["s5"]["roc_location"] != ""]
    first = groups.sort_values("id").drop_duplicates("roc_location")
    assert (~first["name"].isin(bijlage) & first["roc_location"].isin(bijlage)).any()


def test_roc_survivor_is_also_the_unique_shortest_name(stages: dict) -> None:
    """The survivor rules 'bijlage name, else first id' and 'shortest name' pick the same row."""
    s5, s6 = stages["s5"], stages["s6"]
    groups = s5[s5["roc_location"] != ""].assign(length=lambda d: d["name"].str.len())
    shortest = groups.sort_values("length").groupby("roc_location")["length"].apply(list)
    assert shortest.map(lambda lengths: len(lengths) == 1 or lengths[0] < lengths[1]).all()
    by_length = groups.sort_values("length").drop_duplicates("roc_location").set_index("roc_location")["id"]
    survivors = s6[s6["roc_location"] != ""].set_index("roc_location")["id"]
    pd.testing.assert_series_equal(survivors.sort_index(), by_length.sort_index(), check_names=False)


def test_removed_rows_say_why(inventory: pd.DataFrame, stages: dict) -> None:
    notes = inventory.set_index("id")["notes"]
    s1, s2, s3, s4, s5, s6 = (stages[k] for k in ["s1", "s2", "s3", "s4", "s5", "s6"])
    assert notes[list(set(s1["id"]) - set(s2["id"]))].str.contains("removed at step 2").all()
    assert notes[list(set(s2["id"]) - set(s3["id"]))].str.contains("removed at step 3").all()
    assert notes[list(set(s3["id"]) - set(s4["id"]))].str.contains("removed at step 4").all()
    assert notes[list(set(s5["id"]) - set(s6["id"]))].str.contains("removed at step 6").all()


# ---------------------------------------------------------------------------------------------
# step 7 and the tables (spec and campus coordinates needed)
# ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_step_7_and_the_70_names(selected: pd.DataFrame, inventory: pd.DataFrame, spec: dict) -> None:
    assert len(selected) == spec["tabel_2_1_funnel"][-1][1]
    want = {(e["initiatief"], e["onderdeel_van"]) for e in spec["bijlage_70_initiatieven"]}
    assert set(zip(selected["name"], selected["programme"], strict=True)) == want
    chosen = inventory[inventory["notes"] == "named in SEOR 2023 bijlage"]
    assert set(chosen["id"]) == set(selected["id"])
    dropped = inventory[inventory["notes"].str.contains("removed at step 7")]
    assert set(spec["excluded_places_examples"]) <= set(dropped["place"])


@pytest.mark.realdata
def test_table_2_2(selected: pd.DataFrame, spec: dict) -> None:
    assert selected[list(spec["tabel_2_2_per_campus"])].sum().to_dict() == spec["tabel_2_2_per_campus"]


@pytest.mark.realdata
@pytest.mark.parametrize("dim", list(TABLES))
def test_tables_3_and_4(selected: pd.DataFrame, spec: dict, labels: dict, campuses: pd.DataFrame, dim: str) -> None:
    codes = list(campuses["code"])
    got = counts_per_campus(selected, dim, codes)
    rows, totals = published(spec, labels, dim)
    for code, row in rows.items():
        assert got.loc[code, codes].to_dict() == {c: row[c] for c in codes}, (dim, code)
        assert got.loc[code, "total"] == totals[code], (dim, code)
        if (dim, code) != ("praktijkgerichtheid", "deels"):
            assert row["total"] == totals[code], (dim, code)
    if dim == "geography":
        lokaal = selected[selected["geography"] != "Landelijk/online"]
        assert len(lokaal) == spec["tabel_3_1"]["Lokaal"]
        assert lokaal[codes].sum().to_dict() == {c: spec["tabellen_4"]["Tabel 4.1"]["Lokaal"][c] for c in codes}
    totaal = spec["tabellen_4"][TABLES[dim][1]]["Totaal"]
    assert selected[codes].sum().to_dict() == {c: totaal[c] for c in codes}


@pytest.mark.realdata
def test_table_4_5_total_column_is_the_known_inconsistency(selected: pd.DataFrame, spec: dict) -> None:
    """Table 4.5's total column says Deels 36 (sum 69); we reproduce table 3.5 (37, sum 70)."""
    deels = int((selected["praktijkgerichtheid"] == "deels").sum())
    assert deels == spec["tabel_3_5"]["Deels"] == 37
    assert spec["tabellen_4"]["Tabel 4.5"]["Deels"]["total"] == 36


@pytest.mark.realdata
def test_reach_special_cases(selected: pd.DataFrame, campuses: pd.DataFrame, spec: dict) -> None:
    codes = list(campuses["code"])
    lat, lon = pd.to_numeric(selected["lat"]), pd.to_numeric(selected["lon"])
    own = pd.concat({c.code: haversine(lat, lon, c.lat, c.lon) <= 10 for c in campuses.itertuples()}, axis=1)
    local = selected["national_online"] == "false"
    school_only = local & ~own.any(axis=1) & (selected["participating_schools"] != "")
    assert school_only.sum() >= 2
    rangers = selected["reach_override_campuses"] != ""
    assert selected.loc[rangers, "name"].str.contains("Port Rangers").all() and rangers.sum() == 1
    assert not own[rangers].any(axis=None)
    assert selected.loc[rangers, codes].iloc[0].to_dict() == {c: c in {"GT", "ETL", "IT"} for c in codes}
    assert (selected.loc[rangers, "reach_override_reason"] == spec["port_rangers_note"]).all()
    d = pd.concat({c.code: haversine(lat, lon, c.lat, c.lon) for c in campuses.itertuples()}, axis=1)
    assert d[rangers][["ETL", "IT"]].iloc[0].between(12, 14).all()


@pytest.mark.realdata
def test_locations_keep_1_km_from_every_boundary(
    inventory: pd.DataFrame, schools: pd.DataFrame, campuses: pd.DataFrame
) -> None:
    located = inventory[inventory["lat"] != ""]
    points = pd.concat(
        [
            located[["name", "lat", "lon"]].astype({"lat": float, "lon": float}),
            schools[["name", "lat", "lon"]],
        ],
        ignore_index=True,
    )
    margin = pd.concat(
        {
            (c.code, b): (haversine(points["lat"], points["lon"], c.lat, c.lon) - b).abs()
            for c in campuses.itertuples()
            for b in (5, 10, 15)
        },
        axis=1,
    ).min(axis=1)
    assert set(points.loc[margin < 1.0, "name"]) <= MARGIN_EXCEPTIONS
    assert margin.min() > 0.3


# ---------------------------------------------------------------------------------------------
# the pipeline's own SEOR assets on the committed files
# ---------------------------------------------------------------------------------------------


def _pipeline_errors(files: Path, spec: dict) -> tuple[list[int], list[str]]:
    from tools.seor_reconstruction.geometry import Geometry
    from tools.seor_reconstruction.spec import load_campuses, load_targets
    from tools.seor_reconstruction.verify import run_pipeline, verify

    targets = load_targets(spec)
    geo = Geometry(load_campuses(spec, CAMPUS_FILE), float(spec["radius_km"]))
    counts, sel, campuses, failures = run_pipeline(files, CAMPUS_FILE)
    return counts, failures + verify(counts, sel, spec, targets, geo, campuses)


def test_pipeline_reproduces_every_published_figure(spec: dict, campuses: pd.DataFrame) -> None:
    """assets/seor/sql/seor_*.sql through the SEOR assets, with pipeline/config as it is, on the committed files."""
    counts, errors = _pipeline_errors(DATA, spec)
    assert counts == [n for _, n in spec["tabel_2_1_funnel"]]
    assert errors == []


@pytest.mark.full
def test_pipeline_verification_can_fail(spec: dict, campuses: pd.DataFrame, tmp_path: Path) -> None:
    """One selected row moved out of the promotie category: the verification names the changed figures (its later
    exact duplicate then survives step 4, so the 70 names can stay the same)."""
    inv = pd.read_csv(DATA / "inventory.csv", dtype=str, keep_default_na=False)
    row = inv.index[(inv["provenance"] == "inventory") & (inv["notes"] == "named in SEOR 2023 bijlage")][0]
    inv.loc[row, "category"] = spec["inventory_categories"][-1]
    inv.to_csv(tmp_path / "inventory.csv", index=False, lineterminator="\n", encoding="utf-8")
    (tmp_path / "participating_schools.csv").write_bytes((DATA / "participating_schools.csv").read_bytes())
    counts, errors = _pipeline_errors(tmp_path, spec)
    assert counts[1] == spec["tabel_2_1_funnel"][1][1] - 1
    assert any(e.startswith("funnel ") for e in errors), errors
    assert any(e.startswith("pipeline: ") and "mart_reconciliation_seor" in e for e in errors), errors
