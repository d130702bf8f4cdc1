"""Pure tests of the DUO pupils/address parsers on tiny hand-made files (both header generations)."""

from __future__ import annotations

import pytest

from assets.duo_pupils.parser import COUNT_COLUMNS, parse_addresses, parse_pupils
from pipeline.csvread import InputError

OLD = [
    "BRIN NUMMER",
    "VESTIGINGSNUMMER",
    "INSTELLINGSNAAM VESTIGING",
    "PLAATSNAAM VESTIGING",
    "PROVINCIE VESTIGING",
    "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR",
    "VMBO SECTOR",
    "AFDELING",
    "ELEMENTCODE",
    "OPLEIDINGSNAAM",
]
NEW = [
    "INSTELLINGSCODE",
    "VESTIGINGSCODE",
    "INSTELLINGSNAAM VESTIGING",
    "PLAATSNAAM VESTIGING",
    "PROVINCIE VESTIGING",
    "SAMENWERKINGSVERBAND",
    "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR",
    "VMBO SECTOR",
    "AFDELING",
    "OPLEIDINGSCODE",
    "OPLEIDINGSNAAM",
]


def _write(path, header, rows, sep=";", enc="cp1252", quote=False):
    q = (lambda v: f'"{v}"') if quote else (lambda v: v)
    lines = [sep.join(q(h) for h in header + COUNT_COLUMNS)]
    lines += [sep.join(q(v) for v in r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(enc))
    return path


def test_old_generation_cp1252(tmp_path):
    counts = ["0", "0", "0", "0", "7", "3", "0", "0", "0", "0", "0", "0"]
    row = [
        "99AA",
        "01",
        "Café School",
        "DELFT",
        "Zuid-Holland",
        "VMBO BL lj 3-4",
        "Techniek",
        "Bouwen, wonen en interieur",
        "1234",
        "x",
        *counts,
    ]
    df, info = parse_pupils(_write(tmp_path / "p.csv", OLD, [row]), 2019)
    assert info["header_generation"] == "pre-2023" and info["encoding"] == "cp1252"
    r = df.iloc[0]
    assert r["vestiging_code"] == "99AA01" and r["instellingsnaam"] == "Café School"
    assert r["lj3_m"] == "7" and r["lj3_v"] == "3" and r["peiljaar"] == 2019 and r["source_row"] == 2


def test_new_generation_quoted_utf8_with_censoring(tmp_path):
    counts = ["<5", "12", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    row = [
        "99AB",
        "00",
        "School",
        "DELFT",
        "Zuid-Holland",
        "VO2801",
        "Brugjaar 1-2",
        "N.v.t.",
        "N.v.t.",
        "0024",
        "x",
        *counts,
    ]
    df, info = parse_pupils(_write(tmp_path / "p.csv", NEW, [row], sep=",", enc="utf-8", quote=True), 2023)
    assert info["header_generation"] == "2023+"
    assert df.iloc[0]["vestiging_code"] == "99AB00"
    assert df.iloc[0]["samenwerkingsverband"] == "VO2801"
    assert df.iloc[0]["lj1_m"] == "<5"


def test_six_character_vestigingscode_accepted(tmp_path):
    row = [
        "99AB",
        "99AB03",
        "S",
        "P",
        "Zuid-Holland",
        "VO2801",
        "Brugjaar 1-2",
        "N.v.t.",
        "N.v.t.",
        "0024",
        "x",
        *["1"] * 12,
    ]
    df, _ = parse_pupils(_write(tmp_path / "p.csv", NEW, [row], enc="utf-8"), 2023)
    assert df.iloc[0]["vestiging_code"] == "99AB03"


@pytest.mark.parametrize("bad", ["-3", "abc", "4.5", ""])
def test_bad_count_names_row_and_column(tmp_path, bad):
    counts = ["1"] * 12
    counts[5] = bad
    row = ["99AA", "01", "S", "P", "Zuid-Holland", "Brugjaar 1-2", "N.v.t.", "N.v.t.", "0024", "x", *counts]
    with pytest.raises(InputError) as exc:
        parse_pupils(_write(tmp_path / "p.csv", OLD, [row, row]), 2019)
    msg = str(exc.value)
    assert "row 2 column 'LEER- OF VERBLIJFSJAAR 3 - VROUW'" in msg and f"found {bad!r}" in msg
    assert "p.csv" in msg


def test_missing_column_is_named(tmp_path):
    header = [h for h in OLD if h != "AFDELING"]
    row = ["99AA", "01", "S", "P", "Zuid-Holland", "Brugjaar 1-2", "N.v.t.", "0024", "x", *["1"] * 12]
    with pytest.raises(InputError, match="AFDELING"):
        parse_pupils(_write(tmp_path / "p.csv", header, [row]), 2019)


def test_bad_key_is_named(tmp_path):
    row = ["9A", "1", "S", "P", "Zuid-Holland", "Brugjaar 1-2", "N.v.t.", "N.v.t.", "0024", "x", *["1"] * 12]
    with pytest.raises(InputError, match="row 2"):
        parse_pupils(_write(tmp_path / "p.csv", OLD, [row]), 2019)


def test_addresses_duplicate_code_rejected(tmp_path):
    from assets.duo_pupils.parser import ADDRESS_COLUMNS

    header = list(ADDRESS_COLUMNS.values())
    row = [
        "99AA01",
        "99AA",
        "S",
        "Straat",
        "1",
        "2611 AB",
        "DELFT",
        "0503",
        "DELFT",
        "Zuid-Holland",
        "x",
        "VMBO",
        "1",
        "c",
        "2",
        "r",
        "3",
        "o",
    ]
    p = tmp_path / "a.csv"
    p.write_text("\n".join([";".join(header), ";".join(row), ";".join(row)]) + "\n", encoding="cp1252")
    with pytest.raises(InputError, match="unique vestiging codes"):
        parse_addresses(p)
    p.write_text("\n".join([";".join(header), ";".join(row)]) + "\n", encoding="cp1252")
    df, _ = parse_addresses(p)
    assert df.iloc[0]["pc6"] == "2611AB" and df.iloc[0]["pc4"] == "2611"
