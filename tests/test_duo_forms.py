"""Every published form of the DUO pupils file (issue 9) and the three masking conventions (issue 10 item 5).

Fast, parser-level: hand-made files plus forms derived at run time from the real 2019 file (skipped when
../shared/data is absent). Full-pipeline runs of the derived forms are in test_duo_forms_real.py (slow).
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from assets.duo_pupils.parser import COUNT_COLUMNS, detect_masking, parse_pupils
from pipeline.config import default_config
from pipeline.csvread import InputError, read_text_csv
from pipeline.fetch import Fetcher, peiljaar_from_name
from tests import duo_forms
from tests.conftest import PUPILS_2019, need_shared
from tests.test_duo import OLD, _write

ROW = ["00AA", "00", "School", "DELFT", "Zuid-Holland", "VMBO BL lj 3-4", "Techniek", "Bouwen, wonen en interieur"]


def _row(code: str, counts: list[str], name: str = "School") -> list[str]:
    r = list(ROW)
    r[2] = name
    return [*r, code, "opl", *counts]


def _counts(lj3_m: str = "0", lj3_v: str = "0") -> list[str]:
    c = ["0"] * 12
    c[4], c[5] = lj3_m, lj3_v
    return c


# ---------------------------------------------------------------------------------------- line numbers


def test_quoted_line_break_keeps_physical_line_numbers(tmp_path):
    """A school name with a line break inside quotes: later rows keep the line number an editor shows."""
    header = ";".join(OLD + COUNT_COLUMNS)
    r1 = ";".join(_row("1", _counts("3"), name='"Lyceum\nDe Bron"'))
    r2 = ";".join(_row("2", _counts("5")))
    r3 = ";".join(_row("3", _counts("x")))  # bad count on editor line 5
    p = tmp_path / "p.csv"
    p.write_bytes(("\n".join([header, r1, r2, r3]) + "\n").encode("cp1252"))
    with pytest.raises(InputError) as exc:
        parse_pupils(p, 2019, masking_allowed=["none"])
    assert "row 5 column 'LEER- OF VERBLIJFSJAAR 3 - MAN': found 'x'" in str(exc.value)
    p.write_bytes(("\n".join([header, r1, r2]) + "\n").encode("cp1252"))
    df, _ = parse_pupils(p, 2019)
    assert df["source_row"].tolist() == [2, 4]
    assert df["instellingsnaam"].iloc[0] == "Lyceum\nDe Bron"


def test_field_count_error_names_physical_line(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('A;B\n"x\ny\nz";1\n3;4\n5\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"row 6: expected 2 fields"):
        read_text_csv(p)


# ---------------------------------------------------------------------------------------- LWOO layout


def test_lwoo_column_kept_as_dimension(tmp_path):
    header = OLD[:6] + ["LWOO INDICATIE"] + OLD[6:]
    rows = [
        [*r[:6], lwoo, *r[6:]] for r, lwoo in ((_row("1", _counts("3", "4")), "J"), (_row("1", _counts("5", "0")), "N"))
    ]
    p = _write(tmp_path / "old.csv", header, rows)
    df, info = parse_pupils(p, 2014)
    assert df["lwoo"].tolist() == ["J", "N"]
    assert info["header_generation"] == "pre-2017-lwoo" and info["lwoo"].startswith("kept")
    # same key twice, told apart by lwoo only
    key = ["vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode"]
    assert df.duplicated(key).sum() == 1 and not df.duplicated([*key, "lwoo"]).any()


def test_lwoo_bad_value_is_located(tmp_path):
    header = OLD[:6] + ["LWOO INDICATIE"] + OLD[6:]
    r = _row("1", _counts("3"))
    p = _write(tmp_path / "old.csv", header, [[*r[:6], "Ja", *r[6:]]])
    with pytest.raises(InputError) as exc:
        parse_pupils(p, 2014)
    assert all(f in str(exc.value) for f in ("old.csv", "LWOO INDICATIE", "'J' or 'N'", "row 2", "'Ja'"))


def test_without_lwoo_column_lwoo_is_null(tmp_path):
    df, info = parse_pupils(_write(tmp_path / "p.csv", OLD, [_row("1", _counts("3"))]), 2019)
    assert df["lwoo"].isna().all() and info["lwoo"] == "absent"


# ---------------------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["12", "<5", "0"], "lt5"),
        (["12", "4", "0", "4"], "four_means_1_to_4"),
        (["12", "4", "3", "0"], "none"),
        (["12", "7", "0"], "none"),
    ],
)
def test_detect_masking(cells, expected):
    assert detect_masking(pd.DataFrame({"a": cells})) == expected


def test_masking_recorded_and_declaration_enforced(tmp_path):
    p = _write(
        tmp_path / "c.csv", OLD, [_row("1", _counts("4", "4")), _row("2", _counts("12", "0"))], sep=",", quote=True
    )
    df, info = parse_pupils(p, 2019)
    assert info["masking"] == "four_means_1_to_4" and set(df["masking"]) == {"four_means_1_to_4"}
    with pytest.raises(InputError, match=r"declared in data_raw/sources.yaml \['none', 'lt5'\], found 'four_means"):
        parse_pupils(p, 2019, masking_allowed=["none", "lt5"])


def test_lt5_mixed_with_exact_small_counts_is_refused(tmp_path):
    p = _write(tmp_path / "m.csv", OLD, [_row("1", _counts("<5", "2"))])
    with pytest.raises(InputError) as exc:
        parse_pupils(p, 2023)
    assert "row 2 column 'LEER- OF VERBLIJFSJAAR 3 - VROUW': found '2'" in str(exc.value)


def test_sources_declare_masking_conventions():
    declared = default_config().source("duo_vo_students")["masking"]["conventions"]
    assert set(declared) == {"none", "lt5", "four_means_1_to_4"}


# ---------------------------------------------------------------------------------------- xlsx and wrong files


def test_xlsx_read_through_the_same_rules(tmp_path):
    rows = [_row("1", _counts("3", "4")), _row("2", _counts("5", "0"))]
    csv_path = _write(tmp_path / "p.csv", OLD, rows)
    frame = pd.DataFrame(rows, columns=OLD + COUNT_COLUMNS)
    xlsx_path = tmp_path / "p.xlsx"
    frame.to_excel(xlsx_path, index=False)
    a, _ = parse_pupils(csv_path, 2019)
    b, info = parse_pupils(xlsx_path, 2019)
    assert info["encoding"] == "xlsx"
    pd.testing.assert_frame_equal(a.drop(columns="source_file"), b.drop(columns="source_file"), check_dtype=False)
    # a bad cell in the workbook is located by its spreadsheet row and column
    frame.iloc[1, frame.columns.get_loc("LEER- OF VERBLIJFSJAAR 1 - MAN")] = "veel"
    frame.to_excel(xlsx_path, index=False)
    with pytest.raises(InputError, match=r"row 3 column 'LEER- OF VERBLIJFSJAAR 1 - MAN': found 'veel'"):
        parse_pupils(xlsx_path, 2019)


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"A": [1]}).to_excel(buf, index=False)
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("leerlingen.csv", "A;B\n1;2\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("p.csv", _xlsx_bytes(), "found an Excel .xlsx workbook"),
        ("p.csv", _zip_bytes(), "found a zip archive"),
        ("p.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "found a PDF document"),
        ("p.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "found an old Excel .xls"),
        ("p.csv", "A;B\n1;2\n".encode("utf-16"), "found UTF-16"),
        ("p.csv", b"<!DOCTYPE html><html><body>404</body></html>", "found an HTML/XML page"),
        ("p.csv", b"", "file is empty"),
        ("p.xlsx", b"A;B\n1;2\n", "expected an .xlsx workbook (a zip archive), found a text (CSV?) file"),
        ("p.xlsx", b"<html><body>404</body></html>", "expected an .xlsx workbook (a zip archive), found an HTML"),
        ("p.xlsx", _zip_bytes(), "expected an .xlsx workbook, found a file that cannot be opened as one"),
    ],
)
def test_wrong_file_under_a_known_name_is_named_for_what_it_is(tmp_path, name, content, fragment):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        parse_pupils(p, 2019)
    assert fragment in str(exc.value) and str(p) in str(exc.value)


# ---------------------------------------------------------------------------------------- file names


def test_historical_names_and_school_year_suffix(tmp_path):
    f = Fetcher(default_config().sources, mirrors=[tmp_path], offline=True)
    for name, year, source in [
        ("01-leerlingen-vo-per-vestiging-naar-onderwijstype-2014-2015.csv", 2014, "duo_vo_students"),
        ("01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2016-2017.xlsx", 2016, "duo_vo_students"),
        ("01-leerlingen-vo-per-vestiging-naar-onderwijstype-2018.csv", 2018, "duo_vo_students"),
        ("02-alle-vestigingen-vo.csv", None, "duo_vo_locations"),
    ]:
        (tmp_path / name).write_text("x")
        assert f.locate(source, year).path == str(tmp_path / name), name
        assert peiljaar_from_name(name) == year
    assert peiljaar_from_name("examenkandidaten-en-geslaagden-2014-2019.csv") is None


# ---------------------------------------------------------------------------------------- real 2019 derived


@pytest.fixture(scope="module")
def current() -> pd.DataFrame:
    need_shared()
    return duo_forms.read_current(PUPILS_2019)


def _national(df: pd.DataFrame) -> pd.Series:
    """National totals per level × techniekpact flag × count column (the figures an indicator sums)."""
    cfg = default_config()
    level = {o["label"]: o["level"] for o in cfg.onderwijstypes["onderwijstypes"]}
    tech = {lab: p["techniekpact_techniek"] for p in cfg.profiles["profiles"] for lab in p["labels"]}
    key = pd.DataFrame(
        {
            "level": df["onderwijstype_label"].map(level),
            "techniek": df["afdeling"].map(tech).fillna(False).astype(bool),
        }
    )
    counts = df[[c for c in df.columns if c.startswith("lj")]].apply(pd.to_numeric, errors="coerce")
    return pd.concat([key, counts], axis=1).groupby(["level", "techniek"]).sum().stack()


def test_2014_form_parses_with_equal_national_totals(current, tmp_path):
    """Acceptance (parser level): the 2014-style file (LWOO split, old labels, school-year name) keeps totals."""
    path = duo_forms.write_duo_csv(
        duo_forms.to_2014_form(current), tmp_path / "01-leerlingen-vo-per-vestiging-naar-onderwijstype-2014-2015.csv"
    )
    old, info = parse_pupils(path, 2014)
    new, _ = parse_pupils(PUPILS_2019, 2019)
    assert info["header_generation"] == "pre-2017-lwoo" and info["masking"] == "none"
    assert set(old["lwoo"]) == {"J", "N"} and len(old) > len(new)
    assert "VMBO-MBO2 lj 3-6" in set(old["onderwijstype_label"]) and "Bouwtechniek" in set(old["afdeling"])
    key = ["vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode", "lwoo"]
    assert not old.duplicated(key).any()
    known = {lab for p in default_config().profiles["profiles"] for lab in p["labels"]}
    assert set(old.loc[old["afdeling"] != "N.v.t.", "afdeling"]) - known <= set(new["afdeling"]) - known
    a, b = _national(old), _national(new)
    assert int(a.sum()) == int(b.sum()) == 956_857
    pd.testing.assert_series_equal(a, b, check_names=False)


def test_ckan_form_detected_from_real_file(current, tmp_path):
    path = duo_forms.write_ckan_csv(
        duo_forms.to_ckan_form(current), tmp_path / "leerlingen-vo-per-vestiging-naar-onderwijstype-2019.csv"
    )
    df, info = parse_pupils(path, 2019)
    assert info == {
        "encoding": "utf-8",
        "delimiter": ",",
        "header_generation": "pre-2023",
        "lwoo": "absent",
        "masking": "four_means_1_to_4",
    }
    counts = df[[c for c in df.columns if c.startswith("lj")]]
    assert int(counts.astype("int64").to_numpy().sum()) == 1_011_560  # what taking '4' as exact would give
    assert int((counts == "4").to_numpy().sum()) > 0


def test_ckan_form_equals_lt5_form_in_core(current, tmp_path):
    """CKAN '4' cells are treated exactly like '<5' cells: same core rows, n, bounds and censored flags."""
    from pipeline import db

    lt5 = current.copy()
    counts = lt5[COUNT_COLUMNS].astype("int64")
    lt5[COUNT_COLUMNS] = counts.astype(str).mask((counts >= 1) & (counts <= 4), "<5")
    frames = {}
    for form, frame, writer in (
        ("ckan", duo_forms.to_ckan_form(current), duo_forms.write_ckan_csv),
        ("lt5", lt5, duo_forms.write_duo_csv),
    ):
        raw, info = parse_pupils(writer(frame, tmp_path / f"{form}.csv"), 2019)
        con = db.connect(":memory:")
        cfg = default_config()
        db.replace_table(con, "core.onderwijstype", pd.DataFrame(cfg.onderwijstypes["onderwijstypes"]))
        labels = pd.DataFrame(cfg.profiles["profiles"])[["labels", "code"]].explode("labels")
        db.replace_table(con, "core.vmbo_profile_label", labels.set_axis(["label", "profile_code"], axis=1))
        db.replace_table(con, "core.n_profile_label", pd.DataFrame({"label": cfg.profiles["n_profile_labels"]}))
        db.replace_table(con, "raw.duo_vo_students", raw)
        c = cfg.pipeline["censored"]
        params = {"peiljaar": 2019, "point_value": c["point_value"], "censored_lower": c["lower"]}
        db.run_sql(con, "core_duo_vo_students", {**params, "censored_upper": c["upper"]})
        frames[form] = con.execute(
            "SELECT source_row, leerjaar, sex, n, n_censored, n_lower, n_upper, profile_code "
            "FROM core.duo_vo_students ORDER BY ALL"
        ).df()
        con.close()
    assert frames["ckan"]["n_censored"].sum() > 0
    pd.testing.assert_frame_equal(frames["ckan"], frames["lt5"])
