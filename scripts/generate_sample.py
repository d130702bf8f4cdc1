"""Generate the small SYNTHETIC sample dataset in ``data_raw/sample/``.

Every school, name, address, postcode, coordinate and count written by this script is invented. No row
of a real DUO or GeoNames file is copied: the real files were only read by a person to mimic their
formats (header spelling, encodings, separators, label texts). The files carry the official DUO /
GeoNames file names so that the pipeline's fetch layer finds them as if the folder were a mirror.

The output is deterministic: a fixed seed, only the standard library, and fixed zip timestamps, so two
runs give byte-identical files. The script only writes (overwrites) the files listed in
``GENERATED_FILES``; nothing else in the output folder is touched.

Usage::

    python scripts/generate_sample.py            # writes data_raw/sample/
    python scripts/generate_sample.py --out DIR  # writes DIR/
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20231001
PEILJAREN: tuple[int, ...] = (2021, 2022, 2023)
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data_raw" / "sample"
SYNTH = "(synthetisch)"

PUPIL_FILE = "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-{year}.csv"
ADDRESS_FILE = "02.-alle-vestigingen-vo.csv"
NL_FULL_FILE = "NL_full.txt"
NL_PC4_FILE = "NL.txt"
POINTS_FILE = "scholen20241122.geo.zip"
POINTS_MEMBER = "scholen.geo.json"
OVERRIDE_FILE = "geocode_overrides.csv"
EXAM_OLD_FILE = "examenkandidaten-en-geslaagden-2014-2019.csv"
EXAM_NEW_FILE = "examenkandidaten-en-geslaagden-2019-2024.csv"
README_FILE = "README.md"
GENERATED_FILES: tuple[str, ...] = (
    *(PUPIL_FILE.format(year=y) for y in PEILJAREN),
    ADDRESS_FILE,
    NL_FULL_FILE,
    NL_PC4_FILE,
    POINTS_FILE,
    OVERRIDE_FILE,
    EXAM_OLD_FILE,
    EXAM_NEW_FILE,
    README_FILE,
)

# --------------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """The (code, name) region columns of the DUO address file."""

    nodaal: tuple[str, str]
    rpa: tuple[str, str]
    wgr: tuple[str, str]
    corop: tuple[str, str]
    onderwijsgebied: tuple[str, str]
    rmc: tuple[str, str]


_HAAGLANDEN = (("22", "Haaglanden"), ("28", "Haaglanden"))
_NZH = ("16", "Noord-Zuid-Holland")
_RMC_HW = ("28", "Haaglanden/Westland")
_RIJNMOND = (("23", "Rijnmond"), ("29", "Rijnmond"))
_AGGL_DH = ("26", "Agglomeratie 's-Gravenhage")
_DELFT_WL = ("27", "Delft en Westland")
_GR_RIJNMOND = ("29", "Groot-Rijnmond")
_RIJNMOND_GROOT = ("17", "Rijnmond groot")
_RMC_RIJNMOND = ("29", "Rijnmond")

R_DEN_HAAG = Region(("49", "'s-Gravenhage"), *_HAAGLANDEN, _AGGL_DH, _NZH, _RMC_HW)
R_DELFT = Region(("50", "Delft"), *_HAAGLANDEN, _DELFT_WL, _NZH, _RMC_HW)
R_WESTLAND = Region(("49", "'s-Gravenhage"), *_HAAGLANDEN, _DELFT_WL, _NZH, _RMC_HW)
R_ROTTERDAM = Region(("54", "Rotterdam"), *_RIJNMOND, _GR_RIJNMOND, _RIJNMOND_GROOT, _RMC_RIJNMOND)
R_VOORNE = Region(("56", "Brielle"), *_RIJNMOND, _GR_RIJNMOND, _RIJNMOND_GROOT, _RMC_RIJNMOND)
R_GOUDA = Region(
    ("51", "Gouda"),
    ("21", "Rijn-Gouwe"),
    ("27", "Zuid-Holland-Oost"),
    ("28", "Oost-Zuid-Holland"),
    _NZH,
    ("27", "Zuid-Holland-Oost"),
)
R_DORDRECHT = Region(
    ("53", "Dordrecht/Zwijndrecht"),
    ("23", "Rijnmond"),
    ("30", "Zuid-Holland-Zuid"),
    ("30", "Zuidoost-Zuid-Holland"),
    ("18", "Dordrecht-Gorinchem"),
    ("30", "Zuid-Holland-Zuid"),
)
R_LEIDEN = Region(
    ("46", "Leiden"),
    ("21", "Rijn-Gouwe"),
    ("26", "Zuid-Holland-Noord"),
    ("25", "Agglomeratie Leiden en Bollenstreek"),
    _NZH,
    ("26", "Zuid-Holland-Noord"),
)
_UTRECHT_TAIL = (
    ("18", "Utrecht-Midden"),
    ("19", "Utrecht"),
    ("17", "Utrecht"),
    ("13", "Utrecht en omstreken"),
    ("19", "Utrecht"),
)
R_UTRECHT = Region(("36", "Utrecht"), *_UTRECHT_TAIL)
R_WOERDEN = Region(("48", "Woerden"), *_UTRECHT_TAIL)
R_BREDA = Region(
    ("66", "Breda"),
    ("25", "West-Brabant"),
    ("34", "West-Brabant"),
    ("33", "West-Noord-Brabant"),
    ("20", "West-Noord-Brabant"),
    ("34", "West-Brabant"),
)


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


def _town(
    plaats: str,
    woonplaats: str,
    gemeente_code: str,
    gemeente: str,
    lat: float,
    lon: float,
    spread_km: float,
    pc4s: str,
    region: Region,
    swv: str,
    provincie: tuple[str, str] = ("Zuid-Holland", "11"),
    exam_old: str | None = None,
    exam_new: str | None = None,
    gn: tuple[str, str] | None = None,
) -> Town:
    """Build a Town with the common defaults (exam and GeoNames names follow the address file)."""
    gn_name, gn_code = gn if gn else (woonplaats if plaats == gemeente else gemeente.title(), gemeente_code)
    return Town(
        plaats=plaats,
        woonplaats=woonplaats,
        gemeente_code=gemeente_code,
        gemeente=gemeente,
        exam_gemeente_old=exam_old or gemeente,
        exam_gemeente_new=exam_new or gemeente,
        gn_gemeente=gn_name,
        gn_gemeente_code=gn_code,
        provincie=provincie[0],
        provincie_code=provincie[1],
        lat=lat,
        lon=lon,
        spread_km=spread_km,
        pc4s=tuple(pc4s.split()),
        region=region,
        swv=swv,
    )


UTR = ("Utrecht", "09")
NBR = ("Noord-Brabant", "06")
VAZ = ("1992", "VOORNE AAN ZEE")

# fmt: off
TOWNS: dict[str, Town] = {
    "den_haag": _town(
        "'S-GRAVENHAGE", "'s-Gravenhage", "0518", "S GRAVENHAGE", 52.072, 4.300, 2.8,
        "2512 2516 2518 2521 2523 2525 2531 2533 2541 2545 2552 2555 2563 2566 2571 2573 2583 2586 2592 2594 2597",
        R_DEN_HAAG, "VO2808", exam_new="'S-GRAVENHAGE", gn=("'s-Gravenhage", "0518"),
    ),
    "rijswijk": _town("RIJSWIJK ZH", "Rijswijk", "0603", "RIJSWIJK", 52.040, 4.322, 1.2,
                      "2281 2283 2285 2287 2289", R_DEN_HAAG, "VO2808"),
    "voorburg": _town("VOORBURG", "Voorburg", "1916", "LEIDSCHENDAM-VOORBURG", 52.073, 4.362, 0.8,
                      "2271 2273 2275", R_DEN_HAAG, "VO2808", gn=("Leidschendam-Voorburg", "1916")),
    "leidschendam": _town("LEIDSCHENDAM", "Leidschendam", "1916", "LEIDSCHENDAM-VOORBURG", 52.086, 4.393, 0.8,
                          "2262 2264 2266", R_DEN_HAAG, "VO2808", gn=("Leidschendam-Voorburg", "1916")),
    "delft": _town("DELFT", "Delft", "0503", "DELFT", 52.008, 4.358, 1.8,
                   "2611 2612 2614 2616 2622 2624 2625 2626", R_DELFT, "VO2809"),
    "zoetermeer": _town("ZOETERMEER", "Zoetermeer", "0637", "ZOETERMEER", 52.058, 4.495, 2.0,
                        "2711 2713 2715 2716 2717 2718 2719 2721 2722 2724 2726 2728", R_DEN_HAAG, "VO2810"),
    "pijnacker": _town("PIJNACKER", "Pijnacker", "1926", "PIJNACKER-NOOTDORP", 52.018, 4.432, 0.6,
                       "2641 2642 2643", R_DEN_HAAG, "VO2809", gn=("Pijnacker-Nootdorp", "1926")),
    "berkel": _town("BERKEL EN RODENRIJS", "Berkel en Rodenrijs", "1621", "LANSINGERLAND", 51.993, 4.476, 0.6,
                    "2651 2652", R_ROTTERDAM, "VO2801", gn=("Lansingerland", "1621")),
    "naaldwijk": _town("NAALDWIJK", "Naaldwijk", "1783", "WESTLAND", 51.995, 4.205, 0.3,
                       "2671 2672", R_WESTLAND, "VO2809", gn=("Westland", "1783")),
    "rotterdam": _town(
        "ROTTERDAM", "Rotterdam", "0599", "ROTTERDAM", 51.915, 4.470, 3.2,
        "3011 3014 3015 3021 3023 3025 3031 3034 3036 3043 3045 3051 3054 3061 3063 3071 3073 3074 3076 3077 3081"
        " 3083 3086",
        R_ROTTERDAM, "VO2801",
    ),
    "schiedam": _town("SCHIEDAM", "Schiedam", "0606", "SCHIEDAM", 51.918, 4.396, 1.0,
                      "3112 3114 3117 3121 3123", R_ROTTERDAM, "VO2801"),
    "vlaardingen": _town("VLAARDINGEN", "Vlaardingen", "0622", "VLAARDINGEN", 51.910, 4.338, 1.0,
                         "3131 3132 3134 3136", R_ROTTERDAM, "VO2801"),
    "maassluis": _town("MAASSLUIS", "Maassluis", "0556", "MAASSLUIS", 51.921, 4.258, 0.7,
                       "3141 3143 3145", R_ROTTERDAM, "VO2801"),
    "spijkenisse": _town("SPIJKENISSE", "Spijkenisse", "1930", "NISSEWAARD", 51.848, 4.328, 1.0,
                         "3201 3202 3204 3206", R_ROTTERDAM, "VO2802", gn=("Nissewaard", "1930")),
    "brielle": _town("BRIELLE", "Brielle", VAZ[0], VAZ[1], 51.903, 4.165, 0.6, "3231 3232", R_VOORNE, "VO2802",
                     exam_old="BRIELLE", gn=("Brielle", "0501")),
    "hellevoetsluis": _town("HELLEVOETSLUIS", "Hellevoetsluis", VAZ[0], VAZ[1], 51.830, 4.135, 0.8,
                            "3221 3222 3223 3224", R_VOORNE, "VO2802", exam_old="HELLEVOETSLUIS",
                            gn=("Hellevoetsluis", "0530")),
    "gouda": _town("GOUDA", "Gouda", "0513", "GOUDA", 52.013, 4.712, 0.9,
                   "2801 2802 2803 2804 2806", R_GOUDA, "VO2805"),
    "dordrecht": _town("DORDRECHT", "Dordrecht", "0505", "DORDRECHT", 51.815, 4.655, 0.6,
                       "3311 3312 3314 3317", R_DORDRECHT, "VO2803"),
    "leiden": _town("LEIDEN", "Leiden", "0546", "LEIDEN", 52.158, 4.490, 1.0,
                    "2311 2312 2313 2316 2321 2331 2333", R_LEIDEN, "VO2807"),
    "utrecht": _town("UTRECHT", "Utrecht", "0344", "UTRECHT", 52.090, 5.115, 2.0,
                     "3511 3521 3523 3527 3531 3544 3561 3581 3584", R_UTRECHT, "VO2604", provincie=UTR),
    "woerden": _town("WOERDEN", "Woerden", "0632", "WOERDEN", 52.086, 4.884, 0.7,
                     "3441 3443 3445", R_WOERDEN, "VO2605", provincie=UTR),
    "breda": _town("BREDA", "Breda", "0758", "BREDA", 51.588, 4.776, 1.5,
                   "4811 4812 4815 4817 4818", R_BREDA, "VO3002", provincie=NBR),
}
# fmt: on


@dataclass(frozen=True)
class Campus:
    """A campus anchor written to the GeoNames files (rounded, synthetic-sample coordinates)."""

    code: str
    pc6: str
    lat: float
    lon: float
    town: str


CAMPUS_ANCHORS: tuple[Campus, ...] = (
    Campus("IT&S", "2595 AN", 52.079, 4.342, "den_haag"),
    Campus("GT", "3232 AE", 51.899, 4.157, "brielle"),
    Campus("DIF", "2712 PB", 52.045, 4.518, "zoetermeer"),
    Campus("IE&M", "2627 AN", 51.994, 4.367, "delft"),
    Campus("DOC", "2628 AL", 52.000, 4.369, "delft"),
    Campus("DOC (printed)", "2628 CN", 51.999, 4.376, "delft"),
    Campus("IT", "3089 JW", 51.895, 4.419, "rotterdam"),
    Campus("BT", "2613 AX", 52.018, 4.345, "delft"),
)
# ETL (printed 3008 KA, a PO-box range) deliberately has no row in the GeoNames files.

# --------------------------------------------------------------------------------------------------
# School locations (vestigingen): every name is invented and marked "(synthetisch)".
# --------------------------------------------------------------------------------------------------

BROAD = "VBO/MAVO/HAVO/VWO"


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


def _n(text: str) -> str:
    return f"{text} {SYNTH}"


# fmt: off
LOC_SPECS: tuple[LocSpec, ...] = (
    # Den Haag
    LocSpec("A", "00", "den_haag", BROAD, _n("Voorbeeld Scholengemeenschap Haagse Duinen"), "K", "E&O Z&W MVI",
            exam=True),
    LocSpec("A", "01", "den_haag", "VBO/MAVO", _n("Voorbeeld Vmbo Haagse Duinen, locatie Laak"), "BK",
            "BWI PIE Z&W E&O"),
    LocSpec("B", "00", "den_haag", "HAVO/VWO", _n("Voorbeeldlyceum Scheveningen-Zuid"), exam=True),
    LocSpec("C", "00", "den_haag", "VWO", _n("Fictief Gymnasium Haagse Hout"), exam=True),
    LocSpec("D", "00", "den_haag", "VBO", _n("Proef Vakcollege Den Haag-Zuidwest"), "BKG", "BWI PIE M&T E&O Z&W",
            events=(("drop", "M&T", 2023),), exam=True),
    LocSpec("D", "01", "den_haag", "VBO/MAVO", _n("Proef Vakcollege Den Haag-Escamp"), "BK", "Z&W E&O HBR"),
    LocSpec("E", "00", "den_haag", "MAVO", "Sint-Joris Mavo Café (synthetisch)"),
    LocSpec("F", "00", "den_haag", "PRO", _n("Voorbeeld Praktijkschool Den Haag-Moerwijk")),
    LocSpec("G", "00", "den_haag", "VBO/MAVO", _n("Testcollege Transvaal"), "BKG", "PIE MVI Z&W E&O BWI",
            events=(("add", "BWI", 2022),), exam=True),
    LocSpec("H", "00", "den_haag", "MAVO/HAVO/VWO", _n("Voorbeeld Scholengemeenschap Mariahoeve")),
    LocSpec("H", "01", "den_haag", "VBO/MAVO", _n("Voorbeeld Vmbo Ypenburg-Nieuwbouw"), "KG", "D&P Z&W E&O",
            role="override"),
    LocSpec("I", "00", "den_haag", BROAD, _n("Testscholengemeenschap Loosduinen"), "BK", "BWI Z&W E&O D&P",
            role="pc4_only"),
    # Rijswijk, Voorburg, Leidschendam
    LocSpec("J", "00", "rijswijk", BROAD, _n("Voorbeeldcollege Rijswijk-Centrum"), "K", "Z&W E&O MVI"),
    LocSpec("J", "01", "rijswijk", "VBO", _n("Voorbeeld Vakschool Rijswijk-Oost"), "BK", "BWI PIE M&T Z&W E&O",
            exam=True),
    LocSpec("K", "00", "voorburg", "HAVO/VWO", _n("Voorbeeldlyceum Voorburg")),
    LocSpec("K", "01", "leidschendam", "VBO/MAVO", _n("Voorbeeld Vmbo Leidschendam"), "BKG", "D&P Z&W E&O MVI",
            events=(("add", "MVI", 2023),)),
    # Delft
    LocSpec("L", "00", "delft", BROAD, _n("Voorbeeldcollege Delft-Noord"), "KG", "PIE MVI Z&W E&O", exam=True),
    LocSpec("L", "01", "delft", "VBO", _n("Voorbeeld Vakcollege Delft-Tanthof"), "BKG", "BWI PIE Z&W E&O HBR",
            exam=True),
    LocSpec("M", "00", "delft", "HAVO/VWO", _n("Voorbeeldlyceum Delft-Centrum"), exam=True),
    LocSpec("M", "01", "delft", "VWO", _n("Fictief Gymnasium Delft")),
    LocSpec("N", "00", "delft", "VBO/MAVO", _n("Proefschool De Brücke Delft"), "BK", "BWI PIE M&T Z&W E&O",
            events=(("drop", "BWI", 2022), ("drop", "PIE", 2022), ("drop", "M&T", 2022))),
    LocSpec("N", "01", "delft", "VBO", _n("Voorbeeld Techniekcampus Delft-Zuid"), "BK", "BWI PIE M&T",
            role="new_2022"),
    # Zoetermeer, Pijnacker, Berkel en Rodenrijs, Naaldwijk
    LocSpec("O", "00", "zoetermeer", BROAD, _n("Voorbeeldcollege Zoetermeer-Oost"), "K", "E&O Z&W"),
    LocSpec("O", "01", "zoetermeer", "VBO/MAVO", _n("Voorbeeld Vmbo Zoetermeer-Noordhove"), "BKG",
            "PIE BWI Z&W E&O", exam=True),
    LocSpec("P", "00", "zoetermeer", "HAVO/VWO", _n("Voorbeeldlyceum Zoetermeer")),
    LocSpec("Q", "00", "zoetermeer", "VBO", _n("Proef Vakcollege Zoetermeer-Rokkeveen"), "BK",
            "BWI PIE M&T MVI Z&W E&O VRT", role="pc4_only", exam=True),
    LocSpec("Q", "01", "zoetermeer", "MAVO/HAVO/VWO", _n("Proef Scholengemeenschap Zoetermeer-Seghwaert")),
    LocSpec("R", "00", "pijnacker", "VBO/MAVO", _n("Voorbeeld Vmbo Pijnacker"), "BK", "Z&W E&O GR"),
    LocSpec("S", "00", "berkel", BROAD, _n("Voorbeeldcollege Berkel en Rodenrijs"), "KG", "BWI Z&W E&O"),
    LocSpec("T", "00", "naaldwijk", "VBO/MAVO", _n("Voorbeeld Vmbo Westland-Naaldwijk"), "BKG", "GR PIE Z&W E&O"),
    # Rotterdam
    LocSpec("U", "00", "rotterdam", BROAD, _n("Voorbeeld Scholengemeenschap Rotterdam-Centrum"), "K",
            "E&O Z&W MVI"),
    LocSpec("U", "01", "rotterdam", "VBO", _n("Voorbeeld Vakcollege Rotterdam-Zuid"), "BK",
            "BWI PIE M&T Z&W E&O VRT", exam=True),
    LocSpec("U", "02", "rotterdam", "VBO/MAVO", _n("Voorbeeldcollege Rotterdam, locatie Charlois"), "BKG",
            "D&P Z&W E&O HBR", exam=True),
    LocSpec("U", "03", "rotterdam", "BRUGJAAR", _n("Voorbeeld Schakelklas Rotterdam-Feijenoord"),
            role="missing_address"),
    LocSpec("V", "00", "rotterdam", "HAVO/VWO", _n("Voorbeeldlyceum Kralingen"), exam=True,
            name_2023=_n("Voorbeeldlyceum Kralingse Plas")),
    LocSpec("W", "00", "rotterdam", "VBO", _n("Proef Maritiem Vakcollege Rotterdam-Waalhaven"), "BK",
            "MaT PIE M&T E&O", exam=True),
    LocSpec("W", "01", "rotterdam", "VBO/MAVO", _n("Proef Vmbo Rotterdam-IJsselmonde"), "BKG", "BWI Z&W E&O D&P",
            events=(("drop", "D&P", 2022),)),
    LocSpec("X", "00", "rotterdam", "PRO", _n("Voorbeeld Praktijkschool Rotterdam-Delfshaven")),
    LocSpec("Y", "00", "rotterdam", "VBO/MAVO", _n("Testcollege Rotterdam-Noord"), "BKG", "MVI Z&W E&O HBR PIE",
            events=(("add", "PIE", 2023),)),
    LocSpec("Y", "01", "rotterdam", "MAVO/HAVO/VWO", _n("Testcollege Rotterdam-Hillegersberg")),
    LocSpec("Z", "00", "rotterdam", "VWO", _n("Fictief Gymnasium Rotterdam")),
    # Schiedam, Vlaardingen, Maassluis, Spijkenisse
    LocSpec("AA", "00", "schiedam", BROAD, _n("Voorbeeld Scholengemeenschap Schiedam"), "KG", "Z&W E&O PIE",
            exam=True),
    LocSpec("AA", "01", "schiedam", "VBO", _n("Voorbeeld Vakcollege Schiedam-Nieuwland"), "BK",
            "BWI PIE M&T Z&W HBR"),
    LocSpec("AB", "00", "vlaardingen", "VBO/MAVO", _n("Voorbeeld Vmbo Vlaardingen"), "BKG", "MaT BWI Z&W E&O",
            role="pc4_only", exam=True),
    LocSpec("AB", "01", "vlaardingen", "HAVO/VWO", _n("Voorbeeldlyceum Vlaardingen")),
    LocSpec("AC", "00", "maassluis", BROAD, _n("Voorbeeldcollege Maassluis"), "BKG", "PIE Z&W E&O D&P"),
    LocSpec("AD", "00", "spijkenisse", "VBO/MAVO", _n("Voorbeeld Vmbo Spijkenisse"), "BKG", "BWI PIE MVI Z&W E&O",
            events=(("phaseout", "BWI", 2022),), exam=True),
    LocSpec("AD", "01", "spijkenisse", "HAVO/VWO", _n("Voorbeeldlyceum Spijkenisse")),
    # Voorne aan Zee (Brielle, Hellevoetsluis)
    LocSpec("AE", "00", "brielle", BROAD, _n("Voorbeeld Scholengemeenschap Voorne"), "K", "Z&W E&O HBR"),
    LocSpec("AE", "01", "brielle", "VBO", _n("Voorbeeld Maritiem Vakcollege Brielle"), "BK", "MaT PIE Z&W E&O",
            exam=True),
    LocSpec("AE", "02", "hellevoetsluis", "VBO", _n("Voorbeeld Vmbo Hellevoetsluis-Oud"), "BK", "BWI Z&W E&O",
            role="closed_after_2021", exam=True),
    LocSpec("AF", "00", "hellevoetsluis", "VBO/MAVO", _n("Voorbeeld Vmbo Hellevoetsluis"), "BK",
            "D&P Z&W E&O BWI", events=(("add", "BWI", 2022),)),
    # 10-20 km band
    LocSpec("AG", "00", "gouda", "VBO/MAVO", _n("Voorbeeld Vmbo Gouda"), "BKG", "BWI PIE Z&W E&O HBR"),
    LocSpec("AG", "01", "gouda", "HAVO/VWO", _n("Voorbeeldlyceum Gouda")),
    LocSpec("AH", "00", "dordrecht", BROAD, _n("Voorbeeld Scholengemeenschap Dordrecht"), "BKG",
            "PIE M&T MaT Z&W E&O", exam=True),
    LocSpec("AI", "00", "leiden", "VBO/MAVO", _n("Voorbeeld Vmbo Leiden"), "BKG", "MVI D&P Z&W E&O"),
    LocSpec("AI", "01", "leiden", "HAVO/VWO", _n("Voorbeeldlyceum Leiden")),
    # Outside Zuid-Holland
    LocSpec("AJ", "00", "utrecht", "VBO/MAVO", _n("Voorbeeld Vmbo Utrecht-Overvecht"), "BKG", "BWI PIE MVI Z&W E&O"),
    LocSpec("AK", "00", "utrecht", "HAVO/VWO", _n("Voorbeeldlyceum Utrecht")),
    LocSpec("AL", "00", "woerden", BROAD, _n("Voorbeeld Scholengemeenschap Woerden"), "KG", "BWI Z&W E&O GR"),
    LocSpec("AM", "00", "breda", "VBO", _n("Voorbeeld Vakcollege Breda"), "BK", "BWI PIE M&T Z&W E&O"),
)
# fmt: on

# Explicit points for locations whose postcode area is designed (override: new-build area).
FIXED_POINTS: dict[tuple[str, str], tuple[float, float, str]] = {("H", "01"): (52.0412, 4.3671, "2499")}

STREETS: tuple[str, ...] = (
    "Voorbeeldlaan",
    "Proefstraat",
    "Steekproefweg",
    "Modelkade",
    "Testsingel",
    "Fictiefplein",
    "Schemaweg",
    "Synthesepad",
    "Dummystraat",
    "Scenariolaan",
    "Simulatieweg",
    "Oefenkade",
    "Kladbloklaan",
    "Prototypestraat",
    "Mockupweg",
)
DENOMINATIES: tuple[str, ...] = (
    "Openbaar",
    "Rooms-Katholiek",
    "Protestants-Christelijk",
    "Algemeen bijzonder",
    "Samenwerking PC, RK",
    "Interconfessioneel",
)
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"

# --------------------------------------------------------------------------------------------------
# Curricula: labels as spelled in DUO files; ELEMENTCODE/OPLEIDINGSCODE values are invented.
# --------------------------------------------------------------------------------------------------


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


# fmt: off
PROFILES: dict[str, Profile] = {
    p.code: p
    for p in (
        Profile("BWI", "Bouwen, wonen en interieur", "Bouwen, wonen en interieur", "Techniek", "techniek",
                0.92, 1.0, 1),
        Profile("PIE", "Produceren, installeren en energie", "Produceren, installeren en energie", "Techniek",
                "techniek", 0.93, 1.1, 2),
        Profile("M&T", "Mobiliteit en transport", "Mobiliteit en transport", "Techniek", "techniek", 0.94, 0.8, 3),
        Profile("MaT", "Maritiem en Techniek", "Maritiem en techniek", "Techniek", "techniek", 0.86, 0.6, 4),
        Profile("MVI", "Media, vormgeving en ICT", "Media, vormgeving en ICT", "Techniek", "techniek", 0.62, 0.8, 5),
        Profile("D&P", "Dienstverlening en producten", "Dienstverlening en producten", "Intersect. programma",
                "intersectoraal", 0.46, 1.0, 6),
        Profile("Z&W", "Zorg en welzijn", "Zorg en welzijn", "Zorg & Welzijn", "zorg en welzijn", 0.12, 1.4, 7),
        Profile("E&O", "Economie en ondernemen", "Economie en ondernemen", "Economie", "economie", 0.55, 1.3, 8),
        Profile("HBR", "Horeca, bakkerij en recreatie", "Horeca, bakkerij en recreatie", "Economie", "economie",
                0.50, 0.7, 9),
        Profile("GR", "Groen", "Groen", "Landbouw", "landbouw", 0.48, 0.6, 10),
        Profile("VRT", "Vakmanschapsroute Techniek", "Vakmanschapsroute Techniek Niveau-2", "Techniek",
                "techniek", 0.9, 0.3, 11),
    )
}
# fmt: on

LEERWEGEN: dict[str, tuple[str, str, str, int, float]] = {
    # letter: (ONDERWIJSTYPE label, opleiding abbreviation, exam letter, code digit, size)
    "B": ("VMBO BL lj 3-4", "BB", "B", 1, 9.0),
    "K": ("VMBO KL lj 3-4", "KB", "K", 2, 11.0),
    "G": ("VMBO GL lj 3-4", "GL", "G", 3, 6.0),
}
TL_LABEL = "VMBO TL lj 3-4"
# TL sector: (VMBO SECTOR, OPLEIDINGSNAAM suffix, code index, male share, exam sector)
TL_SECTORS: tuple[tuple[str, str, int, float, str], ...] = (
    ("Techniek", "Profiel Techniek", 1, 0.80, "techniek"),
    ("Zorg & Welzijn", "Profiel Zorg en Welzijn", 2, 0.20, "zorg en welzijn"),
    ("Economie", "Profiel Economie", 3, 0.55, "economie"),
    ("Landbouw", "Profiel Landbouw", 4, 0.50, "landbouw"),
)

BRUGJAAR_LABEL = "Brugjaar 1-2"
NVT = "N.v.t."
BRUGJAAR_NAMES: dict[str, str] = {
    "Ljvb op VMBO-Bbg/Kbg Lw": "0611",
    "Lj LWOO vb op Bbg/Kbg Lw": "0612",
    "Ljvb op VMBO-Alle Lw": "0613",
    "Lj LWOO vb op Alle Lw": "0614",
    "Ljvb op HAVO/VMBO-Th/Gm Lw": "0616",
    "Ljvb op VWO/HAVO": "0617",
    "Ljvb op VWO": "0618",
    "Ljvb op VWO/HAVO/VMBO-Alle Lw": "0619",
    "MAVO/Theor Lw-VMBO": "0620",
    "VWO-GYMNASIUMSTROOM": "0621",
}
BRUGJAAR_BY_KIND: dict[str, tuple[tuple[str, float, float], ...]] = {
    "VBO": (("Ljvb op VMBO-Bbg/Kbg Lw", 25, 50), ("Lj LWOO vb op Bbg/Kbg Lw", 6, 15)),
    "VBO/MAVO": (("Ljvb op VMBO-Alle Lw", 35, 70), ("Lj LWOO vb op Alle Lw", 6, 15)),
    BROAD: (("Ljvb op VWO/HAVO/VMBO-Alle Lw", 50, 100), ("Ljvb op VWO/HAVO", 30, 60)),
    "MAVO": (("MAVO/Theor Lw-VMBO", 30, 55), ("Ljvb op HAVO/VMBO-Th/Gm Lw", 15, 30)),
    "MAVO/HAVO/VWO": (("Ljvb op HAVO/VMBO-Th/Gm Lw", 40, 70), ("Ljvb op VWO/HAVO", 30, 60)),
    "HAVO/VWO": (("Ljvb op VWO/HAVO", 60, 110), ("Ljvb op VWO", 20, 40)),
    "VWO": (("VWO-GYMNASIUMSTROOM", 60, 90),),
    "PRO": (),
    "BRUGJAAR": (("Ljvb op VMBO-Bbg/Kbg Lw", 4, 7),),
}

# havo/vwo profile: (key, AFDELING, OPLEIDINGSNAAM short, male share, size, exam short, exam code)
HV_PROFILES: tuple[tuple[str, str, str, float, float, str, int], ...] = (
    ("NT", "Natuur en Techniek", "Nat/Tech", 0.76, 0.8, "N&T", 0),
    ("NG", "Natuur en Gezondheid", "Nat/Gezond", 0.32, 1.1, "N&G", 1),
    ("EM", "Economie en Maatschappij", "Ec/Maat", 0.62, 1.4, "E&M", 2),
    ("CM", "Cultuur en Maatschappij", "Cul/Maat", 0.26, 0.7, "C&M", 3),
    ("NTNG", "Natuur en Techniek / Natuur en Gezondheid", "Nat/Tech & Nat/Gezond", 0.50, 0.9, "N&T / N&G", 4),
    ("NGEM", "Natuur en Gezondheid / Economie en Maatschappij", "Nat/Gezond & Ec/Maat", 0.45, 0.15, "N&G / E&M", 8),
    ("EMCM", "Economie en Maatschappij / Cultuur en Maatschappij", "Ec/Maat & Cul/Maat", 0.42, 0.5, "E&M / C&M", 9),
)
HAVO_KINDS = (BROAD, "MAVO/HAVO/VWO", "HAVO/VWO")
MAVO_KINDS = (BROAD, "VBO/MAVO", "MAVO", "MAVO/HAVO/VWO")

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
EXAM_OLD_YEARS: tuple[int, ...] = (2014, 2015, 2016, 2017, 2018)
EXAM_OLD_FILLED: tuple[int, ...] = (2017, 2018)
EXAM_NEW_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)

# --------------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------------


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


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (mean earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


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


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------


def _censor(value: int) -> str:
    return "<5" if 1 <= value <= 4 else str(value)


def _lines_to_bytes(lines: Sequence[str], encoding: str, newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def _quoted(fields: Sequence[str], sep: str) -> str:
    return sep.join('"' + f.replace('"', '""') + '"' for f in fields)


def _pupil_fields(row: PupilRow, year: int) -> list[str]:
    """Fields of one pupils row in the layout of ``year`` (SAMENWERKINGSVERBAND and "<5" from 2023/2022)."""
    loc, o = row.loc, row.offer
    head = [loc.brin, loc.vest, loc.name(year), loc.town.plaats, loc.town.provincie]
    if year >= 2023:
        head.append(loc.town.swv)
    counts = [str(c) for c in row.counts] if year == 2021 else [_censor(c) for c in row.counts]
    return [*head, o.otype, o.sector, o.afdeling, o.code, o.opleiding, *counts]


def pupil_file_bytes(sample: Sample, year: int) -> bytes:
    """One pupils file in the header generation / encoding / censoring of ``year``.

    2021: old header, cp1252, ';', unquoted, plain counts. 2022: old header, UTF-8, ',' with every field
    quoted (CKAN portal style), "<5". 2023: new header, UTF-8, ';', "<5", CRLF line ends.
    """
    rows = [_pupil_fields(r, year) for r in sample.pupils[year]]
    if year == 2021:
        return _lines_to_bytes([";".join(f) for f in [list(PUPIL_HEADER_OLD), *rows]], "cp1252")
    if year == 2022:
        return _lines_to_bytes([_quoted(f, ",") for f in [list(PUPIL_HEADER_OLD), *rows]], "utf-8")
    return _lines_to_bytes([";".join(f) for f in [list(PUPIL_HEADER_NEW), *rows]], "utf-8", "\r\n")


def address_file_bytes(sample: Sample) -> bytes:
    """02.-alle-vestigingen-vo.csv: every location except the designed missing one."""
    hoofd = {loc.brin: loc for loc in sample.locations if loc.vest == "00"}
    rows = [loc for loc in sample.locations if loc.spec.role != "missing_address"]
    rows.sort(key=lambda loc: (loc.town.provincie, loc.brin, loc.vest))
    lines = [";".join(ADDRESS_HEADER)]
    for loc in rows:
        h = hoofd[loc.brin]
        reg = loc.town.region
        # Like DUO: the hoofdvestiging carries a web address, nevenvestigingen a blank padded field.
        web = f"www.synthetisch-{loc.brin.lower()}.example" if loc.vest == "00" else " " * 80
        fields = [
            loc.town.provincie,
            loc.bevoegd_gezag,
            loc.brin,
            loc.code,
            loc.name(2023),
            loc.street,
            loc.huisnummer_text,
            loc.postcode,
            loc.town.plaats,
            loc.town.gemeente_code,
            loc.town.gemeente,
            loc.denominatie,
            " " * 10,
            web,
            loc.spec.kind,
            h.street,
            h.huisnummer_text,
            h.postcode,
            h.town.plaats,
            *reg.nodaal,
            *reg.rpa,
            *reg.wgr,
            *reg.corop,
            *reg.onderwijsgebied,
            *reg.rmc,
        ]
        lines.append(";".join(fields))
    return _lines_to_bytes(lines, "cp1252")


def _jitter(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    dlat, dlon = _km_offset(lat, rng.gauss(0, metres / 1000), rng.gauss(0, metres / 1000))
    return lat + dlat, lon + dlon


def _geonames_line(pc: str, town: Town, lat: float, lon: float) -> str:
    return "\t".join(
        [
            "NL",
            pc,
            town.woonplaats,
            town.provincie,
            town.provincie_code,
            town.gn_gemeente,
            town.gn_gemeente_code,
            "",
            "",
            f"{lat:.4f}",
            f"{lon:.4f}",
            "6",
        ]
    )


def geonames_bytes(rng: random.Random, sample: Sample) -> tuple[bytes, bytes]:
    """NL_full.txt (PC6) and NL.txt (PC4) with the designed gaps."""
    pc6_rows: list[tuple[str, Town, float, float]] = []
    pc4_members: dict[str, list[tuple[Town, float, float]]] = {}
    for loc in sample.locations:
        if loc.spec.role == "missing_address":
            continue
        pc4 = loc.postcode[:4]
        if loc.spec.role != "override":
            pc4_members.setdefault(pc4, []).append((loc.town, loc.lat, loc.lon))
        if loc.spec.role in ("pc4_only", "override"):
            continue
        lat, lon = _jitter(rng, loc.lat, loc.lon, 60)
        pc6_rows.append((loc.postcode, loc.town, lat, lon))
    for c in CAMPUS_ANCHORS:
        pc6_rows.append((c.pc6, TOWNS[c.town], c.lat, c.lon))
        pc4_members.setdefault(c.pc6[:4], []).append((TOWNS[c.town], c.lat, c.lon))
    pc6_rows.sort(key=lambda r: r[0])
    full = [_geonames_line(pc, town, lat, lon) for pc, town, lat, lon in pc6_rows]
    pc4_lines = []
    for pc4 in sorted(pc4_members):
        members = pc4_members[pc4]
        lat = sum(m[1] for m in members) / len(members)
        lon = sum(m[2] for m in members) / len(members)
        lat, lon = _jitter(rng, lat, lon, 350)
        pc4_lines.append(_geonames_line(pc4, members[0][0], lat, lon))
    return _lines_to_bytes(full, "utf-8"), _lines_to_bytes(pc4_lines, "utf-8")


def _point_locations(rng: random.Random, sample: Sample) -> list[Location]:
    eligible = [
        loc
        for loc in sample.locations
        if loc.spec.role not in ("missing_address", "pc4_only", "override", "closed_after_2021")
    ]
    target = round(len(sample.locations) * 2 / 3)
    chosen = {loc.code for loc in rng.sample(eligible, min(target, len(eligible)))}
    return [loc for loc in sample.locations if loc.code in chosen]


def leerlingen_2023(sample: Sample) -> dict[str, int]:
    """Total 2023 pupils per location with "<5" cells counted as 2 (as the edugis points do)."""
    out: dict[str, int] = {}
    for r in sample.pupils[2023]:
        val = sum(2 if 1 <= c <= 4 else c for c in r.counts)
        out[r.loc.code] = out.get(r.loc.code, 0) + val
    return out


def points_zip_bytes(rng: random.Random, sample: Sample) -> tuple[bytes, list[str]]:
    """scholen20241122.geo.zip with one GeoJSON member; deterministic (stored, fixed timestamp)."""
    chosen = _point_locations(rng, sample)
    totals = leerlingen_2023(sample)
    features: list[dict[str, object]] = []
    for loc in sorted(chosen, key=lambda x: x.code):
        props: dict[str, object] = {
            "naam": loc.name(2023),
            "type": loc.spec.kind,
            "denominatie": loc.denominatie,
            "internetadres": f"www.synthetisch-{loc.brin.lower()}.example" if loc.vest == "00" else " ",
            "straat": loc.street,
            "huisnummer": loc.huisnummer,
            "huisletter": loc.huisletter,
            "huisnummertoevoeging": None,
            "postcode": loc.postcode.replace(" ", ""),
            "plaats": loc.town.woonplaats,
            "gemeente": loc.town.gemeente,
            "provincie": loc.town.provincie,
            "brin_nummer": loc.brin,
            "vestigingscode": loc.code,
            "onderwijsgebied": loc.town.region.onderwijsgebied[1],
            "leerlingen": totals.get(loc.code),
        }
        features.append(_feature(props, loc.lon, loc.lat))
    features.extend(_feature(props, lon, lat) for props, lat, lon in sample.extra_points)
    head = (
        '{\n"type": "FeatureCollection",\n"name": "scholen",\n"crs": { "type": "name", '
        '"properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n"features": [\n'
    )
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    text = head + body + "\n]\n}\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo(POINTS_MEMBER, date_time=(2024, 11, 22, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue(), [loc.code for loc in chosen]


def _feature(props: dict[str, object], lon: float, lat: float) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
    }


def extra_primary_points(rng: random.Random, used_brin: set[str]) -> list[tuple[dict[str, object], float, float]]:
    """Two synthetic basisschool points (type filtering in the points file; no vo data)."""
    out: list[tuple[dict[str, object], float, float]] = []
    for name, town_key in (
        ("Voorbeeld Basisschool De Proeftuin", "delft"),
        ("Voorbeeld Basisschool Het Testveld", "den_haag"),
    ):
        town = TOWNS[town_key]
        brin = _brin(rng, used_brin)
        dlat, dlon = _km_offset(town.lat, rng.uniform(-1, 1), rng.uniform(-1, 1))
        pc = f"{rng.choice(town.pc4s)}{rng.choice('HJKLMN')}{rng.choice('PRTVWX')}"
        props: dict[str, object] = {
            "naam": _n(name),
            "type": "basisschool",
            "denominatie": "Openbaar",
            "internetadres": " ",
            "straat": rng.choice(STREETS),
            "huisnummer": rng.randint(1, 99),
            "huisletter": None,
            "huisnummertoevoeging": None,
            "postcode": pc,
            "plaats": town.woonplaats,
            "gemeente": town.gemeente,
            "provincie": town.provincie,
            "brin_nummer": brin,
            "vestigingscode": brin + "00",
            "onderwijsgebied": town.region.onderwijsgebied[1],
            "leerlingen": None,
        }
        out.append((props, round(town.lat + dlat, 6), round(town.lon + dlon, 6)))
    return out


def override_bytes(sample: Sample) -> bytes:
    """geocode_overrides.csv for the location whose postcode is in neither GeoNames file."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["vestiging_code", "lat", "lon", "precision_m", "source_note"])
    for loc in sample.locations:
        if loc.spec.role == "override":
            w.writerow(
                [
                    loc.code,
                    f"{loc.lat:.6f}",
                    f"{loc.lon:.6f}",
                    "25",
                    f"SYNTHETIC sample: postcode {loc.postcode} (new-build area) is absent from the "
                    "GeoNames PC6 and PC4 files; point set by hand for the test",
                ]
            )
    return buf.getvalue().encode("utf-8")


# --- exams ------------------------------------------------------------------------------------


def _exam_catalogue(offers: list[Offer]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(level, exam label or vmbo leerweg letter, sector) → (expected candidates per year, male share)."""
    out: dict[tuple[str, str, str], list[float]] = {}
    for o in offers:
        if o.exam_key is None:
            continue
        level, label = o.exam_key
        if level == "vmbo":
            letter = label.split()[-1]
            if letter == "T":
                sector = next(s[4] for s in TL_SECTORS if s[0] == o.sector)
            else:
                sector = PROFILES[o.profile].exam_sector
            key = (level, letter, sector)
            cand = o.base[3]
        else:
            key = (level, label, "")
            cand = o.base[4] if level == "havo" else o.base[5]
        acc = out.setdefault(key, [0.0, 0.0])
        acc[0] += cand
        acc[1] += cand * o.male_share
    return {k: (v[0], v[1] / v[0] if v[0] else 0.5) for k, v in out.items()}


VMBO_EXAM_CODES: dict[str, dict[str, int]] = {
    # leerweg letter → sector → INSPECTIECODE (DUO exam-file code list)
    "B": {"techniek": 34, "zorg en welzijn": 35, "economie": 36, "landbouw": 37, "intersectoraal": 27},
    "K": {"techniek": 38, "zorg en welzijn": 39, "economie": 40, "landbouw": 41, "intersectoraal": 28},
    "G": {"techniek": 42, "zorg en welzijn": 43, "economie": 44, "landbouw": 45, "intersectoraal": 29},
    "T": {"techniek": 90, "zorg en welzijn": 91, "economie": 92, "landbouw": 93},
}
HV_EXAM_CODES: dict[str, int] = {
    f"{level} - {short}": base + idx
    for level, base in (("HAVO", 50), ("VWO", 60))
    for _k, _a, _s, _m, _z, short, idx in HV_PROFILES
}


@dataclass
class ExamRow:
    """Exam results of one opleiding at one location: year → (man, vrouw, onbekend) x (cand, pass)."""

    loc: Location
    otype: str
    inspectiecode: str
    opleiding: str
    by_year: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]]


def build_exams(rng: random.Random, sample: Sample, new_layout: bool) -> list[ExamRow]:
    """Exam rows for both layouts (vmbo D&P counts as intersectoraal in the old, economie in the new)."""
    years = EXAM_NEW_YEARS if new_layout else EXAM_OLD_FILLED
    rows: list[ExamRow] = []
    for loc in sample.locations:
        if not loc.spec.exam:
            continue
        cat = _exam_catalogue(sample.offers[loc.code])
        merged: dict[tuple[str, str, str], tuple[float, float]] = {}
        for (level, label, sector), (cand, male) in cat.items():
            if new_layout and sector == "intersectoraal":
                sector = "economie"
            key = (level, label, sector)
            if key in merged:
                c0, m0 = merged[key]
                merged[key] = (c0 + cand, (c0 * m0 + cand * male) / (c0 + cand))
            else:
                merged[key] = (cand, male)
        for (level, label, sector), (cand, male) in sorted(merged.items()):
            if level == "vmbo":
                code = VMBO_EXAM_CODES[label][sector]
                opleiding, otype = f"VMBO {label} - {sector}", "VMBO"
            else:
                code = HV_EXAM_CODES[label]
                opleiding, otype = label, label.split(" - ")[0]
            rate = {"vmbo": 0.95, "havo": 0.87, "vwo": 0.90}[level]
            by_year = {}
            for sy in years:
                closed = loc.spec.role == "closed_after_2021" and sy >= 2022
                k_total = 0 if closed else max(0, round(cand * (1 + 0.01 * (2021 - sy)) * rng.gauss(1.0, 0.1)))
                k_m = min(k_total, max(0, round(k_total * male + rng.gauss(0, 0.8))))
                k_v = k_total - k_m
                r = 0.99 if sy == 2019 else rate
                g_m = min(k_m, max(0, round(k_m * r + rng.gauss(0, 0.6))))
                g_v = min(k_v, max(0, round(k_v * r + rng.gauss(0, 0.6))))
                by_year[sy] = ((k_m, g_m), (k_v, g_v), (0, 0))
            rows.append(ExamRow(loc, otype, str(code), opleiding, by_year))
    if not new_layout:  # one candidate of unknown sex, to exercise the ONBEKEND columns
        r0 = next(r for r in rows if r.otype == "HAVO")
        m, v, _ = r0.by_year[2018]
        r0.by_year[2018] = (m, v, (1, 1))
    rows = [r for r in rows if any(sum(c for c, _ in y) for y in r.by_year.values())]
    rows.sort(key=lambda r: (r.loc.code, int(r.inspectiecode)))
    return rows


def _pct_old(cand: int, passed: int) -> str:
    if cand == 0:
        return ",0%"
    s = f"{100 * passed / cand:.1f}".replace(".", ",")
    return (s[1:] if s.startswith("0,") else s) + "%"


def _pct_new(cand: int, passed: int) -> str:
    if cand == 0:
        return "0"
    s = f"{100 * passed / cand:.1f}"
    return s[:-2] if s.endswith(".0") else s


def exam_old_bytes(rows: list[ExamRow]) -> bytes:
    """2014-2019 layout: cp1252, ';', MAN/VROUW/ONBEKEND/TOTAAL, '100,0%' percentages."""
    header = [
        "BRIN NUMMER",
        "VESTIGINGSNUMMER",
        "INSTELLINGSNAAM VESTIGING",
        "GEMEENTENAAM",
        "ONDERWIJSTYPE VO",
        "INSPECTIECODE",
        "OPLEIDINGSNAAM",
    ]
    for y in EXAM_OLD_YEARS:
        for sex in ("MAN", "VROUW", "ONBEKEND", "TOTAAL"):
            for what in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC"):
                header.append(f"{what} SCHOOLJAAR {y}-{y + 1} - {sex}")
    lines = [";".join(header)]
    for r in rows:
        fields = [
            r.loc.brin,
            r.loc.code,
            r.loc.name(2021),
            r.loc.town.exam_gemeente_old,
            r.otype,
            r.inspectiecode,
            r.opleiding,
        ]
        for y in EXAM_OLD_YEARS:
            parts = r.by_year.get(y, ((0, 0), (0, 0), (0, 0)))
            total = (sum(p[0] for p in parts), sum(p[1] for p in parts))
            for k, g in (*parts, total):
                fields.extend((str(k), str(g), _pct_old(k, g)))
        lines.append(";".join(fields))
    return _lines_to_bytes(lines, "cp1252")


def exam_new_bytes(rows: list[ExamRow]) -> bytes:
    """2019-2024 layout: UTF-8, every field quoted, CRLF, '<5', '90.9' percentages, no ONBEKEND."""
    header = [
        "INSTELLINGSCODE",
        "VESTIGINGSCODE",
        "INSTELLINGSNAAM VESTIGING",
        "GEMEENTENAAM",
        "ONDERWIJSTYPE VO",
        "INSPECTIECODE",
        "OPLEIDINGSNAAM",
    ]
    for y in EXAM_NEW_YEARS:
        for sex in ("MAN", "VROUW", "TOTAAL"):
            for what in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC"):
                header.append(f"{what} SCHOOLJAAR {y}-{y + 1} - {sex}")
    lines = [_quoted(header, ";")]
    for r in rows:
        fields = [
            r.loc.brin,
            r.loc.code,
            r.loc.name(2023),
            r.loc.town.exam_gemeente_new,
            r.otype,
            r.inspectiecode,
            r.opleiding,
        ]
        for y in EXAM_NEW_YEARS:
            (km, gm), (kv, gv), _ = r.by_year[y]
            for k, g in ((km, gm), (kv, gv), (km + kv, gm + gv)):
                fields.extend((_censor(k), _censor(g), _pct_new(k, g)))
        lines.append(_quoted(fields, ";"))
    return _lines_to_bytes(lines, "utf-8", "\r\n")


# --------------------------------------------------------------------------------------------------
# README and orchestration
# --------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """Facts about the generated sample (used by the README and the tests)."""

    edge_cases: dict[str, list[str]]
    pupil_totals: dict[int, dict[str, int]]
    rows_per_year: dict[int, int]
    locations_per_year: dict[int, int]
    n_locations: int
    n_address_rows: int
    n_points: int
    distance_bands: dict[str, int]
    boundary: list[tuple[str, float]]
    events: list[str]
    exam_locations: int
    exam_rows: tuple[int, int]


def _pupil_totals(rows: list[PupilRow]) -> dict[str, int]:
    exact = sum(sum(r.counts) for r in rows)
    small = [c for r in rows for c in r.counts if 1 <= c <= 4]
    big = exact - sum(small)
    return {
        "exact": exact,
        "censorable_cells": len(small),
        "with_lt5_as_2": big + 2 * len(small),
        "lower": big + len(small),
        "upper": big + 4 * len(small),
    }


def _distance_summary(locs: list[Location]) -> tuple[dict[str, int], list[tuple[str, float]]]:
    bands = {"<= 10 km": 0, "10-20 km": 0, "> 20 km": 0}
    boundary: list[tuple[str, float]] = []
    for loc in locs:
        d = min(haversine_km(loc.lat, loc.lon, c.lat, c.lon) for c in CAMPUS_ANCHORS)
        bands["<= 10 km" if d <= 10 else "10-20 km" if d <= 20 else "> 20 km"] += 1
        if 8.5 <= d <= 11.5:
            boundary.append((loc.code, round(d, 2)))
    return bands, boundary


def _events_text(sample: Sample) -> list[str]:
    out = []
    for loc in sample.locations:
        for kind, pcode, year in loc.spec.events:
            out.append(f"{loc.code} ({loc.town.plaats}): {kind} {pcode} in {year}")
    return out


def readme_text(summary: Summary, files: dict[str, int]) -> str:
    """The README.md of the sample folder (generated, so it always matches the data)."""
    ec = summary.edge_cases
    lines = [
        "# SYNTHETIC SAMPLE DATA: NOT DUO DATA",
        "",
        "**Every figure in this folder is synthetic: generated by `scripts/generate_sample.py` with a fixed seed.**",
        "No school, name, address, postcode, coordinate, pupil count or exam result here is real,"
        " and no row was copied from DUO or GeoNames files. All school names end in"
        f" `{SYNTH}`. Never use these files for any figure, report or conclusion: they exist only"
        " to exercise the pipeline (formats, encodings, joins, geocoding fallbacks, censoring)"
        " offline and in CI.",
        "",
        "The file names are the official DUO / GeoNames / edugis names, so the fetch layer finds"
        " them as if this folder were a mirror. The formats (headers, encodings, separators,"
        " quoting, label texts) mimic the real files; the contents do not.",
        "",
        "## Regenerate",
        "",
        "```",
        "python scripts/generate_sample.py            # writes data_raw/sample/",
        "python scripts/generate_sample.py --out DIR  # writes elsewhere",
        "```",
        "",
        "The output is byte-identical on every run (seed "
        f"{SEED}, standard library only, zip member stored with a fixed timestamp). The script"
        " overwrites only the files listed below. `tests/test_sample_generator.py` checks this.",
        "",
        "## Files and what each one exercises",
        "",
        "| file | bytes | format | exercises |",
        "|---|---|---|---|",
    ]
    desc = {
        PUPIL_FILE.format(year=2021): (
            "old header (`BRIN NUMMER`, 2-digit `VESTIGINGSNUMMER`, `ELEMENTCODE`); Windows-1252;"
            " `;`; unquoted; plain integer counts",
            "encoding detection (non-ASCII names: `Café`, `Brücke`), old header, no censoring",
        ),
        PUPIL_FILE.format(year=2022): (
            "old header; UTF-8; `,` with every field double-quoted (CKAN portal style); counts 1-4 written as `<5`",
            "delimiter/quoting detection, names with commas, `<5` censoring",
        ),
        PUPIL_FILE.format(year=2023): (
            "new header (`INSTELLINGSCODE`, `VESTIGINGSCODE`, `SAMENWERKINGSVERBAND`,"
            " `OPLEIDINGSCODE`); UTF-8; `;`; CRLF; `<5`",
            "header-generation mapping, censoring, CRLF, one renamed location",
        ),
        ADDRESS_FILE: (
            "exact 31-column header of DUO `02.-alle-vestigingen-vo.csv`; Windows-1252; `;`;"
            " 6-character `VESTIGINGSNUMMER`",
            "join pupils → addresses (one location deliberately missing), region columns"
            " (gemeente, provincie, COROP, RMC, onderwijsgebied)",
        ),
        NL_FULL_FILE: (
            "GeoNames PC6 dump: tab-separated, no header, 12 columns",
            "PC6 geocoding; campus postcodes (2628 CN and 2628 AL both present; 3008 KA absent)",
        ),
        NL_PC4_FILE: ("GeoNames PC4 dump, same layout", "PC4 fallback"),
        POINTS_FILE: (
            f"zip with `{POINTS_MEMBER}` (GeoJSON, CRS84, edugis property names)",
            "exact address points for about two thirds of the locations, plus 2 basisschool points (type filtering)",
        ),
        OVERRIDE_FILE: (
            "CSV `vestiging_code,lat,lon,precision_m,source_note`",
            "first step of the geocoding chain for a location no postcode file knows",
        ),
        EXAM_OLD_FILE: (
            "2014-2019 exam layout: Windows-1252, `;`, MAN/VROUW/ONBEKEND/TOTAAL, `100,0%`",
            "old exam layout; school years 2017-2018 and 2018-2019 filled, 2014-2015 to"
            " 2016-2017 all zero; one ONBEKEND candidate",
        ),
        EXAM_NEW_FILE: (
            "2019-2024 exam layout: UTF-8, every field quoted, `;`, CRLF, `<5`, `90.9`",
            "new exam layout, censoring; a location that closed (zeros from 2022-2023)",
        ),
    }
    for name, (fmt, what) in desc.items():
        lines.append(f"| `{name}` | {files.get(name, 0):,} | {fmt} | {what} |")
    lines += [
        f"| `{README_FILE}` | (this file) | Markdown | says loudly that all of this is synthetic |",
        "",
        "## Designed edge cases (vestiging codes)",
        "",
        f"- In the pupils files but **missing from the address file** (join coverage warning):"
        f" {', '.join(ec['missing_address'])}. Its pupils are few, so pupil coverage stays"
        " above 99% while location coverage drops to about 98%.",
        f"- Postcode **absent from `NL_full.txt` but its PC4 present in `NL.txt`** (PC4"
        f" fallback): {', '.join(ec['pc4_only'])}.",
        f"- Postcode in **neither** GeoNames file, coordinates in `{OVERRIDE_FILE}`: {', '.join(ec['override'])}.",
        f"- **New in peiljaar 2022** (technical profiles moved there from a sister location):"
        f" {', '.join(ec['new_2022'])}.",
        f"- **Closed after peiljaar 2021** (still in the address file, last exams 2021-2022):"
        f" {', '.join(ec['closed_after_2021'])}.",
        f"- **Renamed in 2023** (same code): {', '.join(ec['renamed_2023'])}.",
        "- Address file `GEMEENTENAAM` is `VOORNE AAN ZEE` (1992) for Brielle and"
        " Hellevoetsluis while `NL_full.txt`/`NL.txt` carry the 2022 municipalities (Brielle 0501,"
        " Hellevoetsluis 0530), as the real GeoNames snapshot does.",
        "- Profile changes between years (drop = gone from that year; phaseout = only leerjaar 4"
        " left that year; add = only leerjaar 3 in the first year):",
    ]
    lines += [f"  - {e}" for e in summary.events]
    lines += [
        "",
        "## Size and totals",
        "",
        f"- {summary.n_locations} locations in the pupils files (all years together),"
        f" {summary.n_address_rows} rows in the address file, {summary.n_points} vo points in"
        " the zip.",
        "- Nearest campus anchor (generated point, not the geocoded one): "
        + ", ".join(f"{k}: {v}" for k, v in summary.distance_bands.items())
        + ". Locations at 8.5-11.5 km (sensitive to the radius and geocoding precision): "
        + (", ".join(f"{c} ({d} km)" for c, d in summary.boundary) or "none")
        + ".",
        f"- Exams: {summary.exam_locations} locations; {summary.exam_rows[0]} rows in the"
        f" 2014-2019 file, {summary.exam_rows[1]} rows in the 2019-2024 file.",
        "",
        "| peiljaar | rows | locations | pupils (exact, as generated) | cells 1-4 | pupils with"
        " `<5` = 2 | bounds with `<5` = 1..4 |",
        "|---|---|---|---|---|---|---|",
    ]
    for y in PEILJAREN:
        t = summary.pupil_totals[y]
        lines.append(
            f"| {y} | {summary.rows_per_year[y]} | {summary.locations_per_year[y]} |"
            f" {t['exact']:,} | {t['censorable_cells']} | {t['with_lt5_as_2']:,} |"
            f" {t['lower']:,}-{t['upper']:,} |"
        )
    lines += [
        "",
        "In 2021 the counts 1-4 are written as numbers (no censoring), so the 2021 file total is"
        " exact; in 2022 and 2023 those cells are `<5` and only the bounds can be recovered.",
        "",
        "## Simplifications (do not read anything into these)",
        "",
        "- `ELEMENTCODE` / `OPLEIDINGSCODE` values are invented 4-digit codes; label texts"
        " (onderwijstype, sector, afdeling, opleidingsnaam patterns) follow DUO spelling.",
        "- Exam `INSPECTIECODE`s follow the DUO exam-file code list (e.g. 34 = VMBO B -"
        " techniek, 50 = HAVO - N&T). Exam candidates are derived loosely from the pupil design;"
        " D&P counts as `intersectoraal` in the old layout and as `economie` in the new one (an"
        " assumption of this generator, not a statement about DUO).",
        "- `SAMENWERKINGSVERBAND` codes, BRIN codes (90AA-99ZZ), bevoegd-gezag numbers, streets,"
        " house numbers, postcodes and all coordinates are invented. Phone numbers are blank;"
        " web addresses use the reserved `.example` domain.",
        "- Region codes/names (COROP, RMC, onderwijsgebied, ...) and CBS gemeentecodes are the"
        " public classification values for those towns.",
        "",
    ]
    return "\n".join(lines)


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
    contents[POINTS_FILE], point_codes = points_zip_bytes(rng, sample)
    contents[OVERRIDE_FILE] = override_bytes(sample)
    exams_old = build_exams(rng, sample, new_layout=False)
    exams_new = build_exams(rng, sample, new_layout=True)
    contents[EXAM_OLD_FILE] = exam_old_bytes(exams_old)
    contents[EXAM_NEW_FILE] = exam_new_bytes(exams_new)

    roles = ("missing_address", "pc4_only", "override", "new_2022", "closed_after_2021")
    edge = {role: [loc.code for loc in locations if loc.spec.role == role] for role in roles}
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
