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


class RunLockedError(RuntimeError):
    """Another sto run holds the lock on this output directory."""


def acquire_lock(out_dir: Path) -> IO[str]:
    """Exclusive, non-blocking lock per output directory; released by the OS if the process dies."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / ".sto.lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.close()
        raise RunLockedError(f"{out_dir}: another sto run is in progress (lock {out_dir / '.sto.lock'})") from exc
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
    """Remove staging files left by killed runs (call while holding the run lock)."""
    removed = []
    sdir = staging_dir(out_dir)
    if sdir.exists():
        for p in sdir.iterdir():
            p.unlink()
            removed.append(p)
    return removed


def prepare_staging(published: Path) -> Path:
    """Copy the published database (if any) to a fresh staging file and return its path."""
    sdir = staging_dir(published.parent)
    sdir.mkdir(parents=True, exist_ok=True)
    staging = sdir / f"{published.stem}-{uuid.uuid4().hex[:12]}.duckdb"
    if published.exists():
        tmp = staging.with_suffix(".copying")
        shutil.copyfile(published, tmp)
        os.replace(tmp, staging)
    return staging


def publish(staging: Path, published: Path) -> None:
    """Checkpoint the staging database, flush it to disk and atomically replace the published file."""
    con = duckdb.connect(str(staging))
    con.execute("CHECKPOINT")
    con.close()
    wal = Path(str(staging) + ".wal")
    if wal.exists():  # after CHECKPOINT and close the WAL is empty; never ship one
        wal.unlink()
    fd = os.open(staging, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(staging, published)
    dfd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def discard(staging: Path) -> None:
    for p in (staging, Path(str(staging) + ".wal")):
        if p.exists():
            p.unlink()
