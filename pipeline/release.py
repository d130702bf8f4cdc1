"""`sto release`: a versioned, self-describing bundle of the published, verified warehouse (issue 20).

Why: a figure quoted in a policy document needs a unit an evaluator can cite and hand on. A release is a
folder `<out>/releases/<name>/` and the same content as `<out>/releases/<name>.zip`, named
`sto-<build date>-<code version>` (the date of the build that was published, so two releases of one build
share a name; the first 12 characters of the git commit `audit.provenance` records, `-dirty` when it was
built from modified code). It holds:

    sto.duckdb                  a byte copy of the published warehouse (verified before anything is written)
    data/marts.<table>.parquet  every mart, written by pipeline/export.py (the dictionary as field metadata)
    data/marts.<table>.csv      every mart, written by pipeline/export.py (formula-like cells neutralised)
    sto-marts.xlsx              one workbook: a "Contents" sheet (sheet → table, every column from the data
                                dictionary), then one sheet per mart (cells neutralised as in the CSV)
    data_dictionary.md / .json  the data dictionary of every core, marts and audit table of this warehouse
    report/index.html           the offline HTML report (pipeline/report)
    validation_summary.csv / .md  the latest outcome of every check (audit.check_results)
    README.md, CITATION.cff     what it holds, sources with sha256, licences and attribution, how to cite
    manifest.json, SHA256SUMS   size and sha256 of every other file (SHA256SUMS also covers manifest.json)

Everything is derived from the copy in the bundle, so it all describes the same database. The bundle is
built in a hidden folder beside its target and renamed into place; the zip is written to a temporary name
and renamed. An existing release of the same name is left alone when its `sto.duckdb` has the same sha256
(the same build: nothing to do), and refused otherwise unless `force`.

Determinism: every file but `report/index.html` (its banner names the minute it was rendered) is a function
of the published database, the code and the data dictionary: the workbook's document dates are the build time and its zip entries carry the build
time; the bundle zip has sorted entries with the build time as their date. `verify_bundle` re-checks a
folder or zip against its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipeline import dictionary, export, integrity
from pipeline.paths import PROJECT_ROOT
from pipeline.tables import ident, sql_literal, table_exists

RELEASES_DIR = "releases"
WAREHOUSE = "sto.duckdb"
DATA_DIR = "data"
WORKBOOK = "sto-marts.xlsx"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CONTENTS_SHEET = "Contents"
EXCEL_MAX_ROWS = 1_048_576  # rows of a sheet, the header included: 1,048,575 data rows
SHEET_NAME_MAX = 31
FETCH_ROWS = 10_000
# Files whose bytes depend on when they were written, not only on the warehouse and the code (stated in README).
TIMESTAMPED = {
    "report/index.html": "its banner states when it was rendered (to the minute), so two releases of the same "
    "build made in different minutes differ in that line only",
}
FALLBACK_AUTHOR = "STO pipeline contributors"
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # (RE2) not allowed in a worksheet's XML
REPLACEMENT = "\ufffd"


class ReleaseError(RuntimeError):
    """A release cannot be made as asked: no published warehouse, or a release of that name differs (exit 2)."""


@dataclass(frozen=True)
class Build:
    """The build a published warehouse records: its audit.provenance row."""

    run_group: str | None
    finished_at: datetime
    code_version: str
    config_hash: str
    peiljaren: list[int]
    source_mode: str
    rules_hashes: list[str] = field(default_factory=list)

    @property
    def date(self) -> str:
        return self.finished_at.strftime("%Y-%m-%d")

    @property
    def name(self) -> str:
        """`sto-<build date>-<commit[:12]>` (`-dirty` when built from modified code)."""
        commit, _, rest = self.code_version.partition("+")
        version = re.sub(r"[^0-9A-Za-z]", "", commit)[:12] or "unknown"
        return f"sto-{self.date}-{version}" + (f"-{re.sub(r'[^0-9A-Za-z]', '', rest)}" if rest else "")

    @property
    def zip_time(self) -> tuple[int, int, int, int, int, int]:
        t = max(self.finished_at, datetime(1980, 1, 1))  # the zip format starts in 1980
        return (t.year, t.month, t.day, t.hour, t.minute, t.second)


@dataclass
class Outcome:
    """What `make_release` did: `action` is 'written', 'replaced' or 'unchanged'."""

    name: str
    folder: Path
    zip_path: Path
    action: str
    files: int = 0
    folder_bytes: int = 0
    zip_bytes: int = 0


# ---- reading the warehouse ----------------------------------------------------------------------------------
def build_of(con: duckdb.DuckDBPyConnection) -> Build:
    """The build of the warehouse: the audit.provenance row of the run its table hashes were recorded by
    (the publish), else its newest provenance row. Raises ReleaseError when it records none."""
    if not table_exists(con, "audit.provenance"):
        raise ReleaseError("the warehouse records no build (no audit.provenance): it was not built by `sto run`")
    group = None
    if table_exists(con, integrity.HASHES_TABLE):
        row = con.execute(f"SELECT max(run_group) FROM {integrity.HASHES_TABLE}").fetchone()
        group = row[0] if row else None
    row = con.execute(
        "SELECT run_group, finished_at, code_version, config_hash, peiljaren, source_mode FROM audit.provenance "
        "ORDER BY (run_group IS NOT DISTINCT FROM ?) DESC, finished_at DESC LIMIT 1",
        [group],
    ).fetchone()
    if row is None:
        raise ReleaseError("the warehouse records no build (audit.provenance is empty)")
    rules = []
    if table_exists(con, "audit.loaded_sources"):
        rules = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT rules_hash FROM audit.loaded_sources WHERE rules_hash IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
    return Build(row[0], row[1], row[2] or "unknown", row[3] or "", json.loads(row[4] or "[]"), row[5] or "", rules)


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the exported schemas (export.EXPORT_SCHEMAS), in name order."""
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND list_contains(?, schema_name) ORDER BY 1, 2",
            [list(export.EXPORT_SCHEMAS)],
        ).fetchall()
    ]


def source_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every input file the warehouse holds (audit.loaded_sources): source, peiljaar, file, kind, size,
    sha256, one row per distinct file and peiljaar."""
    if not table_exists(con, "audit.loaded_sources"):
        return []
    rows = con.execute(
        "SELECT source_id, peiljaar, file_name, source_kind, max(size), sha256 FROM audit.loaded_sources "
        "GROUP BY source_id, peiljaar, file_name, source_kind, sha256 ORDER BY source_id, peiljaar, file_name"
    ).fetchall()
    keys = ("source_id", "peiljaar", "file_name", "source_kind", "size", "sha256")
    return [dict(zip(keys, r, strict=True)) for r in rows]


VALIDATION_SQL = """
WITH latest AS (
    SELECT asset, partition, check_name, expectation,
           arg_max(success, checked_at) AS success, arg_max(unexpected_count, checked_at) AS unexpected_count,
           arg_max(severity, checked_at) AS severity, max(checked_at) AS checked_at
    FROM audit.check_results GROUP BY asset, partition, check_name, expectation
)
SELECT asset, check_name, coalesce(max(severity), '') AS severity,
       CASE WHEN bool_and(success) THEN 'passed' WHEN max(severity) = 'ERROR' THEN 'failed' ELSE 'warned' END
           AS outcome,
       count(DISTINCT partition) AS partitions, count(*) AS expectations,
       count(*) FILTER (WHERE NOT success) AS failed_expectations,
       coalesce(sum(unexpected_count), 0) AS unexpected_rows, max(checked_at) AS last_checked_at
FROM latest GROUP BY asset, check_name ORDER BY asset, check_name
"""


def validation_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """The latest outcome of every check per asset (over its partitions and expectations)."""
    if not table_exists(con, "audit.check_results"):
        return [], []
    cur = con.execute(VALIDATION_SQL)
    return [d[0] for d in cur.description], cur.fetchall()


# ---- writing the parts --------------------------------------------------------------------------------------
def sheet_names(tables: list[str]) -> dict[str, str]:
    """{table: sheet name}: the table name without its schema, at most 31 characters and unique (a long
    name is cut and numbered: `<first 28>~2`)."""
    names: dict[str, str] = {}
    used = {CONTENTS_SHEET.lower()}
    for table in tables:
        base = table.split(".", 1)[1]
        name, n = base[:SHEET_NAME_MAX], 1
        while name.lower() in used:
            n += 1
            suffix = f"~{n}"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(name.lower())
        names[table] = name
    return names


def _workbook_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """export.csv_select (the CSV export's rows, formula-like text neutralised), with nested and other
    types a spreadsheet has no cell for (MAP, LIST, STRUCT, time zones, UUID …) as their text."""
    plain = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "VARCHAR", "DATE", "TIMESTAMP")
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database() ORDER BY column_index",
        table.split("."),
    ).fetchall()
    parts = []
    for c, t in cols:
        text = f"CAST({ident(c)} AS VARCHAR)" if t not in plain and not t.startswith("DECIMAL") else ident(c)
        if text != ident(c) or t == "VARCHAR":  # XML 1.0 (the xlsx format) has no control characters but tab/newline/CR
            text = f"regexp_replace({text}, {sql_literal(CONTROL_CHARS)}, {sql_literal(REPLACEMENT)}, 'g')"
        elif t in ("DOUBLE", "FLOAT"):  # a worksheet has no NaN or infinity: an empty cell
            text = f"CASE WHEN isfinite({text}) THEN {text} END"
        parts.append(f"{text} AS {ident(c)}" if text != ident(c) else text)
    return f"SELECT {', '.join(parts)} FROM ({export.csv_select(con, table)})"


def _entry(table: str, column: str) -> dict[str, str]:
    e = dictionary.column_entry(table, column)
    if isinstance(e, str):
        return {"description": e.strip()}
    if isinstance(e, dict):
        return {k: str(e[k]).strip() for k in ("description", "unit", "codes", "source") if e.get(k) is not None}
    return {}


def write_workbook(
    con: duckdb.DuckDBPyConnection, tables: list[str], target: Path, build: Build, csv_dir: str = DATA_DIR
) -> dict[str, dict[str, Any]]:
    """One .xlsx: the Contents sheet, then one sheet per table of `tables` (rows as in the CSV export). A
    table over Excel's row limit gets no sheet and is referred to its CSV. Byte-stable: document dates and
    zip entry dates are the build time. Returns {table: {sheet, rows, in_workbook}}."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook(write_only=True)
    names = sheet_names(tables)
    contents = wb.create_sheet(CONTENTS_SHEET)
    info: dict[str, dict[str, Any]] = {}
    for table in tables:
        rows = con.execute(f"SELECT count(*) FROM {ident(table)}").fetchone()[0]
        fits = rows <= EXCEL_MAX_ROWS - 1
        info[table] = {"sheet": names[table] if fits else None, "rows": int(rows), "in_workbook": fits}
        if not fits:
            continue
        ws = wb.create_sheet(names[table])
        cur = con.execute(_workbook_select(con, table))
        header = [d[0] for d in cur.description]
        ws.append([_bold(ws, h, WriteOnlyCell, Font) for h in header])
        while batch := cur.fetchmany(FETCH_ROWS):
            for r in batch:
                ws.append(list(r))

    def heading(*values: Any) -> list:
        return [_bold(contents, v, WriteOnlyCell, Font) for v in values]

    contents.append(heading(f"STO monitoring warehouse, release {build.name}"))
    contents.append([f"Built {build.finished_at:%Y-%m-%d %H:%M} UTC from code version {build.code_version}."])
    contents.append(
        [
            "One sheet per mart (table marts.<name>); the columns of every sheet are described below (from the "
            "project's data dictionary). Text cells that a spreadsheet would run as a formula (starting with "
            "=, +, -, @, tab or carriage return) carry a leading ' as in the CSV files, and control characters "
            "a worksheet cannot hold are shown as \ufffd, and NaN or infinite numbers as empty cells; the CSV "
            "and Parquet files hold them as they are."
        ]
    )
    contents.append([])
    contents.append(heading("sheet", "table", "rows", "description"))
    for table in tables:
        i = info[table]
        sheet = i["sheet"] or f"(none: over Excel's {EXCEL_MAX_ROWS - 1:,} rows; see {csv_dir}/{table}.csv)"
        contents.append([sheet, table, i["rows"], _as_text(dictionary.table_text(table) or "")])
    contents.append([])
    contents.append(heading("table", "sheet", "column", "type", "description", "unit", "codes", "source"))
    for table in tables:
        for col, typ in con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database() ORDER BY column_index",
            table.split("."),
        ).fetchall():
            e = _entry(table, col)
            texts = [e.get(k, "") for k in ("description", "unit", "codes", "source")]
            contents.append([table, info[table]["sheet"] or "", col, typ, *map(_as_text, texts)])
    # openpyxl orders sheets by creation: Contents was created first, so it is the first sheet.
    when = build.finished_at.replace(microsecond=0, tzinfo=None)
    wb.properties.creator = wb.properties.lastModifiedBy = "sto release"
    wb.properties.created = wb.properties.modified = when
    wb.properties.title = f"STO monitoring marts, {build.name}"
    raw = target.with_name(target.name + ".raw")
    try:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).save()  # save_workbook() would stamp "modified" with now()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
            for item in src.infolist():
                fixed = zipfile.ZipInfo(item.filename, date_time=build.zip_time)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o644 << 16
                with src.open(item) as fh, dst.open(fixed, "w", force_zip64=True) as out:
                    shutil.copyfileobj(fh, out, 1 << 20)
    finally:
        raw.unlink(missing_ok=True)
    return info


def _as_text(value: str) -> str:
    """A dictionary text as a text cell: openpyxl would store one starting with '=' as a formula."""
    return "'" + value if value.startswith(export.FORMULA_STARTS) else value


def _bold(ws: Any, value: Any, cell_cls: Any, font_cls: Any) -> Any:
    cell = cell_cls(ws, value=value)
    cell.font = font_cls(bold=True)
    return cell


def dictionary_json(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every core, marts and audit table of the warehouse with its description, grain, source, key and
    columns (type, description, unit, codes, source) from the data dictionary."""
    data = dictionary.load_dictionary()
    cols = con.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND list_contains(?, schema_name) "
        "ORDER BY schema_name, table_name, column_index",
        [list(dictionary.DOCUMENTED_SCHEMAS)],
    ).fetchall()
    out: dict[str, Any] = {}
    for table, col, typ in cols:
        if table not in out:
            spec = data["tables"].get(table) or {}
            out[table] = {k: spec[k] for k in ("description", "grain", "source", "key") if spec.get(k) is not None}
            out[table]["columns"] = {}
        out[table]["columns"][col] = {"type": typ, **_entry(table, col)}
    return out


def _md_cell(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def write_validation(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[int, int]:
    """validation_summary.csv and .md; returns (checks, not passed)."""
    import csv

    header, rows = validation_rows(con)
    with open(folder / "validation_summary.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header or ["asset", "check_name"])
        w.writerows(rows)
    bad = [r for r in rows if r[3] != "passed"]
    lines = [
        "# Validation summary",
        "",
        f"The latest outcome of every check of the warehouse (audit.check_results): {len(rows)} checks, "
        f"{len(rows) - len(bad)} passed, {sum(r[3] == 'warned' for r in rows)} warned, "
        f"{sum(r[3] == 'failed' for r in rows)} failed. Severity ERROR blocks a publish; WARN is reported.",
        "",
    ]
    if header:
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_md_cell(v) for v in r) + " |" for r in rows]
    (folder / "validation_summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows), len(bad)


def _catalogue() -> dict[str, Any]:
    from pipeline.config import default_config

    return default_config().sources.get("sources", {})


def _project() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})


def _seor_caveat() -> str:
    """The first paragraph of data_raw/seor2023/README.md after its heading (the reconstruction caveat)."""
    path = PROJECT_ROOT / "data_raw" / "seor2023" / "README.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    heading = next((p for p in paras if p.startswith("# ")), "")
    body = next((p for p in paras if not p.startswith("#")), "")
    body = re.sub(r"\[([^\]]+)\]\(#[^)]*\)", r"\1", " ".join(body.split()))  # in-page links of that README
    return (heading.removeprefix("# ") + ". " if heading else "") + body + " (data_raw/seor2023/README.md)"


def _spdx(licence: str) -> list[str]:
    """SPDX ids named in a catalogue licence text (CC0 1.0, CC BY 4.0)."""
    out = []
    if re.search(r"\bCC0\b", licence):
        out.append("CC0-1.0")
    if re.search(r"CC BY 4\.0", licence):
        out.append("CC-BY-4.0")
    return out


def citation(build: Build, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """CITATION.cff (Citation File Format 1.2.0) of the release as a mapping: title, version (the code
    version), date-released (the build date), authors from pyproject (an entity when it names none), the
    code's licence and those of the data, repository-code when pyproject names one."""
    project = _project()
    authors = [
        {"name": a["name"]} if "email" not in a else {"name": a["name"], "email": a["email"]}
        for a in project.get("authors", [])
        if a.get("name")
    ] or [{"name": FALLBACK_AUTHOR}]
    cat = _catalogue()
    licences = [str((project.get("license") or {}).get("text") or "")] if project.get("license") else []
    for s in sources:
        licences += _spdx(str((cat.get(s["source_id"]) or {}).get("licence") or ""))
    licences = list(dict.fromkeys(x for x in licences if x))
    cff: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use these figures, please cite this release as below, and attribute the sources "
        "as its README.md states (Bron: DUO; GeoNames CC BY 4.0; Bron: CBS, PDOK).",
        "type": "dataset",
        "title": f"STO monitoring warehouse ({project.get('name') or 'sto-pipeline'})",
        "abstract": str(project.get("description") or ""),
        "version": build.code_version,
        "date-released": build.date,
        "authors": authors,
    }
    if licences:
        cff["license"] = licences[0] if len(licences) == 1 else licences
    urls = project.get("urls") or {}
    repo = next((urls[k] for k in ("Repository", "repository", "Source", "Homepage") if urls.get(k)), None)
    if repo:
        cff["repository-code"] = repo
    cff["keywords"] = ["education", "DUO", "techniek", "vmbo", "STO", "Techniekpact"]
    return cff


def readme(
    build: Build,
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    workbook: dict[str, dict[str, Any]],
    sources: list[dict[str, Any]],
    checks: tuple[int, int],
) -> str:
    """README.md of the bundle."""
    cat = _catalogue()
    cff = citation(build, sources)
    authors = ", ".join(a["name"] for a in cff["authors"])
    kind = "the bundled SYNTHETIC sample: NOT real figures" if build.source_mode == "sample" else "DUO open data"
    years = ", ".join(map(str, build.peiljaren)) or "(none recorded)"
    lines = [
        f"# {build.name}: STO monitoring warehouse release",
        "",
        f"A self-contained release of the published STO monitoring warehouse, built on "
        f"{build.finished_at:%Y-%m-%d %H:%M} UTC from {kind}. Peiljaren: {years}.",
        "",
        f"- Code version: `{build.code_version}` (git commit of the pipeline that built it)",
        f"- Configuration hash: `{build.config_hash}` (sha256 over the rule files and the source catalogue)",
        "- Classification rules hash: "
        + (", ".join(f"`{h}`" for h in build.rules_hashes) or "(none recorded)")
        + " (onderwijstypes, profiles, censored-cell treatment)",
        f"- Checks: {checks[0]} checks, {checks[0] - checks[1]} passed (see `validation_summary.md`)",
        "",
        "## What it holds",
        "",
        "| file | what |",
        "|---|---|",
        f"| `{WAREHOUSE}` | the DuckDB warehouse as published (schemas raw, core, marts, audit); open read-only: "
        f"`duckdb -readonly {WAREHOUSE}` |",
        f"| `{DATA_DIR}/marts.<table>.parquet` | every mart as Parquet, with the data dictionary as field metadata |",
        f"| `{DATA_DIR}/marts.<table>.csv` | every mart as CSV (UTF-8, header); text cells starting with =, +, -, @, "
        "tab or carriage return get a leading ' so a spreadsheet does not run them as formulas |",
        f"| `{WORKBOOK}` | one Excel workbook: sheet `{CONTENTS_SHEET}` maps sheets to tables and describes every "
        "column; then one sheet per mart (cells neutralised as in the CSV) |",
        "| `data_dictionary.md`, `data_dictionary.json` | every table and column of core, marts and audit |",
        "| `report/index.html` | the offline HTML report (opens from disk, no network) |",
        "| `validation_summary.csv`, `validation_summary.md` | the latest outcome of every check: asset, check, "
        "severity, outcome, expectations, unexpected rows |",
        "| `CITATION.cff` | how to cite (Citation File Format 1.2.0) |",
        f"| `{MANIFEST}`, `{SUMS}` | size and sha256 of every file (`{SUMS}` also of `{MANIFEST}`; check with "
        f"`sto release --verify <folder or zip>` or `sha256sum -c {SUMS}`) |",
        "",
        "### Marts",
        "",
        "| table | rows | workbook sheet |",
        "|---|---:|---|",
    ]
    for t in tables:
        w = workbook[t]
        sheet = f"`{w['sheet']}`" if w["in_workbook"] else f"none: over Excel's row limit, see `{DATA_DIR}/{t}.csv`"
        lines.append(f"| `{t}` | {w['rows']} | {sheet} |")
    lines += [
        "",
        "## Source files",
        "",
        "Every input file the warehouse holds (audit.loaded_sources), with its sha256:",
        "",
        "| source | peiljaar | file | kind | bytes | sha256 | licence |",
        "|---|---|---|---|---:|---|---|",
    ]
    for s in sources:
        licence = str((cat.get(s["source_id"]) or {}).get("licence") or "a project input, not in the catalogue")
        lines.append(
            f"| {s['source_id']} | {s['peiljaar'] if s['peiljaar'] is not None else ''} | `{s['file_name']}` | "
            f"{s['source_kind']} | {s['size'] if s['size'] is not None else ''} | `{s['sha256']}` | "
            f"{_md_cell(licence)} |"
        )
    ids = {s["source_id"] for s in sources}
    lines += ["", "## Licences and attribution", ""]
    lines.append(
        f"- The pipeline code: {(_project().get('license') or {}).get('text', 'see the repository')}. The bundle's "
        "figures are derived from the sources below; attribute them as stated."
    )
    if any(i.startswith("duo_") for i in ids):
        lines.append(
            '- DUO open data (Dienst Uitvoering Onderwijs, CC0 1.0 via data.overheid.nl): attribute **"Bron: DUO"**.'
        )
    if ids & {"geonames_pc4", "geonames_pc6"}:
        lines.append(
            "- Postcode coordinates: **GeoNames** (geonames.org), licensed **CC BY 4.0**: attribute "
            '"Postcode coordinates: GeoNames (geonames.org)".'
        )
    if any((cat.get(i) or {}).get("boundary") for i in ids):
        lines.append(
            "- Municipal and provincial boundaries: CBS gebiedsindelingen via PDOK, **CC BY 4.0**: attribute "
            '"Bron: CBS, PDOK" (as catalogued in data_raw/sources.yaml).'
        )
    if "school_points" in ids:
        lines.append(f"- School points: {(cat.get('school_points') or {}).get('licence', '')}.")
    if any(i.startswith("published_") or i == "seor_published" for i in ids):
        lines.append(
            "- Published figures (Techniekpact monitor, SEOR 2023): figures as published by their authors, "
            "for comparison; the curated files are CC0."
        )
    if "seor_inventory" in ids:
        caveat = _seor_caveat()
        lines += [
            "",
            "### The SEOR initiative inventory is a reconstruction",
            "",
            caveat
            or "The SEOR inventory is a reconstruction built from the published tables, not the original inventory.",
            "The SEOR marts built from it (selection, reach, characteristics, gaps) reproduce the published "
            "figures by rule; the individual characteristic assignments, locations and removed rows are invented.",
        ]
    if build.source_mode == "sample":
        lines += [
            "",
            "**This release holds the bundled SYNTHETIC sample: no figure in it is a real figure.**",
        ]
    lines += [
        "",
        "## Which files carry a timestamp",
        "",
        "Two releases of the same published build (same inputs, same code) have identical bytes in every file "
        "except those listed here; `manifest.json` gives the sha256 of each file to compare.",
        "",
    ]
    for path, why in TIMESTAMPED.items():
        lines.append(f"- `{path}`: {why}.")
    lines += [
        f"- `{WORKBOOK}` carries the build time ({build.finished_at:%Y-%m-%d %H:%M:%S} UTC) as its document "
        "created/modified dates and as the dates of its zip entries: fixed by the build, so byte-stable.",
        f"- `{WAREHOUSE}` is a byte copy of the published file; it holds its own build and check times in the "
        "audit tables (the same in every copy, so two releases of one build hold identical bytes). A rebuild "
        "of the same inputs is another build: its audit tables record other run ids and times, so its file, "
        "and the release's name when the date differs, differ by design; its marts' CSV and Parquet files "
        "do not when the figures are the same.",
        "- The release zip's entries are sorted and carry the build time as their date.",
        "",
        "## How to cite",
        "",
        f"{authors} ({build.finished_at:%Y}). *{cff['title']}*, release {build.name} (code version "
        f"{build.code_version}, built {build.date}). Sources: Bron: DUO; GeoNames (CC BY 4.0); Bron: CBS, PDOK.",
        "",
        "See `CITATION.cff` for the machine-readable form.",
    ]
    return "\n".join(lines) + "\n"


# ---- manifest and verify ------------------------------------------------------------------------------------
def _sha256(fh: Any) -> str:
    h = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        h.update(chunk)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return _sha256(fh)


def bundle_files(folder: Path) -> list[str]:
    """Every file of a bundle folder, relative, '/'-separated, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_manifest(folder: Path, build: Build) -> list[dict[str, Any]]:
    """manifest.json (size and sha256 of every file but itself and SHA256SUMS) and SHA256SUMS (every file
    but itself, manifest.json included, in `sha256sum -c` form)."""
    files = [
        {"path": rel, "size": (folder / rel).stat().st_size, "sha256": file_sha256(folder / rel)}
        for rel in bundle_files(folder)
        if rel not in (MANIFEST, SUMS)
    ]
    manifest = {
        "name": build.name,
        "code_version": build.code_version,
        "build_date": build.date,
        "peiljaren": build.peiljaren,
        "timestamped_files": sorted(TIMESTAMPED),
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sums = [*files, {"path": MANIFEST, "sha256": file_sha256(folder / MANIFEST)}]
    (folder / SUMS).write_text(
        "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(sums, key=lambda f: f["path"])), encoding="utf-8"
    )
    return files


def write_zip(folder: Path, target: Path, build: Build) -> None:
    """`target`: every file of `folder` under `<folder name>/`, sorted, dated with the build time, mode 0644;
    written to a temporary name and renamed."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for rel in bundle_files(folder):
                info = zipfile.ZipInfo(f"{folder.name}/{rel}", date_time=build.zip_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(folder / rel, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(tmp, export.FILE_MODE)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class VerifyResult:
    """What `verify_bundle` found: `problems` one line per file that differs, is missing or is extra."""

    path: Path
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path) -> VerifyResult:
    """Re-check every file of a release folder or zip against its manifest.json (size and sha256) and
    manifest.json against SHA256SUMS. Raises ReleaseError when `path` is no release (no manifest)."""
    path = Path(path)
    if path.is_dir():
        root = path
        names = set(bundle_files(root))

        def open_(rel: str) -> Any:
            return open(root / rel, "rb")

        return _verify(path, names, open_)
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [i.filename for i in zf.infolist() if not i.is_dir()]
            prefix = os.path.commonprefix(members).split("/")[0] + "/" if members else ""
            if not all(m.startswith(prefix) for m in members):
                prefix = ""
            names = {m[len(prefix) :] for m in members}
            return _verify(path, names, lambda rel: zf.open(prefix + rel))
    raise ReleaseError(f"{path}: not a release folder or zip (it does not exist, or is neither)")


def _verify(path: Path, names: set[str], open_: Any) -> VerifyResult:
    if MANIFEST not in names:
        raise ReleaseError(f"{path}: no {MANIFEST} in it; not a release made by `sto release`")
    with open_(MANIFEST) as fh:
        raw = fh.read()
    try:
        manifest = json.loads(raw)
        listed = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        return VerifyResult(path, 0, [f"{MANIFEST}: unreadable ({exc})"])
    problems = []
    for rel in sorted(listed):
        f = listed[rel]
        if rel not in names:
            problems.append(f"{rel}: missing")
            continue
        with open_(rel) as fh:
            h = hashlib.sha256()
            size = 0
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
        if h.hexdigest() != f.get("sha256") or size != f.get("size"):
            problems.append(
                f"{rel}: differs (sha256 {h.hexdigest()[:16]}…, {size} bytes; manifest "
                f"{str(f.get('sha256'))[:16]}…, {f.get('size')} bytes)"
            )
    problems += [f"{rel}: not in the manifest" for rel in sorted(names - set(listed) - {MANIFEST, SUMS})]
    if SUMS in names:
        with open_(SUMS) as fh:
            pairs = [line.split("  ", 1) for line in fh.read().decode("utf-8").splitlines() if "  " in line]
        sums = {name: digest for digest, name in pairs}
        if sums.get(MANIFEST) != hashlib.sha256(raw).hexdigest():
            problems.append(f"{MANIFEST}: differs from its sha256 in {SUMS}")
    else:
        problems.append(f"{SUMS}: missing")
    return VerifyResult(path, len(listed) + 1, problems)


# ---- the release --------------------------------------------------------------------------------------------
def _copy_verified(published: Path, target: Path) -> None:
    """Byte-copy the published warehouse to `target` and verify the copy (integrity.verify): every table as
    its build recorded it. Raises integrity.WarehouseChangedError (exit 5) otherwise."""
    with open(published, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
    os.chmod(target, export.FILE_MODE)
    con = integrity.open_read_only(target)
    try:
        v = integrity.verify(con)
    finally:
        con.close()
    if not v.ok:
        raise integrity.WarehouseChangedError(v.message(published))


def _existing_same(folder: Path, db_sha: str) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(f.get("path") == WAREHOUSE and f.get("sha256") == db_sha for f in manifest.get("files", []))


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def make_release(out: Path, force: bool = False, progress: Any = None) -> Outcome:
    """Write `<out>/releases/<name>/` and `<name>.zip` from the published warehouse `<out>/sto.duckdb`.

    Raises ReleaseError (no published warehouse; a different release of that name exists and not `force`),
    integrity.WarehouseChangedError (the warehouse differs from its build) or WarehouseDamagedError.
    """
    say = progress or (lambda _msg: None)
    published = Path(out) / WAREHOUSE
    if not published.is_file():
        raise ReleaseError(f"no published warehouse at {published}: nothing to release; run `sto run` first")
    releases = Path(out) / RELEASES_DIR
    releases.mkdir(parents=True, exist_ok=True)
    os.chmod(releases, export.DIR_MODE)
    tmp = Path(tempfile.mkdtemp(dir=releases, prefix=".building-"))
    try:
        os.chmod(tmp, export.DIR_MODE)
        db = tmp / WAREHOUSE
        _copy_verified(published, db)
        say(f"copied and verified {published}")
        con = duckdb.connect(str(db), read_only=True)
        try:
            build = build_of(con)
            folder, zip_path = releases / build.name, releases / f"{build.name}.zip"
            if folder.exists() and not force:
                if _existing_same(folder, file_sha256(db)):
                    ok = verify_bundle(folder).ok and zip_path.is_file()
                    if ok:
                        return Outcome(build.name, folder, zip_path, "unchanged")
                    raise ReleaseError(
                        f"{folder} holds a release of this build, but it fails --verify or has no zip: "
                        "`sto release --force` writes it again"
                    )
                raise ReleaseError(
                    f"{folder} already exists and holds another warehouse than {published} (a release of the same "
                    "date and code version from another build). `sto release --force` replaces it."
                )
            tables = mart_tables(con)
            sources = source_files(con)
        finally:
            con.close()
        export.export_marts(db, tmp / DATA_DIR)
        say(f"exported {len(tables)} marts to Parquet and CSV")
        con = duckdb.connect(str(db), read_only=True)
        try:
            workbook = write_workbook(con, tables, tmp / WORKBOOK, build)
            say(f"wrote {WORKBOOK}")
            (tmp / "data_dictionary.json").write_text(
                json.dumps(dictionary_json(con), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            checks = write_validation(con, tmp)
            (tmp / "README.md").write_text(readme(build, con, tables, workbook, sources, checks), encoding="utf-8")
        finally:
            con.close()
        (tmp / "data_dictionary.md").write_text(
            dictionary.render_markdown(dictionary.warehouse_columns(db)), encoding="utf-8"
        )
        (tmp / "CITATION.cff").write_text(
            yaml.safe_dump(citation(build, sources), sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
        )
        from pipeline.report import build_report

        build_report(db, tmp)
        say("wrote the report")
        for p in tmp.rglob("*"):
            os.chmod(p, export.DIR_MODE if p.is_dir() else export.FILE_MODE)
        files = write_manifest(tmp, build)
        action = "replaced" if folder.exists() else "written"
        old = releases / f".old-{build.name}"
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
        write_zip(folder, zip_path, build)
        say(f"wrote {zip_path.name}")
        return Outcome(
            build.name, folder, zip_path, action, len(files) + 2, folder_size(folder), zip_path.stat().st_size
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
