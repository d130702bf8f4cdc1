"""Schema of coverage.yaml (assets/coverage/config/): offer rules, offer groups, the radius grid and the
nearest-offer search box of the coverage domain."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pipeline.config_schema.base import (
    Onderwijstypes,
    ProfileFlag,
    Radius,
    Ref,
    Spec,
    Text,
    _invalid,
    _nonempty_list,
    _unique,
)

GroupName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class DefaultRule(Spec):
    id: RuleId


class StrictRule(Spec):
    id: RuleId
    min_intake: Annotated[int, Field(ge=1)]


class OfferRules(Spec):
    default: DefaultRule
    strict: StrictRule

    @model_validator(mode="after")
    def _distinct(self) -> OfferRules:
        if self.default.id == self.strict.id:
            raise _invalid("the two rules need different ids", "strict.id", self.strict.id)
        return self


class TlGroup(Spec):
    onderwijstypes: Onderwijstypes
    sector: Text


class CoverageFile(Spec):
    version: int
    offer_rules: OfferRules
    flag_groups: Annotated[dict[GroupName, ProfileFlag], Field(min_length=1)]
    single_profile_kinds: list[Annotated[str, Ref("profile_kind")]]
    tl_groups: dict[GroupName, TlGroup]
    hard_group: GroupName
    radii_km: Annotated[_nonempty_list(Radius), _unique()]
    search_box_km: Radius

    @model_validator(mode="after")
    def _groups(self) -> CoverageFile:
        both = sorted(set(self.flag_groups) & set(self.tl_groups))
        if both:
            raise _invalid("a group name is given both in flag_groups and in tl_groups", "tl_groups", both[0])
        if self.hard_group not in self.flag_groups:
            raise _invalid(
                f"expected a group of flag_groups ({', '.join(self.flag_groups)})", "hard_group", self.hard_group
            )
        return self
