"""No module-level mutable state shared between modules (issue #17 item 3).

A module-level dict, list or set that a function changes at run time and another module reads or changes
is a side channel (the publish outcome, progress and lineage once travelled that way). This scans the
source of pipeline/ and assets/: every module-level container that is mutated anywhere but in its own
module's top level (by a method such as update/append/pop, an item assignment or deletion, or an
augmented assignment) must not be imported by, or reached from, another module. Constants built once at
import time (lookup tables) are fine."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "assets")
CONTAINERS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
FACTORIES = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}
MUTATORS = {
    "update", "append", "extend", "insert", "add", "pop", "popitem", "setdefault", "clear", "remove",
    "discard", "difference_update", "intersection_update", "symmetric_difference_update", "appendleft",
}  # fmt: skip


def _modules() -> dict[str, ast.Module]:
    out = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            out[name] = ast.parse(p.read_text(encoding="utf-8"), str(p))
    return out


def _is_container(value: ast.expr | None) -> bool:
    if isinstance(value, CONTAINERS):
        return True
    if isinstance(value, ast.Call):
        f = value.func
        return (isinstance(f, ast.Name) and f.id in FACTORIES) or (isinstance(f, ast.Attribute) and f.attr in FACTORIES)
    return False


def module_containers(tree: ast.Module) -> set[str]:
    """Names bound at module level to a mutable container."""
    names = set()
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if _is_container(getattr(node, "value", None)):
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _imports(tree: ast.Module) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(local name → (module, name) of `from m import name`, local alias → module of `import m` / `from p import m`)."""
    names, mods = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                names[a.asname or a.name] = (node.module, a.name)
                mods[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                mods[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    return names, mods


def _target(expr: ast.expr, names: dict, mods: dict, own: str) -> tuple[str, str] | None:
    """(module, name) of the module-level container `expr` refers to, if it does."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id, (own, expr.id))
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in mods:
        return (mods[expr.value.id], expr.attr)
    return None


def _runtime_mutations(mod: str, tree: ast.Module, names: dict, mods: dict) -> list[tuple[str, str, int]]:
    """(module, name, line) of every container changed inside a function of `mod`."""
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Name):
                        local.add(t.id)
            hits = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
                hits.append(node.func.value)
            elif isinstance(node, ast.Assign | ast.Delete):
                hits += [t.value for t in getattr(node, "targets", []) if isinstance(t, ast.Subscript)]
            elif isinstance(node, ast.AugAssign):
                hits.append(node.target.value if isinstance(node.target, ast.Subscript) else node.target)
            for h in hits:
                if isinstance(h, ast.Name) and h.id in local:
                    continue
                ref = _target(h, names, mods, mod)
                if ref:
                    found.append((*ref, node.lineno))
    return found


def shared_mutable_state(trees: dict[str, ast.Module] | None = None) -> list[str]:
    """One line per shared container: where it is changed and which other modules read it."""
    trees = _modules() if trees is None else trees
    containers = {(m, n) for m, t in trees.items() for n in module_containers(t)}
    readers: dict[tuple[str, str], set[str]] = {}
    mutated: dict[tuple[str, str], list[str]] = {}
    for mod, tree in trees.items():
        names, mods = _imports(tree)
        for ref in names.values():
            if ref in containers:
                readers.setdefault(ref, set()).add(mod)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in mods:
                ref = (mods[node.value.id], node.attr)
                if ref in containers and ref[0] != mod:
                    readers.setdefault(ref, set()).add(mod)
        for m, n, line in _runtime_mutations(mod, tree, names, mods):
            if (m, n) in containers:
                mutated.setdefault((m, n), []).append(f"{mod}:{line}")
    return [
        f"{m}.{n}: changed at {', '.join(where)}; read by {sorted(readers.get((m, n), set()) - {m}) or 'none'}"
        for (m, n), where in sorted(mutated.items())
        if any(not w.startswith(f"{m}:") for w in where) or readers.get((m, n), set()) - {m}
    ]


def test_no_module_level_mutable_state_shared_between_modules() -> None:
    shared = shared_mutable_state()
    assert not shared, "module-level state shared between modules:\n" + "\n".join(shared)


def test_the_scan_finds_shared_containers() -> None:
    """The scan itself: a dict one module fills at run time and another reads, and a dict another module
    changes through the module's name, are found; a lookup table only read is not."""
    trees = {
        "pkg.a": ast.parse("STATE: dict = {}\nTABLE = {'x': 1}\ndef put(k, v):\n    STATE[k] = v\n"),
        "pkg.b": ast.parse("from pkg.a import STATE, TABLE\ndef get(k):\n    return STATE.get(k), TABLE[k]\n"),
        "pkg.c": ast.parse("from pkg import d\ndef bump():\n    d.COUNTS.update(n=1)\n"),
        "pkg.d": ast.parse("COUNTS = dict()\n"),
    }
    assert shared_mutable_state(trees) == [
        "pkg.a.STATE: changed at pkg.a:4; read by ['pkg.b']",
        "pkg.d.COUNTS: changed at pkg.c:3; read by ['pkg.c']",
    ]


def test_environment_parsed_in_one_place() -> None:
    """The STO_* variables of the runner's settings are read by pipeline/settings.py alone (the SEOR inventory
    override variables, read by assets/seor/mapping.py, are the one other place)."""
    readers = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            text = p.read_text(encoding="utf-8")
            for var in ("STO_OUT", "STO_MIRROR", "STO_ONLINE", "STO_OFFLINE", "STO_CACHE"):
                if f'"{var}"' in text or f"'{var}'" in text:
                    readers.setdefault(var, set()).add(str(p.relative_to(ROOT)))
    assert readers and all(files == {"pipeline/settings.py"} for files in readers.values()), readers
