"""What a `sto run` has to build: nothing, only new or changed peiljaren, or everything.

Why: a refresh with nothing changed cost as much as the first build (about a minute), and adding one
peiljaar re-ran every asset, GeoNames and exams included. The warehouse records, next to its data, the
fingerprint of the code that built it (`audit.build_state`) and the sha256 of every input file per asset
(`audit.loaded_sources`). Before any work the CLI compares them with the code and files it would use now:

- code (every .py, .sql and config file of the project, and the lock file), run settings (sample/real,
  the SEOR inventory override) or any non-yearly input file (sha256) changed, or no
  previous build recorded: **full** build, as before;
- a reference input the run's mirrors do not offer at all is kept as loaded (so `--mirror DIR` with only
  a new year's file adds that year); a rolling source (several files, e.g. the five-year exam files)
  counts as changed when the set of its files found differs from the set loaded;
- a table changed outside the pipeline since the last build (its content hash differs from the one the
  build recorded, pipeline/integrity.py): **full**, over the requested and every held peiljaar;
- otherwise every requested peiljaar loaded from a file with the same sha256 and every table as built:
  **skip** (nothing to do; the published database is not touched);
- otherwise: **years**: only the yearly assets for the new or changed peiljaren, then every asset
  downstream of them (the marts); the unchanged upstream tables stay as they are.

`sto run --force` always builds everything. Partial runs (`--select`) and UI runs do not record a build
state, so after them the next CLI run decides from the last complete build (a full build when the code
changed since). Imported without Dagster (the CLI's preflight must answer within a second).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.fetch import sha256_file
from pipeline.paths import PROJECT_ROOT
from pipeline.tables import table_exists

CODE_GLOBS = (
    "pipeline/**/*.py",
    "pipeline/config/*.yaml",
    "assets/**/*.py",
    "assets/*/config/*.yaml",
    "assets/*/sql/*.sql",
    "assets/*/tables.yaml",
    "sql/**/*",
    "data_raw/sources.yaml",
)
CODE_FILES = ("requirements.lock", "pyproject.toml")
SETTINGS_ENV = ("STO_INVENTORY", "STO_INVENTORY_MAPPING")
BUILD_STATE_DDL = """
CREATE TABLE IF NOT EXISTS audit.build_state (
    run_group VARCHAR, finished_at TIMESTAMP, build_kind VARCHAR, peiljaren VARCHAR,
    code_fingerprint VARCHAR, settings_fingerprint VARCHAR
)
"""


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """sha256 over the relative path and bytes of every code, SQL and config file (CODE_GLOBS, CODE_FILES)
    under `root`, in path order: any edit, added or removed file gives another value. 64 hex characters."""
    paths = {p for g in CODE_GLOBS for p in root.glob(g) if p.is_file() and "__pycache__" not in p.parts}
    paths |= {root / f for f in CODE_FILES if (root / f).is_file()}
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def settings_fingerprint(mode: dict[str, Any]) -> str:
    """sha256 of the run settings the input files do not show: sample or real, and the SEOR inventory
    override variables (SETTINGS_ENV). Mirrors, cache and offline are not in it: the files they give are
    compared by sha256 (a mirror added for a new year alone must not rebuild everything)."""
    doc = {
        "sample": bool(mode["sample"]),
        "env": {k: os.environ.get(k, "") for k in SETTINGS_ENV},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class BuildPlan:
    """The decision for one run: kind 'full' | 'years' | 'skip', the peiljaren to (re)load, and why."""

    kind: str
    years: list[int]
    reason: str
    changed: list[str] = field(default_factory=list)


def last_build(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str] | None:
    """(code fingerprint, settings fingerprint, finished_at) of the warehouse's last recorded complete
    build, or None (no build state: a warehouse from before this table, or only partial runs)."""
    if not table_exists(con, "audit.build_state"):
        return None
    row = con.execute(
        "SELECT code_fingerprint, settings_fingerprint, finished_at::VARCHAR FROM audit.build_state "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def loaded_inputs(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int | None], tuple[str, str]]:
    """{(source_id, peiljaar or None): (sha256, path)} of the most recent load of every input."""
    if not table_exists(con, "audit.loaded_sources"):
        return {}
    rows = con.execute(
        "SELECT source_id, peiljaar, arg_max(sha256, loaded_at), arg_max(path, loaded_at) "
        "FROM audit.loaded_sources GROUP BY ALL"
    ).fetchall()
    return {(s, y): (sha, path) for s, y, sha, path in rows}


def rolling_loaded(con: duckdb.DuckDBPyConnection, source_id: str) -> set[str]:
    """sha256 of every file of a rolling source the warehouse holds (one audit.loaded_sources row each)."""
    if not table_exists(con, "audit.loaded_sources"):
        return set()
    rows = con.execute("SELECT DISTINCT sha256 FROM audit.loaded_sources WHERE source_id = ?", [source_id]).fetchall()
    return {r[0] for r in rows}


def plan_build(
    published: Path,
    catalogue: dict[str, Any],
    fetcher: Any,
    local_fetcher: Any,
    mode: dict[str, Any],
    years: list[int],
    force: bool = False,
) -> BuildPlan:
    """Decide what a run over `years` has to build (see the module doc for the rules).

    `fetcher` is the run's fetcher, `local_fetcher` the same with the repository's curated inputs
    (`fetcher_for(..., local=True)`); both only `locate` files (no network). Opens `published` read-only.
    Never raises for an unknown state: anything it cannot prove unchanged gives a full build."""
    if force:
        return BuildPlan("full", years, "--force: every asset is rebuilt")
    if not published.exists():
        return BuildPlan("full", years, "new warehouse")
    from pipeline import integrity

    rolling = sorted(sid for sid, spec in catalogue.get("sources", {}).items() if spec.get("rolling"))
    con = integrity.open_read_only(published)  # exit 3 (a writer) or 4 (damaged) named by the CLI
    try:
        state = last_build(con)
        loaded = loaded_inputs(con)
        rolling_was = {sid: rolling_loaded(con, sid) for sid in rolling}
        check = integrity.verify(con)
    except duckdb.Error as exc:
        raise integrity.damaged_error(published, exc) from exc
    finally:
        con.close()
    if state is None:
        return BuildPlan("full", years, "no complete build recorded in this warehouse")
    if (
        check.recorded and not check.ok
    ):  # changed outside the pipeline: never skipped, every table and loaded year rebuilt
        held = sorted({y for (sid, y) in loaded if sid == "duo_vo_students" and y is not None} - set(years))
        absent = [y for y in held if fetcher.locate("duo_vo_students", y) is None]
        if absent:
            raise integrity.WarehouseChangedError(
                check.message(published)
                + f" A rebuild also reloads the warehouse's other peiljaren ({', '.join(map(str, held))}), but "
                f"no file for peiljaar {', '.join(map(str, absent))} is in this run's mirrors or cache: add the "
                "mirror that holds it, or restore the previous copy of the file."
            )
        every = sorted(set(years) | set(held))
        return BuildPlan(
            "full",
            every,
            f"{check.summary(published)}; rebuilding every table instead of skipping (peiljaren "
            f"{', '.join(map(str, every))})",
        )
    code, settings, finished = state
    if code != code_fingerprint():
        return BuildPlan("full", years, f"the code or configuration changed since the last build ({finished})")
    if settings != settings_fingerprint(mode):
        return BuildPlan("full", years, f"the run settings (sample/real, SEOR inventory) changed since {finished}")
    changed: list[str] = []
    for (sid, year), (sha, path) in sorted(loaded.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if year is not None or sid in rolling:
            continue
        if sid in catalogue.get("sources", {}):
            now = fetcher.locate(sid) or local_fetcher.locate(sid)
            now_sha = now.sha256 if now is not None else None
        else:  # inputs named by their asset's own config (SEOR inventory, mapping): the file it read
            now_sha = sha256_file(Path(path)) if Path(path).is_file() else None
        if now_sha is None:
            continue  # not offered by this run's mirrors (e.g. a mirror holding only a new year): kept as loaded
        if now_sha != sha:
            changed.append(f"{sid} ({Path(path).name})")
    for sid in rolling:  # several files per source: the set of files (sha256) found now against the loaded set
        now = {f.sha256: Path(f.path).name for f in fetcher.locate_rolling(sid)}
        if now and set(now) != rolling_was[sid]:
            changed.append(f"{sid} ({', '.join(sorted(now.values()))})")
    for sid, spec in sorted(catalogue.get("sources", {}).items()):
        if not spec.get("yearly") and not spec.get("rolling") and not any(s == sid for s, _ in loaded):
            if (fetcher.locate(sid) or local_fetcher.locate(sid)) is not None:
                changed.append(f"{sid} (now present)")
    if changed:
        return BuildPlan("full", years, f"input file(s) changed since {finished}: {', '.join(changed)}", changed)
    todo = []
    optional_yearly = [
        sid for sid, spec in sorted(catalogue.get("sources", {}).items()) if spec.get("yearly") and spec.get("optional")
    ]
    for y in years:
        was = loaded.get(("duo_vo_students", y))
        now = fetcher.locate("duo_vo_students", y)
        if was is None or now is None or now.sha256 != was[0]:
            todo.append(y)
            continue
        # An optional yearly file (DUO 02 pupils per postcode) new or changed for a loaded year reloads that
        # year; one no longer offered by this run's mirrors keeps what was loaded (as a reference file does).
        for sid in optional_yearly:
            now_opt = fetcher.locate(sid, y)
            was_opt = loaded.get((sid, y))
            if now_opt is not None and (was_opt is None or now_opt.sha256 != was_opt[0]):
                todo.append(y)
                break
    if not todo and not check.recorded:
        return BuildPlan("full", years, "the warehouse holds no content hashes to verify it by: full build")
    if not todo:
        return BuildPlan(
            "skip", [], f"nothing changed since the last build ({finished}): same code, settings and files"
        )
    new = [y for y in todo if ("duo_vo_students", y) not in loaded]
    why = ", ".join(f"peiljaar {y} {'new' if y in new else 'changed'}" for y in todo)
    return BuildPlan("years", todo, f"{why}; the other inputs are unchanged since {finished}")


def record_build(con: duckdb.DuckDBPyConnection, run_group: str, kind: str, years: list[int], mode: dict) -> None:
    """Append the completed build's fingerprints to audit.build_state (call just before publishing)."""
    con.execute(BUILD_STATE_DDL)
    con.execute(
        "INSERT INTO audit.build_state VALUES (?, ?, ?, ?, ?, ?)",
        [
            run_group,
            datetime.now(UTC).replace(tzinfo=None),
            kind,
            json.dumps(sorted(years)),
            code_fingerprint(),
            settings_fingerprint(mode),
        ],
    )
