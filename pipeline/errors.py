"""The errors every part of the pipeline shares: bad input (re-exported as pipeline.csvread.InputError), a
refused command line, and the exit codes they map to."""

from __future__ import annotations

import shlex
from pathlib import Path


class InputError(ValueError):
    """Bad input: the message names file, row and column, what was expected and what was found."""


class UsageError(Exception):
    """A problem with the command line or the inputs found before any work (exit 2)."""


# The exit codes README.md promises (`sto --help` lists them).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
EXIT_DAMAGED, EXIT_CHANGED, EXIT_AFTER_PUBLISH = 4, 5, 6  # pipeline/integrity.py


class RunLockedError(RuntimeError):
    """Another sto run holds the lock on this output directory."""


class PublishBlockedError(RunLockedError):
    """Another process holds the published database open read-write (DuckDB's write lock)."""


def writer_message(published: Path, detail: str) -> str:
    """Why a refresh refuses a warehouse a writer holds open, and how to open it read-only instead."""
    return (
        f"{published} is open read-write in another process ({detail}). A refresh never replaces a file "
        "that a writer holds: its journal (.wal) would be replayed onto the new database. Close that "
        f"connection, and open the warehouse read-only: `duckdb -readonly {shlex.quote(str(published))}` or "
        f"`duckdb.connect({str(published)!r}, read_only=True)`; then run again."
    )
