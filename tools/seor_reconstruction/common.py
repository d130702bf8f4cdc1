"""Constants of the SEOR reconstruction and its knowledge tables (data/*.yaml beside this file).

Everything *published* comes from the spec (seor2023_tables.json); the tables here are the invented
knowledge that makes the reconstructed parts plausible: anchor places, which programme is national, where an
initiative's home is, keyword affinities for the characteristics, and the templates of the removed rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline import config as config_mod

SEED = 20230913
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = HERE / "data"
DEFAULT_SPEC = REPO.parent / "shared" / "spec" / "seor2023_tables.json"
DEFAULT_CAMPUS_COORDS = REPO.parent / "shared" / "data" / "geo" / "campuses_geocoded.csv"
DEFAULT_OUT = REPO / "data_raw" / "seor2023"
# Written into labels.yaml and the xlsx properties as the file's author.
GENERATOR = "tools/seor_reconstruction"

# radii the pipeline reports (pipeline.yaml reach.sensitivity_radii_km): every location keeps a margin to each
BOUNDARIES_KM = tuple(float(r) for r in config_mod.default_config().pipeline["reach"]["sensitivity_radii_km"])
MARGIN_KM = 1.0  # wanted distance of every location to every boundary of every campus
MIN_RELAXED_MARGIN_KM = 0.3  # below this a location is never used
FIXED_TIMESTAMP = dt.datetime(2023, 9, 13, 0, 0, 0)
OUTPUT_FILES = ["inventory.csv", "inventory.xlsx", "labels.yaml", "participating_schools.csv"]

COLUMNS = (
    "id name programme category doelgroep region organisation address postcode place lat lon national_online "
    "participating_schools geography school_types target_groups activities praktijkgerichtheid branches url "
    "roc_location reach_override_campuses reach_override_reason provenance reconstructed notes"
).split()
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


@dataclass(frozen=True)
class Place:
    """An anchor place: label written to the ``place`` column, centre, labour-market region."""

    label: str
    lat: float
    lon: float
    region: str
    radius_km: float = 3.0


@dataclass
class Row:
    """One output row before id assignment."""

    data: dict[str, Any]
    key: str  # internal handle
    dup_of: str = ""  # key of the original for exact duplicates
    before: tuple[str, ...] = ()  # keys of rows this row must precede (lower id)


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


_places = _load("places.yaml")
_programmes = _load("programmes.yaml")
PLACES: dict[str, Place] = {key: Place(*row) for key, row in _places["places"].items()}
SCHOOL_PLACES: list[str] = list(_places["school_places"])
NATIONAL_PROGRAMMES: frozenset[str] = frozenset(_programmes["national_programmes"])
NATIONAL_NAMES: frozenset[str] = frozenset(_programmes["national_names"])
MBO_PROGRAMMES: frozenset[str] = frozenset(_programmes["mbo_programmes"])
SCHOOL_TYPES_WITH_PARTNERS: frozenset[str] = frozenset(_programmes["school_types_with_partners"])
LOCAL_PARTNERS: frozenset[str] = frozenset(_programmes["local_partners"])
NAME_PLACES: list[tuple[str, list[str]]] = [(kw, list(keys)) for kw, keys in _programmes["name_places"]]
PROGRAMME_PLACES: dict[str, list[str]] = dict(_programmes["programme_places"])
ADDITION_NAMES: dict[str, str] = dict(_programmes["addition_names"])
AFFINITY: list[tuple[str, dict[str, float]]] = [(pat, dict(w)) for pat, w in _load("affinity.yaml")["affinity"]]
TEMPLATES: dict[str, Any] = _load("templates.yaml")
