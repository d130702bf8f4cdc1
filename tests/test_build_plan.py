"""Work is skipped only when it is provably unchanged (issue 11, pipeline/fingerprint.py).

Sequences on one output folder: the same run again is skipped without touching the published file; a
changed code fingerprint, a changed reference file or another mirror list gives a full build; a new
peiljaar loads only that year and the assets downstream of it, and the result equals a full build of the
same years from nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import pipeline.fingerprint as fp
from pipeline.cli import _build_plan, main
from pipeline.config import default_config
from tests.conftest import ROOT, copy_out, patched_sample, query, run_sto, table_hashes

SAMPLE = ROOT / "data_raw" / "sample"
PUPILS_NAME = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{}.csv"
SAMPLE_MODE = {"sample": True, "mirrors": [], "offline": False, "cache_dir": str(ROOT / "data_raw" / "downloads")}


def _plan(out: Path, years: list[int], mode: dict | None = None) -> fp.BuildPlan:
    return _build_plan(out / "sto.duckdb", default_config(), mode or SAMPLE_MODE, years, False)


def test_unchanged_run_is_skipped_and_leaves_the_file_alone(sample_out, tmp_path, capsys):
    out = copy_out(sample_out, tmp_path / "out")
    db = out / "sto.duckdb"
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_ino, db.stat().st_mtime_ns)
    assert _plan(out, [2021, 2022, 2023]).kind == "skip"
    capsys.readouterr()
    assert run_sto(out, "--no-export") == 0
    said = capsys.readouterr().out
    assert "nothing changed since the last build" in said and "skipped" in said
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_ino, db.stat().st_mtime_ns) == before


def test_what_forces_a_full_build(sample_out, tmp_path, monkeypatch):
    """Another code fingerprint, other run settings, a changed reference file: full; a new year: years."""
    out = copy_out(sample_out, tmp_path / "out")
    assert _plan(out, [2021]).kind == "skip"
    real_mode = {**SAMPLE_MODE, "sample": False, "mirrors": [str(tmp_path)]}
    assert _plan(out, [2021], real_mode).kind == "full"
    with monkeypatch.context() as m:
        m.setattr(fp, "code_fingerprint", lambda root=ROOT: "0" * 64)
        plan = _plan(out, [2021])
        assert plan.kind == "full" and "code or configuration changed" in plan.reason
    with monkeypatch.context() as m:
        m.setenv("STO_INVENTORY", str(tmp_path / "other.csv"))
        assert _plan(out, [2021]).kind == "full"
    with monkeypatch.context() as m:
        sample = patched_sample(tmp_path, monkeypatch=m)
        addr = sample / "02.-alle-vestigingen-vo.csv"
        addr.write_bytes(addr.read_bytes() + b"\n")
        plan = _plan(out, [2021])
        assert plan.kind == "full" and plan.changed == ["duo_vo_locations (02.-alle-vestigingen-vo.csv)"]
    with monkeypatch.context() as m:
        sample = patched_sample(tmp_path / "b", monkeypatch=m)
        src = (sample / PUPILS_NAME.format(2023)).read_text(encoding="utf-8").splitlines(keepends=True)
        (sample / PUPILS_NAME.format(2026)).write_text("".join(src[:-3]), encoding="utf-8")
        (sample / PUPILS_NAME.format(2022)).write_text("".join(src[:-2]), encoding="utf-8")
        plan = _plan(out, [2021, 2022, 2026])
        assert (plan.kind, plan.years) == ("years", [2022, 2026])
        assert "peiljaar 2022 changed, peiljaar 2026 new" in plan.reason
    # mirrors, cache and offline are not settings: the files they give are compared by sha256
    assert _plan(out, [2021], {**SAMPLE_MODE, "offline": True, "cache_dir": str(tmp_path)}).kind == "skip"


def test_no_build_state_means_full(tmp_path):
    assert _plan(tmp_path, [2021]).kind == "full"  # no warehouse
    assert fp.plan_build(tmp_path / "x.duckdb", {}, None, None, SAMPLE_MODE, [2021], force=True).kind == "full"


def test_code_fingerprint_sees_every_code_file(tmp_path):
    domain = ("assets/x/sql/e.sql", "assets/x/config/f.yaml", "assets/x/tables.yaml")  # a domain's own files
    for rel in ("pipeline/a.py", "assets/b.py", "sql/c.sql", "pipeline/config/d.yaml", "requirements.lock", *domain):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    first = fp.code_fingerprint(tmp_path)
    for rel in ("pipeline/a.py", "sql/c.sql", "pipeline/config/d.yaml", "requirements.lock", *domain):
        (tmp_path / rel).write_text("y")
        assert fp.code_fingerprint(tmp_path) != first
        (tmp_path / rel).write_text("x")
    assert fp.code_fingerprint(tmp_path) == first
    (tmp_path / "assets" / "new.py").write_text("")
    assert fp.code_fingerprint(tmp_path) != first


@pytest.mark.full
def test_added_year_runs_only_that_year_and_equals_a_full_build(sample_out, tmp_path, monkeypatch, capsys):
    """Adding peiljaar 2026 to the 3-year sample warehouse runs the yearly assets and the marts only,
    and every table (audit aside) equals a build of the four years from nothing."""
    out = copy_out(sample_out, tmp_path / "out")
    sample = patched_sample(tmp_path, monkeypatch)
    src = (sample / PUPILS_NAME.format(2023)).read_text(encoding="utf-8").splitlines(keepends=True)
    (sample / PUPILS_NAME.format(2026)).write_text("".join(src[:-3]), encoding="utf-8")
    capsys.readouterr()
    assert run_sto(out, "--years", "2026", "--no-export") == 0
    said = capsys.readouterr().out
    assert "only the new or changed peiljaren: peiljaar 2026 new" in said
    assert "raw_geonames_pc6" not in said and "raw_duo_vo_exams" not in said  # unchanged upstream skipped
    assert "mart_techniek_share" in said
    fresh = tmp_path / "fresh"
    assert run_sto(fresh, "--years", "2021", "2022", "2023", "2026", "--no-export") == 0
    assert table_hashes(out / "sto.duckdb") == table_hashes(fresh / "sto.duckdb")
    kinds = query(out / "sto.duckdb", "SELECT build_kind FROM audit.build_state ORDER BY finished_at")
    assert kinds[-1] == ("years",)
    assert main(["run", "--out", str(out), "--no-export", "--years", "2026"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_failed_new_year_leaves_no_partition_behind(sample_out, tmp_path, monkeypatch, capsys):
    """A run that fails for a new peiljaar removes the partition it added, so the Dagster UI lists only the
    years the warehouse holds and the year never narrows a later partition range; a partition left by a
    killed run is healed by the next run."""
    import dagster as dg

    from pipeline.partitions import PEILJAAR_PARTITIONS

    out = copy_out(sample_out, tmp_path / "out")
    sample = patched_sample(tmp_path, monkeypatch)
    src = (sample / PUPILS_NAME.format(2023)).read_text(encoding="utf-8").splitlines(keepends=True)
    broken = src[:2] + [src[2].replace(";", ";X;", 1)] + src[3:-3]  # one row with a field too many
    (sample / PUPILS_NAME.format(2026)).write_text("".join(broken), encoding="utf-8")
    assert run_sto(out, "--years", "2026", "--no-export") == 1
    instance = dg.DagsterInstance.from_config(str(ROOT))
    assert "2026" not in instance.get_dynamic_partitions(PEILJAAR_PARTITIONS)
    instance.add_dynamic_partitions(PEILJAAR_PARTITIONS, ["2025"])  # as a killed run would leave it
    (sample / PUPILS_NAME.format(2026)).write_text("".join(src[:-3]), encoding="utf-8")
    assert run_sto(out, "--years", "2026", "--no-export") == 0
    assert "[peiljaar 2026]" in capsys.readouterr().out  # yearly steps name their peiljaar
    assert "2025" not in instance.get_dynamic_partitions(PEILJAAR_PARTITIONS)
    assert "2026" in instance.get_dynamic_partitions(PEILJAAR_PARTITIONS)


@pytest.mark.full
def test_real_year_added_from_a_mirror_holding_only_that_year(real_out, tmp_path, capsys):
    """The --help example `sto run --years 2020 --mirror DIR` with DIR holding only the new year's file:
    only that year and the marts run (the reference files stay as loaded), the marts then cover both years;
    the same DIR alone for a full build is refused before any work, naming the missing reference files."""
    import random

    from tests.conftest import PUPILS_2019, need_shared

    need_shared()
    out = copy_out(real_out, tmp_path / "out")
    only_new = tmp_path / "new"
    only_new.mkdir()
    header, *rows = PUPILS_2019.read_bytes().splitlines(keepends=True)
    random.Random(2020).shuffle(rows)  # the same figures in another file (sha256)
    (only_new / PUPILS_2019.name.replace("2019", "2020")).write_bytes(header + b"".join(rows))
    capsys.readouterr()
    assert run_sto(out, "--years", "2020", "--mirror", str(only_new), "--offline", "--no-export") == 0
    said = capsys.readouterr().out
    assert "only the new or changed peiljaren: peiljaar 2020 new" in said
    assert "raw_geonames_pc6" not in said and "raw_duo_vo_locations" not in said
    years = query(out / "sto.duckdb", "SELECT DISTINCT peiljaar FROM marts.techniek_share ORDER BY 1")
    assert years == [(2019,), (2020,)]
    fresh = tmp_path / "fresh"
    assert run_sto(fresh, "--years", "2020", "--mirror", str(only_new), "--offline", "--no-export") == 2
    assert "reference file(s) missing, nothing was run" in capsys.readouterr().err
