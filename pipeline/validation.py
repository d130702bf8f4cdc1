"""great-expectations 1.x suites behind the pipeline's asset checks (dagster-ge does not support GX 1.x).

Why here: one runner turns a list of expectations over a DataFrame into a Dagster AssetCheckResult with
the failing values as metadata, and stores every expectation outcome in `audit.check_results`, so the
evidence for a published figure stays in the warehouse next to it.

great-expectations is imported lazily, by the first validation of a run (`_gx()`): `import
pipeline.definitions`, `sto --help` and usage errors do not pay for it (it pulls in scipy, altair and
sqlalchemy). Checks describe expectations with `E.ExpectX(**kwargs)`, a plain `Expectation` record that
becomes the GX class only when it is validated.

GX inside DuckDB? What was tried (issue 11 item 1, 25-minute timebox): GX 1.24.1's SQL datasource over
DuckDB via duckdb_engine 0.17.0 (SQLAlchemy 2.1.9), so that expectations run as SQL where the data is.

1. A table asset with schema_name='raw' loses the schema (GX queries `FROM duo_vo_students`: Catalog Error);
   a query asset (`SELECT * FROM raw.duo_vo_students`) avoids that.
2. Every metric then fails (IndexError in SqlAlchemyExecutionEngine.resolve_metric_bundle): GX's
   `execute_query` fetches rows after closing its connection, and duckdb_engine's cursor results are empty
   once the connection is closed (`with engine.connect() as c: r = c.execute(q)`; `r.fetchall()` == [],
   also with pool_reset_on_return=None or a StaticPool). So no expectation (row count, not-null, regex,
   in-set, between, compound-unique) produced a result on the duckdb dialect.
3. The run's own in-process DuckDB file cannot be opened by duckdb_engine while the run's connection is
   open ("Can't open a connection to same database file with a different configuration"), so GX would need
   the asset's connection closed around each validation.

Outcome: the pandas datasource is kept (duckdb_engine was not added to the pins). Each suite's frame
holds only the columns its expectations name plus the identifying `LOCATE_COLUMNS` (for "failing rows in
words"), see `needed_columns`; pipeline/checks.py also selects only those columns in DuckDB for the
simple-form checks.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import dagster as dg
import duckdb
import pandas as pd

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit.check_results (
    run_id VARCHAR, asset VARCHAR, partition VARCHAR, check_name VARCHAR, expectation VARCHAR,
    kwargs VARCHAR, success BOOLEAN, unexpected_count BIGINT, observed VARCHAR, severity VARCHAR,
    checked_at TIMESTAMP
)
"""
AUDIT_COLUMNS = (
    "run_id",
    "asset",
    "partition",
    "check_name",
    "expectation",
    "kwargs",
    "success",
    "unexpected_count",
    "observed",
    "severity",
    "checked_at",
)
MAX_LISTED = 50


class Expectation(NamedTuple):
    """One expectation as data: the GX class name (e.g. 'ExpectColumnValuesToBeUnique') and its kwargs.
    Built by `E.ExpectX(**kwargs)`; turned into the GX object only when validated (GX is imported lazily)."""

    type: str
    kwargs: dict[str, Any]

    def columns(self) -> set[str] | None:
        """The columns this expectation reads; None when it needs the whole table (its column set)."""
        if self.type in TABLE_WIDE:
            return None
        k = self.kwargs
        cols = [k.get("column"), k.get("column_A"), k.get("column_B"), *(k.get("column_list") or [])]
        return {c for c in cols if c}


class _Expectations:
    """`E.ExpectColumnValuesToBeUnique(column="id")` -> Expectation('ExpectColumnValuesToBeUnique', {...})."""

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("Expect"):
            raise AttributeError(name)
        return lambda **kwargs: Expectation(name, kwargs)


E = _Expectations()
# Expectations on the table's whole column set: their frame keeps every column.
TABLE_WIDE = {"ExpectTableColumnsToMatchSet", "ExpectTableColumnsToMatchOrderedList", "ExpectTableColumnCountToEqual"}


@lru_cache(maxsize=1)
def _gx() -> Any:
    """great-expectations and one ephemeral context with a pandas dataframe batch (imported on first use)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = ctx.data_sources.add_pandas("sto").add_dataframe_asset("frame")
    return gx, ctx, asset.add_batch_definition_whole_dataframe("whole")


def needed_columns(columns: list[str], expectations: list[Expectation]) -> list[str]:
    """The columns (in table order) a suite needs: those its expectations name plus the identifying
    LOCATE_COLUMNS that say where a failing row is; every column when an expectation is table-wide."""
    wanted: set[str] = set(LOCATE_COLUMNS)
    for exp in expectations:
        cols = exp.columns()
        if cols is None:
            return list(columns)
        wanted |= cols
    return [c for c in columns if c in wanted]


INDEX_META = "sto_index"  # each expectation's position in the check's list, carried through GX in `meta`


def _suite(gx: Any, name: str, expectations: list[Expectation], positions: list[int]) -> Any:
    """An ExpectationSuite of `expectations`, each tagged with its position (`meta['sto_index']`), not added
    to the context: `Batch.validate` takes an unsaved suite, and saving (`ctx.suites.add_or_update`) cost a
    store round trip per validation. GX returns results grouped by column, not in suite order, so results
    are matched to expectations by this tag, never by their position in the result list."""
    suite = gx.ExpectationSuite(name=name)
    for exp, i in zip(expectations, positions, strict=True):
        suite.add_expectation(getattr(gx.expectations, exp.type)(**exp.kwargs, meta={INDEX_META: i}))
    return suite


def _position(er: Any) -> int:
    return int((er.expectation_config.meta or {})[INDEX_META])


def validate_frame(df: pd.DataFrame, expectations: list[Expectation], suite_name: str) -> list[dict[str, Any]]:
    """Run expectations over a DataFrame; one dict per expectation (in GX's result order) with keys
    expectation, kwargs, success, unexpected_count and observed (observed value, distinct unexpected values,
    failing rows).

    Two passes, one outcome: every expectation is validated with result_format BASIC (success, observed
    value, unexpected count and percent, without building the full unexpected value and index lists), and
    only those with a failure or any unexpected value again with COMPLETE, whose lists give the stored
    `unexpected_values` and the located rows. An expectation without unexpected values has empty lists in
    COMPLETE, so what is returned is the same as one COMPLETE pass (tests/test_perf_equivalence.py)."""
    gx, _ctx, batch_def = _gx()
    frame = df[needed_columns(list(df.columns), expectations)]
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    everything = list(range(len(expectations)))
    suite = _suite(gx, suite_name, expectations, everything)
    results = list(batch.validate(suite, result_format="BASIC").results)
    again = [_position(er) for er in results if not er.success or (er.result or {}).get("unexpected_count")]
    if again:
        suite = _suite(gx, f"{suite_name}.complete", [expectations[i] for i in again], again)
        complete = {_position(er): er for er in batch.validate(suite, result_format="COMPLETE").results}
        results = [complete.get(_position(er), er) for er in results]
    out = []
    for er in results:
        cfg = er.expectation_config
        kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
        res = er.result or {}
        unexpected = res.get("unexpected_list") or []
        distinct = sorted({str(v) for v in unexpected})[:MAX_LISTED]
        observed: dict[str, Any] = {
            "observed_value": _jsonable(res.get("observed_value")),
            "unexpected_values": distinct,
            "unexpected_percent": res.get("unexpected_percent"),
        }
        if not er.success:
            rows = _locate(frame, res.get("unexpected_index_list") or [])
            if rows:
                observed["rows"] = rows
        out.append(
            {
                "expectation": cfg.type,
                "kwargs": kwargs,
                "success": bool(er.success),
                "unexpected_count": int(res.get("unexpected_count") or 0),
                "observed": observed,
            }
        )
    return out


LOCATE_COLUMNS = (
    "source_file",
    "source_row",
    "peiljaar",
    "vestiging_code",
    "campus_code",
    "id",
    "postcode",
    "onderwijstype_label",
    "afdeling",
    "opleidingscode",
    "source",
    "figure_id",
    "indicator",
    "measure",
    "scope_type",
    "scope",
    "scope_code",
)


def _locate(df: pd.DataFrame, index: list[Any]) -> list[dict[str, Any]]:
    """The failing rows as their identifying columns (source file and row first), so a failed check says
    where to look, not only what was wrong."""
    cols = [c for c in LOCATE_COLUMNS if c in df.columns]
    if not cols or not index:
        return []
    idx = [i for i in index[:MAX_LISTED] if i in df.index]
    sub = df.loc[idx, cols]
    return [{k: _jsonable(v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in sub.to_dict("records")]


def describe_row(row: dict[str, Any]) -> str:
    """One failing row in words: 'file.csv row 88: peiljaar 2021, vestiging_code 90SP00, …' (the source file
    and line first when known, then the identifying columns)."""
    where = " ".join(
        p for p in (str(row.get("source_file") or ""), f"row {row['source_row']}" if "source_row" in row else "") if p
    )
    rest = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("source_file", "source_row") and v is not None)
    return f"{where}: {rest}" if where else rest


def describe_observed(observed: dict[str, Any]) -> str:
    """An expectation's observation in words (share of rows, values found, observed value), not a dict."""
    parts = []
    if observed.get("unexpected_percent") is not None:
        parts.append(f"{float(observed['unexpected_percent']):.3g}% of the rows")
    found = observed.get("unexpected_values") or []
    if found:
        parts.append(
            "found: " + ", ".join(map(repr, found[:10])) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        )
    if observed.get("observed_value") is not None:
        parts.append(f"observed: {observed['observed_value']}")
    if observed.get("rows"):
        parts.append(f"{len(observed['rows'])} row(s) listed under 'failing rows'")
    return "; ".join(parts) or "no detail"


def markdown_rows(rows: list[dict[str, Any]] | pd.DataFrame, total: int | None = None, what: str = "row(s)") -> str:
    """Rows as a Markdown table with their column names as headers (cells escaped), headed by the count:
    '3 row(s) fail; the first 2:' — readable in the Dagster UI, unlike a JSON list of dicts."""
    from pipeline.dictionary import markdown_text

    df = pd.DataFrame(rows)
    total = len(df) if total is None else total
    if df.empty:
        return f"0 {what}"
    shown = df.head(MAX_LISTED)
    cells = shown.astype(object).where(shown.notna(), "").astype(str).map(lambda v: markdown_text(v, cell=True))
    head = f"{total} {what}" + (f"; the first {len(shown)}" if len(shown) < total else "")
    return f"{head}:\n\n" + cells.to_markdown(index=False, disable_numparse=True)


def _jsonable(v: Any) -> Any:
    try:
        json.dumps(v)
        return v
    except TypeError:
        return str(v)


def check_result(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    asset: str,
    check_name: str,
    df: pd.DataFrame,
    expectations: list[Expectation],
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    partition: str | None = None,
    extra_metadata: dict[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """Validate `df` (suite `{asset}.{check_name}`), insert one audit.check_results row per expectation
    (run_id, asset, partition, check_name, expectation, kwargs, success, unexpected_count, observed, severity)
    and return the Dagster result: passed when every expectation passed; metadata 'rows_validated', one
    'expectation(column)' entry per expectation ('ok', or 'FAILED: …' for severity ERROR and 'WARNING: …' for
    WARN, in words) and, per failing expectation with
    located rows, a markdown table and 'failing rows in words: …'. Raises what GX or DuckDB raise."""
    partition = None if partition in (None, "None") else partition
    results = validate_frame(df, expectations, f"{asset}.{check_name}")
    passed = all(r["success"] for r in results)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(AUDIT_DDL)
    rows = [
        [
            run_id,
            asset,
            partition,
            check_name,
            r["expectation"],
            json.dumps(r["kwargs"], default=str, sort_keys=True),
            r["success"],
            r["unexpected_count"],
            json.dumps(r["observed"], default=str, sort_keys=True),
            severity.value,
            now,
        ]
        for r in results
    ]
    if rows:  # a few rows per suite: a parameterised insert, no DataFrame registered
        con.executemany(
            f"INSERT INTO audit.check_results ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
            rows,
        )
    metadata: dict[str, Any] = {"rows_validated": dg.MetadataValue.int(len(df))}
    # A failed WARN expectation is a warning, not a failure (it does not stop the run): said so in words.
    unmet = "FAILED" if severity == dg.AssetCheckSeverity.ERROR else "WARNING"
    for r in results:
        label = f"{r['expectation']}({r['kwargs'].get('column', r['kwargs'].get('column_list', ''))})"
        value = (
            "ok" if r["success"] else f"{unmet}: {r['unexpected_count']} unexpected; {describe_observed(r['observed'])}"
        )
        metadata[label] = dg.MetadataValue.text(value[:2000])
        if not r["success"] and r["observed"].get("rows"):  # readable in the UI (a table) and the CLI (words)
            metadata[f"failing rows: {label}"] = dg.MetadataValue.md(
                markdown_rows(r["observed"]["rows"], total=r["unexpected_count"], what="row(s) fail")
            )
            found = r["observed"].get("unexpected_values") or []
            words = ([f"found: {', '.join(map(repr, found[:MAX_LISTED]))}"] if found else []) + [
                describe_row(row) for row in r["observed"]["rows"]
            ]
            metadata[f"failing rows in words: {label}"] = dg.MetadataValue.text("\n".join(words))
    metadata.update(extra_metadata or {})
    return dg.AssetCheckResult(passed=passed, severity=severity, metadata=metadata, description=None)
