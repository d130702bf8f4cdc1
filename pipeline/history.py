"""History across publishes: every publish keeps what it replaced, so `sto diff` works against any earlier
publish and a figure's values can be listed over time.

Form (compact): one small DuckDB file per replaced publish, `<out>/history/<stamp>-<run_group>.duckdb`,
holding every `marts.*` table and the audit tables the causes of a diff need (HISTORY_AUDIT: provenance,
loaded_sources, config_values, build_state, table_hashes) of the warehouse that was replaced. `stamp` is
that publish's build time (UTC, `YYYYmmddTHHMMSS`), `run_group` its audit.provenance id, so names sort by
time. Raw and core tables are not kept (they are rebuilt from the inputs, which the entry names by sha256).

Atomic: the entry is written into the output folder's staging directory before the swap (a failed or
killed run leaves only a staging file, removed by the next command) and renamed into history/ after the
swap. Retention: the newest `keep` entries stay (pipeline.yaml `history.keep`, STO_HISTORY_KEEP overrides;
0 keeps none), enforced at every publish; `sto reset` removes the folder.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.errors import UsageError
from pipeline.tables import sql_literal

HISTORY_DIR = "history"
DEFAULT_KEEP = 10
HISTORY_AUDIT = (
    "audit.provenance",
    "audit.loaded_sources",
    "audit.config_values",
    "audit.build_state",
    "audit.table_hashes",
)
_NAME = re.compile(r"^(\d{8}T\d{6})-([0-9A-Za-z_-]+)\.duckdb$")


def history_dir(out: Path) -> Path:
    return Path(out) / HISTORY_DIR


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_replaced(published: Path, tmp_dir: Path) -> Path | None:
    """Write the marts and HISTORY_AUDIT tables of the published warehouse (the one a publish is about to
    replace) into a new DuckDB file in `tmp_dir` (the staging directory) and return it; None when there is no
    published warehouse or it holds no marts. The caller renames it into history/ after the swap
    (`commit_entry`) or deletes it. Raises duckdb.Error when the published file cannot be read."""
    if not published.exists():
        return None
    tmp_dir.mkdir(parents=True, exist_ok=True)
    target = tmp_dir / f"history-{uuid.uuid4().hex[:12]}.duckdb"
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH {sql_literal(str(published))} AS old (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'old' "
            "AND (schema_name = 'marts' OR schema_name || '.' || table_name IN (SELECT unnest(?::VARCHAR[]))) "
            "ORDER BY 1, 2",
            [list(HISTORY_AUDIT)],
        ).fetchall()
        if not any(s == "marts" for s, _ in tables):
            con.close()
            target.unlink(missing_ok=True)
            return None
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"CREATE SCHEMA {_q(schema)}")
        for s, t in tables:
            con.execute(f"CREATE TABLE {_q(s)}.{_q(t)} AS SELECT * FROM old.{_q(s)}.{_q(t)}")
        row = None
        if ("audit", "provenance") in tables:
            row = con.execute(
                "SELECT run_group, finished_at FROM audit.provenance ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
        con.execute("DETACH old")
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        con.execute(
            "CREATE TABLE audit.history_entry AS SELECT ?::VARCHAR AS run_group, ?::TIMESTAMP AS finished_at, "
            "now()::TIMESTAMP AS replaced_at",
            [row[0] if row else None, row[1] if row else None],
        )
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        Path(str(target) + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    return target


def entry_name(entry_file: Path) -> str:
    """The history file name of a snapshot: `<build time>-<run_group>.duckdb` of the replaced publish."""
    con = duckdb.connect(str(entry_file), read_only=True)
    try:
        try:
            group, finished = con.execute("SELECT run_group, finished_at FROM audit.history_entry").fetchone()
        except duckdb.Error:
            group, finished = None, None
    finally:
        con.close()
    stamp = (finished or datetime.utcnow()).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{group or uuid.uuid4().hex[:12]}.duckdb"


def commit_entry(entry_file: Path, out: Path, keep: int) -> Path:
    """Rename a written snapshot into <out>/history/ (after the swap) and enforce the retention."""
    hdir = history_dir(out)
    hdir.mkdir(parents=True, exist_ok=True)
    target = hdir / entry_name(entry_file)
    os.replace(entry_file, target)
    prune(out, keep)
    return target


def prune(out: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` history entries; returns the deleted files."""
    files = [e.path for e in entries(out)]  # newest first
    gone = files[max(keep, 0) :]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


@dataclass(frozen=True)
class Entry:
    """One kept publish: its file, run group, build time, and what its provenance says."""

    path: Path
    run_group: str
    finished_at: str
    code_version: str = ""
    peiljaren: str = ""
    source_mode: str = ""

    @property
    def id(self) -> str:
        return self.path.stem


def _describe(path: Path) -> tuple[str, str, str]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return "", "", ""
    try:
        row = con.execute(
            "SELECT code_version, peiljaren, source_mode FROM audit.provenance ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return tuple(str(x or "") for x in row) if row else ("", "", "")


def entries(out: Path, describe: bool = False) -> list[Entry]:
    """The kept publishes of output folder `out`, newest first (with provenance when `describe`)."""
    hdir = history_dir(out)
    if not hdir.is_dir():
        return []
    found = []
    for p in hdir.iterdir():
        m = _NAME.match(p.name)
        if not m or not p.is_file():
            continue
        stamp = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").strftime("%Y-%m-%d %H:%M:%S")
        found.append(Entry(p, m.group(2), stamp, *(_describe(p) if describe else ())))
    return sorted(found, key=lambda e: e.path.name, reverse=True)


def resolve_since(out: Path, spec: str) -> Entry:
    """The kept publish `spec` names: N (1 = the previous publish, 2 the one before …), a date YYYY-MM-DD
    (the last publish built on or before that day), or a run id (a prefix of its run group, or of a Dagster
    run id in its provenance). Raises UsageError listing what is kept when nothing matches."""
    kept = entries(out)
    if not kept:
        raise UsageError(
            f"{history_dir(out)}: no earlier publish is kept (history is written from the second publish on)"
        )
    listing = ", ".join(e.id for e in kept)
    if spec.isdigit() and len(spec) < 8:
        n = int(spec)
        if not 1 <= n <= len(kept):
            raise UsageError(f"--since {spec}: {len(kept)} earlier publish(es) kept ({listing})")
        return kept[n - 1]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec):
        day = spec.replace("-", "")
        hits = [e for e in kept if e.path.name[:8] <= day]
        if not hits:
            raise UsageError(f"--since {spec}: no kept publish built on or before that day ({listing})")
        return hits[0]
    hits = [e for e in kept if e.run_group.startswith(spec) or e.id == spec]
    if not hits:
        for e in kept:
            con = duckdb.connect(str(e.path), read_only=True)
            try:
                n = con.execute(
                    "SELECT count(*) FROM audit.provenance WHERE dagster_run_ids LIKE ?", [f'%"{spec}%']
                ).fetchone()[0]
            except duckdb.Error:
                n = 0
            finally:
                con.close()
            if n:
                hits.append(e)
    if len(hits) != 1:
        what = "matches no" if not hits else "matches more than one"
        raise UsageError(f"--since {spec}: {what} kept publish ({listing})")
    return hits[0]


FIGURE_SQL = """
SELECT peiljaar, pct, n_techniek, n_total FROM {db}.marts.techniek_share
WHERE indicator = ? AND scope_type = ? AND scope_code = ? ORDER BY peiljaar
"""


def figure_history(out: Path, indicator: str, scope: str) -> list[tuple]:
    """The values of marts.techniek_share for `indicator` and `scope` ('type:code', e.g. national:NL) in every
    kept publish and the current one: rows (publish id, built, peiljaar, pct, n_techniek, n_total), oldest
    first. Raises UsageError for a scope without ':'."""
    if ":" not in scope:
        raise UsageError(f"--scope {scope!r}: expected <scope_type>:<scope_code>, e.g. national:NL")
    stype, scode = scope.split(":", 1)
    sources = [(e.id, e.finished_at, e.path) for e in reversed(entries(out))]
    current = Path(out) / "sto.duckdb"
    if current.exists():
        sources.append(("current", "", current))
    rows: list[tuple] = []
    con = duckdb.connect()
    try:
        for i, (pid, built, path) in enumerate(sources):
            con.execute(f"ATTACH {sql_literal(str(path))} AS h{i} (READ_ONLY)")
            if pid == "current":
                try:
                    built = str(con.execute(f"SELECT max(finished_at) FROM h{i}.audit.provenance").fetchone()[0] or "")[
                        :19
                    ]
                except duckdb.Error:
                    built = ""
            try:
                got = con.execute(FIGURE_SQL.format(db=f"h{i}"), [indicator, stype, scode]).fetchall()
            except duckdb.Error:
                got = []
            rows += [(pid, built, *r) for r in got]
            con.execute(f"DETACH h{i}")
    finally:
        con.close()
    return rows
