"""Declarative asset checks: each check is a `CheckDef` (data), ONE factory attaches them to their assets,
ONE runner (`evaluate`) turns a definition into a Dagster AssetCheckResult.

Why: the 39 checks used to repeat the same decorator/connect/select/expect/combine steps by hand, and each
was its own Dagster step. Now a check is a few lines of data beside its domain (assets/*_checks.py), and
`checked_asset` declares the checks as `check_specs` of their asset, whose step yields its
MaterializeResult and then every check result. A failed blocking ERROR check still fails that step (Dagster
raises DagsterAssetCheckFailedError after the events are logged), so downstream assets are skipped, the run
fails and nothing is published, as before; only the Dagster bookkeeping of a separate step is gone.

A check is testable as a plain function without Dagster: `evaluate(check, con, cfg, partition)`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.constants import NL_LAT, NL_LON
from pipeline.dictionary import markdown_text
from pipeline.validation import E, Expectation, check_result, markdown_rows, needed_columns

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN


@dataclass
class CheckRun:
    """What a check's code sees while it runs: the connection, the config object, the peiljaar (or None for
    every year) and the suites validated so far (`validate` appends; the runner combines them)."""

    check: CheckDef
    con: duckdb.DuckDBPyConnection
    cfg: Config
    partition: int | None = None
    run_id: str = "adhoc"
    suites: list[dg.AssetCheckResult] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def where(self) -> tuple[str, list]:
        """SQL WHERE fragment and parameters restricting to this run's peiljaar ('' and [] for all years)."""
        return ("WHERE peiljaar = ?", [self.partition]) if self.partition is not None else ("", [])

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """The rows of a query as a DataFrame; `{where}` in `sql` becomes this run's peiljaar filter."""
        where, wparams = self.where()
        if "{where}" in sql:
            return self.con.execute(sql.replace("{where}", where), [*wparams, *(params or [])]).df()
        return self.con.execute(sql, params or []).df()

    def validate(
        self,
        suite: str,
        df: pd.DataFrame,
        expectations: list[Expectation],
        extra_metadata: dict[str, Any] | None = None,
    ) -> dg.AssetCheckResult:
        """Validate `df` as suite `suite` (the check_name in audit.check_results) with the check's severity;
        the result is also kept for the combined check result."""
        result = check_result(
            self.con,
            self.run_id,
            self.check.asset,
            suite,
            df,
            expectations,
            severity=self.check.severity,
            partition=None if self.partition is None else str(self.partition),
            extra_metadata=extra_metadata,
        )
        self.suites.append(result)
        return result


@dataclass(frozen=True)
class CheckDef:
    """One asset check as data.

    - asset, name, description, blocking, severity: the Dagster check (name as the UI and CLI show it).
    - per_peiljaar: the asset is partitioned by peiljaar and the check validates the run's year only.
    - Simple form: `sql` (the rows validated; `{where}` is replaced by the peiljaar filter), `suite` (the
      check_name in audit.check_results) and `expectations(cfg)` (a list of `E.ExpectX(...)`). Only the
      columns the expectations name (plus the locating columns) are read.
    - Bespoke form: `run(r: CheckRun)` computes its frames and calls `r.validate(...)` once per suite; it may
      put check-level metadata in `r.metadata`. Used where a comparison is computed rather than expected.
    """

    asset: str
    name: str
    description: str
    blocking: bool = True
    severity: dg.AssetCheckSeverity = ERROR
    per_peiljaar: bool = False
    suite: str = "valid"
    sql: str | None = None
    expectations: Callable[[Config], list[Expectation]] | None = None
    run: Callable[[CheckRun], None] | None = None

    def spec(self) -> dg.AssetCheckSpec:
        """The Dagster AssetCheckSpec this definition declares on its asset."""
        return dg.AssetCheckSpec(
            self.name, asset=self.asset, blocking=self.blocking, description=markdown_text(self.description)
        )


def combine(check: CheckDef, suites: list[dg.AssetCheckResult], extra: dict[str, Any]) -> dg.AssetCheckResult:
    """One Dagster result from a check's suites: passed when every suite passed, with the check's severity.

    The metadata rule kept (of the two `_combine` helpers there were): one suite keeps its metadata keys
    as they are; several suites prefix every key with the suite's position, "0: …", "1: …" (the rule of
    the monitoring checks, which the CLI prints as is). The other rule merged keys unprefixed, so a later
    suite's 'rows_validated' or same-named expectation overwrote an earlier (possibly failing) one.
    Check-level metadata (`extra`) is added unprefixed."""
    if len(suites) == 1:
        meta = dict(suites[0].metadata)
    else:
        meta = {f"{i}: {k}": v for i, r in enumerate(suites) for k, v in r.metadata.items()}
    meta.update(extra)
    return _result(check, all(r.passed for r in suites), meta)


def outcome(check: CheckDef, passed: bool, metadata: dict[str, Any]) -> str:
    """The check's outcome in words (the result's description, shown in the UI above its metadata). Dagster's
    UI tags every unmet check "Failed" (yellow for severity WARN); this says which it is: a blocking failure
    or a warning that does not stop the run, and which expectations were not met."""
    if passed:
        return "Passed: every expectation met."
    unmet = [
        f"{k}: {str(text).split(';')[0].split(': ', 1)[-1]}"
        for k, text in ((k, getattr(v, "value", v)) for k, v in metadata.items())
        if str(text).startswith(("FAILED", "WARNING"))
    ]
    listed = "; ".join(dict.fromkeys(unmet)) or "see the metadata"
    if check.severity == WARN:
        return markdown_text(f"Warning (severity WARN, not blocking: the run goes on): {listed}.") or ""
    return markdown_text(f"Failed (blocking, severity ERROR: the step fails, nothing is published): {listed}.") or ""


def _result(check: CheckDef, passed: bool, meta: dict[str, Any]) -> dg.AssetCheckResult:
    """The Dagster result with the outcome in words, first also as metadata 'outcome' ('passed', 'warning' or
    'failed'), so a warning reads as a warning in the UI and in the event log."""
    label = "passed" if passed else "warning" if check.severity == WARN else "failed"
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(check.asset),
        check_name=check.name,
        passed=passed,
        severity=check.severity,
        metadata={"outcome": dg.MetadataValue.text(label), **meta},
        description=outcome(check, passed, meta),
    )


def rows_metadata(rows: pd.DataFrame | list[dict[str, Any]], what: str = "row(s)") -> dg.MetadataValue:
    """Listed rows (e.g. the locations a warning is about) as a Markdown table with column names and the
    count, for a check's metadata: readable in the UI, not a JSON dump of dicts."""
    return dg.MetadataValue.md(markdown_rows(rows, what=what))


def evaluate(
    check: CheckDef,
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    partition: int | str | None = None,
    run_id: str = "adhoc",
) -> dg.AssetCheckResult:
    """Run one check on an open warehouse connection (no Dagster context needed) and return its result.

    Every expectation outcome is also inserted into audit.check_results (with `run_id` and `partition`).
    `partition` is the peiljaar for per-peiljaar checks (ignored otherwise; None = every year). Raises
    ValueError for a definition with neither `sql`+`expectations` nor `run`, and what DuckDB or GX raise."""
    year = int(partition) if check.per_peiljaar and partition not in (None, "None") else None
    r = CheckRun(check, con, cfg, year, run_id)
    if check.run is not None:
        check.run(r)
    elif check.sql is not None and check.expectations is not None:
        exps = check.expectations(cfg)
        where, params = r.where()
        sql = check.sql.replace("{where}", where)
        cols = [d[0] for d in con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description]
        select = ", ".join('"' + c.replace('"', '""') + '"' for c in needed_columns(cols, exps))  # what the suite reads
        r.validate(check.suite, con.execute(f"SELECT {select} FROM ({sql})", params).df(), exps)
    else:
        raise ValueError(f"check {check.name}: give sql and expectations, or run")
    return combine(check, r.suites, r.metadata)


def _current_context() -> dg.AssetExecutionContext | None:
    """The running asset's context, or None when the asset function is invoked directly without one."""
    try:
        return dg.AssetExecutionContext.get()
    except dg.DagsterInvariantViolationError:
        return None


def run_checks(checks: Sequence[CheckDef], context: dg.AssetExecutionContext | None, sto: Any) -> Iterator[Any]:
    """Every check of one asset step, on one connection; yields their AssetCheckResults in order. Without a
    run (direct invocation, e.g. in tests) the audit rows get run_id 'adhoc', as before."""
    years: list[int | None] = [None]
    if context is not None and context.assets_def.partitions_def is not None:
        years = sorted(int(k) for k in context.partition_keys)  # one key, or a run's partition range
    try:
        run_id = context.run.run_id if context is not None else "adhoc"
    except dg.DagsterError:  # invoked directly with a built context: no run (DagsterInvalidPropertyError)
        run_id = "adhoc"
    with sto.connect() as con:
        for check in checks:
            if check.per_peiljaar and len(years) > 1:
                yield combine_years(check, {y: evaluate(check, con, sto.config, y, run_id) for y in years})
            else:
                yield evaluate(check, con, sto.config, years[0] if check.per_peiljaar else None, run_id)


def combine_years(check: CheckDef, per_year: dict[int, dg.AssetCheckResult]) -> dg.AssetCheckResult:
    """One result of a per-peiljaar check over a run's several peiljaren: passed when every year passed;
    every metadata key prefixed with its year ('peiljaar 2019: …'), so the CLI and UI still say which year
    and which rows failed. The audit.check_results rows stay per year (written by `evaluate`)."""
    meta = {
        f"peiljaar {y}: {k}": v for y, r in sorted(per_year.items()) for k, v in r.metadata.items() if k != "outcome"
    }
    return _result(check, all(r.passed for r in per_year.values()), meta)


def checked_asset(
    checks: Sequence[CheckDef], also_writes: Sequence[tuple[str, str]] = (), **asset_kwargs: Any
) -> Callable[[Callable], dg.AssetsDefinition]:
    """The factory: `@checked_asset(CHECKS, description=…, …)` on a function `name(context?, sto)` returning
    its MaterializeResult makes the asset `name` with the check_specs of every CheckDef in `checks` whose
    asset is `name`; the step yields the MaterializeResult, then each check's result (a failed blocking
    ERROR check fails the step; a plain `@dg.asset` cannot be subset, so its checks always run with it).
    Without checks for `name` it is a plain `@dg.asset`.

    `also_writes` [(asset key, 'schema.table'), …] names every further table the step writes: the asset
    becomes a multi-asset with one spec per table (same dependencies, group and owners; the description
    from sql/data_dictionary.yaml), so lineage shows each table and downstream assets can depend on the
    table they read. The extra tables' metadata (rows, schema, checksum) is read after the step."""
    from pipeline.resources import StoResource

    def decorate(fn: Callable) -> dg.AssetsDefinition:
        name = fn.__name__
        mine = [c for c in checks if c.asset in {name, *(key for key, _ in also_writes)}]
        if also_writes:
            return _multi_table_asset(fn, mine, also_writes, asset_kwargs)
        if not mine:
            return dg.asset(**asset_kwargs)(fn)
        specs = [c.spec() for c in mine]
        if "context" in inspect.signature(fn).parameters:

            @functools.wraps(fn)
            def step(context: dg.AssetExecutionContext, sto: StoResource) -> Iterator[Any]:
                yield fn(context, sto)
                yield from run_checks(mine, context, sto)

            step.__annotations__ = {"context": dg.AssetExecutionContext, "sto": StoResource}
        else:  # keep the asset's own signature (`asset(sto)`, also when invoked directly)

            @functools.wraps(fn)
            def step(sto: StoResource) -> Iterator[Any]:
                yield fn(sto)
                yield from run_checks(mine, _current_context(), sto)

            step.__annotations__ = {"sto": StoResource}
        del step.__wrapped__  # Dagster reads the wrapper's own signature and annotations, not fn's
        return dg.asset(name=name, check_specs=specs, **asset_kwargs)(step)

    return decorate


def _multi_table_asset(
    fn: Callable, mine: list[CheckDef], also: Sequence[tuple[str, str]], kw: dict[str, Any]
) -> dg.AssetsDefinition:
    """`checked_asset` for a step that writes several tables: a multi-asset (not subsettable: the tables
    come from one SQL file) whose first spec is the function's asset and one spec per extra table."""
    from pipeline import db, dictionary
    from pipeline.resources import StoResource

    name = fn.__name__
    common = {k: kw[k] for k in ("group_name", "owners", "kinds") if k in kw}
    deps = list(kw.get("deps", []))
    specs = [dg.AssetSpec(name, deps=deps, description=kw.get("description"), **common)]
    specs += [
        dg.AssetSpec(
            key,
            deps=deps,
            description=f"{dictionary.table_text(table) or table} Table {table}, written by {name} in the same step.",
            **common,
        )
        for key, table in also
    ]
    with_context = "context" in inspect.signature(fn).parameters

    def step(context: dg.AssetExecutionContext, sto: StoResource) -> Iterator[Any]:
        result = fn(context, sto) if with_context else fn(sto)
        yield dg.MaterializeResult(asset_key=name, metadata=result.metadata)
        with sto.connect() as con:
            for key, table in also:
                yield dg.MaterializeResult(asset_key=key, metadata=db.table_metadata(con, table))
        yield from run_checks(mine, context, sto)

    step.__name__ = name
    step.__doc__ = fn.__doc__
    step.__annotations__ = {"context": dg.AssetExecutionContext, "sto": StoResource}  # resolvable at definition
    return dg.multi_asset(name=name, specs=specs, check_specs=[c.spec() for c in mine])(step)


# ---- building blocks shared by the domains' check definitions ------------------------------------------
def nl_bounds() -> list:
    """Latitude and longitude inside the Netherlands (pipeline.constants NL_LAT, NL_LON)."""
    return [
        E.ExpectColumnValuesToBeBetween(column="lat", min_value=NL_LAT[0], max_value=NL_LAT[1]),
        E.ExpectColumnValuesToBeBetween(column="lon", min_value=NL_LON[0], max_value=NL_LON[1]),
    ]


def pct_between(cols: list[str]) -> list:
    """One expectation per column: a percentage between 0 and 100."""
    return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100) for c in cols]
