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
# core.duo_vo_students stays last: `sto drop` reads the loaded years from it.
YEARLY_TABLES = (
    "raw.duo_vo_pupils_postcode",
    "core.duo_vo_pupils_postcode",
    "raw.duo_vo_students",
    "core.duo_vo_students",
)
# Every requested peiljaar in one step of one run (a partition range), so that Dagster's bookkeeping
# scales with the work and not with the number of years (issue 11): 8 years cost one run, not ten.
YEARLY_BACKFILL = dg.BackfillPolicy.single_run()


def run_peiljaren(context: dg.AssetExecutionContext) -> list[int]:
    """The peiljaren a yearly asset's step builds: its partition key, or every key of the run's partition
    range (ascending), as integers."""
    return sorted(int(k) for k in context.partition_keys)


def merge_year_metadata(per_year: dict[int, dict]) -> dict:
    """One step's metadata from each peiljaar's: a single year's as it is; for several, `dagster/row_count`
    summed over the years, a key with the same value in every year (table, column schema, code version,
    config hash) once, and every other key once per year with its peiljaar ('n_pupils [peiljaar 2019]')."""
    if len(per_year) == 1:
        return next(iter(per_year.values()))
    metas = [m for _, m in sorted(per_year.items())]
    merged: dict = {}
    for year, meta in sorted(per_year.items()):
        for k, v in meta.items():
            if k == "dagster/row_count":
                merged[k] = dg.MetadataValue.int(sum(int(m[k].value) for m in metas if k in m))
            elif all(m.get(k) == v for m in metas):
                merged[k] = v
            else:
                merged[f"{k} [peiljaar {year}]"] = v
    return merged


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
