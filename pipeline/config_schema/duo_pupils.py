"""Schemas of the DUO pupil-count vocabularies: profiles.yaml (vmbo profiles, routes, pre-2016 afdelingen
and their flags) and onderwijstypes.yaml (onderwijstype labels and codes)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from pipeline.config_schema.base import Ref, Spec, Text, _invalid, _nonempty_list, _unique


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
