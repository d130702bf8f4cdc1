"""The errors every part of the pipeline shares: bad input (re-exported as pipeline.csvread.InputError), a
refused command line, and the exit codes they map to."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names file, row and column, what was expected and what was found."""


class UsageError(Exception):
    """A problem with the command line or the inputs found before any work (exit 2)."""


# The exit codes README.md promises (`sto --help` lists them).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
EXIT_DAMAGED, EXIT_CHANGED, EXIT_AFTER_PUBLISH = 4, 5, 6  # pipeline/integrity.py
