"""Build the bad-input corpus: one mirror directory per case, a copy of the bundled sample with ONE file damaged.

Usage:
    python tests/bad_inputs/make_cases.py OUT_DIR [--only CASE_ID ...]

The specifications live in `cases.yaml` next to this script (the only committed part of the corpus); this
script turns each into `OUT_DIR/<case id>/` holding

* the sample files (data_raw/sample/*), one of them damaged as the spec says (or renamed, or removed);
* for inventory cases, the damaged inventory file (the run selects it with STO_INVENTORY);
* for configuration cases, `config/`: a copy of pipeline/config/ with one value changed;
* `case.yaml`: the spec with everything the damage determined filled in: the file row that was damaged
  (as the pipeline numbers rows: header = row 1), the value that was written there, and the expected
  message fragments with `{file}`, `{row}` and `{found}` resolved.

The output is deterministic: the same sample gives byte-identical case directories (no clocks, no random
numbers; zip archives are rewritten with the member's original timestamp).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import config_files, copy_config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SAMPLE_DIR = ROOT / "data_raw" / "sample"
CONFIG_FILES = config_files()  # file stem → its home (pipeline/config/ or assets/<domain>/config/)
BASES = {"sample": SAMPLE_DIR, "seor2023": ROOT / "data_raw" / "seor2023"}
SPEC_FILE = HERE / "cases.yaml"


def load_specs(path: Path = SPEC_FILE) -> list[dict[str, Any]]:
    """The case specifications (a list of mappings, each with a unique `id`)."""
    specs = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ids = [s["id"] for s in specs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"{path}: duplicate case ids {dup}")
    return specs


# ------------------------------------------------------------------------------------------ CSV files


@dataclass
class TextTable:
    """A delimited text file kept line by line, so that untouched lines keep their exact bytes."""

    encoding: str
    bom: bool
    lines: list[str]  # with their line endings
    delimiter: str
    quoted: bool  # every field double-quoted (CKAN style)

    @classmethod
    def read(cls, path: Path, delimiter: str | None = None) -> TextTable:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            text, enc = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, enc = raw.decode("cp1252"), "cp1252"
        lines = text.splitlines(keepends=True)
        first = lines[0]
        if delimiter is None:
            delimiter = "\t" if "\t" in first else (";" if first.count(";") >= first.count(",") else ",")
        return cls(enc, bom, lines, delimiter, first.startswith('"'))

    def write(self, path: Path) -> None:
        data = "".join(self.lines).encode(self.encoding)
        path.write_bytes((b"\xef\xbb\xbf" if self.bom else b"") + data)

    # -- fields
    def split(self, i: int) -> list[str]:
        return next(csv.reader([self.lines[i].rstrip("\r\n")], delimiter=self.delimiter, quotechar='"'))

    def join(self, i: int, fields: list[str], raw: bool = False) -> None:
        """Write `fields` back into line i; `raw` joins them without any quoting (to make broken lines)."""
        end = self.lines[i][len(self.lines[i].rstrip("\r\n")) :]
        if raw:
            body = self.delimiter.join(fields)
        elif self.quoted:
            body = self.delimiter.join('"' + f.replace('"', '""') + '"' for f in fields)
        else:  # quote only where needed, as the file's writer did
            buf = io.StringIO()
            csv.writer(buf, delimiter=self.delimiter, quotechar='"', lineterminator="").writerow(fields)
            body = buf.getvalue()
        self.lines[i] = body + end

    @property
    def header(self) -> list[str]:
        return [h.strip() for h in self.split(0)]

    def col(self, name: str) -> int:
        try:
            return self.header.index(name)
        except ValueError as exc:
            raise KeyError(f"no column {name!r} in {self.header}") from exc

    def find(self, where: dict[str, str] | None, nth: int = 1) -> int:
        """Line index (0-based) of the nth data row matching every `column: value` of `where`."""
        idx = {self.col(k): str(v) for k, v in (where or {}).items()}
        seen = 0
        for i in range(1, len(self.lines)):
            f = self.split(i)
            if all(f[c] == v for c, v in idx.items()):
                seen += 1
                if seen == nth:
                    return i
        raise KeyError(f"no data row matches {where} (n={nth})")


# ------------------------------------------------------------------------------------------ transforms
# Each transform damages `path` (a file inside the case directory) and returns facts for case.yaml:
# row (file row the pipeline will name, header = 1), found (the bad value written), column.

Transform = Callable[..., dict[str, Any]]
TRANSFORMS: dict[str, Transform] = {}


def transform(fn: Transform) -> Transform:
    TRANSFORMS[fn.__name__] = fn
    return fn


@transform
def truncate_mid_row(path: Path, at: float = 0.5, cut: float = 0.5) -> dict[str, Any]:
    """Cut the file inside the data row at fraction `at` of the file, `cut` of the way into that row."""
    t = TextTable.read(path)
    i = max(1, int(len(t.lines) * at))
    line = t.lines[i].rstrip("\r\n")
    part = line[: int(len(line) * cut)]
    t.lines = t.lines[:i] + [part]
    t.write(path)
    return {"row": i + 1, "fields": part.count(t.delimiter) + 1}


@transform
def replace_delimiter(path: Path, new: str = "\t") -> dict[str, Any]:
    t = TextTable.read(path)
    t.lines = [ln.replace(t.delimiter, new) for ln in t.lines]
    t.write(path)
    return {"row": 1}


@transform
def reencode(path: Path, encoding: str, bom: bool = False, newline: str | None = None) -> dict[str, Any]:
    """Write the same text in another encoding (utf-16 writes its own BOM), optionally with other line ends."""
    t = TextTable.read(path)
    text = "".join(t.lines)
    if newline is not None:
        text = text.replace("\r\n", "\n").replace("\n", newline)
    data = text.encode(encoding)
    if bom and encoding.lower().replace("-", "") == "utf8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return {}


@transform
def rename(path: Path, to: str) -> dict[str, Any]:
    path.rename(path.with_name(to))
    return {"file": to}


@transform
def remove(path: Path) -> dict[str, Any]:
    path.unlink()
    return {}


@transform
def drop_column(path: Path, column: str) -> dict[str, Any]:
    t = TextTable.read(path)
    c = t.col(column)
    for i in range(len(t.lines)):
        if t.lines[i].strip():
            f = t.split(i)
            t.join(i, f[:c] + f[c + 1 :])
    t.write(path)
    return {"row": 1, "column": column}


@transform
def add_column(path: Path, column: str, value: str = "") -> dict[str, Any]:
    t = TextTable.read(path)
    for i in range(len(t.lines)):
        if t.lines[i].strip():
            t.join(i, [*t.split(i), column if i == 0 else value])
    t.write(path)
    return {"row": 1, "column": column}


@transform
def rename_column(path: Path, column: str, to: str) -> dict[str, Any]:
    t = TextTable.read(path)
    f = t.split(0)
    f[t.col(column)] = to
    t.join(0, f)
    t.write(path)
    return {"row": 1, "column": to}


@transform
def duplicate_row(path: Path, where: dict[str, str] | None = None, nth: int = 1) -> dict[str, Any]:
    """Insert a copy of the matching data row right after it; `row` is the copy's row."""
    t = TextTable.read(path)
    i = t.find(where, nth)
    line = t.lines[i] if t.lines[i].endswith("\n") else t.lines[i] + "\n"
    t.lines[i] = line
    t.lines.insert(i + 1, line)
    t.write(path)
    return {"row": i + 2, "first_row": i + 1}


@transform
def set_cell(
    path: Path, column: str, value: str, where: dict[str, str] | None = None, nth: int = 1, all_rows: bool = False
) -> dict[str, Any]:
    """Write `value` into `column` of the nth data row matching `where` (or of every matching row)."""
    t = TextTable.read(path)
    c = t.col(column)
    first = t.find(where, nth)
    targets = [first]
    if all_rows:
        idx = {t.col(k): str(v) for k, v in (where or {}).items()}
        targets = [i for i in range(1, len(t.lines)) if all(t.split(i)[k] == v for k, v in idx.items())]
    old = t.split(first)[c]
    for i in targets:
        f = t.split(i)
        f[c] = value
        t.join(i, f)
    t.write(path)
    return {"row": first + 1, "column": column, "found": value, "original": old, "rows_changed": len(targets)}


@transform
def replace_in_header(path: Path, old: str, new: str) -> dict[str, Any]:
    t = TextTable.read(path)
    if old not in t.lines[0]:
        raise KeyError(f"{old!r} not in the header of {path.name}")
    t.lines[0] = t.lines[0].replace(old, new)
    t.write(path)
    return {"row": 1, "found": new}


@transform
def unquoted_delimiter_in_text(path: Path, column: str, where: dict[str, str] | None = None) -> dict[str, Any]:
    """An unescaped delimiter inside a text field (a name written with ';' in a ';' file): one field too many."""
    t = TextTable.read(path)
    c = t.col(column)
    i = t.find(where)
    f = t.split(i)
    f[c] = f[c].replace(" ", t.delimiter + " ", 1)
    t.join(i, f, raw=True)
    t.write(path)
    return {"row": i + 1, "column": column}


@transform
def write_bytes(path: Path, content: str = "", encoding: str = "utf-8") -> dict[str, Any]:
    path.write_bytes(content.encode(encoding))
    return {}


@transform
def keep_header_only(path: Path) -> dict[str, Any]:
    t = TextTable.read(path)
    t.lines = t.lines[:1]
    t.write(path)
    return {"row": 1}


@transform
def copy_from(path: Path, source: str) -> dict[str, Any]:
    """Overwrite with another sample file's bytes (same data under two names)."""
    shutil.copyfile(SAMPLE_DIR / source, path)
    return {}


# ---- encodings (issue 15 item 6: clean text)


@transform
def line_in_encoding(
    path: Path,
    column: str,
    value: str,
    encoding: str,
    where: dict[str, str] | None = None,
    nth: int = 1,
    utf8_cells: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write `value` into `column` of the matching row and save THAT line in `encoding` (e.g. cp1252) while
    every other line keeps the file's encoding: one row pasted from another export. `utf8_cells` puts values
    in UTF-8 into other columns of the same line (a line holding both encodings)."""
    t = TextTable.read(path)
    i = t.find(where, nth)
    f = t.split(i)
    f[t.col(column)] = value
    utf8 = dict(enumerate((utf8_cells or {}).items()))
    for k, (col, _) in utf8.items():
        f[t.col(col)] = f"@@{k}@@"  # placeholder, replaced by the UTF-8 bytes after encoding the line
    t.join(i, f)
    parts = [ln.encode(t.encoding) for ln in t.lines]
    line = t.lines[i].encode(encoding)
    for k, (_, v) in utf8.items():
        line = line.replace(f"@@{k}@@".encode(), v.encode("utf-8"))
    parts[i] = line
    path.write_bytes((b"\xef\xbb\xbf" if t.bom else b"") + b"".join(parts))
    return {"row": i + 1, "column": column, "found": value}


@transform
def bom_before(path: Path) -> dict[str, Any]:
    """Put a UTF-8 byte-order mark in front of the file's bytes as they are (e.g. Windows-1252); `row`/`found`:
    the first line with a non-ASCII byte and its first non-ASCII field."""
    raw = path.read_bytes()
    t = TextTable.read(path)
    path.write_bytes(b"\xef\xbb\xbf" + raw)
    i = next(k for k, ln in enumerate(t.lines) if not ln.isascii())
    found = next(v for v in t.split(i) if not v.isascii())
    return {"row": i + 1, "found": found, "column": t.header[t.split(i).index(found)]}


# ---- other published forms of the pupils file (issue 9) and masking conventions (issue 10)

COUNT_PREFIX = "LEER- OF VERBLIJFSJAAR "


@transform
def lwoo_split(path: Path, after: str = "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR", j_share: int = 3) -> dict:
    """The layout up to ~2016: an LWOO INDICATIE column; each row split into a 'J' row (count // j_share, left
    out when all 0) and an 'N' row (the rest), so the totals are unchanged."""
    t = TextTable.read(path)
    at = t.col(after) + 1
    counts = [i for i, h in enumerate(t.header) if h.startswith(COUNT_PREFIX)]
    t.join(0, [*t.split(0)[:at], "LWOO INDICATIE", *t.split(0)[at:]])
    out = [t.lines[0]]
    for i in range(1, len(t.lines)):
        if not t.lines[i].strip():
            continue
        f = t.split(i)
        j = [str(int(f[c]) // j_share) if c in counts else v for c, v in enumerate(f)]
        n = [str(int(f[c]) - int(j[c])) if c in counts else v for c, v in enumerate(f)]
        for lwoo, vals in (("J", j), ("N", n)):
            if lwoo == "J" and all(vals[c] == "0" for c in counts):
                continue
            t.join(i, [*vals[:at], lwoo, *vals[at:]])
            out.append(t.lines[i])
    t.lines = out
    t.write(path)
    return {"row": 1, "column": "LWOO INDICATIE"}


@transform
def relabel(path: Path, column: str, mapping: dict[str, str]) -> dict[str, Any]:
    """Replace whole-cell labels of `column` (e.g. current profile names by their pre-2016 afdeling names)."""
    t = TextTable.read(path)
    c = t.col(column)
    changed = 0
    for i in range(1, len(t.lines)):
        if t.lines[i].strip():
            f = t.split(i)
            if f[c] in mapping:
                f[c] = mapping[f[c]]
                t.join(i, f)
                changed += 1
    t.write(path)
    return {"column": column, "rows_changed": changed}


@transform
def ckan_form(path: Path, mask_small: bool = True) -> dict[str, Any]:
    """The CKAN portal export: UTF-8, ',' with every field quoted, CRLF; counts 1..4 published as '4'."""
    t = TextTable.read(path)
    counts = [i for i, h in enumerate(t.header) if h.startswith(COUNT_PREFIX)]
    rows = [t.split(i) for i in range(len(t.lines)) if t.lines[i].strip()]
    for r in rows[1:]:
        for c in counts:
            if mask_small and r[c] in ("1", "2", "3"):
                r[c] = "4"
    body = "".join(",".join('"' + v.replace('"', '""') + '"' for v in r) + "\r\n" for r in rows)
    path.write_bytes(body.encode("utf-8"))
    return {}


def _fixed_xlsx(frame_rows: list[list[str]], path: Path) -> None:
    """Write rows (header first) as a one-sheet .xlsx, byte-deterministic (fixed timestamps in the zip and
    in docProps/core.xml), counts as numbers and everything else as text, as DUO's workbooks hold them."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Leerlingen"
    counts = {i for i, h in enumerate(frame_rows[0]) if h.startswith(COUNT_PREFIX)}
    for k, r in enumerate(frame_rows):
        ws.append([int(v) if k and i in counts and v.isdigit() else v for i, v in enumerate(r)])
    buf = io.BytesIO()
    wb.save(buf)
    members = []
    with zipfile.ZipFile(buf) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", data)
            members.append((info.filename, data))
    template = zipfile.ZipInfo("x", date_time=(2020, 1, 1, 0, 0, 0))
    template.compress_type = zipfile.ZIP_DEFLATED
    _zip_rewrite(path, members, template)


@transform
def to_xlsx(path: Path, rename_to: str | None = None, set_count: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save the table as the .xlsx workbook DUO also offers (the CSV removed); optionally write one bad count
    (`set_count`: column, value, nth data row) whose spreadsheet row is reported."""
    t = TextTable.read(path)
    rows = [t.split(i) for i in range(len(t.lines)) if t.lines[i].strip()]
    facts: dict[str, Any] = {}
    if set_count:
        c = t.col(set_count["column"])
        rows[set_count["nth"]][c] = str(set_count["value"])
        facts = {"row": set_count["nth"] + 1, "column": set_count["column"], "found": str(set_count["value"])}
    dest = path.with_name(rename_to or path.with_suffix(".xlsx").name)
    _fixed_xlsx(rows, dest)
    if dest != path:
        path.unlink()
        facts["file"] = dest.name
    return facts


@transform
def zip_in_place(path: Path) -> dict[str, Any]:
    """Replace the file by a zip archive holding it (a zipped download saved under the CSV name)."""
    data = path.read_bytes()
    template = zipfile.ZipInfo("x", date_time=(2020, 1, 1, 0, 0, 0))
    template.compress_type = zipfile.ZIP_DEFLATED
    _zip_rewrite(path, [(path.name, data)], template)
    return {}


@transform
def line_break_then_bad_count(
    path: Path, name_column: str, break_where: dict[str, str], count_column: str, value: str, nth: int = 1
) -> dict[str, Any]:
    """A quoted name with a line break inside (row `break_where`), and a bad count in a LATER row: the row to
    report is the physical line a text editor shows (one more than the record number)."""
    t = TextTable.read(path)
    b = t.find(break_where)
    c = t.col(count_column)
    target = next(i for i in range(b + 1, len(t.lines)) if t.lines[i].strip())
    for _ in range(nth - 1):
        target = next(i for i in range(target + 1, len(t.lines)) if t.lines[i].strip())
    f = t.split(target)
    f[c] = value
    t.join(target, f)
    f = t.split(b)
    nc = t.col(name_column)
    f[nc] = f[nc].replace(" ", "\n", 1) if " " in f[nc] else f[nc] + "\n"
    buf = io.StringIO()  # csv quotes a field with a line break only when it is in the lineterminator
    csv.writer(buf, delimiter=t.delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(f)
    end = t.lines[b][len(t.lines[b].rstrip("\r\n")) :]
    t.lines[b] = buf.getvalue()[:-1] + end
    t.write(path)
    # lines are 0-based list indexes; the editor numbers from 1, and the break adds one line before target
    return {"row": target + 2, "column": count_column, "found": value, "record": target + 1}


# ---- GeoNames (tab-separated, no header: row = line number)


@transform
def set_tsv_field(path: Path, line: int, field: int, value: str) -> dict[str, Any]:
    """Set field `field` (0-based) of 1-based `line` of a header-less tab-separated file."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    f = lines[line - 1].rstrip("\n").split("\t")
    old, f[field] = f[field], value
    lines[line - 1] = "\t".join(f) + "\n"
    path.write_bytes("".join(lines).encode("utf-8"))
    return {"row": line, "found": value, "original": old}


@transform
def tabs_to_spaces(path: Path) -> dict[str, Any]:
    path.write_bytes(path.read_bytes().replace(b"\t", b"    "))
    return {"row": 1}


@transform
def replace_text_reencode(path: Path, old: str, new: str, encoding: str) -> dict[str, Any]:
    """Replace a text (first occurrence) and write the whole file in `encoding`."""
    text = path.read_bytes().decode("utf-8")
    if old not in text:
        raise KeyError(f"{old!r} not in {path.name}")
    row = text[: text.index(old)].count("\n") + 1
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return {"row": row, "found": new}


# ---- zip archives


def _zip_rewrite(path: Path, members: list[tuple[str, bytes]], template: zipfile.ZipInfo) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=template.date_time)
            info.compress_type = template.compress_type
            info.external_attr = template.external_attr
            zf.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _zip_members(path: Path) -> tuple[list[tuple[str, bytes]], zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        return [(i.filename, zf.read(i)) for i in infos], infos[0]


@transform
def truncate_bytes(path: Path, keep: float = 0.5) -> dict[str, Any]:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return {}


@transform
def zip_corrupt_member(path: Path, offset: float = 0.5) -> dict[str, Any]:
    """Flip bytes inside the (stored) member data: the archive opens, the member fails its CRC."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    pos = start + int(info.compress_size * offset)
    for k in range(pos, pos + 8):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return {"found": info.filename}


@transform
def zip_add_member(path: Path, member: str, content: str = "{}") -> dict[str, Any]:
    """Add a member (first in the archive) next to the existing one."""
    members, tmpl = _zip_members(path)
    _zip_rewrite(path, [(member, content.encode()), *members], tmpl)
    return {"found": member}


@transform
def zip_rename_member(path: Path, to: str) -> dict[str, Any]:
    members, tmpl = _zip_members(path)
    _zip_rewrite(path, [(to, members[0][1])], tmpl)
    return {"found": to}


@transform
def zip_replace_member(path: Path, content: str) -> dict[str, Any]:
    members, tmpl = _zip_members(path)
    _zip_rewrite(path, [(members[0][0], content.encode())], tmpl)
    return {}


@transform
def zip_fake_size(path: Path, size: int) -> dict[str, Any]:
    """Claim an uncompressed size of `size` bytes in the central directory (a decompression bomb's header)."""
    data = bytearray(path.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, size)  # uncompressed size field of the central directory entry
    path.write_bytes(bytes(data))
    return {"found": str(size)}


# ---- YAML configuration


@transform
def yaml_set(path: Path, key: str, value: Any, match: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set `key` (dotted) in a YAML file; with `match`, in the list item under the first key part that matches."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    parts = key.split(".")
    node: Any = data
    for p in parts[:-1]:
        node = node[p]
        if isinstance(node, list):
            node = next(it for it in node if all(it.get(k) == v for k, v in (match or {}).items()))
    old = node.get(parts[-1]) if isinstance(node, dict) else None
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"found": "" if value is None else str(value), "original": "" if old is None else str(old)}


@transform
def yaml_unset(path: Path, key: str, match: dict[str, Any] | None = None, keys: list[str] | None = None) -> dict:
    """Remove `keys` from the list item under `key` matching `match`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    item = next(it for it in data[key] if all(it.get(k) == v for k, v in (match or {}).items()))
    for k in keys or []:
        item.pop(k, None)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {}


# ------------------------------------------------------------------------------------------ building


def _fill(text: str, facts: dict[str, Any]) -> str:
    return text.format(**{k: ("" if v is None else v) for k, v in facts.items()})


def build_case(spec: dict[str, Any], out_root: Path, sample_dir: Path = SAMPLE_DIR) -> Path:
    """Create `out_root/<id>/` for one spec and return it."""
    case_dir = out_root / spec["id"]
    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True)
    for f in sorted(sample_dir.iterdir()):
        if f.is_file():
            shutil.copyfile(f, case_dir / f.name)
    base = spec.get("base", "sample")
    config_dir = None
    if base == "config" or spec.get("config_patch"):
        config_dir = case_dir / "config"
        copy_config(config_dir)
    if spec.get("config_patch"):
        patch = dict(spec["config_patch"])
        yaml_set(config_dir / patch.pop("file"), **patch)
    if base == "config":
        target = case_dir / "config" / spec["file"]
    elif base == "sample":
        target = case_dir / spec["file"]
    else:
        target = case_dir / Path(spec["file"]).name
        shutil.copyfile(BASES[base] / spec["file"], target)
    facts: dict[str, Any] = {"file": Path(spec["file"]).name, "row": None, "column": None, "found": None}
    facts["case_dir"] = "{case_dir}"  # resolved by the test runner (the directory differs per run)
    steps = spec["damage_steps"] if "damage_steps" in spec else [spec["transform"]]
    for step in steps:
        step = dict(step)
        name = step.pop("name")
        got = TRANSFORMS[name](target, **step) or {}
        facts.update({k: v for k, v in got.items() if v is not None})
    for k in ("row", "column", "found"):  # explicit values in the spec win
        if spec.get(k) is not None:
            facts[k] = spec[k]
    expect = dict(spec.get("expect") or {})
    expect["messages"] = [
        [_fill(a, facts) for a in m] if isinstance(m, list) else _fill(m, facts) for m in expect.get("messages", [])
    ]
    case = {
        "id": spec["id"],
        "source": spec["source"],
        "file": facts["file"],
        "damage": spec["damage"].strip(),
        "row": facts["row"],
        "column": facts["column"],
        "found": facts["found"],
        "original": facts.get("original"),
        "select": spec.get("select"),
        "years": spec.get("years"),
        "env": spec.get("env") or {},
        "config_dir": "config" if config_dir is not None else None,
        "level": spec.get("level", "check"),
        "parser": spec.get("parser"),
        "expect": expect,
        "xfail": spec.get("xfail"),
        "xfail_message": spec.get("xfail_message"),
        "gap": spec.get("gap"),
        "config_patch": spec.get("config_patch"),
        "note": (spec.get("note") or "").strip() or None,
    }
    (case_dir / "case.yaml").write_text(
        yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    return case_dir


def build_all(out_root: Path, only: list[str] | None = None, sample_dir: Path = SAMPLE_DIR) -> list[Path]:
    """Build every case (or those in `only`) under `out_root`; return the case directories in spec order."""
    out_root.mkdir(parents=True, exist_ok=True)
    return [build_case(s, out_root, sample_dir) for s in load_specs() if not only or s["id"] in only]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="directory to write the case directories into")
    p.add_argument("--only", nargs="+", help="case ids to build (default: all)")
    args = p.parse_args(argv)
    dirs = build_all(args.out, args.only)
    for d in dirs:
        print(d)
    print(f"{len(dirs)} case(s) written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
