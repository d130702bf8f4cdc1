"""Generate the small SYNTHETIC sample dataset in ``data_raw/sample/``.

Every school, name, address, postcode, coordinate and count written by this script is invented. No row
of a real DUO or GeoNames file is copied: the real files were only read by a person to mimic their
formats (header spelling, encodings, separators, label texts). The files carry the official DUO /
GeoNames file names so that the pipeline's fetch layer finds them as if the folder were a mirror.

The output is deterministic: a fixed seed, only the standard library, and fixed zip timestamps, so two
runs give byte-identical files. The script only writes (overwrites) the files listed in
``GENERATED_FILES``; nothing else in the output folder is touched.

Usage::

    python -m tools.sample            # writes data_raw/sample/
    python -m tools.sample --out DIR  # writes DIR/
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

from tools.sample.common import (
    ADDRESS_FILE,
    DEFAULT_OUT,
    EXAM_NEW_FILE,
    EXAM_OLD_FILE,
    GENERATED_FILES,
    HOME_FILE,
    NL_FULL_FILE,
    NL_PC4_FILE,
    OVERRIDE_FILE,
    PEILJAREN,
    POINTS_FILE,
    PUPIL_FILE,
    README_FILE,
    SEED,
)
from tools.sample.exams import build_exams, exam_new_bytes, exam_old_bytes
from tools.sample.files import (
    address_file_bytes,
    extra_primary_points,
    geonames_bytes,
    override_bytes,
    points_zip_bytes,
    pupil_file_bytes,
)
from tools.sample.home import design_homes, home_file_bytes
from tools.sample.mbo import build_mbo
from tools.sample.model import build_locations, build_pupils
from tools.sample.readme import Summary, _distance_summary, _events_text, _pupil_totals, readme_text


def generate(out_dir: Path) -> Summary:
    """Generate every sample file into ``out_dir`` and return a summary of the design."""
    rng = random.Random(SEED)
    locations = build_locations(rng)
    sample = build_pupils(rng, locations)
    used_brin = {loc.brin for loc in locations}
    sample.extra_points = extra_primary_points(rng, used_brin)
    contents: dict[str, bytes] = {}
    for year in PEILJAREN:
        contents[PUPIL_FILE.format(year=year)] = pupil_file_bytes(sample, year)
    contents[ADDRESS_FILE] = address_file_bytes(sample)
    contents[NL_FULL_FILE], contents[NL_PC4_FILE] = geonames_bytes(rng, sample)
    homes = design_homes(sample, contents[NL_PC4_FILE])  # own random stream: the other files are unchanged
    for year in PEILJAREN:
        contents[HOME_FILE.format(year=year)] = home_file_bytes(sample, homes, year)
    contents[POINTS_FILE], point_codes = points_zip_bytes(rng, sample)
    contents[OVERRIDE_FILE] = override_bytes(sample)
    exams_old = build_exams(rng, sample, new_layout=False)
    exams_new = build_exams(rng, sample, new_layout=True)
    contents[EXAM_OLD_FILE] = exam_old_bytes(exams_old)
    contents[EXAM_NEW_FILE] = exam_new_bytes(exams_new)
    mbo_files, mbo_summary = build_mbo(SEED, sample)  # its own random stream: the vo files stay as they were
    contents.update(mbo_files)

    roles = ("missing_address", "pc4_only", "override", "new_2022", "closed_after_2021")
    edge = {role: [loc.code for loc in locations if loc.spec.role == role] for role in roles}
    edge["home_pc4_unplaced"] = [f"{homes.unplaced[0]} (PC4 {homes.unplaced[1]})"] if homes.unplaced else []
    edge["renamed_2023"] = [loc.code for loc in locations if loc.spec.name_2023]
    address_locs = [loc for loc in locations if loc.spec.role != "missing_address"]
    bands, boundary = _distance_summary(address_locs)
    summary = Summary(
        edge_cases=edge,
        pupil_totals={y: _pupil_totals(sample.pupils[y]) for y in PEILJAREN},
        rows_per_year={y: len(sample.pupils[y]) for y in PEILJAREN},
        locations_per_year={y: len({r.loc.code for r in sample.pupils[y]}) for y in PEILJAREN},
        n_locations=len(locations),
        n_address_rows=len(address_locs),
        n_points=len(point_codes),
        distance_bands=bands,
        boundary=boundary,
        events=_events_text(sample),
        exam_locations=len({r.loc.code for r in exams_new}),
        exam_rows=(len(exams_old), len(exams_new)),
        mbo=mbo_summary,
    )
    sizes = {name: len(data) for name, data in contents.items()}
    contents[README_FILE] = readme_text(summary, sizes).encode("utf-8")

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in GENERATED_FILES:
        (out_dir / name).write_bytes(contents[name])
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    summary = generate(args.out)
    total = 0
    for name in GENERATED_FILES:
        size = (args.out / name).stat().st_size
        total += size
        print(f"{size:>9,}  {args.out / name}")
    print(f"{total:>9,}  total")
    for role, codes in summary.edge_cases.items():
        print(f"{role}: {', '.join(codes)}")
    for y in PEILJAREN:
        print(f"{y}: {summary.rows_per_year[y]} rows, pupils {summary.pupil_totals[y]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
