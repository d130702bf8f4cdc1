"""Issue 15 (items 3-5): the warehouse is verified before it is trusted, a damaged or foreign one is named,
nothing is injectable through paths, exports neutralise spreadsheet formulas, created files are never
world-writable, and the preflight refuses what it cannot read or write (pipeline/integrity.py).

Each class has a test; the sequences run several commands into one output folder (edit a mart, then
status/export/report/drop/run; damage the file, then every command; SIGTERM, then a skipped run). Exit codes
as the README promises: 2 refused before any work, 3 busy, 4 damaged, 5 changed outside the pipeline,
6 published but exports/report not written.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline import integrity
from pipeline.cli import main
from pipeline.export import export_marts
from tests.conftest import ROOT, copy_out, patched_sample, run_sto, table_hashes

SMALL = ["--no-export", "--select", "core_onderwijstype", "core_vmbo_profile", "raw_geocode_overrides"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _cli(out: Path, command: str, *args: str) -> int:
    os.environ["STO_DAGSTER_DIR"] = str(out / "dagster")
    return main([command, "--out", str(out), *args])


def _env(out: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "STO_DAGSTER_DIR": str(out / "dagster")}


# ---- content hashes on a tiny warehouse ----------------------------------------------------------------------
def test_verify_names_changed_added_removed_and_retyped_tables(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA core; CREATE SCHEMA audit")
    con.execute("CREATE TABLE marts.techniek_share AS SELECT 2019 AS peiljaar, 19.5::DOUBLE AS pct")
    con.execute("CREATE TABLE marts.other AS SELECT 1 AS x")
    con.execute("CREATE TABLE core.c AS SELECT range AS r FROM range(1000)")
    assert not integrity.verify(con).recorded
    integrity.record_hashes(con)
    assert integrity.verify(con).ok
    con.execute("UPDATE marts.techniek_share SET pct = 50")
    con.execute("DROP TABLE marts.other")
    con.execute("CREATE TABLE marts.extra AS SELECT 1 AS y")
    con.execute("ALTER TABLE core.c ALTER r TYPE VARCHAR")
    v = integrity.verify(con)
    assert v.recorded and not v.ok
    assert v.changes == [
        "core.c changed (same row count, other values)",
        "marts.other was removed",
        "marts.techniek_share changed (same row count, other values)",
        "marts.extra was added",
    ]
    assert "changed outside the pipeline since the build of" in v.message(tmp_path / "w.duckdb")
    integrity.record_hashes(con)  # a new build records what it publishes
    assert integrity.verify(con).ok
    con.close()


# ---- item 3: a mart edited by a read-write client, then every command -----------------------------------------
def test_edited_mart_is_named_refused_and_rebuilt(sample_out, tmp_path, capsys):
    out = copy_out(sample_out, tmp_path / "w")
    published = out / "sto.duckdb"
    assert _cli(out, "status") == 0
    assert "verified: " in capsys.readouterr().out
    con = duckdb.connect(str(published))  # an evaluator's read-write session
    con.execute("UPDATE marts.techniek_share SET pct = 50 WHERE true")
    con.close()
    edited = _sha(published)
    named = "marts.techniek_share changed"

    assert _cli(out, "status") == integrity.EXIT_CHANGED
    text = capsys.readouterr()
    assert "NOT VERIFIED" in text.out and named in text.out and "since the build of" in text.out
    for command, args in (("export", []), ("report", []), ("drop", ["--years", "2021"]), ("run", SMALL)):
        assert _cli(out, command, *args) == integrity.EXIT_CHANGED, command
        err = capsys.readouterr().err
        assert named in err and "refused" in err, command
    assert not (out / "exports").exists() and not (out / "report").exists()  # never re-published as is
    assert _sha(published) == edited

    assert run_sto(out, "--no-export") == 0  # rebuilt instead of "nothing changed … skipped"
    said = capsys.readouterr().out
    assert "full build" in said and named in said and "skipped" not in said.split("\n")[0]
    assert table_hashes(published) == table_hashes(sample_out / "sto.duckdb")  # the pipeline's figures again
    assert _cli(out, "status") == 0
    assert run_sto(out, "--no-export") == 0
    assert "nothing changed" in capsys.readouterr().out


def test_added_table_refuses_export(sample_out, tmp_path, capsys):
    out = copy_out(sample_out, tmp_path / "w")
    con = duckdb.connect(str(out / "sto.duckdb"))
    con.execute("CREATE TABLE marts.injected AS SELECT '=HYPERLINK(\"http://x\")' AS s")
    con.close()
    assert _cli(out, "export") == integrity.EXIT_CHANGED
    assert "marts.injected was added" in capsys.readouterr().err
    assert not (out / "exports").exists()


# ---- item 5: a damaged or foreign warehouse, then every command -----------------------------------------------
def _checksum(block: bytes) -> int:
    """DuckDB's header checksum (src/common/checksum.cpp): 5381 xor every uint64 times 0xbf58476d1ce4e5b9."""
    result = 5381
    for (x,) in struct.iter_unpack("<Q", block):
        result ^= (x * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    return result


def _damage(p: Path, how: str) -> str:
    """Damage the warehouse file `p`; returns words the message must contain."""
    if how == "empty":
        p.write_bytes(b"")
        return "is empty (0 bytes)"
    if how == "garbage":
        p.write_bytes(os.urandom(50_000))
        return "is not a DuckDB database file"
    if how == "truncated":
        os.truncate(p, p.stat().st_size // 3)
        return "is truncated"
    if how == "other_version":  # the storage version a newer DuckDB writes (header field after "DUCK")
        head = bytearray(p.read_bytes()[:4096])
        assert head[8:12] == b"DUCK"
        head[12:20] = struct.pack("<Q", 100)
        head[0:8] = struct.pack("<Q", _checksum(bytes(head[8:4096])))
        with open(p, "r+b") as fh:
            fh.write(head)
        return "was written by a newer DuckDB version"
    raise ValueError(how)


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "other_version"])
def test_damaged_warehouse_named_by_every_command(sample_out, tmp_path, capsys, how):
    out = copy_out(sample_out, tmp_path / "w")
    published = out / "sto.duckdb"
    words = _damage(published, how)
    before = _sha(published)
    for command, args in (("run", []), ("status", []), ("export", []), ("report", []), ("drop", ["--years", "2021"])):
        assert _cli(out, command, *args) == integrity.EXIT_DAMAGED, (how, command)
        err = capsys.readouterr().err
        assert str(published) in err and words in err, (how, command, err)
        assert f"sto reset --out {out} --yes" in err and "previous copy" in err
        assert "Traceback" not in err and "busy" not in err
        assert _sha(published) == before  # left as it is
    assert _cli(out, "reset", "--yes") == 0  # the recovery it names works on the damaged file
    assert not published.exists()


# ---- item 4: paths with quotes and semicolons ----------------------------------------------------------------
CRAFTED = ["it's", "a'; COPY (SELECT 1) TO '/tmp/pwn.csv'; --", "x;y; DROP TABLE marts.techniek_share;"]


def test_export_path_is_bound_not_pasted(tmp_path):
    dbf = tmp_path / "sto.duckdb"
    con = duckdb.connect(str(dbf))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.t AS SELECT 1 AS x")
    con.close()
    pwn = Path("/tmp/pwn.csv")
    pwn.unlink(missing_ok=True)
    for name in CRAFTED:
        target = tmp_path / name / "exports"
        files = export_marts(dbf, target)
        assert sorted(f.name for f in files) == ["marts.t.csv", "marts.t.parquet"]
        assert (target / "marts.t.csv").read_text().splitlines() == ["x", "1"]
    assert not pwn.exists()


def test_crafted_out_folders_publish_export_and_report(sample_out, tmp_path, capsys):
    """`sto run` (skipping: the published copy is current) writes the exports and report into folders whose
    names carry quotes and semicolons; `sto export` and `sto report` too; no foreign file appears."""
    pwn = Path("/tmp/pwn.csv")
    pwn.unlink(missing_ok=True)
    for name in CRAFTED:
        out = copy_out(sample_out, tmp_path / name)
        assert run_sto(out) == 0, name
        assert (out / "exports" / "marts.techniek_share.csv").exists() and (out / "report" / "index.html").exists()
        assert _cli(out, "export") == 0 and _cli(out, "report") == 0
        listed = sorted(p.name for p in (out / "exports").iterdir())
        assert len(listed) == len(list((sample_out / "exports").iterdir())), name
    assert not pwn.exists()


@pytest.mark.full
def test_full_build_into_a_folder_with_a_quote(tmp_path, capsys):
    out = tmp_path / "it's; here"
    assert run_sto(out) == 0
    assert (out / "exports" / "marts.techniek_share.csv").exists()
    assert _cli(out, "status") == 0


def test_no_value_pasted_into_sql_text():
    """Static guard: no f-string of the code base puts a value between SQL quotes ('{...}'): values are
    bound (?, $name) or quoted by DuckDB's rule (pipeline.tables.sql_literal / ident)."""
    import re

    pasted = re.compile(r"""f["'].*'\{[^}]+\}'""")
    sql_slot = re.compile(r"""(read_\w+\(|\bTO |\bIS |ATTACH |\bIN \(|= )'\{[^}]+\}'""")
    hits = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
        for folder in ("pipeline", "assets", "scripts")
        for p in sorted((ROOT / folder).rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if (pasted.search(line) and re.search(r"SELECT|FROM|COPY|read_csv|INSERT|WHERE|COMMENT|ATTACH", line))
        or sql_slot.search(line)  # a continuation line of a multi-line f-string
    ]
    assert hits == []


# ---- item 4: CSV formula injection ---------------------------------------------------------------------------
def test_csv_neutralises_formula_text_parquet_keeps_values(tmp_path):
    dbf = tmp_path / "sto.duckdb"
    con = duckdb.connect(str(dbf))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.t AS SELECT * FROM (VALUES (1, '=1+1', -5.5), (2, '+31 6', 0), (3, '-x', 1), "
        "(4, '@SUM(A1)', 2), (5, 'De School', -1), (6, NULL, 3)) v(k, name, n)"
    )
    con.close()
    export_marts(dbf, tmp_path / "exports")
    csv = (tmp_path / "exports" / "marts.t.csv").read_text().splitlines()
    assert csv == [
        "k,name,n",
        "1,'=1+1,-5.5",
        "2,'+31 6,0.0",
        "3,'-x,1.0",
        "4,'@SUM(A1),2.0",
        "5,De School,-1.0",
        "6,,3.0",
    ]
    rows = pq.read_table(tmp_path / "exports" / "marts.t.parquet").to_pylist()
    assert [r["name"] for r in rows] == ["=1+1", "+31 6", "-x", "@SUM(A1)", "De School", None]
    assert [r["n"] for r in rows] == [-5.5, 0, 1, 2, -1, 3]


# ---- item 4: never world-writable, whatever the umask --------------------------------------------------------
def test_created_files_not_group_or_world_writable_under_umask_000(sample_out, tmp_path):
    out = copy_out(sample_out, tmp_path / "w")
    os.chmod(out, 0o755)
    (out / "sto.duckdb").chmod(0o644)
    env = _env(out)
    for argv in (["run", *SMALL, "--force"], ["export"], ["report"]):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", argv[0], "--out", str(out), *argv[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=lambda: os.umask(0),
        )
        assert done.returncode == 0, done.stdout + done.stderr
    paths = [out, *out.rglob("*")]
    assert any(p.name == "sto.duckdb" for p in paths) and any(p.parent.name == "dagster" for p in paths)
    assert any(p.name == ".sto.lock" for p in paths) and any(p.name == ".staging" for p in paths)
    loose = [str(p) for p in paths if not p.is_symlink() and p.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)]
    assert loose == []


# ---- item 5: preflight refusals (exit 2 before any work) -----------------------------------------------------
def test_empty_input_and_symlink_loops_refused_in_preflight(tmp_path, monkeypatch, capsys):
    sample = patched_sample(tmp_path, monkeypatch)
    out = tmp_path / "out"
    pupils = sample / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2023.csv"
    pupils.write_bytes(b"")
    t0 = time.monotonic()
    assert run_sto(out, "--years", "2023") == 2
    err = capsys.readouterr().err
    assert str(pupils) in err and "file is empty (0 bytes)" in err and "expected a header row and data rows" in err
    assert time.monotonic() - t0 < 5 and not (out / "sto.duckdb").exists()

    pupils.unlink()
    pupils.symlink_to(pupils.name)  # a link to itself
    assert run_sto(out, "--years", "2023") == 2
    err = capsys.readouterr().err
    assert str(pupils) in err and "symbolic link loop" in err and "none of" not in err

    loop = tmp_path / "loopdir"
    loop.symlink_to(loop)
    assert run_sto(out, "--mirror", str(loop), "--offline", "--years", "2019") == 2
    err = capsys.readouterr().err
    assert f"--mirror {loop}" in err and "symbolic link loop" in err and "not a directory" not in err
    for command in ("run", "status", "export"):
        assert main([command, "--out", str(loop)]) == 2
        assert "symbolic link loop" in capsys.readouterr().err


def _namespace_ok() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


needs_namespace = pytest.mark.skipif(not _namespace_ok(), reason="needs root and `unshare --mount` (mounts)")


def _sto_in_namespace(setup: str, out: Path, *argv: str, umask: int | None = None) -> subprocess.CompletedProcess:
    """Run `python -m pipeline.cli argv…` in a private mount namespace after the shell commands `setup`
    (bind mounts, tmpfs), so read-only and full file systems are real, not simulated."""
    cli = " ".join(f"'{a}'" for a in [sys.executable, "-m", "pipeline.cli", *argv])
    return subprocess.run(
        ["unshare", "--mount", "sh", "-ec", f"{setup}\nexec {cli}"],
        cwd=ROOT,
        env=_env(out),
        capture_output=True,
        text=True,
        timeout=300,
    )


@needs_namespace
def test_read_only_output_folder_refused(sample_out, tmp_path):
    """An evaluator's account that cannot write the output folder: a read-only bind mount of it."""
    out = copy_out(sample_out, tmp_path / "w")
    ro = f"mount --bind '{out}' '{out}'; mount -o remount,bind,ro '{out}'"
    before = _sha(out / "sto.duckdb")
    for argv in (["run"], ["export"], ["report"], ["drop", "--years", "2021"]):
        done = _sto_in_namespace(ro, out, argv[0], "--out", str(out), *argv[1:])
        assert done.returncode == 2, (argv, done.stdout + done.stderr)
        assert "cannot be written by this account (read-only file system)" in done.stderr
        assert "Traceback" not in done.stderr
    done = _sto_in_namespace(ro, out, "status", "--out", str(out))
    assert done.returncode == 0, done.stderr  # reading is fine (the run history cannot be created: said so)
    assert "verified: " in done.stdout and "Traceback" not in done.stderr
    assert _sha(out / "sto.duckdb") == before


def _dac_ok() -> bool:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    return subprocess.run([*NO_DAC, "true"], capture_output=True).returncode == 0


# Root without the capabilities that let it read and write through file modes: chmod is then real.
NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
needs_no_dac = pytest.mark.skipif(not _dac_ok(), reason="needs root and setpriv (drops CAP_DAC_OVERRIDE)")


def _sto_no_dac(out: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NO_DAC, sys.executable, "-m", "pipeline.cli", *argv],
        cwd=ROOT,
        env=_env(out),
        capture_output=True,
        text=True,
        timeout=300,
    )


@needs_no_dac
def test_unreadable_mirror_folder_or_file_and_unwritable_output_refused(sample_out, tmp_path):
    """An account that cannot read a mirror folder or file, or write the output folder (chmod, with the
    process's override capabilities dropped): exit 2 before any work, naming the path, no traceback."""
    mirror = tmp_path / "mirror"
    shutil.copytree(ROOT / "data_raw" / "sample", mirror)
    out = tmp_path / "out"
    pupils = mirror / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2022.csv"
    try:
        pupils.chmod(0)
        done = _sto_no_dac(out, "run", "--out", str(out), "--mirror", str(mirror), "--offline", "--years", "2022")
        assert done.returncode == 2, done.stdout + done.stderr
        assert str(pupils) in done.stderr and "cannot be read by this account (Permission denied)" in done.stderr
        pupils.chmod(0o644)
        mirror.chmod(0)
        done = _sto_no_dac(out, "run", "--out", str(out), "--mirror", str(mirror), "--offline", "--years", "2022")
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"--mirror {mirror}: the folder cannot be read by this account" in done.stderr
    finally:
        mirror.chmod(0o755)
        pupils.chmod(0o644)
    w = copy_out(sample_out, tmp_path / "w")
    try:
        w.chmod(0o555)
        for argv in (["run"], ["export"], ["report"]):
            done = _sto_no_dac(w, argv[0], "--out", str(w))
            assert done.returncode == 2, (argv, done.stdout + done.stderr)
            assert "cannot be written by this account (permission denied)" in done.stderr
            assert "Traceback" not in done.stderr
    finally:
        w.chmod(0o755)
    assert not (w / "exports").exists()


# ---- item 5: disk full, post-publish failures, staging after SIGTERM / SIGKILL -----------------------------------
@needs_namespace
@pytest.mark.full
@pytest.mark.parametrize("room", ["none", "copy_only"])
def test_disk_full_names_enospc_even_without_run_history(sample_out, tmp_path, room):
    """The output folder on a tiny tmpfs (a real full disk, in a private mount namespace). `none`: filled up,
    not even the staging copy fits: refused before any work (exit 2). `copy_only`: room for the staging copy
    but not for the rebuild nor the Dagster run history on the same disk: exit 1. Both name ENOSPC; the
    published database is unchanged and no staging file is left."""
    out = tmp_path / "full"
    out.mkdir()
    size = (sample_out / "sto.duckdb").stat().st_size
    tmpfs = size + 2 * 1024 * 1024 + (size if room == "copy_only" else 0)
    fill = f"dd if=/dev/zero of='{out}/filler' bs=64k 2>/dev/null || true" if room == "none" else ""
    py = " ".join([sys.executable, "-m", "pipeline.cli", "run", "--out", f"'{out}'", "--force"])
    script = (
        f"mount -t tmpfs -o size={tmpfs} tmpfs '{out}'\n"
        f"cp '{sample_out / 'sto.duckdb'}' '{out}/sto.duckdb'\n{fill}\n"
        f"sha256sum '{out}/sto.duckdb'\n"
        f"{py} && rc=0 || rc=$?\n"
        f"sha256sum '{out}/sto.duckdb'\necho staging: $(ls -A '{out}/.staging' 2>/dev/null)\necho rc=$rc"
    )
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script], cwd=ROOT, env=_env(out), capture_output=True, text=True
    )
    text = done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == ("rc=2" if room == "none" else "rc=1"), text
    assert "ENOSPC" in text and "no space left on device" in text
    assert "published database unchanged" in text and "Traceback" not in done.stderr
    shas = [ln.split()[0] for ln in lines if ln.endswith("/sto.duckdb") and len(ln.split()[0]) == 64]
    assert len(shas) == 2 and shas[0] == shas[1] == _sha(sample_out / "sto.duckdb")
    assert "staging: " == [ln for ln in lines if ln.startswith("staging:")][0].rstrip() + " "


def test_export_failure_after_publish_is_exit_6(sample_out, tmp_path, monkeypatch, capsys):
    import pipeline.export

    out = copy_out(sample_out, tmp_path / "w")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.export, "export_marts", full)
    assert run_sto(out) == 6  # skip path: the published database is current, its exports are missing
    err = capsys.readouterr().err
    assert "is published, but the exports could not be written" in err and "ENOSPC" in err
    assert "published database unchanged" not in err


def test_staging_cleaned_by_the_next_invocation_after_sigterm_and_sigkill(sample_out, tmp_path):
    """A terminated (SIGTERM: Dagster may still clean up itself) or killed (SIGKILL: nothing runs) run, and
    a staging file left after the last step (the issue's 48 MB case, placed here directly): the next
    invocation, a run that skips because nothing changed, removes every staging file."""
    out = copy_out(sample_out, tmp_path / "w")
    env = _env(out)
    for sig in (signal.SIGTERM, signal.SIGKILL, None):
        if sig is None:
            (out / ".staging").mkdir(exist_ok=True)
            shutil.copy(out / "sto.duckdb", out / ".staging" / "sto-0123456789ab.duckdb")
            (out / ".staging" / "sto-0123456789ab.copying").write_bytes(b"partial")
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline.cli", "run", "--out", str(out), *SMALL],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 120
            while not list((out / ".staging").glob("*.duckdb")) and time.monotonic() < deadline:
                time.sleep(0.05)
            proc.send_signal(sig)
            proc.wait(timeout=60)
        left = list((out / ".staging").iterdir())
        if sig is not signal.SIGTERM:
            assert left, f"{sig}: nothing left to clean (the signal came too late)"
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", "--out", str(out), "--no-export"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "skipped" in done.stdout
        if left:
            assert "staging file(s) left by an interrupted run" in done.stdout
        assert list((out / ".staging").iterdir()) == [], sig
