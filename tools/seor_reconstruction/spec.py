"""The published tables (seor2023_tables.json) as code-keyed targets, and their internal inconsistencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tools.seor_reconstruction.common import AGGREGATE_LABELS, DIMENSIONS, LABEL_CODE_EXCEPTIONS, NATIONAL


def norm_label(label: str) -> str:
    """Normalise a published row label so table 3.x and 4.x spellings can be matched."""
    s = label.lower().replace("voortgezet onderwijs – ", "vo ")
    return re.sub(r"\s+", "", s)


def label_to_code(dim: str, label: str) -> str:
    """Inventory code for a published table-3 label ("Vmbo" -> "vmbo", ...)."""
    if dim == "geography":
        return label
    return LABEL_CODE_EXCEPTIONS.get(label, label.lower())


@dataclass
class Targets:
    """Published per-campus and total counts per dimension and code."""

    campuses: list[str]
    labels: dict[str, dict[str, str]]  # dim -> code -> published label (table 3.x)
    per_campus: dict[str, dict[str, dict[str, int]]]  # dim -> code -> campus -> count
    total: dict[str, dict[str, int]]  # dim -> code -> total (table 3.x)
    table4_total: dict[str, dict[str, int]]  # dim -> code -> 'total' column of table 4.x
    table4_labels: dict[str, dict[str, str]]  # dim -> code -> table 4.x label
    local_total: int
    local_per_campus: dict[str, int]
    per_campus_total: dict[str, int]


def load_targets(spec: dict[str, Any]) -> Targets:
    """Read tables 2.2, 3.x and 4.x into code-keyed targets (4.x rows matched by label)."""
    campuses = [c["code"] for c in spec["campuses"]]
    labels: dict[str, dict[str, str]] = {}
    per_campus: dict[str, dict[str, dict[str, int]]] = {}
    total: dict[str, dict[str, int]] = {}
    t4_total: dict[str, dict[str, int]] = {}
    t4_labels: dict[str, dict[str, str]] = {}
    for dim, (k3, k4, _single) in DIMENSIONS.items():
        t3, t4 = spec[k3], spec["tabellen_4"][k4]
        by_norm = {norm_label(lab): lab for lab in t4}
        labels[dim], per_campus[dim], total[dim] = {}, {}, {}
        t4_total[dim], t4_labels[dim] = {}, {}
        for lab, value in t3.items():
            if lab in AGGREGATE_LABELS:
                continue
            code = label_to_code(dim, lab)
            lab4 = by_norm.get(norm_label(lab))
            if lab4 is None:
                raise SystemExit(f"table {k4} has no row for {k3} label {lab!r}")
            row = t4[lab4]
            labels[dim][code] = lab
            total[dim][code] = int(value)
            per_campus[dim][code] = {c: int(row[c]) for c in campuses}
            t4_total[dim][code] = int(row["total"])
            t4_labels[dim][code] = lab4
    lokaal = spec["tabellen_4"]["Tabel 4.1"]["Lokaal"]
    return Targets(
        campuses=campuses,
        labels=labels,
        per_campus=per_campus,
        total=total,
        table4_total=t4_total,
        table4_labels=t4_labels,
        local_total=int(spec["tabel_3_1"]["Lokaal"]),
        local_per_campus={c: int(lokaal[c]) for c in campuses},
        per_campus_total={c: int(v) for c, v in spec["tabel_2_2_per_campus"].items()},
    )


def consistency_report(spec: dict[str, Any], targets: Targets) -> list[str]:
    """Every internal inconsistency between the published tables (printed, not fixed)."""
    issues: list[str] = []
    camp = targets.campuses
    funnel = [n for _, n in spec["tabel_2_1_funnel"]]
    n_additions = len(spec["additions_urls"]) - 1 + len(spec["jinc_split"])
    if funnel[3] + n_additions != funnel[4]:
        issues.append(f"table 2.1: {funnel[3]} + {n_additions} additions != {funnel[4]}")
    for dim, (k3, k4, single) in DIMENSIONS.items():
        t4 = spec["tabellen_4"][k4]
        for code, lab in targets.labels[dim].items():
            if targets.total[dim][code] != targets.table4_total[dim][code]:
                issues.append(
                    f"{k4} row {targets.table4_labels[dim][code]!r}: total column "
                    f"{targets.table4_total[dim][code]} != {k3} {lab!r} "
                    f"{targets.total[dim][code]}"
                )
        tot = t4["Totaal"]
        for c in camp:
            if tot[c] != targets.per_campus_total[c]:
                issues.append(f"{k4} Totaal {c} {tot[c]} != table 2.2 {targets.per_campus_total[c]}")
            if single:
                s = sum(targets.per_campus[dim][code][c] for code in targets.labels[dim])
                if s != tot[c]:
                    issues.append(f"{k4}: column {c} sums to {s}, Totaal says {tot[c]}")
            for code in targets.labels[dim]:
                if targets.per_campus[dim][code][c] > tot[c]:
                    issues.append(f"{k4} {code} {c} exceeds the column total")
        if single:
            s = sum(targets.total[dim].values())
            s4 = sum(targets.table4_total[dim].values())
            if s != funnel[-1]:
                issues.append(f"{k3} sums to {s}, not {funnel[-1]}")
            if s4 != tot["total"]:
                issues.append(f"{k4} total column sums to {s4}, Totaal says {tot['total']}")
        if tot["total"] != funnel[-1]:
            issues.append(f"{k4} Totaal total {tot['total']} != {funnel[-1]}")
    sub = sum(v for k, v in targets.total["geography"].items() if k != NATIONAL)
    if sub != targets.local_total:
        issues.append(f"table 3.1: Lokaal {targets.local_total} != sum of organiser types {sub}")
    lokaal = spec["tabellen_4"]["Tabel 4.1"]["Lokaal"]
    for c in camp + ["total"]:
        s = sum(
            spec["tabellen_4"]["Tabel 4.1"][targets.table4_labels["geography"][k]][c]
            for k in targets.labels["geography"]
            if k != NATIONAL
        )
        if s != lokaal[c]:
            issues.append(f"Tabel 4.1 Lokaal {c} {lokaal[c]} != sum of organiser types {s}")
    return issues


def load_campuses(spec: dict[str, Any], coords_csv: Path) -> dict[str, tuple[float, float]]:
    """Campus code -> (lat, lon), joining the spec campuses on postcode to the coordinate table."""
    table = pd.read_csv(coords_csv, dtype=str)
    by_pc = {r.postcode_given.replace(" ", ""): r for r in table.itertuples()}
    out: dict[str, tuple[float, float]] = {}
    for c in spec["campuses"]:
        row = by_pc.get(c["postcode"].replace(" ", ""))
        if row is None:
            raise SystemExit(f"no coordinates for campus {c['code']} ({c['postcode']})")
        out[c["code"]] = (float(row.lat), float(row.lon))
    return out
