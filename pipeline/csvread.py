"""Robust reading of the DUO-style CSV files: encoding, delimiter and quoting detected, errors located.

Why: DUO has published the same tables as cp1252 with ';' and as UTF-8 with quoted ','; a parser that
guesses wrong silently mangles names or counts. Every failure names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd


class InputError(ValueError):
    """Bad input: the message names file, row and column, what was expected and what was found."""


def decode_bytes(raw: bytes, path: Path | str) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM) when valid, otherwise as Windows-1252."""
    if not raw.strip():
        raise InputError(f"{path}: file is empty (expected a header row and data rows)")
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        raise InputError(f"{path}: row 1: expected a CSV header, found an HTML/XML page (an error page saved as CSV?)")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:512]:
        raise InputError(
            f"{path}: row 1: expected UTF-8 or Windows-1252 text, found UTF-16 or binary data (NUL bytes / UTF-16 byte-order mark)"
        )
    if raw[:4] == b"PK\x03\x04":
        raise InputError(f"{path}: row 1: expected a CSV text file, found a zip archive")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: byte offset {exc.start}: expected UTF-8 or Windows-1252 text, found undecodable bytes"
        ) from exc


def read_text_csv(
    path: Path | str,
    required: list[str] | None = None,
    delimiter: str | None = None,
    allow_empty: bool = False,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a CSV as all-string columns plus `source_row` (1-based file line of each record).

    Returns the frame and a dict with the detected encoding and delimiter. Checks that every record has
    as many fields as the header and, when `required` is given, that those columns exist.
    """
    raw = Path(path).read_bytes()
    text, encoding = decode_bytes(raw, path)
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
        if first_line.count(delimiter) == 0:
            raise InputError(f"{path}: row 1: expected a header separated by ';' or ',', found {first_line[:80]!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: malformed CSV quoting ({exc})") from exc
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{path}: row 1: duplicate column names {dup}")
    data = rows[1:]
    # Drop trailing blank lines only.
    while data and all(not c.strip() for c in data[-1]):
        data.pop()
    if not data and not allow_empty:
        raise InputError(f"{path}: expected data rows after the header, found none")
    widths = pd.Series([len(r) for r in data], dtype="int64")
    bad = widths[widths != len(header)]
    if len(bad):
        i = int(bad.index[0])
        raise InputError(
            f"{path}: row {i + 2}: expected {len(header)} fields (as in the header, delimiter "
            f"{delimiter!r}), found {int(bad.iloc[0])}; {len(bad)} such rows (truncated file or wrong delimiter?)"
        )
    if required:
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}: row 1: missing required column(s) {missing}; found columns {header}")
    df = pd.DataFrame(data, columns=header, dtype="string")
    df = df.apply(lambda s: s.str.strip())
    df.insert(0, "source_row", range(2, len(df) + 2))
    return df, {"encoding": encoding, "delimiter": delimiter}
