"""The sample's design realised: locations with invented addresses and points, curricula, pupils per peiljaar."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from tools.sample.common import (
    BROAD,
    BRUGJAAR_BY_KIND,
    BRUGJAAR_LABEL,
    BRUGJAAR_NAMES,
    CAMPUS_ANCHORS,
    DENOMINATIES,
    FIXED_POINTS,
    HAVO_KINDS,
    HV_PROFILES,
    LEERWEGEN,
    LOC_SPECS,
    MAVO_KINDS,
    NVT,
    PEILJAREN,
    POSTCODE_LETTERS,
    PROFILES,
    STREETS,
    TL_LABEL,
    TL_SECTORS,
    TOWNS,
    LocSpec,
    Town,
)


@dataclass
class Location:
    """A generated vestiging with its invented address and point."""

    spec: LocSpec
    town: Town
    brin: str
    code: str
    lat: float
    lon: float
    street: str
    huisnummer: int
    huisletter: str | None
    postcode: str  # "2611 AB"
    bevoegd_gezag: str
    denominatie: str
    years: tuple[int, ...]

    @property
    def vest(self) -> str:
        """Two-digit vestigingsnummer."""
        return self.spec.vest

    def name(self, year: int) -> str:
        """Name as published for peiljaar ``year`` (one location is renamed in 2023)."""
        if year >= 2023 and self.spec.name_2023:
            return self.spec.name_2023
        return self.spec.name

    @property
    def huisnummer_text(self) -> str:
        """HUISNUMMER-TOEVOEGING as in the address file ("12" or "7-A")."""
        return f"{self.huisnummer}-{self.huisletter}" if self.huisletter else str(self.huisnummer)


@dataclass
class Offer:
    """One pupils row design (a curriculum at a location) with expected pupils per leerjaar."""

    otype: str
    sector: str
    afdeling: str
    code: str
    opleiding: str
    base: tuple[float, ...]  # expected pupils in leerjaar 1..6
    male_share: float
    profile: str = ""  # vmbo profile code (for events and exams)
    leerweg: str = ""  # B/K/G/T for vmbo rows
    exam_key: tuple[str, str] | None = None  # (level, exam label) for exam derivation


@dataclass
class PupilRow:
    """One realised pupils row for one peiljaar (12 counts, MAN/VROUW per leerjaar)."""

    loc: Location
    offer: Offer
    counts: tuple[int, ...]


@dataclass
class Sample:
    """Everything generated, before writing."""

    locations: list[Location]
    pupils: dict[int, list[PupilRow]]
    offers: dict[str, list[Offer]]
    extra_points: list[tuple[dict[str, object], float, float]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------------


def _km_offset(lat: float, d_north_km: float, d_east_km: float) -> tuple[float, float]:
    dlat = d_north_km / 111.2
    dlon = d_east_km / (111.32 * math.cos(math.radians(lat)))
    return dlat, dlon


def _brin(rng: random.Random, used: set[str]) -> str:
    while True:
        code = f"{rng.randint(90, 99)}{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
        code += rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if code not in used:
            used.add(code)
            return code


def _postcode(rng: random.Random, pc4: str, used: set[str]) -> str:
    while True:
        letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
        if letters in ("SA", "SD", "SS"):
            continue
        pc = f"{pc4} {letters}"
        if pc not in used:
            used.add(pc)
            return pc


def build_locations(rng: random.Random) -> list[Location]:
    """Assign BRIN codes, points, postcodes and addresses to every LocSpec."""
    used_brin: set[str] = set()
    used_pc: set[str] = {c.pc6 for c in CAMPUS_ANCHORS}
    group_brin: dict[str, str] = {}
    group_bg: dict[str, str] = {}
    group_den: dict[str, str] = {}
    locations: list[Location] = []
    for spec in LOC_SPECS:
        town = TOWNS[spec.town]
        if spec.group not in group_brin:
            group_brin[spec.group] = _brin(rng, used_brin)
            group_bg[spec.group] = str(rng.randint(90000, 99999))
            group_den[spec.group] = rng.choice(DENOMINATIES)
        brin = group_brin[spec.group]
        if (spec.group, spec.vest) in FIXED_POINTS:
            lat, lon, pc4 = FIXED_POINTS[(spec.group, spec.vest)]
        else:
            r = town.spread_km * math.sqrt(rng.random())
            theta = rng.uniform(0, 2 * math.pi)
            dlat, dlon = _km_offset(town.lat, r * math.sin(theta), r * math.cos(theta))
            lat, lon = round(town.lat + dlat, 6), round(town.lon + dlon, 6)
            pc4 = rng.choice(town.pc4s)
        postcode = _postcode(rng, pc4, used_pc)
        street = rng.choice(STREETS)
        huisnummer = rng.randint(1, 240)
        huisletter = rng.choice("ABC") if rng.random() < 0.12 else None
        if spec.role == "new_2022":
            years: tuple[int, ...] = (2022, 2023)
        elif spec.role == "closed_after_2021":
            years = (2021,)
        else:
            years = PEILJAREN
        locations.append(
            Location(
                spec=spec,
                town=town,
                brin=brin,
                code=brin + spec.vest,
                lat=lat,
                lon=lon,
                street=street,
                huisnummer=huisnummer,
                huisletter=huisletter,
                postcode=postcode,
                bevoegd_gezag=group_bg[spec.group],
                denominatie=group_den[spec.group],
                years=years,
            )
        )
    return locations


def _leerweg_profiles(rng: random.Random, spec: LocSpec, lw: str) -> list[str]:
    """Profiles run in one leerweg: kader all, basis the first three, gemengd a small subset.

    Profiles with a designed event are always kept so the event shows in every leerweg.
    """
    listed = spec.profiles.split()
    evented = [p for _k, p, _y in spec.events]
    if lw == "K":
        keep = listed
    elif lw == "B":
        keep = listed[:3]
    else:
        keep = [p for p in listed if p in ("Z&W", "E&O")]
        extra = [p for p in listed if p not in keep and p != "VRT"]
        if extra:
            keep.append(rng.choice(extra))
    return [p for p in listed if p in keep or p in evented]


def _vmbo_offers(rng: random.Random, spec: LocSpec) -> list[Offer]:
    """vmbo bovenbouw rows: B/K/G profiles (some with an LWOO variant), TL sectors, VAVO."""
    offers: list[Offer] = []
    kind_factor = 1.0 if spec.kind in ("VBO", "VBO/MAVO") else 0.75
    for lw in spec.leerwegen:
        label, abbr, exam_letter, digit, size = LEERWEGEN[lw]
        exam_key = ("vmbo", f"VMBO {exam_letter}")
        for pcode in _leerweg_profiles(rng, spec, lw):
            prof = PROFILES[pcode]
            if pcode == "VRT" and lw == "G":
                continue
            n = rng.uniform(0.6, 1.4) * size * prof.size * kind_factor
            code, name = f"5{digit}{prof.index:02d}", f"VMBO {abbr} {prof.opleiding}"
            base = (0, 0, n, n * 0.95, 0, 0)
            offers.append(
                Offer(label, prof.sector, prof.afdeling, code, name, base, prof.male_share, pcode, lw, exam_key)
            )
            if spec.kind == "VBO" and lw in "BK" and pcode != "VRT" and rng.random() < 0.1:
                n = rng.uniform(1.5, 5.0)
                code, name = f"8{digit}{prof.index:02d}", f"LWOO {abbr} {prof.opleiding}"
                base = (0, 0, n, n, 0, 0)
                offers.append(
                    Offer(label, prof.sector, prof.afdeling, code, name, base, prof.male_share, pcode, lw, exam_key)
                )
    if spec.kind in MAVO_KINDS:
        tl_factor = 1.4 if spec.kind == "MAVO" else 1.0
        for sector, suffix, idx, male, _exam in TL_SECTORS:
            if sector == "Landbouw" and rng.random() < 0.9:
                continue
            if sector == "Techniek" and rng.random() < (0.5 if spec.kind == BROAD else 0.3):
                continue
            n = rng.uniform(8, 24) * tl_factor * (0.4 if sector == "Landbouw" else 1.0)
            base = (0, 0, n, n * 0.97, 0, 0)
            name = f"MAVO/Theor Lw-{suffix}"
            offers.append(Offer(TL_LABEL, sector, NVT, f"54{idx:02d}", name, base, male, "", "T", ("vmbo", "VMBO T")))
        if rng.random() < 0.15:
            base = (0, 0, rng.uniform(1.0, 4.0), 0, 0, 0)
            name = "MAVO/Theor Lw-Profielloos leerjaar 3"
            offers.append(Offer(TL_LABEL, NVT, NVT, "5405", name, base, 0.5, "", "T"))
        if rng.random() < 0.2:
            base = (0, 0, 0, rng.uniform(0.6, 2.5), 0, 0)
            offers.append(Offer("VMBO uitbest. aan VAVO", NVT, NVT, "0690", "VMBO-TL naar VAVO", base, 0.5))
    return offers


def _hv_offers(rng: random.Random, spec: LocSpec) -> list[Offer]:
    """havo/vwo rows: HAVO/VWO lj 3, HAVO and VWO profiles (fewer at small bovenbouw locations), VAVO."""
    offers: list[Offer] = []
    factor = {"HAVO/VWO": 1.0, BROAD: 0.7, "MAVO/HAVO/VWO": 0.6, "VWO": 1.0}[spec.kind]
    lj3 = "HAVO/VWO lj 3"
    if spec.kind in HAVO_KINDS:
        offers.append(Offer(lj3, NVT, NVT, "0630", "HAVO", (0, 0, rng.uniform(40, 80) * factor, 0, 0, 0), 0.47))
        n = rng.uniform(25, 55) * factor
        offers.append(Offer(lj3, NVT, NVT, "0631", "VWO-ATHENEUMSTROOM", (0, 0, n, 0, 0, 0), 0.46))
        streams = [("HAVO lj 4-5", "064", "HAVO Prf", "HAVO", 1.0), ("VWO lj 4-6", "065", "VWO-ATH Prf", "VWO", 0.7)]
    else:  # categoraal gymnasium
        offers.append(Offer(lj3, NVT, NVT, "0632", "VWO-GYMNASIUMSTROOM", (0, 0, rng.uniform(50, 80), 0, 0, 0), 0.45))
        streams = [("VWO lj 4-6", "066", "VWO-GYM Prf", "VWO", 0.9)]
    full = spec.kind in ("HAVO/VWO", "VWO")
    for otype, prefix, oname, level, sfactor in streams:
        for key, afdeling, short, male, size, exam_short, idx in HV_PROFILES:
            if key == "NGEM" and (not full or rng.random() < 0.6):
                continue
            if key in ("CM", "EMCM") and not full:
                continue  # small bovenbouw: only the main profiles
            if key in ("CM", "EMCM") and level == "VWO" and spec.kind == "HAVO/VWO":
                continue
            if key == "EMCM" and spec.kind == "HAVO/VWO" and rng.random() < 0.5:
                continue
            if key == "NTNG" and spec.kind != "HAVO/VWO" and (level == "HAVO" or rng.random() < 0.5):
                continue
            n = rng.uniform(6, 16) * size * factor * sfactor
            base = (0, 0, 0, n, n * 0.9, 0) if level == "HAVO" else (0, 0, 0, n, n * 0.95, n * 0.9)
            exam_key = (level.lower(), f"{level} - {exam_short}")
            name = f"{oname} {short}"
            offers.append(Offer(otype, NVT, afdeling, f"{prefix}{idx}", name, base, male, exam_key=exam_key))
    if spec.kind in HAVO_KINDS and rng.random() < 0.3:
        base = (0, 0, 0, 0, rng.uniform(0.6, 3.0), 0)
        offers.append(Offer("HAVO uitbest. aan VAVO", NVT, NVT, "0691", "HAVO NW naar VAVO", base, 0.5))
    if rng.random() < 0.25:
        base = (0, 0, 0, 0, 0, rng.uniform(0.6, 2.5))
        offers.append(Offer("VWO uitbest. aan VAVO", NVT, NVT, "0692", "VWO-ATH NW naar VAVO", base, 0.5))
    return offers


def build_offers(rng: random.Random, spec: LocSpec) -> list[Offer]:
    """All curricula of one location with their expected (2021-level) pupils per leerjaar."""
    offers: list[Offer] = []
    for oname, lo, hi in BRUGJAAR_BY_KIND[spec.kind]:
        lj1, lj2 = rng.uniform(lo, hi), rng.uniform(lo, hi)
        if (oname.startswith("Lj LWOO") or oname == "Ljvb op VWO") and rng.random() < 0.6:
            continue
        if oname.startswith("MAVO") or oname == "Ljvb op VWO":
            lj2 *= 0.5  # some streams have only a small second year
        offers.append(Offer(BRUGJAAR_LABEL, NVT, NVT, BRUGJAAR_NAMES[oname], oname, (lj1, lj2, 0, 0, 0, 0), 0.51))
    if spec.kind == "PRO":
        base = tuple(rng.uniform(10, 20) for _ in range(5)) + (rng.uniform(2, 5),)
        offers.append(Offer("Praktijkonderwijs alle vj", NVT, NVT, "0695", "Praktijkonderwijs", base, 0.6))
    if spec.leerwegen or spec.kind in MAVO_KINDS:
        offers.extend(_vmbo_offers(rng, spec))
    if spec.kind in (*HAVO_KINDS, "VWO"):
        offers.extend(_hv_offers(rng, spec))
    return offers


def _event_mask(spec: LocSpec, offer: Offer, year: int) -> tuple[bool, bool] | None:
    """Which of leerjaar 3 / 4 run in ``year`` for a vmbo profile row; None when absent."""
    lj3, lj4 = True, True
    for kind, pcode, ey in spec.events:
        if pcode != offer.profile:
            continue
        if kind == "drop" and year >= ey:
            return None
        if kind == "phaseout":
            if year > ey:
                return None
            if year == ey:
                lj3 = False
        if kind == "add":
            if year < ey:
                return None
            if year == ey:
                lj4 = False
    return lj3, lj4


def _realise(rng: random.Random, offer: Offer, factor: float, mask: tuple[bool, bool]) -> tuple[int, ...]:
    counts: list[int] = []
    for lj, expected in enumerate(offer.base, start=1):
        if expected <= 0 or (lj == 3 and not mask[0]) or (lj == 4 and not mask[1]):
            counts.extend((0, 0))
            continue
        mean = expected * factor * rng.gauss(1.0, 0.06)
        total = max(0, round(mean + rng.gauss(0, 0.3)))
        if expected >= 1.5:
            total = max(total, 1)
        sd = math.sqrt(max(total * offer.male_share * (1 - offer.male_share), 0.0))
        male = min(total, max(0, round(total * offer.male_share + rng.gauss(0, sd * 0.6))))
        counts.extend((male, total - male))
    return tuple(counts)


def build_pupils(rng: random.Random, locations: list[Location]) -> Sample:
    """Realise pupils rows for every peiljaar, applying the designed events and drifts."""
    pupils: dict[int, list[PupilRow]] = {y: [] for y in PEILJAREN}
    offers_by_code: dict[str, list[Offer]] = {}
    for loc in locations:
        offers = build_offers(rng, loc.spec)
        offers_by_code[loc.code] = offers
        trend = rng.gauss(1.0, 0.03)
        factors = {2021: 1.0}
        factors[2022] = trend * rng.gauss(1.0, 0.02)
        factors[2023] = factors[2022] * trend * rng.gauss(1.0, 0.02)
        for year in PEILJAREN:
            if year not in loc.years:
                continue
            for offer in offers:
                mask = _event_mask(loc.spec, offer, year) if offer.profile else (True, True)
                if mask is None:
                    continue
                counts = _realise(rng, offer, factors[year], mask)
                if any(counts):
                    pupils[year].append(PupilRow(loc, offer, counts))
    for year in PEILJAREN:
        pupils[year].sort(
            key=lambda r: (r.loc.brin, r.loc.vest, r.offer.otype, r.offer.sector, r.offer.afdeling, r.offer.code)
        )
    return Sample(locations, pupils, offers_by_code)
