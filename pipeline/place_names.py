"""Place names in the configuration (municipalities, COROP regions) checked against the address snapshots.

Why: a scope that names a municipality no address matches (a typo, or the official "'s-Gravenhage" where
DUO writes "S GRAVENHAGE") used to make its target n/a, with a row blaming the data. Names are compared by
ONE rule, the DuckDB macro `place_key` in sql/place_key.sql (accents, case and punctuation ignored), used
both here and by the SQL that selects a scope's locations (assets/monitoring/sql/mart_programme_targets.sql). A name whose key
matches no gemeente (or COROP region) of the address snapshots is refused before any work, with "did you
mean" candidates in DUO's spelling.

Which names are places is data-driven, not per file: every value under a key of PLACE_KEYS (`gemeenten`,
`gemeente`, `corop`), wherever it appears in any configuration file, is checked — so a scope spec in a new
file (statements, forecasts) is checked without a code change.

Where the known names come from: the address file(s) the run will load (located by the fetch layer; only the
two name columns are read, with DuckDB) and the snapshots the warehouse already holds
(core.school_location_history). The bundled synthetic sample covers about twenty municipalities only: in a
sample run, names it lacks are listed as a note (their targets are computed over the locations the sample
has), not refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.config_schema import did_you_mean, key_path, line_of
from pipeline.paths import PROJECT_ROOT, SQL_DIR

# configuration key → kind of place it names
PLACE_KEYS = {"gemeenten": "gemeente", "gemeente": "gemeente", "corop": "corop"}
# kind → column of the DUO address file, column of core.school_location_history
FILE_COLUMNS = {"gemeente": "GEMEENTENAAM", "corop": "COROPGEBIED NAAM"}
HISTORY_COLUMNS = {"gemeente": "gemeente_name", "corop": "corop_name"}
WHAT = {"gemeente": "gemeente (municipality)", "corop": "COROP region"}


@dataclass(frozen=True)
class PlaceRef:
    """One place name in a configuration file: file stem, key path (loc) and the name as written."""

    part: str
    loc: tuple
    kind: str
    name: str


def place_references(parts: dict[str, Any]) -> list[PlaceRef]:
    """Every place name in the configuration (`parts`: stem → parsed file): values of PLACE_KEYS keys,
    wherever they appear (a text, or a list of texts)."""
    out: list[PlaceRef] = []

    def walk(part: str, node: Any, loc: tuple) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in PLACE_KEYS and isinstance(v, str):
                    out.append(PlaceRef(part, (*loc, k), PLACE_KEYS[k], v))
                elif k in PLACE_KEYS and isinstance(v, list):
                    out.extend(
                        PlaceRef(part, (*loc, k, i), PLACE_KEYS[k], x) for i, x in enumerate(v) if isinstance(x, str)
                    )
                else:
                    walk(part, v, (*loc, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(part, v, (*loc, i))

    for part, data in parts.items():
        if part != "sources":
            walk(part, data, ())
    return out


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute((SQL_DIR / "place_key.sql").read_text(encoding="utf-8"))
    return con


def _literal(text: str) -> str:
    """A DuckDB string literal by DuckDB's rule (single quotes doubled). Used instead of a bound parameter
    because binding makes DuckDB import pandas (about 0.5 s of the < 2 s this check may take)."""
    return "'" + str(text).replace("'", "''") + "'"


def names_in_file(path: Path) -> dict[str, set[str]] | None:
    """Gemeente and COROP names of a DUO address file (CSV; .xlsx through the project's reader), or None
    when the file cannot be read this way (its parser reports what is wrong with it when the step runs)."""
    p = Path(path)
    try:
        if p.suffix.lower() == ".xlsx":
            from pipeline.csvread import read_table

            df, _ = read_table(p)
            return {k: {str(x) for x in df[c].dropna()} for k, c in FILE_COLUMNS.items() if c in df.columns} or None
        con = duckdb.connect()
        try:
            for enc in ("utf-8", "latin-1"):  # DUO writes Windows-1252; latin-1 reads every byte of it
                try:
                    rel = con.sql(
                        f"SELECT * FROM read_csv({_literal(p)}, all_varchar = true, header = true, "
                        f"encoding = {_literal(enc)})"
                    )
                    cols = {c.strip().lstrip("\ufeff"): c for c in rel.columns}
                    out = {}
                    for kind, col in FILE_COLUMNS.items():
                        if col in cols:
                            c = '"' + cols[col].replace('"', '""') + '"'  # an identifier, by DuckDB's rule
                            q = f"SELECT DISTINCT trim({c}) FROM rel WHERE {c} IS NOT NULL"
                            out[kind] = {r[0] for r in con.sql(q).fetchall()}
                    return out or None
                except duckdb.Error:
                    continue
        finally:
            con.close()
    except Exception:  # an unreadable file is the parser's to report, with row and column
        return None
    return None


def names_in_warehouse(db_path: Path) -> dict[str, set[str]] | None:
    """Gemeente and COROP names of every address snapshot the warehouse holds (core.school_location_history),
    or None when there is no such table (or the file cannot be opened read-only now)."""
    if not Path(db_path).exists():
        return None
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        have = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'core' "
            "AND table_name = 'school_location_history'"
        ).fetchone()[0]
        if not have:
            return None
        return {
            kind: {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {col} FROM core.school_location_history WHERE {col} IS NOT NULL"
                ).fetchall()
            }
            for kind, col in HISTORY_COLUMNS.items()
        }
    except duckdb.Error:
        return None
    finally:
        con.close()


def merge(*found: dict[str, set[str]] | None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {k: set() for k in FILE_COLUMNS}
    for f in found:
        for k, v in (f or {}).items():
            out[k] |= v
    return out


def _keys(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, str]:
    """name → place_key(name), computed by the SQL macro (the one rule)."""
    names = sorted(set(names))
    if not names:
        return {}
    values = ", ".join(f"({_literal(n)})" for n in names)
    return dict(con.execute(f"SELECT x, place_key(x) FROM (VALUES {values}) t(x)").fetchall())


def unmatched_places(refs: list[PlaceRef], known: dict[str, set[str]]) -> list[tuple[PlaceRef, list[str]]]:
    """The references whose place_key matches no known name of their kind, each with up to three
    candidates (known names, DUO spelling) whose keys are close (difflib)."""
    con = _connect()
    try:
        ref_keys = _keys(con, [r.name for r in refs])
        out = []
        for kind in FILE_COLUMNS:
            by_key: dict[str, list[str]] = {}
            for name, key in _keys(con, known.get(kind, set())).items():
                by_key.setdefault(key, []).append(name)
            for r in (r for r in refs if r.kind == kind):
                key = ref_keys.get(r.name)
                if key in by_key:
                    continue
                close = did_you_mean(key, list(by_key), key=lambda s: s)
                out.append((r, [sorted(by_key[c])[0] for c in close]))
        return out
    finally:
        con.close()


def place_messages(parts: dict[str, Any], paths: dict[str, Path], known: dict[str, set[str]], where: str) -> list[str]:
    """One located message per configured place name that matches no known name (`where`: the snapshots
    the names come from, for the message)."""
    msgs = []
    for ref, close in unmatched_places(place_references(parts), known):
        path = paths.get(ref.part)
        line = line_of(path, ref.loc) if path else None
        shown = _display(path) if path else ref.part
        msgs.append(
            f"{shown}{f' line {line}' if line else ''}: {key_path(ref.loc)}: {WHAT[ref.kind]} {ref.name!r} matches "
            f"no {FILE_COLUMNS[ref.kind]} of {where} (compared ignoring case, accents and punctuation: "
            "sql/place_key.sql)"
            + (
                f"; did you mean {' or '.join(map(repr, close))}?"
                if close
                else f"; {len(known.get(ref.kind, ()))} names known"
            )
        )
    return msgs


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def check_config_places(cfg: Any, address_file: Path | str | None, published: Path | None) -> tuple[list[str], str]:
    """The place names of the whole configuration `cfg` (a pipeline.config.Config) against the address file
    the run will load and the snapshots `published` already holds. Returns (messages, what was compared
    against); no messages and an empty description when neither source of names is available (a first
    online run before the download: the names are then not checked)."""
    from_file = names_in_file(Path(address_file)) if address_file else None
    from_db = names_in_warehouse(published) if published else None
    sources = ([Path(address_file).name] if from_file else []) + (
        [f"{published} core.school_location_history"] if from_db else []
    )
    if not sources:
        return [], ""
    where = "the address snapshot(s) " + " and ".join(sources)
    parts = cfg.parts()
    paths = dict(zip([*parts], cfg.files, strict=False))
    return place_messages(parts, paths, merge(from_file, from_db), where), where
