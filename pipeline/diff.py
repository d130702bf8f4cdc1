"""`sto diff`: what changed between two warehouses, table by table and key by key, and why.

Why: a refreshed figure gets quoted; an auditor must see which rows moved and what caused it (a replaced
input file, a changed config value, other code or classification rules). Both warehouses are ATTACHed
read-only to one in-memory DuckDB and compared set-based:

- tables of the schemas marts and core (a schema only one side holds, e.g. core in a history entry, is
  named and not compared); tables and columns added or removed;
- per table, rows added, removed and changed by the table's key (`key:` in the data dictionary: a FULL
  OUTER JOIN on the key with IS NOT DISTINCT FROM, so a NULL key part matches a NULL), the other common
  columns compared with IS DISTINCT FROM. A table without a key (or whose key is not unique on a side: a
  dictionary error, named) is compared as whole rows (EXCEPT ALL): rows added and removed, no "changed";
- floating-point columns (FLOAT, DOUBLE) count as changed only when they differ by more than FLOAT_RTOL
  relative to the larger magnitude (at least 1): DuckDB's parallel sums of doubles may differ in the last
  bits between two builds of the same inputs; DECIMAL and integer columns are compared exactly;
- per measure (a numeric column outside the key) the `top` largest changes with their keys;
- the causes, from the audit tables of both sides: input files (audit.loaded_sources: sha256 per source and
  peiljaar), config values (audit.config_values: file, key → value), code version and config hash
  (audit.provenance, the newest row), package versions and the classification rules hash.

Exit status (pipeline/cli/diff.py): 0 no difference, 1 differences, 2 usage (a path that does not exist or
is not a warehouse), like `git diff --exit-code`.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import UsageError
from pipeline.history import is_entry, load_entry
from pipeline.tables import sql_literal

DIFF_SCHEMAS = ("marts", "core")  # compared when both sides hold them (a history entry holds marts only)
FLOAT_RTOL = 1e-9  # relative tolerance for FLOAT/DOUBLE columns (see module doc)
DEFAULT_TOP = 5  # largest changes shown per measure
DEFAULT_EXAMPLES = 5  # keys shown per table for added, removed and changed rows
WAREHOUSE_NAME = "sto.duckdb"  # the warehouse at the top of an output folder or a release folder/zip

_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")
_NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "DECIMAL",
    *_FLOAT_TYPES,
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_numeric(dtype: str) -> bool:
    return dtype.upper().startswith(_NUMERIC_PREFIXES)


# ------------------------------------------------------------------ inputs: which file is the warehouse


def resolve_warehouse(path: Path, workdir: Path | None = None) -> Path:
    """The DuckDB file `path` stands for: the file itself, `sto.duckdb` at the top of a folder (an output
    folder or a release folder), or `sto.duckdb` in a release zip (at its top or in its one top folder;
    extracted into `workdir`), or a kept publish (a history entry folder, returned as is). Raises UsageError naming the path when it does not exist, holds no
    warehouse, or is not a DuckDB file with a marts schema."""
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{p}: no such file or folder (expected a warehouse file, an output folder or a release)")
    if p.is_dir() and is_entry(p):  # a kept publish (<out>/history/<id>/: Parquet files, pipeline/history.py)
        return p
    if p.is_dir():
        db = p / WAREHOUSE_NAME
        if not db.is_file():
            raise UsageError(f"{p}: a folder without {WAREHOUSE_NAME} at its top (not an output or release folder)")
        p = db
    elif zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            names = [n for n in zf.namelist() if n.rstrip("/").split("/")[-1] == WAREHOUSE_NAME and n.count("/") <= 1]
            if not names:
                raise UsageError(f"{p}: a zip without {WAREHOUSE_NAME} at its top (not a release)")
            target = Path(tempfile.mkdtemp(prefix=f"{p.stem}-", dir=workdir))
            p = Path(zf.extract(sorted(names, key=len)[0], target))
    try:
        con = duckdb.connect(str(p), read_only=True)
    except duckdb.Error as exc:
        raise UsageError(f"{p}: not a readable DuckDB warehouse ({str(exc).strip().splitlines()[0]})") from exc
    try:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    if "marts" not in schemas:
        raise UsageError(f"{p}: a DuckDB file without a marts schema (not an sto warehouse)")
    return p


# ------------------------------------------------------------------ results


@dataclass
class MeasureChange:
    """One of the largest changes of a measure: the row's key, the old and new value and new − old."""

    column: str
    key: str
    old: Any
    new: Any
    delta: float | None


@dataclass
class TableDiff:
    """The comparison of one table (status: equal, changed, added, removed)."""

    table: str
    status: str
    key: list[str] | None = None
    rows_a: int | None = None
    rows_b: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    changed_columns: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)  # added / removed / changed → keys
    measures: list[MeasureChange] = field(default_factory=list)
    note: str = ""


@dataclass
class Causes:
    """What differs in the audit tables: input files, config values, code version, rules, packages."""

    inputs: list[tuple[str, str, str, str]] = field(default_factory=list)  # source, peiljaar, old, new
    config: list[tuple[str, str, str, str]] = field(default_factory=list)  # file, key, old, new
    config_compared: bool = False  # both sides record audit.config_values
    code_version: tuple[str, str] | None = None
    config_hash: tuple[str, str] | None = None
    rules_hash: tuple[str, str] | None = None
    packages: list[tuple[str, str, str]] = field(default_factory=list)  # package, old, new
    notes: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(
            self.inputs or self.config or self.code_version or self.config_hash or self.rules_hash or self.packages
        )


@dataclass
class DiffResult:
    """`sto diff A B`: the tables compared and the causes; `differs` decides the exit status."""

    a: str
    b: str
    tables: list[TableDiff]
    causes: Causes
    notes: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return any(t.status != "equal" for t in self.tables) or self.causes.any()

    def table(self, name: str) -> TableDiff | None:
        return next((t for t in self.tables if t.table == name), None)


# ------------------------------------------------------------------ the comparison


def _tables(con: duckdb.DuckDBPyConnection, side: str) -> dict[str, dict[str, str]]:
    """schema.table → {column: type} of one attached side, for the DIFF_SCHEMAS."""
    rows = con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY schema_name, table_name, "
        "column_index",
        [side, list(DIFF_SCHEMAS)],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for s, t, c, d in rows:
        out.setdefault(f"{s}.{t}", {})[c] = d
    return out


def _ref(side: str, table: str) -> str:
    s, t = table.split(".")
    return f"{side}.{_q(s)}.{_q(t)}"


def _count(con: duckdb.DuckDBPyConnection, side: str, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {_ref(side, table)}").fetchone()[0]


def _key_unique(con: duckdb.DuckDBPyConnection, side: str, table: str, key: list[str]) -> bool:
    cols = ", ".join(_q(k) for k in key)
    sql = f"SELECT count(*) FROM (SELECT {cols} FROM {_ref(side, table)} GROUP BY ALL HAVING count(*) > 1)"
    return con.execute(sql).fetchone()[0] == 0


def _differs(i: int, ta: str, tb: str) -> str:
    """SQL: is column i of side a distinct from side b (floats with FLOAT_RTOL, see module doc)."""
    a, b = f"a{i}", f"b{i}"
    if ta != tb and _is_numeric(ta) and _is_numeric(tb):  # e.g. INTEGER → BIGINT: compared as numbers
        ta = tb = "DOUBLE"
        a, b = f"{a}::DOUBLE", f"{b}::DOUBLE"
    if ta != tb:
        return f"({a}::VARCHAR IS DISTINCT FROM {b}::VARCHAR)"
    if ta.upper() in _FLOAT_TYPES:
        return (
            f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN {a} IS DISTINCT FROM {b} WHEN {a} = {b} THEN false "
            f"ELSE abs({a} - {b}) > {FLOAT_RTOL!r} * greatest(1.0, abs({a}), abs({b})) END)"
        )
    return f"({a} IS DISTINCT FROM {b})"


def _key_text(row: tuple, key: list[str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(key, row, strict=False))


def _same_content(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Equal row count and DuckDB row-hash sum on both sides (pipeline.db.content_hash): equal content."""
    sql = "SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {} t"
    return con.execute(sql.format(_ref("a", table))).fetchone() == con.execute(sql.format(_ref("b", table))).fetchone()


def _compare_keyed(
    con: duckdb.DuckDBPyConnection, td: TableDiff, key: list[str], cols: list[str], ca: dict, cb: dict, top: int
) -> None:
    keys_a = ", ".join(f"{_q(k)} AS k{i}" for i, k in enumerate(key))
    vals_a = "".join(f", {_q(c)} AS a{i}" for i, c in enumerate(cols))
    vals_b = "".join(f", {_q(c)} AS b{i}" for i, c in enumerate(cols))
    keys_b = ", ".join(f"{_q(k)} AS kb{i}" for i, k in enumerate(key))
    on = " AND ".join(f"x.k{i} IS NOT DISTINCT FROM y.kb{i}" for i in range(len(key)))
    flags = "".join(f", {_differs(i, ca[c], cb[c])} AS d{i}" for i, c in enumerate(cols))
    keyout = ", ".join(f"CASE WHEN x._a THEN x.k{i} ELSE y.kb{i} END AS k{i}" for i in range(len(key)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _j AS SELECT {keyout}, x._a, y._b"
        + "".join(f", x.a{i}, y.b{i}" for i in range(len(cols)))
        + f" FROM (SELECT {keys_a}{vals_a}, true AS _a FROM {_ref('a', td.table)}) x "
        f"FULL OUTER JOIN (SELECT {keys_b}{vals_b}, true AS _b FROM {_ref('b', td.table)}) y ON {on}"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _jd AS SELECT *{flags} FROM _j")
    anyd = " OR ".join(f"d{i}" for i in range(len(cols))) or "false"
    counts = con.execute(
        "SELECT count(*) FILTER (WHERE _a IS NULL), count(*) FILTER (WHERE _b IS NULL), "
        f"count(*) FILTER (WHERE _a AND _b AND ({anyd}))"
        + "".join(f", count(*) FILTER (WHERE _a AND _b AND d{i})" for i in range(len(cols)))
        + " FROM _jd"
    ).fetchone()
    td.added, td.removed, td.changed = counts[0], counts[1], counts[2]
    td.changed_columns = {c: n for c, n in zip(cols, counts[3:], strict=True) if n}
    korder = ", ".join(f"k{i}" for i in range(len(key)))
    for what, cond in (("added", "_a IS NULL"), ("removed", "_b IS NULL"), ("changed", f"_a AND _b AND ({anyd})")):
        if getattr(td, what):
            rows = con.execute(
                f"SELECT {korder} FROM _jd WHERE {cond} ORDER BY ALL LIMIT {DEFAULT_EXAMPLES}"
            ).fetchall()
            td.examples[what] = [_key_text(r, key) for r in rows]
    for i, c in enumerate(cols):
        if c not in td.changed_columns or not (_is_numeric(ca[c]) and _is_numeric(cb[c])):
            continue
        rows = con.execute(
            f"SELECT {korder}, a{i}, b{i}, b{i}::DOUBLE - a{i}::DOUBLE AS delta FROM _jd WHERE _a AND _b AND d{i} "
            f"ORDER BY abs(delta) DESC NULLS FIRST, {korder} LIMIT {int(top)}"
        ).fetchall()
        for r in rows:
            n = len(key)
            td.measures.append(MeasureChange(c, _key_text(r[:n], key), r[n], r[n + 1], r[n + 2]))
    con.execute("DROP TABLE _jd")
    con.execute("DROP TABLE _j")


def _compare_rows(con: duckdb.DuckDBPyConnection, td: TableDiff, cols: list[str], ca: dict, cb: dict) -> None:
    """Whole-row comparison over the common columns (no usable key): rows added and removed."""

    def sel(side: str, types: dict, other: dict) -> str:
        parts = [_q(c) if types[c] == other[c] else f"{_q(c)}::VARCHAR AS {_q(c)}" for c in cols]
        return f"SELECT {', '.join(parts) or '1'} FROM {_ref(side, td.table)}"

    a, b = sel("a", ca, cb), sel("b", cb, ca)
    td.added = con.execute(f"SELECT count(*) FROM ({b} EXCEPT ALL {a})").fetchone()[0]
    td.removed = con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()[0]


def compare_table(
    con: duckdb.DuckDBPyConnection, table: str, ca: dict[str, str], cb: dict[str, str], key: list[str] | None, top: int
) -> TableDiff:
    """Compare `table` on the attached sides a and b (columns → types `ca`, `cb`) by `key`."""
    td = TableDiff(table, "equal", key=key)
    td.rows_a, td.rows_b = _count(con, "a", table), _count(con, "b", table)
    td.columns_added = [c for c in cb if c not in ca]
    td.columns_removed = [c for c in ca if c not in cb]
    if not td.columns_added and not td.columns_removed and ca == cb and _same_content(con, table):
        return td
    usable = bool(key) and all(k in ca and k in cb for k in key)
    if key and not usable:
        td.note = f"key {key} not in both sides' columns: compared as whole rows"
    if usable:
        dup = [s for s in ("a", "b") if not _key_unique(con, s, table, key)]
        if dup:
            usable = False
            td.note = f"key {key} is not unique in {' and '.join(s.upper() for s in dup)} (a data dictionary error): compared as whole rows"
    if usable:
        cols = [c for c in ca if c in cb and c not in key]
        _compare_keyed(con, td, key, cols, ca, cb, top)
    else:
        if not key:
            td.note = td.note or "no key in the data dictionary: compared as whole rows"
        _compare_rows(con, td, [c for c in ca if c in cb], ca, cb)
    if td.added or td.removed or td.changed or td.columns_added or td.columns_removed:
        td.status = "changed"
    return td


def _has(con: duckdb.DuckDBPyConnection, side: str, table: str) -> bool:
    s, t = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [side, s, t],
        ).fetchone()[0]
    )


def _newest_provenance(con: duckdb.DuckDBPyConnection, side: str) -> dict[str, Any] | None:
    if not _has(con, side, "audit.provenance"):
        return None
    row = con.execute(
        f"SELECT code_version, config_hash, package_versions FROM {_ref(side, 'audit.provenance')} "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return None if row is None else {"code_version": row[0], "config_hash": row[1], "packages": row[2]}


INPUTS_SQL = """
WITH a AS (SELECT source_id, peiljaar, string_agg(DISTINCT file_name || ' (' || sha256 || ')', '; '
                  ORDER BY file_name || ' (' || sha256 || ')') AS f FROM {a} GROUP BY ALL),
     b AS (SELECT source_id, peiljaar, string_agg(DISTINCT file_name || ' (' || sha256 || ')', '; '
                  ORDER BY file_name || ' (' || sha256 || ')') AS f FROM {b} GROUP BY ALL)
SELECT coalesce(a.source_id, b.source_id) AS source_id, coalesce(a.peiljaar, b.peiljaar) AS peiljaar,
       coalesce(a.f, '(none)'), coalesce(b.f, '(none)')
FROM a FULL OUTER JOIN b ON a.source_id = b.source_id AND a.peiljaar IS NOT DISTINCT FROM b.peiljaar
WHERE a.f IS DISTINCT FROM b.f ORDER BY 1, 2 NULLS FIRST
"""

CONFIG_SQL = """
SELECT coalesce(a.file, b.file), coalesce(a.key, b.key), coalesce(a.value, '(absent)'), coalesce(b.value, '(absent)')
FROM {a} a FULL OUTER JOIN {b} b ON a.file = b.file AND a.key = b.key
WHERE a.value IS DISTINCT FROM b.value ORDER BY 1, 2
"""


def compare_causes(con: duckdb.DuckDBPyConnection) -> Causes:
    """The audit-table differences of the attached sides a and b (see the module doc)."""
    c = Causes()
    if _has(con, "a", "audit.loaded_sources") and _has(con, "b", "audit.loaded_sources"):
        sql = INPUTS_SQL.format(a=_ref("a", "audit.loaded_sources"), b=_ref("b", "audit.loaded_sources"))
        c.inputs = [(s, "" if y is None else str(y), fa, fb) for s, y, fa, fb in con.execute(sql).fetchall()]
        rules = [
            con.execute(
                f"SELECT coalesce(string_agg(DISTINCT rules_hash, ', ' ORDER BY rules_hash), '') "
                f"FROM {_ref(s, 'audit.loaded_sources')} WHERE rules_hash IS NOT NULL"
            ).fetchone()[0]
            for s in ("a", "b")
        ]
        if rules[0] != rules[1]:
            c.rules_hash = (rules[0] or "(none)", rules[1] or "(none)")
    else:
        c.notes.append("input files not compared: audit.loaded_sources missing on a side")
    if _has(con, "a", "audit.config_values") and _has(con, "b", "audit.config_values"):
        sql = CONFIG_SQL.format(a=_ref("a", "audit.config_values"), b=_ref("b", "audit.config_values"))
        c.config = [tuple(map(str, r)) for r in con.execute(sql).fetchall()]
        c.config_compared = True
    else:
        missing = [s.upper() for s in ("a", "b") if not _has(con, s, "audit.config_values")]
        c.notes.append(
            f"config values not compared: {' and '.join(missing)} {'record' if len(missing) > 1 else 'records'} none "
            "(built before audit.config_values); "
            "the config hash below still says whether the configuration differs"
        )
    pa, pb = _newest_provenance(con, "a"), _newest_provenance(con, "b")
    if pa and pb:
        if pa["code_version"] != pb["code_version"]:
            c.code_version = (pa["code_version"], pb["code_version"])
        if pa["config_hash"] != pb["config_hash"]:
            c.config_hash = (pa["config_hash"], pb["config_hash"])
        ka, kb = json.loads(pa["packages"] or "{}"), json.loads(pb["packages"] or "{}")
        c.packages = [
            (p, ka.get(p, "(none)"), kb.get(p, "(none)")) for p in sorted(set(ka) | set(kb)) if ka.get(p) != kb.get(p)
        ]
    else:
        c.notes.append("code version not compared: audit.provenance missing on a side")
    return c


def load_keys() -> dict[str, list[str]]:
    """table → key columns, from the data dictionary (`key:` of each table entry)."""
    from pipeline.dictionary import load_dictionary

    return {t: list(s["key"]) for t, s in load_dictionary()["tables"].items() if s.get("key")}


def diff_warehouses(
    a: Path,
    b: Path,
    top: int = DEFAULT_TOP,
    keys: dict[str, list[str]] | None = None,
    labels: tuple[str, str] | None = None,
) -> DiffResult:
    """Compare warehouses `a` (old) and `b` (new), each a DuckDB file or a history entry folder: every table of
    DIFF_SCHEMAS by its key, and the causes. Files are opened read-only (ATTACH … READ_ONLY), an entry's
    Parquet files loaded into memory; nothing is written."""
    keys = load_keys() if keys is None else keys
    con = duckdb.connect()
    try:
        for side, path in (("a", a), ("b", b)):
            if is_entry(path):
                load_entry(con, path, side)
                continue
            try:
                con.execute(f"ATTACH {sql_literal(str(path))} AS {side} (READ_ONLY)")
            except duckdb.Error as exc:
                raise UsageError(f"{path}: cannot be opened read-only ({str(exc).strip().splitlines()[0]})") from exc
        ta, tb = _tables(con, "a"), _tables(con, "b")
        result = DiffResult(*(labels or (str(a), str(b))), tables=[], causes=Causes())
        schemas_a, schemas_b = {t.split(".")[0] for t in ta}, {t.split(".")[0] for t in tb}
        skip = set()
        for s in DIFF_SCHEMAS:
            if (s in schemas_a) != (s in schemas_b):
                skip.add(s)
                only = "A" if s in schemas_a else "B"
                result.notes.append(f"schema {s} only in {only} (a history entry keeps the marts): not compared")
        for t in sorted(set(ta) | set(tb)):
            if t.split(".")[0] in skip:
                continue
            if t not in tb:
                result.tables.append(TableDiff(t, "removed", key=keys.get(t), rows_a=_count(con, "a", t)))
            elif t not in ta:
                result.tables.append(TableDiff(t, "added", key=keys.get(t), rows_b=_count(con, "b", t)))
            else:
                result.tables.append(compare_table(con, t, ta[t], tb[t], keys.get(t), top))
        result.causes = compare_causes(con)
        return result
    finally:
        con.close()


# ------------------------------------------------------------------ rendering


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "NULL" if v is None else str(v)


def _short(files: str) -> str:
    """'name (sha256)' entries with the sha256 cut to 16 hex characters (the terminal's width)."""
    return re.sub(r"\(([0-9a-f]{16})[0-9a-f]{48}\)", r"(\1…)", files)


def render(result: DiffResult, fmt: str = "text") -> str:
    """The diff as aligned text (`fmt` 'text', tabulate 'simple') or markdown ('markdown', GitHub tables)."""
    from tabulate import tabulate

    md = fmt == "markdown"
    tf = "github" if md else "simple"
    h1, h2 = ("# ", "## ") if md else ("", "")
    out: list[str] = []
    changed = [t for t in result.tables if t.status != "equal"]
    equal = len(result.tables) - len(changed)
    li = "- " if md else ""  # markdown: one list item per line, so the lines do not run into one paragraph
    out.append(f"{h1}sto diff\n\n{li}A (old): {result.a}\n{li}B (new): {result.b}\n")
    if not result.differs:
        verdict = "EQUAL: no table, row, input, config or code difference"
    elif changed:
        verdict = "DIFFERENT"
    else:  # the data are the same; what built them is not (exit 1 all the same: the builds are not identical)
        verdict = "DIFFERENT builds, the same data (see the causes)"
    out.append(f"{verdict}; {len(changed)} table(s) differ, {equal} equal\n")
    for n in result.notes:
        out.append(f"{li}note: {n}")
    if changed:
        rows = []
        for t in changed:
            cols = ", ".join(f"{c} ({n})" for c, n in sorted(t.changed_columns.items(), key=lambda x: -x[1])[:6])
            extra = []
            if t.columns_added:
                extra.append(f"+columns {', '.join(t.columns_added)}")
            if t.columns_removed:
                extra.append(f"-columns {', '.join(t.columns_removed)}")
            rows.append(
                [
                    t.table,
                    t.status,
                    ", ".join(t.key or []) or "(none)",
                    _fmt(t.rows_a),
                    _fmt(t.rows_b),
                    t.added,
                    t.removed,
                    t.changed,
                    "; ".join(x for x in [cols, *extra, t.note] if x),
                ]
            )
        out.append(f"\n{h2}Tables\n")
        out.append(
            tabulate(
                rows,
                headers=["table", "status", "key", "rows A", "rows B", "added", "removed", "changed", "columns / note"],
                tablefmt=tf,
            )
        )
        ex = [(t.table, what, k) for t in changed for what, ks in t.examples.items() for k in ks]
        if ex:
            out.append(f"\n{h2}Keys that moved (first {DEFAULT_EXAMPLES} per table and kind)\n")
            out.append(tabulate(ex, headers=["table", "row", "key"], tablefmt=tf))
        ms = [(t.table, m.column, m.key, _fmt(m.old), _fmt(m.new), _fmt(m.delta)) for t in changed for m in t.measures]
        if ms:
            out.append(f"\n{h2}Largest changes per measure\n")
            out.append(tabulate(ms, headers=["table", "measure", "key", "A", "B", "B − A"], tablefmt=tf))
    c = result.causes
    out.append(f"\n{h2}Causes\n")
    if c.inputs:
        out.append("input files (sha256) that differ:\n" if md else "input files (sha256) that differ:")
        inputs = c.inputs if md else [(s, y, _short(a), _short(b)) for s, y, a, b in c.inputs]
        out.append(tabulate(inputs, headers=["source", "peiljaar", "A", "B"], tablefmt=tf))
    else:
        out.append(f"{li}input files: the same (sha256)")
    if c.config:
        out.append("\nconfig values that differ:\n" if md else "\nconfig values that differ:")
        out.append(tabulate(c.config, headers=["file", "key", "A", "B"], tablefmt=tf))
    else:
        out.append(f"{li}config values: " + ("the same" if c.config_compared else "not compared (see note)"))
    for label, pair in (("code version", c.code_version), ("config hash", c.config_hash), ("rules hash", c.rules_hash)):
        out.append(f"{li}{label}: " + (f"{pair[0]} → {pair[1]}" if pair else "the same"))
    if c.packages:
        out.append(f"{li}packages: " + "; ".join(f"{p} {x} → {y}" for p, x, y in c.packages))
    for n in c.notes:
        out.append(f"{li}note: {n}")
    text = "\n".join(out) + "\n"
    return text.replace("|\n- ", "|\n\n- ") if md else text  # markdown: a blank line ends a table
