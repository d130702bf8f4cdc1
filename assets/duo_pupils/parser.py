"""DUO vo pupil and address files: one parser for every header generation and published form.

Why: DUO renamed the key columns in 2023 (BRIN NUMMER/VESTIGINGSNUMMER/ELEMENTCODE became
INSTELLINGSCODE/VESTIGINGSCODE/OPLEIDINGSCODE and a SAMENWERKINGSVERBAND column appeared); files up to
about 2016 carry an `LWOO INDICATIE` column (J/N), so one vestiging × onderwijstype × afdeling × opleiding
appears once per indicator; and three small-number conventions exist: none (older files), "<5" (duo.nl
files after Nov 2023) and "4" standing for 1–4 (CKAN portal exports). The same tables are also offered
as .xlsx. Downstream SQL sees one canonical raw layout for all years and forms.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.constants import VESTIGING_CODE_PATTERN
from pipeline.csvread import InputError, read_table

if TYPE_CHECKING:
    from pipeline.config import Config

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
OPTIONAL_PUPIL_COLUMNS = {"samenwerkingsverband": ["SAMENWERKINGSVERBAND"], "lwoo": ["LWOO INDICATIE"]}
LWOO_VALUES = (
    "J",
    "N",
)  # DUO: J = leerwegondersteunend onderwijs, N = not (openstate/openonderwijsdata-api parses the same)
COUNT_RE = re.compile(r"^(\d+|<5)$")
# Small-number conventions (data_raw/sources.yaml `masking`, ../shared/data/duo/README.md "Formats"):
#   lt5               counts 1–4 published as the token "<5" (duo.nl files after 1 Nov 2023)
#   four_means_1_to_4 counts 1–4 published as "4" (CKAN portal onderwijsdata.duo.nl exports)
#   none              exact counts (older files)
MASKING_CONVENTIONS = ("lt5", "four_means_1_to_4", "none")
BRIN_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
VEST_RE = re.compile(VESTIGING_CODE_PATTERN)


def _pick(df: pd.DataFrame, names: list[str]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def detect_masking(counts: pd.DataFrame) -> str:
    """The small-number convention of one file, from its count cells (all text, already checked).

    Rule: a "<5" token anywhere → "lt5"; otherwise counts equal to 4 but never 1, 2 or 3 →
    "four_means_1_to_4" (a real file of thousands of rows without a single 1, 2 or 3 only arises when
    1–4 were replaced by 4); otherwise "none". Shapes: `counts` is rows × the 12 count columns.
    """
    values = pd.Series(counts.to_numpy().ravel())
    seen = set(values.unique())
    if "<5" in seen:
        return "lt5"
    if "4" in seen and not seen & {"1", "2", "3"}:
        return "four_means_1_to_4"
    return "none"


def declared_masking(cfg: Config, source_id: str = "duo_vo_students") -> list[str]:
    """Conventions data_raw/sources.yaml (in `cfg`) declares for a pupils source (all three when not declared)."""
    declared = cfg.source(source_id).get("masking") or {}
    return list(declared.get("conventions") or MASKING_CONVENTIONS)


def parse_pupils(
    path: Path | str, peiljaar: int, masking_allowed: list[str] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse one yearly pupils file into the canonical raw layout (all text, counts unparsed but checked).

    Accepts every published form: CSV (';' or ',' quoted; cp1252 or UTF-8) or .xlsx; both key-column
    generations; the older `LWOO INDICATIE` column (kept as `lwoo` = 'J'/'N', NULL for files without it:
    indicators must sum over it); any of the three masking conventions (detected per file, recorded in
    column `masking` and in info; `masking_allowed`: the conventions sources.yaml declares,
    `declared_masking(cfg)`, which the asset passes; all three when not given).
    Returns (frame, info): one row per source record with `source_row` = the physical line (or sheet row)
    on which it starts; info has encoding, delimiter, header_generation, lwoo, masking. Raises InputError
    naming file, row and column for anything a later step could not interpret.
    """
    df, info = read_table(path)
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
    lwoo_col = _pick(df, OPTIONAL_PUPIL_COLUMNS["lwoo"])
    generation = "2023+" if mapping["brin"] == "INSTELLINGSCODE" else "pre-2017-lwoo" if lwoo_col else "pre-2023"
    known = set(mapping.values()) | set(COUNT_COLUMNS) | {"source_row", "SAMENWERKINGSVERBAND", "LWOO INDICATIE"}
    extra = [c for c in df.columns if c not in known]
    if extra:
        raise InputError(f"{path}: row 1: unexpected column(s) {extra} (a new DUO layout?)")

    out = pd.DataFrame({"source_row": df["source_row"]})
    for canon, col in mapping.items():
        out[canon] = df[col]
    sv = _pick(df, OPTIONAL_PUPIL_COLUMNS["samenwerkingsverband"])
    out["samenwerkingsverband"] = df[sv] if sv else pd.Series(pd.NA, index=df.index, dtype="string")
    if lwoo_col:
        lwoo = df[lwoo_col].str.upper()
        _raise_cells(path, out, ~lwoo.isin(LWOO_VALUES), lwoo_col, "'J' or 'N' (LWOO indicator)", df[lwoo_col])
        out["lwoo"] = lwoo
    else:
        out["lwoo"] = pd.Series(pd.NA, index=df.index, dtype="string")

    out["brin"], out["vestiging_code"] = vestiging_key(
        path, out, out["brin"], out["vestiging_nr"], f"{mapping['brin']}/{mapping['vestiging_nr']}"
    )
    counts = df[COUNT_COLUMNS]
    masking = checked_masking(path, df["source_row"], counts, masking_allowed)
    for c in COUNT_COLUMNS:
        lj, sex = re.match(r"LEER- OF VERBLIJFSJAAR (\d) - (MAN|VROUW)", c).groups()
        out[f"lj{lj}_{'m' if sex == 'MAN' else 'v'}"] = counts[c]
    out.insert(0, "peiljaar", peiljaar)
    out["header_generation"] = generation
    out["masking"] = masking
    out["source_file"] = Path(path).name
    info["header_generation"] = generation
    info["lwoo"] = "kept (column lwoo)" if lwoo_col else "absent"
    info["masking"] = masking
    return out, info


def vestiging_key(
    path: Path | str, df: pd.DataFrame, brin: pd.Series, vest: pd.Series, column: str
) -> tuple[pd.Series, pd.Series]:
    """(brin, vestiging_code) of every row, upper case: a 4-character BRIN + a 2-digit vestiging number, or a
    6-character vestiging code that starts with the BRIN (the key core.duo_vo_students and every DUO file
    of this domain use). `df` holds `source_row`; `column` names the key columns in the error. Raises
    InputError naming the rows of a key of neither form."""
    brin = brin.str.upper()
    vest = vest.str.upper()
    code = vest.where(vest.str.len() == 6, brin + vest)
    bad_key = ~brin.str.match(BRIN_RE) | ~code.str.match(VEST_RE) | (code.str[:4] != brin)
    _raise_cells(
        path,
        df,
        bad_key,
        column,
        "a 4-character instelling code and a 2-digit (or 6-character) vestiging code",
        brin + "/" + vest,
    )
    return brin, code


def checked_masking(
    path: Path | str, source_row: pd.Series, counts: pd.DataFrame, masking_allowed: list[str] | None = None
) -> str:
    """The small-number convention of a file's count cells (`counts`: rows × count columns, text, headed by
    the file's column names), after checking every cell is a non-negative integer or '<5', the convention
    is one sources.yaml declares (`masking_allowed`; all when None) and no '<5' file holds an exact 1-3.
    Raises InputError naming row (`source_row`) and column of the first bad cells."""
    names = list(counts.columns)
    bad = ~counts.apply(lambda s: s.str.match(COUNT_RE)).fillna(False)
    if bad.to_numpy().any():
        rows, cols = bad.to_numpy().nonzero()
        cells = [
            f"row {int(source_row.iloc[r])} column {names[c]!r}: found {counts.iat[r, c]!r}"
            for r, c in list(zip(rows, cols, strict=True))[:10]
        ]
        raise InputError(
            f"{path}: expected a non-negative integer count or '<5', found {len(rows)} bad cell(s): " + "; ".join(cells)
        )
    masking = detect_masking(counts)
    allowed = list(masking_allowed) if masking_allowed is not None else list(MASKING_CONVENTIONS)
    if masking not in allowed:
        raise InputError(
            f"{path}: columns {names[0]!r}..{names[-1]!r}: expected one of the small-number "
            f"conventions declared in data_raw/sources.yaml {allowed}, found {masking!r}"
        )
    if masking == "lt5":
        # "<5" replaces 1–4; an exact 1, 2 or 3 next to it means two conventions mixed in one file.
        mixed = counts.isin(["1", "2", "3"])
        if mixed.to_numpy().any():
            rows, cols = mixed.to_numpy().nonzero()
            cells = [
                f"row {int(source_row.iloc[r])} column {names[c]!r}: found {counts.iat[r, c]!r}"
                for r, c in list(zip(rows, cols, strict=True))[:10]
            ]
            raise InputError(
                f"{path}: the file masks counts 1-4 as '<5', so no count 1, 2 or 3 can occur; found {len(rows)} "
                "such cell(s) (two masking conventions mixed?): " + "; ".join(cells)
            )
    return masking


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
    """Parse the vo address file (02.-alle-vestigingen-vo, CSV or .xlsx) into canonical columns."""
    df, info = read_table(path)
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
