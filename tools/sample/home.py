"""The DUO "02. leerlingen per vestiging naar postcode leerling en leerjaar" files of the sample.

Consistent with the 01 files: the same vestigingen per year, and per vestiging and leerjaar the pupils
(exact, as generated, before any "<5") equal the 01 file's. Each location's pupils live in up to
HOME_MAX_PC4 PC4 areas of the sample's GeoNames PC4 file within HOME_RADIUS_KM of it (nearer areas weigh
more), so every home postcode has a centroid, except the designed edge case: one location also has a few
pupils in a PC4 of its town that NL.txt lacks (unplaced on the home basis). Drawn from its own random
stream (seed + 2), so the other sample files are unchanged by this module.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from tools.sample.common import (
    HOME_HEADER_NEW,
    HOME_HEADER_OLD,
    HOME_MAX_PC4,
    HOME_RADIUS_KM,
    PEILJAREN,
    SEED,
)
from tools.sample.files import _censor, _lines_to_bytes, _quoted
from tools.sample.model import Sample

UNPLACED_SHARE = 0.04  # share of the edge-case location's pupils living in the PC4 absent from NL.txt


@dataclass(frozen=True)
class Pc4:
    """One line of the sample's GeoNames PC4 file."""

    pc4: str
    woonplaats: str
    gemeente: str
    gemeente_code: str
    lat: float
    lon: float


@dataclass
class HomeDesign:
    """Per location: its home PC4 areas and weights; the edge-case location and its unplaced PC4."""

    areas: dict[str, list[tuple[str, float]]]
    unplaced: tuple[str, str] | None  # (vestiging_code, pc4 absent from NL.txt)
    pc4s: dict[str, Pc4]


def read_pc4_table(nl_txt: bytes) -> dict[str, Pc4]:
    """PC4 → its GeoNames line, from the generated NL.txt bytes."""
    out: dict[str, Pc4] = {}
    for line in nl_txt.decode("utf-8").splitlines():
        f = line.split("\t")
        out[f[1]] = Pc4(f[1], f[2], f[5], f[6], float(f[9]), float(f[10]))
    return out


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * 111.2
    dx = (lon2 - lon1) * 111.32 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def design_homes(sample: Sample, nl_txt: bytes) -> HomeDesign:
    """Choose each location's home PC4 areas (nearest first) and weights; pick the unplaced edge case."""
    rng = random.Random(SEED + 2)
    pc4s = read_pc4_table(nl_txt)
    areas: dict[str, list[tuple[str, float]]] = {}
    unplaced: tuple[str, str] | None = None
    for loc in sorted(sample.locations, key=lambda x: x.code):
        ranked = sorted(pc4s.values(), key=lambda p: (_km(loc.lat, loc.lon, p.lat, p.lon), p.pc4))
        near = [p for p in ranked if _km(loc.lat, loc.lon, p.lat, p.lon) <= HOME_RADIUS_KM][:HOME_MAX_PC4] or ranked[:1]
        areas[loc.code] = [(p.pc4, rng.uniform(0.6, 1.4) / (1.0 + _km(loc.lat, loc.lon, p.lat, p.lon))) for p in near]
        absent = [pc for pc in loc.town.pc4s if pc not in pc4s]
        if unplaced is None and absent and loc.spec.leerwegen and loc.years == PEILJAREN:
            unplaced = (loc.code, absent[0])
    return HomeDesign(areas, unplaced, pc4s)


def home_counts(sample: Sample, design: HomeDesign, year: int) -> dict[tuple[str, str], list[int]]:
    """(vestiging code, pc4) → pupils in leerjaar 1..6 of ``year``; per location and leerjaar they sum to the 01
    file's pupils (men and women of every row of the location)."""
    rng = random.Random(SEED + 2 + year)
    totals: dict[str, list[int]] = {}
    for r in sample.pupils[year]:
        t = totals.setdefault(r.loc.code, [0] * 6)
        for lj in range(6):
            t[lj] += r.counts[2 * lj] + r.counts[2 * lj + 1]
    out: dict[tuple[str, str], list[int]] = {}
    for code in sorted(totals):
        areas = list(design.areas[code])
        if design.unplaced and design.unplaced[0] == code:
            weight = sum(w for _, w in areas) * UNPLACED_SHARE / (1 - UNPLACED_SHARE)
            areas.append((design.unplaced[1], weight))
        names, weights = [a for a, _ in areas], [w for _, w in areas]
        for lj, total in enumerate(totals[code]):
            for pc4, n in Counter(rng.choices(names, weights, k=total)).items():
                out.setdefault((code, pc4), [0] * 6)[lj] += n
    return out


def home_file_bytes(sample: Sample, design: HomeDesign, year: int) -> bytes:
    """One 02 file in the form of ``year``'s 01 file.

    2021: old header (BRIN NUMMER, 2-digit VESTIGINGSNUMMER, PLAATSNAAM/GEMEENTENUMMER/GEMEENTENAAM
    LEERLING), cp1252, ';', plain counts. 2022: old header, UTF-8, ',' every field quoted, "<5".
    2023: new header (INSTELLINGSCODE, 6-character VESTIGINGSCODE, PLAATSNAAM LEERLING), UTF-8, ';',
    CRLF, "<5".
    """
    counts = home_counts(sample, design, year)
    locs = {loc.code: loc for loc in sample.locations}
    rows: list[list[str]] = []
    for (code, pc4), c in sorted(counts.items()):
        loc = locs[code]
        place = design.pc4s.get(pc4)
        woonplaats = place.woonplaats if place else loc.town.woonplaats
        cells = [str(n) for n in c] if year == 2021 else [_censor(n) for n in c]
        if year >= 2023:
            rows.append([loc.brin, loc.code, pc4, woonplaats.upper(), *cells])
        else:
            gm_code = place.gemeente_code if place else loc.town.gn_gemeente_code
            gm_name = place.gemeente if place else loc.town.gn_gemeente
            rows.append([loc.brin, loc.vest, pc4, woonplaats.upper(), gm_code, gm_name.upper(), *cells])
    if year == 2021:
        return _lines_to_bytes([";".join(f) for f in [list(HOME_HEADER_OLD), *rows]], "cp1252")
    if year == 2022:
        return _lines_to_bytes([_quoted(f, ",") for f in [list(HOME_HEADER_OLD), *rows]], "utf-8")
    return _lines_to_bytes([";".join(f) for f in [list(HOME_HEADER_NEW), *rows]], "utf-8", "\r\n")
