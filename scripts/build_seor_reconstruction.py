#!/usr/bin/env python
"""Build the bundled "SEOR 2023 reconstruction" inventory from the published tables.

The Dingemans & Groenendijk (2023) inventory that SEOR (2023) started from is not public. This
script reconstructs a synthetic-but-faithful version of it: a set of 236 inventory rows plus the 16
SEOR additions such that the SEOR selection funnel, applied by rules, gives
236 -> 125 -> 116 -> 103 -> 119 -> 109 -> 70, and the 70 selected initiatives reproduce tables
2.2, 3.1-3.6 and 4.1-4.6 (per campus and in total) of the report.

Everything that is *published* (the 70 names and programmes, the addition URLs, the funnel counts,
every table figure, the campuses) is read from ``seor2023_tables.json``. Everything else is invented
by the algorithm below, deterministically (fixed seed):

1. Geography type of each of the 70 initiatives from rules on its programme (``type_of``); the
   resulting counts are checked against table 3.1.
2. Reach pattern (which campuses lie within the radius) per initiative: a location is searched
   near a plausible home place (``PLACES`` / ``place_keys_for``), optionally extended with
   synthetic participating schools, such that for every geography type the per-campus counts of
   table 4.1 come out exactly (dynamic programme over the initiatives, minimising an
   implausibility cost). Locations keep >= 1 km distance to every 5/10/15 km boundary of every
   campus wherever the tables allow it; the exceptions are listed in the report printed at the end
   (and in data_raw/seor2023/README.md).
3. Characteristics (tables 4.2-4.6): initiatives with the same reach vector form a group; per
   published value the number of group members having that value is found by exact enumeration,
   the values of one dimension are combined so that every initiative gets at least one (exactly one
   for single-valued dimensions), and members are then chosen by keyword affinity (``AFFINITY``).
4. The removed rows (steps 2, 3, 4, 6, 7 of the funnel) are generated from templates in places that
   make the rules remove them for the documented reason.
5. The funnel is re-applied to the written CSV in pandas and every published number is checked;
   the script exits non-zero if anything is not reproduced.

Run from the repository root::

    python scripts/build_seor_reconstruction.py [--spec ../shared/spec/seor2023_tables.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import itertools
import json
import math
import random
import re
import shutil
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEED = 20230913
REPO = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPO.parent / "shared" / "spec" / "seor2023_tables.json"
DEFAULT_CAMPUS_COORDS = REPO.parent / "shared" / "data" / "geo" / "campuses_geocoded.csv"
DEFAULT_OUT = REPO / "data_raw" / "seor2023"

EARTH_RADIUS_KM = 6371.0088
BOUNDARIES_KM = (5.0, 10.0, 15.0)  # radii the pipeline reports (pipeline.yaml sensitivity radii)
MARGIN_KM = 1.0  # wanted distance of every location to every boundary of every campus
MIN_RELAXED_MARGIN_KM = 0.3  # below this a location is never used
FIXED_TIMESTAMP = dt.datetime(2023, 9, 13, 0, 0, 0)
OUTPUT_FILES = ["inventory.csv", "inventory.xlsx", "labels.yaml", "participating_schools.csv"]

COLUMNS = [
    "id",
    "name",
    "programme",
    "category",
    "doelgroep",
    "region",
    "organisation",
    "address",
    "postcode",
    "place",
    "lat",
    "lon",
    "national_online",
    "participating_schools",
    "geography",
    "school_types",
    "target_groups",
    "activities",
    "praktijkgerichtheid",
    "branches",
    "url",
    "roc_location",
    "reach_override_campuses",
    "reach_override_reason",
    "provenance",
    "reconstructed",
    "notes",
]
MULTI_DIMS = ["school_types", "target_groups", "activities", "branches"]
CHAR_DIMS = ["geography", *MULTI_DIMS, "praktijkgerichtheid"]
# dimension -> (table 3.x key, table 4.x key, single valued)
DIMENSIONS: dict[str, tuple[str, str, bool]] = {
    "geography": ("tabel_3_1", "Tabel 4.1", True),
    "school_types": ("tabel_3_2", "Tabel 4.2", False),
    "target_groups": ("tabel_3_3", "Tabel 4.3", False),
    "activities": ("tabel_3_4", "Tabel 4.4", False),
    "praktijkgerichtheid": ("tabel_3_5", "Tabel 4.5", True),
    "branches": ("tabel_3_6", "Tabel 4.6", False),
}
AGGREGATE_LABELS = {"Lokaal", "Totaal"}
LABEL_CODE_EXCEPTIONS = {
    "Bemiddeling/promotie leerwerkplekken mbo": "bemiddeling leerwerkplekken mbo",
    "Wedstrijden/online activiteit": "wedstrijden/online",
}
NATIONAL = "Landelijk/online"
PRAKTIJK_ORDER = ["geen", "deels", "veel"]
SELECTED_NOTE = "named in SEOR 2023 bijlage"

# --------------------------------------------------------------------------------------------
# Knowledge used to make the invented parts plausible (not published figures).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """An anchor place: label written to the ``place`` column, centre, labour-market region."""

    label: str
    lat: float
    lon: float
    region: str
    radius_km: float = 3.0


RIJNMOND, HAAGLANDEN, ZHC = "Rijnmond", "Haaglanden", "Zuid-Holland Centraal"
HOLLAND_RIJNLAND, MIDDEN_HOLLAND = "Holland Rijnland", "Midden-Holland"
DRECHTSTEDEN, GORINCHEM = "Drechtsteden", "Gorinchem"

# Centres are GeoNames PC4 centroids (rounded) of the place or district.
PLACES: dict[str, Place] = {
    "rotterdam": Place("Rotterdam", 51.9199, 4.4824, RIJNMOND),
    "rotterdam-alexander": Place("Rotterdam", 51.9446, 4.5517, RIJNMOND),
    "rotterdam-delfshaven": Place("Rotterdam", 51.9128, 4.4426, RIJNMOND),
    "rotterdam-zuid": Place("Rotterdam", 51.8881, 4.4825, RIJNMOND),
    "rotterdam-overschie": Place("Rotterdam", 51.9467, 4.4503, RIJNMOND),
    "rotterdam-noord": Place("Rotterdam", 51.9448, 4.4776, RIJNMOND),
    "heijplaat": Place("Rotterdam", 51.8923, 4.4208, RIJNMOND),
    "pernis": Place("Rotterdam", 51.8892, 4.3885, RIJNMOND),
    "hoogvliet": Place("Rotterdam", 51.8614, 4.3661, RIJNMOND),
    "rozenburg": Place("Rotterdam", 51.9046, 4.2461, RIJNMOND),
    "maasvlakte": Place("Rotterdam", 51.9550, 4.0050, RIJNMOND, 1.5),
    "den-haag": Place("Den Haag", 52.0780, 4.3000, HAAGLANDEN),
    "den-haag-centrum": Place("Den Haag", 52.0780, 4.3180, HAAGLANDEN),
    "den-haag-bezuidenhout": Place("Den Haag", 52.0885, 4.3735, HAAGLANDEN, 1.5),
    "scheveningen": Place("Den Haag", 52.1023, 4.2850, HAAGLANDEN),
    "delft": Place("Delft", 51.9992, 4.3584, HAAGLANDEN),
    "schipluiden": Place("Schipluiden", 51.9749, 4.3181, HAAGLANDEN),
    "rijswijk": Place("Rijswijk", 52.0394, 4.3266, HAAGLANDEN),
    "westland": Place("Westland", 52.0185, 4.2120, HAAGLANDEN),
    "naaldwijk": Place("Naaldwijk", 51.9935, 4.2070, HAAGLANDEN),
    "leidschendam": Place("Leidschendam", 52.0860, 4.3930, ZHC),
    "voorburg": Place("Voorburg", 52.0746, 4.3608, ZHC),
    "zoetermeer": Place("Zoetermeer", 52.0603, 4.4994, ZHC),
    "pijnacker": Place("Pijnacker", 52.0114, 4.4418, ZHC),
    "nootdorp": Place("Nootdorp", 52.0465, 4.3954, ZHC),
    "wassenaar": Place("Wassenaar", 52.1291, 4.3820, ZHC),
    "berkel": Place("Berkel en Rodenrijs", 51.9942, 4.4758, ZHC),
    "waddinxveen": Place("Waddinxveen", 52.0419, 4.6452, MIDDEN_HOLLAND),
    "brielle": Place("Brielle", 51.9001, 4.1643, RIJNMOND),
    "hellevoetsluis": Place("Hellevoetsluis", 51.8311, 4.1241, RIJNMOND),
    "spijkenisse": Place("Spijkenisse", 51.8405, 4.3309, RIJNMOND),
    "schiedam": Place("Schiedam", 51.9216, 4.3904, RIJNMOND),
    "vlaardingen": Place("Vlaardingen", 51.9173, 4.3401, RIJNMOND),
    "maassluis": Place("Maassluis", 51.9279, 4.2443, RIJNMOND),
    "barendrecht": Place("Barendrecht", 51.8541, 4.5183, RIJNMOND),
    "ridderkerk": Place("Ridderkerk", 51.8694, 4.6024, RIJNMOND),
    "oud-beijerland": Place("Oud-Beijerland", 51.8221, 4.4094, RIJNMOND),
    "middelharnis": Place("Middelharnis", 51.7584, 4.1683, RIJNMOND),
    "numansdorp": Place("Numansdorp", 51.7334, 4.4404, RIJNMOND),
    "capelle": Place("Capelle aan den IJssel", 51.9339, 4.5801, RIJNMOND),
    "krimpen": Place("Krimpen aan den IJssel", 51.9158, 4.6034, RIJNMOND),
    "hazerswoude": Place("Hazerswoude-Dorp", 52.1007, 4.6225, HOLLAND_RIJNLAND),
    "benthuizen": Place("Benthuizen", 52.0769, 4.5470, HOLLAND_RIJNLAND),
    "voorschoten": Place("Voorschoten", 52.1292, 4.4462, HOLLAND_RIJNLAND),
    "leiden": Place("Leiden", 52.1576, 4.4883, HOLLAND_RIJNLAND),
    "leiderdorp": Place("Leiderdorp", 52.1580, 4.5296, HOLLAND_RIJNLAND),
    "oegstgeest": Place("Oegstgeest", 52.1829, 4.4684, HOLLAND_RIJNLAND),
    "katwijk": Place("Katwijk", 52.2004, 4.4177, HOLLAND_RIJNLAND),
    "noordwijk": Place("Noordwijk", 52.2410, 4.4340, HOLLAND_RIJNLAND),
    "lisse": Place("Lisse", 52.2565, 4.5587, HOLLAND_RIJNLAND),
    "alphen": Place("Alphen aan den Rijn", 52.1310, 4.6629, HOLLAND_RIJNLAND),
    "gouda": Place("Gouda", 52.0142, 4.7115, MIDDEN_HOLLAND),
    "bodegraven": Place("Bodegraven", 52.0791, 4.7566, MIDDEN_HOLLAND),
    "nieuwerkerk": Place("Nieuwerkerk aan den IJssel", 51.9691, 4.6119, MIDDEN_HOLLAND),
    "schoonhoven": Place("Schoonhoven", 51.9481, 4.8596, MIDDEN_HOLLAND),
    "gorinchem": Place("Gorinchem", 51.8357, 4.9736, GORINCHEM),
    "dordrecht": Place("Dordrecht", 51.7952, 4.6835, DRECHTSTEDEN),
    "papendrecht": Place("Papendrecht", 51.8327, 4.6970, DRECHTSTEDEN),
    "zwijndrecht": Place("Zwijndrecht", 51.8163, 4.6271, DRECHTSTEDEN),
    "sliedrecht": Place("Sliedrecht", 51.8286, 4.7691, DRECHTSTEDEN),
    "ambacht": Place("Hendrik-Ido-Ambacht", 51.8400, 4.6385, DRECHTSTEDEN),
    "alblasserdam": Place("Alblasserdam", 51.8661, 4.6600, DRECHTSTEDEN),
}
# Places where synthetic participating schools may be put.
SCHOOL_PLACES = [
    "den-haag",
    "delft",
    "rijswijk",
    "zoetermeer",
    "leidschendam",
    "nootdorp",
    "pijnacker",
    "brielle",
    "hellevoetsluis",
    "rotterdam",
    "rotterdam-zuid",
    "schiedam",
    "vlaardingen",
    "spijkenisse",
    "hazerswoude",
    "benthuizen",
    "wassenaar",
]
# Programmes whose initiatives are national/online, plus two single online/national activities.
NATIONAL_PROGRAMMES = {
    "WNTweb",
    "Wij-Techniek",
    "VHTO",
    "Platform Talent voor Technologie",
    "PTVT",
    "FME",
    "Zeekadetten corps",
}
NATIONAL_NAMES = {"Gaan voor een baan - filmpjes", "JINC - Techniekdagen"}
MBO_PROGRAMMES = {"Techniek College Rotterdam", "ROC Mondriaan", "MBO Rijnland", "IW"}
# Allowed to document participating schools (programmes that work with partner schools).
SCHOOL_TYPES_WITH_PARTNERS = {"Jet-Net clusters", "STO clusters", "EIC Mainport/haven initiatieven"}
LOCAL_PARTNERS = {"Jet-Net clusters", "STO clusters"}  # partner schools from their own region
# Name keyword -> candidate home places (first = preferred); first matching keyword wins.
NAME_PLACES: list[tuple[str, list[str]]] = [
    ("Futureland", ["maasvlakte"]),
    ("Port Rangers", []),  # reach override, located by port_rangers_location()
    ("Alexandrium", ["rotterdam-alexander"]),
    ("Schiedamseweg", ["rotterdam-delfshaven"]),
    ("Jan Ligthartsstraat", ["rotterdam-zuid", "rotterdam"]),
    ("RDM Werf", ["heijplaat"]),
    ("Online tech dag", ["heijplaat", "rotterdam"]),
    ("Barendrecht", ["barendrecht", "ridderkerk"]),
    ("Rijnstreek", ["alphen"]),
    ("Rotterdam Noord", ["rotterdam-noord", "rotterdam"]),
    ("Rotterdam Zuid", ["rotterdam-zuid"]),
    ("Voorne Putten", ["spijkenisse", "brielle", "hellevoetsluis", "hoogvliet"]),
    ("Hoeksche Waard", ["oud-beijerland", "middelharnis"]),
    ("Haaglanden", ["den-haag", "delft", "rijswijk", "scheveningen", "wassenaar"]),
    ("Rotterdam-Rijnmond", ["rotterdam"]),
    ("Westland", ["westland", "naaldwijk", "delft", "schipluiden"]),
    ("On Stage", ["delft", "schipluiden"]),  # rows carry the organiser's address (Delft)
    ("Leidschendam", ["leidschendam", "voorburg"]),
    ("Waddinxveen", ["waddinxveen"]),
    ("Zoetermeer", ["zoetermeer"]),
    ("Pernis", ["pernis"]),
    ("Hoogvliet", ["hoogvliet"]),
    ("Rijswijk", ["rijswijk"]),
    ("Mc Dermott", ["leidschendam"]),
    ("Festo", ["delft"]),
    ("DP6", ["delft"]),
    ("TNO", ["den-haag-centrum", "delft"]),
    ("Transtrend", ["rotterdam"]),
    ("Applus", ["rotterdam-overschie", "rotterdam", "schiedam"]),
    ("Jet-Net - Algemeen", ["den-haag", "rotterdam", "delft"]),
    ("Den Haag", ["den-haag", "den-haag-centrum", "den-haag-bezuidenhout", "scheveningen"]),
    ("Delft", ["delft", "schipluiden"]),
    ("Maak-o-theek", ["den-haag", "delft", "rotterdam", "wassenaar"]),
    ("Go Dare", ["maassluis", "rozenburg"]),
    ("Rotterdam", ["rotterdam", "rotterdam-noord", "rotterdam-overschie"]),
]
PROGRAMME_PLACES: dict[str, list[str]] = {
    "Port of Rotterdam": ["rotterdam", "heijplaat"],
    "NPRZ/ Gaan voor een baan": ["rotterdam-zuid", "rotterdam"],
    "IT Campus Rotterdam": ["heijplaat"],
    "Mainport-Next": ["rotterdam", "heijplaat"],
    "ROC Mondriaan": ["den-haag", "den-haag-centrum", "delft"],
    "IW": ["rotterdam"],
    "JINC": ["den-haag", "rotterdam", "delft", "scheveningen", "wassenaar"],
}
# URL -> initiative name (knowledge: which bijlage initiative each SEOR addition URL describes).
ADDITION_NAMES = {
    "https://www.ptvt.nl/": "Vakkanjers",
    "https://techopzuid.nl/promotie-en-beeldvorming-techniek/": (
        "Sterk Techniek Onderwijs Rotterdam Zuid - Tech op zuid"
    ),
    "https://www.wij-techniek.nl/": "Wij-Techniek",
    "https://www.vhto.nl/": "VHTO, Expertisecentrum genderdiversiteit in bèta, techniek en IT",
    "https://firstlegoleague.nl/": "First Lego league",
    "https://www.wij-techniek.nl/meiden-in-de-techniek/": "Meiden in de techniek",
    "https://www.gaanvooreenbaan.nu/aanbod/discoverylab": "Discovery Lab",
    "https://www.nprz.nl/activity/gaan-voor-een-baan": "Gaan voor een baan Evenement",
    "https://www.gaanvooreenbaan.nu/aanbod/filmpjes-van-beroepen": "Gaan voor een baan - filmpjes",
    "https://www.gaanvooreenbaan.nu/aanbod/kennismaken-met-de-ret": "Kennismaken met de RET",
    "https://www.gaanvooreenbaan.nu/aanbod/offshore-experience-met-workshop-vo": (
        "Maritiem museum - Offshore experience"
    ),
    "https://www.gaanvooreenbaan.nu/aanbod/make-and-experience": "Make and Experience",
}
# (regex on "name | programme | geography", {code: weight}): soft preferences only.
AFFINITY: list[tuple[str, dict[str, float]]] = [
    (r".", {"leerlingen": 3, "techniek breed": 1, "deels": 0.5}),
    (
        r"Jet-Net",
        {
            "samenwerking scholen en bedrijven": 3,
            "bedrijfsbezoek": 3,
            "havo": 2,
            "vwo": 2,
            "vo bovenbouw": 2,
            "technologie en wetenschap": 2,
            "deels": 2,
        },
    ),
    (r"Jet-Net - Algemeen", {"leraren": 4, "informatievoorziening": 3, "techniek breed": 3}),
    (
        r"Sterk Techniek Onderwijs",
        {
            "vmbo": 4,
            "vo onderbouw": 2,
            "samenwerking scholen en bedrijven": 3,
            "leraren": 3,
            "techniek breed": 3,
            "primair onderwijs": 1,
        },
    ),
    (
        r"Mbo-instellingen",
        {
            "vmbo": 4,
            "open dagen/proefstuderen": 4,
            "ouders": 2,
            "vo bovenbouw": 2,
            "veel": 1,
            "techniek breed": 2,
        },
    ),
    (r"IW,", {"installatietechniek": 5, "bemiddeling leerwerkplekken mbo": 3, "ouders": 1}),
    (r"Online tech dag", {"wedstrijden/online": 5, "informatievoorziening": 2, "it/ict": 2}),
    (r"RDM|Maritiem|[Hh]aven|Port|[Mm]ainport|Futureland|Zeekadet|WHD|Offshore", {"maritiem": 5}),
    (r"Port of Rotterdam", {"bedrijfsbezoek": 2, "informatievoorziening": 2, "vmbo": 1}),
    (r"Havenberoepen|filmpjes|WNTweb|Wij-Techniek|VHTO", {"informatievoorziening": 4, "geen": 3}),
    (r"VHTO|Meiden", {"meisjes": 10, "ouders": 1, "leraren": 2}),
    (r"Port Rangers", {"migratieachtergrond": 10, "primair onderwijs": 2, "veel": 2}),
    (r"WNTweb", {"leerlingen": -3, "leraren": 8, "primair onderwijs": 3, "gastlessen/lesprogramma's": 3}),
    (r"Vakkanjers|First Lego|RobotWise|Profielwerkstuk", {"wedstrijden/online": 5}),
    (
        r"Vakkanjers|First Lego|Digi-doener|Maak-o-theek|Discovery|JINC|Make and Experience",
        {"primair onderwijs": 3},
    ),
    (r"Profielwerkstuk", {"havo": 4, "vwo": 4, "vo bovenbouw": 4}),
    (r"RobotWise|Digi-doener|IT Campus|Make and Experience|Online|Transtrend", {"it/ict": 4}),
    (r"Evenement|event|markt|MATCH|Techniekdagen|Doe middag", {"evenement": 5}),
    (
        r"Maak-o-theek|Make and Experience|Discovery Lab|Doe middag|Zeekadetten|RobotWise|Offshore",
        {"veel": 4},
    ),
    (r"On Stage|JINC|Kennismaken|Go Dare|Aan de bak", {"bedrijfsbezoek": 3, "vmbo": 2}),
    (r"Aan de bak", {"bemiddeling leerwerkplekken mbo": 6}),
    (r"Techniekdagen", {"stage": 6}),
    (r"open dag", {"open dagen/proefstuderen": 6, "ouders": 2}),
    (r"Zeekadetten|Maak-o-theek|Discovery|Gaan voor een baan Evenement", {"ouders": 3}),
    (r"Siemens|ABB|Festo|IW,", {"installatietechniek": 3}),
    (r"Royal Haskoning|DP6|Ingenieursbureau", {"bouw": 4}),
    (r"Shell|Air Liquide|DSM|TNO|NEN|Applus|WNTweb|VHTO|Vakkanjers", {"technologie en wetenschap": 3}),
    (r"RET|Mc Dermott|Vicoma", {"techniek breed": 2, "bedrijfsbezoek": 2}),
    (r"Gastles|Digi-doener|RobotWise|lessen|JINC", {"gastlessen/lesprogramma's": 3}),
]


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (earth radius 6371.0088 km, as the pipeline)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


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


def norm_label(label: str) -> str:
    """Normalise a published row label so table 3.x and 4.x spellings can be matched."""
    s = label.lower().replace("voortgezet onderwijs – ", "vo ")
    return re.sub(r"\s+", "", s)


def label_to_code(dim: str, label: str) -> str:
    """Inventory code for a published table-3 label ("Vmbo" -> "vmbo", ...)."""
    if dim == "geography":
        return label
    return LABEL_CODE_EXCEPTIONS.get(label, label.lower())


@dataclass
class Targets:
    """Published per-campus and total counts per dimension and code."""

    campuses: list[str]
    labels: dict[str, dict[str, str]]  # dim -> code -> published label (table 3.x)
    per_campus: dict[str, dict[str, dict[str, int]]]  # dim -> code -> campus -> count
    total: dict[str, dict[str, int]]  # dim -> code -> total (table 3.x)
    table4_total: dict[str, dict[str, int]]  # dim -> code -> 'total' column of table 4.x
    table4_labels: dict[str, dict[str, str]]  # dim -> code -> table 4.x label
    local_total: int
    local_per_campus: dict[str, int]
    per_campus_total: dict[str, int]


def load_targets(spec: dict[str, Any]) -> Targets:
    """Read tables 2.2, 3.x and 4.x into code-keyed targets (4.x rows matched by label)."""
    campuses = [c["code"] for c in spec["campuses"]]
    labels: dict[str, dict[str, str]] = {}
    per_campus: dict[str, dict[str, dict[str, int]]] = {}
    total: dict[str, dict[str, int]] = {}
    t4_total: dict[str, dict[str, int]] = {}
    t4_labels: dict[str, dict[str, str]] = {}
    for dim, (k3, k4, _single) in DIMENSIONS.items():
        t3, t4 = spec[k3], spec["tabellen_4"][k4]
        by_norm = {norm_label(lab): lab for lab in t4}
        labels[dim], per_campus[dim], total[dim] = {}, {}, {}
        t4_total[dim], t4_labels[dim] = {}, {}
        for lab, value in t3.items():
            if lab in AGGREGATE_LABELS:
                continue
            code = label_to_code(dim, lab)
            lab4 = by_norm.get(norm_label(lab))
            if lab4 is None:
                raise SystemExit(f"table {k4} has no row for {k3} label {lab!r}")
            row = t4[lab4]
            labels[dim][code] = lab
            total[dim][code] = int(value)
            per_campus[dim][code] = {c: int(row[c]) for c in campuses}
            t4_total[dim][code] = int(row["total"])
            t4_labels[dim][code] = lab4
    lokaal = spec["tabellen_4"]["Tabel 4.1"]["Lokaal"]
    return Targets(
        campuses=campuses,
        labels=labels,
        per_campus=per_campus,
        total=total,
        table4_total=t4_total,
        table4_labels=t4_labels,
        local_total=int(spec["tabel_3_1"]["Lokaal"]),
        local_per_campus={c: int(lokaal[c]) for c in campuses},
        per_campus_total={c: int(v) for c, v in spec["tabel_2_2_per_campus"].items()},
    )


def consistency_report(spec: dict[str, Any], targets: Targets) -> list[str]:
    """Every internal inconsistency between the published tables (printed, not fixed)."""
    issues: list[str] = []
    camp = targets.campuses
    funnel = [n for _, n in spec["tabel_2_1_funnel"]]
    n_additions = len(spec["additions_urls"]) - 1 + len(spec["jinc_split"])
    if funnel[3] + n_additions != funnel[4]:
        issues.append(f"table 2.1: {funnel[3]} + {n_additions} additions != {funnel[4]}")
    for dim, (k3, k4, single) in DIMENSIONS.items():
        t4 = spec["tabellen_4"][k4]
        for code, lab in targets.labels[dim].items():
            if targets.total[dim][code] != targets.table4_total[dim][code]:
                issues.append(
                    f"{k4} row {targets.table4_labels[dim][code]!r}: total column "
                    f"{targets.table4_total[dim][code]} != {k3} {lab!r} "
                    f"{targets.total[dim][code]}"
                )
        tot = t4["Totaal"]
        for c in camp:
            if tot[c] != targets.per_campus_total[c]:
                issues.append(f"{k4} Totaal {c} {tot[c]} != table 2.2 {targets.per_campus_total[c]}")
            if single:
                s = sum(targets.per_campus[dim][code][c] for code in targets.labels[dim])
                if s != tot[c]:
                    issues.append(f"{k4}: column {c} sums to {s}, Totaal says {tot[c]}")
            for code in targets.labels[dim]:
                if targets.per_campus[dim][code][c] > tot[c]:
                    issues.append(f"{k4} {code} {c} exceeds the column total")
        if single:
            s = sum(targets.total[dim].values())
            s4 = sum(targets.table4_total[dim].values())
            if s != funnel[-1]:
                issues.append(f"{k3} sums to {s}, not {funnel[-1]}")
            if s4 != tot["total"]:
                issues.append(f"{k4} total column sums to {s4}, Totaal says {tot['total']}")
        if tot["total"] != funnel[-1]:
            issues.append(f"{k4} Totaal total {tot['total']} != {funnel[-1]}")
    sub = sum(v for k, v in targets.total["geography"].items() if k != NATIONAL)
    if sub != targets.local_total:
        issues.append(f"table 3.1: Lokaal {targets.local_total} != sum of organiser types {sub}")
    lokaal = spec["tabellen_4"]["Tabel 4.1"]["Lokaal"]
    for c in camp + ["total"]:
        s = sum(
            spec["tabellen_4"]["Tabel 4.1"][targets.table4_labels["geography"][k]][c]
            for k in targets.labels["geography"]
            if k != NATIONAL
        )
        if s != lokaal[c]:
            issues.append(f"Tabel 4.1 Lokaal {c} {lokaal[c]} != sum of organiser types {s}")
    return issues


def load_campuses(spec: dict[str, Any], coords_csv: Path) -> dict[str, tuple[float, float]]:
    """Campus code -> (lat, lon), joining the spec campuses on postcode to the coordinate table."""
    table = pd.read_csv(coords_csv, dtype=str)
    by_pc = {r.postcode_given.replace(" ", ""): r for r in table.itertuples()}
    out: dict[str, tuple[float, float]] = {}
    for c in spec["campuses"]:
        row = by_pc.get(c["postcode"].replace(" ", ""))
        if row is None:
            raise SystemExit(f"no coordinates for campus {c['code']} ({c['postcode']})")
        out[c["code"]] = (float(row.lat), float(row.lon))
    return out


# --------------------------------------------------------------------------------------------
# The 70 selected initiatives
# --------------------------------------------------------------------------------------------


@dataclass
class Initiative:
    """One of the 70 selected initiatives and everything the builder decides for it."""

    name: str
    programme: str
    geography: str = ""
    point: Point | None = None
    schools: list[Point] = field(default_factory=list)
    override: frozenset[str] = frozenset()
    override_reason: str = ""
    reach: frozenset[str] = frozenset()
    values: dict[str, set[str]] = field(default_factory=dict)
    addition_url: str = ""

    @property
    def key(self) -> str:
        """Text the affinity rules are matched against."""
        return f"{self.name} | {self.programme} | {self.geography}"


def type_of(name: str, programme: str) -> str:
    """Geography (organiser type) of a selected initiative, from its programme."""
    if programme in NATIONAL_PROGRAMMES or name in NATIONAL_NAMES:
        return NATIONAL
    if programme == "Port of Rotterdam":
        return "EIC Mainport/haven initiatieven"
    if programme == "STO":
        return "STO clusters"
    if programme == "Jet-Net":
        return "Jet-Net clusters"
    if programme in MBO_PROGRAMMES:
        return "Mbo-instellingen/ROC's"
    return "Overig"


def place_keys_for(name: str, programme: str) -> list[str]:
    """Candidate home places of an initiative (first = preferred)."""
    for keyword, keys in NAME_PLACES:
        if keyword.lower() in name.lower():
            return keys
    return PROGRAMME_PLACES.get(programme, ["rotterdam"])


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


@dataclass(frozen=True)
class Option:
    """One way to give an initiative a reach set: own location plus 0-2 schools."""

    cost: float
    point: Point
    schools: tuple[Point, ...]


def reach_options(
    item: Initiative, geo: Geometry, school_points: list[Point], max_schools: int
) -> dict[frozenset[str], Option]:
    """Reach set -> cheapest Option (own location plus at most ``max_schools`` schools)."""
    out: dict[frozenset[str], Option] = {}

    def offer(reach: frozenset[str], opt: Option) -> None:
        if reach and (reach not in out or opt.cost < out[reach].cost):
            out[reach] = opt

    partners = item.geography in SCHOOL_TYPES_WITH_PARTNERS and max_schools > 0
    for rank, pk in enumerate(place_keys_for(item.name, item.programme)):
        for reach, pt in geo.options(pk).items():
            cost = rank + (0.0 if pt.margin >= MARGIN_KM else 30 + 40 * (MARGIN_KM - pt.margin))
            offer(reach, Option(cost, pt, ()))
            if not partners:
                continue
            anchor = PLACES[pk]

            def school_cost(school: Point, anchor: Place = anchor) -> float:
                """Schools far away, or (Jet-Net/STO) in another labour-market region, cost more."""
                far = haversine_km(anchor.lat, anchor.lon, school.lat, school.lon) / 5
                other = item.geography in LOCAL_PARTNERS and PLACES[school.place].region != anchor.region
                return 3 + far + (5 if other else 0)

            for s1 in school_points:
                c1 = school_cost(s1)
                offer(reach | s1.reach, Option(cost + c1, pt, (s1,)))
                for s2 in school_points if max_schools > 1 else ():
                    if (s2.place, s2.lat) <= (s1.place, s1.lat):
                        continue
                    c2 = school_cost(s2)
                    offer(reach | s1.reach | s2.reach, Option(cost + c1 + c2, pt, (s1, s2)))
    return out


def solve_reach(items: list[Initiative], geo: Geometry, targets: Targets, rng: random.Random, noise: float) -> None:
    """Choose a location (and schools) per local initiative so table 4.1 is met per type."""
    school_points = sorted(
        {pt for pk in SCHOOL_PLACES for pt in geo.options(pk).values() if pt.reach and pt.margin >= MARGIN_KM},
        key=lambda p: (p.place, p.lat, p.lon),
    )
    camp = targets.campuses
    for gtype in targets.labels["geography"]:
        members = [it for it in items if it.geography == gtype]
        if gtype == NATIONAL:
            for it in members:
                it.reach = frozenset(camp)
            continue
        fixed = [it for it in members if it.override]
        free = [it for it in members if not it.override]
        target = [targets.per_campus["geography"][gtype][c] for c in camp]
        for it in fixed:
            target = [t - (c in it.override) for t, c in zip(target, camp, strict=True)]
        # fewest schools first: the DP is exact per tier, and cheap without school combinations
        for max_schools in (0, 1, 2):
            opts = []
            for it in free:
                o = reach_options(it, geo, school_points, max_schools)
                opts.append(
                    [
                        (tuple(int(c in r) for c in camp), op.cost + noise * rng.random(), r, op)
                        for r, op in sorted(o.items(), key=lambda kv: sorted(kv[0]))
                    ]
                )
            choice = _min_cost_choice([[(v, cost) for v, cost, _r, _op in o] for o in opts], tuple(target))
            if choice is not None:
                break
        if choice is None:
            raise SystemExit(f"table 4.1 row {gtype!r} cannot be met with the candidate places")
        for it, o, k in zip(free, opts, choice, strict=True):
            _vec, _c, reach, op = o[k]
            it.point, it.schools, it.reach = op.point, list(op.schools), reach


def _min_cost_choice(
    opts: list[list[tuple[tuple[int, ...], float]]], target: tuple[int, ...]
) -> tuple[int, ...] | None:
    """Index of one option per item so that the option vectors sum to target at minimum cost."""
    n, nc = len(opts), len(target)
    if any(not o for o in opts):
        return None
    cap = [[0] * nc for _ in range(n + 1)]  # most each column can still receive from items i..
    for i in range(n - 1, -1, -1):
        cap[i] = [cap[i + 1][c] + max(v[c] for v, _ in opts[i]) for c in range(nc)]

    @functools.cache
    def best(i: int, rem: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
        if i == n:
            return (0.0, ()) if not any(rem) else (math.inf, ())
        res: tuple[float, tuple[int, ...]] = (math.inf, ())
        nxt = cap[i + 1]
        for k, (vec, cost) in enumerate(opts[i]):
            r2 = tuple(a - b for a, b in zip(rem, vec, strict=True))
            if min(r2) < 0 or any(r > m for r, m in zip(r2, nxt, strict=True)):
                continue
            sub = best(i + 1, r2)
            if sub[0] + cost < res[0]:
                res = (sub[0] + cost, (k, *sub[1]))
        return res

    cost, choice = best(0, target)
    return choice if math.isfinite(cost) else None


# --------------------------------------------------------------------------------------------
# Characteristics (tables 4.2-4.6)
# --------------------------------------------------------------------------------------------


@functools.cache
def _affinity(key: str, code: str) -> float:
    return sum(w.get(code, 0.0) for pat, w in AFFINITY if re.search(pat, key))


def affinity(item: Initiative, code: str) -> float:
    """Soft preference of an initiative for a code (sum of matching AFFINITY rules)."""
    return _affinity(item.key, code)


def enumerate_counts(
    target: tuple[int, ...], vecs: list[tuple[int, ...]], caps: list[int], limit: int
) -> list[tuple[int, ...]]:
    """All vectors n (0 <= n_g <= caps_g) with sum_g n_g * vecs_g == target (exact, pruned)."""
    ng, nc = len(vecs), len(target)
    last = [max((g for g in range(ng) if vecs[g][c]), default=-1) for c in range(nc)]
    closes = [[c for c in range(nc) if last[c] == g] for g in range(ng)]
    cap_after = [[0] * nc for _ in range(ng + 1)]
    for g in range(ng - 1, -1, -1):
        cap_after[g] = [cap_after[g + 1][c] + caps[g] * vecs[g][c] for c in range(nc)]
    if any(target[c] and last[c] < 0 for c in range(nc)):
        return []
    out: list[tuple[int, ...]] = []
    acc = [0] * ng

    def rec(g: int, rem: list[int]) -> None:
        if len(out) >= limit:
            return
        if g == ng:
            if not any(rem):
                out.append(tuple(acc))
            return
        v = vecs[g]
        for k in range(caps[g] + 1):
            r2 = [a - k * b for a, b in zip(rem, v, strict=True)]
            if min(r2) < 0:
                break
            if any(r2[c] for c in closes[g]):
                continue
            if any(r2[c] > cap_after[g + 1][c] for c in range(nc)):
                continue
            acc[g] = k
            rec(g + 1, r2)
        acc[g] = 0

    rec(0, list(target))
    return out


def solve_dimension(dim: str, items: list[Initiative], targets: Targets, rng: random.Random) -> None:
    """Give every initiative its values of one dimension so table 4.x and 3.x are met exactly."""
    single = DIMENSIONS[dim][2]
    camp = targets.campuses
    codes = list(targets.labels[dim])
    vec_of = [tuple(int(c in it.reach) for c in camp) + (1,) for it in items]
    # wide groups first, so that the narrow ones close their campus columns (exact pruning)
    group_vecs = sorted(set(vec_of), key=lambda v: (-sum(v), v))
    members = {v: [i for i, vv in enumerate(vec_of) if vv == v] for v in group_vecs}
    caps = [len(members[v]) for v in group_vecs]
    jitter = {(i, code): rng.random() * 0.01 for i in range(len(items)) for code in codes}

    def aff(i: int, code: str) -> float:
        return affinity(items[i], code) + jitter[(i, code)]

    def group_score(code: str, counts: tuple[int, ...]) -> float:
        s = 0.0
        for v, n in zip(group_vecs, counts, strict=True):
            if n:
                s += sum(sorted((aff(i, code) for i in members[v]), reverse=True)[:n])
        return s

    sols: dict[str, list[tuple[int, ...]]] = {}
    for code in codes:
        tgt = tuple(targets.per_campus[dim][code][c] for c in camp) + (targets.total[dim][code],)
        found = enumerate_counts(tgt, group_vecs, caps, limit=20000)
        if not found:
            raise SystemExit(f"{dim} {code!r}: no assignment reproduces the published counts")
        sols[code] = sorted(found, key=lambda s: -group_score(code, s))
    chosen: dict[str, tuple[int, ...]]
    if single:
        chosen = _couple_single(codes, sols, caps)
    else:
        chosen = _couple_multi(codes, sols, caps)
    for it in items:
        it.values[dim] = set()
    for gi, v in enumerate(group_vecs):
        quota = {code: chosen[code][gi] for code in codes}
        assign = _assign_group(members[v], quota, single, aff)
        for i, vals in assign.items():
            items[i].values[dim] = vals


def _couple_single(
    codes: list[str], sols: dict[str, list[tuple[int, ...]]], caps: list[int]
) -> dict[str, tuple[int, ...]]:
    """Pick one solution per code whose group counts add up exactly to the group sizes."""
    *head, last = codes
    last_set = {s: k for k, s in enumerate(sols[last])}
    best: tuple[int, dict[str, tuple[int, ...]]] | None = None
    for n, combo in enumerate(itertools.product(*(range(len(sols[c])) for c in head))):
        if n > 3_000_000:  # the lists are sorted by affinity: a good partition comes early
            break
        if best is not None and sum(combo) >= best[0]:
            continue
        used = [sum(sols[c][k][g] for c, k in zip(head, combo, strict=True)) for g in range(len(caps))]
        rest = tuple(cap - u for cap, u in zip(caps, used, strict=True))
        if min(rest) < 0 or rest not in last_set:
            continue
        rank = sum(combo) + last_set[rest]
        if best is None or rank < best[0]:
            best = (rank, {**{c: sols[c][k] for c, k in zip(head, combo, strict=True)}, last: rest})
    if best is None:
        raise SystemExit("single-valued dimension: no exact partition of the groups")
    return best[1]


def _couple_multi(
    codes: list[str], sols: dict[str, list[tuple[int, ...]]], caps: list[int]
) -> dict[str, tuple[int, ...]]:
    """Pick one solution per code so that every group has at least as many values as members."""
    order = sorted(codes, key=lambda c: len(sols[c]))
    ng = len(caps)
    maxes = {c: [max(s[g] for s in sols[c]) for g in range(ng)] for c in codes}
    chosen: dict[str, tuple[int, ...]] = {}
    budget = [200000]

    def rec(k: int, have: list[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if k == len(order):
            return all(h >= cap for h, cap in zip(have, caps, strict=True))
        rest = order[k + 1 :]
        for s in sols[order[k]]:
            h2 = [a + b for a, b in zip(have, s, strict=True)]
            if any(h2[g] + sum(maxes[c][g] for c in rest) < caps[g] for g in range(ng)):
                continue
            chosen[order[k]] = s
            if rec(k + 1, h2):
                return True
        return False

    if not rec(0, [0] * ng):
        raise SystemExit("multi-valued dimension: no combination covers every initiative")
    return dict(chosen)


def _assign_group(idx: list[int], quota: dict[str, int], single: bool, aff: Any) -> dict[int, set[str]]:
    """Distribute per-code quotas over the members of one group, by affinity."""
    vals: dict[int, set[str]] = {i: set() for i in idx}
    if single:
        pairs = sorted(((aff(i, c), i, c) for i in idx for c in quota), reverse=True)
        left = dict(quota)
        for _a, i, c in pairs:
            if not vals[i] and left[c] > 0:
                vals[i].add(c)
                left[c] -= 1
        improved = True
        while improved:  # pairwise swaps that raise total affinity
            improved = False
            for a, b in itertools.combinations(idx, 2):
                (ca,), (cb,) = vals[a], vals[b]
                if ca != cb and aff(a, cb) + aff(b, ca) > aff(a, ca) + aff(b, cb) + 1e-9:
                    vals[a], vals[b] = {cb}, {ca}
                    improved = True
        return vals
    for c, n in quota.items():
        for i in sorted(idx, key=lambda i: -aff(i, c))[:n]:
            vals[i].add(c)
    while True:
        empty = [i for i in idx if not vals[i]]
        if not empty:
            return vals
        i = empty[0]
        moves = [(aff(j, c) - aff(i, c), j, c) for j in idx if len(vals[j]) > 1 for c in sorted(vals[j])]
        _loss, j, c = min(moves)
        vals[j].discard(c)
        vals[i].add(c)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def doelgroep_for(school_types: set[str], po_vo: list[str], national: bool, k: int) -> str:
    """A po/vo doelgroep text (one of the seven published strings) matching the school types."""
    po = "primair onderwijs" in school_types
    vo = bool(school_types - {"primair onderwijs"})
    only_vmbo = school_types <= {"vmbo", "vo onderbouw", "vo bovenbouw"} and "vmbo" in school_types
    by_text = {s.lower(): s for s in po_vo}
    if po and not vo:
        return by_text["leerlingen po"]
    if po and vo:
        wide = [s for s in po_vo if s.lower().startswith("leerlingen po, vo")]
        if national:
            return wide[k % len(wide)]
        return [by_text["leerlingen basisschool, vmbo en vo"], wide[0]][k % 2]
    if only_vmbo:
        return by_text["leerlingen vmbo"]
    return by_text["leerlingen vo"]


def fmt_set(values: Iterable[str], order: list[str]) -> str:
    """Pipe-join a set of codes in published order."""
    vals = set(values)
    return "|".join(c for c in order if c in vals)


@dataclass
class Row:
    """One output row before id assignment."""

    data: dict[str, Any]
    key: str  # internal handle
    dup_of: str = ""  # key of the original for exact duplicates
    before: tuple[str, ...] = ()  # keys of rows this row must precede (lower id)


def organisation_for(item: Initiative) -> str:
    """Organisation column for a selected initiative (derived from name and programme)."""
    if item.programme == "Jet-Net":
        rest = item.name.replace("Jet-Net cluster ", "").replace("Jet-Net - ", "")
        return rest if rest != "Algemeen" else "Jet-Net & TechNet"
    if item.programme == "STO":
        return item.name.replace("Sterk Techniek Onderwijs", "STO-regio")
    if item.programme == "JINC":
        return "JINC"
    return item.programme


class Builder:
    """Builds all rows of the reconstruction."""

    def __init__(self, spec: dict[str, Any], geo: Geometry, targets: Targets, seed: int) -> None:
        self.spec, self.geo, self.targets = spec, geo, targets
        self.rng = random.Random(seed)
        self.codes = {dim: list(targets.labels[dim]) for dim in DIMENSIONS}
        self.po_vo = list(spec["po_vo_doelgroepen"])
        self.schools: dict[tuple[float, float], str] = {}
        self.school_rows: list[dict[str, Any]] = []
        self.rows: list[Row] = []

    # ---- selected ------------------------------------------------------------------------
    def selected_items(self) -> list[Initiative]:
        """The 70 initiatives with geography, reach and characteristics solved."""
        camp = self.targets.campuses
        note = self.spec["port_rangers_note"]
        m = re.search(r"\(([A-Z&, ]+)\)", note)
        override = frozenset(s.strip() for s in m.group(1).split(",")) if m else frozenset()
        if not override or not override <= set(camp):
            raise SystemExit("cannot read the override campuses from port_rangers_note")
        urls: dict[str, str] = {}
        for url in self.spec["additions_urls"]:
            if "jinc.nl" in url:
                urls.update({n: url for n in self.spec["jinc_split"]})
            else:
                urls[ADDITION_NAMES[url]] = url
        items = []
        for entry in self.spec["bijlage_70_initiatieven"]:
            it = Initiative(entry["initiatief"], entry["onderdeel_van"])
            it.geography = type_of(it.name, it.programme)
            it.addition_url = urls.get(it.name, "")
            if "Port Rangers" in it.name:
                it.override, it.override_reason = override, note
                near = frozenset(
                    c["code"] for c in self.spec["campuses"] if c["code"] in override and c["city"] == "Rotterdam"
                )
                it.point = override_location(self.geo, override, near)
                it.reach = override
            items.append(it)
        missing = set(urls) - {it.name for it in items}
        if missing:
            raise SystemExit(f"additions not in the bijlage: {sorted(missing)}")
        counts = Counter(it.geography for it in items)
        for code, n in self.targets.total["geography"].items():
            if counts[code] != n:
                raise SystemExit(f"type rules give {counts[code]} {code!r}, table 3.1 says {n}")
        last_error = None
        for attempt in range(20):
            try:
                solve_reach(items, self.geo, self.targets, self.rng, noise=0.5 * attempt)
                for dim in DIMENSIONS:
                    if dim == "geography":
                        for it in items:
                            it.values[dim] = {it.geography}
                    else:
                        solve_dimension(dim, items, self.targets, self.rng)
                return items
            except SystemExit as exc:  # try another (perturbed) reach solution
                last_error = exc
        raise SystemExit(f"no reconstruction found: {last_error}")

    def school_code(self, pt: Point) -> str:
        """Register a synthetic participating school and return its code."""
        key = (pt.lat, pt.lon)
        if key not in self.schools:
            code = f"S-{len(self.schools) + 1:03d}"
            self.schools[key] = code
            self.school_rows.append(
                {
                    "code": code,
                    "name": f"Synthetische vo-school {PLACES[pt.place].label} ({code})",
                    "lat": f"{pt.lat:.5f}",
                    "lon": f"{pt.lon:.5f}",
                }
            )
        return self.schools[key]

    def base_row(self, **kw: Any) -> dict[str, Any]:
        """A row with every column present (defaults for the optional ones)."""
        row = dict.fromkeys(COLUMNS, "")
        row.update(national_online="false", reconstructed="true", provenance="inventory")
        row.update(kw)
        return row

    def char_fields(self, values: dict[str, set[str]]) -> dict[str, str]:
        """Characteristic columns from value sets."""
        out = {dim: fmt_set(values[dim], self.codes[dim]) for dim in MULTI_DIMS}
        out["geography"] = next(iter(values["geography"]))
        out["praktijkgerichtheid"] = next(iter(values["praktijkgerichtheid"]))
        return out

    def location_fields(self, pt: Point | None) -> dict[str, str]:
        """place/region/lat/lon for a point (empty for national rows)."""
        if pt is None:
            return {"region": "Landelijk"}
        key = pt.place or nearest_place(pt.lat, pt.lon)
        place = PLACES[key]
        return {
            "place": place.label,
            "region": place.region,
            "lat": f"{pt.lat:.5f}",
            "lon": f"{pt.lon:.5f}",
        }

    def add_selected(self, items: list[Initiative]) -> None:
        """Rows for the 70 (inventory rows and SEOR additions)."""
        for k, it in enumerate(items):
            national = it.geography == NATIONAL
            row = self.base_row(
                name=it.name,
                programme=it.programme,
                category="promotie",
                doelgroep=doelgroep_for(it.values["school_types"], self.po_vo, national, k),
                organisation=organisation_for(it),
                national_online="true" if national else "false",
                participating_schools="|".join(self.school_code(s) for s in it.schools),
                url=it.addition_url,
                reach_override_campuses="|".join(c for c in self.targets.campuses if c in it.override),
                reach_override_reason=it.override_reason,
                provenance="seor_addition" if it.addition_url else "inventory",
                notes=SELECTED_NOTE,
                **self.char_fields(it.values),
                **self.location_fields(None if national else it.point),
            )
            self.rows.append(Row(row, key=f"sel:{it.name}"))

    # ---- step 6 siblings -----------------------------------------------------------------
    def add_concentration(self, items: list[Initiative], n_extra: int) -> None:
        """Rows that step 6 collapses into one initiative per ROC location."""
        by_name = {r.data["name"]: r for r in self.rows}
        # selected ROC locations that get extra activities, with (suffix, n siblings)
        plan = [
            ("Techniek College Rotterdam - RDM Werf", ["open dag maritiem", "proefstuderen"]),
            ("Techniek College Rotterdam - Alexandrium", ["open dag"]),
            ("Techniek College Rotterdam - Schiedamseweg", ["proefstuderen vmbo"]),
            ("Techniek College Rotterdam - Jan Ligthartsstraat", ["techniekmiddag"]),
            ("MBO-Rijnland Zoetermeer", ["open dag techniek"]),
        ]
        single_locations = [
            "MBO-Rijnland Leidschendam-Voorburg",
            "MBO-Rijnland Waddinxveen",
        ]
        item_by_name = {it.name: it for it in items}
        used = 0
        for name, suffixes in plan:
            sel = by_name[name]
            sel.data["roc_location"] = name
            it = item_by_name[name]
            subsets = self.split_values(it.values, len(suffixes) + 1)
            sel.data.update(self.char_fields(subsets[0]))
            for n, (suffix, vals) in enumerate(zip(suffixes, subsets[1:], strict=True)):
                row = dict(sel.data)
                row.update(
                    name=f"{name}: {suffix}",
                    doelgroep=doelgroep_for(vals["school_types"], self.po_vo, False, n),
                    url="",
                    provenance="inventory",
                    notes=(
                        f"reconstructed row: removed at step 6 (concentrated into '{name}' at ROC location '{name}')"
                    ),
                    **self.char_fields(vals),
                )
                # one ROC group where the bijlage-named survivor is not the first id
                before = (sel.key,) if n == 0 and "RDM" in name else ()
                self.rows.append(Row(row, key=f"roc:{name}:{n}", before=before))
                used += 1
        for name in single_locations:
            by_name[name].data["roc_location"] = name
        # dropped ROC locations (all rows removed later at step 7). The plain-named row is the
        # shortest name and gets the lowest id, so "bijlage name", "shortest name" and "first id"
        # survivor rules agree; Dordrecht has two same-named rows with different characteristics.
        dropped = [
            ("gouda", "Mbo-techniekcollege Gouda", ["open dag techniek"]),
            ("leiden", "Mbo-techniekcollege Leiden", ["proefstuderen"]),
            ("dordrecht", "Mbo-techniekcollege Dordrecht", ["open dag", "open dag"]),
        ]
        for place_key, org, suffixes in dropped:
            pt = self.far_point(place_key)
            loc = f"{org} - {PLACES[place_key].label}"
            names = [org] + [f"{org}: {suffix}" for suffix in suffixes]
            while True:  # same-named rows must differ, or step 4 would already remove them
                values = self.random_values("Mbo-instellingen/ROC's")
                subsets = self.split_values(values, len(suffixes) + 1)
                keys = {(nm, self._char_key(v)) for nm, v in zip(names, subsets, strict=True)}
                if len(keys) == len(names):
                    break
            keys = [f"drop-roc:{loc}:{n}" for n in range(len(names))]
            for n, (name, vals) in enumerate(zip(names, subsets, strict=True)):
                row = self.base_row(
                    name=name,
                    programme=org,
                    category="promotie",
                    doelgroep=doelgroep_for(vals["school_types"], self.po_vo, False, n),
                    organisation=org,
                    roc_location=loc,
                    **self.char_fields(vals),
                    **self.location_fields(pt),
                )
                self.rows.append(Row(row, key=keys[n], before=tuple(keys[1:]) if n == 0 else ()))
                used += 1 if n else 0
        if used != n_extra:
            raise SystemExit(f"concentration plan collapses {used} rows, table 2.1 needs {n_extra}")

    @staticmethod
    def _char_key(values: dict[str, set[str]]) -> tuple[tuple[str, ...], ...]:
        """Comparable form of a row's characteristics (as step 4 compares them)."""
        return tuple(tuple(sorted(values[d])) for d in CHAR_DIMS)

    def split_values(self, values: dict[str, set[str]], n: int) -> list[dict[str, set[str]]]:
        """n value dicts whose union is ``values`` (max praktijk kept by the first)."""
        out: list[dict[str, set[str]]] = [{} for _ in range(n)]
        for dim, vals in values.items():
            if dim in ("geography", "praktijkgerichtheid"):
                top = next(iter(vals))
                for k in range(n):
                    if dim == "geography" or k == 0:
                        out[k][dim] = {top}
                    else:
                        lower = PRAKTIJK_ORDER[: PRAKTIJK_ORDER.index(top) + 1]
                        out[k][dim] = {self.rng.choice(lower)}
                continue
            ordered = [c for c in self.codes[dim] if c in vals]
            for k in range(n):
                out[k][dim] = set()
            for j, c in enumerate(ordered):
                out[j % n][dim].add(c)
                if self.rng.random() < 0.3:
                    out[self.rng.randrange(n)][dim].add(c)
            for k in range(n):
                if not out[k][dim]:
                    out[k][dim].add(self.rng.choice(ordered))
        return out

    # ---- invented rows -------------------------------------------------------------------
    def far_point(self, place_key: str) -> Point:
        """A point near a place that reaches no campus, with the full boundary margin."""
        opts = self.geo.options(place_key)
        pt = opts.get(frozenset())
        if pt is None or pt.margin < MARGIN_KM:
            raise SystemExit(f"no location outside every campus radius near {place_key}")
        return pt

    def random_values(self, geography: str) -> dict[str, set[str]]:
        """Plausible random characteristics for an invented row."""
        r = self.rng
        out: dict[str, set[str]] = {"geography": {geography}}
        for dim in MULTI_DIMS:
            codes = self.codes[dim]
            if dim == "school_types" and geography == "Mbo-instellingen/ROC's":
                codes = [c for c in codes if c != "primair onderwijs"]
            if dim == "target_groups":
                vals = {"leerlingen"} | {c for c in codes if r.random() < 0.15}
            else:
                vals = {c for c in codes if r.random() < 0.3} or {r.choice(codes)}
            out[dim] = vals
        out["praktijkgerichtheid"] = {r.choice(PRAKTIJK_ORDER)}
        return out

    def invented_row(
        self,
        name: str,
        category: str,
        doelgroep: str,
        organisation: str,
        pt: Point | None,
        geography: str,
        note: str,
        values: dict[str, set[str]] | None = None,
    ) -> dict[str, Any]:
        """An invented inventory row."""
        vals = values or self.random_values(geography)
        return self.base_row(
            name=name,
            programme=organisation,
            category=category,
            doelgroep=doelgroep,
            organisation=organisation,
            national_online="true" if geography == NATIONAL else "false",
            notes=note,
            **self.char_fields(vals),
            **self.location_fields(pt),
        )

    def add_dropped_by_reach(self, n_initiatives: int) -> None:
        """Local po/vo promotion initiatives that no campus radius reaches (step 7)."""
        already = sum(1 for row in self.rows if row.key.startswith("drop-roc:") and row.key[-2:] == ":0")
        activities = [
            ("Techniekweek basisscholen", "Basisscholen", "Overig", "Leerlingen po"),
            ("Proeflessen techniek vmbo", "Vo-school", "STO clusters", "Leerlingen vmbo"),
            ("Bedrijfsbezoeken techniek vo", "Techniekbedrijf", "Jet-Net clusters", "Leerlingen vo"),
            ("Gastlessen installatietechniek", "Installatiebedrijf", "Overig", "Leerlingen vmbo"),
            ("Maakplaats bibliotheek", "Bibliotheek", "Overig", "Leerlingen po"),
            ("Techniekmarkt", "Gemeente", "Overig", "Leerlingen basisschool, vmbo en vo"),
            ("Robotica-wedstrijd", "Vo-school", "Overig", "Leerlingen vo"),
            ("Doe-dag bouw en infra", "Bouwbedrijf", "Overig", "Leerlingen vmbo"),
            ("Havenexcursie", "Havenbedrijf", "EIC Mainport/haven initiatieven", "Leerlingen vo"),
            ("Energielespakket", "Netbeheerder", "Overig", "Leerlingen po, vo, (v)mbo"),
            ("Science-dag havo/vwo", "Hogeschool", "Overig", "Leerlingen vo"),
            ("Techniekpromotie vmbo", "Samenwerkingsverband vmbo", "STO clusters", "Leerlingen vmbo"),
        ]
        for *_rest, dg in activities:
            if dg not in self.po_vo:
                raise SystemExit(f"template doelgroep {dg!r} is not a po/vo group")
        label_to_key = {p.label: k for k, p in PLACES.items() if p.radius_km >= 3.0}
        towns = [label_to_key[t] for t in self.spec["excluded_places_examples"]]
        towns += [
            "katwijk", "noordwijk", "lisse", "oegstgeest", "leiderdorp", "zwijndrecht",
            "sliedrecht", "ambacht", "alblasserdam", "ridderkerk", "capelle", "krimpen",
            "nieuwerkerk", "middelharnis", "numansdorp", "schoonhoven", "bodegraven", "naaldwijk",
        ]  # fmt: skip
        need = n_initiatives - already
        names: set[str] = set()
        # two near-duplicate pairs (same name, different characteristics): 4 initiatives
        for town, a in (("leiden", 0), ("dordrecht", 5)):
            pt = self.far_point(town)
            act, org, geo_type, dg = activities[a]
            name = f"{act} {PLACES[town].label}"
            names.add(name)
            v1 = self.random_values(geo_type)
            v2 = {k: set(v) for k, v in v1.items()}
            v2["activities"] = v1["activities"] ^ {"evenement"} or {"bedrijfsbezoek"}
            for n, vals in enumerate((v1, v2)):
                org_name = f"{org} {PLACES[town].label}"
                row = self.invented_row(name, "promotie", dg, org_name, pt, geo_type, "", vals)
                self.rows.append(Row(row, key=f"drop:near:{town}:{n}"))
            need -= 2
        school_far = self.far_point("bodegraven")
        k = 0
        while need > 0:
            town = towns[k % len(towns)]
            act, org, geo_type, dg = activities[(k * 5 + 3 + k // len(towns)) % len(activities)]
            k += 1
            name = f"{act} {PLACES[town].label}"
            if name in names:
                continue
            names.add(name)
            pt = self.far_point(town)
            org_name = f"{org} {PLACES[town].label}"
            row = self.invented_row(name, "promotie", dg, org_name, pt, geo_type, "")
            if town == "gouda" and not any(
                r.data["participating_schools"] for r in self.rows if r.key.startswith("drop:")
            ):
                row["participating_schools"] = self.school_code(school_far)
            self.rows.append(Row(row, key=f"drop:{k}"))
            need -= 1

    def add_removed_early(self, n_step2: int, n_step3: int) -> None:
        """Rows removed at step 2 (category) and step 3 (doelgroep)."""
        r = self.rng
        cats = [c for c in self.spec["inventory_categories"] if c != "promotie"]
        templates = {
            cats[0]: [
                ("Zij-instroomtraject {b}", "Zij-instromers"),
                ("Omscholing naar {b}", "Werkzoekenden"),
                ("Baangarantie-traject {b}", "Werkzoekenden"),
                ("Leerwerktraject volwassenen {b}", "Werknemers"),
            ],
            cats[1]: [
                ("Werkgeversnetwerk {b}", "Werkgevers"),
                ("Praktijkopleiders-training {b}", "Werkgevers"),
                ("Regionaal techniekakkoord {b}", "Werkgevers en onderwijs"),
            ],
            cats[2]: [
                ("Subsidieregeling leerwerkplekken {b}", "Werkgevers"),
                ("Lespakket {b}", "Leerlingen vo"),
                ("Arbeidsmarktmonitor {b}", "Beleidsmakers"),
                ("Matchingsplatform stages {b}", "Studenten mbo"),
            ],
        }
        branches = [
            "installatietechniek",
            "bouw",
            "maritieme techniek",
            "ICT",
            "procestechniek",
            "energietransitie",
            "elektrotechniek",
        ]
        places = sorted(k for k in PLACES if PLACES[k].radius_km >= 3.0)
        orgs = ["Gemeente", "Werkgeversvereniging", "UWV-regio", "Opleidingsfonds"]
        seen: set[str] = set()
        made = 0
        while made < n_step2:
            cat = r.choices(cats, [0.4, 0.33, 0.27])[0]
            tmpl, dg = r.choice(templates[cat])
            pk = r.choice(places)
            region = PLACES[pk].region
            geo_type = r.choice(["Overig", "Mbo-instellingen/ROC's", NATIONAL])
            where = "(landelijk)" if geo_type == NATIONAL else region
            name = f"{tmpl.format(b=r.choice(branches))} {where}"
            if name in seen:
                continue
            seen.add(name)
            row = self.invented_row(
                name,
                cat,
                dg,
                f"{r.choice(orgs)} {where}",
                None if geo_type == NATIONAL else self.any_point(pk),
                geo_type,
                f"reconstructed row: removed at step 2 (category {cat})",
            )
            self.rows.append(Row(row, key=f"cat:{made}"))
            made += 1
        non_po_vo = [
            ("Techniekpromotie mbo-studenten", "Studenten mbo"),
            ("Doorstroomdag mbo-hbo techniek", "Leerlingen mbo"),
            ("Hbo-voorlichting techniek", "Studenten hbo"),
            ("Techniekdag werkzoekende jongeren", "Werkzoekenden"),
            ("Bijscholing techniekdocenten mbo", "Docenten mbo"),
            ("Voorlichting ouders mbo-techniek", "Ouders"),
            ("Oriëntatiedag techniek jongeren 18-27", "Jongeren 18-27 jaar"),
            ("Loopbaandag techniek vo en mbo", "Leerlingen vo en mbo"),
            ("Techniek-bootcamp mbo", "Leerlingen mbo"),
        ]
        step3_places = ["rotterdam", "den-haag", "delft", "zoetermeer", "gouda", "dordrecht"]
        for k in range(n_step3):
            act, dg = non_po_vo[k % len(non_po_vo)]
            if dg in self.po_vo:
                raise SystemExit(f"step-3 template doelgroep {dg!r} is a po/vo group")
            pk = step3_places[k % len(step3_places)]
            row = self.invented_row(
                f"{act} {PLACES[pk].label}",
                "promotie",
                dg,
                f"Mbo-instelling {PLACES[pk].label}",
                self.any_point(pk),
                "Overig",
                f"reconstructed row: removed at step 3 (doelgroep '{dg}' is not a po/vo group)",
            )
            self.rows.append(Row(row, key=f"dg:{k}"))

    def any_point(self, place_key: str) -> Point:
        """A point near a place with the full boundary margin (reach does not matter)."""
        good = [p for p in self.geo.options(place_key).values() if p.margin >= MARGIN_KM]
        return self.rng.choice(sorted(good, key=lambda p: (p.lat, p.lon)))

    # ---- step 4 duplicates ---------------------------------------------------------------
    def add_duplicates(self, n: int) -> None:
        """Exact duplicates (same normalised name and characteristic sets) of later ids."""
        r = self.rng
        selected = sorted(
            row.key
            for row in self.rows
            if row.key.startswith("sel:") and row.data["provenance"] == "inventory" and not row.data["roc_location"]
        )
        dropped = sorted(
            row.key for row in self.rows if row.key.startswith("drop:") and not row.key.startswith("drop:near")
        )
        n_sel = n // 2
        originals = r.sample(selected, n_sel) + r.sample(dropped, n - n_sel)
        by_key = {row.key: row for row in self.rows}
        variants = [
            lambda s: s.lower(),
            lambda s: s + "  ",
            lambda s: "  " + s.replace(" ", "   ", 1),
            lambda s: s.upper(),
            lambda s: s,
        ]
        for k, key in enumerate(originals):
            row = dict(by_key[key].data)
            row["name"] = variants[k % len(variants)](row["name"])
            for dim in MULTI_DIMS:  # same set, other order: compared as sorted sets
                row[dim] = "|".join(reversed(row[dim].split("|")))
            row.update(url="", provenance="inventory", notes="")
            if k % 3 == 1 and row["doelgroep"] != self.po_vo[-1]:
                row["doelgroep"] = self.po_vo[-1]  # doelgroep is not part of the duplicate key
            self.rows.append(Row(row, key=f"dup:{k}", dup_of=key))

    # ---- ids and notes -------------------------------------------------------------------
    def assign_ids(self) -> pd.DataFrame:
        """Shuffle inventory rows (duplicates after their original), number them, add notes."""
        r = self.rng
        inv = [row for row in self.rows if row.data["provenance"] == "inventory"]
        adds = [row for row in self.rows if row.data["provenance"] == "seor_addition"]
        base = [row for row in inv if not row.dup_of]
        dups = [row for row in inv if row.dup_of]
        r.shuffle(base)
        for row in [b for b in base if b.before]:
            i = base.index(row)
            j = min(k for k, b in enumerate(base) if b.key in row.before)
            if i > j:
                base.insert(j, base.pop(i))
        order = list(base)
        for row in dups:
            pos = [o.key for o in order].index(row.dup_of)
            order.insert(r.randint(pos + 1, len(order)), row)
        url_order = []
        for url in self.spec["additions_urls"]:
            url_order += self.spec["jinc_split"] if "jinc.nl" in url else [ADDITION_NAMES[url]]
        adds.sort(key=lambda row: url_order.index(row.data["name"]))
        ids: dict[str, str] = {}
        for k, row in enumerate(order, 1):
            row.data["id"] = ids[row.key] = f"DG-{k:03d}"
        for k, row in enumerate(adds, 1):
            row.data["id"] = ids[row.key] = f"SEOR-A{k:02d}"
        for row in order:
            if row.dup_of:
                row.data["notes"] = f"reconstructed row: removed at step 4 (exact duplicate of {ids[row.dup_of]})"
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in order:
            if row.data["roc_location"] and not row.dup_of:
                groups[row.data["roc_location"]].append(row)
        for loc, members in groups.items():
            members.sort(key=lambda row: row.data["id"])
            named = [m for m in members if m.key.startswith("sel:")]
            survivor = named[0] if named else members[0]
            for m in members:
                if m is not survivor:
                    m.data["notes"] = (
                        "reconstructed row: removed at step 6 (concentrated into "
                        f"{survivor.data['id']} at ROC location '{loc}')"
                    )
        schools = {s["code"]: (float(s["lat"]), float(s["lon"])) for s in self.school_rows}
        for row in order:
            if row.data["notes"]:
                continue
            lat, lon = float(row.data["lat"]), float(row.data["lon"])
            dists = self.geo.distances(lat, lon)
            near = min(dists, key=lambda c: dists[c])
            note = (
                f"reconstructed row: removed at step 7 (no campus within "
                f"{self.geo.radius:g} km: nearest {near} {dists[near]:.1f} km; "
                f"{row.data['place']})"
            )
            for code in filter(None, row.data["participating_schools"].split("|")):
                sd = self.geo.distances(*schools[code])
                note = note[:-1] + f"; participating school {code} nearest {min(sd.values()):.1f} km)"
            row.data["notes"] = note
        return pd.DataFrame([row.data for row in order + adds], columns=COLUMNS)


# --------------------------------------------------------------------------------------------
# The funnel, by rule (the same rules the pipeline applies), and the published tables
# --------------------------------------------------------------------------------------------


def _sets(series: pd.Series) -> pd.Series:
    """Pipe-separated text -> sorted tuple of codes."""
    return series.fillna("").map(lambda s: tuple(sorted(x for x in s.split("|") if x)))


def apply_funnel(
    df: pd.DataFrame,
    schools: pd.DataFrame,
    campuses: dict[str, tuple[float, float]],
    spec: dict[str, Any],
    radius_km: float,
) -> tuple[list[int], pd.DataFrame]:
    """Funnel counts for steps 1-7 and the selected initiatives with reach_<campus> columns."""
    df = df.fillna("")
    inv = df[df["provenance"] == "inventory"]
    s2 = inv[inv["category"] == "promotie"]
    s3 = s2[s2["doelgroep"].isin(spec["po_vo_doelgroepen"])]
    key = pd.DataFrame({"name": s3["name"].str.strip().str.lower().str.split().str.join(" ")})
    for dim in CHAR_DIMS:
        key[dim] = _sets(s3[dim])
    s4 = s3.loc[~key.loc[s3.sort_values("id").index].duplicated(keep="first").reindex(s3.index)]
    s5 = pd.concat([s4, df[df["provenance"] == "seor_addition"]])
    bijlage = {e["initiatief"] for e in spec["bijlage_70_initiatieven"]}
    in_roc = s5["roc_location"] != ""
    roc = s5[in_roc].assign(_named=lambda d: d["name"].isin(bijlage))
    survivors = (
        roc.sort_values(["roc_location", "_named", "id"], ascending=[True, False, True])
        .drop_duplicates("roc_location")
        .set_index("roc_location")
    )
    for dim in MULTI_DIMS:
        exploded = roc[["roc_location", dim]].assign(**{dim: roc[dim].str.split("|")}).explode(dim)
        exploded = exploded[exploded[dim] != ""]
        union = exploded.groupby("roc_location")[dim].agg(lambda s: "|".join(sorted(set(s))))
        survivors[dim] = union
    rank = roc["praktijkgerichtheid"].map({v: k for k, v in enumerate(PRAKTIJK_ORDER)})
    top = rank.groupby(roc["roc_location"]).max().map(dict(enumerate(PRAKTIJK_ORDER)))
    survivors["praktijkgerichtheid"] = top
    s6 = pd.concat([s5[~in_roc], survivors.reset_index()[s5.columns]], ignore_index=True)
    lat = pd.to_numeric(s6["lat"], errors="coerce")
    lon = pd.to_numeric(s6["lon"], errors="coerce")
    sch = s6[["id", "participating_schools"]].assign(code=s6["participating_schools"].str.split("|"))
    sch = sch.explode("code").merge(schools, on="code", how="inner")
    national = s6["national_online"].astype(str).str.lower() == "true"
    any_reach = national.copy()
    for code, (clat, clon) in campuses.items():
        own = _haversine_series(lat, lon, clat, clon) <= radius_km
        via = _haversine_series(sch["lat"].astype(float), sch["lon"].astype(float), clat, clon)
        via_ids = set(sch.loc[via <= radius_km, "id"])
        override = s6["reach_override_campuses"].str.split("|").map(lambda xs, c=code: c in xs)
        s6[f"reach_{code}"] = national | own | s6["id"].isin(via_ids) | override
        any_reach |= s6[f"reach_{code}"]
    s7 = s6[any_reach].copy()
    counts = [len(inv), len(s2), len(s3), len(s4), len(s5), len(s6), len(s7)]
    return counts, s7


def _haversine_series(lat: pd.Series, lon: pd.Series, clat: float, clon: float) -> pd.Series:
    """Vectorised haversine distance (km) from many points to one campus."""
    p1, p2 = np.radians(lat.astype(float)), math.radians(clat)
    dp, dl = p2 - p1, np.radians(clon - lon.astype(float))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def verify(counts: list[int], sel: pd.DataFrame, spec: dict[str, Any], targets: Targets) -> list[str]:
    """Differences between the rule-based result and every published figure (empty = all ok)."""
    errors: list[str] = []
    funnel = [n for _, n in spec["tabel_2_1_funnel"]]
    if counts != funnel:
        errors.append(f"funnel {counts} != table 2.1 {funnel}")
    want = {(e["initiatief"], e["onderdeel_van"]) for e in spec["bijlage_70_initiatieven"]}
    got = set(zip(sel["name"], sel["programme"], strict=True))
    if got != want:
        errors.append(f"selected names differ: missing {want - got}, extra {got - want}")
    camp = targets.campuses
    for c in camp:
        n = int(sel[f"reach_{c}"].sum())
        if n != targets.per_campus_total[c]:
            errors.append(f"table 2.2 {c}: {n} != {targets.per_campus_total[c]}")
    local = sel["geography"] != NATIONAL
    if int(local.sum()) != targets.local_total:
        errors.append(f"table 3.1 Lokaal: {int(local.sum())} != {targets.local_total}")
    for c in camp:
        n = int((local & sel[f"reach_{c}"]).sum())
        if n != targets.local_per_campus[c]:
            errors.append(f"table 4.1 Lokaal {c}: {n} != {targets.local_per_campus[c]}")
    for dim in DIMENSIONS:
        has = _sets(sel[dim])
        for code in targets.labels[dim]:
            mask = has.map(lambda t, code=code: code in t)
            if int(mask.sum()) != targets.total[dim][code]:
                errors.append(f"{dim} {code!r} total {int(mask.sum())} != {targets.total[dim][code]}")
            for c in camp:
                n = int((mask & sel[f"reach_{c}"]).sum())
                if n != targets.per_campus[dim][code][c]:
                    errors.append(f"{dim} {code!r} {c}: {n} != {targets.per_campus[dim][code][c]}")
    return errors


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def write_labels(path: Path, targets: Targets) -> None:
    """labels.yaml: dimension -> {code: published label (tables 3.1-3.6)}."""
    q = functools.partial(json.dumps, ensure_ascii=False)
    lines = [
        "# Published labels (SEOR 2023, tables 3.1-3.6) of the codes used in inventory.csv.",
        "# Generated by scripts/build_seor_reconstruction.py - do not edit by hand.",
        "# Table 3.1 also prints the aggregate row 'Lokaal' (all geography codes except",
        "# 'Landelijk/online'). Tables 4.1-4.6 spell some labels differently:",
    ]
    for dim in DIMENSIONS:
        for code, lab4 in targets.table4_labels[dim].items():
            if lab4 != targets.labels[dim][code]:
                lines.append(f"#   {dim} {q(code)}: table 4 prints {q(lab4)}")
    for dim in DIMENSIONS:
        lines.append(f"{dim}:")
        lines += [f"  {q(code)}: {q(lab)}" for code, lab in targets.labels[dim].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_xlsx(path: Path, df: pd.DataFrame) -> None:
    """inventory.xlsx (sheet "inventaris"), byte-for-byte reproducible."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "inventaris"
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append(list(rec))
    wb.properties.creator = "scripts/build_seor_reconstruction.py"
    wb.properties.lastModifiedBy = "scripts/build_seor_reconstruction.py"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # save_workbook() would stamp "modified" with now()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2023, 9, 13, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def margin_report(df: pd.DataFrame, schools: pd.DataFrame, geo: Geometry) -> list[str]:
    """Rows and schools closer than MARGIN_KM to a 5/10/15 km boundary of some campus."""
    out = []
    located = df[df["lat"] != ""]
    points = [(r.id, r.name, float(r.lat), float(r.lon)) for r in located.itertuples()]
    points += [(s.code, s.name, float(s.lat), float(s.lon)) for s in schools.itertuples()]
    for ident, name, lat, lon in points:
        dists = geo.distances(lat, lon)
        m = geo.margin_of(dists)
        if m < MARGIN_KM:
            close = ", ".join(
                f"{c} {d:.2f} km" for c, d in dists.items() if min(abs(d - b) for b in BOUNDARIES_KM) < MARGIN_KM
            )
            out.append(f"{ident} {name}: margin {m:.2f} km ({close})")
    return out


def main(argv: list[str] | None = None) -> int:
    """Build, verify and write the reconstruction."""
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

    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        write_outputs(staging, df, schools, targets)
        errors, counts, sel, wschools = check_outputs(staging, spec, targets, geo)
        own = pd.Series(
            [bool(geo.reach(float(r.lat), float(r.lon))) if r.lat else False for r in sel.itertuples()],
            index=sel.index,
        )
        local = sel["national_online"] != "true"
        via_school_only = sel[(sel["participating_schools"] != "") & ~own & local]
        if len(via_school_only) < 2:
            errors.append("fewer than 2 selected initiatives are kept only via participating schools")
        print(f"funnel: {' -> '.join(map(str, counts))}")
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


def write_outputs(out: Path, df: pd.DataFrame, schools: pd.DataFrame, targets: Targets) -> None:
    """Write the four generated files into ``out``."""
    df.to_csv(out / "inventory.csv", index=False, lineterminator="\n", encoding="utf-8")
    schools.to_csv(out / "participating_schools.csv", index=False, lineterminator="\n", encoding="utf-8")
    write_labels(out / "labels.yaml", targets)
    write_xlsx(out / "inventory.xlsx", df)


def check_outputs(
    out: Path, spec: dict[str, Any], targets: Targets, geo: Geometry
) -> tuple[list[str], list[int], pd.DataFrame, pd.DataFrame]:
    """Re-read the written files, apply the funnel by rule and compare with every published figure."""
    written = pd.read_csv(out / "inventory.csv", dtype=str, keep_default_na=False)
    schools = pd.read_csv(out / "participating_schools.csv", dtype={"code": str, "name": str})
    xlsx = pd.read_excel(out / "inventory.xlsx", sheet_name="inventaris", dtype=str).fillna("")
    counts, sel = apply_funnel(written, schools, geo.campuses, spec, geo.radius)
    errors = verify(counts, sel, spec, targets)
    if not xlsx.equals(written):
        errors.append("inventory.xlsx differs from inventory.csv")
    return errors, counts, sel, schools


if __name__ == "__main__":
    sys.exit(main())
