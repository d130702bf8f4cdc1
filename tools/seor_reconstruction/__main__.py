"""Build the bundled "SEOR 2023 reconstruction" inventory (data_raw/seor2023) from the published tables.

Run from the repository root:  python -m tools.seor_reconstruction [--spec ..] [--campus-coords ..] [--out DIR]
(README.md beside this file says what it builds and how).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from tools.seor_reconstruction.common import (
    DEFAULT_CAMPUS_COORDS,
    DEFAULT_OUT,
    DEFAULT_SPEC,
    MARGIN_KM,
    OUTPUT_FILES,
    SEED,
)
from tools.seor_reconstruction.geometry import Geometry
from tools.seor_reconstruction.rows import Builder
from tools.seor_reconstruction.spec import Targets, consistency_report, load_campuses, load_targets
from tools.seor_reconstruction.verify import margin_report, run_pipeline, verify
from tools.seor_reconstruction.writers import write_outputs


def build(spec: dict[str, Any], geo: Geometry, targets: Targets) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every inventory row (selected, concentrated, removed) and the synthetic participating schools."""
    funnel = [n for _, n in spec["tabel_2_1_funnel"]]
    b = Builder(spec, geo, targets, SEED)
    items = b.selected_items()
    b.add_selected(items)
    b.add_concentration(items, n_extra=funnel[4] - funnel[5])
    b.add_dropped_by_reach(funnel[5] - funnel[6])
    b.add_duplicates(funnel[2] - funnel[3])
    b.add_removed_early(funnel[0] - funnel[1], funnel[1] - funnel[2])
    df = b.assign_ids()
    schools = pd.DataFrame(b.school_rows, columns=["code", "name", "lat", "lon"])
    n_inv = int((df["provenance"] == "inventory").sum())
    if n_inv != funnel[0]:
        raise SystemExit(f"built {n_inv} inventory rows, table 2.1 starts at {funnel[0]}")
    return df, schools


def check_outputs(
    out: Path, spec: dict[str, Any], targets: Targets, geo: Geometry, campus_coords: Path
) -> tuple[list[str], list[int], pd.DataFrame, pd.DataFrame]:
    """Re-read the written files, run the pipeline's SEOR assets on them and compare with every published figure."""
    written = pd.read_csv(out / "inventory.csv", dtype=str, keep_default_na=False)
    schools = pd.read_csv(out / "participating_schools.csv", dtype={"code": str, "name": str})
    xlsx = pd.read_excel(out / "inventory.xlsx", sheet_name="inventaris", dtype=str).fillna("")
    counts, sel, campuses, failures = run_pipeline(out, campus_coords)
    errors = failures + verify(counts, sel, spec, targets, geo, campuses)
    if not xlsx.equals(written):
        errors.append("inventory.xlsx differs from inventory.csv")
    return errors, counts, sel, schools


def main(argv: list[str] | None = None) -> int:
    """Build, verify (through the pipeline) and write the reconstruction."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    ap.add_argument("--campus-coords", type=Path, default=DEFAULT_CAMPUS_COORDS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    targets = load_targets(spec)
    campuses = load_campuses(spec, args.campus_coords)
    geo = Geometry(campuses, float(spec["radius_km"]))
    issues = consistency_report(spec, targets)
    df, schools = build(spec, geo, targets)

    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        write_outputs(staging, df, schools, targets)
        errors, counts, sel, wschools = check_outputs(staging, spec, targets, geo, args.campus_coords)
        via_school_only = sel[sel["only_via_school"].fillna(False).astype(bool)]
        if len(via_school_only) < 2:
            errors.append("fewer than 2 selected initiatives are kept only via participating schools")
        print(f"funnel (pipeline SQL): {' -> '.join(map(str, counts))}")
        print(f"kept only via participating schools: {', '.join(via_school_only['name'])}")
        print("spec inconsistencies (reproduced: table 3.x totals and the 4.x per-campus columns):")
        for issue in issues:
            print(f"  - {issue}")
        print(f"locations closer than {MARGIN_KM:g} km to a 5/10/15 km boundary:")
        for line in margin_report(df, wschools, geo):
            print(f"  - {line}")
        if errors:
            print("NOT REPRODUCED (nothing written):", *errors, sep="\n  - ", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:
            shutil.copyfile(staging / name, args.out / name)
    print(f"all published tables reproduced; wrote {', '.join(OUTPUT_FILES)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
