"""Schema of mbo.yaml (assets/mbo/config/): the mbo source files, the label maps of every label a rule depends
on (prior vo education, niveau, leerweg, hoofdgroep, sectorkamer) and the technical rule with its crebo
overrides (each with source and date)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from pipeline.config_schema.base import IsoDate, Ref, Spec, Text, _invalid, _nonempty_list

Certainty = Literal["certain", "uncertain"]
PRIOR_VO_CODES = ("vmbo_bb", "vmbo_kb", "vmbo_gl", "vmbo_tl", "havo", "vwo", "other", "none")


def _labels_unique(items: list, what: str) -> None:
    """Labels are matched trimmed and case-insensitively: two that differ only in case are one label."""
    seen: dict[str, int] = {}
    for i, it in enumerate(items):
        key = it.label.strip().lower()
        if key in seen:
            raise _invalid(
                f"duplicate label (labels match case-insensitively; the first at {what}[{seen[key]}])",
                f"{what}[{i}].label",
                it.label,
            )
        seen[key] = i


class MboSources(Spec):
    instroom: _nonempty_list(Annotated[str, Ref("source")])
    gediplomeerden: _nonempty_list(Annotated[str, Ref("source")])
    instellingen: Annotated[str, Ref("source")]


class PriorVoLabel(Spec):
    label: Text
    prior_vo: Literal[PRIOR_VO_CODES]  # type: ignore[valid-type]
    certainty: Certainty = "certain"


class NiveauLabel(Spec):
    label: Text
    niveau: Annotated[int, Field(ge=1, le=4)]
    certainty: Certainty = "certain"


class LeerwegLabel(Spec):
    label: Text
    leerweg: Literal["BOL", "BBL"]
    certainty: Certainty = "certain"


class HoofdgroepLabel(Spec):
    label: Text
    code: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    technical: bool
    certainty: Certainty = "certain"


class SectorkamerLabel(Spec):
    label: Text
    technical_sbb: bool
    certainty: Certainty = "certain"


class TechnicalRule(Spec):
    rule: Literal["hoofdgroep"]
    source: Text
    date: IsoDate
    certainty: Certainty = "certain"


class CreboOverride(Spec):
    crebo: Annotated[str, Field(pattern=r"^[0-9]{5}$")]
    technical: bool
    source: Text
    date: IsoDate
    note: Text | None = None


class MboFile(Spec):
    version: int
    sources: MboSources
    vooropleiding_vo: _nonempty_list(PriorVoLabel)
    niveaus: _nonempty_list(NiveauLabel)
    leerwegen: _nonempty_list(LeerwegLabel)
    technical: TechnicalRule
    hoofdgroepen: _nonempty_list(HoofdgroepLabel)
    sectorkamers: _nonempty_list(SectorkamerLabel)
    crebo_overrides: list[CreboOverride] = []

    @model_validator(mode="after")
    def _unique_labels(self) -> MboFile:
        for what in ("vooropleiding_vo", "niveaus", "leerwegen", "hoofdgroepen", "sectorkamers"):
            _labels_unique(getattr(self, what), what)
        crebos = [o.crebo for o in self.crebo_overrides]
        dup = sorted({c for c in crebos if crebos.count(c) > 1})
        if dup:
            raise _invalid("one override per crebo", "crebo_overrides", dup)
        return self
