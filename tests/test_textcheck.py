"""Clean text (issue 15 item 6): the marks of a wrong decoding, found on tiny byte strings, and never found in
the legitimate names of the real files (Dutch and Frisian letters, apostrophes)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from assets.locations import geo
from pipeline import textcheck
from pipeline.csvread import InputError, read_text_csv, read_xlsx
from tests.conftest import DUO, GEO, need_shared

UTF8_LINES = "NAAM;PLAATS\nA;Mariëndael\nB;Sint-Michielsgestel\n"


def _csv(tmp_path: Path, raw: bytes, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(raw)
    return p


def _refused(p: Path) -> str:
    with pytest.raises(InputError) as exc:
        read_text_csv(p)
    assert str(p) in str(exc.value)
    return str(exc.value)


# ---------------------------------------------------------------------------------------------- bytes


def test_clean_utf8_and_cp1252_files_are_read_as_before(tmp_path: Path):
    df, info = read_text_csv(_csv(tmp_path, UTF8_LINES.encode()))
    assert info == {"encoding": "utf-8", "delimiter": ";"} and df["PLAATS"].tolist() == [
        "Mariëndael",
        "Sint-Michielsgestel",
    ]
    df, info = read_text_csv(_csv(tmp_path, UTF8_LINES.encode("cp1252")))
    assert info == {"encoding": "cp1252", "delimiter": ";"} and df["PLAATS"].iloc[0] == "Mariëndael"
    df, info = read_text_csv(_csv(tmp_path, b"\xef\xbb\xbf" + UTF8_LINES.encode()))
    assert info["encoding"] == "utf-8" and list(df.columns) == ["source_row", "NAAM", "PLAATS"]


def test_one_cp1252_line_in_a_utf8_file_is_read_in_its_own_encoding_and_reported(tmp_path: Path, capsys):
    raw = UTF8_LINES.encode() + "C;Niekée\n".encode("cp1252") + "D;Bahûrim\n".encode()
    df, info = read_text_csv(_csv(tmp_path, raw))
    assert df["PLAATS"].tolist() == ["Mariëndael", "Sint-Michielsgestel", "Niekée", "Bahûrim"]
    assert info["encoding"].startswith("mixed: UTF-8 with 1 Windows-1252 line")
    rep = info["text_repairs"]
    assert "row 4 column 'PLAATS': 'Niekée'" in rep and "read as Windows-1252 in a UTF-8 file" in rep
    assert rep in capsys.readouterr().err  # printed, never silent


def test_a_utf8_line_in_a_cp1252_file_is_read_as_utf8_when_its_cp1252_reading_is_mojibake(tmp_path: Path):
    raw = (UTF8_LINES + "C;Bahûrim\n").encode("cp1252") + "D;Niekée\n".encode()  # 'NiekÃ©e' as cp1252
    df, info = read_text_csv(_csv(tmp_path, raw))
    assert df["PLAATS"].tolist() == ["Mariëndael", "Sint-Michielsgestel", "Bahûrim", "Niekée"]
    rep = info["text_repairs"]
    assert "row 5 column 'PLAATS': 'Niekée'" in rep and "read as UTF-8 in a Windows-1252 file" in rep


def test_ambiguous_mixed_file_is_refused(tmp_path: Path):
    # line 3 is valid UTF-8 ('Čakovec') and its Windows-1252 reading 'ÄŒakovec' shows no mojibake either:
    # two clean readings, so no per-line reading is exact
    raw = "A;B\n1;Café\n".encode("cp1252") + "2;Čakovec\n".encode()
    msg = _refused(_csv(tmp_path, raw))
    assert "not repairable exactly" in msg and "row 3" in msg


def test_a_line_holding_both_encodings_is_refused(tmp_path: Path):
    line = "Mariëndael;".encode() + "Niekée\n".encode("cp1252")
    msg = _refused(_csv(tmp_path, UTF8_LINES.encode() + line))
    assert "UTF-8 text beside Windows-1252 bytes" in msg and "row 4 column 'PLAATS': 'Niekée'" in msg
    # without any UTF-8 line the file is Windows-1252, and the pasted UTF-8 text shows as mojibake
    msg = _refused(_csv(tmp_path, b"NAAM;PLAATS\n" + line))
    assert "row 2 column 'NAAM': found 'MariÃ«ndael'" in msg and "probably 'Mariëndael'" in msg


def test_a_cp1252_file_whose_bytes_happen_to_hold_utf8_sequences_is_cp1252(tmp_path: Path):
    # 'CAFÉ' + no-break space is C9 A0, a valid UTF-8 sequence; no line of the file is UTF-8 throughout
    raw = "NAAM;PLAATS\nCAFÉ\u00a0X;Niekée\n".encode("cp1252")
    df, info = read_text_csv(_csv(tmp_path, raw))
    assert info["encoding"] == "cp1252" and df["PLAATS"].tolist() == ["Niekée"]


def test_bytes_valid_in_neither_encoding_are_located(tmp_path: Path):
    msg = _refused(_csv(tmp_path, b"NAAM;PLAATS\nA;B\nC;D\x81E\n"))
    assert "valid in neither" in msg and "row 3 column 'PLAATS'" in msg


def test_bom_in_front_of_cp1252_text_is_named(tmp_path: Path):
    raw = b"\xef\xbb\xbf" + "BRIN NUMMER;PLAATS\n00AA;Leeuwarden\n00AB;Fryslân\n".encode("cp1252")
    msg = _refused(_csv(tmp_path, raw))
    assert "UTF-8 byte-order mark in front of Windows-1252 text" in msg
    assert "row 3 column 'PLAATS': 'Fryslân'" in msg and "ï»¿" not in msg


def test_line_numbers_follow_the_editor_with_crlf_and_lone_cr(tmp_path: Path):
    raw = b"NAAM;PLAATS\r\nA;x\rB;y\r\n" + "C;Mariëndael\r\n".encode() + "D;Niekée\r\n".encode("cp1252")
    _, info = read_text_csv(_csv(tmp_path, raw))
    assert "row 5 column 'PLAATS': 'Niekée'" in info["text_repairs"]


# ---------------------------------------------------------------------------------------------- text marks


@pytest.mark.parametrize(
    "value, reason, probable",
    [
        ("MariÃ«ndael", "mojibake", "Mariëndael"),
        ("MariÃƒÂ«ndael", "double-encoded", "Mariëndael"),
        ("â€™s-Hertogenbosch", "mojibake", "’s-Hertogenbosch"),
        ("KÃ¶ln", "mojibake", "Köln"),
        ("Mari\ufffdndael", "U+FFFD", None),
        ("Niek\x82e", "C1 control character", None),
        ("\ufeffBRIN NUMMER", "byte-order mark U+FEFF inside the text", "BRIN NUMMER"),
        ("ï»¿BRIN NUMMER", "UTF-8 byte-order mark read as Windows-1252 text", "BRIN NUMMER"),
    ],
)
def test_damaged_values_are_classified_with_their_probable_reading(value, reason, probable):
    bad = textcheck.damaged_values(pd.Series(["Assen", value, value]))
    assert len(bad) == 1 and reason in bad["reason"].iloc[0]
    if probable is not None:
        assert bad["probable"].iloc[0] == probable


LEGITIMATE = [
    "Mariëndael",
    "Niekée",
    "Bahûrim",
    "’s-Hertogenbosch",
    "'S GRAVENHAGE",
    "'s-Gravenhage",
    "Súdwest-Fryslân",
    "Noardeast-Fryslân",
    "Ŷsbrechtum",
    "Wâldsein",
    "2e Exloërmond",
    "Sint Odiliënberg",
    "Mienskipsskoalle  De Legeaën",
    "Dalton Kindcentrum ’t Kompas",
    "ibs 't Pompeblêd",
    "Café „De Brücke”",
    "Œuvre – Ørsted",
    "Ç",
]


def test_legitimate_dutch_and_frisian_names_are_not_flagged():
    assert textcheck.damaged_values(pd.Series(LEGITIMATE)).empty


def test_mojibake_in_a_csv_is_refused_with_row_column_value_and_probable(tmp_path: Path):
    raw = ("NAAM;PLAATS\nA;Assen\n" + '"SGM\nMariÃ«ndael";Oss\n' + "C;KÃ¶ln\n").encode()
    msg = _refused(_csv(tmp_path, raw))
    assert "row 3 column 'NAAM': found 'SGM\\nMariÃ«ndael'" in msg and "probably 'SGM\\nMariëndael'" in msg
    assert "row 5 column 'PLAATS': found 'KÃ¶ln'" in msg and "2 damaged cell(s) in 2 row(s)" in msg


def test_mojibake_in_the_header_is_row_1(tmp_path: Path):
    msg = _refused(_csv(tmp_path, "NAAM;PLAATSNAAM VESTIGINGÃ«\nA;B\n".encode()))
    assert "row 1 column 'PLAATSNAAM VESTIGINGÃ«'" in msg


def test_mojibake_in_an_xlsx_is_refused(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["NAAM", "PLAATS"])
    wb.active.append(["A", "Assen"])
    wb.active.append(["B", "Sneek Ã©"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"t.xlsx: sheet 'Sheet': .*row 3 column 'PLAATS': found 'Sneek Ã©'"):
        read_xlsx(p)


def test_geonames_names_are_checked(tmp_path: Path):
    line = "NL\t9401 AB\t{place}\tDrenthe\t01\tAssen\t0106\t\t\t52.9984\t6.5661\t6\n"
    p = _csv(tmp_path, (line.format(place="Assen") + line.format(place="ExloÃ«rmond")).encode(), "NL.txt")
    with pytest.raises(InputError, match=r"row 2 column 'place': found 'ExloÃ«rmond'.*probably 'Exloërmond'"):
        geo.parse_geonames(p, None, "pc4")
    p.write_bytes((line.format(place="Assen") + line.format(place="Exloërmond")).encode("cp1252"))
    with pytest.raises(InputError, match=r"row 2 column 'place': 'Exloërmond'.*expected UTF-8 text"):
        geo.parse_geonames(p, None, "pc4")


def test_campus_config_text_is_checked(tmp_path: Path):
    y = tmp_path / "campuses.yaml"
    y.write_text("campuses:\n  - code: GT\n    name: Campus MariÃ«ndael\n", encoding="utf-8")
    recs = pd.DataFrame({"campus_code": ["GT"], "name": ["Campus MariÃ«ndael"]})
    with pytest.raises(InputError, match=r"campuses.yaml: .*line 3 column 'name': found 'Campus MariÃ«ndael'"):
        textcheck.check_config_records(recs, y)


# ---------------------------------------------------------------------------------------------- real files


@pytest.mark.realdata
def test_real_files_have_no_false_positives_and_the_check_is_cheap():
    """Every real DUO csv (pupils 2019, addresses vo and bo, exams) and both GeoNames dumps load without a
    finding, and the text check costs well under a second on each."""
    need_shared()
    for f in sorted(DUO.glob("*.csv")):
        df, info = read_text_csv(f)
        assert "text_repairs" not in info, f
        t0 = time.perf_counter()
        assert textcheck.damaged_cells(df).empty, f
        assert time.perf_counter() - t0 < 0.5, f
    for f, member in ((GEO / "NL_full.txt.gz", "NL_full.txt"), (GEO / "NL.txt", None)):
        raw = geo.read_member(f, member)
        t0 = time.perf_counter()
        rows = textcheck.non_ascii_rows(raw, geo.GEONAMES_COLUMNS, "\t")
        assert len(rows) and textcheck.damaged_cells(rows).empty, f
        assert time.perf_counter() - t0 < 0.5, f
