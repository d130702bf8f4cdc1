"""Located messages of a refused configuration value: `<file> line <n>: <key path>: <what is wrong>;
found <value>; allowed: <...>; did you mean <...>?`, built from a pydantic error (`_message`), with the
helpers pipeline/place_names.py reuses (`did_you_mean`, `key_path`, `line_of`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from pipeline.config_schema.base import REFERENCES


def did_you_mean(value: Any, allowed: Iterable[Any], key: Callable[[str], str] = str.lower) -> list[str]:
    """Up to three allowed values close to `value` (difflib, compared case-insensitively)."""
    options = {key(str(a)): str(a) for a in allowed}
    return [options[m] for m in difflib.get_close_matches(key(str(value)), list(options), n=3, cutoff=0.6)]


def _display(path: Path) -> str:
    from pipeline.paths import PROJECT_ROOT

    p = Path(path)
    try:
        return str(p.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(p)


def key_path(loc: Iterable[Any]) -> str:
    """('techniek_share', 'indicators', 0, 'onderwijstypes', 2) → 'techniek_share.indicators[0].onderwijstypes[2]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _loc(loc: tuple, sub: str | None) -> tuple:
    """The error's location plus a sub-path given by a validator ('numerator.profile_flag', '[3].code')."""
    out = list(loc)
    for m in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", sub or ""):
        out.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
    return tuple(out)


def _value_at(data: Any, loc: tuple) -> Any:
    for k in loc:
        if isinstance(data, dict) and k in data:
            data = data[k]
        elif isinstance(data, list) and isinstance(k, int) and k < len(data):
            data = data[k]
        else:
            return None
    return data


def _label(data: Any, loc: tuple) -> str:
    """' (id: vmbo_bkg_lj3_techniek)' for a location inside a list item that has an id or code."""
    node = data
    label = ""
    for k in loc:
        node = (
            node[k]
            if isinstance(node, dict) and k in node
            else (node[k] if isinstance(node, list) and isinstance(k, int) and k < len(node) else None)
        )
        if isinstance(k, int) and isinstance(node, dict):
            for key in ("id", "code", "label"):
                if isinstance(node.get(key), str | int):
                    label = f" ({key}: {node[key]})"
                    break
        if node is None:
            break
    return label


def line_of(path: Path, loc: tuple) -> int | None:
    """The line (1-based, as an editor shows it) of the key or item at `loc` in the YAML file."""
    try:
        node = yaml.compose(
            Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except Exception:
        return None
    line = None
    for k in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((kn, vn) for kn, vn in node.value if kn.value == str(k)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and k < len(node.value):
            node = node.value[k]
            line = node.start_mark.line + 1
        else:
            break
    return line if line is not None else (1 if not loc else None)


def _message(path: Path, data: Any, err: dict[str, Any], refs: dict[str, list[Any]]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    loc = _loc(tuple(err["loc"]), ctx.get("sub"))
    if kind == "unknown_key":
        loc = (*loc, ctx["key"])
    if kind == "invalid":  # a rule over several keys: show a value only where the rule names one
        value = _value_at(data, loc) if "sub" in ctx else None
        value = ctx.get("value") if value is None else value
    else:
        value = _value_at(data, loc) if ("sub" in ctx or kind == "unknown_ref") else err.get("input")
    line = line_of(path, loc)
    where = f"{_display(path)}{f' line {line}' if line else ''}: {key_path(loc) or '(top level)'}{_label(data, loc)}"
    if kind == "unknown_ref":
        what, source, _ = REFERENCES[ctx["kind"]]
        allowed = [a for a in refs.get(ctx["kind"], []) if a is not None]
        hint = did_you_mean(value, allowed)
        return f"{where}: unknown {what} {_fmt(value)}; allowed ({source}): {', '.join(map(str, allowed))}" + (
            f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        )
    if kind == "unknown_key":
        allowed = [a for a in ctx.get("allowed", []) if a]
        hint = did_you_mean(ctx["key"], allowed)
        return f"{where}: unknown key {ctx['key']!r}; allowed keys: {', '.join(allowed)}" + (
            f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        )
    if kind == "missing":
        parent = loc[:-1]
        pline = line_of(path, parent)
        return (
            f"{_display(path)}{f' line {pline}' if pline else ''}: {key_path(parent) or '(top level)'}"
            f"{_label(data, parent)}: missing key {loc[-1]!r}"
        )
    if kind == "duplicate":
        return (
            f"{where}: duplicate {ctx['what']} {_fmt(ctx['value'])} (also in item [{ctx['first']}]); "
            f"expected unique {ctx['what']}{'' if ctx['what'].endswith('s') else 's'}"
        )
    if kind == "invalid":
        return f"{where}: " + (f"found {_fmt(value)}; " if value is not None else "") + ctx["detail"]
    expected = re.sub(r"^(Input|String|List|Dictionary|Value) should (be |have )?", "", err["msg"])
    expected = expected.replace("match pattern", "text matching the pattern")
    return f"{where}: found {_fmt(value)}; expected {expected}"
