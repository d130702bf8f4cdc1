"""The building blocks of the configuration schemas: the strict base model `Spec`, the value types
(`Peiljaar`, `Radius`, `Fraction`, ...), the fixed vocabularies, the data-driven references (`REFERENCES`,
`Ref(kind)`) with `reference_values`, the list helpers (`_unique`, `_nonempty_list`), the rule error
`_invalid` and the YAML loader that refuses a key given twice.

Every file schema (pipeline/config_schema/*.py) builds on these; the underscore names are private to the
package, not to this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator
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
TARGET_STATISTICS = (
    "n_locations_offering",
    "n_girls",
    "pct_girls",
    "pct_girls_choosing",
    "n_pupils",
    # from the DUO mbo diploma file over the region's mbo instellingen (assets/mbo/)
    "mbo_n_girls_technical_diplomas",
    "mbo_pct_girls_technical_diplomas",
)
TARGET_COMPARISONS = ("absolute", "pct_change_vs_baseline", "points_change_vs_baseline")
# statements.yaml: what a statement's variants compute, how locations are counted, what a forecast tracks
STATEMENT_STATISTICS = ("pct_girls", "n_locations_offering", "n_locations_without_offer", "mbo_pct_nontechnical_net")
STATEMENT_COUNT_BY = ("vestiging", "brin")
FORECAST_STATISTICS = ("n_pupils",)
PROFILE_KINDS = ("profile", "route", "afdeling_pre2016")
VMBO_LEERWEGEN = ("BB", "KB", "GL", "TL")
MASKING_CONVENTIONS = ("none", "lt5", "four_means_1_to_4", "minus_one")  # minus_one: the mbo files (assets/mbo)
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
    "profile_kind": (
        "profile kind",
        "fixed: pipeline/config_schema/base.py PROFILE_KINDS",
        lambda p: list(PROFILE_KINDS),
    ),
    "havo_vwo_profile_label": (
        "havo/vwo profile label",
        "profiles.yaml havo_vwo_profile_labels",
        lambda p: list(_get(p, "profiles", "havo_vwo_profile_labels") or []),
    ),
    "scope_type": ("scope type", "fixed: pipeline/config_schema/base.py KNOWN_SCOPES", lambda p: list(KNOWN_SCOPES)),
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


# lists shared by monitoring.yaml, targets.yaml and statements.yaml
Onderwijstypes = Annotated[_nonempty_list(Annotated[str, Ref("onderwijstype")]), _unique()]
Leerjaren = Annotated[_nonempty_list(Leerjaar), _unique()]
ProfileFlag = Annotated[str, Ref("profile_flag")]
