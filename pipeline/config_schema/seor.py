"""Schema of seor.yaml: the SEOR campus analysis (canonical inventory fields, location rules, funnel,
reach, dimensions and their categories, gap rules, reconciliation)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, model_validator

from pipeline.config_schema.base import (
    NonNegative,
    PathText,
    Peiljaar,
    Radius,
    Ref,
    Spec,
    Text,
    _invalid,
    _nonempty_list,
    _unique,
)
from pipeline.config_schema.messages import did_you_mean


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
