"""Great-circle distance for the generators, on the pipeline's one earth radius (pipeline.yaml geocoding).

The pipeline measures distances in SQL (assets/seor/sql/seor_reach.sql, the haversine_km macro of
assets/monitoring/sql/mart_monitoring_macros.sql) with `geocoding.earth_radius_km`; the generators place their invented points
with this same formula and the same radius, read from that config, so both agree to the metre.
"""

from __future__ import annotations

import functools
import math

from pipeline import config as config_mod


@functools.cache
def earth_radius_km() -> float:
    """pipeline.yaml geocoding.earth_radius_km."""
    return float(config_mod.default_config().pipeline["geocoding"]["earth_radius_km"])


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius earth_radius_km()."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * earth_radius_km() * math.asin(math.sqrt(h))
