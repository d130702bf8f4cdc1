"""A warehouse that stays right over its life (issue 10): runs in sequence into one output folder.

Each scenario of the issue is rebuilt here:
1/2 synthetic and real data never share a warehouse; a later address snapshot never unplaces a location;
3   a writer holding the published file blocks the publish, a killed writer's journal is never replayed;
5   one file offered for two peiljaren is refused with both names;
6   open-ended peiljaren: 2026 is accepted, the new-year sensor asks for the right year (frozen clock);
and years added then dropped leave every mart as it was.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipeline import db, publish
from pipeline.audit import (
    DuplicateSourceError,
    SourceMixError,
    guard_duplicate_year,
    guard_source_kind,
    record_source,
)
from pipeline.cli import main
from pipeline.fetch import FetchedFile, Fetcher
from pipeline.partitions import due_peiljaren, latest_expected_peiljaar
from tests.conftest import (
    DUO,
    GEO,
    PUPILS_2019,
    ROOT,
    copy_out,
    need_shared,
    patched_sample,
    query,
    run_sto,
    table_hashes,
)

SAMPLE = ROOT / "data_raw" / "sample"
PUPILS_NAME = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{}.csv"
SMALL = ["--no-export", "--select", "core_onderwijstype", "core_vmbo_profile", "raw_geocode_overrides"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _fetched(path: Path, year: int | None, sha: str, source_id: str = "duo_vo_students") -> FetchedFile:
    return FetchedFile(source_id, year, str(path), str(path), "mirror", 1, sha, "2026-11-30T00:00:00Z")


# ---- pure functions on tiny fixtures ----------------------------------------------------------------------
def test_guards_on_a_tiny_warehouse(tmp_path):
    con = db.connect(":memory:")
    real = tmp_path / "leerlingen-2019.csv"
    record_source(con, "r1", "raw_duo_vo_students", _fetched(real, 2019, "a" * 64))
    # the same file for another year is refused, naming both files
    with pytest.raises(DuplicateSourceError, match=r"leerlingen-2020\.csv.*leerlingen-2019\.csv"):
        guard_duplicate_year(con, _fetched(tmp_path / "leerlingen-2020.csv", 2020, "a" * 64))
    # the same file again for the same year is a reload, not a duplicate
    guard_duplicate_year(con, _fetched(real, 2019, "a" * 64))
    # a sample file into a real warehouse is refused, and says what the warehouse holds and what to do
    with pytest.raises(SourceMixError, match=r"real publisher data \(peiljaren 2019.*sto reset"):
        guard_source_kind(con, "sample")
    guard_source_kind(con, "real")
    guard_source_kind(con, "curated")


def test_snapshot_resolution_sql_never_unplaces():
    """core.pupil_locations picks, per peiljaar, a placing snapshot nearest to 1 October of that year."""
    con = db.connect(":memory:")
    con.execute("""
        CREATE TABLE core.duo_vo_students AS SELECT * FROM (VALUES
            (2017, 'AA0000', 'S1', 'P', 'Utrecht', 10), (2024, 'AA0000', 'S1', 'P', 'Utrecht', 10),
            (2017, 'BB0000', 'S2', 'P', 'Utrecht', 5), (2024, 'CC0000', 'S3', 'P', 'Utrecht', 7),
            (2017, 'DD0000', 'S4', 'P', 'Utrecht', 3)
        ) t(peiljaar, vestiging_code, instellingsnaam, plaatsnaam, provincie, n)""")
    cols = (
        "snapshot_id, snapshot_date, vestiging_code, lat, lon, geocode_method, precision_m, provincie, "
        "gemeente_code, gemeente_name, corop_code, corop_name, rmc_code, rmc_name, onderwijsgebied_code, "
        "onderwijsgebied_name, source_file"
    )
    con.execute(f"""
        CREATE TABLE core.school_location_history AS SELECT * FROM (VALUES
            ('old', DATE '2017-12-01', 'AA0000', 52.0, 5.0, 'pc6_centroid', 305, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'old.csv'),
            ('new', DATE '2025-12-01', 'AA0000', 52.5, 5.5, 'address_point', 25, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'new.csv'),
            ('old', DATE '2017-12-01', 'BB0000', 52.1, 5.1, 'pc6_centroid', 305, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'old.csv'),
            ('new', DATE '2025-12-01', 'CC0000', 52.2, 5.2, 'pc6_centroid', 305, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'new.csv'),
            ('old', DATE '2017-12-01', 'DD0000', NULL, NULL, 'none', NULL, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'old.csv'),
            ('new', DATE '2025-12-01', 'DD0000', 52.3, 5.3, 'pc6_centroid', 305, 'Utrecht', '0344', 'Utrecht',
             '17', 'Utrecht', '01', 'R', '01', 'O', 'new.csv')
        ) t({cols})""")
    db.run_sql(con, "core_pupil_locations")
    got = {
        (y, v): (lat, snap)
        for y, v, lat, snap in con.execute(
            "SELECT peiljaar, vestiging_code, lat::DOUBLE, snapshot_file FROM core.pupil_locations"
        ).fetchall()
    }
    assert got[(2017, "AA0000")] == (52.0, "old.csv")  # moved later: 2017 keeps the 2017 address
    assert got[(2024, "AA0000")] == (52.5, "new.csv")  # and 2024 takes the nearer, newer snapshot
    assert got[(2017, "BB0000")] == (52.1, "old.csv")  # closed by 2025: never unplaced
    assert got[(2024, "CC0000")] == (52.2, "new.csv")  # opened later: placed by the new snapshot
    assert got[(2017, "DD0000")] == (52.3, "new.csv")  # a placing snapshot beats a nearer unplaced one


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 11, 30), 2025), (date(2027, 2, 1), 2025), (date(2027, 6, 1), 2026), (date(2027, 12, 31), 2026)],
)
def test_latest_expected_peiljaar_frozen_clock(today, expected):
    assert latest_expected_peiljaar(today, release_month=3) == expected


def _sensor_fetcher(tmp_path: Path, years: list[int]) -> Fetcher:
    from pipeline.config import default_config

    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    for y in years:
        (mirror / PUPILS_NAME.format(y)).write_text(f"placeholder {y}\n", encoding="utf-8")
    return Fetcher(default_config().sources, [mirror], None, offline=True)


@pytest.mark.parametrize(
    ("today", "published", "requested"),
    [
        (date(2026, 11, 30), [2024, 2025], ["2025"]),  # 2025 is out: asked for, added as a partition
        (date(2026, 11, 30), [2024], None),  # not yet published: a clean skip that names 2025
        (date(2027, 4, 1), [2025, 2026], ["2026"]),  # a year on, 2026 is due
        (date(2027, 1, 15), [2025], None),  # January 2027: 2026 not expected yet, 2025 loaded
    ],
)
def test_new_year_sensor_frozen_clock(tmp_path, today, published, requested):
    from pipeline.definitions import evaluate_new_year

    loaded = {2024} | ({2025} if today.year == 2027 else set())
    result = evaluate_new_year(today, loaded, _sensor_fetcher(tmp_path, published), 2024, 3)
    if requested is None:
        assert isinstance(result, dg.SkipReason)
        assert ("2025" in result.skip_message) or ("2026" in result.skip_message)
    else:
        assert [r.partition_key for r in result.run_requests] == requested
        assert list(result.dynamic_partitions_requests[0].partition_keys) == requested


def test_due_peiljaren_follow_the_newest_loaded_year():
    today = date(2026, 11, 30)
    assert due_peiljaren(today, 2014, 3, {2022, 2024}) == [2025]  # older gaps are a backfill, not the sensor's
    assert due_peiljaren(today, 2014, 3, {2022}) == [2025, 2024, 2023]
    assert due_peiljaren(today, 2014, 3, set()) == [2025]  # an empty warehouse: the newest expected year
    assert due_peiljaren(today, 2014, 3, {2025}) == []


def test_sensor_through_dagster(tmp_path, monkeypatch):
    """The real sensor with the UI's resource settings (atomic publish) and a frozen clock: it reads the
    warehouse's years, requests 2025 in late 2026, and neither locks nor copies the warehouse."""
    import pipeline.definitions as d
    from pipeline.resources import StoResource

    monkeypatch.setattr(d, "_today", lambda: date(2026, 11, 30))
    mirror = _sensor_fetcher(tmp_path, [2024, 2025]).mirrors[0]
    warehouse = tmp_path / "out" / "sto.duckdb"
    warehouse.parent.mkdir()
    con = db.connect(warehouse)
    record_source(con, "r", "raw_duo_vo_students", _fetched(mirror / PUPILS_NAME.format(2024), 2024, "d" * 64))
    con.close()
    sto = StoResource(db_path=str(warehouse), mirrors=[str(mirror)], offline=True, sample=False, atomic_publish=True)
    with dg.instance_for_test() as instance, dg.build_sensor_context(instance=instance, resources={"sto": sto}) as ctx:
        result = d.new_duo_year(ctx)
    assert [r.partition_key for r in result.run_requests] == ["2025"]
    assert not (tmp_path / "out" / ".staging").exists()


# ---- CLI refusals answered before any work -------------------------------------------------------------
def test_years_open_ended_and_fast_usage_errors(tmp_path, capsys):
    out = tmp_path / "out"
    t0 = time.monotonic()
    assert main(["run", "--out", str(out), "--years", "1999"]) == 2
    assert "outside the allowed range 2014–" in capsys.readouterr().err
    assert main(["run", "--out", str(out), "--years", str(date.today().year + 1)]) == 2
    capsys.readouterr()
    # 2026 is a valid peiljaar now; the sample has no file for it, and the error says what the mirror has
    assert main(["run", "--out", str(out), "--years", "2026"]) == 2
    err = capsys.readouterr().err
    assert "no DUO pupils file for peiljaar 2026" in err and "2021, 2022, 2023" in err
    assert main(["run", "--out", str(out), "--mirror", str(tmp_path / "absent")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert time.monotonic() - t0 < 10  # no Dagster import on these paths (< 2 s each on a calm machine)
    assert not (out / "sto.duckdb").exists()


@pytest.mark.realdata
def test_same_file_for_two_peiljaren_refused(tmp_path, capsys):
    need_shared()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for y in (2019, 2020):
        (mirror / PUPILS_NAME.format(y)).symlink_to(PUPILS_2019)
    out = tmp_path / "out"
    rc = main(
        ["run", "--out", str(out), "--mirror", str(mirror), "--mirror", str(GEO), "--mirror", str(DUO)]
        + ["--years", "2019", "2020", "--offline"]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert PUPILS_NAME.format(2019) in err and PUPILS_NAME.format(2020) in err and "same file" in err
    assert not (out / "sto.duckdb").exists()


@pytest.mark.realdata
def test_sample_and_real_never_mix(sample_out, tmp_path, capsys):
    """Scenario 1/2: the README's real run after `make run` is refused; the sample warehouse is untouched."""
    need_shared()
    out = copy_out(sample_out, tmp_path / "out")
    before = _sha(out / "sto.duckdb")
    rc = main(["run", "--out", str(out), "--mirror", str(DUO), "--mirror", str(GEO), "--years", "2019", "--offline"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "SYNTHETIC sample (peiljaren 2021, 2022, 2023" in err and "this run reads real publisher data" in err
    assert "sto reset" in err and "--out" in err
    assert _sha(out / "sto.duckdb") == before


def test_sample_into_real_warehouse_refused(tmp_path, capsys):
    """The other direction, on a tiny warehouse that says it holds real data: `make run` is refused."""
    out = tmp_path / "out"
    out.mkdir()
    con = db.connect(out / "sto.duckdb")
    record_source(con, "r", "raw_duo_vo_students", _fetched(tmp_path / "real-2019.csv", 2019, "b" * 64))
    con.close()
    before = _sha(out / "sto.duckdb")
    assert main(["run", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds real publisher data (peiljaren 2019" in err and "SYNTHETIC" in err
    assert _sha(out / "sto.duckdb") == before


# ---- sequences into one warehouse ------------------------------------------------------------------------
WRITER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE marts.evaluator_scratch AS SELECT 42 AS x")   # committed: lands in the .wal
con.execute("DELETE FROM marts.indicator_catalog WHERE indicator_id IN "
            "(SELECT indicator_id FROM marts.indicator_catalog LIMIT 15)")
con.execute("BEGIN TRANSACTION")
con.execute("INSERT INTO marts.evaluator_scratch VALUES (43)")          # uncommitted
print("ready", flush=True)
sys.stdin.readline()
"""


def test_writer_blocks_publish_and_a_dead_writers_journal_is_never_replayed(sample_out, tmp_path, capsys):
    """Scenario 3, with a real second process: first alive (refused, exit 3), then SIGKILLed (publish is safe)."""
    out = copy_out(sample_out, tmp_path / "out")
    dbf = out / "sto.duckdb"
    n_catalog = query(dbf, "SELECT count(*) FROM marts.indicator_catalog")[0][0]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(dbf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        assert Path(str(dbf) + ".wal").exists()
        before = _sha(dbf)
        assert run_sto(out, *SMALL) == 3
        err = capsys.readouterr().err
        assert str(dbf) in err and "read-write" in err and "-readonly" in err and "read_only=True" in err
        assert _sha(dbf) == before
        # the check also runs right before the swap (a writer that appeared during the build)
        with pytest.raises(publish.PublishBlockedError):
            publish.check_no_writer(dbf)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert Path(str(dbf) + ".wal").exists()  # the killed writer left its journal
    assert run_sto(out, *SMALL) == 0
    assert "removed orphaned journal" in capsys.readouterr().out
    assert not Path(str(dbf) + ".wal").exists()
    # a new reader sees exactly the published database: no evaluator table, the whole catalogue
    assert query(dbf, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'evaluator_scratch'") == [(0,)]
    assert query(dbf, "SELECT count(*) FROM marts.indicator_catalog")[0][0] == n_catalog


@pytest.mark.slow
def test_year_added_then_dropped_leaves_every_mart_as_it_was(sample_out, tmp_path, monkeypatch, capsys):
    """Scenario 6 and `sto drop`: peiljaar 2026 loads without a code change, marts cover 4 years; dropping it
    gives back the marts of the 3-year warehouse exactly, and the Dagster partition goes with it."""
    out = copy_out(sample_out, tmp_path / "out")
    reference = table_hashes(out / "sto.duckdb", ("marts",))
    sample = patched_sample(tmp_path, monkeypatch)
    src = (sample / PUPILS_NAME.format(2023)).read_text(encoding="utf-8").splitlines(keepends=True)
    (sample / PUPILS_NAME.format(2026)).write_text("".join(src[:-3]), encoding="utf-8")  # a different file
    assert run_sto(out, "--years", "2026", "--no-export") == 0
    years = query(out / "sto.duckdb", "SELECT DISTINCT peiljaar FROM marts.techniek_share ORDER BY 1")
    assert [y for (y,) in years] == [2021, 2022, 2023, 2026]
    instance = dg.DagsterInstance.from_config(str(ROOT))
    assert "2026" in instance.get_dynamic_partitions("peiljaar")
    capsys.readouterr()
    assert main(["status", "--out", str(out)]) == 0
    status = capsys.readouterr().out
    assert "2026  sample" in status and PUPILS_NAME.format(2026) in status
    assert main(["drop", "--out", str(out), "--years", "2026"]) == 0
    assert table_hashes(out / "sto.duckdb", ("marts",)) == reference
    assert "2026" not in instance.get_dynamic_partitions("peiljaar")
    assert main(["drop", "--out", str(out), "--years", "2021", "2022", "2023"]) == 2  # would empty it
    assert "sto reset" in capsys.readouterr().err


@pytest.mark.slow
def test_later_address_snapshot_never_unplaces_an_earlier_year(sample_out, tmp_path, monkeypatch):
    """Scenario 2: a newer address file in which locations closed or moved leaves every loaded year's
    placement and marts as they were; both snapshots are kept and reported."""
    out = copy_out(sample_out, tmp_path / "out")
    reference = table_hashes(out / "sto.duckdb", ("marts",))
    placed = query(out / "sto.duckdb", "SELECT count(*) FROM core.pupil_locations WHERE lat IS NOT NULL")[0][0]
    sample = patched_sample(tmp_path, monkeypatch)
    addr = sample / "02.-alle-vestigingen-vo.csv"
    lines = addr.read_text(encoding="cp1252").splitlines(keepends=True)
    kept = lines[:1] + lines[1::2]  # every second school is gone from the new snapshot
    addr.write_text("".join(kept), encoding="cp1252")
    os.utime(addr, (time.time(), time.time()))  # dated today by its modification time
    assert run_sto(out, "--years", "2023", "--no-export") == 0
    dbf = out / "sto.duckdb"
    assert query(dbf, "SELECT count(DISTINCT snapshot_id) FROM core.school_location_history") == [(2,)]
    assert query(dbf, "SELECT count(*) FROM core.pupil_locations WHERE lat IS NOT NULL")[0][0] == placed
    assert table_hashes(dbf, ("marts",)) == reference
    current = query(dbf, "SELECT count(*) FROM core.school_locations")[0][0]
    assert current == len(lines) - 1  # the register keeps a closed school's last known address


def test_reset_lists_then_deletes(sample_out, tmp_path, capsys):
    out = copy_out(sample_out, tmp_path / "out")
    (out / "exports").mkdir()
    assert main(["reset", "--out", str(out)]) == 0  # without --yes: a dry run, only lists
    assert "sto.duckdb" in capsys.readouterr().out and (out / "sto.duckdb").exists()
    assert main(["reset", "--out", str(out), "--yes"]) == 0
    assert not (out / "sto.duckdb").exists() and not (out / "exports").exists()


def test_holdings_read_on_a_read_only_connection(tmp_path):
    """`describe_holdings` and the status tables read on a read-only connection (no DDL needed)."""
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    record_source(con, "r", "raw_duo_vo_students", _fetched(tmp_path / "f-2019.csv", 2019, "c" * 64))
    con.close()
    ro = duckdb.connect(str(path), read_only=True)
    from pipeline.audit import describe_holdings

    assert "real publisher data (peiljaren 2019" in describe_holdings(ro)
    df = ro.execute("SELECT * FROM audit.loaded_sources").df()
    ro.close()
    assert isinstance(df, pd.DataFrame) and df.loc[0, "source_kind"] == "real"


@pytest.mark.full
@pytest.mark.realdata
def test_real_2019_survives_a_newer_address_snapshot(real_out, tmp_path):
    """Scenario 2 on the real files: an address file in which half the schools are gone (a later snapshot,
    dated today by its file time) leaves 2019's placement and every mart exactly as they were."""
    need_shared()
    out = copy_out(real_out, tmp_path / "out")
    dbf = out / "sto.duckdb"
    reference = table_hashes(dbf, ("marts",))
    placed = query(dbf, "SELECT count(lat), sum(n_pupils) FILTER (WHERE lat IS NOT NULL) FROM core.pupil_locations")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for f in DUO.iterdir():
        if f.name != "alle-vestigingen-vo.csv":
            (mirror / f.name).symlink_to(f)
    lines = (DUO / "alle-vestigingen-vo.csv").read_bytes().splitlines(keepends=True)
    (mirror / "02.-alle-vestigingen-vo.csv").write_bytes(b"".join(lines[:1] + lines[1::2]))
    assert run_sto(out, "--mirror", str(mirror), "--mirror", str(GEO), "--years", "2019", "--offline") == 0
    assert query(dbf, "SELECT count(DISTINCT snapshot_id) FROM core.school_location_history") == [(2,)]
    after = query(dbf, "SELECT count(lat), sum(n_pupils) FILTER (WHERE lat IS NOT NULL) FROM core.pupil_locations")
    assert after == placed
    assert table_hashes(dbf, ("marts",)) == reference


def test_reconciliation_marks_synthetic_rows_not_comparable(sample_out):
    """The sample's figures are never compared with the real published ones as if they were data."""
    rows = query(
        sample_out / "sto.duckdb",
        "SELECT DISTINCT comparable, note LIKE 'not compared: the warehouse holds the synthetic sample%' "
        "FROM marts.reconciliation WHERE source = 'techniekpact'",
    )
    assert rows == [(False, True)]


@pytest.mark.realdata
def test_reconciliation_compares_real_rows(real_out):
    rows = query(
        real_out / "sto.duckdb", "SELECT DISTINCT comparable FROM marts.reconciliation WHERE source = 'techniekpact'"
    )
    assert rows == [(True,)]


def test_years_built_under_other_rules_are_not_mixed(sample_out, tmp_path, monkeypatch, capsys):
    """A change of the classification rules (profiles, onderwijstypes, censored cells) after years were loaded:
    adding or refreshing one year is refused until the others are reloaded, naming them and the command."""
    from pipeline.config import Config

    out = copy_out(sample_out, tmp_path / "out")
    before = _sha(out / "sto.duckdb")
    # every loaded year records the rules its core rows were built with, on the core asset's own row (written
    # with those rows, never by a later UPDATE of another asset's row); the raw asset applies no rules
    rows = query(
        out / "sto.duckdb",
        "SELECT asset, list(DISTINCT peiljaar ORDER BY peiljaar), list(DISTINCT rules_hash) FROM audit.loaded_sources "
        "WHERE source_id = 'duo_vo_students' GROUP BY asset ORDER BY asset",
    )
    assert [(a, y) for a, y, _ in rows] == [
        ("core_duo_vo_students", [2021, 2022, 2023]),
        ("raw_duo_vo_students", [2021, 2022, 2023]),
    ]
    assert len(rows[0][2]) == 1 and rows[0][2][0] and rows[1][2] == [None]
    monkeypatch.setattr(Config, "rules_hash", lambda self: "changed-rules")
    assert main(["run", "--out", str(out), "--years", "2022", "--no-export"]) == 2
    err = capsys.readouterr().err
    assert "peiljaar 2021, 2023" in err and "other classification rules" in err
    assert "sto run --years 2021 2022 2023" in err and "sto drop --years 2021 2023" in err
    assert _sha(out / "sto.duckdb") == before
