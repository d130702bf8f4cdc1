"""`sto release` (pipeline/release.py): the bundle of the published, verified warehouse, its manifest and
`--verify`, the workbook, README, CITATION.cff, determinism, and the refusals."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from pipeline import release
from pipeline.cli import main
from tests.conftest import copy_out, query

EXPECTED = [
    "sto.duckdb",
    "sto-marts.xlsx",
    "data_dictionary.md",
    "data_dictionary.json",
    "report/index.html",
    "validation_summary.csv",
    "validation_summary.md",
    "README.md",
    "CITATION.cff",
    "manifest.json",
    "SHA256SUMS",
]


def _marts(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT 'marts.' || table_name FROM duckdb_tables() WHERE schema_name = 'marts'")]


@pytest.fixture(scope="module")
def released(sample_out: Path, tmp_path_factory: pytest.TempPathFactory) -> release.Outcome:
    """One release of a copy of the sample warehouse (the session's sample run stays untouched)."""
    out = copy_out(sample_out, tmp_path_factory.mktemp("release_a"))
    assert main(["release", "--out", str(out)]) == 0
    (folder,) = [p for p in (out / "releases").iterdir() if p.is_dir()]
    return release.Outcome(folder.name, folder, folder.with_suffix(".zip"), "written")


def test_bundle_holds_every_file(released: release.Outcome) -> None:
    folder = released.folder
    assert re.fullmatch(r"sto-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}(-dirty)?", folder.name)
    files = set(release.bundle_files(folder))
    assert set(EXPECTED) <= files
    marts = _marts(folder / "sto.duckdb")
    assert len(marts) > 10
    for t in marts:
        assert f"data/{t}.parquet" in files and f"data/{t}.csv" in files
    assert released.zip_path.is_file()
    with zipfile.ZipFile(released.zip_path) as zf:
        names = [i.filename for i in zf.infolist()]
        assert names == sorted(names)
        assert {n.removeprefix(folder.name + "/") for n in names} == files
        assert len({i.date_time for i in zf.infolist()}) == 1  # every entry dated with the build time
    # the name carries the build's date and code version as audit.provenance records them
    (finished, code) = query(folder / "sto.duckdb", "SELECT finished_at, code_version FROM audit.provenance")[0]
    assert folder.name.startswith(f"sto-{finished:%Y-%m-%d}-{code[:12]}")


def test_manifest_verifies_and_a_tampered_file_is_named(released: release.Outcome, tmp_path: Path, capsys) -> None:
    manifest = json.loads((released.folder / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(release.bundle_files(released.folder)) - {"manifest.json", "SHA256SUMS"}
    sums = (released.folder / "SHA256SUMS").read_text().splitlines()
    assert any(line.endswith("  manifest.json") for line in sums) and len(sums) == len(listed) + 1
    assert main(["release", "--verify", str(released.folder)]) == 0
    assert main(["release", "--verify", str(released.zip_path)]) == 0

    import shutil

    copy = tmp_path / released.folder.name
    shutil.copytree(released.folder, copy)
    csv = next(p for p in sorted((copy / "data").glob("*.csv")))
    csv.write_bytes(csv.read_bytes().replace(b"\n", b"\r\n", 1))
    (copy / "extra.txt").write_text("not released")
    (copy / "CITATION.cff").unlink()
    capsys.readouterr()
    assert main(["release", "--verify", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"data/{csv.name}: differs" in err
    assert "CITATION.cff: missing" in err
    assert "extra.txt: not in the manifest" in err
    assert "README.md" not in err

    # a zip with one member changed
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(released.zip_path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/README.md"):
                data += b"\nedited\n"
            dst.writestr(info, data)
    result = release.verify_bundle(bad)
    assert [p.split(":")[0] for p in result.problems] == ["README.md"]
    assert main(["release", "--verify", str(tmp_path / "nothing")]) == 2


def test_workbook_opens_and_lists_every_mart(released: release.Outcome) -> None:
    import openpyxl
    import pandas as pd

    path = released.folder / "sto-marts.xlsx"
    con = duckdb.connect(str(released.folder / "sto.duckdb"), read_only=True)  # one connection for every query
    marts = _marts(released.folder / "sto.duckdb")
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in marts}
    columns = set(
        con.execute(
            "SELECT 'marts.' || table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts'"
        ).fetchall()
    )
    con.close()
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[0] == "Contents"
    assert all(len(s) <= 31 for s in wb.sheetnames)
    contents = [[c for c in row] for row in wb["Contents"].iter_rows(values_only=True)]
    tables_listed = {row[1] for row in contents if row and len(row) > 1}
    assert set(marts) <= tables_listed
    names = release.sheet_names(marts)
    assert sorted(wb.sheetnames[1:]) == sorted(names.values())
    # every column of every mart is described on the first sheet
    described = {(row[0], row[2]) for row in contents if row and len(row) > 4 and row[4]}
    assert columns <= described, sorted(columns - described)[:5]
    sheet_files = {n: f"xl/worksheets/sheet{i}.xml" for i, n in enumerate(wb.sheetnames, 1)}  # openpyxl's order
    wb.close()
    # every mart's sheet holds its rows under one header row (its <row> elements counted in the sheet's XML; the
    # full tier reads the real 2019 workbook with pandas cell by cell)
    with zipfile.ZipFile(path) as zf:
        for t in marts:
            assert zf.read(sheet_files[names[t]]).count(b"<row ") - 1 == rows[t], t
    # pandas opens it too: the first sheet and the smallest mart's sheet
    smallest = min(marts, key=rows.__getitem__)
    assert len(pd.read_excel(path, sheet_name="Contents")) > len(marts)
    assert len(pd.read_excel(path, sheet_name=names[smallest])) == rows[smallest]
    with zipfile.ZipFile(path) as zf:
        core = zf.read("docProps/core.xml").decode()
        assert {i.date_time for i in zf.infolist()} == {zf.infolist()[0].date_time}
    (finished,) = query(released.folder / "sto.duckdb", "SELECT finished_at FROM audit.provenance")[0]
    assert f"{finished:%Y-%m-%dT%H:%M:%S}" in core  # document dates: the build time, not the time of writing


def test_readme_names_every_source_file(released: release.Outcome) -> None:
    text = (released.folder / "README.md").read_text()
    db = released.folder / "sto.duckdb"
    loaded = query(db, "SELECT DISTINCT file_name, sha256 FROM audit.loaded_sources")
    assert loaded
    for name, sha in loaded:
        assert f"`{name}`" in text and sha in text, name
    for (path,) in query(db, "SELECT DISTINCT path FROM audit.source_files"):
        assert f"`{Path(path).name}`" in text, path
    for phrase in ("Bron: DUO", "GeoNames", "CC BY 4.0", "RECONSTRUCTION", "Peiljaren: 2021, 2022, 2023"):
        assert phrase in text, phrase
    (code,) = query(db, "SELECT code_version FROM audit.provenance")[0]
    assert code in text
    assert "SYNTHETIC" in text
    assert "report/index.html" in text.split("## Which files carry a timestamp")[1]


def test_citation_cff_parses(released: release.Outcome) -> None:
    cff = yaml.safe_load((released.folder / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "version", "date-released", "authors"):
        assert cff.get(key), key
    assert isinstance(cff["authors"], list) and all(isinstance(a, dict) and a.get("name") for a in cff["authors"])
    released_on = cff["date-released"]
    released_on = released_on if isinstance(released_on, date) else date.fromisoformat(released_on)
    (finished, code) = query(released.folder / "sto.duckdb", "SELECT finished_at, code_version FROM audit.provenance")[
        0
    ]
    assert released_on == finished.date()
    assert cff["version"] == code
    lic = cff["license"] if isinstance(cff["license"], list) else [cff["license"]]
    assert "EUPL-1.2" in lic and all(re.fullmatch(r"[A-Za-z0-9.\-]+", x) for x in lic)


@pytest.mark.full  # a long sequence: make test-full (CI runs both tiers); the fast tier keeps the 6-minute budget
def test_two_releases_of_one_build_have_identical_data(
    released: release.Outcome, sample_out: Path, tmp_path: Path
) -> None:
    out = copy_out(sample_out, tmp_path / "b")
    done = release.make_release(out)
    assert done.name == released.name and done.action == "written"

    def hashes(folder: Path) -> dict[str, str]:
        return {f["path"]: f["sha256"] for f in json.loads((folder / "manifest.json").read_text())["files"]}

    a, b = hashes(released.folder), hashes(done.folder)
    assert set(a) == set(b)
    differ = sorted(p for p in a if a[p] != b[p])
    assert set(differ) <= set(release.TIMESTAMPED), differ
    data = [p for p in a if p.endswith((".parquet", ".csv", ".xlsx"))]
    assert len(data) > 40 and not set(data) & set(differ)


@pytest.mark.full  # a long sequence: make test-full (CI runs both tiers); the fast tier keeps the 6-minute budget
def test_existing_release_unchanged_refused_or_forced(
    released: release.Outcome, sample_out: Path, tmp_path: Path
) -> None:
    out = copy_out(sample_out, tmp_path / "c")
    first = release.make_release(out)
    assert release.make_release(out).action == "unchanged"
    # a release of the same name from another build (another warehouse): refused unless --force
    manifest = first.folder / "manifest.json"
    data = json.loads(manifest.read_text())
    for f in data["files"]:
        if f["path"] == "sto.duckdb":
            f["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    assert main(["release", "--out", str(out)]) == 2
    assert json.loads(manifest.read_text()) == data  # nothing written
    assert main(["release", "--out", str(out), "--force"]) == 0
    assert release.verify_bundle(first.folder).ok
    assert not [p for p in (out / "releases").iterdir() if p.name.startswith(".")]  # no building leftovers


def test_refused_without_a_published_or_verified_warehouse(sample_out: Path, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["release", "--out", str(empty)]) == 2
    assert "no published warehouse" in capsys.readouterr().err
    assert not (empty / "releases").exists() or not any((empty / "releases").iterdir())

    out = copy_out(sample_out, tmp_path / "changed")
    con = duckdb.connect(str(out / "sto.duckdb"))
    con.execute("UPDATE marts.techniek_share SET pct = 50")
    con.close()
    assert main(["release", "--out", str(out)]) == 5
    err = capsys.readouterr().err
    assert "marts.techniek_share changed" in err
    assert not any(p for p in (out / "releases").iterdir() if not p.name.startswith("."))
    assert not list((out / "releases").iterdir())


def _build() -> release.Build:
    return release.Build("g", datetime(2024, 3, 1, 12, 30, 5), "ab" * 20, "c", [2023], "sample")


def test_sheet_names_are_short_and_unique() -> None:
    long = "marts." + "x" * 40
    names = release.sheet_names([long, long + "y", "marts.Contents", "marts.short"])
    assert all(len(n) <= 31 for n in names.values())
    assert len({n.lower() for n in names.values()}) == 4
    assert names["marts.short"] == "short" and names["marts.Contents"] != "Contents"


def test_workbook_neutralises_formulas_and_refers_big_tables_to_csv(tmp_path: Path, monkeypatch) -> None:
    import openpyxl

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.small AS SELECT * FROM (VALUES ('=1+1', 1, 1.5), ('@x', 2, 'nan'::DOUBLE), "
        "('plain', 3, 'inf'::DOUBLE), ('a' || chr(1) || 'b', 4, NULL)) t(a, n, x)"
    )
    con.execute("CREATE TABLE marts.big AS SELECT range AS n, map([1], [range]) AS m FROM range(5)")
    monkeypatch.setattr(release, "EXCEL_MAX_ROWS", 5)  # 4 data rows fit (marts.big has 5)
    target = tmp_path / "w.xlsx"
    info = release.write_workbook(con, ["marts.big", "marts.small"], target, _build())
    assert info["marts.big"] == {"sheet": None, "rows": 5, "in_workbook": False}
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Contents", "small"]
    cells = [c.value for c in wb["small"]["A"]]
    assert cells == ["a", "'=1+1", "'@x", "a\ufffdb", "plain"]  # a control character XML cannot hold: U+FFFD
    assert all(c.data_type == "s" for c in wb["small"]["A"])
    assert [c.value for c in wb["small"]["C"]] == ["x", 1.5, None, None, None]  # NaN and inf: empty cells
    contents = [r for r in wb["Contents"].iter_rows(values_only=True)]
    assert any(r[1] == "marts.big" and "data/marts.big.csv" in str(r[0]) for r in contents if len(r) > 1)
    # byte-stable: written twice, identical bytes
    again = tmp_path / "w2.xlsx"
    release.write_workbook(con, ["marts.big", "marts.small"], again, _build())
    assert again.read_bytes() == target.read_bytes()


@pytest.mark.realdata
@pytest.mark.full
def test_real_2019_release_verifies_opens_and_names_every_source(real_out: Path, tmp_path: Path) -> None:
    """The acceptance of issue 20 on the real 2019 files: manifest verifies (folder and zip), the workbook
    opens with pandas, the README names every source file of audit."""
    import pandas as pd

    out = copy_out(real_out, tmp_path / "real")
    done = release.make_release(out)
    assert release.verify_bundle(done.folder).ok and release.verify_bundle(done.zip_path).ok
    sheets = pd.read_excel(done.folder / release.WORKBOOK, sheet_name=None)
    marts = _marts(done.folder / "sto.duckdb")
    assert len(sheets) == len(marts) + 1
    text = (done.folder / "README.md").read_text()
    for name, sha in query(done.folder / "sto.duckdb", "SELECT DISTINCT file_name, sha256 FROM audit.loaded_sources"):
        assert f"`{name}`" in text and sha in text, name
    assert "Peiljaren: 2019" in text and "Bron: CBS, PDOK" in text
