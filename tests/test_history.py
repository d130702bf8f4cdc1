"""History across publishes (pipeline/history.py): every publish keeps what it replaced (Parquet under
<out>/history/), atomically; the retention keeps N; `sto reset` removes it; `sto history` lists the kept
publishes and a figure across them. The slow sequence rebuilds the sample: an unchanged rebuild diffs as
equal, a changed input file and a changed config value are named, and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipeline import diff, history, publish
from pipeline.cli import main
from tests.conftest import copy_out, patched_sample, run_sto

PUPILS_NAME = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{}.csv"


def build(path: Path, pct: float, group: str) -> Path:
    """A tiny warehouse with marts.techniek_share (one figure) and an audit.provenance row `group`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit; CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE marts.techniek_share AS SELECT 2021 AS peiljaar, 'national' AS scope_type, 'NL' AS scope_code, "
        f"'ind' AS indicator, {pct}::DOUBLE AS pct, 10 AS n_techniek, 50 AS n_total"
    )
    con.execute("CREATE TABLE raw.big AS SELECT range AS i FROM range(1000)")  # not kept in history
    con.execute(
        "CREATE TABLE audit.provenance (run_group VARCHAR, dagster_run_ids VARCHAR, finished_at TIMESTAMP, "
        "code_version VARCHAR, config_hash VARCHAR, package_versions VARCHAR, peiljaren VARCHAR, source_mode VARCHAR)"
    )
    con.execute(
        f"INSERT INTO audit.provenance VALUES ('{group}', '[\"dagster-{group}\"]', "
        f"TIMESTAMP '2026-01-01 00:00:00' + INTERVAL ({int(pct)}) MINUTE, 'code', 'h', '{{}}', '[2021]', 'sample')"
    )
    con.close()
    return path


def publish_series(out: Path, values: list[float], keep: int) -> None:
    published = out / "sto.duckdb"
    for i, v in enumerate(values):
        staging = build(publish.staging_dir(out) / f"s{i}.duckdb", v, f"group{i:02d}")
        publish.publish(staging, published, history_keep=keep)


def test_each_publish_keeps_what_it_replaced_and_the_retention_holds(tmp_path: Path, capsys):
    out = tmp_path / "out"
    publish_series(out, [10.0, 11.0, 12.0, 13.0, 14.0], keep=3)
    kept = history.entries(out)
    assert [e.run_group for e in kept] == ["group03", "group02", "group01"]  # newest first, 3 kept
    files = sorted(p.name for p in kept[0].path.iterdir())
    assert files == [  # the marts and the audit tables of the causes; no raw or core tables
        "audit.provenance.parquet",
        "audit.table_hashes.parquet",
        "entry.json",
        "marts.techniek_share.parquet",
    ]
    assert not any(publish.staging_dir(out).iterdir())  # no temp entry left behind
    # the previous publish, by N, by run id and by a Dagster run id; a figure across the publishes
    assert history.resolve_since(out, "1").run_group == "group03"
    assert history.resolve_since(out, "group01").run_group == "group01"
    assert history.resolve_since(out, "dagster-group02").run_group == "group02"
    assert history.resolve_since(out, "2026-01-01").run_group == "group03"
    rows = history.figure_history(out, "ind", "national:NL")
    assert [(r[0][-7:], r[3]) for r in rows] == [
        ("group01", 11.0),
        ("group02", 12.0),
        ("group03", 13.0),
        ("current", 14.0),
    ]
    assert main(["diff", "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert "marts.techniek_share" in said and "13" in said and "14" in said
    assert main(["diff", "--out", str(out), "--since", "3"]) == 1
    assert main(["diff", "--out", str(out), "--since", "9"]) == 2
    assert "3 earlier publish(es) kept" in capsys.readouterr().err
    assert main(["history", "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    assert "current" in listing and listing.count("-group0") == 3
    assert main(["history", "--out", str(out), "--indicator", "ind", "--scope", "national:NL"]) == 0
    assert "14" in capsys.readouterr().out
    publish_series(out, [15.0], keep=0)  # history off: nothing kept
    assert history.entries(out) == []


def test_a_failed_swap_leaves_no_history_entry(tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    publish_series(out, [10.0], keep=5)
    staging = build(publish.staging_dir(out) / "s.duckdb", 20.0, "failed")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        publish.publish(staging, out / "sto.duckdb", history_keep=5)
    monkeypatch.undo()
    assert history.entries(out) == []
    assert [p.name for p in publish.staging_dir(out).iterdir()] == ["s.duckdb"]  # no half-written entry
    con = duckdb.connect(str(out / "sto.duckdb"), read_only=True)
    assert con.execute("SELECT pct FROM marts.techniek_share").fetchone() == (10.0,)
    con.close()


def test_reset_removes_the_history(tmp_path: Path, capsys):
    out = tmp_path / "out"
    publish_series(out, [10.0, 11.0], keep=5)
    assert history.history_dir(out).is_dir()
    assert main(["reset", "--out", str(out)]) == 0
    assert str(history.history_dir(out)) in capsys.readouterr().out  # the dry run lists it
    assert main(["reset", "--out", str(out), "--yes"]) == 0
    assert not history.history_dir(out).exists()


def test_sto_diff_without_a_previous_publish_is_a_usage_error(tmp_path: Path, capsys):
    out = tmp_path / "out"
    publish_series(out, [10.0], keep=5)
    assert main(["diff", "--out", str(out)]) == 2
    assert "no earlier publish is kept" in capsys.readouterr().err


def test_history_keep_setting(monkeypatch):
    from pipeline.errors import UsageError
    from pipeline.settings import env_settings

    assert env_settings({}).history_keep is None
    assert env_settings({"STO_HISTORY_KEEP": "3"}).mode()["history_keep"] == 3
    with pytest.raises(UsageError, match="STO_HISTORY_KEEP='x'"):
        _ = env_settings({"STO_HISTORY_KEEP": "x"}).history_keep


def _diff(out: Path) -> diff.DiffResult:
    return diff.diff_warehouses(history.resolve_since(out, "1").path, out / "sto.duckdb")


@pytest.mark.slow
@pytest.mark.full  # a long sequence: make test-full (CI runs both tiers); the fast tier keeps the 6-minute budget
def test_rebuild_sequence_names_what_changed_and_nothing_else(sample_out, tmp_path, monkeypatch, capsys):
    """Unchanged rebuild: equal (exit 0). A few counts changed in the sample's 2022 pupils file: the diff
    names that file (sha256 old → new) and the marts and keys that moved, no config or code. A config value
    changed: the diff names that key."""
    from pipeline import config as config_mod

    out = copy_out(sample_out, tmp_path / "out")
    assert run_sto(out, "--force", "--no-export") == 0
    capsys.readouterr()
    assert main(["diff", "--out", str(out)]) == 0, capsys.readouterr().out
    assert "EQUAL" in capsys.readouterr().out

    sample = patched_sample(tmp_path, monkeypatch)
    f = sample / PUPILS_NAME.format(2022)
    old_sha = __import__("hashlib").sha256(f.read_bytes()).hexdigest()
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    vmbo_bkg = [
        i
        for i, line in enumerate(lines)
        if line.split('","')[5].startswith(("VMBO BB", "VMBO KB", "VMBO GL")) and line.split('","')[14].isdigit()
    ]
    for i in vmbo_bkg[:3]:  # a few counts: leerjaar 3 boys of vmbo B/K/G rows + 7
        cells = lines[i].split('","')
        cells[14] = str(int(cells[14]) + 7)
        lines[i] = '","'.join(cells)
    f.write_text("".join(lines), encoding="utf-8")
    new_sha = __import__("hashlib").sha256(f.read_bytes()).hexdigest()
    assert run_sto(out, "--no-export") == 0
    result = _diff(out)
    assert [(s, y) for s, y, _, _ in result.causes.inputs] == [("duo_vo_students", "2022")]
    (_, _, was, now) = result.causes.inputs[0]
    assert old_sha in was and new_sha in now
    assert result.causes.config == [] and result.causes.config_compared
    assert result.causes.code_version is None and result.causes.rules_hash is None
    moved = {t.table: t for t in result.tables if t.status != "equal"}
    assert "marts.techniek_share" in moved and all(t.startswith("marts.") for t in moved)
    assert result.table("marts.selection_funnel").status == "equal"  # SEOR: nothing to do with pupils
    share = moved["marts.techniek_share"]
    assert share.added == share.removed == 0 and share.changed > 0
    assert all("peiljaar=2022" in k for k in share.examples["changed"])
    assert {m.column for m in share.measures} >= {"n_total"}
    capsys.readouterr()
    assert main(["diff", "--out", str(out), "--report", str(tmp_path / "d.md")]) == 1
    said = capsys.readouterr().out
    assert old_sha[:16] in said and new_sha[:16] in said and "marts.techniek_share" in said

    cfg_dir = config_mod.copy_config(tmp_path / "config")
    text = (cfg_dir / "monitoring.yaml").read_text(encoding="utf-8")
    assert "  threshold_pct: 10 " in text
    (cfg_dir / "monitoring.yaml").write_text(text.replace("  threshold_pct: 10 ", "  threshold_pct: 12 "), "utf-8")
    monkeypatch.setattr(config_mod, "CONFIG_DIR", cfg_dir)
    config_mod.default_config.cache_clear()
    try:
        assert run_sto(out, "--force", "--no-export") == 0
    finally:
        monkeypatch.setattr(config_mod, "CONFIG_DIR", None)
        config_mod.default_config.cache_clear()
    result = _diff(out)
    assert result.causes.config == [("monitoring.yaml", "techniekarm.threshold_pct", "10", "12")]
    assert result.causes.inputs == [] and result.causes.config_hash is not None
    arm = result.table("marts.techniekarm")
    assert arm.status == "changed" and "threshold_pct" in arm.changed_columns
    assert len(history.entries(out)) == 3
