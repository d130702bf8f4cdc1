"""`SCHEMAS` (file stem → its schema) and `validate_parts`, which validates every parsed file and returns one
located message per problem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from pipeline.config_schema.base import Parts, Spec, _field, _get, _items, reference_values
from pipeline.config_schema.campuses import CampusesFile
from pipeline.config_schema.coverage import CoverageFile
from pipeline.config_schema.coverage_nearby import NearbyFile
from pipeline.config_schema.duo_pupils import OnderwijstypesFile, ProfilesFile
from pipeline.config_schema.mbo import MboFile
from pipeline.config_schema.messages import _message
from pipeline.config_schema.monitoring import MonitoringFile
from pipeline.config_schema.pipeline_sources import PipelineFile, SourcesFile
from pipeline.config_schema.programmes import StatementsFile, TargetsFile
from pipeline.config_schema.seor import SeorFile

SCHEMAS: dict[str, type[Spec]] = {
    "pipeline": PipelineFile,
    "profiles": ProfilesFile,
    "onderwijstypes": OnderwijstypesFile,
    "campuses": CampusesFile,
    "monitoring": MonitoringFile,
    "seor": SeorFile,
    "targets": TargetsFile,
    "statements": StatementsFile,
    "mbo": MboFile,
    "coverage": CoverageFile,
    "nearby": NearbyFile,
    "sources": SourcesFile,
}


def _mapping(value: object) -> dict:
    """`value` when it is a mapping, else empty: a file that is not of the right shape is reported by its own
    schema, not by a crash while the references of another file are read."""
    return value if isinstance(value, dict) else {}


def validate_parts(parts: Parts, paths: dict[str, Path], only: Iterable[str] | None = None) -> list[str]:
    """Validate every parsed file (`parts`: stem or 'sources' → mapping) against its schema; return one
    located message per problem (empty: all valid). References are resolved against `parts` themselves.
    `only` restricts which files are checked (references still come from every part)."""
    refs = reference_values(parts)
    context = {
        "refs": refs,
        "peiljaar_first": _get(parts, "pipeline", "peiljaren", "first"),
        "seor_dimension_codes": {
            d: _field(_items(_get(spec, "categories")), "code")
            for d, spec in _mapping(_get(parts, "seor", "dimensions")).items()
        },
    }
    messages: list[str] = []
    for name in only or parts:
        schema = SCHEMAS.get(name)
        if schema is None:
            continue
        try:
            schema.model_validate(parts[name], context=context)
        except ValidationError as exc:
            messages += [_message(paths[name], parts[name], e, refs) for e in exc.errors()]
    return messages
