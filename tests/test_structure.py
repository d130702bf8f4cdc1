"""Code layout: library code in pipeline/ imports cleanly and without cycles; assets import no private helpers
of other asset modules; the Definitions list every asset module explicitly."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _pipeline_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """pipeline.* modules that `path` imports anywhere (module level or inside a function: a deferred import
    only hides a cycle, it does not remove it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pipeline import db` names the module pipeline.db; `from pipeline.db import x` names pipeline.db
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found - {"pipeline"}


def import_graph() -> dict[str, set[str]]:
    """pipeline module → the pipeline modules it imports."""
    mods = _pipeline_modules()
    return {name: _imports(path, set(mods)) - {name} for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search with colours)."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_detects_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_pipeline_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle among pipeline modules: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(_pipeline_modules()))
def test_pipeline_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_assets_import_no_private_names_of_other_asset_modules() -> None:
    offenders = []
    for path in sorted((ROOT / "assets").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assets"):
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not offenders, offenders


def test_definitions_name_every_asset_module_and_fail_on_a_missing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import definitions

    on_disk = {f"assets.{p.parent.name}.assets" for p in (ROOT / "assets").glob("*/assets.py")}  # one per domain
    assert set(definitions.MODULES) == on_disk
    monkeypatch.setattr(definitions, "MODULES", [*definitions.MODULES, "assets.does_not_exist"])
    with pytest.raises(ModuleNotFoundError, match="assets.does_not_exist"):
        definitions.load_assets_and_checks()
