"""The report takes its constants from the configuration, never re-derives them (issue #17 item 4)."""

from __future__ import annotations

import math
import re
from pathlib import Path

from pipeline.config import default_config

REPORT = Path(__file__).resolve().parents[1] / "pipeline" / "report"


def test_no_config_constant_is_a_literal_in_the_report() -> None:
    cfg = default_config()
    unknown = str(cfg.monitoring["unknown_scope_code"])
    radius = str(cfg.pipeline["geocoding"]["earth_radius_km"])
    found = [
        f"{p.relative_to(REPORT)}:{i}: {line.strip()}"
        for p in sorted(REPORT.rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(rf"'{unknown}'|\"{unknown}\"|{re.escape(radius)}|\b6371\b", line)
    ]
    assert not found, "constants of the configuration re-derived in the report:\n" + "\n".join(found)


def test_circle_measures_with_the_given_earth_radius() -> None:
    from pipeline.report.sections.geomap import circle

    lons, lats = circle(52.0, 5.0, 10.0, 6371.0088)
    # due north (bearing 0) the first point lies 10 km / R radians away
    assert math.isclose(lats[0] - 52.0, math.degrees(10.0 / 6371.0088), rel_tol=1e-9)
    _, lats2 = circle(52.0, 5.0, 10.0, 2 * 6371.0088)
    assert math.isclose(lats2[0] - 52.0, (lats[0] - 52.0) / 2, rel_tol=1e-9)
