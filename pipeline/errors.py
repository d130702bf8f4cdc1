"""The error every input reader raises (re-exported as pipeline.csvread.InputError, where callers import it)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names file, row and column, what was expected and what was found."""
