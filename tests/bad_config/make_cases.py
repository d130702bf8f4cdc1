"""Build the configuration corpus: one directory per case, a copy of pipeline/config/ (and data_raw/sources.yaml)
with ONE small patch.

Usage:
    python tests/bad_config/make_cases.py OUT_DIR [--only CASE_ID ...]

writes OUT_DIR/<id>/config/*.yaml and OUT_DIR/<id>/sources.yaml. The specifications live in `cases.yaml` next
to this script. A patch is one or more of (applied in this order):

* `replace: [[old, new], ...]`  text edits of the file (each `old` must occur exactly once); comments and line
  numbers of the rest of the file stay, and `{line}` in the expected fragments is the line of the first edit;
* `set: {key.path[0].x: value}` set a value (the YAML is re-written: comments are lost);
* `set_each: {list.path: {key: value}}` set keys in every item of a list;
* `delete: [key.path, ...]`     remove a key or list item;
* `rename: {key.path: new_key}` rename a key (keeps its value and position).

Key paths use the notation of the messages: `techniek_share.indicators[0].onderwijstypes[2]`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import copy_config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = ROOT / "data_raw" / "sources.yaml"
SPEC_FILE = HERE / "cases.yaml"


def load_specs(path: Path = SPEC_FILE) -> list[dict[str, Any]]:
    """The case specifications, each with a unique `id`."""
    specs = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ids = [s["id"] for s in specs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"{path}: duplicate case ids {dup}")
    return specs


def parse_path(path: str) -> list[str | int]:
    """'a.b[0].c' → ['a', 'b', 0, 'c']."""
    return [
        int(m.group(1)) if m.group(1) is not None else m.group(2) for m in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", path)
    ]


def _parent(data: Any, path: str) -> tuple[Any, str | int]:
    keys = parse_path(path)
    node = data
    for k in keys[:-1]:
        node = node[k]
    return node, keys[-1]


def patch_file(path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Apply the patch of `spec` to the YAML file `path`; returns facts for the expected messages."""
    facts: dict[str, Any] = {}
    text = path.read_text(encoding="utf-8")
    for old, new in spec.get("replace") or []:
        n = text.count(old)
        if n != 1:
            raise ValueError(f"{spec['id']}: {old!r} occurs {n} times in {path.name}, expected once")
        facts.setdefault("line", text[: text.index(old)].count("\n") + 1)
        text = text.replace(old, new)
    if spec.get("set") or spec.get("set_each") or spec.get("delete") or spec.get("rename"):
        data = yaml.safe_load(text)
        for p, value in (spec.get("set") or {}).items():
            node, key = _parent(data, p)
            node[key] = value
        for p, values in (spec.get("set_each") or {}).items():
            node, key = _parent(data, p)
            for item in node[key]:
                item.update(values)
        for p in spec.get("delete") or []:
            node, key = _parent(data, p)
            del node[key]
        for p, new_key in (spec.get("rename") or {}).items():
            node, key = _parent(data, p)
            items = [(new_key if k == key else k, v) for k, v in node.items()]
            node.clear()
            node.update(items)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)
    path.write_text(text, encoding="utf-8")
    return facts


def build_case(spec: dict[str, Any], out_root: Path) -> tuple[Path, Path, dict[str, Any]]:
    """OUT/<id>/config (a flat copy of every configuration file) and OUT/<id>/sources.yaml with the patch applied.
    Returns (config_dir, sources_file, facts)."""
    case_dir = out_root / spec["id"]
    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True)
    config_dir = case_dir / "config"
    copy_config(config_dir)
    sources = case_dir / "sources.yaml"
    shutil.copyfile(SOURCES, sources)
    target = sources if spec["file"] == "sources.yaml" else config_dir / spec["file"]
    facts = patch_file(target, spec)
    return config_dir, sources, facts


def expected(spec: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    """The message fragments of a case with `{line}` filled in."""
    return [str(f).format(**facts) for f in spec.get("expect") or []]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--only", nargs="+")
    args = p.parse_args(argv)
    specs = [s for s in load_specs() if not args.only or s["id"] in args.only]
    for s in specs:
        print(build_case(s, args.out)[0])
    print(f"{len(specs)} case(s) written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
