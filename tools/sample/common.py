"""Constants, file layouts and the design tables (data/*.yaml beside this file) of the synthetic sample."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SEED = 20231001
PEILJAREN: tuple[int, ...] = (2021, 2022, 2023)
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DATA = HERE / "data"
DEFAULT_OUT = REPO_ROOT / "data_raw" / "sample"
SYNTH = "(synthetisch)"
# How the README written into the sample folder names this generator.
GENERATOR = "tools/sample"
GENERATOR_COMMAND = "python -m tools.sample"

PUPIL_FILE = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{year}.csv"
HOME_FILE = "02.-leerlingen-per-vestiging-naar-postcode-en-leerjaar-{year}.csv"
ADDRESS_FILE = "02.-alle-vestigingen-vo.csv"
NL_FULL_FILE = "NL_full.txt"
NL_PC4_FILE = "NL.txt"
POINTS_FILE = "scholen20241122.geo.zip"
POINTS_MEMBER = "scholen.geo.json"
OVERRIDE_FILE = "geocode_overrides.csv"
EXAM_OLD_FILE = "examenkandidaten-en-geslaagden-2014-2019.csv"
EXAM_NEW_FILE = "examenkandidaten-en-geslaagden-2019-2024.csv"
README_FILE = "README.md"
# the mbo files (tools/sample/mbo.py): yearly entrants 2021-2024, the diplomas file, the mbo address file
MBO_FILES: tuple[str, ...] = (
    *(
        f"{y}-nieuw-instromende-studenten-per-instelling-hoofdgroep-leerweg-beroepsopleiding-niveau-vooro.csv"
        for y in (2021, 2022, 2023, 2024)
    ),
    "2020-2024-gediplomeerden.csv",
    "instellingenmbo.csv",
)
GENERATED_FILES: tuple[str, ...] = (
    *(PUPIL_FILE.format(year=y) for y in PEILJAREN),
    *(HOME_FILE.format(year=y) for y in PEILJAREN),
    ADDRESS_FILE,
    NL_FULL_FILE,
    NL_PC4_FILE,
    POINTS_FILE,
    OVERRIDE_FILE,
    EXAM_OLD_FILE,
    EXAM_NEW_FILE,
    *MBO_FILES,
    README_FILE,
)


@dataclass(frozen=True)
class Region:
    """The (code, name) region columns of the DUO address file."""

    nodaal: tuple[str, str]
    rpa: tuple[str, str]
    wgr: tuple[str, str]
    corop: tuple[str, str]
    onderwijsgebied: tuple[str, str]
    rmc: tuple[str, str]


@dataclass(frozen=True)
class Town:
    """A place with the spellings each file uses and a synthetic spread of school points."""

    plaats: str  # DUO PLAATSNAAM (upper case)
    woonplaats: str  # GeoNames / BAG spelling
    gemeente_code: str  # CBS code in the (current) address file
    gemeente: str  # DUO GEMEENTENAAM in the address file
    exam_gemeente_old: str  # GEMEENTENAAM in the 2014-2019 exam file
    exam_gemeente_new: str  # GEMEENTENAAM in the 2019-2024 exam file
    gn_gemeente: str  # GeoNames municipality (2022 boundaries)
    gn_gemeente_code: str
    provincie: str
    provincie_code: str  # GeoNames admin code1
    lat: float
    lon: float
    spread_km: float
    pc4s: tuple[str, ...]
    region: Region
    swv: str  # synthetic samenwerkingsverband code


@dataclass(frozen=True)
class Campus:
    """A campus anchor written to the GeoNames files (rounded, synthetic-sample coordinates)."""

    code: str
    pc6: str
    lat: float
    lon: float
    town: str


@dataclass(frozen=True)
class LocSpec:
    """Design of one synthetic vestiging.

    ``profiles`` lists vmbo profile codes offered (in 2021, or from the year an "add" event says);
    ``events`` are (kind, profile, peiljaar) with kind drop / phaseout / add; ``role`` marks the
    designed edge cases.
    """

    group: str
    vest: str
    town: str
    kind: str
    name: str
    leerwegen: str = ""
    profiles: str = ""
    events: tuple[tuple[str, str, int], ...] = ()
    role: str = ""
    exam: bool = False
    name_2023: str | None = None


@dataclass(frozen=True)
class Profile:
    """A vmbo profile or route as it appears in the AFDELING column."""

    code: str
    afdeling: str
    opleiding: str  # spelling inside OPLEIDINGSNAAM
    sector: str  # VMBO SECTOR column
    exam_sector: str  # sector in the exam files
    male_share: float
    size: float
    index: int


def synthetic(text: str) -> str:
    """A name marked as synthetic."""
    return f"{text} {SYNTH}"


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _pairs(values: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in values)


_geo = _load("geography.yaml")
_locs = _load("locations.yaml")
_cur = _load("curricula.yaml")
REGIONS: dict[str, Region] = {k: Region(**{f: tuple(v) for f, v in r.items()}) for k, r in _geo["regions"].items()}
TOWNS: dict[str, Town] = {
    k: Town(**{**t, "pc4s": tuple(t["pc4s"].split()), "region": REGIONS[t["region"]]}) for k, t in _geo["towns"].items()
}
CAMPUS_ANCHORS: tuple[Campus, ...] = tuple(Campus(*c) for c in _geo["campus_anchors"])
LOC_SPECS: tuple[LocSpec, ...] = tuple(
    LocSpec(**{**s, "events": tuple(tuple(e) for e in s.get("events", ()))}) for s in _locs["locations"]
)
FIXED_POINTS: dict[tuple[str, str], tuple[float, float, str]] = {
    (g, v): (lat, lon, pc4) for g, v, lat, lon, pc4 in _locs["fixed_points"]
}
STREETS: tuple[str, ...] = tuple(_locs["streets"])
DENOMINATIES: tuple[str, ...] = tuple(_locs["denominaties"])
POSTCODE_LETTERS: str = _locs["postcode_letters"]

PROFILES: dict[str, Profile] = {code: Profile(code, *p) for code, p in _cur["profiles"].items()}
LEERWEGEN: dict[str, tuple[str, str, str, int, float]] = {k: tuple(v) for k, v in _cur["leerwegen"].items()}
TL_LABEL: str = _cur["tl_label"]
TL_SECTORS: tuple[tuple[str, str, int, float, str], ...] = tuple(tuple(v) for v in _cur["tl_sectors"])
BRUGJAAR_LABEL: str = _cur["brugjaar_label"]
NVT: str = _cur["nvt"]
BRUGJAAR_NAMES: dict[str, str] = dict(_cur["brugjaar_names"])
BRUGJAAR_BY_KIND: dict[str, tuple[tuple[str, float, float], ...]] = {
    k: tuple(tuple(x) for x in v) for k, v in _cur["brugjaar_by_kind"].items()
}
HV_PROFILES: tuple[tuple[str, str, str, float, float, str, int], ...] = tuple(tuple(v) for v in _cur["hv_profiles"])
BROAD = "VBO/MAVO/HAVO/VWO"
HAVO_KINDS: tuple[str, ...] = tuple(_cur["havo_kinds"])
MAVO_KINDS: tuple[str, ...] = tuple(_cur["mavo_kinds"])
VMBO_EXAM_CODES: dict[str, dict[str, int]] = {k: dict(v) for k, v in _cur["vmbo_exam_codes"].items()}
HV_EXAM_CODES: dict[str, int] = {
    f"{level} - {short}": base + idx
    for level, base in (("HAVO", 50), ("VWO", 60))
    for _k, _a, _s, _m, _z, short, idx in HV_PROFILES
}

PUPIL_COUNT_COLUMNS: tuple[str, ...] = tuple(
    f"LEER- OF VERBLIJFSJAAR {lj} - {sex}" for lj in range(1, 7) for sex in ("MAN", "VROUW")
)
PUPIL_HEADER_OLD: tuple[str, ...] = (
    *"BRIN NUMMER;VESTIGINGSNUMMER;INSTELLINGSNAAM VESTIGING;PLAATSNAAM VESTIGING;PROVINCIE VESTIGING;"
    "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR;VMBO SECTOR;AFDELING;ELEMENTCODE;OPLEIDINGSNAAM".split(";"),
    *PUPIL_COUNT_COLUMNS,
)
PUPIL_HEADER_NEW: tuple[str, ...] = (
    *"INSTELLINGSCODE;VESTIGINGSCODE;INSTELLINGSNAAM VESTIGING;PLAATSNAAM VESTIGING;PROVINCIE VESTIGING;"
    "SAMENWERKINGSVERBAND;ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR;VMBO SECTOR;AFDELING;OPLEIDINGSCODE;"
    "OPLEIDINGSNAAM".split(";"),
    *PUPIL_COUNT_COLUMNS,
)
ADDRESS_HEADER: tuple[str, ...] = tuple(
    "PROVINCIE;BEVOEGD GEZAG NUMMER;BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;STRAATNAAM;HUISNUMMER-TOEVOEGING;"
    "POSTCODE;PLAATSNAAM;GEMEENTENUMMER;GEMEENTENAAM;DENOMINATIE;TELEFOONNUMMER;INTERNETADRES;ONDERWIJSSTRUCTUUR;"
    "STRAATNAAM CORRESPONDENTIEADRES;HUISNUMMER-TOEVOEGING CORRESPONDENTIEADRES;POSTCODE CORRESPONDENTIEADRES;"
    "PLAATSNAAM CORRESPONDENTIEADRES;NODAAL GEBIED CODE;NODAAL GEBIED NAAM;RPA-GEBIED CODE;RPA-GEBIED NAAM;"
    "WGR-GEBIED CODE;WGR-GEBIED NAAM;COROPGEBIED CODE;COROPGEBIED NAAM;ONDERWIJSGEBIED CODE;ONDERWIJSGEBIED NAAM;"
    "RMC-REGIO CODE;RMC-REGIO NAAM".split(";")
)
HOME_COUNT_COLUMNS: tuple[str, ...] = tuple(f"LEER- OF VERBLIJFSJAAR {lj}" for lj in range(1, 7))
HOME_HEADER_OLD: tuple[str, ...] = (
    "BRIN NUMMER",
    "VESTIGINGSNUMMER",
    "POSTCODE LEERLING",
    "PLAATSNAAM LEERLING",
    "GEMEENTENUMMER LEERLING",
    "GEMEENTENAAM LEERLING",
    *HOME_COUNT_COLUMNS,
)
HOME_HEADER_NEW: tuple[str, ...] = (
    "INSTELLINGSCODE",
    "VESTIGINGSCODE",
    "POSTCODE LEERLING",
    "PLAATSNAAM LEERLING",
    *HOME_COUNT_COLUMNS,
)
# Where the pupils of a location live (02 files): up to this many GeoNames PC4 areas within this radius.
HOME_MAX_PC4 = 5
HOME_RADIUS_KM = 12.0
EXAM_OLD_YEARS: tuple[int, ...] = (2014, 2015, 2016, 2017, 2018)
EXAM_OLD_FILLED: tuple[int, ...] = (2017, 2018)
EXAM_NEW_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)
