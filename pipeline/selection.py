"""Which assets and partitions one run covers: whole steps of a selection, the assets downstream of the
yearly ones, and the peiljaar partition range of a run (pure functions over the asset definitions)."""

from __future__ import annotations

from pipeline.errors import UsageError


def whole_steps(assets: list, keys: set) -> set:
    """`keys` plus every other table written by the same step (a multi-asset such as core_seor_step6_roc
    writes its tables together and cannot run for one of them alone)."""
    return set(keys).union(*(a.keys for a in assets if a.keys & set(keys)))


def downstream_of_yearly(assets: list) -> list:
    """Unpartitioned asset keys that depend, directly or not, on a peiljaar-partitioned asset (the marts
    and coverage tables a change of loaded years invalidates), sorted."""
    deps = {k: set(a.asset_deps.get(k, set())) for a in assets for k in a.keys}
    yearly = {k for a in assets if a.partitions_def is not None for k in a.keys}
    down: set = set()
    changed = True
    while changed:
        changed = False
        for k, ds in deps.items():
            if k not in yearly and k not in down and ds & (yearly | down):
                down.add(k)
                changed = True
    return sorted(down)


def partition_range(order: list[str], years: list[int]) -> dict[str, str]:
    """Run tags for one run over `years`: the partition range from the first to the last of them in the
    dynamic partitions' order (the order years were first loaded). Raises UsageError when that range
    would take in a loaded peiljaar that was not asked for (years first loaded out of order)."""
    wanted = {str(y) for y in years}
    idx = sorted(order.index(k) for k in wanted)
    block = order[idx[0] : idx[-1] + 1]
    extra = [k for k in block if k not in wanted]
    if extra:
        raise UsageError(
            f"peiljaar {', '.join(extra)} lies between the requested years in the warehouse's partition order "
            f"({', '.join(order)}); one run covers one range: add --years {' '.join(extra)} (reloaded from "
            "its file), or run the years separately"
        )
    return {"dagster/asset_partition_range_start": block[0], "dagster/asset_partition_range_end": block[-1]}
