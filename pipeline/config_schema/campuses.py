"""Schema of campuses.yaml: the STO campuses, their address and optional coordinates."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pipeline.config_schema.base import PositiveNumber, Spec, Text, _invalid, _nonempty_list, _unique


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
