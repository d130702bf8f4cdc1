"""Schemas of the configuration files: what every key of pipeline/config/*.yaml and data_raw/sources.yaml
may hold, declared as pydantic models, and the located messages a refused value gets.

Why declarative: a misspelt key, a code another file does not define ("VMBO-GB" for VMBO-GL, a misspelt
profile flag), a radius of "tien" or -5 used to be accepted silently or fail late; here each rule is one
type annotation. Three kinds of rule:

* structure and type: every model forbids unknown keys (with "did you mean"), requires its keys, and
  checks types strictly (YAML gives real numbers and booleans: "10" is not a number, 1 is not true);
* ranges: `Radius`, `Fraction`, `Peiljaar`, ... (Field bounds);
* references, data-driven: `Ref("onderwijstype")` accepts exactly the codes `REFERENCES["onderwijstype"]`
  reads from the configuration itself (here: onderwijstypes.yaml), so a new code added to its defining file
  is accepted everywhere without a code change. Fixed vocabularies (statistics, scope types) are
  references to a constant list, with the same message.

`validate_parts(parts, paths)` validates every file and returns the messages, one per problem:
`<file> line <n>: <key path>: <what is wrong>; found <value>; allowed: <...>; did you mean <...>?`.
The validated dicts are kept as read (the config hash is over the files' own content, not the models').
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError


# ---------------------------------------------------------------------------------------------- YAML
class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml's safe loader, refusing a key given twice in one mapping (plain YAML keeps the last silently:
    a second `threshold_pct:` would override the first without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} given twice in one mapping (lines {seen[key]} and {line}); keep one",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep)


# ---------------------------------------------------------------------------------------------- references
# Fixed vocabularies: the values the code (Python or SQL) acts on.
KNOWN_SCOPES = ("national", "provincie", "gemeente", "corop", "rmc", "onderwijsgebied", "sto_region", "campus_radius")
TARGET_STATISTICS = ("n_locations_offering", "n_girls", "pct_girls", "pct_girls_choosing", "n_pupils")
TARGET_COMPARISONS = ("absolute", "pct_change_vs_baseline", "points_change_vs_baseline")
# statements.yaml: what a statement's variants compute, how locations are counted, what a forecast tracks
STATEMENT_STATISTICS = ("pct_girls", "n_locations_offering", "n_locations_without_offer")
STATEMENT_COUNT_BY = ("vestiging", "brin")
FORECAST_STATISTICS = ("n_pupils",)
PROFILE_KINDS = ("profile", "route", "afdeling_pre2016")
VMBO_LEERWEGEN = ("BB", "KB", "GL", "TL")
MASKING_CONVENTIONS = ("none", "lt5", "four_means_1_to_4")
GEOCODE_METHODS = ("override", "address_point", "pc6_centroid", "pc4_centroid", "pdok")


def _get(data: Any, *keys: str | int) -> Any:
    """data[k1][k2]…, or None where the structure does not hold (references are read from raw files that
    may themselves be invalid; their own errors are reported by their schema)."""
    for k in keys:
        if isinstance(k, int) and isinstance(data, list) and k < len(data):
            data = data[k]
        elif isinstance(data, dict) and k in data:
            data = data[k]
        else:
            return None
    return data


def _items(data: Any) -> list[dict]:
    return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []


def _keys(data: Any) -> list[str]:
    return [str(k) for k in data] if isinstance(data, dict) else []


def _field(items: Iterable[dict], key: str) -> list[Any]:
    out: list[Any] = []
    for it in items:
        v = it.get(key)
        if v is not None and v not in out:
            out.append(v)
    return out


Parts = dict[str, Any]
# kind → (what it is, where the allowed values come from, how to read them from the parsed files)
REFERENCES: dict[str, tuple[str, str, Callable[[Parts], list[Any]]]] = {
    "onderwijstype": (
        "onderwijstype code",
        "onderwijstypes.yaml onderwijstypes[].code",
        lambda p: _field(_items(_get(p, "onderwijstypes", "onderwijstypes")), "code"),
    ),
    "onderwijstype_label": (
        "onderwijstype label",
        "onderwijstypes.yaml onderwijstypes[].label",
        lambda p: _field(_items(_get(p, "onderwijstypes", "onderwijstypes")), "label"),
    ),
    "leerweg": ("vmbo leerweg", "fixed: the DUO leerwegen", lambda p: list(VMBO_LEERWEGEN)),
    "profile": (
        "profile code",
        "profiles.yaml profiles[].code",
        lambda p: _field(_items(_get(p, "profiles", "profiles")), "code"),
    ),
    "vmbo_profile": (
        "vmbo profile code (kind profile)",
        "profiles.yaml profiles[] with kind: profile",
        lambda p: _field([x for x in _items(_get(p, "profiles", "profiles")) if x.get("kind") == "profile"], "code"),
    ),
    "profile_flag": ("profile flag", "profiles.yaml flags", lambda p: _keys(_get(p, "profiles", "flags"))),
    "profile_kind": ("profile kind", "fixed: pipeline/config_schema.py PROFILE_KINDS", lambda p: list(PROFILE_KINDS)),
    "havo_vwo_profile_label": (
        "havo/vwo profile label",
        "profiles.yaml havo_vwo_profile_labels",
        lambda p: list(_get(p, "profiles", "havo_vwo_profile_labels") or []),
    ),
    "scope_type": ("scope type", "fixed: pipeline/config_schema.py KNOWN_SCOPES", lambda p: list(KNOWN_SCOPES)),
    "source": ("source id", "data_raw/sources.yaml sources", lambda p: _keys(_get(p, "sources", "sources"))),
    "target_scope": ("scope", "targets.yaml scopes", lambda p: _keys(_get(p, "targets", "scopes"))),
    "statistic": ("statistic", "fixed: TARGET_STATISTICS", lambda p: list(TARGET_STATISTICS)),
    "comparison": ("comparison", "fixed: TARGET_COMPARISONS", lambda p: list(TARGET_COMPARISONS)),
    "statement_statistic": (
        "statement statistic",
        "fixed: STATEMENT_STATISTICS",
        lambda p: list(STATEMENT_STATISTICS),
    ),
    "forecast_statistic": ("forecast statistic", "fixed: FORECAST_STATISTICS", lambda p: list(FORECAST_STATISTICS)),
    "count_by": ("count unit", "fixed: STATEMENT_COUNT_BY", lambda p: list(STATEMENT_COUNT_BY)),
    "statement_profiles": (
        "profile set",
        "statements.yaml definitions.profiles",
        lambda p: _keys(_get(p, "statements", "definitions", "profiles")),
    ),
    "statement_leerjaren": (
        "leerjaar set",
        "statements.yaml definitions.leerjaren",
        lambda p: _keys(_get(p, "statements", "definitions", "leerjaren")),
    ),
    "statement_leerwegen": (
        "leerweg set",
        "statements.yaml definitions.leerwegen",
        lambda p: _keys(_get(p, "statements", "definitions", "leerwegen")),
    ),
    "exam_flag": (
        "exam flag",
        "monitoring.yaml exams.flags",
        lambda p: list(_get(p, "monitoring", "exams", "flags") or []),
    ),
    "exam_level": (
        "exam level",
        "monitoring.yaml exams.programmes[].level",
        lambda p: _field(_items(_get(p, "monitoring", "exams", "programmes")), "level"),
    ),
    "exam_leerweg": (
        "exam leerweg",
        "monitoring.yaml exams.programmes[].leerweg",
        lambda p: _field(_items(_get(p, "monitoring", "exams", "programmes")), "leerweg"),
    ),
    "masking": ("masking convention", "fixed: MASKING_CONVENTIONS", lambda p: list(MASKING_CONVENTIONS)),
    "seor_dimension": ("dimension", "seor.yaml dimensions", lambda p: _keys(_get(p, "seor", "dimensions"))),
    "seor_category": (
        "inventory category",
        "seor.yaml categories",
        lambda p: list(_get(p, "seor", "categories") or []),
    ),
    "seor_provenance": (
        "provenance value",
        "seor.yaml canonical.provenance.values",
        lambda p: list(_get(p, "seor", "canonical", "provenance", "values") or []),
    ),
    "seor_values_from": ("list to take values from", "seor.yaml top-level lists", lambda p: ["categories"]),
}


def reference_values(parts: Parts) -> dict[str, list[Any]]:
    """Every reference kind's allowed values, read from the parsed files (`parts`: stem → mapping)."""
    return {kind: read(parts) for kind, (_, _, read) in REFERENCES.items()}


def did_you_mean(value: Any, allowed: Iterable[Any], key: Callable[[str], str] = str.lower) -> list[str]:
    """Up to three allowed values close to `value` (difflib, compared case-insensitively)."""
    options = {key(str(a)): str(a) for a in allowed}
    return [options[m] for m in difflib.get_close_matches(key(str(value)), list(options), n=3, cutoff=0.6)]


def _ref_check(kind: str) -> Callable[[Any, ValidationInfo], Any]:
    def check(value: Any, info: ValidationInfo) -> Any:
        allowed = ((info.context or {}).get("refs") or {}).get(kind)
        if allowed is not None and value not in allowed:
            raise PydanticCustomError("unknown_ref", "unknown {kind}", {"kind": kind})
        return value

    return check


def Ref(kind: str) -> AfterValidator:  # noqa: N802 - reads as a type annotation: Annotated[str, Ref("profile")]
    """The value must be one of REFERENCES[kind] (read from the configuration at validation time)."""
    assert kind in REFERENCES, kind
    return AfterValidator(_ref_check(kind))


def _unique(*fields: str) -> AfterValidator:
    """Items of a list unique (by `fields` of mapping items, else by value)."""

    def check(items: list[Any]) -> list[Any]:
        for fld in fields or (None,):
            seen: dict[Any, int] = {}
            for i, it in enumerate(items):
                v = getattr(it, fld) if fld else it
                if isinstance(v, list):
                    vs = v
                else:
                    vs = [v]
                for x in vs:
                    if x is None:
                        continue
                    if x in seen:
                        where = f"[{i}].{fld}" if fld else f"[{i}]"
                        raise PydanticCustomError(
                            "duplicate",
                            "duplicate {what}",
                            {"what": fld or "value", "first": seen[x], "sub": where, "value": str(x)},
                        )
                    seen[x] = i
        return items

    return AfterValidator(check)


# ---------------------------------------------------------------------------------------------- base types
class Spec(BaseModel):
    """A mapping of a configuration file: strict types, every key known."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            refs = (info.context or {}).get("refs") or {}
            allowed = [f.alias or n for n, f in cls.model_fields.items()]
            allowed += [str(k) for k in refs.get(cls._dynamic_keys_from or "", []) if isinstance(k, str)]
            for k in data:
                if k not in allowed:
                    raise PydanticCustomError("unknown_key", "unknown key", {"key": str(k), "allowed": allowed})
        return data

    # a reference kind whose values are allowed as extra keys (profiles: one key per flag of `flags`)
    _dynamic_keys_from: ClassVar[str | None] = None


Text = Annotated[str, Field(min_length=1)]
Peiljaar = Annotated[int, Field(ge=1990, le=2100)]
Leerjaar = Annotated[int, Field(ge=1, le=6)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Pct = Annotated[float, Field(ge=0, le=100)]
Radius = Annotated[float, Field(gt=0, le=100)]  # km; the Netherlands is about 300 km across
PositiveNumber = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
HttpsUrl = Annotated[str, Field(pattern=r"^https://\S+$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
PathText = Annotated[str, Field(min_length=1, pattern=r"^[^\x00]+$")]


def _nonempty_list(t: Any) -> Any:
    return Annotated[list[t], Field(min_length=1)]


def _invalid(message: str, sub: str | None = None, value: Any = None) -> PydanticCustomError:
    ctx: dict[str, Any] = {"detail": message}
    if sub:
        ctx["sub"] = sub
    if value is not None:
        ctx["value"] = str(value)
    return PydanticCustomError("invalid", "{detail}", ctx)


# ---------------------------------------------------------------------------------------------- pipeline.yaml
class Peiljaren(Spec):
    first: Peiljaar
    last: Peiljaar | None = None
    expected_release_month: Annotated[int, Field(ge=1, le=12)] = 3

    @model_validator(mode="after")
    def _order(self) -> Peiljaren:
        if self.last is not None and self.last < self.first:
            raise _invalid(f"last ({self.last}) before first ({self.first})", "last", self.last)
        return self


class Censored(Spec):
    lower: Count
    upper: Count
    point_value: Count

    @model_validator(mode="after")
    def _order(self) -> Censored:
        if not self.lower <= self.point_value <= self.upper or self.lower < 1:
            raise _invalid(
                f"expected 1 <= lower <= point_value <= upper, found {self.lower}, {self.point_value}, {self.upper}"
            )
        return self


class Coverage(Spec):
    min_location_join_coverage: Fraction
    min_geocode_coverage: Fraction


class Precision(Spec):
    override: PositiveNumber | None
    address_point: PositiveNumber | None
    pc6_centroid: PositiveNumber | None
    pc4_centroid: PositiveNumber | None
    pdok: PositiveNumber | None


class Geocoding(Spec):
    precision_m: Precision
    pdok_url: HttpsUrl
    earth_radius_km: Annotated[float, Field(gt=6000, lt=7000)]


class Reach(Spec):
    default_radius_km: Radius
    sensitivity_radii_km: Annotated[_nonempty_list(Radius), _unique()]

    @model_validator(mode="after")
    def _default_among_sensitivity(self) -> Reach:
        # the campus marts are computed at the sensitivity radii; metadata and report read the default's rows
        if self.default_radius_km not in self.sensitivity_radii_km:
            raise _invalid(
                f"expected one of sensitivity_radii_km [{', '.join(f'{r:g}' for r in self.sensitivity_radii_km)}] "
                "(the campus marts are computed at those radii only)",
                "default_radius_km",
                self.default_radius_km,
            )
        return self


class PipelineFile(Spec):
    version: int
    peiljaren: Peiljaren
    baseline_peiljaar: Peiljaar
    censored: Censored
    validation: Coverage
    geocoding: Geocoding
    reach: Reach

    @model_validator(mode="after")
    def _baseline_loadable(self) -> PipelineFile:
        if self.baseline_peiljaar < self.peiljaren.first:
            raise _invalid(
                f"before peiljaren.first ({self.peiljaren.first})", "baseline_peiljaar", self.baseline_peiljaar
            )
        return self


# ---------------------------------------------------------------------------------------------- profiles.yaml
class Profile(Spec):
    """One vmbo profile, route or pre-2016 afdeling; one boolean per flag of `flags` (every flag, no other)."""

    model_config = ConfigDict(strict=True, extra="allow")
    code: Text
    name: Text
    kind: Annotated[str, Ref("profile_kind")]
    sector: Text
    successor: Annotated[str, Ref("vmbo_profile")] | None = None
    certainty: Literal["certain", "uncertain"] | None = None
    labels: _nonempty_list(Text)

    _dynamic_keys_from: ClassVar[str | None] = "profile_flag"

    @model_validator(mode="after")
    def _flags(self, info: ValidationInfo) -> Profile:
        flags = ((info.context or {}).get("refs") or {}).get("profile_flag") or []
        extra = self.model_extra or {}
        for f in flags:
            if f not in extra:
                raise _invalid(f"missing flag {f!r} (every flag of profiles.yaml `flags` is true or false here)", f)
            if not isinstance(extra[f], bool):
                raise _invalid("expected true or false", f, extra[f])
        return self


class ProfilesFile(Spec):
    version: int
    flags: Annotated[dict[Text, Text], Field(min_length=1)]
    profiles: Annotated[_nonempty_list(Profile), _unique("code", "labels")]
    non_profile_labels: list[Text]
    n_profile_labels: list[Annotated[str, Ref("havo_vwo_profile_label")]]
    havo_vwo_profile_labels: Annotated[_nonempty_list(Text), _unique()]


# ---------------------------------------------------------------------------------------------- onderwijstypes.yaml
class Onderwijstype(Spec):
    label: Text
    code: Text
    level: Literal["onderbouw", "vmbo", "havo_vwo", "havo", "vwo", "pro", "vavo", "internationaal"]
    leerweg: Annotated[str, Ref("leerweg")] | None


class OnderwijstypesFile(Spec):
    version: int
    onderwijstypes: Annotated[_nonempty_list(Onderwijstype), _unique("label")]
    uncertain_labels: list[Annotated[str, Ref("onderwijstype_label")]] = []


# ---------------------------------------------------------------------------------------------- campuses.yaml
class Campus(Spec):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9&+._-]{0,19}$")]
    name: Text
    address: Text
    postcode: Annotated[str, Field(pattern=r"^[1-9][0-9]{3} ?[A-Z]{2}$")]
    city: Text
    lat: Annotated[float, Field(ge=50.7, le=53.6)] | None = None
    lon: Annotated[float, Field(ge=3.3, le=7.3)] | None = None
    precision_m: PositiveNumber | None = None
    source_note: Text | None = None

    @model_validator(mode="after")
    def _coordinates(self) -> Campus:
        if (self.lat is None) != (self.lon is None):
            raise _invalid("lat and lon go together (both or neither)", "lat" if self.lat is None else "lon")
        if self.lat is not None and not self.source_note:
            raise _invalid(
                "coordinates given in the config need a source_note saying where they come from", "source_note"
            )
        return self


class CampusesFile(Spec):
    version: int
    campuses: Annotated[_nonempty_list(Campus), _unique("code")]


# ---------------------------------------------------------------------------------------------- monitoring.yaml
Onderwijstypes = Annotated[_nonempty_list(Annotated[str, Ref("onderwijstype")]), _unique()]
Leerjaren = Annotated[_nonempty_list(Leerjaar), _unique()]
ProfileFlag = Annotated[str, Ref("profile_flag")]


class ProfileOffer(Spec):
    onderwijstypes: Onderwijstypes
    leerjaren: Leerjaren
    min_pupils_offered: Annotated[int, Field(ge=1)]


class ProfileSupply(Spec):
    onderwijstypes: Onderwijstypes
    leerjaren: Leerjaren
    flag_measures: Annotated[dict[Text, ProfileFlag], Field(min_length=1)]
    single_profile_kinds: list[Annotated[str, Ref("profile_kind")]]


class Indicator(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: Text
    onderwijstypes: Onderwijstypes
    leerjaren: Leerjaren
    numerator: Any

    @model_validator(mode="after")
    def _numerator(self, info: ValidationInfo) -> Indicator:
        num = self.numerator
        if num == "n_profile":
            return self
        if isinstance(num, dict) and list(num) == ["profile_flag"]:
            flags = ((info.context or {}).get("refs") or {}).get("profile_flag")
            if flags is not None and num["profile_flag"] not in flags:
                raise PydanticCustomError(
                    "unknown_ref", "unknown {kind}", {"kind": "profile_flag", "sub": "numerator.profile_flag"}
                )
            return self
        raise _invalid("expected 'n_profile' or {profile_flag: <flag of profiles.yaml>}", "numerator", num)


class TechniekShare(Spec):
    indicators: Annotated[_nonempty_list(Indicator), _unique("id")]


class Techniekarm(Spec):
    onderwijstypes: Onderwijstypes
    leerjaren: Leerjaren
    profile_flag: ProfileFlag
    threshold_pct: Annotated[float, Field(gt=0, lt=100)]


class NearbyOffer(Spec):
    max_distance_km: Radius
    max_small_pupils: Annotated[int, Field(ge=1)]
    profile_kinds: _nonempty_list(Annotated[str, Ref("profile_kind")])


class FileRef(Spec):
    file: PathText


class PupilTrend(Spec):
    reference_peiljaar: Peiljaar

    @model_validator(mode="after")
    def _loadable(self, info: ValidationInfo) -> PupilTrend:
        first = (info.context or {}).get("peiljaar_first")
        if isinstance(first, int) and self.reference_peiljaar < first:
            raise _invalid(
                f"expected a loadable peiljaar (pipeline.yaml peiljaren.first = {first})",
                "reference_peiljaar",
                self.reference_peiljaar,
            )
        return self


class ExamProgramme(Spec):
    model_config = ConfigDict(strict=True, extra="allow")
    code: Annotated[str, Field(pattern=r"^[0-9]+$")]
    level: Literal["vmbo", "havo", "vwo"]
    leerweg: Literal["LWT", "BB", "KB", "GL", "TL"] | None
    sector: Text | None
    classified: bool = True
    names: _nonempty_list(Text)

    _dynamic_keys_from: ClassVar[str | None] = "exam_flag"

    @model_validator(mode="after")
    def _flags(self, info: ValidationInfo) -> ExamProgramme:
        for f in ((info.context or {}).get("refs") or {}).get("exam_flag") or []:
            v = (self.model_extra or {}).get(f)
            if not isinstance(v, bool):
                raise _invalid(f"flag {f!r} of exams.flags: expected true or false", f, v)
        return self


class ExamSeries(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: Text
    levels: _nonempty_list(Annotated[str, Ref("exam_level")])
    leerwegen: _nonempty_list(Annotated[str, Ref("exam_leerweg")]) | None
    flag: Annotated[str, Ref("exam_flag")]


class Exams(Spec):
    sources: _nonempty_list(Annotated[str, Ref("source")])
    flags: _nonempty_list(Annotated[str, Field(pattern=r"^[a-z_]+$")])
    programmes: Annotated[_nonempty_list(ExamProgramme), _unique("code", "names")]
    series: Annotated[_nonempty_list(ExamSeries), _unique("id")]


class Contributor(Spec):
    source: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    asset: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]


class Reconciliation(Spec):
    published_file: PathText
    tolerance_pct_points: NonNegative
    tolerance_count_relative: Fraction
    contributors: Annotated[_nonempty_list(Contributor), _unique("source", "asset")]
    seor_supply_file: PathText | None = None


class Catalog(Spec):
    file: PathText
    availability: Annotated[_nonempty_list(Text), _unique()]


class MonitoringFile(Spec):
    version: int
    profile_offer: ProfileOffer
    profile_supply: ProfileSupply
    techniek_share: TechniekShare
    techniekarm: Techniekarm
    nearby_offer: NearbyOffer
    scopes: Annotated[_nonempty_list(Annotated[str, Ref("scope_type")]), _unique()]
    unknown_scope_code: Annotated[str, Field(pattern=r"^[A-Z0-9_]+$")]
    sto_regions: FileRef
    pupil_trend: PupilTrend
    exams: Exams
    reconciliation: Reconciliation
    catalog: Catalog


# ---------------------------------------------------------------------------------------------- targets.yaml
PlaceName = Annotated[str, Field(min_length=1, max_length=100)]


class Approximation(Spec):
    gemeenten: Annotated[_nonempty_list(PlaceName), _unique()]
    note: Text


class ScopeSpec(Spec):
    """A region given by place names: an STO region (with a stated approximation), a COROP region or a list
    of municipalities. Every place name is also checked against the address snapshots of the run
    (pipeline/place_names.py), wherever a scope spec appears."""

    name: Text | None = None
    sto_region_code: Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]+$")] | None = None
    corop: PlaceName | None = None
    gemeenten: Annotated[_nonempty_list(PlaceName), _unique()] | None = None
    approximation: Approximation | None = None

    @model_validator(mode="after")
    def _kind(self) -> ScopeSpec:
        kinds = [k for k in ("sto_region_code", "corop", "gemeenten") if getattr(self, k)]
        if not kinds:
            raise _invalid("needs sto_region_code, corop or gemeenten")
        if len(kinds) > 1:
            raise _invalid(f"one of sto_region_code, corop or gemeenten, found {kinds}")
        if self.sto_region_code and self.approximation is None:
            raise _invalid("an STO region needs an approximation with a note", "approximation")
        return self


class Reading(Spec):
    """One reading of an ambiguous target: its name, a label and the keys that differ from the target."""

    reading: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: Text
    statistic: Annotated[str, Ref("statistic")] | None = None
    comparison: Annotated[str, Ref("comparison")] | None = None
    unit: Text | None = None
    target_value: float | None = None
    baseline_value: float | None = None


class Target(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    programme: Text
    label: Text
    quote: Text | None = None
    document: Text | None = None
    source_document: Text
    computable: bool = True
    reason: Text | None = None
    scope: Annotated[str, Ref("target_scope")] | None = None
    statistic: Annotated[str, Ref("statistic")] | None = None
    comparison: Annotated[str, Ref("comparison")] | None = None
    unit: Text | None = None
    profiles: Annotated[_nonempty_list(Annotated[str, Ref("profile")]), _unique()] | None = None
    profile_flag: ProfileFlag | None = None
    onderwijstypes: Onderwijstypes | None = None
    leerjaren: Leerjaren | None = None
    baseline_peiljaar: Peiljaar | None = None
    baseline_value: float | None = None
    target_peiljaar: Peiljaar | None = None
    target_value: float | None = None
    is_proxy: bool = False
    proxy_note: Text | None = None
    readings: Annotated[_nonempty_list(Reading), _unique("reading")] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _complete(self) -> Target:
        if not self.computable:
            if not self.reason:
                raise _invalid("a non-computable target needs a reason", "reason")
            return self
        if self.is_proxy and not self.proxy_note:
            raise _invalid("a proxy (is_proxy: true) needs a proxy_note", "proxy_note")
        if self.scope is None:
            raise _invalid("'scope' is required for a computable target", "scope")
        for i, r in enumerate(self.readings or [None]):
            where = f"readings[{i}]." if r is not None else ""
            for key in ("statistic", "comparison", "target_value"):
                if (getattr(r, key, None) if r is not None else None) is None and getattr(self, key) is None:
                    raise _invalid(f"'{key}' is required for a computable target (or each reading)", where + key)
            comparison = (r.comparison if r is not None else None) or self.comparison
            if comparison != "absolute" and self.baseline_peiljaar is None:
                raise _invalid(f"{comparison} needs baseline_peiljaar", "baseline_peiljaar")
        if self.baseline_peiljaar and self.target_peiljaar and self.target_peiljaar < self.baseline_peiljaar:
            raise _invalid(
                f"before baseline_peiljaar ({self.baseline_peiljaar})", "target_peiljaar", self.target_peiljaar
            )
        return self


class TargetsFile(Spec):
    version: int
    scopes: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], ScopeSpec], Field(min_length=1)]
    few_pupils_below: Annotated[int, Field(ge=1, le=100)]
    targets: Annotated[_nonempty_list(Target), _unique("id")]


# ---------------------------------------------------------------------------------------------- statements.yaml
SetName = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]


class ProfileSet(Spec):
    label: Text
    profiles: Annotated[_nonempty_list(Annotated[str, Ref("profile")]), _unique()] | None = None
    profile_flag: ProfileFlag | None = None

    @model_validator(mode="after")
    def _one(self) -> ProfileSet:
        if (self.profiles is None) == (self.profile_flag is None):
            raise _invalid("give either profiles or profile_flag")
        return self


class LeerjaarSet(Spec):
    label: Text
    leerjaren: Leerjaren


class LeerwegSet(Spec):
    label: Text
    onderwijstypes: Onderwijstypes


class StatementDefinitions(Spec):
    profiles: Annotated[dict[SetName, ProfileSet], Field(min_length=1)]
    leerjaren: Annotated[dict[SetName, LeerjaarSet], Field(min_length=1)]
    leerwegen: Annotated[dict[SetName, LeerwegSet], Field(min_length=1)]


class Variants(Spec):
    """The definitions a statement is computed under, side by side (their cross product)."""

    profiles: Annotated[_nonempty_list(Annotated[str, Ref("statement_profiles")]), _unique()]
    leerjaren: Annotated[_nonempty_list(Annotated[str, Ref("statement_leerjaren")]), _unique()]
    leerwegen: Annotated[_nonempty_list(Annotated[str, Ref("statement_leerwegen")]), _unique()]
    scopes: Annotated[_nonempty_list(Annotated[str, Ref("target_scope")]), _unique()]
    count_by: Annotated[_nonempty_list(Annotated[str, Ref("count_by")]), _unique()] | None = None
    min_pupils: Annotated[_nonempty_list(Annotated[int, Field(ge=1, le=1000)]), _unique()] | None = None


class Statement(Spec):
    """A description of the present in a programme document: never 'met', reconciled with our figure."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    programme: Text
    document: Text
    section: Text | None = None
    quote: Text
    year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    scope: Annotated[str, Ref("target_scope")]
    published_value: float
    unit: Text
    statistic: Annotated[str, Ref("statement_statistic")] | None = None
    computable: bool = True
    missing: Text | None = None
    variants: Variants | None = None
    explanation: Text | None = None
    source: Text

    @model_validator(mode="after")
    def _complete(self) -> Statement:
        if not self.computable:
            if not self.missing:
                raise _invalid("a non-computable statement needs 'missing' (what data it needs)", "missing")
            return self
        for key in ("statistic", "variants"):
            if getattr(self, key) is None:
                raise _invalid(f"'{key}' is required for a computable statement", key)
        return self


class Forecast(Spec):
    """Someone's prognosis: tracked as realised against expected, never 'met'."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    programme: Text
    document: Text
    quote: Text
    scope: Annotated[str, Ref("target_scope")]
    statistic: Annotated[str, Ref("forecast_statistic")] | None = None
    base_peiljaar: Peiljaar
    horizon_peiljaar: Peiljaar
    expected_change_pct: Annotated[float, Field(ge=-100, le=1000)]
    computable: bool = True
    missing: Text | None = None
    note: Text | None = None
    source: Text

    @model_validator(mode="after")
    def _complete(self) -> Forecast:
        if self.horizon_peiljaar <= self.base_peiljaar:
            raise _invalid(
                f"horizon_peiljaar must come after base_peiljaar ({self.base_peiljaar})",
                "horizon_peiljaar",
                self.horizon_peiljaar,
            )
        if not self.computable and not self.missing:
            raise _invalid("a non-computable forecast needs 'missing' (what data it needs)", "missing")
        if self.computable and self.statistic is None:
            raise _invalid("'statistic' is required for a computable forecast", "statistic")
        return self


class StatementsFile(Spec):
    version: int
    definitions: StatementDefinitions
    statements: Annotated[_nonempty_list(Statement), _unique("id")]
    forecasts: Annotated[list[Forecast], _unique("id")]

    @model_validator(mode="after")
    def _ids(self) -> StatementsFile:
        seen = {s.id for s in self.statements}
        for i, f in enumerate(self.forecasts):
            if f.id in seen:
                raise _invalid("id duplicated: a statement has it too", f"forecasts[{i}].id", f.id)
        return self


# ---------------------------------------------------------------------------------------------- seor.yaml
class Inventory(Spec):
    default_mapping: PathText


class CanonicalField(Spec):
    type: Literal["text", "int", "float", "bool", "list", "enum", "lat", "lon", "postcode"]
    required: bool = False
    unique: bool = False
    values_from: Annotated[str, Ref("seor_values_from")] | None = None
    dimension: Annotated[str, Ref("seor_dimension")] | None = None
    values: _nonempty_list(Text) | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _enum_values(self) -> CanonicalField:
        if self.type == "enum" and not (self.values or self.values_from or self.dimension):
            raise _invalid("an enum needs values, values_from or dimension")
        return self


class LocationRules(Spec):
    lat_range: Annotated[list[float], Field(min_length=2, max_length=2)]
    lon_range: Annotated[list[float], Field(min_length=2, max_length=2)]
    postcode_pattern: Text

    @model_validator(mode="after")
    def _pattern(self) -> LocationRules:
        try:
            re.compile(self.postcode_pattern)
        except re.error as exc:
            raise _invalid(f"not a regular expression: {exc}", "postcode_pattern", self.postcode_pattern) from None
        return self


class BoolValues(Spec):
    true: list[str]
    false: list[str]


class Doelgroepen(Spec):
    po_vo: Annotated[_nonempty_list(Text), _unique()]
    other: Annotated[list[Text], _unique()]


class FunnelStep(Spec):
    step_no: Annotated[int, Field(ge=1)]
    key: Text
    label: Text


class Funnel(Spec):
    steps: Annotated[_nonempty_list(FunnelStep), _unique("step_no", "key")]
    keep_categories: _nonempty_list(Annotated[str, Ref("seor_category")])
    dedupe_dimensions: list[Annotated[str, Ref("seor_dimension")]]
    addition_provenance: Annotated[str, Ref("seor_provenance")]
    roc_survivor: Literal["shortest_name", "first"]
    roc_union_dimensions: list[Annotated[str, Ref("seor_dimension")]]
    roc_max_dimensions: list[Annotated[str, Ref("seor_dimension")]]


class ReachMethod(Spec):
    key: Literal["own_location", "participating_school", "national_online", "override"]
    label: Text


class SeorReach(Spec):
    methods: Annotated[_nonempty_list(ReachMethod), _unique("key")]
    override_all_radii: bool


class DimensionCategory(Spec):
    code: Text
    label: Text
    aliases: list[Text] = []
    rollup_of_all_except: list[Text] | None = None


class Dimension(Spec):
    multi_valued: bool
    ordinal: bool = False
    tables: _nonempty_list(Text)
    categories: Annotated[_nonempty_list(DimensionCategory), _unique("code")]

    @model_validator(mode="after")
    def _rollups(self) -> Dimension:
        codes = [c.code for c in self.categories]
        for i, c in enumerate(self.categories):
            for j, x in enumerate(c.rollup_of_all_except or []):
                if x not in codes:
                    raise _invalid(
                        f"expected a category code of this dimension: {', '.join(codes)}",
                        f"categories[{i}].rollup_of_all_except[{j}]",
                        x,
                    )
        return self


class Gap(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: Text
    scope: Literal["overall", "campus"]
    dimension: Annotated[str, Ref("seor_dimension")]
    metric: Literal["share", "ratio_to_campus_mean"]
    below: NonNegative
    categories: _nonempty_list(Text) | None = None

    @model_validator(mode="after")
    def _categories(self, info: ValidationInfo) -> Gap:
        codes = ((info.context or {}).get("seor_dimension_codes") or {}).get(self.dimension)
        for j, c in enumerate(self.categories or []):
            if codes is not None and c not in codes:
                hint = did_you_mean(c, codes)
                raise _invalid(
                    f"expected a category of dimension {self.dimension} (seor.yaml dimensions): {', '.join(codes)}"
                    + (f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""),
                    f"categories[{j}]",
                    c,
                )
        return self


class SeorReconciliation(Spec):
    source: Text
    peiljaar: Peiljaar
    tolerance: NonNegative
    published_radius_km: Radius


class SeorFile(Spec):
    version: int
    inventory: Inventory
    canonical: Annotated[dict[Text, CanonicalField], Field(min_length=1)]
    location: LocationRules
    bool_values: BoolValues
    categories: Annotated[_nonempty_list(Text), _unique()]
    doelgroepen: Doelgroepen
    funnel: Funnel
    reach: SeorReach
    dimensions: Annotated[dict[Text, Dimension], Field(min_length=1)]
    total_label: Text
    total_campus_code: Text
    gaps: Annotated[list[Gap], _unique("id")]
    reconciliation: SeorReconciliation


# ---------------------------------------------------------------------------------------------- sources.yaml
class Masking(Spec):
    conventions: _nonempty_list(Annotated[str, Ref("masking")])
    note: Text | None = None


class KnownSnapshot(Spec):
    date: IsoDate
    note: Text


class Rolling(Spec):
    """A publisher file that rolls: each year a new file spans `span` school years, the first from `first`."""

    span: Annotated[int, Field(ge=1, le=20)]
    first: Peiljaar


class Boundary(Spec):
    """A boundary layer of the report's map: the region level and the year of the division it draws."""

    level: Literal["gemeente", "provincie"]
    year: Peiljaar


class Source(Spec):
    title: Text
    publisher: Text
    licence: Text
    yearly: bool
    filename: PathText
    aliases: list[PathText]
    url: HttpsUrl | None
    format: Text
    alt_extensions: list[Annotated[str, Field(pattern=r"^\.[a-z0-9]+$")]] = []
    masking: Masking | None = None
    history: bool = False
    known_snapshots: dict[Sha256, KnownSnapshot] | None = None
    optional: bool = False
    local: bool = False
    archive_member: PathText | None = None
    rolling: Rolling | None = None
    boundary: Boundary | None = None
    mirror_subdir: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _where(self) -> Source:
        if self.url is None and not self.local:
            raise _invalid("a source without url must be local: true (a project file)", "url")
        if self.yearly and "{peiljaar}" not in self.filename:
            raise _invalid("a yearly source's filename holds {peiljaar}", "filename", self.filename)
        if self.rolling and not all(k in self.filename for k in ("{first}", "{last}")):
            raise _invalid("a rolling source's filename holds {first} and {last}", "filename", self.filename)
        return self


class SourcesFile(Spec):
    version: int
    sources: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], Source], Field(min_length=1)]


# ---------------------------------------------------------------------------------------------- validation
SCHEMAS: dict[str, type[Spec]] = {
    "pipeline": PipelineFile,
    "profiles": ProfilesFile,
    "onderwijstypes": OnderwijstypesFile,
    "campuses": CampusesFile,
    "monitoring": MonitoringFile,
    "seor": SeorFile,
    "targets": TargetsFile,
    "statements": StatementsFile,
    "sources": SourcesFile,
}


def validate_parts(parts: Parts, paths: dict[str, Path], only: Iterable[str] | None = None) -> list[str]:
    """Validate every parsed file (`parts`: stem or 'sources' → mapping) against its schema; return one
    located message per problem (empty: all valid). References are resolved against `parts` themselves.
    `only` restricts which files are checked (references still come from every part)."""
    refs = reference_values(parts)
    context = {
        "refs": refs,
        "peiljaar_first": _get(parts, "pipeline", "peiljaren", "first"),
        "seor_dimension_codes": {
            d: _field(_items(_get(spec, "categories")), "code")
            for d, spec in (_get(parts, "seor", "dimensions") or {}).items()
        },
    }
    messages: list[str] = []
    for name in only or parts:
        schema = SCHEMAS.get(name)
        if schema is None:
            continue
        try:
            schema.model_validate(parts[name], context=context)
        except ValidationError as exc:
            messages += [_message(paths[name], parts[name], e, refs) for e in exc.errors()]
    return messages


def _display(path: Path) -> str:
    from pipeline.paths import PROJECT_ROOT

    p = Path(path)
    try:
        return str(p.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(p)


def key_path(loc: Iterable[Any]) -> str:
    """('techniek_share', 'indicators', 0, 'onderwijstypes', 2) → 'techniek_share.indicators[0].onderwijstypes[2]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _loc(loc: tuple, sub: str | None) -> tuple:
    """The error's location plus a sub-path given by a validator ('numerator.profile_flag', '[3].code')."""
    out = list(loc)
    for m in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", sub or ""):
        out.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
    return tuple(out)


def _value_at(data: Any, loc: tuple) -> Any:
    for k in loc:
        if isinstance(data, dict) and k in data:
            data = data[k]
        elif isinstance(data, list) and isinstance(k, int) and k < len(data):
            data = data[k]
        else:
            return None
    return data


def _label(data: Any, loc: tuple) -> str:
    """' (id: vmbo_bkg_lj3_techniek)' for a location inside a list item that has an id or code."""
    node = data
    label = ""
    for k in loc:
        node = (
            node[k]
            if isinstance(node, dict) and k in node
            else (node[k] if isinstance(node, list) and isinstance(k, int) and k < len(node) else None)
        )
        if isinstance(k, int) and isinstance(node, dict):
            for key in ("id", "code", "label"):
                if isinstance(node.get(key), str | int):
                    label = f" ({key}: {node[key]})"
                    break
        if node is None:
            break
    return label


def line_of(path: Path, loc: tuple) -> int | None:
    """The line (1-based, as an editor shows it) of the key or item at `loc` in the YAML file."""
    try:
        node = yaml.compose(
            Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except Exception:
        return None
    line = None
    for k in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((kn, vn) for kn, vn in node.value if kn.value == str(k)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and k < len(node.value):
            node = node.value[k]
            line = node.start_mark.line + 1
        else:
            break
    return line if line is not None else (1 if not loc else None)


def _message(path: Path, data: Any, err: dict[str, Any], refs: dict[str, list[Any]]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    loc = _loc(tuple(err["loc"]), ctx.get("sub"))
    if kind == "unknown_key":
        loc = (*loc, ctx["key"])
    if kind == "invalid":  # a rule over several keys: show a value only where the rule names one
        value = _value_at(data, loc) if "sub" in ctx else None
        value = ctx.get("value") if value is None else value
    else:
        value = _value_at(data, loc) if ("sub" in ctx or kind == "unknown_ref") else err.get("input")
    line = line_of(path, loc)
    where = f"{_display(path)}{f' line {line}' if line else ''}: {key_path(loc) or '(top level)'}{_label(data, loc)}"
    if kind == "unknown_ref":
        what, source, _ = REFERENCES[ctx["kind"]]
        allowed = [a for a in refs.get(ctx["kind"], []) if a is not None]
        hint = did_you_mean(value, allowed)
        return f"{where}: unknown {what} {_fmt(value)}; allowed ({source}): {', '.join(map(str, allowed))}" + (
            f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        )
    if kind == "unknown_key":
        allowed = [a for a in ctx.get("allowed", []) if a]
        hint = did_you_mean(ctx["key"], allowed)
        return f"{where}: unknown key {ctx['key']!r}; allowed keys: {', '.join(allowed)}" + (
            f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        )
    if kind == "missing":
        parent = loc[:-1]
        pline = line_of(path, parent)
        return (
            f"{_display(path)}{f' line {pline}' if pline else ''}: {key_path(parent) or '(top level)'}"
            f"{_label(data, parent)}: missing key {loc[-1]!r}"
        )
    if kind == "duplicate":
        return (
            f"{where}: duplicate {ctx['what']} {_fmt(ctx['value'])} (also in item [{ctx['first']}]); "
            f"expected unique {ctx['what']}{'' if ctx['what'].endswith('s') else 's'}"
        )
    if kind == "invalid":
        return f"{where}: " + (f"found {_fmt(value)}; " if value is not None else "") + ctx["detail"]
    expected = re.sub(r"^(Input|String|List|Dictionary|Value) should (be |have )?", "", err["msg"])
    expected = expected.replace("match pattern", "text matching the pattern")
    return f"{where}: found {_fmt(value)}; expected {expected}"
