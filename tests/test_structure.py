"""Code layout: library code in pipeline/ imports cleanly and without cycles; assets import no private helpers
of other asset modules; the Definitions discover every domain's asset module; SQL names are unique across domains;
the platform (pipeline/) imports no domain (assets/)."""

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


def test_definitions_discover_every_domain_and_fail_on_a_missing_module() -> None:
    from pipeline import definitions

    on_disk = {f"assets.{p.parent.name}.assets" for p in (ROOT / "assets").glob("*/assets.py")}  # one per domain
    assert set(definitions.domain_modules()) == on_disk and len(on_disk) >= 5
    for module in sorted(on_disk):  # every domain's module contributes assets
        assert definitions.load_assets_and_checks([module])[0], module
    with pytest.raises(ModuleNotFoundError, match="assets.does_not_exist"):
        definitions.load_assets_and_checks([*definitions.domain_modules(), "assets.does_not_exist"])


def test_sql_names_are_unique_across_domains() -> None:
    """db.run_sql finds a SQL file by name in sql/ and every assets/<domain>/sql/: a name used twice would
    make it refuse (or, worse, pick one); every asset's SQL must resolve to exactly one file."""
    from pipeline import db

    files = db.sql_files()
    assert {n: p for n, p in files.items() if len(p) > 1} == {}
    assert len(files) > 30 and "place_key" in files and "mart_techniek_share" in files
    with pytest.raises(FileNotFoundError, match="no SQL file does_not_exist.sql"):
        db.read_sql("does_not_exist")


def test_sql_is_read_by_name_where_it_lives(tmp_path: Path) -> None:
    from pipeline import db

    for rel in ("sql/shared.sql", "dom/a/sql/one.sql", "dom/b/sql/one.sql", "dom/b/sql/two.sql"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("SELECT 1;\n")
    found = db.sql_files(tmp_path / "sql", tmp_path / "dom")
    assert sorted(found) == ["one", "shared", "two"]
    assert found["one"] == [tmp_path / "dom/a/sql/one.sql", tmp_path / "dom/b/sql/one.sql"]


def test_the_platform_imports_no_domain() -> None:
    """pipeline/ is the platform: it knows no domain. Only the Definitions (which discover the domains) and
    the apps that run them may reach into assets/; everything else there imports pipeline.* only."""
    allowed = {"pipeline.definitions", "pipeline.cli", "pipeline.report"}
    offenders = []
    for name, path in sorted(_pipeline_modules().items()):
        if name in allowed or name.startswith("pipeline.report.") or name.startswith("pipeline.cli."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "assets":
                offenders.append(f"{name}: from {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [f"{name}: import {a.name}" for a in node.names if a.name.split(".")[0] == "assets"]
    assert offenders == []


def test_domain_modules_import_cleanly_and_without_cycles() -> None:
    """Every module of every domain imports; among the domains' modules there is no import cycle (a cycle
    through pipeline/ would need the platform to import a domain: test_the_platform_imports_no_domain)."""
    domain = {_module_name(p): p for p in sorted((ROOT / "assets").rglob("*.py"))}
    for name in domain:
        importlib.import_module(name)
    graph = {n: _imports(p, set(domain)) - {n, "assets"} for n, p in domain.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
