"""DUO's exam file is a rolling five-year window (2019-2024, then 2020-2025, …): a refresh finds the newest
file(s) in the mirrors, the cache and (online) at the names the catalogue's pattern predicts, and takes each
school year from the newest file that has it, recording which file supplied which year (issue 16 item 4)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import requests

from assets.exams.parser import newest_per_school_year, parse_exams, range_from_name
from pipeline.config import default_config
from pipeline.fetch import Fetcher
from tests.conftest import ROOT

SAMPLE = ROOT / "data_raw" / "sample"
NAME = "examenkandidaten-en-geslaagden-{}-{}.csv"
ROLLING = "duo_vo_exams_rolling"
REVISED = "777"  # the 2020-2025 file's (revised) candidates of its first row in 2020-2021


def _shifted_file(dest: Path) -> Path:
    """A 2020-2025 file made from the sample's 2019-2024 one: 2019-2020 dropped, 2024-2025 added (a copy of
    2023-2024), and the first row's 2020-2021 total candidates revised to REVISED, so the overlapping
    years of the two files differ."""
    text = (SAMPLE / NAME.format(2019, 2024)).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    keep = [i for i, c in enumerate(header) if "2019-2020" not in c]
    new = [i for i, c in enumerate(header) if "2023-2024" in c]
    out = [[r[i] for i in keep] + [r[i] for i in new] for r in rows]
    out[0] = [header[i] for i in keep] + [header[i].replace("2023-2024", "2024-2025") for i in new]
    out[1][out[0].index("EXAMENKANDIDATEN SCHOOLJAAR 2020-2021 - TOTAAL")] = REVISED
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(out)
    dest.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return dest


def _mirror(tmp_path: Path, rolling: bool = True) -> Path:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for a, b in ((2014, 2019), (2019, 2024)):
        shutil.copy(SAMPLE / NAME.format(a, b), mirror / NAME.format(a, b))
    if rolling:
        _shifted_file(mirror / NAME.format(2020, 2025))
    return mirror


def test_rolling_names_follow_the_catalogue_pattern(tmp_path):
    f = Fetcher(default_config().sources, [_mirror(tmp_path)], None, offline=True)
    assert f.rolling_range(ROLLING, NAME.format(2020, 2025)) == (2020, 2025)
    assert f.rolling_range(ROLLING, NAME.format(2019, 2024)) is None  # the pinned file, not the rolling one
    assert f.rolling_range(ROLLING, NAME.format(2021, 2024)) is None  # not five school years
    assert f.rolling_range(ROLLING, "duo_examen_raw_all.csv") is None  # the 2019-2024 alias stays pinned
    (tmp_path / "mirror" / NAME.format(2021, 2026)).write_bytes(b"x")
    assert [Path(x.path).name for x in f.locate_rolling(ROLLING)] == [NAME.format(2021, 2026), NAME.format(2020, 2025)]
    assert Path(f.locate(ROLLING).path).name == NAME.format(2021, 2026)  # locate: the newest


def test_newest_file_wins_each_school_year(tmp_path):
    mirror = _mirror(tmp_path)
    names = [NAME.format(2014, 2019), NAME.format(2019, 2024), NAME.format(2020, 2025)]
    frames = [parse_exams(mirror / n)[0] for n in names]
    rows, supply = newest_per_school_year(frames, {n: range_from_name(n) for n in names})
    by_year = rows.groupby("schooljaar")["source_file"].unique().map(list).to_dict()
    assert by_year == {
        **{f"{y}-{y + 1}": [names[0]] for y in range(2014, 2019)},
        "2019-2020": [names[1]],  # only the older file has it
        **{f"{y}-{y + 1}": [names[2]] for y in range(2020, 2025)},  # the newest file wins the overlap
    }
    first = rows[(rows["source_row"] == 2) & (rows["schooljaar"] == "2020-2021")]
    assert first["kandidaten_totaal"].tolist() == [REVISED]  # the revised value, not the older file's
    assert len(rows) == sum(len(f[f["source_file"] != names[1]]) for f in frames[::2]) + (
        (frames[1]["schooljaar"] == "2019-2020").sum()
    )
    old = supply[supply["source_file"] == names[1]].set_index("schooljaar")
    assert old.loc["2019-2020", "supplied"] and old.loc["2019-2020", "taken_from"] == names[1]
    assert not old.loc["2020-2021", "supplied"] and old.loc["2020-2021", "taken_from"] == names[2]
    assert list(supply["source_file"].drop_duplicates()) == [names[2], names[1], names[0]]  # newest first


def test_raw_asset_takes_the_newest_file_and_records_it(tmp_path):
    """The raw asset (with its checks, e.g. one file per school year) on a mirror with the three files;
    audit.loaded_sources lists every file, raw.duo_vo_exams says per row which file supplied it."""
    from assets.exams.assets import raw_duo_vo_exams
    from pipeline.resources import StoResource

    mirror = _mirror(tmp_path)
    dbf = tmp_path / "w.duckdb"
    sto = StoResource(
        db_path=str(dbf), mirrors=[str(mirror)], cache_dir=str(tmp_path / "cache"), offline=True, sample=False
    )
    result = dg.materialize([raw_duo_vo_exams], resources={"sto": sto}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    con = duckdb.connect(str(dbf), read_only=True)
    try:
        years = dict(
            con.execute("SELECT schooljaar, any_value(source_file) FROM raw.duo_vo_exams GROUP BY 1").fetchall()
        )
        loaded = con.execute(
            "SELECT source_id, snapshot_id, file_name FROM audit.loaded_sources ORDER BY file_name"
        ).fetchall()
    finally:
        con.close()
    assert years["2019-2020"] == NAME.format(2019, 2024) and years["2024-2025"] == NAME.format(2020, 2025)
    assert years["2020-2021"] == NAME.format(2020, 2025) and years["2018-2019"] == NAME.format(2014, 2019)
    assert loaded == [
        ("duo_vo_exams_2014_2019", None, NAME.format(2014, 2019)),
        ("duo_vo_exams_2019_2024", None, NAME.format(2019, 2024)),
        (ROLLING, "2020-2025", NAME.format(2020, 2025)),
    ]
    meta = result.asset_materializations_for_node("raw_duo_vo_exams")[0].metadata
    table = meta["school_years_by_file"].value
    assert "2020-2021" in table and NAME.format(2020, 2025) in table
    # the rolling file gone from the mirror: a rebuild no longer lists it
    (mirror / NAME.format(2020, 2025)).unlink()
    assert dg.materialize([raw_duo_vo_exams], resources={"sto": sto}, instance=dg.DagsterInstance.ephemeral()).success
    con = duckdb.connect(str(dbf), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM audit.loaded_sources WHERE source_id = ?", [ROLLING]).fetchone() == (
            0,
        )
    finally:
        con.close()


class _Publisher(requests.Session):
    """duo.nl as far as the test needs it: the files in `served` answer 200 with their bytes, others 404."""

    def __init__(self, served: dict[str, bytes]) -> None:
        super().__init__()
        self.served = served
        self.asked: list[str] = []

    def get(self, url, **kw):  # noqa: ANN001, ANN003, ANN201
        self.asked.append(url.rsplit("/", 1)[-1])
        body = self.served.get(url.rsplit("/", 1)[-1])
        r = requests.models.Response()
        r.status_code, r.url = (200, url) if body is not None else (404, url)
        r._content, r._content_consumed = body or b"", True
        r.headers["Content-Length"] = str(len(r._content))
        return r


def test_online_refresh_tries_the_next_names_and_downloads_the_published_ones(tmp_path):
    """With 2020-2025 in the mirror, an online refresh in 2027 asks the publisher for 2021-2026 and 2022-2027
    (the pattern's next names) and downloads the one it serves; offline it asks nothing."""
    mirror = _mirror(tmp_path)
    newer = _shifted_file(tmp_path / "newer.csv").read_bytes()
    cat = default_config().sources
    session = _Publisher({NAME.format(2021, 2026): newer})
    f = Fetcher(cat, [mirror], tmp_path / "cache", offline=False, session=session)
    got = f.fetch_rolling(ROLLING, 2027)
    # asked (probed, then the served one downloaded) in order, nothing older than the mirror's newest
    assert list(dict.fromkeys(session.asked)) == [NAME.format(2021, 2026), NAME.format(2022, 2027)]
    assert [(Path(x.path).name, x.origin_kind) for x in got] == [
        (NAME.format(2021, 2026), "download"),
        (NAME.format(2020, 2025), "mirror"),
    ]
    assert got[0].origin == f"https://duo.nl/open_onderwijsdata/images/{NAME.format(2021, 2026)}"
    # the cache keeps it: next time it is located without the network
    again = Fetcher(cat, [mirror], tmp_path / "cache", offline=True)
    assert [Path(x.path).name for x in again.fetch_rolling(ROLLING, 2027)] == [
        NAME.format(2021, 2026),
        NAME.format(2020, 2025),
    ]
    quiet = _Publisher({})
    Fetcher(cat, [mirror], tmp_path / "c2", offline=True, session=quiet).fetch_rolling(ROLLING, 2027)
    assert quiet.asked == []


def test_without_rolling_files_the_pinned_files_give_the_same_rows(tmp_path):
    """No rolling file found: the rows are exactly the two pinned files' rows, in their order (the marts
    of the sample and the real files stay as pinned in tests/fixtures/mart_hashes.json)."""
    mirror = _mirror(tmp_path, rolling=False)
    names = [NAME.format(2014, 2019), NAME.format(2019, 2024)]
    frames = [parse_exams(mirror / n)[0] for n in names]
    rows, supply = newest_per_school_year(frames, {n: range_from_name(n) for n in names})
    pd.testing.assert_frame_equal(rows, pd.concat(frames, ignore_index=True))
    assert supply["supplied"].all()


def test_build_plan_sees_a_new_rolling_file(tmp_path):
    """The yearly refresh's plan: the same rolling files as loaded → nothing to do; a newer five-year file in
    the mirror → a full build naming the rolling source (its years may revise loaded exam figures)."""
    import pipeline.fingerprint as fp
    from pipeline import db
    from pipeline.audit import record_source

    mirror = _mirror(tmp_path)
    pupils = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2021.csv"
    shutil.copy(SAMPLE / pupils, mirror / pupils)
    cat = default_config().sources
    f = Fetcher(cat, [mirror], None, offline=True)
    mode = {"sample": False, "mirrors": [str(mirror)], "offline": True, "cache_dir": None}
    published = tmp_path / "out" / "sto.duckdb"
    published.parent.mkdir()
    con = db.connect(published)
    record_source(con, "r", "raw_duo_vo_students", f.locate("duo_vo_students", 2021))
    for sid in ("duo_vo_exams_2014_2019", "duo_vo_exams_2019_2024"):
        record_source(con, "r", "raw_duo_vo_exams", f.locate(sid))
    record_source(con, "r", "raw_duo_vo_exams", f.locate(ROLLING), "2020-2025")
    fp.record_build(con, "r", "full", [2021], mode)
    from pipeline.integrity import record_hashes

    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE TABLE raw.built AS SELECT 1 AS x")  # a built table
    record_hashes(con)  # as every publish does: the warehouse is as built (pipeline/integrity.py)
    con.close()
    assert fp.plan_build(published, cat, f, f, mode, [2021]).kind == "skip"
    (mirror / NAME.format(2021, 2026)).write_bytes(_shifted_file(tmp_path / "n.csv").read_bytes() + b"\r\n")
    plan = fp.plan_build(published, cat, f, f, mode, [2021])
    assert plan.kind == "full" and ROLLING in plan.reason and NAME.format(2021, 2026) in plan.reason
