"""Errors shared by modules that must not import each other: the input readers' InputError (re-exported as
pipeline.csvread.InputError, where callers import it) and the run lock / writer errors (re-exported by
pipeline.publish; raised by pipeline.integrity too)."""

from __future__ import annotations

import shlex
from pathlib import Path


class InputError(ValueError):
    """Bad input: the message names file, row and column, what was expected and what was found."""


class RunLockedError(RuntimeError):
    """Another sto run holds the lock on this output directory."""


class PublishBlockedError(RunLockedError):
    """Another process holds the published database open read-write (DuckDB's write lock)."""


def blocked_message(published: Path, detail: str) -> str:
    return (
        f"{published} is open read-write in another process ({detail}). A refresh never replaces a file "
        "that a writer holds: its journal (.wal) would be replayed onto the new database. Close that "
        f"connection, and open the warehouse read-only: `duckdb -readonly {shlex.quote(str(published))}` or "
        f"`duckdb.connect({str(published)!r}, read_only=True)`; then run again."
    )
