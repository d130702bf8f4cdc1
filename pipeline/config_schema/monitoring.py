"""Schema of monitoring.yaml: profile offer and supply, the techniek-share indicators, techniekarm, nearby
offer, scopes, pupil trend, exams, reconciliation and the catalogue."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from pipeline.config_schema.base import (
    Fraction,
    Leerjaren,
    NonNegative,
    Onderwijstypes,
    PathText,
    Peiljaar,
    ProfileFlag,
    Radius,
    Ref,
    Spec,
    Text,
    _invalid,
    _nonempty_list,
    _unique,
)

# ---------------------------------------------------------------------------------------------- monitoring.yaml


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
        if isinstance(num, dict) and list(num) == ["sector"]:
            sector = num["sector"]
            if not isinstance(sector, str) or not sector.strip():
                raise _invalid(
                    "expected a VMBO SECTOR value of the DUO 01 file, e.g. Techniek", "numerator.sector", sector
                )
            return self
        raise _invalid(
            "expected 'n_profile', {profile_flag: <flag of profiles.yaml>} or {sector: <VMBO SECTOR value>}",
            "numerator",
            num,
        )


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


class MboDe4Group(Spec):
    leerweg: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    label: Text
    onderwijstype: Annotated[str, Ref("onderwijstype")] | None = None
    prior_vo: Annotated[_nonempty_list(Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]), _unique()]


class MboDefinitionSet(Spec):
    label: Text
    values: Annotated[_nonempty_list(str | int), _unique()]


class MboReconciliation(Spec):
    published_file: PathText
    counts: Annotated[_nonempty_list(Literal["n_instroom_mbo", "n_totaal_mbo", "n_instroom_opleiding"]), _unique()]
    leerwegen: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], MboDefinitionSet], Field(min_length=1)]
    niveaus: Annotated[dict[Annotated[str, Field(pattern=r"^[0-9_]+$")], MboDefinitionSet], Field(min_length=1)]


class Mbo(Spec):
    de4: Annotated[_nonempty_list(MboDe4Group), _unique("leerweg")]
    reconciliation: MboReconciliation


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
    mbo: Mbo | None = None
