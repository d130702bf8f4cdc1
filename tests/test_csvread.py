"""Pure tests of CSV decoding and structural errors."""

from __future__ import annotations

import pytest

from pipeline.csvread import InputError, read_text_csv


def test_cp1252_semicolon(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("NAAM;N\nCafé;3\n".encode("cp1252"))
    df, info = read_text_csv(p)
    assert info == {"encoding": "cp1252", "delimiter": ";"}
    assert df["NAAM"].tolist() == ["Café"]
    assert df["source_row"].tolist() == [2]


def test_utf8_quoted_comma(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('"NAAM","N"\n"Café, de","<5"\n', encoding="utf-8")
    df, info = read_text_csv(p)
    assert info["delimiter"] == "," and info["encoding"] == "utf-8"
    assert df.iloc[0]["NAAM"] == "Café, de" and df.iloc[0]["N"] == "<5"


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "file is empty"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML/XML page"),
        (b"A;B\n1;2\n3\n", "row 3: expected 2 fields"),
        (b"A;B\n", "expected data rows"),
        (b"PK\x03\x04garbage", "zip archive"),
        (b"A;A\n1;2\n", "duplicate column names"),
    ],
)
def test_structural_errors_are_located(tmp_path, content, fragment):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_text_csv(p)
    assert fragment in str(exc.value)
    assert str(p) in str(exc.value)


def test_missing_required_column(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("A;B\n1;2\n")
    with pytest.raises(InputError, match=r"missing required column\(s\) \['C'\]"):
        read_text_csv(p, required=["A", "C"])
