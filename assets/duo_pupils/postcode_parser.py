"""DUO "02. leerlingen per vestiging naar postcode leerling en leerjaar": where the pupils of a vestiging live.

Why: coverage from home (issue 18 item 3) needs the pupils per home postcode (PC4); DUO publishes them per
vestiging × four-digit POSTCODE LEERLING with one count column per leerjaar (wide, no sex split, no
onderwijstype). The file comes in the generations of the 01 file: BRIN NUMMER/VESTIGINGSNUMMER (older) or
INSTELLINGSCODE/VESTIGINGSCODE (2023+), ';' cp1252 or quoted ',' UTF-8 or .xlsx, and the same three
small-number conventions ("<5" after November 2023). This parser shares the 01 parser's reading
(pipeline/csvread.py), key rule (`vestiging_key`) and count/masking checks (`checked_masking`), so the
vestiging_code is built exactly as in core.duo_vo_students.

Postcode rule (decided here, documented in tables.yaml): POSTCODE LEERLING must be four digits, the first
not 0 (a PC6 such as "2611 AB" is accepted and cut to its PC4). Any other value (blank, a shortened or
foreign code) does not fail the file: the row is kept with `pc4` NULL and `postcode_valid` false, counted
and listed by the warning check raw_duo_vo_pupils_postcode_postcodes, and its pupils are home-basis
"unplaced". A column in which most rows are not postcodes is another layout, and fails naming the rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from assets.duo_pupils.parser import checked_masking, vestiging_key
from pipeline.csvread import InputError, read_table

POSTCODE_COUNT_COLUMNS = [f"LEER- OF VERBLIJFSJAAR {lj}" for lj in range(1, 7)]
# canonical name -> accepted header names, oldest generation first
POSTCODE_KEY_COLUMNS: dict[str, list[str]] = {
    "brin": ["BRIN NUMMER", "INSTELLINGSCODE"],
    "vestiging_nr": ["VESTIGINGSNUMMER", "VESTIGINGSCODE"],
    "postcode": ["POSTCODE LEERLING"],
}
# Known descriptive columns some editions carry (kept when present, NULL otherwise).
POSTCODE_OPTIONAL_COLUMNS: dict[str, list[str]] = {
    "plaatsnaam_leerling": ["PLAATSNAAM LEERLING", "WOONPLAATS LEERLING"],
    "gemeente_code_leerling": ["GEMEENTENUMMER LEERLING", "GEMEENTECODE LEERLING"],
    "gemeente_name_leerling": ["GEMEENTENAAM LEERLING"],
    "instellingsnaam": ["INSTELLINGSNAAM VESTIGING", "VESTIGINGSNAAM"],
}
# Further known columns of the vestiging (its own place, province, municipality, samenwerkingsverband):
# accepted and not kept (the vestiging's geography comes from the address file).
POSTCODE_IGNORED_COLUMNS = (
    "PLAATSNAAM VESTIGING",
    "PLAATSNAAM",
    "PROVINCIE VESTIGING",
    "PROVINCIE",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
    "GEMEENTENUMMER VESTIGING",
    "GEMEENTENAAM VESTIGING",
    "SAMENWERKINGSVERBAND",
)
PC4_RE = re.compile(r"^([1-9][0-9]{3})(?: ?[A-Z]{2})?$")


def _pick(df: pd.DataFrame, names: list[str]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def parse_pupils_postcode(
    path: Path | str, peiljaar: int, masking_allowed: list[str] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse one yearly 02 file into raw.duo_vo_pupils_postcode's layout (counts unparsed text, checked).

    Returns (frame, info): one row per source record, `source_row` = the physical line (or sheet row), the
    vestiging key as core.duo_vo_students builds it, `postcode` as found, `pc4` (NULL when not a postcode,
    `postcode_valid` false), lj1..lj6 as text ('<5' kept), `masking` and `header_generation`; info adds
    encoding, delimiter, header_generation, masking and the number of invalid postcodes. Raises InputError
    naming file, row and column (a missing or unknown column: expected and found columns).
    """
    df, info = read_table(path)
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for canon, names in POSTCODE_KEY_COLUMNS.items():
        col = _pick(df, names)
        if col is None:
            missing.append(" or ".join(names))
        else:
            mapping[canon] = col
    missing += [c for c in POSTCODE_COUNT_COLUMNS if c not in df.columns]
    found = list(df.columns[1:])  # without source_row
    expected = [" or ".join(n) for n in POSTCODE_KEY_COLUMNS.values()] + POSTCODE_COUNT_COLUMNS
    if missing:
        raise InputError(
            f"{path}: row 1: not the layout of DUO 02 leerlingen per vestiging naar postcode en leerjaar: missing "
            f"column(s) {missing}; expected columns {expected}; found columns {found}"
        )
    optional = {canon: _pick(df, names) for canon, names in POSTCODE_OPTIONAL_COLUMNS.items()}
    known = (
        set(mapping.values())
        | set(POSTCODE_COUNT_COLUMNS)
        | {c for c in optional.values() if c}
        | set(POSTCODE_IGNORED_COLUMNS)
        | {"source_row"}
    )
    extra = [c for c in df.columns if c not in known]
    if extra:
        raise InputError(
            f"{path}: row 1: unexpected column(s) {extra} (a new DUO layout?); expected columns {expected} "
            f"(and optionally {sorted(n for names in POSTCODE_OPTIONAL_COLUMNS.values() for n in names)}); "
            f"found columns {found}"
        )
    generation = "2023+" if mapping["brin"] == "INSTELLINGSCODE" else "pre-2023"

    out = pd.DataFrame({"source_row": df["source_row"]})
    out["brin"], out["vestiging_code"] = vestiging_key(
        path, out, df[mapping["brin"]], df[mapping["vestiging_nr"]], f"{mapping['brin']}/{mapping['vestiging_nr']}"
    )
    out["vestiging_nr"] = df[mapping["vestiging_nr"]]
    for canon, col in optional.items():
        out[canon] = df[col] if col else pd.Series(pd.NA, index=df.index, dtype="string")

    postcode = df[mapping["postcode"]].fillna("").str.strip().str.upper()
    pc4 = postcode.str.extract(PC4_RE, expand=False)
    valid = pc4.notna()
    if len(df) and (~valid).sum() * 2 > len(df):
        sample = [f"row {int(r)}: {v!r}" for r, v in zip(df.loc[~valid, "source_row"], postcode[~valid], strict=True)][
            :10
        ]
        raise InputError(
            f"{path}: column {mapping['postcode']}: expected a four-digit postcode (1000-9999) in most rows, found "
            f"{int((~valid).sum())} of {len(df)} rows without one (another layout?): " + "; ".join(sample)
        )
    out["postcode"] = df[mapping["postcode"]]
    out["pc4"] = pc4.astype("string")
    out["postcode_valid"] = valid

    counts = df[POSTCODE_COUNT_COLUMNS]
    masking = checked_masking(path, df["source_row"], counts, masking_allowed)
    for lj, col in enumerate(POSTCODE_COUNT_COLUMNS, start=1):
        out[f"lj{lj}"] = counts[col]
    out.insert(0, "peiljaar", peiljaar)
    out["header_generation"] = generation
    out["masking"] = masking
    out["source_file"] = Path(path).name
    info["header_generation"] = generation
    info["masking"] = masking
    info["invalid_postcodes"] = str(int((~valid).sum()))
    return out, info


# The layout of raw.duo_vo_pupils_postcode (a year without a 02 file writes no rows into this layout).
RAW_POSTCODE_DTYPES: dict[str, str] = {
    "peiljaar": "int64",
    "source_row": "int64",
    "brin": "string",
    "vestiging_code": "string",
    "vestiging_nr": "string",
    **{c: "string" for c in POSTCODE_OPTIONAL_COLUMNS},
    "postcode": "string",
    "pc4": "string",
    "postcode_valid": "bool",
    **{f"lj{lj}": "string" for lj in range(1, 7)},
    "header_generation": "string",
    "masking": "string",
    "source_file": "string",
}


def raw_postcode_frame(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """`df` (a parse_pupils_postcode frame) in raw.duo_vo_pupils_postcode's column order and types; with
    no frame, the empty table of that layout."""
    if df is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RAW_POSTCODE_DTYPES.items()})
    return df[list(RAW_POSTCODE_DTYPES)].astype(RAW_POSTCODE_DTYPES)
