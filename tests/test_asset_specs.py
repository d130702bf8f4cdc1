"""Lineage never changes by accident: a snapshot of every asset spec (key, group, deps, description,
owners, partitioning, its checks with blocking flag and description) compared with
tests/fixtures/asset_specs.json.

A deliberate change (a new asset, a renamed check, a new dependency) updates the snapshot in the same
commit: `python tests/test_asset_specs.py --update`, and the diff shows the reviewer what moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "fixtures" / "asset_specs.json"
LAYERS = ("raw_", "core_", "mart_")


def asset_specs() -> dict[str, Any]:
    """{asset key: {group, deps, description, owners, partitioned, checks: {name: {blocking, description}}}}."""
    from pipeline.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    out: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        out[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "description": node.description,
            "owners": sorted(node.owners),
            "partitioned": node.partitions_def is not None,
            "checks": {},
        }
    for ck in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        spec = graph.get_check_spec(ck)
        out[ck.asset_key.to_user_string()]["checks"][ck.name] = {
            "blocking": spec.blocking,
            "description": spec.description,
        }
    return out


def test_asset_specs_match_the_snapshot() -> None:
    assert asset_specs() == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "asset specs differ from tests/fixtures/asset_specs.json; if the change is deliberate, run "
        "`python tests/test_asset_specs.py --update` and commit the diff"
    )


def test_every_asset_has_a_layer_prefix_group_owner_and_description() -> None:
    specs = asset_specs()
    assert [k for k in specs if not k.startswith(LAYERS)] == []
    assert [k for k, s in specs.items() if not (s["group"] and s["owners"] and s["description"])] == []


if __name__ == "__main__":
    if "--update" in sys.argv:
        SNAPSHOT.write_text(json.dumps(asset_specs(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {SNAPSHOT}")
