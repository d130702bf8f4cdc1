"""Schemas of the configuration files: what every key of the configuration files (pipeline/config/*.yaml,
each domain's config/*.yaml) and data_raw/sources.yaml may hold, declared as pydantic models, and the
located messages a refused value gets.

Why declarative: a misspelt key, a code another file does not define ("VMBO-GB" for VMBO-GL, a misspelt
profile flag), a radius of "tien" or -5 used to be accepted silently or fail late; here each rule is one
type annotation. Three kinds of rule:

* structure and type: every model forbids unknown keys (with "did you mean"), requires its keys, and
  checks types strictly (YAML gives real numbers and booleans: "10" is not a number, 1 is not true);
* ranges: `Radius`, `Fraction`, `Peiljaar`, ... (Field bounds);
* references, data-driven: `Ref("onderwijstype")` accepts exactly the codes `REFERENCES["onderwijstype"]`
  reads from the configuration itself (here: onderwijstypes.yaml), so a new code added to its defining file
  is accepted everywhere without a code change. Fixed vocabularies (statistics, scope types) are
  references to a constant list, with the same message.

`validate_parts(parts, paths)` validates every file and returns the messages, one per problem:
`<file> line <n>: <key path>: <what is wrong>; found <value>; allowed: <...>; did you mean <...>?`.
The validated dicts are kept as read (the config hash is over the files' own content, not the models').

Layout (the platform's package: it imports no domain):
  base.py              Spec, the value types, fixed vocabularies, REFERENCES and Ref, list helpers, YAML loader
  messages.py          located messages: did_you_mean, key_path, line_of
  pipeline_sources.py  pipeline.yaml and data_raw/sources.yaml
  duo_pupils.py        profiles.yaml and onderwijstypes.yaml
  campuses.py          campuses.yaml
  monitoring.py        monitoring.yaml
  programmes.py        targets.yaml and statements.yaml
  seor.py              seor.yaml
  coverage.py          coverage.yaml
  validation.py        SCHEMAS (file stem → schema) and validate_parts
"""

from __future__ import annotations

from pipeline.config_schema.base import (
    FORECAST_STATISTICS,
    GEOCODE_METHODS,
    KNOWN_SCOPES,
    MASKING_CONVENTIONS,
    PROFILE_KINDS,
    REFERENCES,
    STATEMENT_COUNT_BY,
    STATEMENT_STATISTICS,
    TARGET_COMPARISONS,
    TARGET_STATISTICS,
    VMBO_LEERWEGEN,
    Parts,
    Ref,
    Spec,
    UniqueKeyLoader,
    reference_values,
)
from pipeline.config_schema.messages import did_you_mean, key_path, line_of
from pipeline.config_schema.validation import SCHEMAS, validate_parts

__all__ = [
    "FORECAST_STATISTICS",
    "GEOCODE_METHODS",
    "KNOWN_SCOPES",
    "MASKING_CONVENTIONS",
    "PROFILE_KINDS",
    "REFERENCES",
    "SCHEMAS",
    "STATEMENT_COUNT_BY",
    "STATEMENT_STATISTICS",
    "TARGET_COMPARISONS",
    "TARGET_STATISTICS",
    "VMBO_LEERWEGEN",
    "Parts",
    "Ref",
    "Spec",
    "UniqueKeyLoader",
    "did_you_mean",
    "key_path",
    "line_of",
    "reference_values",
    "validate_parts",
]
