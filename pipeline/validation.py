"""great-expectations 1.x suites run inside Dagster asset checks (dagster-ge does not support GX 1.x).

Why here: one runner turns a list of expectations over a DataFrame into a Dagster AssetCheckResult with
the failing values as metadata, and stores every expectation outcome in `audit.check_results`, so the
evidence for a published figure stays in the warehouse next to it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import dagster as dg  # noqa: E402
import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit.check_results (
    run_id VARCHAR, asset VARCHAR, partition VARCHAR, check_name VARCHAR, expectation VARCHAR,
    kwargs VARCHAR, success BOOLEAN, unexpected_count BIGINT, observed VARCHAR, severity VARCHAR,
    checked_at TIMESTAMP
)
"""
MAX_LISTED = 50


@lru_cache(maxsize=1)
def _gx() -> Any:
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = ctx.data_sources.add_pandas("sto").add_dataframe_asset("frame")
    return ctx, asset.add_batch_definition_whole_dataframe("whole")


def validate_frame(df: pd.DataFrame, expectations: list[Any], suite_name: str) -> list[dict[str, Any]]:
    """Run expectations over a DataFrame; one dict per expectation with success and failing values."""
    ctx, batch_def = _gx()
    suite = gx.ExpectationSuite(name=suite_name)
    for exp in expectations:
        suite.add_expectation(exp)
    suite = ctx.suites.add_or_update(suite)
    result = batch_def.get_batch(batch_parameters={"dataframe": df}).validate(suite, result_format="COMPLETE")
    out = []
    for er in result.results:
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
            rows = _locate(df, res.get("unexpected_index_list") or [])
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


def _jsonable(v: Any) -> Any:
    try:
        json.dumps(v)
        return v
    except TypeError:
        return str(v)


def check_result(
    con: duckdb.DuckDBPyConnection,
    context: dg.AssetCheckExecutionContext | None,
    asset: str,
    check_name: str,
    df: pd.DataFrame,
    expectations: list[Any],
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    partition: str | None = None,
    extra_metadata: dict[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """Validate `df`, record each outcome in audit.check_results and return the Dagster result."""
    partition = None if partition in (None, "None") else partition
    results = validate_frame(df, expectations, f"{asset}.{check_name}")
    passed = all(r["success"] for r in results)
    run_id = context.run.run_id if context is not None else "adhoc"
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(AUDIT_DDL)
    rows = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "asset": asset,
                "partition": partition,
                "check_name": check_name,
                "expectation": r["expectation"],
                "kwargs": json.dumps(r["kwargs"], default=str, sort_keys=True),
                "success": r["success"],
                "unexpected_count": r["unexpected_count"],
                "observed": json.dumps(r["observed"], default=str, sort_keys=True),
                "severity": severity.value,
                "checked_at": now,
            }
            for r in results
        ]
    )
    con.register("_checks_in", rows)
    try:
        con.execute("INSERT INTO audit.check_results BY NAME SELECT * FROM _checks_in")
    finally:
        con.unregister("_checks_in")
    metadata: dict[str, Any] = {"rows_validated": dg.MetadataValue.int(len(df))}
    for r in results:
        label = f"{r['expectation']}({r['kwargs'].get('column', r['kwargs'].get('column_list', ''))})"
        value = "ok" if r["success"] else f"FAILED: {r['unexpected_count']} unexpected; {r['observed']}"
        metadata[label] = dg.MetadataValue.text(value[:2000])
        if not r["success"] and r["observed"].get("rows"):  # readable in the UI (a table) and the CLI (words)
            listed = pd.DataFrame(r["observed"]["rows"])
            metadata[f"failing rows: {label}"] = dg.MetadataValue.md(
                f"{r['unexpected_count']} row(s) fail; the first {len(listed)}:\n\n" + listed.to_markdown(index=False)
            )
            found = r["observed"].get("unexpected_values") or []
            words = ([f"found: {', '.join(map(repr, found[:MAX_LISTED]))}"] if found else []) + [
                describe_row(row) for row in r["observed"]["rows"]
            ]
            metadata[f"failing rows in words: {label}"] = dg.MetadataValue.text("\n".join(words))
    metadata.update(extra_metadata or {})
    return dg.AssetCheckResult(passed=passed, severity=severity, metadata=metadata, description=None)


E = gx.expectations
