"""Schema of nearby.yaml (assets/coverage/config/): the nearby-small-offer counts of the coverage domain
(marts.nearby_small_offer): the distance and size grids, the leerweg split, the same-instelling rule, the
profile kinds and the scope types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pipeline.config_schema.base import Radius, Ref, Spec, _nonempty_list, _unique


class NearbySmallOffer(Spec):
    max_distance_km: Annotated[_nonempty_list(Radius), _unique()]
    max_small_pupils: Annotated[_nonempty_list(Annotated[int, Field(ge=1)]), _unique()]
    leerwegen: Annotated[list[Literal["BB", "KB", "GL"]], _unique()]
    exclude_same_instelling: bool
    instelling_code_length: Annotated[int, Field(ge=1, le=8)]
    profile_kinds: _nonempty_list(Annotated[str, Ref("profile_kind")])
    scope_types: Annotated[
        _nonempty_list(Literal["national", "provincie", "gemeente", "corop", "rmc", "onderwijsgebied", "sto_region"]),
        _unique(),
    ]


class NearbyFile(Spec):
    version: int
    nearby_small_offer: NearbySmallOffer
