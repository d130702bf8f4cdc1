"""Schemas of pipeline.yaml (peiljaren, censoring, coverage, geocoding, reach) and data_raw/sources.yaml
(one entry per source file: publisher, licence, url, masking, snapshots)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from pipeline.config_schema.base import (
    Count,
    Fraction,
    HttpsUrl,
    IsoDate,
    PathText,
    Peiljaar,
    PositiveNumber,
    Radius,
    Ref,
    Sha256,
    Spec,
    Text,
    _invalid,
    _nonempty_list,
    _unique,
)


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


class History(Spec):
    """What every publish keeps of the warehouse it replaces (pipeline/history.py): the newest `keep`
    entries under <out>/history/ (0: none). STO_HISTORY_KEEP overrides it for one environment."""

    keep: Annotated[int, Field(ge=0, le=1000)] = 10


class PipelineFile(Spec):
    version: int
    peiljaren: Peiljaren
    baseline_peiljaar: Peiljaar
    censored: Censored
    validation: Coverage
    geocoding: Geocoding
    reach: Reach
    history: History | None = None

    @model_validator(mode="after")
    def _baseline_loadable(self) -> PipelineFile:
        if self.baseline_peiljaar < self.peiljaren.first:
            raise _invalid(
                f"before peiljaren.first ({self.peiljaren.first})", "baseline_peiljaar", self.baseline_peiljaar
            )
        return self


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
