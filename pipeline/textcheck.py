"""Clean text: the marks of a wrong decoding in input files, found, located and named (or repaired when exact).

Why: a file decoded with the wrong encoding does not fail, it garbles names: UTF-8 read as Windows-1252
gives "MariÃ«ndael" for "Mariëndael", and that text reaches marts, exports and the report. Two layers:

* bytes (`decode_text`): UTF-8 (with or without byte-order mark) when the whole file is valid UTF-8,
  otherwise Windows-1252, but looked at line by line: a file whose non-ASCII lines are partly valid UTF-8
  and partly only valid as Windows-1252 (one row pasted from another export) has *mixed encodings*. When
  each such line has exactly one clean reading (not UTF-8: Windows-1252; UTF-8 whose Windows-1252 reading
  would be mojibake: UTF-8), reading every line in its own encoding is exact: it is repaired and the repair
  is reported (`Decoded.repairs`, printed and put in the asset's metadata); otherwise it is refused. A line that holds both (UTF-8 text beside Windows-1252 bytes) or bytes valid in neither, and a
  UTF-8 byte-order mark in front of Windows-1252 text, are refused with line, column and value.
* text (`damaged_values` / `check_frame`): every distinct value of every text column (and the header) is
  checked for mojibake (UTF-8 read as Windows-1252/Latin-1, also twice: `ftfy.badness.is_bad`), the
  replacement character U+FFFD, C1 control characters and a stray byte-order mark. Such a value cannot be
  repaired exactly (the original bytes are gone): the file is refused with file, row (the line an editor
  shows), column, the value and what it probably should be (`ftfy.fix_encoding`).

Only distinct non-ASCII values are examined, so the check costs little on large files.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError

BOM = b"\xef\xbb\xbf"
MAX_LISTED = 10
_NON_ASCII = r"[^\x00-\x7f]"
_C1 = re.compile("[\x80-\x9f]")
_MULTIBYTE = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")  # a decoded character, not an escaped byte


def _error(message: str) -> InputError:
    return InputError(message)


@dataclass
class Decoded:
    """A file's text, the encoding it was read in, and the exact per-line repairs made (in words)."""

    text: str
    encoding: str
    repairs: list[str] = field(default_factory=list)


def _line_starts(raw: bytes) -> np.ndarray:
    """Byte offsets at which each line starts, as an editor numbers lines (LF, CRLF or a lone CR end one)."""
    a = np.frombuffer(raw, dtype=np.uint8)
    if not len(a):
        return np.zeros(1, dtype=np.int64)
    if b"\r" in raw:
        nxt = np.append(a[1:], 0)
        ends = np.flatnonzero((a == 10) | ((a == 13) & (nxt != 10)))
    else:
        ends = np.flatnonzero(a == 10)
    return np.concatenate([[0], ends + 1]).astype(np.int64)


def _fields(line: bytes, delimiter: str | None, columns: list[str] | None) -> list[tuple[str, bytes]]:
    """(column name, field bytes) of one line: split as CSV on a byte-preserving (Latin-1) reading, so the
    fields keep their original bytes; columns unnamed in the header are called by their position."""
    body = line.rstrip(b"\r\n")
    if not delimiter:
        return [("(whole line)", body)]
    try:
        parts = next(csv.reader([body.decode("latin-1")], delimiter=delimiter, quotechar='"'))
    except (csv.Error, StopIteration):
        parts = body.decode("latin-1").split(delimiter)
    names = columns or []
    return [(names[i] if i < len(names) else f"field {i + 1}", p.encode("latin-1")) for i, p in enumerate(parts)]


def _try(b: bytes, encoding: str) -> str | None:
    try:
        return b.decode(encoding)
    except UnicodeDecodeError:
        return None


def _bad_fields(line: bytes, delimiter: str | None, columns: list[str] | None) -> list[tuple[str, bytes]]:
    """The fields of a line that are not valid UTF-8."""
    return [(c, b) for c, b in _fields(line, delimiter, columns) if _try(b, "utf-8") is None]


def _header(raw: bytes, delimiter: str | None) -> tuple[list[str] | None, str | None]:
    """Column names and delimiter from line 1 (read leniently), as read_text_csv would detect them."""
    first = raw.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(BOM).decode("utf-8", errors="replace")
    if delimiter is None:
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        if not first.count(delimiter):
            return None, None
    cols = next(csv.reader([first], delimiter=delimiter, quotechar='"'), [])
    return [c.strip() for c in cols], delimiter


def decode_text(
    raw: bytes,
    path: Path | str,
    delimiter: str | None = None,
    columns: list[str] | None = None,
    header: bool = True,
) -> Decoded:
    """Decode delimited text as described in the module doc; raise InputError for what cannot be read exactly.

    `delimiter`/`columns` name the fields in messages (default: detected from line 1 when `header`); for a
    header-less file give `columns` (e.g. GeoNames). Lines are numbered as an editor shows them.
    """
    bom = raw.startswith(BOM)
    body = raw[len(BOM) :] if bom else raw
    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    if header:
        cols, delimiter = _header(raw, delimiter)
        columns = columns or cols
    starts = _line_starts(raw)
    a = np.frombuffer(raw, dtype=np.uint8)
    high = np.flatnonzero(a >= 0x80)
    if bom:
        high = high[high >= len(BOM)]
    lines = np.unique(np.searchsorted(starts, high, side="right") - 1)  # 0-based lines with non-ASCII bytes
    bounds = np.append(starts, len(raw))
    kind: dict[int, str] = {}
    for i in lines.tolist():  # only the lines holding non-ASCII bytes
        seg = raw[bounds[i] : bounds[i + 1]]
        if i == 0 and bom:
            seg = seg[len(BOM) :]
        if _try(seg, "utf-8") is not None:
            kind[i] = "utf-8"
        elif _try(seg, "cp1252") is None:
            kind[i] = "neither"
        else:  # valid multi-byte UTF-8 sequences beside the invalid bytes: both encodings in one line
            kind[i] = "both" if _MULTIBYTE.search(seg.decode("utf-8", errors="surrogateescape")) else "cp1252"

    def line_of(i: int) -> bytes:
        seg = raw[bounds[i] : bounds[i + 1]]
        return seg[len(BOM) :] if (i == 0 and bom) else seg

    def located(i: int, encoding: str = "cp1252") -> str:
        """'row N column C: <value as `encoding` reads it> (bytes ...)[, column D: ...]' for the non-UTF-8
        fields of line i (for a UTF-8 line in a Windows-1252 file: its non-ASCII fields)."""
        if encoding == "utf-8":
            fields = [(c, v) for c, v in _fields(line_of(i), delimiter, columns) if not v.isascii()]
        else:
            fields = _bad_fields(line_of(i), delimiter, columns)
        fields = fields or [("(whole line)", line_of(i).rstrip(b"\r\n"))]
        shown = [(c, _try(b, encoding), b) for c, b in fields[:5]]
        return f"row {i + 1} " + ", ".join(
            f"column {c!r}: {(t if t is not None else b.decode('cp1252', errors='replace'))!r} (bytes {b[:60]!r})"
            for c, t, b in shown
        )

    neither = [i for i, k in kind.items() if k == "neither"]
    if neither:
        raise _error(
            f"{path}: expected UTF-8 or Windows-1252 text, found bytes valid in neither: {located(neither[0])}; "
            f"{len(neither)} such line(s): rows {[i + 1 for i in neither[:MAX_LISTED]]}"
        )
    utf8 = sorted(i for i, k in kind.items() if k == "utf-8")
    cp = sorted(i for i, k in kind.items() if k == "cp1252")
    both = sorted(i for i, k in kind.items() if k == "both")
    if both and not utf8:  # no line is UTF-8: a Windows-1252 file whose bytes happen to hold UTF-8 sequences
        cp, both = sorted(cp + both), []
        kind.update({i: "cp1252" for i in cp})
    if both:
        raise _error(
            f"{path}: expected one encoding per line, found UTF-8 text beside Windows-1252 bytes in one line "
            f"(not repairable exactly): {located(both[0])}; {len(both)} such line(s): "
            f"rows {[i + 1 for i in both[:MAX_LISTED]]}"
        )
    if bom and not utf8:
        raise _error(
            f"{path}: row 1: UTF-8 byte-order mark in front of Windows-1252 text: the lines after the mark are "
            f"not UTF-8 (first {located(cp[0])}; {len(cp)} such line(s): rows {[i + 1 for i in cp[:MAX_LISTED]]}). "
            "Save the file as UTF-8, or as Windows-1252 without the mark"
        )
    if not utf8:
        return Decoded(raw.decode("cp1252"), "cp1252")
    # Mixed encodings. A line that is not UTF-8 has one reading (Windows-1252); a UTF-8 line is taken as UTF-8
    # only when its Windows-1252 reading is impossible or shows mojibake, so each line has exactly one clean
    # reading and reading every line in it is exact. Otherwise the file is refused as ambiguous.
    ambiguous = [i for i in utf8 if (alt := _try(line_of(i), "cp1252")) is not None and classify(alt) is None]
    if ambiguous:
        raise _error(
            f"{path}: expected one encoding, found lines that are not UTF-8 (first {located(cp[0])}) and lines "
            f"that read as clean text both as UTF-8 and as Windows-1252 (first {located(ambiguous[0], 'utf-8')}; "
            f"rows {[i + 1 for i in ambiguous[:MAX_LISTED]]}): not repairable exactly. Save the file in one encoding"
        )
    minority, major, minor = (cp, "UTF-8", "Windows-1252") if len(utf8) >= len(cp) else (utf8, "Windows-1252", "UTF-8")
    parts = [line_of(i).decode("utf-8" if kind.get(i) == "utf-8" else "cp1252") for i in range(len(starts))]
    enc = "cp1252" if minor == "Windows-1252" else "utf-8"
    repairs = [f"{located(i, enc)} read as {minor} in a {major} file" for i in minority]
    return Decoded(
        "".join(parts), f"mixed: {major} with {len(minority)} {minor} line(s), each read in its own", repairs
    )


# ---------------------------------------------------------------------------------------------- text marks


def classify(value: str) -> str | None:
    """Why `value` shows the marks of a wrong decoding, or None when it looks like clean text."""
    from ftfy.badness import is_bad

    if "\ufffd" in value:
        return "the replacement character U+FFFD (the original letters were lost by an earlier decoding)"
    if "ï»¿" in value:
        return (
            "a UTF-8 byte-order mark read as Windows-1252 text ('ï»¿': decoded in the wrong encoding and saved again)"
        )
    if "\ufeff" in value:
        return "a byte-order mark U+FEFF inside the text (a second mark, or a mark in the middle of the file)"
    if _C1.search(value):
        return "a C1 control character (Windows-1252 text read as Latin-1)"
    if is_bad(value):
        return "mojibake: UTF-8 text decoded as Windows-1252/Latin-1" + (
            " twice (double-encoded)" if _decodes(value) >= 2 else ""
        )
    return None


def _decodes(value: str) -> int:
    from ftfy import fix_encoding_and_explain

    steps = fix_encoding_and_explain(value).explanation or []
    return sum(1 for op, enc in steps if op == "decode" and enc.startswith("utf-8"))


def probable(value: str) -> str | None:
    """What a damaged value probably was (ftfy.fix_encoding), None when that cannot be told."""
    from ftfy import fix_encoding

    if "\ufffd" in value:
        return None
    fixed = fix_encoding(value).replace("\ufeff", "")
    return fixed if fixed != value else None


def damaged_values(values: pd.Series) -> pd.DataFrame:
    """The distinct damaged values among `values` with the reason and the probable reading.

    Shapes: `values` any string Series (NA ignored); returns columns value, reason, probable (one row per
    distinct damaged value, in order of first appearance). Only non-ASCII values are examined."""
    u = pd.Series(pd.unique(pd.Series(values, dtype="object").dropna().to_numpy()), dtype="string")
    cand = u[u.str.contains(_NON_ASCII, regex=True).fillna(False).astype(bool)].reset_index(drop=True)
    reasons = cand.map(classify) if len(cand) else pd.Series(dtype="object")
    bad = cand[reasons.notna()] if len(cand) else cand
    return pd.DataFrame(
        {
            "value": bad.astype("string"),
            "reason": reasons[reasons.notna()].astype("string") if len(cand) else pd.Series(dtype="string"),
            "probable": bad.map(probable).astype("string") if len(bad) else pd.Series(dtype="string"),
        }
    ).reset_index(drop=True)


def damaged_cells(df: pd.DataFrame, columns: list[str] | None = None, row_col: str = "source_row") -> pd.DataFrame:
    """Every cell of the text `columns` (default: all but `row_col`) holding a damaged value, plus the header.

    Returns columns row, column, value, reason, probable ordered by row and column position (the header is
    row 1). Distinct values are classified once across all columns."""
    cols = [c for c in (columns or list(df.columns)) if c != row_col]
    text_cols = [c for c in cols if pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object]
    # distinct values per column (a few rows: one flat array), then once across all columns
    parts = [df[c].unique() for c in text_cols] if len(df) > 1000 else [df[text_cols].to_numpy(dtype=object).ravel()]
    values = np.concatenate(
        [np.asarray([str(c) for c in cols], dtype=object), *(np.asarray(p, dtype=object) for p in parts)]
    )
    bad = damaged_values(pd.Series(values, dtype="object"))
    if bad.empty:
        return pd.DataFrame(columns=["row", "column", "value", "reason", "probable"])
    found = [
        pd.DataFrame({"row": 1, "column": [c for c in cols if c in set(bad["value"])], "value": None})
        .assign(value=lambda h: h["column"])
        .astype({"row": "int64"})
    ]
    for pos, c in enumerate(text_cols):
        hit = df[c].isin(set(bad["value"])).fillna(False).astype(bool)
        if hit.any():
            found.append(
                pd.DataFrame(
                    {"row": df.loc[hit, row_col].astype("int64"), "column": c, "value": df.loc[hit, c]}
                ).assign(_pos=pos)
            )
    cells = pd.concat(found, ignore_index=True)
    cells["_pos"] = cells.get("_pos", pd.Series(dtype="float64")).fillna(-1)
    cells = cells.sort_values(["row", "_pos"], kind="stable").drop(columns="_pos")
    return cells.merge(bad, on="value", how="left").reset_index(drop=True)


def describe_cells(path: Path | str, cells: pd.DataFrame, where: str = "row") -> str:
    """One message for damaged cells: file, then up to MAX_LISTED '<where> N column C: found V (reason); probably P'."""
    listed = []
    for r in cells.head(MAX_LISTED).itertuples(index=False):
        prob = f"; probably {r.probable!r}" if isinstance(r.probable, str) else ""
        listed.append(f"{where} {r.row} column {r.column!r}: found {r.value!r}, {r.reason}{prob}")
    more = (
        f" ({len(cells)} damaged cell(s) in {cells['row'].nunique()} row(s); first {len(listed)})"
        if len(cells) > 1
        else ""
    )
    return (
        f"{path}: expected correctly decoded text, found the marks of a wrong decoding{more}: "
        + "; ".join(listed)
        + ". Fix the file at its source (re-export it in one encoding) and run again"
    )


def check_frame(
    df: pd.DataFrame,
    path: Path | str,
    columns: list[str] | None = None,
    row_col: str = "source_row",
    where: str = "row",
) -> None:
    """Raise InputError naming every damaged cell (first MAX_LISTED) of `df`'s text columns and header."""
    cells = damaged_cells(df, columns, row_col)
    if len(cells):
        raise _error(describe_cells(path, cells, where))


def locate_offset(raw: bytes, offset: int, delimiter: str | None, columns: list[str] | None) -> str:
    """'row N column C: <value> (bytes ...)' for the non-UTF-8 byte at `offset` (e.g. UnicodeDecodeError.start)."""
    starts = _line_starts(raw)
    i = int(np.searchsorted(starts, offset, side="right") - 1)
    end = int(starts[i + 1]) if i + 1 < len(starts) else len(raw)
    fields = _bad_fields(raw[int(starts[i]) : end], delimiter, columns) or [("(whole line)", raw[int(starts[i]) : end])]
    col, b = fields[0]
    return f"row {i + 1} column {col!r}: {b.decode('cp1252', errors='replace')!r} (bytes {b[:60]!r})"


def non_ascii_rows(raw: bytes, columns: list[str], delimiter: str) -> pd.DataFrame:
    """The lines of a header-less UTF-8 file that hold non-ASCII bytes, split into `columns` (string) plus
    `source_row` (the editor's line number): the only lines whose text can show a wrong decoding."""
    high = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) >= 0x80)
    if not len(high):
        return pd.DataFrame({"source_row": pd.Series(dtype="int64"), **{c: pd.Series(dtype="string") for c in columns}})
    starts = _line_starts(raw)
    lines = np.unique(np.searchsorted(starts, high, side="right") - 1)
    bounds = np.append(starts, len(raw))
    rows = [raw[bounds[i] : bounds[i + 1]].rstrip(b"\r\n").decode("utf-8").split(delimiter) for i in lines.tolist()]
    df = pd.DataFrame([r[: len(columns)] + [None] * (len(columns) - len(r)) for r in rows], columns=columns)
    df = df.astype("string")
    df.insert(0, "source_row", pd.Series(lines + 1, dtype="int64"))
    return df


def check_config_records(records: pd.DataFrame, path: Path | str) -> None:
    """Raise InputError for damaged text in records read from a YAML file (e.g. campuses.yaml): each damaged
    value is located at the first line of the file that holds it (the row an editor shows)."""
    cells = damaged_cells(records.reset_index(drop=True).astype("string").assign(source_row=0))
    if not len(cells):
        return
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    cells["row"] = [next((n for n, ln in enumerate(lines, 1) if v in ln), 0) for v in cells["value"]]
    raise _error(describe_cells(path, cells, "line"))


def records_with_non_ascii(raw: bytes, record_lines: np.ndarray) -> np.ndarray:
    """Positions (0-based) of the records holding a non-ASCII byte, from the file's bytes: `record_lines` are
    the sorted editor lines on which the records start (read_text_csv's source_row). Only these records can
    show a wrong decoding, so the text check looks at them alone (a byte-order mark on line 1 is the header's)."""
    high = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) >= 0x80)
    if not len(high) or not len(record_lines):
        return np.zeros(0, dtype=np.int64)
    lines = np.unique(np.searchsorted(_line_starts(raw), high, side="right"))  # 1-based editor lines
    pos = np.searchsorted(np.asarray(record_lines), lines, side="right") - 1
    return np.unique(pos[pos >= 0])
