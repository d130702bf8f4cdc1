"""Audit tables: which source file fed which asset in which run, and what the warehouse holds now.

`audit.source_files` is the append-only input manifest of every run. `audit.loaded_sources` is the
warehouse's current identity: for every asset (and peiljaar) the file it was last loaded from, its sha256
and its source kind (real publisher file, bundled synthetic sample, or a curated repository input).
Two rules keep a warehouse right over its life (issue 10):

- synthetic and real data never share a warehouse (`SourceMixError`);
- the same file (sha256) never stands for two peiljaren (`DuplicateSourceError`).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import duckdb

from pipeline.fetch import FetchedFile
from pipeline.paths import DATA_RAW, PROJECT_ROOT, SAMPLE_DIR

KIND_SAMPLE = "sample"  # the bundled synthetic sample (data_raw/sample)
KIND_REAL = "real"  # publisher files from a mirror, the download cache or a download
KIND_CURATED = "curated"  # repository inputs used in both modes (data_raw/: published figures, inventory)
EXCLUSIVE_KINDS = (KIND_SAMPLE, KIND_REAL)


class SourceMixError(RuntimeError):
    """A run would put synthetic sample data and real publisher data into one warehouse."""


class DuplicateSourceError(RuntimeError):
    """The same file (sha256) was offered for two peiljaren."""


SAMPLE_README_HEADING = "# SYNTHETIC SAMPLE DATA"  # first line of the generated data_raw/sample/README.md


def is_sample_dir(directory: Path) -> bool:
    """True for the bundled sample folder and any copy of it: its generated README.md starts with
    SAMPLE_README_HEADING (tools/sample writes it; copies of the folder carry it along)."""
    readme = Path(directory) / "README.md"
    try:
        with open(readme, encoding="utf-8", errors="replace") as fh:
            return fh.readline().startswith(SAMPLE_README_HEADING)
    except OSError:
        return False


def source_kind(path: str | Path) -> str:
    """'sample' for files of the synthetic sample (data_raw/sample or a copy of it, wherever it is mirrored
    from), 'curated' for other repository files under data_raw/ (not downloads), else 'real'."""
    p = Path(path).resolve()
    if p.is_relative_to(SAMPLE_DIR.resolve()) or is_sample_dir(p.parent):
        return KIND_SAMPLE
    if p.is_relative_to(DATA_RAW.resolve()) and not p.is_relative_to((DATA_RAW / "downloads").resolve()):
        return KIND_CURATED
    return KIND_REAL


# Per peiljaar, which address snapshot placed how many locations and pupils (core.pupil_locations).
SNAPSHOT_USE_SQL = """
SELECT peiljaar, coalesce(snapshot_date::DATE::VARCHAR, 'none') AS address_snapshot,
       coalesce(snapshot_file, '-') AS snapshot_file, count(*) AS locations, sum(n_pupils) AS pupils,
       count(lat) AS placed_locations, coalesce(sum(n_pupils) FILTER (WHERE lat IS NOT NULL), 0) AS placed_pupils
FROM core.pupil_locations GROUP BY ALL ORDER BY ALL
"""


LOADED_DDL = """
CREATE TABLE IF NOT EXISTS audit.loaded_sources (
    asset VARCHAR, source_id VARCHAR, peiljaar INTEGER, source_kind VARCHAR, file_name VARCHAR,
    path VARCHAR, origin_kind VARCHAR, sha256 VARCHAR, size BIGINT, loaded_at TIMESTAMP, run_id VARCHAR,
    snapshot_id VARCHAR, rules_hash VARCHAR
)
"""

KIND_LABEL = {KIND_SAMPLE: "the bundled SYNTHETIC sample", KIND_REAL: "real publisher data"}


def _has_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    # Not pipeline.db.table_exists: that module imports Dagster, and the CLI's preflight must stay fast.
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'audit' AND table_name = 'loaded_sources'"
        ).fetchone()[0]
    )


def describe_holdings(con: duckdb.DuckDBPyConnection) -> str:
    """One line on what a warehouse holds: source kind, peiljaren, when loaded ('' when empty)."""
    if not _has_loaded(con):
        return ""
    rows = con.execute(
        "SELECT source_kind, list(DISTINCT peiljaar ORDER BY peiljaar) FILTER (WHERE peiljaar IS NOT NULL), "
        "max(loaded_at) FROM audit.loaded_sources WHERE list_contains(?, source_kind) GROUP BY 1 ORDER BY 1",
        [list(EXCLUSIVE_KINDS)],
    ).fetchall()
    return "; ".join(
        f"{KIND_LABEL[k]} (peiljaren {', '.join(map(str, ys or [])) or '-'}; last loaded {str(t)[:19]} UTC)"
        for k, ys, t in rows
    )


def warehouse_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The exclusive source kinds ('sample', 'real') a warehouse holds (works on read-only connections)."""
    if not _has_loaded(con):
        return set()
    rows = con.execute(
        "SELECT DISTINCT source_kind FROM audit.loaded_sources WHERE list_contains(?, source_kind)",
        [list(EXCLUSIVE_KINDS)],
    ).fetchall()
    return {r[0] for r in rows}


def mix_message(where: str, holdings: str, kind: str, out: Path | None = None, refresh: str | None = None) -> str:
    """The refusal text for a run of `kind` into a warehouse that holds the other kind; with `out` (the
    output folder) the reset command is spelled out for it; `refresh` (`refresh_command`), the command that
    refreshes this warehouse from its own sources, comes first."""
    reset = f"sto reset --out {out} --yes" if out is not None else "sto reset --out DIR --yes"
    again = f"To refresh this warehouse, pass its sources again: `{refresh}`. Otherwise choose" if refresh else "Choose"
    return (
        f"{where} holds {holdings}; this run reads {KIND_LABEL[kind]}. Synthetic and real data never share "
        f"a warehouse (their trends, deltas and reconciliation would mix). {again} another output folder "
        f"(`sto run --out DIR ...`), or empty this one first (`{reset}`, which deletes it)."
    )


def refresh_args(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The `sto run` arguments that reload a warehouse from the sources it was loaded from, read from
    audit.loaded_sources: each mirror folder its real files came from (relative to the project's parent
    folder when below it, as `make run` resolves them), its peiljaren, and `--offline` unless a file came
    from the download cache or a download (then `--online`). [] for the sample; None when nothing is
    recorded. Works on read-only connections."""
    if not _has_loaded(con):
        return None
    kinds = warehouse_kinds(con)
    if not kinds:
        return None
    years = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT peiljaar FROM audit.loaded_sources WHERE peiljaar IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    if KIND_REAL not in kinds:
        return []
    rows = con.execute(
        "SELECT DISTINCT path, origin_kind FROM audit.loaded_sources WHERE source_kind = ? ORDER BY path",
        [KIND_REAL],
    ).fetchall()
    root = PROJECT_ROOT.resolve()
    mirrors: list[str] = []
    for path, origin in rows:
        if origin != "mirror":
            continue
        d = Path(path).resolve().parent
        shown = os.path.relpath(d, root) if d.is_relative_to(root.parent) else str(d)
        if shown not in mirrors:
            mirrors.append(shown)
    online = any(origin in ("cache", "download") for _, origin in rows)
    # a file found in a mirror's subfolder (a catalogue `mirror_subdir`, e.g. geo/boundaries/) came through
    # the mirror above it: name that mirror only
    mirrors = [m for m in mirrors if not any(o != m and Path(m).is_relative_to(o) for o in mirrors)]
    args = [a for m in mirrors for a in ("--mirror", m)]
    if years:
        args += ["--years", *map(str, years)]
    return args + ["--online" if online else "--offline"]


def refresh_command(con: duckdb.DuckDBPyConnection, out: Path, default_out: Path) -> str | None:
    """`make run ARGS="…"` that refreshes this warehouse (`refresh_args`, plus `--out` when `out` is not the
    default output folder); plain `make run` for a sample warehouse in the default folder; None when the
    warehouse records no sources."""
    args = refresh_args(con)
    if args is None:
        return None
    if Path(out).resolve() != Path(default_out).resolve():
        args = ["--out", str(out), *args]
    return f'make run ARGS="{" ".join(shlex.quote(a) for a in args)}"' if args else "make run"


def guard_source_kind(con: duckdb.DuckDBPyConnection, kind: str, where: str = "the warehouse") -> None:
    """Raise SourceMixError when the warehouse holds the other exclusive kind than `kind`."""
    if kind not in EXCLUSIVE_KINDS:
        return
    other = warehouse_kinds(con) - {kind}
    if other:
        raise SourceMixError(mix_message(where, describe_holdings(con), kind))


def guard_duplicate_year(con: duckdb.DuckDBPyConnection, f: FetchedFile) -> None:
    """Raise DuplicateSourceError when the file's sha256 is already loaded for another peiljaar."""
    if f.peiljaar is None:
        return
    con.execute(LOADED_DDL)
    hit = con.execute(
        "SELECT peiljaar, path FROM audit.loaded_sources WHERE source_id = ? AND sha256 = ? AND peiljaar <> ? "
        "ORDER BY peiljaar LIMIT 1",
        [f.source_id, f.sha256, f.peiljaar],
    ).fetchone()
    if hit:
        raise DuplicateSourceError(
            f"{f.path} (offered for peiljaar {f.peiljaar}) is the same file as {hit[1]} (loaded for peiljaar "
            f"{hit[0]}): identical sha256 {f.sha256[:16]}…. One file cannot hold two peiljaren; check the mirror "
            "(a download saved under two names?) or drop the wrong year (`sto drop --years …`)."
        )


def stale_rule_years(con: duckdb.DuckDBPyConnection, source_id: str, rules_hash: str) -> list[int]:
    """Loaded peiljaren of a yearly source whose core rows were built under other rules than `rules_hash`
    (Config.rules_hash), in order; works on read-only connections. The rules of a year are those of its
    row that records them (`record_built`: the core asset's row; a warehouse built before that records
    them on the raw asset's row); a year whose core rows record none is stale."""
    if not _has_loaded(con):
        return []
    return [
        r[0]
        for r in con.execute(
            "SELECT peiljaar FROM audit.loaded_sources WHERE source_id = ? AND peiljaar IS NOT NULL "
            "GROUP BY peiljaar HAVING max(rules_hash) IS DISTINCT FROM ? ORDER BY peiljaar",
            [source_id, rules_hash],
        ).fetchall()
    ]


def loaded_year_files(con: duckdb.DuckDBPyConnection, source_id: str) -> list[tuple[int, str, str]]:
    """(peiljaar, path, sha256) of every loaded year of a yearly source, in peiljaar order."""
    if not _has_loaded(con):
        return []
    return con.execute(
        "SELECT DISTINCT peiljaar, path, sha256 FROM audit.loaded_sources WHERE source_id = ? AND peiljaar IS NOT NULL "
        "ORDER BY peiljaar",
        [source_id],
    ).fetchall()


def snapshot_date(f: FetchedFile, spec: dict, loaded: tuple[str | None, str | None] = (None, None)) -> tuple[str, str]:
    """(ISO date, basis) of a snapshot file such as the DUO address file: the catalogue's `known_snapshots`
    entry for its sha256, else the date already recorded for the same snapshot content (`loaded`: the same
    addresses in another file form), else the download time (cache/download), else the file's
    modification time."""
    known = (spec.get("known_snapshots") or {}).get(f.sha256)
    if known:
        return str(known["date"]), "catalogue (known_snapshots)"
    if loaded[0]:
        return str(loaded[0]), str(loaded[1])
    if f.origin_kind in ("cache", "download"):
        return f.retrieved_at[:10], "download time"
    import pandas as pd  # here, not at import: the CLI's preflight imports this module and must stay fast

    mtime = pd.Timestamp(Path(f.path).stat().st_mtime, unit="s", tz="UTC")
    return mtime.strftime("%Y-%m-%d"), "file modification time"


def record_loaded(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    asset: str,
    f: FetchedFile,
    snapshot_id: str | None = None,
    rules_hash: str | None = None,
) -> None:
    """Guard and update audit.loaded_sources for one input of an asset: one row per asset × source × year,
    or per asset × source × snapshot for snapshot sources such as the address file (`snapshot_id`)."""
    kind = source_kind(f.path)
    con.execute(LOADED_DDL)
    guard_source_kind(con, kind)
    guard_duplicate_year(con, f)
    con.execute(
        "DELETE FROM audit.loaded_sources WHERE asset = ? AND source_id = ? AND peiljaar IS NOT DISTINCT FROM ? "
        "AND snapshot_id IS NOT DISTINCT FROM ?",
        [asset, f.source_id, f.peiljaar, snapshot_id],
    )
    con.execute(
        "INSERT INTO audit.loaded_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
        [
            asset,
            f.source_id,
            f.peiljaar,
            kind,
            Path(f.path).name,
            f.path,
            f.origin_kind,
            f.sha256,
            f.size,
            run_id,
            snapshot_id,
            rules_hash,
        ],
    )


def record_built(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    asset: str,
    from_asset: str,
    source_id: str,
    peiljaar: int,
    rules_hash: str,
) -> None:
    """The audit.loaded_sources row of an asset built from the file another asset loaded (core pupils from
    the raw ones): the same file, recorded when this asset writes its rows, with the classification rules
    it applied (`rules_hash`). Replaces the asset's earlier row for that source and peiljaar."""
    con.execute(LOADED_DDL)
    con.execute(
        "DELETE FROM audit.loaded_sources WHERE asset = ? AND source_id = ? AND peiljaar = ?",
        [asset, source_id, peiljaar],
    )
    con.execute(
        "INSERT INTO audit.loaded_sources SELECT ?, source_id, peiljaar, source_kind, file_name, path, origin_kind, "
        "sha256, size, now()::TIMESTAMP, ?, snapshot_id, ? FROM audit.loaded_sources "
        "WHERE asset = ? AND source_id = ? AND peiljaar = ?",
        [asset, run_id, rules_hash, from_asset, source_id, peiljaar],
    )


def forget_loaded(con: duckdb.DuckDBPyConnection, asset: str) -> None:
    """Remove an unpartitioned asset's rows from audit.loaded_sources before it records the files of a
    rebuild (a file it no longer reads, e.g. a rolling exam file, must not stay listed)."""
    con.execute(LOADED_DDL)
    con.execute("DELETE FROM audit.loaded_sources WHERE asset = ? AND peiljaar IS NULL", [asset])


SOURCE_DDL = """
CREATE TABLE IF NOT EXISTS audit.source_files (
    run_id VARCHAR, asset VARCHAR, source_id VARCHAR, peiljaar INTEGER, path VARCHAR, origin VARCHAR,
    origin_kind VARCHAR, size BIGINT, sha256 VARCHAR, retrieved_at VARCHAR
)
"""


def record_source(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    asset: str,
    f: FetchedFile,
    snapshot_id: str | None = None,
    rules_hash: str | None = None,
) -> None:
    """Append one fetched file to audit.source_files (the run's input manifest) and update the warehouse's
    identity (audit.loaded_sources). Raises SourceMixError / DuplicateSourceError (see module doc)."""
    con.execute(SOURCE_DDL)
    record_loaded(con, run_id, asset, f, snapshot_id, rules_hash)
    import pandas as pd  # here, not at import: the CLI's preflight imports this module and must stay fast

    row = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "asset": asset,
                "source_id": f.source_id,
                "peiljaar": f.peiljaar,
                "path": f.path,
                "origin": f.origin,
                "origin_kind": f.origin_kind,
                "size": f.size,
                "sha256": f.sha256,
                "retrieved_at": f.retrieved_at,
            }
        ]
    )
    con.register("_src_in", row)
    try:
        con.execute("INSERT INTO audit.source_files BY NAME SELECT * FROM _src_in")
    finally:
        con.unregister("_src_in")


def source_metadata(f: FetchedFile) -> dict:
    """Dagster metadata describing an input file (origin, checksum)."""
    import dagster as dg

    return {
        "source_id": dg.MetadataValue.text(f.source_id),
        "source_origin": dg.MetadataValue.text(f.origin),
        "source_origin_kind": dg.MetadataValue.text(f.origin_kind),
        "source_sha256": dg.MetadataValue.text(f.sha256),
        "source_bytes": dg.MetadataValue.int(f.size),
        "source_retrieved_at": dg.MetadataValue.text(f.retrieved_at),
    }
