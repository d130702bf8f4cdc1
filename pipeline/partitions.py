"""Peiljaar partitions shared by every yearly DUO asset, and the rule for which year is due next.

Partitions are dynamic (issue 10): a peiljaar becomes a partition when a run loads it (`sto run` adds it,
`sto drop` removes it), so the Dagster UI lists exactly the years that hold data and the next DUO year
loads without a code change. The allowed range is `pipeline.yaml` `peiljaren` (open-ended by default).
"""

from __future__ import annotations

from datetime import date

import dagster as dg

PEILJAAR_PARTITIONS = "peiljaar"
PEILJAAR = dg.DynamicPartitionsDefinition(name=PEILJAAR_PARTITIONS)
# Tables the peiljaar-partitioned assets write, one slice per peiljaar (`sto drop` deletes from these).
YEARLY_TABLES = ("raw.duo_vo_students", "core.duo_vo_students")


def latest_expected_peiljaar(today: date, release_month: int) -> int:
    """The newest peiljaar whose DUO pupils file can be out on `today`.

    Peiljaar Y is the count of 1 October Y; DUO publishes it in the first months of Y+1. From
    `release_month` of Y+1 on, Y is expected; before that, Y-1. E.g. release month 3: on 2026-11-30 → 2025,
    on 2027-02-01 → 2025, on 2027-06-01 → 2026.
    """
    return today.year - 1 if today.month >= release_month else today.year - 2


def due_peiljaren(today: date, first: int, release_month: int, loaded: set[int]) -> list[int]:
    """Peiljaren the yearly refresh should ask for, newest first: those after the newest loaded one (from
    `first` when nothing is loaded: only the newest expected year) up to the newest expected one. Older
    gaps are a backfill for `sto run --years`, not for the sensor."""
    latest = latest_expected_peiljaar(today, release_month)
    start = max(loaded) + 1 if loaded else latest
    return [y for y in range(latest, max(start, first) - 1, -1) if y not in loaded]
