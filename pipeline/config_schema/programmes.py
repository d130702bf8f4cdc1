"""Schemas of the programme documents' figures: targets.yaml (scopes given by place names and the targets,
with their readings) and statements.yaml (statements of the present and forecasts)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pipeline.config_schema.base import (
    Leerjaren,
    Onderwijstypes,
    Peiljaar,
    ProfileFlag,
    Ref,
    Spec,
    Text,
    _invalid,
    _nonempty_list,
    _unique,
)

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
    is_proxy: bool | None = None
    proxy_note: Text | None = None


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
