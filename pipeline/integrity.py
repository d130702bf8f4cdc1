"""The warehouse is verified before it is trusted, and a damaged or foreign one is named (issue 15).

Why: a mart edited by a read-write client (`UPDATE marts.techniek_share SET pct = 50`) was skipped over
("nothing changed"), shown as passed and re-exported; a truncated, garbage or other-DuckDB-version
`sto.duckdb` gave "busy" or a traceback. Here:

- `record_hashes` (called by `publish.publish` on the staging copy, just before it is swapped in) writes
  `audit.table_hashes`: per table of `raw`, `core` and `marts` its row count and content hash (the fast
  `tables.content_hash` plus its column names and types), the DuckDB version and the run that built it.
- `verify` recomputes them on the published file (one query, about 0.1 s on the real 2019 warehouse) and
  names every table changed, added or removed since that build. `sto run` then rebuilds instead of
  skipping, `sto status` shows "NOT VERIFIED", `sto export` / `sto report` / `sto drop` / `sto run
  --select` refuse (exit 5). The hashes catch changes by clients outside the pipeline; they are not a
  signature (a client that can write the tables can also write `audit.table_hashes`).
- `open_read_only` / `require_readable` open the published file and classify what DuckDB answers:
  another process writing it (`publish.PublishBlockedError`, exit 3) or a damaged / foreign / unreadable
  file (`WarehouseDamagedError`, exit 4, naming the file, what is wrong and how to recover).

Imported without Dagster (the CLI's preflight must answer within a second).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.tables import content_hash_sql, ident, table_exists

VERIFIED_SCHEMAS = ("raw", "core", "marts")
HASHES_TABLE = "audit.table_hashes"
HASHES_DDL = f"""
CREATE TABLE IF NOT EXISTS {HASHES_TABLE} (
    table_name VARCHAR, row_count BIGINT, content_hash VARCHAR, duckdb_version VARCHAR,
    run_group VARCHAR, recorded_at TIMESTAMP
)
"""
EXIT_DAMAGED = 4
EXIT_CHANGED = 5


class WarehouseDamagedError(RuntimeError):
    """The published file is not a database this DuckDB can read (exit 4)."""


class WarehouseChangedError(RuntimeError):
    """The published database differs from what its last build recorded (exit 5)."""


# ---- damaged or foreign files --------------------------------------------------------------------------------
def recovery_hint(published: Path) -> str:
    out = published.parent
    return (
        f"Recover: put back the previous copy of {published.name} (from your backup), or start over: "
        f"`sto reset --out {out} --yes`, then `sto run --out {out} ...` rebuilds it from the input files."
    )


def _what_is_wrong(published: Path, exc: BaseException) -> str:
    """Plain words for DuckDB's (or the OS's) answer on opening or reading a damaged file."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    size = published.stat().st_size if published.is_file() else None
    if isinstance(exc, PermissionError) or "Permission denied" in text:
        return "cannot be read by this account (permission denied)"
    if size == 0:
        return "is empty (0 bytes): not a DuckDB database"
    if "not a valid DuckDB database file" in text:
        return f"is not a DuckDB database file ({size} bytes of something else: garbage or another file type)"
    if "Could not read enough bytes" in text:
        return f"is truncated ({size} bytes; DuckDB expected more: {first})"
    if "version number" in text:
        newer = "newer" in text
        return (
            "was written by "
            + ("a newer DuckDB version" if newer else "another (older) DuckDB version")
            + f" whose storage format this DuckDB {duckdb.__version__} cannot read ({first})"
        )
    if "checksum" in text.lower() or "corrupt" in text.lower():
        return f"is corrupt ({first})"
    return f"cannot be read as a DuckDB database ({first})"


def damaged_error(published: Path, exc: BaseException) -> WarehouseDamagedError:
    return WarehouseDamagedError(
        f"warehouse {published} {_what_is_wrong(published, exc)}. Nothing was run; the file was left as it is. "
        + recovery_hint(published)
    )


def _is_lock_conflict(exc: BaseException) -> bool:
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def open_read_only(published: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published database. Raises publish.PublishBlockedError (exit 3) when a
    writer holds it, WarehouseDamagedError (exit 4) when it is damaged, foreign or unreadable."""
    if published.exists() and not published.is_file():
        raise WarehouseDamagedError(
            f"warehouse {published} is not a file ({'a directory' if published.is_dir() else 'a special file'}). "
            + recovery_hint(published)
        )
    try:
        con = duckdb.connect(str(published), read_only=True)
        con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
        return con
    except (duckdb.Error, OSError) as exc:
        if _is_lock_conflict(exc):
            from pipeline.errors import PublishBlockedError, writer_message

            raise PublishBlockedError(writer_message(published, str(exc).strip().splitlines()[0])) from exc
        raise damaged_error(published, exc) from exc


def require_readable(published: Path) -> None:
    """Raise (see `open_read_only`) unless the published file, when there is one, opens as a database."""
    if published.exists() or published.is_symlink():
        open_read_only(published).close()


# ---- content hashes ------------------------------------------------------------------------------------------
def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND list_contains(?, schema_name) ORDER BY 1, 2",
            [list(VERIFIED_SCHEMAS)],
        ).fetchall()
    ]


def current_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """{table: (rows, hash)} of every table of VERIFIED_SCHEMAS, in one query. The hash is md5 of the
    table's content hash (row count and sum of DuckDB's row hashes) and its column names and types, so a
    renamed or retyped column counts as a change too."""
    tables = _tables(con)
    if not tables:
        return {}
    cols = dict(
        con.execute(
            "SELECT schema_name || '.' || table_name, string_agg(column_name || ' ' || data_type, ', ' "
            "ORDER BY column_index) FROM duckdb_columns() WHERE database_name = current_database() "
            "AND list_contains(?, schema_name) GROUP BY ALL",
            [list(VERIFIED_SCHEMAS)],
        ).fetchall()
    )
    parts = [
        f"SELECT ? AS t, (SELECT count(*) FROM {ident(table)}) AS n, {content_hash_sql(table)} AS h" for table in tables
    ]
    params: list = list(tables)
    rows = con.execute(" UNION ALL ".join(parts), params).fetchall()
    import hashlib

    return {t: (int(n), hashlib.md5(f"{h}|{cols.get(t, '')}".encode()).hexdigest()) for t, n, h in rows}


def record_hashes(con: duckdb.DuckDBPyConnection) -> int:
    """Replace audit.table_hashes with the current hashes of every verified table (call on the staging
    copy just before publishing). The build is the newest audit.provenance row when there is one.
    Returns the number of tables recorded."""
    group = None
    if table_exists(con, "audit.provenance"):
        row = con.execute("SELECT run_group FROM audit.provenance ORDER BY finished_at DESC LIMIT 1").fetchone()
        group = row[0] if row else None
    hashes = current_hashes(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(HASHES_DDL)
    con.execute(f"DELETE FROM {HASHES_TABLE}")
    con.executemany(
        f"INSERT INTO {HASHES_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
        [[t, n, h, duckdb.__version__, group, now] for t, (n, h) in sorted(hashes.items())],
    )
    from pipeline.dictionary import apply_comments

    apply_comments(con, [HASHES_TABLE])
    return len(hashes)


@dataclass(frozen=True)
class Verification:
    """The result of `verify`: `recorded` False when the warehouse holds no hashes (built before they were
    recorded), `changes` one phrase per table changed, added or removed since `built` (time and run)."""

    recorded: bool
    changes: list[str]
    built: str
    tables: int = 0
    refresh: list[str] | None = None  # the `sto run` arguments that rebuild it from its sources (audit.refresh_args)

    @property
    def ok(self) -> bool:
        return self.recorded and not self.changes

    def message(self, published: Path) -> str:
        if not self.recorded:
            return (
                f"{published} holds no content hashes of its tables (built before they were recorded, or not "
                "by `sto run`), so it cannot be verified. `sto run --force` rebuilds it and records them."
            )
        import shlex

        if self.refresh is not None:
            args = ["--out", str(published.parent), *self.refresh]
            again = f"`.venv/bin/sto run {' '.join(shlex.quote(a) for a in args)}` rebuilds it from its sources"
        else:
            again = "`.venv/bin/sto run` with the options of its last build rebuilds it"
        return f"{self.summary(published)}. Its figures are not the pipeline's. {again}; or restore the previous copy of the file."

    def summary(self, published: Path) -> str:
        """'<file> was changed outside the pipeline since the build of <time (run)>: <table> changed; …'."""
        shown = "; ".join(self.changes[:8]) + (f"; and {len(self.changes) - 8} more" if len(self.changes) > 8 else "")
        return f"{published} was changed outside the pipeline since the build of {self.built}: {shown}"


def verify(con: duckdb.DuckDBPyConnection) -> Verification:
    """Compare the tables of `con` (read-only is fine) with audit.table_hashes of its last build."""
    if not table_exists(con, HASHES_TABLE):
        return Verification(False, [], "")
    rec = con.execute(
        f"SELECT table_name, row_count, content_hash, duckdb_version, run_group, recorded_at FROM {HASHES_TABLE}"
    ).fetchall()
    if not rec:
        return Verification(False, [], "")
    version, group, at = rec[0][3], rec[0][4], rec[0][5]
    built = f"{str(at)[:19]} UTC" + (f" (run {group[:12]})" if group else "")
    if version != duckdb.__version__:
        return Verification(
            True,
            [f"the hashes were recorded by DuckDB {version}, this is DuckDB {duckdb.__version__} (cannot compare)"],
            built,
        )
    now = current_hashes(con)
    changes = []
    for t, n, h, *_ in sorted(rec):
        if t not in now:
            changes.append(f"{t} was removed")
        elif now[t][1] != h:
            rows = f" ({n} rows then, {now[t][0]} now)" if now[t][0] != n else " (same row count, other values)"
            changes.append(f"{t} changed{rows}")
    recorded = {r[0] for r in rec}
    changes += [f"{t} was added" for t in sorted(set(now) - recorded)]
    refresh = None
    if changes:
        from pipeline.audit import refresh_args

        refresh = refresh_args(con)
    return Verification(True, changes, built, len(rec), refresh)


def verify_published(published: Path) -> Verification:
    """`verify` on the published file (opened read-only; see `open_read_only` for what it raises). DuckDB
    checks each block's checksum as it reads, so damage inside the data surfaces here as exit 4."""
    con = open_read_only(published)
    try:
        return verify(con)
    except duckdb.Error as exc:
        raise damaged_error(published, exc) from exc
    finally:
        con.close()


def require_verified(published: Path) -> None:
    """Raise WarehouseChangedError (exit 5) unless every table of the published file is as built."""
    if not published.exists():
        return
    v = verify_published(published)
    if not v.ok:
        raise WarehouseChangedError(v.message(published))


def status_line(published: Path) -> tuple[bool, str]:
    """(verified, one line for `sto status`)."""
    v = verify_published(published)
    if v.ok:
        return True, f"verified: {v.tables} tables as built on {v.built}"
    return False, "NOT VERIFIED: " + v.message(published)


# ---- files the pipeline writes ------------------------------------------------------------------------------
def safe_umask() -> int:
    """Mask group and world write for every file and folder this process creates (sto.duckdb, the lock,
    .staging/, exports, report, the Dagster run history), whatever the caller's umask. Returns the old one."""
    old = os.umask(0o022)
    os.umask(old | 0o022)
    return old


def enospc_in(exc: BaseException | None) -> bool:
    """True when `exc` or any exception it was raised from or during is a disk-full error."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc)
        if "No space left on device" in text or "database or disk is full" in text or "Disk quota" in text:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def disk_full_note(out: Path, need: int = 1 << 20) -> str | None:
    """A sentence naming a full output disk (free space below `need` bytes, default 1 MiB), or None."""
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        st = os.statvfs(probe)
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize
    if free >= need:
        return None
    return disk_full_message(out, free)


def disk_full_message(out: Path, free: int | None = None) -> str:
    left = f" ({free} bytes free)" if free is not None else ""
    return (
        f"cause: the output disk of {out} is full (ENOSPC: no space left on device){left}. The Dagster run "
        "history on the same disk may not have recorded the failure. Free space (or choose another `--out`), "
        "then run again."
    )


# ---- preflight: folders and input files (exit 2 before any work) --------------------------------------------
class PreflightError(RuntimeError):
    """An output folder that cannot be written, or an input that cannot be read (exit 2, before any work)."""


def _loop_or_dangling(p: Path) -> str | None:
    """'a symbolic link loop' / 'a dangling symbolic link (to …)' for a link that cannot be followed."""
    if not os.path.islink(p):
        return None
    try:
        os.stat(p)
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (it points, directly or not, back to itself)"
        return f"a dangling symbolic link (to {os.readlink(p)}, which does not exist)"


def check_mirror_dir(directory: str | Path, flag: str = "--mirror") -> None:
    """Raise PreflightError unless `directory` is a folder this account can list and read."""
    p = Path(directory)
    broken = _loop_or_dangling(p)
    if broken:
        raise PreflightError(f"{flag} {p}: is {broken}; nothing was run")
    if not p.exists():
        raise PreflightError(f"{flag} {p}: not a directory (it does not exist); nothing was run")
    if not p.is_dir():
        raise PreflightError(f"{flag} {p}: not a directory; nothing was run")
    try:
        os.listdir(p)
    except OSError as exc:
        raise PreflightError(
            f"{flag} {p}: the folder cannot be read by this account ({exc.strerror}); nothing was run"
        ) from exc


def _expected(spec: dict) -> str:
    fmt = str(spec.get("format") or "")
    if "without header" in fmt:
        return f"{str(spec.get('title') or 'data').split()[0]} rows"
    if fmt.startswith(("csv", "tsv")) or spec.get("alt_extensions"):
        return "a header row and data rows"
    return f"content ({fmt or 'see data_raw/sources.yaml'})"


def check_input_files(fetchers: list, catalogue: dict, years: list[int]) -> None:
    """Every input file the run could read from a mirror (or the repository): readable, not empty and not
    a broken symbolic link. Raises PreflightError naming the file and what is wrong (a loop is not 'not
    found'); only candidate names of the catalogue are looked at (stat calls, no hashing)."""
    dirs: list[Path] = []
    for f in fetchers:
        dirs += [Path(m) for m in getattr(f, "mirrors", []) if Path(m) not in dirs]
    for sid, spec in catalogue.get("sources", {}).items():
        for year in years if spec.get("yearly") else [None]:
            names = fetchers[0].candidate_names(sid, year)
            for d in dirs:
                for name in names:
                    p = d / name
                    if not os.path.lexists(p):
                        continue
                    broken = _loop_or_dangling(p)
                    if broken:
                        raise PreflightError(f"{p}: is {broken}, not a readable file (source {sid!r}); nothing was run")
                    if not p.is_file():
                        continue
                    try:
                        with open(p, "rb") as fh:
                            fh.read(1)
                    except OSError as exc:
                        raise PreflightError(
                            f"{p}: cannot be read by this account ({exc.strerror}) (source {sid!r}); nothing was run"
                        ) from exc
                    if p.stat().st_size == 0:
                        raise PreflightError(
                            f"{p}: file is empty (0 bytes): expected {_expected(spec)}, found none (source {sid!r}: "
                            f"{spec.get('title', sid)}); nothing was run"
                        )


def check_writable(out: Path, extra: list[Path] | None = None) -> None:
    """Raise PreflightError unless this account can create files in the output folder (or, when it does not
    exist yet, in its nearest existing parent) and in the folders the run writes under it."""
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    targets = [probe] + [p for p in [out / ".staging", out / "exports", out / "report", *(extra or [])] if p.is_dir()]
    for t in targets:
        need = os.W_OK | (os.X_OK if t.is_dir() else 0)
        if not os.access(t, need):
            why = "read-only file system" if _read_only_fs(t) else "permission denied"
            raise PreflightError(
                f"output folder {out}: {t} cannot be written by this account ({why}). The warehouse, its "
                "staging copy, exports, report and run history are written there: choose a writable "
                "`--out DIR` (or STO_OUT). Nothing was run."
            )


def check_free_space(out: Path) -> None:
    """Raise PreflightError when the output disk cannot even hold the staging copy of the published file
    (free space below its size plus 1 MiB): the run would fail on ENOSPC after work had started."""
    published = out / "sto.duckdb"
    if not published.is_file():
        return
    need = published.stat().st_size + (1 << 20)
    note = disk_full_note(out, need)
    if note:
        raise PreflightError(
            f"{note.removeprefix('cause: ')} A refresh first copies {published} ({published.stat().st_size} bytes) "
            "to .staging/. Nothing was run; published database unchanged."
        )


def _read_only_fs(p: Path) -> bool:
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except OSError:
        return False
