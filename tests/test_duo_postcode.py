"""DUO "02. leerlingen per vestiging naar postcode leerling en leerjaar" (issue 18 item 3): the parser on
fixtures of both header generations, masking, located errors, the long core table, and the bundled
sample's 02 files against its 01 files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.duo_pupils.parser import parse_pupils
from assets.duo_pupils.postcode_parser import (
    POSTCODE_COUNT_COLUMNS,
    parse_pupils_postcode,
    raw_postcode_frame,
)
from pipeline import db
from pipeline.config import default_config
from pipeline.csvread import InputError
from pipeline.fetch import Fetcher

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data_raw" / "sample"
OLD_HEADER = [
    "BRIN NUMMER",
    "VESTIGINGSNUMMER",
    "POSTCODE LEERLING",
    "PLAATSNAAM LEERLING",
    "GEMEENTENUMMER LEERLING",
    "GEMEENTENAAM LEERLING",
    *POSTCODE_COUNT_COLUMNS,
]
NEW_HEADER = ["INSTELLINGSCODE", "VESTIGINGSCODE", "POSTCODE LEERLING", *POSTCODE_COUNT_COLUMNS]


def _write(path: Path, header: list[str], rows: list[list[str]], sep: str = ";", enc: str = "cp1252", quote=False):
    def line(fields: list[str]) -> str:
        return sep.join(f'"{f}"' if quote else f for f in fields)

    path.write_bytes(("\n".join(line(r) for r in [header, *rows]) + "\n").encode(enc))
    return path


def _old_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "02-old.csv",
        OLD_HEADER,
        [
            ["00AA", "00", "2611", "DELFT", "0503", "DELFT", "3", "4", "5", "0", "0", "0"],
            ["00AA", "01", "2612", "DELFT", "0503", "DELFT", "1", "0", "7", "8", "0", "0"],
            ["00AB", "00", "2612", "DELFT", "0503", "DELFT", "0", "0", "0", "2", "0", "0"],
            ["00AB", "00", "9999", "ZÜRICH", "", "", "0", "0", "0", "1", "0", "0"],
        ],
    )


def _new_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "02-new.csv",
        NEW_HEADER,
        [
            ["00AA", "00AA00", "2611", "12", "<5", "5", "0", "0", "0"],
            ["00AA", "00AA01", "2612 AB", "<5", "0", "7", "8", "0", "0"],
        ],
        sep=",",
        enc="utf-8",
        quote=True,
    )


def _core(frames: list[pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA core")
    for df in frames:
        db.replace_partition(
            con, "raw.duo_vo_pupils_postcode", raw_postcode_frame(df), "peiljaar", int(df["peiljaar"][0])
        )
    for year in sorted({int(df["peiljaar"][0]) for df in frames}):
        params = {"peiljaar": year, "point_value": 2, "censored_lower": 1, "censored_upper": 4}
        db.run_sql(con, "core_duo_vo_pupils_postcode", params)
    return con


def test_old_generation_parses_with_the_01_key(tmp_path: Path) -> None:
    df, info = parse_pupils_postcode(_old_file(tmp_path), 2019)
    assert info["header_generation"] == "pre-2023" and info["masking"] == "none" and info["delimiter"] == ";"
    assert df["vestiging_code"].tolist() == ["00AA00", "00AA01", "00AB00", "00AB00"]
    assert df["pc4"].tolist() == ["2611", "2612", "2612", "9999"]
    assert df["source_row"].tolist() == [2, 3, 4, 5]
    assert df["gemeente_code_leerling"].iloc[0] == "0503" and df["plaatsnaam_leerling"].iloc[3] == "ZÜRICH"
    assert df["lj3"].tolist() == ["5", "7", "0", "0"]


def test_new_generation_and_lt5_masking(tmp_path: Path) -> None:
    df, info = parse_pupils_postcode(_new_file(tmp_path), 2023)
    assert info["header_generation"] == "2023+" and info["masking"] == "lt5" and info["delimiter"] == ","
    assert df["vestiging_code"].tolist() == ["00AA00", "00AA01"]
    assert df["pc4"].tolist() == ["2611", "2612"]  # a PC6 is cut to its PC4
    con = _core([df])
    rows = con.execute(
        "SELECT vestiging_code, pc4, leerjaar, n, n_censored, n_lo, n_hi FROM core.duo_vo_pupils_postcode "
        "ORDER BY vestiging_code, leerjaar"
    ).fetchall()
    assert rows == [
        ("00AA00", "2611", 1, 12, False, 12, 12),
        ("00AA00", "2611", 2, 2, True, 1, 4),
        ("00AA00", "2611", 3, 5, False, 5, 5),
        ("00AA01", "2612", 1, 2, True, 1, 4),
        ("00AA01", "2612", 3, 7, False, 7, 7),
        ("00AA01", "2612", 4, 8, False, 8, 8),
    ]


def test_four_means_1_to_4_and_the_declared_conventions(tmp_path: Path) -> None:
    rows = [["00AA", "00", "2611", "D", "0503", "D", "4", "10", "4", "0", "0", "0"]] * 1
    rows += [["00AA", "00", "2612", "D", "0503", "D", "14", "4", "0", "0", "0", "0"]]
    p = _write(tmp_path / "ckan.csv", OLD_HEADER, rows)
    df, info = parse_pupils_postcode(p, 2022)
    assert info["masking"] == "four_means_1_to_4"
    con = _core([df])
    assert con.execute("SELECT count(*) FROM core.duo_vo_pupils_postcode WHERE n_censored").fetchone()[0] == 3
    with pytest.raises(InputError, match="expected one of the small-number conventions declared"):
        parse_pupils_postcode(p, 2022, masking_allowed=["none", "lt5"])


def test_mixed_masking_is_refused_with_its_cells(tmp_path: Path) -> None:
    p = _write(tmp_path / "mixed.csv", NEW_HEADER, [["00AA", "00AA00", "2611", "<5", "3", "0", "0", "0", "0"]])
    with pytest.raises(InputError) as exc:
        parse_pupils_postcode(p, 2023)
    assert "row 2 column 'LEER- OF VERBLIJFSJAAR 2': found '3'" in str(exc.value)


def test_wrong_layout_names_expected_and_found_columns(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "01-not-02.csv",
        ["BRIN NUMMER", "VESTIGINGSNUMMER", "AFDELING", "AANTAL"],
        [["00AA", "00", "x", "1"]],
    )
    with pytest.raises(InputError) as exc:
        parse_pupils_postcode(p, 2019)
    msg = str(exc.value)
    assert str(p) in msg and "row 1" in msg
    assert "missing column(s) ['POSTCODE LEERLING', 'LEER- OF VERBLIJFSJAAR 1'" in msg
    assert "expected columns ['BRIN NUMMER or INSTELLINGSCODE'" in msg
    assert "found columns ['BRIN NUMMER', 'VESTIGINGSNUMMER', 'AFDELING', 'AANTAL']" in msg
    extra = _write(tmp_path / "extra.csv", [*NEW_HEADER, "LEERWEG"], [["00AA", "00AA00", "2611", *["1"] * 6, "BB"]])
    with pytest.raises(InputError, match=r"unexpected column\(s\) \['LEERWEG'\].*found columns"):
        parse_pupils_postcode(extra, 2023)


def test_a_bad_count_is_located(tmp_path: Path) -> None:
    rows = [["00AA", "00", "2611", "D", "0503", "D", "3", "4", "5", "0", "0", "0"]]
    rows += [["00AA", "01", "2611", "D", "0503", "D", "3", "4", "five", "0", "0", "0"]]
    p = _write(tmp_path / "bad.csv", OLD_HEADER, rows)
    with pytest.raises(InputError) as exc:
        parse_pupils_postcode(p, 2019)
    msg = str(exc.value)
    assert msg.startswith(f"{p}: expected a non-negative integer count or '<5', found 1 bad cell(s)")
    assert "row 3 column 'LEER- OF VERBLIJFSJAAR 3': found 'five'" in msg


def test_a_bad_key_is_located(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "key.csv",
        NEW_HEADER,
        [["00AA", "00AA00", "2611", *["1"] * 6], ["00AA", "01AB02", "2611", *["1"] * 6]],
    )
    with pytest.raises(InputError) as exc:
        parse_pupils_postcode(p, 2023)
    assert "column INSTELLINGSCODE/VESTIGINGSCODE: expected a 4-character instelling code" in str(exc.value)
    assert "row 3: '00AA/01AB02'" in str(exc.value)


def test_bad_postcodes_are_flagged_rows_and_a_postcode_column_of_other_values_fails(tmp_path: Path) -> None:
    rows = [["00AA", "00", pc, "D", "0503", "D", "3", "0", "0", "0", "0", "0"] for pc in ["2611", "2612", "", "0123"]]
    rows += [["00AA", "00", "2613", "D", "0503", "D", "3", "0", "0", "0", "0", "0"]]
    df, info = parse_pupils_postcode(_write(tmp_path / "pc.csv", OLD_HEADER, rows), 2019)
    assert df["postcode_valid"].tolist() == [True, True, False, False, True]
    assert df["pc4"].isna().tolist() == [False, False, True, True, False] and info["invalid_postcodes"] == "2"
    con = _core([df])  # kept in core with pc4 NULL (unplaced on the home basis), never dropped
    assert con.execute("SELECT count(*), sum(n) FROM core.duo_vo_pupils_postcode WHERE pc4 IS NULL").fetchone() == (
        2,
        6,
    )
    rows = [
        ["00AA", "00", name, "D", "0503", "D", "3", "0", "0", "0", "0", "0"] for name in ["DELFT", "LEIDEN", "2611"]
    ]
    p = _write(tmp_path / "shifted.csv", OLD_HEADER, rows)
    with pytest.raises(InputError) as exc:
        parse_pupils_postcode(p, 2019)
    assert "column POSTCODE LEERLING: expected a four-digit postcode" in str(exc.value)
    assert "row 2: 'DELFT'; row 3: 'LEIDEN'" in str(exc.value)


def test_core_keeps_every_pupil_of_the_raw_file(tmp_path: Path) -> None:
    df, _ = parse_pupils_postcode(_old_file(tmp_path), 2019)
    con = _core([df])
    raw_total = sum(int(v) for c in [f"lj{i}" for i in range(1, 7)] for v in df[c])
    assert con.execute("SELECT sum(n) FROM core.duo_vo_pupils_postcode").fetchone()[0] == raw_total
    assert con.execute("SELECT count(*) FROM core.duo_vo_pupils_postcode WHERE n = 0").fetchone()[0] == 0


def test_the_catalogue_finds_the_02_file_under_the_name_forms_of_the_01_file(tmp_path: Path) -> None:
    cfg = default_config()
    assert cfg.source("duo_vo_pupils_postcode")["optional"] is True
    for name in [
        "02.-leerlingen-per-vestiging-naar-postcode-en-leerjaar-2019.csv",
        "02-leerlingen-per-vestiging-naar-postcode-en-leerjaar-2019-2020.csv",
        "leerlingen-per-vestiging-naar-postcode-en-leerjaar-2019.csv",
    ]:
        d = tmp_path / name.replace(".", "_")
        d.mkdir()
        (d / name).write_text("x\n", encoding="utf-8")
        found = Fetcher(cfg.sources, [d], None, offline=True).locate("duo_vo_pupils_postcode", 2019)
        assert found is not None and Path(found.path).name == name
    assert Fetcher(cfg.sources, [tmp_path], None, offline=True).locate("duo_vo_pupils_postcode", 2020) is None


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_sample_02_files_match_the_01_files(year: int) -> None:
    """Same vestigingen; per vestiging and leerjaar the 02 pupils equal the 01 pupils (exact in 2021, the
    uncensored year; bounds overlapping in 2022/2023, where both files publish 1-4 as '<5')."""
    home, info = parse_pupils_postcode(
        SAMPLE / f"02.-leerlingen-per-vestiging-naar-postcode-en-leerjaar-{year}.csv", year
    )
    pupils, _ = parse_pupils(SAMPLE / f"01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{year}.csv", year)
    assert info["header_generation"] == ("2023+" if year >= 2023 else "pre-2023")
    assert info["masking"] == ("none" if year == 2021 else "lt5")

    def bounds(values: pd.Series, hi: bool) -> pd.Series:
        return values.map(lambda v: (4 if hi else 1) if v == "<5" else int(v))

    h = pd.DataFrame({"vestiging_code": home["vestiging_code"]})
    s = pd.DataFrame({"vestiging_code": pupils["vestiging_code"]})
    for lj in range(1, 7):
        for side, hi in (("lo", False), ("hi", True)):
            h[f"{lj}_{side}"] = bounds(home[f"lj{lj}"], hi)
            s[f"{lj}_{side}"] = bounds(pupils[f"lj{lj}_m"], hi) + bounds(pupils[f"lj{lj}_v"], hi)
    h, s = h.groupby("vestiging_code").sum(), s.groupby("vestiging_code").sum()
    assert sorted(h.index) == sorted(s.index)
    s = s.loc[h.index]
    for lj in range(1, 7):
        if year == 2021:
            assert (h[f"{lj}_lo"] == s[f"{lj}_lo"]).all(), lj
        assert ((h[f"{lj}_lo"] <= s[f"{lj}_hi"]) & (s[f"{lj}_lo"] <= h[f"{lj}_hi"])).all(), lj
    # every home PC4 but the designed unplaced one is in the sample's GeoNames PC4 file
    pc4_table = {line.split("\t")[1] for line in (SAMPLE / "NL.txt").read_text(encoding="utf-8").splitlines()}
    assert set(home["pc4"]) - pc4_table == {"2516"}


def test_sample_generator_splits_exactly_the_01_pupils() -> None:
    """Before any masking: per location and leerjaar the generated 02 counts sum to the generated 01 counts."""
    import random

    from tools.sample.common import PEILJAREN, SEED
    from tools.sample.files import extra_primary_points, geonames_bytes
    from tools.sample.home import design_homes, home_counts
    from tools.sample.model import build_locations, build_pupils

    rng = random.Random(SEED)
    sample = build_pupils(rng, build_locations(rng))
    sample.extra_points = extra_primary_points(rng, {loc.brin for loc in sample.locations})
    _, nl_txt = geonames_bytes(rng, sample)
    design = design_homes(sample, nl_txt)
    for year in PEILJAREN:
        got: dict[tuple[str, int], int] = {}
        for (code, _pc4), counts in home_counts(sample, design, year).items():
            for lj, n in enumerate(counts):
                got[(code, lj)] = got.get((code, lj), 0) + n
        want: dict[tuple[str, int], int] = {}
        for r in sample.pupils[year]:
            for lj in range(6):
                want[(r.loc.code, lj)] = want.get((r.loc.code, lj), 0) + r.counts[2 * lj] + r.counts[2 * lj + 1]
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}, year


HOME_NAME = "02.-leerlingen-per-vestiging-naar-postcode-en-leerjaar-{}.csv"
SAMPLE_MODE = {"sample": True, "mirrors": [], "offline": False, "cache_dir": str(ROOT / "data_raw" / "downloads")}


def test_sample_run_loads_the_02_files_and_reconciles(sample_out: Path) -> None:
    from tests.conftest import query

    db_path = sample_out / "sto.duckdb"
    got = query(
        db_path,
        "SELECT peiljaar, count(DISTINCT vestiging_code), count(*) FILTER (WHERE pc4 IS NULL) "
        "FROM core.duo_vo_pupils_postcode GROUP BY 1 ORDER BY 1",
    )
    assert [(y, n) for y, n, _ in got] == [(2021, 60), (2022, 60), (2023, 60)] and all(u == 0 for *_, u in got)
    # 2021 is uncensored: the home pupils equal the 01 file's pupils exactly
    assert query(db_path, "SELECT sum(n) FROM core.duo_vo_pupils_postcode WHERE peiljaar = 2021") == query(
        db_path, "SELECT sum(n) FROM core.duo_vo_students WHERE peiljaar = 2021"
    )
    checks = query(
        db_path,
        "SELECT check_name, bool_and(success) FROM audit.check_results WHERE asset LIKE '%pupils_postcode' GROUP BY 1",
    )
    assert dict(checks) == {
        "valid": True,
        "censored_bounds": True,
        "total_equals_raw": True,
        "file_present": True,
        "postcodes": True,
        "matches_01": True,
    }
    files = query(
        db_path, "SELECT DISTINCT file_name FROM audit.loaded_sources WHERE source_id = 'duo_vo_pupils_postcode'"
    )
    assert sorted(f for (f,) in files) == [HOME_NAME.format(y) for y in (2021, 2022, 2023)]


def test_a_new_or_changed_02_file_reloads_its_year_and_a_missing_one_does_not(sample_out, tmp_path, monkeypatch):
    from pipeline.cli import _build_plan
    from tests.conftest import copy_out, patched_sample

    out = copy_out(sample_out, tmp_path / "out")

    def plan(years: list[int]):
        return _build_plan(out / "sto.duckdb", default_config(), SAMPLE_MODE, years, False)

    assert plan([2021, 2022]).kind == "skip"
    sample = patched_sample(tmp_path, monkeypatch=monkeypatch)
    (sample / HOME_NAME.format(2021)).unlink()  # no longer offered: kept as loaded
    assert plan([2021, 2022]).kind == "skip"
    f = sample / HOME_NAME.format(2022)
    f.write_bytes(f.read_bytes().replace(b'"<5"', b'"5"', 1))
    p = plan([2021, 2022])
    assert (p.kind, p.years) == ("years", [2022])


def test_raw_and_core_checks_on_a_file_with_a_flagged_postcode(tmp_path: Path) -> None:
    from assets.duo_pupils.checks import CHECKS
    from pipeline.checks import evaluate

    rows = [["00AA", "00", pc, "D", "0503", "D", "13", "0", "<5", "0", "0", "0"] for pc in ["2611", "2612", ""]]
    df, _ = parse_pupils_postcode(_write(tmp_path / "pc.csv", OLD_HEADER, rows), 2023)
    con = _core([df])
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    cfg = default_config()
    by_name = {c.name: c for c in CHECKS}
    assert evaluate(by_name["raw_duo_vo_pupils_postcode_valid"], con, cfg, 2023).passed
    assert evaluate(by_name["raw_duo_vo_pupils_postcode_present"], con, cfg, 2023).passed
    assert evaluate(by_name["core_duo_vo_pupils_postcode_valid"], con, cfg, 2023).passed
    flagged = evaluate(by_name["raw_duo_vo_pupils_postcode_postcodes"], con, cfg, 2023)
    assert not flagged.passed and flagged.metadata["invalid_postcode_rows"].value == 1
    # a year without a 02 file: no rows, the warning says so
    assert not evaluate(by_name["raw_duo_vo_pupils_postcode_present"], con, cfg, 2022).passed
    # a core total that no longer equals the raw file's fails the blocking check
    con.execute("UPDATE core.duo_vo_pupils_postcode SET n = n + 1 WHERE NOT n_censored AND pc4 = '2611'")
    assert not evaluate(by_name["core_duo_vo_pupils_postcode_valid"], con, cfg, 2023).passed
