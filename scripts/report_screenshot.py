"""Screenshots of the offline report in headless Debian Chromium (for the README and docs/).

    python scripts/report_screenshot.py [--out data_out] [--copy docs/report_screenshot.png] [--sections docs]

Reads <out>/report/index.html (written by `sto run` / `sto report`), checks it renders with no console
error, writes <out>/report/screenshot.png (the page top) and, with --copy, a copy for the README. With
--sections DIR, one viewport screenshot (1280 px wide) scrolled to each of the targets, reconciliation,
techniekarm and map sections: DIR/report_<section>.png. Exit 2 when the report or the browser is missing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import browser  # noqa: E402

SECTIONS = {"targets": "targets", "published-figures": "reconciliation", "sto": "techniekarm", "map": "map"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "data_out")
    p.add_argument("--copy", type=Path, default=None)
    p.add_argument("--sections", type=Path, default=None, help="folder for one screenshot per key section")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=1400)
    args = p.parse_args(argv)
    page = args.out / "report" / "index.html"
    reason = browser.available()
    if not page.exists() or reason:
        print(f"cannot take the screenshot: {reason or f'no report at {page}'}", file=sys.stderr)
        return 2
    shots = {sid: args.sections / f"report_{name}.png" for sid, name in SECTIONS.items()} if args.sections else None
    seen = browser.check_page(
        page, args.out / "report" / "screenshot.png", width=args.width, height=args.height, sections=shots
    )
    print(f"{len(seen.charts)} charts drawn, {len(seen.console_errors)} console errors; wrote {seen.screenshot}")
    for sid, png in seen.section_shots.items():
        print(f"section {sid}: {png}")
    if args.copy:
        shutil.copyfile(seen.screenshot, args.copy)
        print(f"copied to {args.copy}")
    return 0 if not seen.console_errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
