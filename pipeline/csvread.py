"""Robust reading of the DUO-style CSV files: encoding, delimiter and quoting detected, errors located.

Why: DUO has published the same tables as cp1252 with ';' and as UTF-8 with quoted ','; a parser that
guesses wrong silently mangles names or counts. Every failure names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.textcheck import Decoded, check_frame, decode_text, records_with_non_ascii

# Signatures of files that are not delimited text, checked before decoding (first bytes of the file).
# xlsx/ods are zip containers; .xls (BIFF) is an OLE2 compound document; see sniff_format().
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"PK\x03\x04", "zip", "a zip archive (an .xlsx workbook or a zipped download?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls", "an old Excel .xls (OLE2) workbook"),
    (b"%PDF-", "pdf", "a PDF document"),
]


def sniff_format(raw: bytes) -> str:
    """Classify the first bytes of a file: 'empty', 'html', 'utf16', 'zip', 'xlsx', 'xls', 'pdf' or 'text'.

    Shapes: `raw` is the whole file (only the first 4 KiB are inspected). 'xlsx' is a zip whose
    member list holds `xl/workbook.xml` (the Office Open XML spreadsheet layout, ECMA-376 part 2).
    """
    if not raw.strip():
        return "empty"
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        return "html"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf16"
    for magic, kind, _ in SIGNATURES:
        if raw.startswith(magic):
            if kind == "zip" and b"xl/workbook.xml" in raw[-65536:] + raw[:4096]:
                return "xlsx"
            return kind
    if b"\x00" in raw[:512]:
        return "utf16"
    return "text"


def decode_file(raw: bytes, path: Path | str, delimiter: str | None = None) -> Decoded:
    """Decode as UTF-8 (with or without BOM) when valid, otherwise as Windows-1252, line by line
    (pipeline.textcheck.decode_text: a file of mixed encodings is read per line and the repair reported; a
    line valid in neither or holding both, or a UTF-8 byte-order mark before Windows-1252 text, is refused).

    Raises InputError naming the file for content that is not delimited text at all: empty, an
    HTML/XML page, UTF-16 or binary, an xlsx/zip, an .xls or a PDF (see sniff_format).
    """
    kind = sniff_format(raw)
    if kind == "empty":
        raise InputError(f"{path}: file is empty (expected a header row and data rows)")
    if kind == "html":
        raise InputError(f"{path}: row 1: expected a CSV header, found an HTML/XML page (an error page saved as CSV?)")
    if kind == "utf16":
        raise InputError(
            f"{path}: row 1: expected UTF-8 or Windows-1252 text, found UTF-16 or binary data (NUL bytes / UTF-16 byte-order mark)"
        )
    if kind == "xlsx":
        raise InputError(
            f"{path}: row 1: expected a CSV text file, found an Excel .xlsx workbook (a zip archive); "
            "save it under an .xlsx name to have it read as a workbook"
        )
    if kind in ("zip", "xls", "pdf"):
        what = next(d for _, k, d in SIGNATURES if k == kind)
        raise InputError(f"{path}: row 1: expected a CSV text file, found {what}")
    return decode_text(raw, path, delimiter)


def decode_bytes(raw: bytes, path: Path | str) -> tuple[str, str]:
    """(text, encoding) of `decode_file`; the repairs it reports are dropped (read_text_csv reports them)."""
    d = decode_file(raw, path)
    return d.text, d.encoding


def read_text_csv(
    path: Path | str,
    required: list[str] | None = None,
    delimiter: str | None = None,
    allow_empty: bool = False,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a CSV as all-string columns plus `source_row` (1-based physical line on which each record starts).

    `source_row` is the line number a text editor shows, also after quoted fields with line breaks
    inside (DUO names and addresses occasionally hold one).

    Returns the frame and a dict with the detected encoding and delimiter. Checks that every record has
    as many fields as the header and, when `required` is given, that those columns exist.
    """
    raw = Path(path).read_bytes()
    decoded = decode_file(raw, path, delimiter)
    text, encoding = decoded.text, decoded.encoding
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
        if first_line.count(delimiter) == 0:
            raise InputError(f"{path}: row 1: expected a header separated by ';' or ',', found {first_line[:80]!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    # Physical line (as a text editor numbers it) on which each record starts: one more than the last line
    # of the previous record, so a quoted field with a line break inside shifts nothing after it.
    try:
        records = [(reader.line_num, r) for r in reader]  # line_num: last physical line of the record
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: malformed CSV quoting ({exc})") from exc
    rows = [r for _, r in records]
    starts = [1, *(end + 1 for end, _ in records[:-1])]
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{path}: row 1: duplicate column names {dup}")
    data = rows[1:]
    lines = starts[1:]
    # Drop trailing blank lines only.
    while data and all(not c.strip() for c in data[-1]):
        data.pop()
        lines.pop()
    if not data and not allow_empty:
        raise InputError(f"{path}: expected data rows after the header, found none")
    widths = pd.Series([len(r) for r in data], dtype="int64")
    bad = widths[widths != len(header)]
    if len(bad):
        i = int(bad.index[0])
        raise InputError(
            f"{path}: row {lines[i]}: expected {len(header)} fields (as in the header, delimiter "
            f"{delimiter!r}), found {int(bad.iloc[0])}; {len(bad)} such rows (truncated file or wrong delimiter?)"
        )
    if required:
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}: row 1: missing required column(s) {missing}; found columns {header}")
    df = pd.DataFrame(data, columns=header, dtype="string")
    df = df.apply(lambda s: s.str.strip())
    df.insert(0, "source_row", pd.Series(lines, dtype="int64"))
    # the header and the records holding non-ASCII bytes: the only text that can show a wrong decoding
    check_frame(df.iloc[records_with_non_ascii(raw, df["source_row"].to_numpy())], path)
    info = {"encoding": encoding, "delimiter": delimiter}
    if decoded.repairs:
        info["text_repairs"] = report_repairs(path, decoded.repairs)
    return df, info


def report_repairs(path: Path | str, repairs: list[str]) -> str:
    """The exact repairs made while decoding `path`, in words; also printed to stderr (never silent)."""
    text = f"{path}: mixed encodings repaired ({len(repairs)} line(s) read in their own encoding): " + "; ".join(
        repairs
    )
    print(f"sto: warning: {text}", file=sys.stderr)
    return text


def _cell_text(v: object) -> object:
    """One spreadsheet cell as the text a CSV export would hold: integral numbers without '.0'."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_xlsx(path: Path | str, sheet: str | int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read the first (or the named) sheet of an .xlsx workbook like read_text_csv reads a CSV.

    Returns the same shape: all-string columns named by the header (sheet row 1) plus `source_row`, the
    spreadsheet row number Excel shows (header = row 1), and info {'encoding': 'xlsx', 'delimiter': '',
    'sheet': name}. DUO offers its tables also as .xlsx; reading them into the same frame lets the CSV
    column rules apply unchanged. Raises InputError for a workbook that cannot be opened, is empty or whose
    rows are wider than the header.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(
            f"{path}: expected an .xlsx workbook, found a file that cannot be opened as one ({exc})"
        ) from exc
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        rows = list(ws.iter_rows(min_row=1, values_only=True))
        title = ws.title
    finally:
        wb.close()
    grid = pd.DataFrame(rows, dtype="object").map(_cell_text) if rows else pd.DataFrame()
    if grid.empty or not grid.iloc[0].str.strip().any():
        raise InputError(f"{path}: sheet {title!r} row 1: expected a header row, found an empty sheet")
    header = [h.strip() for h in grid.iloc[0]]
    while header and not header[-1]:
        header.pop()
    body = grid.iloc[1:]
    # Trailing empty spreadsheet rows are not data.
    filled = body.apply(lambda s: s.str.strip() != "").any(axis=1)
    body = body.loc[: filled[filled].index.max()] if filled.any() else body.iloc[0:0]
    extra = body.iloc[:, len(header) :]
    wide = (extra.apply(lambda s: s.str.strip() != "").any(axis=1)) if extra.shape[1] else pd.Series(False, body.index)
    if wide.any():
        r = int(wide[wide].index[0]) + 1
        raise InputError(
            f"{path}: sheet {title!r} row {r}: expected {len(header)} cells (as in the header), found values beyond them"
        )
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{path}: sheet {title!r} row 1: duplicate column names {dup}")
    if body.empty:
        raise InputError(f"{path}: sheet {title!r}: expected data rows after the header, found none")
    df = body.iloc[:, : len(header)].copy()
    df.columns = header
    df = df.astype("string").apply(lambda s: s.str.strip())
    df.insert(0, "source_row", pd.Series(body.index + 1, index=body.index, dtype="int64"))
    check_frame(df, f"{path}: sheet {title!r}")
    return df.reset_index(drop=True), {"encoding": "xlsx", "delimiter": "", "sheet": title}


def read_table(path: Path | str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a DUO table in either published form: .xlsx workbook (by name) or delimited text.

    A file named .xlsx that is really text (or the reverse) is reported for what it is.
    """
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        with open(p, "rb") as fh:
            head = fh.read(4096)
        kind = sniff_format(head)
        if kind not in ("zip", "xlsx"):
            what = {"empty": "an empty file", "html": "an HTML/XML page", "utf16": "UTF-16 or binary data"}.get(
                kind, "a text (CSV?) file" if kind == "text" else f"a {kind} file"
            )
            raise InputError(f"{p}: row 1: expected an .xlsx workbook (a zip archive), found {what}")
        return read_xlsx(p)
    return read_text_csv(p)
