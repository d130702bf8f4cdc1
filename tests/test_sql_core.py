"""SQL models on tiny fixtures in an in-memory DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import db


@pytest.fixture()
def con():
    c = db.connect(":memory:")
    db.replace_table(
        c,
        "core.onderwijstype",
        pd.DataFrame(
            [
                {"label": "VMBO BL lj 3-4", "code": "VMBO-BB", "level": "vmbo", "leerweg": "BB"},
                {"label": "HAVO lj 4-5", "code": "HAVO", "level": "havo", "leerweg": None},
            ]
        ),
    )
    db.replace_table(c, "core.vmbo_profile_label", pd.DataFrame([{"label": "Groen", "profile_code": "GR"}]))
    db.replace_table(c, "core.n_profile_label", pd.DataFrame({"label": ["Natuur en Techniek", "Natuur en Gezondheid"]}))
    counts = {f"lj{lj}_{s}": "0" for lj in range(1, 7) for s in ("m", "v")}
    raw = pd.DataFrame(
        [
            {**counts, "lj3_m": "12", "lj3_v": "<5", "onderwijstype_label": "VMBO BL lj 3-4", "afdeling": "Groen"},
            {
                **counts,
                "lj4_v": "7",
                "onderwijstype_label": "HAVO lj 4-5",
                "afdeling": "Natuur en Techniek / Economie en Maatschappij",
            },
            {**counts, "lj4_m": "5", "onderwijstype_label": "HAVO lj 4-5", "afdeling": "Cultuur en Maatschappij"},
        ]
    )
    raw = raw.assign(
        peiljaar=2022,
        vestiging_code="99AA00",
        brin="99AA",
        instellingsnaam="S",
        plaatsnaam="P",
        provincie="Zuid-Holland",
        samenwerkingsverband=None,
        vmbo_sector="N.v.t.",
        opleidingscode="1",
        opleidingsnaam="x",
        header_generation="pre-2023",
        lwoo=None,
        masking="lt5",
        source_file="f.csv",
        source_row=range(2, 5),
    )
    db.replace_table(c, "raw.duo_vo_students", raw)
    yield c
    c.close()


def test_core_students_unpivot_censoring_and_profiles(con):
    db.run_sql(
        con, "core_duo_vo_students", {"peiljaar": 2022, "point_value": 2, "censored_lower": 1, "censored_upper": 4}
    )
    df = con.execute("SELECT * FROM core.duo_vo_students ORDER BY source_row, sex").df()
    assert len(df) == 4  # zero cells dropped
    bb = df[df.onderwijstype == "VMBO-BB"].set_index("sex")
    assert bb.loc["M", "n"] == 12 and not bb.loc["M", "n_censored"]
    assert bb.loc["V", "n"] == 2 and bb.loc["V", "n_censored"]
    assert (bb.loc["V", "n_lower"], bb.loc["V", "n_upper"]) == (1, 4)
    assert set(bb["profile_code"]) == {"GR"} and set(bb["leerweg"]) == {"BB"} and set(bb["leerjaar"]) == {3}
    havo = df[df.onderwijstype == "HAVO"].set_index("source_row")
    assert bool(havo.loc[3, "n_profile"]) is True and bool(havo.loc[4, "n_profile"]) is False
    assert havo["profile_code"].isna().all()


def test_core_students_rerun_replaces_partition(con):
    params = {"peiljaar": 2022, "point_value": 2, "censored_lower": 1, "censored_upper": 4}
    db.run_sql(con, "core_duo_vo_students", params)
    db.run_sql(con, "core_duo_vo_students", params)
    assert con.execute("SELECT count(*) FROM core.duo_vo_students").fetchone()[0] == 4


PARAMS = {"peiljaar": 2022, "point_value": 2, "censored_lower": 1, "censored_upper": 4}


def test_ckan_four_is_censored_only_in_four_means_1_to_4_files(con):
    """A '4' is censored (bounds 1-4, point value) in a CKAN-form file, an exact 4 in any other file."""
    raw = con.execute("SELECT * FROM raw.duo_vo_students").df()
    raw["lj3_m"] = "4"
    raw["lj3_v"] = "0"
    for masking, censored, n in (("four_means_1_to_4", True, 2), ("none", False, 4)):
        db.replace_table(con, "raw.duo_vo_students", raw.assign(masking=masking))
        db.run_sql(con, "core_duo_vo_students", PARAMS)
        got = con.execute(
            "SELECT n, n_censored, n_lower, n_upper, masking FROM core.duo_vo_students WHERE leerjaar = 3"
        ).fetchall()
        expected = (n, censored, 1 if censored else 4, 4, masking)
        assert got == [expected] * 3, masking


def test_lwoo_rows_stay_apart_and_sum(con):
    """Files up to ~2016: the same key once per LWOO indicator; core keeps lwoo, totals sum over it."""
    raw = con.execute("SELECT * FROM raw.duo_vo_students WHERE source_row = 2").df()
    both = pd.concat([raw.assign(lwoo="J", lj3_m="5", source_row=2), raw.assign(lwoo="N", lj3_m="7", source_row=3)])
    db.replace_table(con, "raw.duo_vo_students", both.assign(lj3_v="0", masking="none"))
    db.run_sql(con, "core_duo_vo_students", PARAMS)
    rows = con.execute("SELECT lwoo, n, source_row FROM core.duo_vo_students ORDER BY lwoo").fetchall()
    assert rows == [("J", 5, 2), ("N", 7, 3)]


def test_geocode_chain_order(con):
    db.replace_table(
        con,
        "raw.geonames_pc6",
        pd.DataFrame(
            [
                {"pc6": "2611AB", "lat": 52.0, "lon": 4.3},
                {"pc6": "2611AB", "lat": 52.2, "lon": 4.5},
                {"pc6": "2611AC", "lat": 52.01, "lon": 4.31},
            ]
        ),
    )
    db.replace_table(con, "raw.geonames_pc4", pd.DataFrame([{"pc4": "2611", "lat": 52.05, "lon": 4.35}]))
    inp = pd.DataFrame(
        [
            # override beats everything; point beats pc6; pc6 (averaged duplicates); pc4 fallback; nothing.
            {
                "entity_key": "A",
                "pc6": "2611AB",
                "pc4": "2611",
                "override_lat": 51.9,
                "override_lon": 4.0,
                "override_precision_m": 5.0,
                "override_note": "survey",
                "point_lat": 52.5,
                "point_lon": 4.9,
            },
            {"entity_key": "B", "pc6": "2611AB", "pc4": "2611", "point_lat": 52.5, "point_lon": 4.9},
            {"entity_key": "C", "pc6": "2611AB", "pc4": "2611"},
            {"entity_key": "D", "pc6": "2611ZZ", "pc4": "2611"},
            {"entity_key": "E", "pc6": "9999ZZ", "pc4": "9999"},
        ]
    )
    for col in ["override_lat", "override_lon", "override_precision_m", "point_lat", "point_lon"]:
        inp[col] = inp[col].astype("float64")
    con.register("_i", inp)
    con.execute("CREATE TEMP TABLE geocode_input AS SELECT * FROM _i")
    db.run_sql(con, "geocode_chain", {"prec_address_point": 25, "prec_pc6": 305, "prec_pc4": 1334})
    out = con.execute("SELECT * FROM geocode_output ORDER BY entity_key").df().set_index("entity_key")
    assert out["geocode_method"].to_dict() == {
        "A": "override",
        "B": "address_point",
        "C": "pc6_centroid",
        "D": "pc4_centroid",
        "E": "none",
    }
    assert out.loc["C", "lat"] == pytest.approx(52.1) and out.loc["A", "precision_m"] == 5.0
    assert pd.isna(out.loc["E", "lat"])


def test_content_hash_is_order_independent(con):
    a = pd.DataFrame({"x": [1, 2, 3]})
    db.replace_table(con, "core.t1", a)
    db.replace_table(con, "core.t2", a.iloc[::-1].reset_index(drop=True))
    db.replace_table(con, "core.t3", pd.DataFrame({"x": [1, 2, 4]}))
    assert db.content_hash(con, "core.t1") == db.content_hash(con, "core.t2") != db.content_hash(con, "core.t3")
    # duplicated rows count: {1, 1, 2, 2} differs from {} and {1, 2}
    db.replace_table(con, "core.t4", pd.DataFrame({"x": [1, 1, 2, 2]}))
    db.replace_table(con, "core.t5", pd.DataFrame({"x": [1, 2]}))
    db.replace_table(con, "core.t6", pd.DataFrame({"x": pd.Series([], dtype="int64")}))
    hashes = {db.content_hash(con, f"core.t{i}") for i in (4, 5, 6)}
    assert len(hashes) == 3
    # the stored-identity variant is order independent too
    assert db.content_md5(con, "core.t1") == db.content_md5(con, "core.t2") != db.content_md5(con, "core.t3")


def test_ident_rejects_injection():
    with pytest.raises(ValueError):
        db.ident("core.x; DROP TABLE y")
    assert db.ident("core.x") == '"core"."x"'
