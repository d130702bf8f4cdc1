"""History across publishes: every publish keeps what it replaced, so `sto diff` works against any earlier
publish and a figure's values can be listed over time.

Form (compact): one folder per replaced publish, `<out>/history/<stamp>-<run_group>/`, holding every
`marts.*` table and the audit tables the causes of a diff need (HISTORY_AUDIT: provenance, loaded_sources,
config_values, build_state, table_hashes) of the warehouse that was replaced, as Parquet (zstd; a tenth of
a DuckDB file of the same tables), and `entry.json` (run group, build time, code version, peiljaren, row
counts). `stamp` is that publish's build time (UTC, `YYYYmmddTHHMMSS`), `run_group` its audit.provenance
id, so names sort by time. Raw and core tables are not kept (they are rebuilt from the inputs, which the
entry names by sha256). A query over the kept figures can read the Parquet files directly, e.g.
`SELECT * FROM read_parquet('data_out/history/*/marts.techniek_share.parquet', filename = true)`.

Atomic: the entry is written into the output folder's staging directory before the swap (a failed or
killed run leaves only a staging file, removed by the next command) and renamed into history/ after the
swap. Retention: the newest `keep` entries stay (pipeline.yaml `history.keep`, STO_HISTORY_KEEP overrides;
0 keeps none), enforced at every publish; `sto reset` removes the folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
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
_NAME = re.compile(r"^(\d{8}T\d{6})-([0-9A-Za-z_-]+)$")


def history_dir(out: Path) -> Path:
    return Path(out) / HISTORY_DIR


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


ENTRY_JSON = "entry.json"  # beside the Parquet files: the replaced publish's identity and row counts


def snapshot_replaced(published: Path, tmp_dir: Path) -> Path | None:
    """Write the marts and HISTORY_AUDIT tables of the published warehouse (the one a publish is about to
    replace) as Parquet files `<schema>.<table>.parquet` (zstd) into a new folder in `tmp_dir` (the staging
    directory), with ENTRY_JSON (run group, build time, code version, peiljaren, source mode, tables and row
    counts), and return the folder; None when there is no published warehouse or it holds no marts. The
    caller renames it into history/ after the swap (`commit_entry`) or deletes it. Raises duckdb.Error when
    the published file cannot be read."""
    if not published.exists():
        return None
    con = duckdb.connect(str(published), read_only=True)
    target = Path(tmp_dir) / f"history-{uuid.uuid4().hex[:12]}"
    try:
        tables = con.execute(
            "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts' "
            "OR schema_name || '.' || table_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1, 2",
            [list(HISTORY_AUDIT)],
        ).fetchall()
        if not any(s == "marts" for s, _, _ in tables):
            return None
        target.mkdir(parents=True)
        counts = {}
        for s, t, _ in tables:
            file = target / f"{s}.{t}.parquet"
            copied = con.execute(f"COPY {_q(s)}.{_q(t)} TO {sql_literal(str(file))} (FORMAT parquet, COMPRESSION zstd)")
            counts[f"{s}.{t}"] = copied.fetchone()[0]  # COPY returns the rows it wrote
        row = None
        if any((s, t) == ("audit", "provenance") for s, t, _ in tables):
            row = con.execute(
                "SELECT run_group, strftime(finished_at, '%Y-%m-%d %H:%M:%S'), code_version, peiljaren, source_mode "
                "FROM audit.provenance ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
        keys = ("run_group", "finished_at", "code_version", "peiljaren", "source_mode")
        meta = dict(zip(keys, row, strict=True)) if row else dict.fromkeys(keys)
        meta |= {"replaced_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"), "tables": counts}
        (target / ENTRY_JSON).write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        con.close()
    return target


def _meta(entry_dir: Path) -> dict:
    try:
        return json.loads((Path(entry_dir) / ENTRY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def entry_name(entry_dir: Path) -> str:
    """The history folder name of a snapshot: `<build time>-<run_group>` of the replaced publish."""
    meta = _meta(entry_dir)
    finished = meta.get("finished_at") or meta.get("replaced_at") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    stamp = finished.replace("-", "").replace(":", "").replace(" ", "T")[:15]
    return f"{stamp}-{meta.get('run_group') or uuid.uuid4().hex}"


def commit_entry(entry_dir: Path, out: Path, keep: int) -> Path:
    """Rename a written snapshot folder into <out>/history/ (after the swap) and enforce the retention."""
    hdir = history_dir(out)
    hdir.mkdir(parents=True, exist_ok=True)
    target = hdir / entry_name(entry_dir)
    if target.exists():  # the same publish replaced twice cannot happen; a leftover of a crash can
        shutil.rmtree(target)
    os.replace(entry_dir, target)
    prune(out, keep)
    return target


def prune(out: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` history entries; returns the deleted folders. Each is first renamed
    to `.deleting-<name>` (atomic), so a kill in the middle never leaves a half-deleted entry that reads as
    a publish; such leftovers are removed by the next prune."""
    hdir = history_dir(out)
    gone = [e.path for e in entries(out)][max(keep, 0) :]  # newest first
    for p in gone:
        os.replace(p, hdir / f".deleting-{p.name}")
    for p in hdir.glob(".deleting-*") if hdir.is_dir() else []:
        shutil.rmtree(p, ignore_errors=True)
    return gone


def load_entry(con: duckdb.DuckDBPyConnection, entry_dir: Path, alias: str) -> None:
    """Attach an in-memory database `alias` on `con` holding the tables of history entry `entry_dir` (its
    Parquet files), so that a kept publish reads like a warehouse (pipeline/diff.py)."""
    con.execute(f"ATTACH ':memory:' AS {alias}")
    for f in sorted(Path(entry_dir).glob("*.parquet")):
        schema, table = f.name.removesuffix(".parquet").split(".", 1)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {alias}.{_q(schema)}")
        con.execute(
            f"CREATE TABLE {alias}.{_q(schema)}.{_q(table)} AS SELECT * FROM read_parquet({sql_literal(str(f))})"
        )


def is_entry(path: Path) -> bool:
    """True for a history entry folder (it holds ENTRY_JSON)."""
    return Path(path).is_dir() and (Path(path) / ENTRY_JSON).is_file()


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


def entries(out: Path, describe: bool = True) -> list[Entry]:
    """The kept publishes of output folder `out`, newest first (with their ENTRY_JSON facts)."""
    hdir = history_dir(out)
    if not hdir.is_dir():
        return []
    found = []
    for p in hdir.iterdir():
        m = _NAME.match(p.name)
        if not m or not is_entry(p):
            continue
        stamp = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").strftime("%Y-%m-%d %H:%M:%S")
        meta = _meta(p) if describe else {}
        found.append(
            Entry(
                p,
                m.group(2),
                stamp,
                str(meta.get("code_version") or ""),
                str(meta.get("peiljaren") or ""),
                str(meta.get("source_mode") or ""),
            )
        )
    return sorted(found, key=lambda e: e.path.name, reverse=True)


def entry_size(entry: Entry) -> int:
    """Bytes of a history entry's files."""
    return sum(f.stat().st_size for f in entry.path.iterdir() if f.is_file())


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
    if not hits:  # a Dagster run id (or its prefix) of the publish's build
        con = duckdb.connect()
        try:
            for e in kept:
                prov = e.path / "audit.provenance.parquet"
                if (
                    prov.exists()
                    and con.execute(
                        f"SELECT count(*) FROM read_parquet({sql_literal(str(prov))}) WHERE dagster_run_ids LIKE ?",
                        [f'%"{spec}%'],
                    ).fetchone()[0]
                ):
                    hits.append(e)
        finally:
            con.close()
    if len(hits) != 1:
        what = "matches no" if not hits else "matches more than one"
        raise UsageError(f"--since {spec}: {what} kept publish ({listing})")
    return hits[0]


FIGURE_SQL = """
SELECT peiljaar, pct, n_techniek, n_total FROM {src}
WHERE indicator = ? AND scope_type = ? AND scope_code = ? ORDER BY peiljaar
"""


def figure_history(out: Path, indicator: str, scope: str) -> list[tuple]:
    """The values of marts.techniek_share for `indicator` and `scope` ('type:code', e.g. national:NL) in every
    kept publish and the current one: rows (publish id, built, peiljaar, pct, n_techniek, n_total), oldest
    first. Raises UsageError for a scope without ':'."""
    if ":" not in scope:
        raise UsageError(f"--scope {scope!r}: expected <scope_type>:<scope_code>, e.g. national:NL")
    stype, scode = scope.split(":", 1)
    rows: list[tuple] = []
    con = duckdb.connect()
    try:
        for e in reversed(entries(out)):
            f = e.path / "marts.techniek_share.parquet"
            if f.exists():
                src = f"read_parquet({sql_literal(str(f))})"
                got = con.execute(FIGURE_SQL.format(src=src), [indicator, stype, scode]).fetchall()
                rows += [(e.id, e.finished_at, *r) for r in got]
        current = Path(out) / "sto.duckdb"
        if current.exists():
            con.execute(f"ATTACH {sql_literal(str(current))} AS cur (READ_ONLY)")
            try:
                built = con.execute("SELECT strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') FROM cur.audit.provenance")
                built = built.fetchone()[0] or ""
            except duckdb.Error:
                built = ""
            try:
                got = con.execute(FIGURE_SQL.format(src="cur.marts.techniek_share"), [indicator, stype, scode])
                rows += [("current", built, *r) for r in got.fetchall()]
            except duckdb.Error:
                pass
    finally:
        con.close()
    return rows
