"""Tests of the sample generator (tools/sample): determinism, formats, the designed edge cases of the sample,
and its design tables as data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import tools.sample.common as gen
from tools.sample.generate import generate

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data_raw" / "sample"
YEARS = (2021, 2022, 2023)


def _pupil_file(out: Path, year: int) -> Path:
    return out / gen.PUPIL_FILE.format(year=year)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One in-process run of the generator and its summary."""
    out = tmp_path_factory.mktemp("sample")
    summary = generate(out)
    return out, summary


def _records(path: Path, encoding: str, delimiter: str) -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_pupils(out: Path, year: int) -> list[dict[str, str]]:
    if year == 2021:
        return _records(_pupil_file(out, year), "cp1252", ";")
    if year == 2022:
        return _records(_pupil_file(out, year), "utf-8", ",")
    return _records(_pupil_file(out, year), "utf-8", ";")


def _location_code(rec: dict[str, str]) -> str:
    if "BRIN NUMMER" in rec:
        return rec["BRIN NUMMER"] + rec["VESTIGINGSNUMMER"]
    return rec["INSTELLINGSCODE"] + rec["VESTIGINGSCODE"]


def test_cli_output_is_byte_identical_to_a_second_run(generated: tuple[Path, object], tmp_path: Path) -> None:
    first, _ = generated
    second = tmp_path / "again"
    subprocess.run(
        [sys.executable, "-m", "tools.sample", "--out", str(second)], check=True, capture_output=True, cwd=ROOT
    )
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(gen.GENERATED_FILES)
    assert sorted(p.name for p in second.iterdir()) == names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_bundled_sample_is_up_to_date(generated: tuple[Path, object]) -> None:
    out, _ = generated
    if not BUNDLED.is_dir():
        pytest.skip("data_raw/sample has not been generated")
    for name in gen.GENERATED_FILES:
        assert (BUNDLED / name).read_bytes() == (out / name).read_bytes(), (
            f"data_raw/sample/{name} differs from the generator output: run python -m tools.sample"
        )


def test_only_generated_files_are_touched(tmp_path: Path) -> None:
    keep = tmp_path / "not_mine.txt"
    keep.write_text("keep me")
    generate(tmp_path)
    assert keep.read_text() == "keep me"


def test_total_size_is_small(generated: tuple[Path, object]) -> None:
    out, _ = generated
    # 900 kB held the vo, address, geo and exam files; the DUO 02 (home postcode) and mbo files (issues 18, 19) add
    # about 160 kB together: the budget grows by that, deliberately, and no more
    assert sum(p.stat().st_size for p in out.iterdir()) < 1_000_000


def test_pupil_files_encoding_and_header_generation(generated: tuple[Path, object]) -> None:
    out, _ = generated
    raw2021 = _pupil_file(out, 2021).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw2021.decode("utf-8")  # cp1252 with non-ASCII names, so not valid UTF-8
    text2021 = raw2021.decode("cp1252")
    assert text2021.startswith("BRIN NUMMER;VESTIGINGSNUMMER;INSTELLINGSNAAM VESTIGING;")
    assert "ELEMENTCODE" in text2021.splitlines()[0] and "Café" in text2021
    assert '"' not in text2021

    text2022 = _pupil_file(out, 2022).read_bytes().decode("utf-8")
    assert text2022.startswith('"BRIN NUMMER","VESTIGINGSNUMMER","INSTELLINGSNAAM VESTIGING",')
    assert "Café" in text2022
    assert all(line.startswith('"') and line.endswith('"') for line in text2022.splitlines())

    raw2023 = _pupil_file(out, 2023).read_bytes()
    text2023 = raw2023.decode("utf-8")
    header = text2023.splitlines()[0].split(";")
    assert header[:2] == ["INSTELLINGSCODE", "VESTIGINGSCODE"]
    assert "SAMENWERKINGSVERBAND" in header and "OPLEIDINGSCODE" in header and "ELEMENTCODE" not in header
    assert raw2023.count(b"\r\n") == raw2023.count(b"\n")

    for year in YEARS:
        recs = _read_pupils(out, year)
        assert 300 <= len(recs) <= 800
        assert all(len(_location_code(r)) == 6 for r in recs)
        assert all(r["INSTELLINGSNAAM VESTIGING"].endswith("(synthetisch)") for r in recs)


def test_censoring_only_from_2022(generated: tuple[Path, object]) -> None:
    out, _ = generated
    assert "<5" not in _pupil_file(out, 2021).read_bytes().decode("cp1252")
    small_2021 = [
        v for r in _read_pupils(out, 2021) for k, v in r.items() if k.startswith("LEER-") and v in {"1", "2", "3", "4"}
    ]
    assert small_2021, "2021 must contain plain counts 1-4"
    for year in (2022, 2023):
        recs = _read_pupils(out, year)
        values = [v for r in recs for k, v in r.items() if k.startswith("LEER-")]
        assert "<5" in values
        assert not set(values) & {"1", "2", "3", "4"}


def test_every_pupil_location_but_the_designed_one_has_an_address(generated: tuple[Path, object]) -> None:
    out, summary = generated
    addresses = _records(out / gen.ADDRESS_FILE, "cp1252", ";")
    assert len(addresses[0]) == 31
    codes = {r["VESTIGINGSNUMMER"] for r in addresses}
    for year in YEARS:
        pupil_codes = {_location_code(r) for r in _read_pupils(out, year)}
        assert pupil_codes - codes == set(summary.edge_cases["missing_address"])
    assert len(summary.edge_cases["missing_address"]) == 1


def test_address_header_matches_the_real_file() -> None:
    real = ROOT.parent / "shared" / "data" / "duo" / "alle-vestigingen-vo.csv"
    if not real.exists():
        pytest.skip("../shared/data is not available")
    real_header = real.read_bytes().split(b"\n", 1)[0].decode("cp1252").rstrip("\r")
    assert ";".join(gen.ADDRESS_HEADER) == real_header


def test_geocoding_edge_cases(generated: tuple[Path, object]) -> None:
    out, summary = generated
    addresses = {r["VESTIGINGSNUMMER"]: r for r in _records(out / gen.ADDRESS_FILE, "cp1252", ";")}
    pc6 = {line.split("\t")[1] for line in (out / gen.NL_FULL_FILE).read_text("utf-8").splitlines()}
    pc4 = {line.split("\t")[1] for line in (out / gen.NL_PC4_FILE).read_text("utf-8").splitlines()}
    assert all(len(line.split("\t")) == 12 for line in (out / gen.NL_FULL_FILE).read_text("utf-8").splitlines())
    assert "3008 KA" not in pc6 and "3008" not in pc4
    assert {"2595 AN", "3232 AE", "2712 PB", "2627 AN", "2628 AL", "2628 CN", "3089 JW", "2613 AX"} <= pc6
    assert len(summary.edge_cases["pc4_only"]) == 3
    for code in summary.edge_cases["pc4_only"]:
        postcode = addresses[code]["POSTCODE"]
        assert postcode not in pc6 and postcode[:4] in pc4
    (override,) = summary.edge_cases["override"]
    postcode = addresses[override]["POSTCODE"]
    assert postcode not in pc6 and postcode[:4] not in pc4
    overrides = _records(out / gen.OVERRIDE_FILE, "utf-8", ",")
    assert [r["vestiging_code"] for r in overrides] == [override]

    with zipfile.ZipFile(out / gen.POINTS_FILE) as zf:
        assert zf.namelist() == [gen.POINTS_MEMBER]
        doc = json.loads(zf.read(gen.POINTS_MEMBER))
    points = {f["properties"]["vestigingscode"] for f in doc["features"] if f["properties"]["type"] != "basisschool"}
    assert 0.55 <= len(points) / len(addresses) <= 0.75
    designed = summary.edge_cases
    assert not points & {*designed["pc4_only"], *designed["override"], *designed["missing_address"]}


def test_lifecycle_edge_cases(generated: tuple[Path, object]) -> None:
    out, summary = generated
    present = {year: {_location_code(r) for r in _read_pupils(out, year)} for year in YEARS}
    (new,) = summary.edge_cases["new_2022"]
    (closed,) = summary.edge_cases["closed_after_2021"]
    assert new not in present[2021] and new in present[2022] and new in present[2023]
    assert closed in present[2021] and closed not in present[2022] and closed not in present[2023]
    addresses = {r["VESTIGINGSNUMMER"] for r in _records(out / gen.ADDRESS_FILE, "cp1252", ";")}
    assert closed in addresses and new in addresses


def test_exam_layouts(generated: tuple[Path, object]) -> None:
    out, _ = generated
    old = (out / gen.EXAM_OLD_FILE).read_bytes().decode("cp1252")
    assert old.splitlines()[0].startswith("BRIN NUMMER;VESTIGINGSNUMMER;INSTELLINGSNAAM VESTIGING;GEMEENTENAAM;")
    assert "100,0%" in old and ";,0%" in old and "<5" not in old
    raw_new = (out / gen.EXAM_NEW_FILE).read_bytes()
    new = raw_new.decode("utf-8")
    assert raw_new.count(b"\r\n") == raw_new.count(b"\n")
    assert new.startswith('"INSTELLINGSCODE";"VESTIGINGSCODE";')
    assert '"<5"' in new and "%" not in new
    real_old = ROOT.parent / "shared" / "data" / "duo" / "examenkandidaten-en-geslaagden-2014-2019.csv"
    real_new = ROOT.parent / "shared" / "data" / "duo" / "duo_examen_raw_all.csv"
    if real_old.exists() and real_new.exists():
        assert old.split("\n", 1)[0] == real_old.read_bytes().split(b"\n", 1)[0].decode("cp1252")
        assert new.split("\r\n", 1)[0] == real_new.read_bytes().split(b"\r\n", 1)[0].decode("utf-8")


def test_readme_says_synthetic(generated: tuple[Path, object]) -> None:
    out, summary = generated
    readme = (out / gen.README_FILE).read_text("utf-8")
    assert readme.startswith("# SYNTHETIC SAMPLE DATA: NOT DUO DATA")
    assert f"{gen.GENERATOR_COMMAND} --out DIR" in readme
    for name in gen.GENERATED_FILES:
        assert name in readme
    for codes in summary.edge_cases.values():
        for code in codes:
            assert code in readme


def test_design_tables_are_data() -> None:
    """The design tables live in tools/sample/data/*.yaml and reach the generator unchanged."""
    geo = yaml.safe_load((gen.DATA / "geography.yaml").read_text(encoding="utf-8"))
    locs = yaml.safe_load((gen.DATA / "locations.yaml").read_text(encoding="utf-8"))
    assert list(gen.TOWNS) == list(geo["towns"])
    assert [s.name for s in gen.LOC_SPECS] == [s["name"] for s in locs["locations"]]
    assert all(s.town in gen.TOWNS for s in gen.LOC_SPECS), "every location names a town of geography.yaml"
    assert all(p in gen.PROFILES for s in gen.LOC_SPECS for p in s.profiles.split())
    assert all(s.name.endswith(gen.SYNTH) for s in gen.LOC_SPECS), "every school name is marked synthetic"
