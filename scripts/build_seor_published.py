"""Build data_raw/published/seor2023_tables.csv: every published number of SEOR 2023 tables 2.1-4.6.

Why: the reconciliation mart compares the pipeline's SEOR marts with the report; the repository carries
its own curated copy of the report's figures (one row per number, with the row label as printed and the
category code of assets/seor/config/seor.yaml), generated from the distilled specification so that a
transcription error cannot creep in by hand. Known internal inconsistencies of the report (a table-4
total column that disagrees with the table-3 figure) are detected by a rule, not typed in: for a
single-valued dimension the figure whose categories sum to the number of initiatives is the consistent
one; the other is flagged `known_inconsistency` with a note naming the figure the pipeline reproduces.

Tables 5.1/5.2 (vmbo profile supply around the campuses, DUO peiljaar 2022) go to their own file,
data_raw/published/seor2023_table5.csv (one row per campus × measure, with the peiljaar they belong to), compared
with marts.profile_supply_campus in marts.reconciliation_seor_supply.

    python scripts/build_seor_published.py [--spec ../shared/spec/seor2023_tables.json] [--out FILE] [--table5-out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "spec" / "seor2023_tables.json"
DEFAULT_OUT = ROOT / "data_raw" / "published" / "seor2023_tables.csv"
DEFAULT_TABLE5_OUT = ROOT / "data_raw" / "published" / "seor2023_table5.csv"
TABLE5_COLUMNS = [
    "figure_id",
    "source",
    "table_id",
    "measure",
    "campus_code",
    "peiljaar",
    "radius_km",
    "value",
    "unit",
    "note",
]
# printed measure keys of tables 5.1 → measure names of marts.profile_supply_campus (monitoring.yaml profile_supply)
TABLE5_MEASURES = {"some_techniek": "any_techniek", "hard_techniek_BWI_PIE_MT_MT": "hard_techniek"}
CONFIG = ROOT / "assets" / "seor" / "config" / "seor.yaml"
COLUMNS = [
    "figure_id",
    "source",
    "source_url",
    "table_id",
    "row_label",
    "column_label",
    "indicator",
    "dimension",
    "category",
    "campus_code",
    "peiljaar",
    "value",
    "unit",
    "known_inconsistency",
    "note",
]
TOTAL = "TOTAL"


def _norm(label: str) -> str:
    return " ".join(label.replace("\u2013", "-").split()).lower()


def label_index(cfg: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per dimension: normalised printed label (and aliases) → category code."""
    out: dict[str, dict[str, str]] = {}
    for dim, d in cfg["dimensions"].items():
        idx = {_norm(cfg["total_label"]): cfg["total_label"]}
        for c in d["categories"]:
            for lab in [c["label"], *c.get("aliases", [])]:
                idx[_norm(lab)] = str(c["code"])
        out[dim] = idx
    return out


def _code(idx: dict[str, str], label: str, where: str) -> str:
    try:
        return idx[_norm(label)]
    except KeyError:
        raise SystemExit(f"{where}: printed label {label!r} has no category in {CONFIG} (add it or an alias)") from None


def build_rows(spec: dict[str, Any], cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per published number of tables 2.1, 2.2, 3.1-3.6 and 4.1-4.6."""
    source = spec["source"]
    peiljaar = int(cfg["reconciliation"]["peiljaar"])
    idx = label_index(cfg)
    total_label = cfg["total_label"]
    rows: list[dict[str, Any]] = []

    row_no: dict[tuple[str, str], int] = {}

    def add(table: str, row_label: str, col: str, dim: str, cat: str, campus: str, value: Any, ind: str) -> None:
        no = row_no.setdefault((table, row_label), sum(t == table for t, _ in row_no) + 1)
        rows.append(
            {
                "figure_id": f"seor2023-{table}-r{no:02d}-{campus}",
                "source": source,
                "source_url": "",
                "table_id": table,
                "row_label": row_label,
                "column_label": col,
                "indicator": ind,
                "dimension": dim,
                "category": cat,
                "campus_code": campus,
                "peiljaar": peiljaar,
                "value": value,
                "unit": "count",
                "known_inconsistency": False,
                "note": "",
            }
        )

    for no, (label, n) in enumerate(spec["tabel_2_1_funnel"], start=1):
        add("tabel_2_1", label, "aantal", "funnel", str(no), TOTAL, n, f"tabel_2_1/step_{no}")
    for campus, n in spec["tabel_2_2_per_campus"].items():
        add("tabel_2_2", campus, "aantal initiatieven", "reach", "n_initiatives", campus, n, f"tabel_2_2/{campus}")

    dims = list(cfg["dimensions"].items())
    for dim, d in dims:
        t3, t4 = d["tables"]
        t3_key, t4_key = t3, "Tabel " + t4.removeprefix("tabel_").replace("_", ".")
        for label, n in spec[t3_key].items():
            add(t3, label, "totaal", dim, _code(idx[dim], label, t3), TOTAL, n, f"{t3}/{label}")
        for label, cols in spec["tabellen_4"][t4_key].items():
            cat = _code(idx[dim], label, t4)
            for col, n in cols.items():
                campus = TOTAL if col == "total" else col
                add(t4, label, col, dim, cat, campus, n, f"{t4}/{label}/{campus}")
    flag_inconsistencies(rows, spec, cfg, total_label)
    return rows


def flag_inconsistencies(
    rows: list[dict[str, Any]], spec: dict[str, Any], cfg: dict[str, Any], total_label: str
) -> None:
    """Flag table-4 total figures that disagree with table 3 (rule in the module docstring)."""
    by = {(r["table_id"], r["category"], r["campus_code"]): r for r in rows}
    for d in cfg["dimensions"].values():
        t3, t4 = d["tables"]
        cats = [str(c["code"]) for c in d["categories"] if "rollup_of_all_except" not in c]
        n_total = by[(t4, total_label, TOTAL)]["value"]
        for cat in cats:
            r3, r4 = by.get((t3, cat, TOTAL)), by.get((t4, cat, TOTAL))
            if r3 is None or r4 is None or r3["value"] == r4["value"]:
                continue
            if d["multi_valued"]:
                for r, other in ((r3, r4), (r4, r3)):
                    r["known_inconsistency"] = True
                    r["note"] = (
                        f"{r['table_id']} gives {r['row_label']} {r['value']}, {other['table_id']} gives "
                        f"{other['value']}; a multi-valued dimension cannot tell which is right"
                    )
                continue
            s3 = sum(by[(t3, c, TOTAL)]["value"] for c in cats if (t3, c, TOTAL) in by)
            s4 = sum(by[(t4, c, TOTAL)]["value"] for c in cats if (t4, c, TOTAL) in by)
            good, bad, s_good, s_bad = (r3, r4, s3, s4) if s3 == n_total else (r4, r3, s4, s3)
            report_note = spec.get(f"{bad['table_id']}_note") or spec.get(f"{good['table_id']}_note") or ""
            bad["known_inconsistency"] = True
            bad["note"] = (
                f"the report's {bad['table_id']} total column gives {bad['row_label']} {bad['value']} (its rows sum "
                f"to {s_bad}, not the {n_total} initiatives) while {good['table_id']} gives {good['value']} (rows sum "
                f"to {s_good}); the pipeline reproduces {good['table_id']} = {good['value']}"
                + (f". Report check: {report_note}" if report_note else "")
            )
            good["note"] = (
                f"reproduced figure; the report's {bad['table_id']} total column gives {bad['value']} "
                f"(known inconsistency of the report)"
            )


def build_table5_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per published percentage of tables 5.1 (any / hard techniek) and 5.2 (each profile), with the
    DUO peiljaar they were computed from (`tabel_5_peiljaar`) and the radius (`radius_km`)."""
    peiljaar, radius = int(spec["tabel_5_peiljaar"]), float(spec["radius_km"])
    rows: list[dict[str, Any]] = []
    tables = (
        ("tabel_5_1", spec["tabel_5_1_pct_students_vmbo_bkg_within_10km"], TABLE5_MEASURES),
        ("tabel_5_2", spec["tabel_5_2_pct_students_at_location_offering_profile"], {}),
    )
    for table, measures, names in tables:
        for key, per_campus in measures.items():
            measure = names.get(key, key)
            for campus, value in per_campus.items():
                rows.append(
                    {
                        "figure_id": f"seor2023-{table}-{measure}-{campus}",
                        "source": spec["source"],
                        "table_id": table,
                        "measure": measure,
                        "campus_code": campus,
                        "peiljaar": peiljaar,
                        "radius_km": radius,
                        "value": value,
                        "unit": "pct",
                        "note": spec.get("tabel_5_note", ""),
                    }
                )
    return rows


def _write(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--table5-out", type=Path, default=DEFAULT_TABLE5_OUT)
    args = p.parse_args(argv)
    if not args.spec.exists():
        print(f"{args.spec}: specification not found (give --spec)", file=sys.stderr)
        return 2
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    rows = build_rows(spec, cfg)
    _write(args.out, COLUMNS, rows)
    flagged = sum(r["known_inconsistency"] for r in rows)
    print(f"wrote {len(rows)} published figures ({flagged} flagged known_inconsistency) to {args.out}")
    t5 = build_table5_rows(spec)
    _write(args.table5_out, TABLE5_COLUMNS, t5)
    print(f"wrote {len(t5)} published figures of tables 5.1/5.2 to {args.table5_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
