"""DUO vo pupil and address files: one parser for every header generation.

Why: DUO renamed the key columns in 2023 (BRIN NUMMER/VESTIGINGSNUMMER/ELEMENTCODE became
INSTELLINGSCODE/VESTIGINGSCODE/OPLEIDINGSCODE and a SAMENWERKINGSVERBAND column appeared) and from
Nov 2023 masks counts 1–4 as "<5". Downstream SQL sees one canonical raw layout for all years.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.csvread import InputError, read_text_csv

COUNT_COLUMNS = [f"LEER- OF VERBLIJFSJAAR {lj} - {sex}" for lj in range(1, 7) for sex in ("MAN", "VROUW")]
# canonical name -> accepted header names, oldest generation first
PUPIL_COLUMNS: dict[str, list[str]] = {
    "brin": ["BRIN NUMMER", "INSTELLINGSCODE"],
    "vestiging_nr": ["VESTIGINGSNUMMER", "VESTIGINGSCODE"],
    "instellingsnaam": ["INSTELLINGSNAAM VESTIGING"],
    "plaatsnaam": ["PLAATSNAAM VESTIGING"],
    "provincie": ["PROVINCIE VESTIGING"],
    "onderwijstype_label": ["ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR"],
    "vmbo_sector": ["VMBO SECTOR"],
    "afdeling": ["AFDELING"],
    "opleidingscode": ["ELEMENTCODE", "OPLEIDINGSCODE"],
    "opleidingsnaam": ["OPLEIDINGSNAAM"],
}
OPTIONAL_PUPIL_COLUMNS = {"samenwerkingsverband": ["SAMENWERKINGSVERBAND"]}
COUNT_RE = re.compile(r"^(\d+|<5)$")
BRIN_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
VEST_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$")


def _pick(df: pd.DataFrame, names: list[str]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def parse_pupils(path: Path | str, peiljaar: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse one yearly pupils file into the canonical raw layout (all text, counts unparsed but checked).

    Returns (frame, info) where info has encoding, delimiter and header_generation. Raises InputError
    naming file, row and column for anything a later step could not interpret.
    """
    df, info = read_text_csv(path)
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for canon, names in {**PUPIL_COLUMNS}.items():
        col = _pick(df, names)
        if col is None:
            missing.append(" or ".join(names))
        else:
            mapping[canon] = col
    missing += [c for c in COUNT_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: row 1: missing column(s) {missing}; found columns {list(df.columns[1:])}")
    generation = "2023+" if mapping["brin"] == "INSTELLINGSCODE" else "pre-2023"
    known = set(mapping.values()) | set(COUNT_COLUMNS) | {"source_row", "SAMENWERKINGSVERBAND", "LWOO INDICATIE"}
    extra = [c for c in df.columns if c not in known]
    if extra:
        raise InputError(f"{path}: row 1: unexpected column(s) {extra} (a new DUO layout?)")

    out = pd.DataFrame({"source_row": df["source_row"]})
    for canon, col in mapping.items():
        out[canon] = df[col]
    sv = _pick(df, OPTIONAL_PUPIL_COLUMNS["samenwerkingsverband"])
    out["samenwerkingsverband"] = df[sv] if sv else pd.Series(pd.NA, index=df.index, dtype="string")

    # Keys: 4-char BRIN + 2-digit vestiging number, or a 6-char vestiging code that starts with the BRIN.
    brin = out["brin"].str.upper()
    vest = out["vestiging_nr"].str.upper()
    code = vest.where(vest.str.len() == 6, brin + vest)
    bad_key = ~brin.str.match(BRIN_RE) | ~code.str.match(VEST_RE) | (code.str[:4] != brin)
    _raise_cells(
        path,
        out,
        bad_key,
        f"{mapping['brin']}/{mapping['vestiging_nr']}",
        "a 4-character instelling code and a 2-digit (or 6-character) vestiging code",
        brin + "/" + vest,
    )
    out["vestiging_code"] = code
    out["brin"] = brin

    counts = df[COUNT_COLUMNS]
    bad = ~counts.apply(lambda s: s.str.match(COUNT_RE)).fillna(False)
    if bad.to_numpy().any():
        rows, cols = bad.to_numpy().nonzero()
        cells = [
            f"row {int(df['source_row'].iloc[r])} column {COUNT_COLUMNS[c]!r}: found {counts.iat[r, c]!r}"
            for r, c in list(zip(rows, cols, strict=True))[:10]
        ]
        raise InputError(
            f"{path}: expected a non-negative integer count or '<5', found {len(rows)} bad cell(s): " + "; ".join(cells)
        )
    for c in COUNT_COLUMNS:
        lj, sex = re.match(r"LEER- OF VERBLIJFSJAAR (\d) - (MAN|VROUW)", c).groups()
        out[f"lj{lj}_{'m' if sex == 'MAN' else 'v'}"] = counts[c]
    out.insert(0, "peiljaar", peiljaar)
    out["header_generation"] = generation
    out["source_file"] = Path(path).name
    info["header_generation"] = generation
    return out, info


def _raise_cells(path, df: pd.DataFrame, mask: pd.Series, column: str, expected: str, found: pd.Series) -> None:
    if mask.fillna(True).any():
        m = mask.fillna(True)
        sample = [f"row {int(r)}: {v!r}" for r, v in zip(df.loc[m, "source_row"], found[m], strict=True)][:10]
        raise InputError(
            f"{path}: column {column}: expected {expected}, found {int(m.sum())} bad value(s): " + "; ".join(sample)
        )


ADDRESS_COLUMNS: dict[str, str] = {
    "vestiging_code": "VESTIGINGSNUMMER",
    "brin": "BRIN NUMMER",
    "name": "VESTIGINGSNAAM",
    "street": "STRAATNAAM",
    "house_number": "HUISNUMMER-TOEVOEGING",
    "postcode": "POSTCODE",
    "plaatsnaam": "PLAATSNAAM",
    "gemeente_code": "GEMEENTENUMMER",
    "gemeente_name": "GEMEENTENAAM",
    "provincie": "PROVINCIE",
    "denominatie": "DENOMINATIE",
    "onderwijsstructuur": "ONDERWIJSSTRUCTUUR",
    "corop_code": "COROPGEBIED CODE",
    "corop_name": "COROPGEBIED NAAM",
    "rmc_code": "RMC-REGIO CODE",
    "rmc_name": "RMC-REGIO NAAM",
    "onderwijsgebied_code": "ONDERWIJSGEBIED CODE",
    "onderwijsgebied_name": "ONDERWIJSGEBIED NAAM",
}
ADDRESS_ALIASES = {
    "VESTIGINGSNUMMER": ["VESTIGINGSNUMMER", "VESTIGINGSCODE"],
    "BRIN NUMMER": ["BRIN NUMMER", "INSTELLINGSCODE"],
}
PC6_RE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")


def parse_addresses(path: Path | str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse the vo address file (02.-alle-vestigingen-vo) into canonical columns."""
    df, info = read_text_csv(path)
    out = pd.DataFrame({"source_row": df["source_row"]})
    missing = []
    for canon, col in ADDRESS_COLUMNS.items():
        found = _pick(df, ADDRESS_ALIASES.get(col, [col]))
        if found is None:
            missing.append(col)
        else:
            out[canon] = df[found]
    if missing:
        raise InputError(f"{path}: row 1: missing column(s) {missing}; found columns {list(df.columns[1:])}")
    out["vestiging_code"] = out["vestiging_code"].str.upper()
    _raise_cells(
        path,
        out,
        ~out["vestiging_code"].str.match(VEST_RE),
        "VESTIGINGSNUMMER",
        "a 6-character vestiging code like 18BR00",
        out["vestiging_code"],
    )
    dup = out["vestiging_code"].duplicated(keep=False)
    _raise_cells(path, out, dup, "VESTIGINGSNUMMER", "unique vestiging codes (one row each)", out["vestiging_code"])
    pc = out["postcode"].str.upper().str.replace(r"\s+", " ", regex=True)
    out["postcode"] = pc
    out["pc6"] = pc.str.replace(" ", "", regex=False).where(pc.str.match(PC6_RE))
    out["pc4"] = out["pc6"].str[:4]
    out["source_file"] = Path(path).name
    return out, info
