"""`sto status`, `sto reset` and the refusal texts tell the truth about the warehouse (issue 16, Why 5).

- status lists a yearly asset's peiljaren from the warehouse's own years, not from the run history
  (which keeps a dropped year's materialisations): a sequence add, add, drop, status, re-add, status;
- `sto reset` without --yes is a dry run (exit 0) that also lists the run lock; with --yes no lock is left;
- a sample run into a real warehouse is refused with the command that refreshes THAT warehouse first.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipeline import db
from pipeline.audit import record_source, refresh_args, refresh_command
from pipeline.cli import main
from pipeline.fetch import FetchedFile
from pipeline.paths import DATA_OUT, PROJECT_ROOT
from tests.conftest import copy_out, run_sto


def _status(out: Path, capsys: pytest.CaptureFixture) -> str:
    capsys.readouterr()
    assert main(["status", "--out", str(out)]) == 0
    return capsys.readouterr().out


def _years_listed(status: str, asset: str) -> list[str]:
    """The peiljaren the asset table of `sto status` lists for a yearly asset."""
    return re.findall(rf"^{asset}\s+(\d{{4}})\s", status, flags=re.MULTILINE)


@pytest.mark.slow
def test_status_after_add_add_drop_and_readd(tmp_path, capsys):
    """The issue's repro: run 2021 2022; run 2023; drop 2022; status lists 2021 and 2023 only. Re-adding 2022
    lists it again with the re-load's materialisation time and check outcome."""
    out = tmp_path / "out"
    assert run_sto(out, "--years", "2021", "2022", "--no-export") == 0
    assert run_sto(out, "--years", "2023", "--no-export") == 0
    status = _status(out, capsys)
    for asset in ("raw_duo_vo_students", "core_duo_vo_students"):
        assert _years_listed(status, asset) == ["2021", "2022", "2023"], status
    first_2022 = re.search(r"^core_duo_vo_students\s+2022\s+(\S+ \S+)", status, flags=re.MULTILINE).group(1)

    assert main(["drop", "--out", str(out), "--years", "2022"]) == 0
    status = _status(out, capsys)
    for asset in ("raw_duo_vo_students", "core_duo_vo_students"):
        assert _years_listed(status, asset) == ["2021", "2023"], status
    assert not re.search(r"^\s*2022\s+sample", status, flags=re.MULTILINE)  # nor in the peiljaren table

    assert run_sto(out, "--years", "2022", "--no-export") == 0
    status = _status(out, capsys)
    for asset in ("raw_duo_vo_students", "core_duo_vo_students"):
        assert _years_listed(status, asset) == ["2021", "2022", "2023"], status
    row = re.search(r"^core_duo_vo_students\s+2022\s+(\S+ \S+)\s+(\S+)", status, flags=re.MULTILINE)
    assert row.group(1) >= first_2022 and row.group(2) == "passed"
    assert "FAILED" not in status


def test_status_of_a_copied_warehouse_lists_its_years_without_run_history(sample_out, tmp_path, capsys, monkeypatch):
    """A warehouse copied into a new folder has no run history: its years are still listed (from the
    warehouse), saying the run history does not have them."""
    out = copy_out(sample_out, tmp_path / "out")
    monkeypatch.setenv("STO_DAGSTER_DIR", str(out / "dagster"))
    status = _status(out, capsys)
    assert _years_listed(status, "core_duo_vo_students") == ["2021", "2022", "2023"]
    assert re.search(r"^core_duo_vo_students\s+2021\s+not in run history", status, flags=re.MULTILINE)


def test_reset_dry_run_exits_0_and_yes_leaves_no_lock(sample_out, tmp_path, capsys):
    out = copy_out(sample_out, tmp_path / "out")
    (out / ".sto.lock").touch()  # left by an earlier run
    assert main(["reset", "--out", str(out)]) == 0  # a dry run did what it was asked
    listed = capsys.readouterr().out
    assert "sto.duckdb" in listed and ".sto.lock" in listed and "nothing deleted" in listed
    assert (out / "sto.duckdb").exists() and (out / ".sto.lock").exists()
    assert main(["reset", "--out", str(out), "--yes"]) == 0
    assert sorted(p.name for p in out.iterdir()) == []
    assert main(["reset", "--out", str(out)]) == 0
    assert "holds nothing to delete" in capsys.readouterr().out


def test_lock_removed_under_a_waiting_process_is_not_trusted(tmp_path):
    """A process that opened the lock file before a reset removed it must not take a lock on the removed file."""
    from pipeline import publish

    out = tmp_path / "out"
    held = publish.acquire_lock(out)
    (out / ".sto.lock").unlink()
    held.close()
    (out / ".sto.lock").touch()  # a new file at the path: the lock must be on it
    with publish.run_lock(out):
        pass


def _fetched(path: Path, year: int | None, sha: str, origin_kind: str = "mirror", source_id: str = "x") -> FetchedFile:
    return FetchedFile(source_id, year, str(path), str(path), origin_kind, 1, sha, "2026-12-01T00:00:00Z")


def test_refresh_command_from_what_the_warehouse_recorded(tmp_path):
    shared = PROJECT_ROOT.parent / "shared" / "data"
    con = db.connect(":memory:")
    assert refresh_args(con) is None  # nothing recorded
    record_source(con, "r", "raw_duo_vo_students", _fetched(shared / "duo" / "p-2019.csv", 2019, "a" * 64))
    record_source(con, "r", "raw_geonames_pc6", _fetched(shared / "geo" / "NL_full.txt.gz", None, "b" * 64))
    record_source(con, "r", "raw_duo_vo_students", _fetched(shared / "duo" / "p-2018.csv", 2018, "c" * 64))
    assert refresh_args(con) == [
        "--mirror",
        "../shared/data/duo",
        "--mirror",
        "../shared/data/geo",
        "--years",
        "2018",
        "2019",
        "--offline",
    ]
    assert refresh_command(con, DATA_OUT, DATA_OUT) == (
        'make run ARGS="--mirror ../shared/data/duo --mirror ../shared/data/geo --years 2018 2019 --offline"'
    )
    assert refresh_command(con, tmp_path / "w", DATA_OUT).startswith(f'make run ARGS="--out {tmp_path / "w"} ')
    # a file from the download cache: the refresh may download (online)
    record_source(con, "r", "raw_duo_vo_exams", _fetched(tmp_path / "downloads" / "e.csv", None, "d" * 64, "cache"))
    assert refresh_args(con)[-1] == "--online"
    sample = db.connect(":memory:")
    record_source(
        sample, "r", "raw_duo_vo_students", _fetched(PROJECT_ROOT / "data_raw/sample/p-2021.csv", 2021, "e" * 64)
    )
    assert refresh_args(sample) == [] and refresh_command(sample, DATA_OUT, DATA_OUT) == "make run"


def test_sample_run_into_real_warehouse_names_the_refresh_first(tmp_path, capsys):
    """After a real load, plain `make run` (the sample) is refused, and the first remedy is the command that
    refreshes this warehouse from its own mirrors and years; the reset is named as deleting it."""
    out = tmp_path / "out"
    out.mkdir()
    mirror = tmp_path / "mirror"
    con = db.connect(out / "sto.duckdb")
    record_source(con, "r", "raw_duo_vo_students", _fetched(mirror / "real-2019.csv", 2019, "f" * 64))
    con.close()
    assert main(["run", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    refresh = f'make run ARGS="--out {out} --mirror {mirror} --years 2019 --offline"'
    assert refresh in err
    assert err.index(refresh) < err.index("--out DIR") < err.index("sto reset")
    assert "which deletes it" in err
    ro = duckdb.connect(str(out / "sto.duckdb"), read_only=True)
    assert ro.execute("SELECT count(*) FROM audit.loaded_sources").fetchone()[0] == 1
    ro.close()


def test_readme_and_help_say_where_sto_lives(capsys):
    """Every `sto …` command the README shows is `.venv/bin/sto …`, the README says once how to activate the
    venv instead, and `sto --help` says the same; the README's usage lines name every option of --help."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    bare = [
        line
        for line in readme.splitlines()
        if re.search(r"(?<![/\w.-])sto (run|status|drop|reset|export|report)", line)
    ]
    assert bare == [], bare
    assert "source .venv/bin/activate" in readme
    with pytest.raises(SystemExit):
        main(["--help"])
    assert ".venv/bin/sto" in capsys.readouterr().out
    for option in ("--years", "--mirror", "--out", "--offline", "--online", "--select", "--no-export", "--force"):
        with pytest.raises(SystemExit):
            main(["run", "--help"])
        assert option in capsys.readouterr().out and option in readme
