"""Atomic publish: build into a staging copy, swap it in only after every blocking check passed.

Why: evaluators hold the published DuckDB file open while a refresh runs, and a killed or failed run
must never leave half-written marts. Readers see either the previous or the new complete database:
`os.replace` swaps the directory entry atomically, and an open reader keeps the old inode.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

from pipeline.errors import PublishBlockedError, RunLockedError
from pipeline.errors import writer_message as _blocked_message


def _duckdb_lock_detail(published: Path) -> str:
    """DuckDB's own words on the conflicting lock (names the holder's PID), or a generic phrase."""
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0]
    con.close()
    return "a write lock is held on the file"


@contextmanager
def no_writer(published: Path) -> Iterator[bool]:
    """Hold a shared POSIX lock on the published file so that no DuckDB writer can open it meanwhile.

    DuckDB takes an exclusive `fcntl` lock on a database opened read-write and a shared one read-only,
    so a shared lock here succeeds with readers present and fails while a writer has the file open.
    Yields True when the file exists (and is locked), False when there is no published file yet.
    Raises PublishBlockedError naming the file and how to open it read-only when a writer holds it.
    """
    if not published.exists():
        yield False
        return
    fd = os.open(published, os.O_RDONLY)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            raise PublishBlockedError(_blocked_message(published, _duckdb_lock_detail(published))) from exc
        yield True
    finally:
        os.close(fd)


def check_no_writer(published: Path) -> None:
    """Raise PublishBlockedError when another process holds the published database read-write."""
    with no_writer(published):
        pass


LOCK_NAME = ".sto.lock"


def acquire_lock(out_dir: Path) -> IO[str]:
    """Exclusive, non-blocking lock per output directory; released by the OS if the process dies.

    `sto reset --yes` removes the lock file while holding it; a process that opened the file before that
    and locks it afterwards holds a lock on a removed file, so the lock also checks that the locked file
    is still the one at the path (else RunLockedError: a concurrent reset, try again)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    fh = open(path, "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.close()
        raise RunLockedError(f"{out_dir}: another sto run is in progress (lock {path})") from exc
    try:
        same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        fh.close()
        raise RunLockedError(f"{out_dir}: the lock file {path} was removed by a concurrent `sto reset`; try again")
    return fh


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """`acquire_lock` as a context manager."""
    fh = acquire_lock(out_dir)
    try:
        yield
    finally:
        fh.close()


def staging_dir(out_dir: Path) -> Path:
    return out_dir / ".staging"


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging files (and partial copies) left by failed, killed or terminated runs (call while
    holding the run lock)."""
    removed = []
    sdir = staging_dir(out_dir)
    if sdir.is_dir():
        for p in sdir.iterdir():
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
            removed.append(p)
    return removed


def clean_if_idle(out_dir: Path) -> list[Path]:
    """`clean_stale_staging` when no run holds the output folder's lock (any command calls it, so a staging
    file of a killed or terminated run never outlives the next invocation, even one that skips); [] when
    a run is in progress or there is nothing to clean."""
    if not staging_dir(out_dir).is_dir() or not any(staging_dir(out_dir).iterdir()):
        return []
    try:
        with run_lock(out_dir):
            return clean_stale_staging(out_dir)
    except (RunLockedError, OSError):
        return []


def prepare_staging(published: Path) -> Path:
    """Copy the published database (if any) to a fresh staging file and return its path."""
    sdir = staging_dir(published.parent)
    sdir.mkdir(parents=True, exist_ok=True)
    staging = sdir / f"{published.stem}-{uuid.uuid4().hex[:12]}.duckdb"
    if published.exists():
        tmp = staging.with_suffix(".copying")
        try:
            shutil.copyfile(published, tmp)
        except BaseException:  # disk full, or killed: no partial copy stays behind
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, staging)
    return staging


def publish(staging: Path, published: Path, history_keep: int = 0) -> list[Path]:
    """Record the content hash of every table (pipeline/integrity.py), checkpoint the staging database,
    flush it to disk and atomically replace the published file.

    While swapping, a shared lock on the old file keeps DuckDB writers out. A `.wal` journal beside the
    published file belongs to the old file (a writer that was killed, or an evaluator's session): it is
    removed *before* the swap, so no reader ever replays it onto the new database. Returns the journal
    files removed. Raises PublishBlockedError when a writer holds the published file.

    With `history_keep` > 0 the marts and audit tables of the file being replaced are first written to a
    history entry in the staging directory (pipeline/history.py) and renamed into <out>/history/ after the
    swap, keeping the newest `history_keep`; a failure before the swap removes the entry again.
    """
    from pipeline import history
    from pipeline.integrity import record_hashes

    con = duckdb.connect(str(staging))
    try:
        record_hashes(con)  # what `sto status`, export, report and the next run verify (audit.table_hashes)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = Path(str(staging) + ".wal")
    if wal.exists():  # after CHECKPOINT and close the WAL is empty; never ship one
        wal.unlink()
    fd = os.open(staging, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    removed: list[Path] = []
    entry = None
    if history_keep > 0 and published.exists():
        check_no_writer(published)  # a writer's file is neither read for history nor replaced
        try:
            entry = history.snapshot_replaced(published, staging.parent)
        except duckdb.IOException as exc:  # a writer took the file meanwhile
            raise PublishBlockedError(_blocked_message(published, str(exc).strip().splitlines()[0])) from exc
    try:
        with no_writer(published):
            old_wal = Path(str(published) + ".wal")
            if old_wal.exists():  # no writer holds the file (we hold a lock): an orphaned journal
                old_wal.unlink()
                removed.append(old_wal)
            os.replace(staging, published)
            dfd = os.open(published.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except BaseException:
        if entry is not None:
            shutil.rmtree(entry, ignore_errors=True)
        raise
    if entry is not None:
        history.commit_entry(entry, published.parent, history_keep)
    else:  # no entry written (first publish, or history off): the retention still holds
        history.prune(published.parent, history_keep)
    return removed


def discard(staging: Path) -> None:
    for p in (staging, Path(str(staging) + ".wal")):
        if p.exists():
            p.unlink()
