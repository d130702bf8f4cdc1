"""DUO exam files: both layouts, located errors, school-year range, and the exam marts on the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.exams.parser import parse_exams, range_from_name
from pipeline.csvread import InputError
from tests.conftest import query

GROUPS_OLD = ["MAN", "VROUW", "ONBEKEND", "TOTAAL"]
GROUPS_NEW = ["MAN", "VROUW", "TOTAAL"]
KEYS_OLD = ["BRIN NUMMER", "VESTIGINGSNUMMER"]
KEYS_NEW = ["INSTELLINGSCODE", "VESTIGINGSCODE"]
REST = ["INSTELLINGSNAAM VESTIGING", "GEMEENTENAAM", "ONDERWIJSTYPE VO", "INSPECTIECODE", "OPLEIDINGSNAAM"]


def _header(keys: list[str], years: list[str], groups: list[str]) -> list[str]:
    vals = [
        f"{m} SCHOOLJAAR {y} - {g}"
        for y in years
        for g in groups
        for m in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC")
    ]
    return keys + REST + vals


def _old_file(
    tmp_path: Path, name: str = "examenkandidaten-en-geslaagden-2017-2019.csv", cell: str | None = None
) -> Path:
    years = ["2017-2018", "2018-2019"]
    header = _header(KEYS_OLD, years, GROUPS_OLD)
    # per year: MAN 3/3, VROUW 2/1, ONBEKEND 0/0, TOTAAL 5/4
    vals = ["3", "3", "100,0%", "2", "1", "50,0%", "0", "0", ",0%", "5", "4", "80,0%"] * 2
    row = ["00AH", "00AH00", "Café Lyceum", "ENSCHEDE", "VMBO", "34", "VMBO B - techniek", *vals]
    if cell is not None:
        row[header.index("GESLAAGDEN SCHOOLJAAR 2018-2019 - VROUW")] = cell
    text = "\n".join(";".join(r) for r in [header, row]) + "\n"
    p = tmp_path / name
    p.write_bytes(text.encode("cp1252"))
    return p


def _new_file(
    tmp_path: Path, name: str = "examenkandidaten-en-geslaagden-2019-2021.csv", years: list[str] | None = None
) -> Path:
    years = years or ["2019-2020", "2020-2021"]
    header = _header(KEYS_NEW, years, GROUPS_NEW)
    vals = ["<5", "<5", "100", "6", "5", "83.3", "9", "8", "88.9"] * len(years)
    row = ["00AH", "00AH00", "Het Lyceum, Enschede", "ENSCHEDE", "HAVO", "50", "HAVO - N&T", *vals]
    text = "\r\n".join(";".join(f'"{c}"' for c in r) for r in [header, row]) + "\r\n"
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", newline="")
    return p


def test_old_layout_long_rows(tmp_path):
    df, info = parse_exams(_old_file(tmp_path))
    assert info["layout"] == "2014-2019" and info["encoding"] == "cp1252"
    assert list(df["schooljaar"]) == ["2017-2018", "2018-2019"]
    assert list(df["peiljaar"]) == [2017, 2018]  # school year 2017-2018 <-> peiljaar 2017
    r = df.iloc[0]
    assert (r["kandidaten_totaal"], r["geslaagden_v"], r["kandidaten_onbekend"], r["slaagperc_v"]) == (
        "5",
        "1",
        "0",
        "50,0%",
    )
    assert r["instellingsnaam"] == "Café Lyceum" and r["source_row"] == 2


def test_new_layout_quoted_censored(tmp_path):
    df, info = parse_exams(_new_file(tmp_path))
    assert info["layout"] == "2019-2024" and info["encoding"] == "utf-8"
    r = df.iloc[1]
    assert (r["schooljaar"], r["kandidaten_m"], r["kandidaten_totaal"], r["slaagperc_totaal"]) == (
        "2020-2021",
        "<5",
        "9",
        "88.9",
    )
    assert r["instellingsnaam"] == "Het Lyceum, Enschede"
    assert df["kandidaten_onbekend"].isna().all()  # the 2019-2024 layout has no ONBEKEND group


def test_school_year_outside_file_name_range_is_an_error(tmp_path):
    p = _new_file(tmp_path, "examenkandidaten-en-geslaagden-2019-2020.csv", years=["2019-2020", "2020-2021"])
    with pytest.raises(InputError) as exc:
        parse_exams(p)
    msg = str(exc.value)
    assert p.name in msg and "row 1" in msg and "2019-2020" in msg and "2020-2021" in msg
    # a mirror name without a range: the caller passes the catalogue's range
    q = _new_file(tmp_path, "duo_examen_raw_all.csv")
    assert range_from_name(q.name) is None
    with pytest.raises(InputError, match="expected for this source"):
        parse_exams(q, (2014, 2019))
    assert len(parse_exams(q, (2019, 2024))[0]) == 2


def test_bad_cell_names_file_row_column_expected_found(tmp_path):
    p = _old_file(tmp_path, cell="1O")
    with pytest.raises(InputError) as exc:
        parse_exams(p)
    msg = str(exc.value)
    for part in (p.name, "row 2", "GESLAAGDEN SCHOOLJAAR 2018-2019 - VROUW", "non-negative integer", "'1O'"):
        assert part in msg


def test_censored_count_not_accepted_in_old_layout(tmp_path):
    with pytest.raises(InputError, match="non-negative integer"):
        parse_exams(_old_file(tmp_path, cell="<5"))


def test_missing_group_column_is_an_error(tmp_path):
    p = _old_file(tmp_path)
    lines = p.read_bytes().decode("cp1252").splitlines()
    cells = [line.split(";") for line in lines]
    drop = cells[0].index("SLAAGPERC SCHOOLJAAR 2018-2019 - ONBEKEND")
    p.write_bytes(("\n".join(";".join(c[:drop] + c[drop + 1 :]) for c in cells) + "\n").encode("cp1252"))
    with pytest.raises(InputError, match="missing column"):
        parse_exams(p)


@pytest.mark.realdata
def test_real_exam_files_loaded(real_out):
    """Both real files, parsed by the raw asset in the session run: every source row × school year kept."""
    rows = dict(query(real_out / "sto.duckdb", "SELECT layout, count(*) FROM raw.duo_vo_exams GROUP BY 1"))
    assert rows == {"2014-2019": 13_986 * 5, "2019-2024": 12_782 * 5}
    files = dict(
        query(
            real_out / "sto.duckdb",
            "SELECT source_id, origin_kind FROM audit.source_files WHERE asset = 'raw_duo_vo_exams'",
        )
    )
    assert files == {"duo_vo_exams_2014_2019": "mirror", "duo_vo_exams_2019_2024": "mirror"}
    cens = query(
        real_out / "sto.duckdb",
        "SELECT layout, count(*) FROM raw.duo_vo_exams WHERE kandidaten_totaal = '<5' GROUP BY 1",
    )
    assert [c[0] for c in cens] == ["2019-2024"]


def test_exam_marts_on_sample(sample_out):
    dbf = sample_out / "sto.duckdb"
    years = [y for (y,) in query(dbf, "SELECT DISTINCT schooljaar FROM marts.exam_results ORDER BY 1")]
    assert years[0] >= "2014-2015" and years[-1] == "2023-2024" and "2019-2020" in years
    layouts = dict(query(dbf, "SELECT layout, count(*) FROM marts.exam_results GROUP BY 1"))
    assert set(layouts) == {"2014-2019", "2019-2024"}
    # censored totals only in the new layout, with bounds 1-4 and the point value
    cens = query(
        dbf,
        "SELECT DISTINCT layout, n_candidates, n_candidates_lower, n_candidates_upper "
        "FROM marts.exam_results WHERE candidates_censored",
    )
    assert cens and {c[0] for c in cens} == {"2019-2024"} and {c[1:] for c in cens} == {(2, 1, 4)}
    # the location that closed after peiljaar 2021 has its last exams in 2021-2022
    last = query(dbf, "SELECT max(schooljaar) FROM marts.exam_results WHERE vestiging_code = '92TY02'")[0][0]
    assert last == "2021-2022"
    # national series: one row per configured series and school year, shares within 0-100
    rows = query(
        dbf,
        "SELECT series, count(*), min(pct_series), max(pct_series) FROM marts.exam_national_series "
        "GROUP BY 1 ORDER BY 1",
    )
    assert {r[0] for r in rows} == {"havo_n_profile", "vwo_n_profile", "vmbo_bkg_techniek", "vmbo_tl_techniek"}
    assert all(0 <= r[2] <= r[3] <= 100 for r in rows if r[2] is not None)
