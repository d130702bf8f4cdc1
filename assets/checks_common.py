"""Shared helpers for asset-check modules."""

import dagster as dg


def partition_of(context: dg.AssetCheckExecutionContext) -> int | None:
    """The peiljaar a check runs for (from the run's partition tag), or None for all years."""
    key = context.run.tags.get("dagster/partition")
    return int(key) if key else None


def year_filter(year: int | None) -> tuple[str, list]:
    """SQL WHERE fragment and parameters restricting to one peiljaar when given."""
    return ("WHERE peiljaar = ?", [year]) if year is not None else ("", [])
