"""Geometry of the reconstruction: anchor places, candidate points and their reach of the campuses."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from tools.geo import haversine_km
from tools.seor_reconstruction.common import BOUNDARIES_KM, MARGIN_KM, MIN_RELAXED_MARGIN_KM, PLACES


@dataclass(frozen=True)
class Point:
    """A chosen location with its reach set and its smallest distance to any boundary."""

    lat: float
    lon: float
    reach: frozenset[str]
    margin: float
    place: str  # key of PLACES


class Geometry:
    """Campus coordinates plus the reach/margin computations used for placing locations."""

    def __init__(self, campuses: dict[str, tuple[float, float]], radius_km: float) -> None:
        self.campuses = campuses
        self.codes = list(campuses)
        self.radius = radius_km

    def distances(self, lat: float, lon: float) -> dict[str, float]:
        """Distance in km from a point to every campus."""
        return {c: haversine_km(lat, lon, la, lo) for c, (la, lo) in self.campuses.items()}

    def reach(self, lat: float, lon: float) -> frozenset[str]:
        """Campuses within the radius of a point."""
        return frozenset(c for c, d in self.distances(lat, lon).items() if d <= self.radius)

    @staticmethod
    def margin_of(dists: dict[str, float]) -> float:
        """Smallest distance of any campus distance to any of the 5/10/15 km boundaries."""
        return min(abs(d - b) for d in dists.values() for b in BOUNDARIES_KM)

    @functools.cache  # noqa: B019 - one Geometry per run
    def options(self, place_key: str) -> dict[frozenset[str], Point]:
        """Best point per reach set within the radius of an anchor place.

        A point with margin >= MARGIN_KM is preferred (more margin up to 1.5 km, then closeness to
        the centre); otherwise the point with the largest margin >= MIN_RELAXED_MARGIN_KM is kept.
        """
        place = PLACES[place_key]
        dlat = 0.15 / 111.2
        dlon = 0.15 / (111.2 * math.cos(math.radians(place.lat)))
        steps = int(place.radius_km / 0.15) + 1
        best: dict[frozenset[str], tuple[tuple[float, float], Point]] = {}
        for i in range(-steps, steps + 1):
            for j in range(-steps, steps + 1):
                lat, lon = place.lat + i * dlat, place.lon + j * dlon
                off = haversine_km(place.lat, place.lon, lat, lon)
                if off > place.radius_km:
                    continue
                dists = self.distances(lat, lon)
                m = self.margin_of(dists)
                if m < MIN_RELAXED_MARGIN_KM:
                    continue
                reach = frozenset(c for c, d in dists.items() if d <= self.radius)
                if m >= MARGIN_KM:
                    key = (1.0, min(m, 1.5) - 0.25 * off)
                else:
                    key = (0.0, m)
                if reach not in best or key > best[reach][0]:
                    pt = Point(round(lat, 5), round(lon, 5), reach, round(m, 3), place_key)
                    best[reach] = (key, pt)
        return {r: v[1] for r, v in best.items()}


# --------------------------------------------------------------------------------------------
# Spec handling
# --------------------------------------------------------------------------------------------


def override_location(geo: Geometry, override: frozenset[str], near: frozenset[str]) -> Point:
    """Location for the reach-override initiative: no campus within the radius (margin >= 1 km)
    and about 13 km from the ``near`` campuses, as footnote 17 of the report describes."""
    anchor = PLACES["spijkenisse"]  # port side of the Rotterdam campuses
    best: tuple[float, Point] | None = None
    for i in range(-100, 101):
        for j in range(-100, 101):
            lat, lon = anchor.lat + i * 0.0015, anchor.lon + j * 0.0024
            dists = geo.distances(lat, lon)
            if min(dists.values()) <= geo.radius:
                continue
            m = geo.margin_of(dists)
            if m < MARGIN_KM:
                continue
            off = haversine_km(anchor.lat, anchor.lon, lat, lon)
            score = -sum(abs(dists[c] - 13.0) for c in near) - 0.1 * off
            if best is None or score > best[0]:
                pt = Point(round(lat, 5), round(lon, 5), frozenset(), round(m, 3), nearest_place(lat, lon))
                best = (score, pt)
    if best is None:
        raise SystemExit("no location found for the reach-override initiative")
    return best[1]


def nearest_place(lat: float, lon: float) -> str:
    """Key of the anchor place nearest to a point."""
    return min(PLACES, key=lambda k: haversine_km(lat, lon, PLACES[k].lat, PLACES[k].lon))
