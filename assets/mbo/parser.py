"""DUO mbo files: new entrants per year ("instromende mbo-studenten"), diplomas (the rolling
"gediplomeerden" file, wide by year and sex) and the mbo instellingen address file.

Why: these readers were written from DUO's CKAN catalogue (column lists and download names), not from a
real file, so a real file of another layout must fail loudly: every reader compares the header with the
documented columns and names the expected, the missing, the unexpected and the found columns. Cells are
validated like the vo files (pipeline/csvread.py: ';' or ',', UTF-8 or Windows-1252, garbled text refused;
`<5` kept as text for the SQL to turn into the point value with bounds), every error names the file, the
line an editor shows, the column, what was expected and what was found. Labels a rule depends on (prior vo
education, niveau, leerweg, hoofdgroep, sectorkamer) are checked against assets/mbo/config/mbo.yaml by
`unknown_labels`/`check_labels`: an unknown one blocks the run with its rows listed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.csvread import InputError, read_table

# DUO "instromende mbo-studenten", file "<jaar>-nieuw-instromende-studenten-per-instelling-hoofdgroep-leerweg-
# beroepsopleiding-niveau-vooropleiding" (CKAN catalogue column list, in that order) → canonical raw name.
INSTROOM_COLUMNS: dict[str, str] = {
    "VOOROPLEIDING VO": "vooropleiding_vo",
    "VOOROPLEIDING MBO": "vooropleiding_mbo",
    "INDICATIE KLEINE OPLEIDING": "kleine_opleiding_label",
    "INSTELLINGSCODE": "instellingscode",
    "INSTELLINGSNAAM": "instellingsnaam",
    "HOOFDGROEP CODE": "hoofdgroep_code",
    "HOOFDGROEP NAAM": "hoofdgroep_naam",
    "NIVEAU": "niveau_label",
    "LEERWEG": "leerweg_label",
    "BEROEPSOPLEIDING CODE": "crebo",
    "BEROEPSOPLEIDING NAAM": "opleiding_naam",
    "TOTAAL MBO": "totaal_mbo",
    "INSTROOM MBO": "instroom_mbo",
    "INSTROOM OPLEIDING": "instroom_opleiding",
}
INSTROOM_COUNTS = ["TOTAAL MBO", "INSTROOM MBO", "INSTROOM OPLEIDING"]
# DUO "gediplomeerde mbo-studenten" (2020-2024-gediplomeerden.csv): key columns, then DIPMAN<jaar>/DIPVROUW<jaar>.
DIPLOMA_KEYS: dict[str, str] = {
    "INSTELLINGSCODE": "instellingscode",
    "INSTELLINGSNAAM": "instellingsnaam",
    "PLAATSNAAM INSTELLING": "plaatsnaam",
    "LEERWEG": "leerweg_label",
    "NIVEAU": "niveau_label",
    "ERKENDE OPLEIDING CODE": "crebo",
    "ERKENDE OPLEIDING NAAM": "opleiding_naam",
    "SECTORKAMER NAAM": "sectorkamer",
    "HOOFDGROEP NAAM": "hoofdgroep",
}
DIPLOMA_VALUE_RE = re.compile(r"^DIP(?P<sex>MAN|VROUW)(?P<jaar>\d{4})$")
# DUO "adressen mbo", instellingenmbo.csv. NOT documented in the catalogue (its column list is the besturen
# file's): the columns the vo address files and the besturen file share, with the instelling key under both
# of DUO's names. Further columns are kept out and listed in the info.
INSTELLING_COLUMNS: dict[str, list[str]] = {
    "instellingscode": ["INSTELLINGSCODE", "BRIN NUMMER"],
    "name": ["INSTELLINGSNAAM", "NAAM INSTELLING"],
    "street": ["STRAATNAAM"],
    "house_number": ["HUISNUMMER-TOEVOEGING"],
    "postcode": ["POSTCODE"],
    "plaatsnaam": ["PLAATSNAAM"],
    "gemeente_code": ["GEMEENTENUMMER"],
    "gemeente_name": ["GEMEENTENAAM"],
}
COUNT_RE = re.compile(r"^(\d+|<5|-1)$")
# Censored count cells: "<5" (the duo.nl convention) and "-1" (reported for DUO's mbo entrants files by a third-party
# reading of DUO's "Uitleg kolomnamen": a suppressed cell; what it hides is not verified, read as 1-4 like "<5").
CENSORED_CELLS = {"<5": "lt5", "-1": "minus_one"}
BRIN_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
CREBO_RE = re.compile(r"^[0-9]{5}$")
PC6_RE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")
EMPTY_LABEL = "(leeg)"  # an empty label cell, as mbo.yaml may map it
KLEIN_VALUES = {"J": True, "JA": True, "N": False, "NEE": False}
# label column (canonical raw name) → the mbo.yaml list that maps it, and the file's own column name
LABEL_MAPS: dict[str, tuple[str, str]] = {
    "vooropleiding_vo": ("vooropleiding_vo", "VOOROPLEIDING VO"),
    "niveau_label": ("niveaus", "NIVEAU"),
    "leerweg_label": ("leerwegen", "LEERWEG"),
    "hoofdgroep_naam": ("hoofdgroepen", "HOOFDGROEP NAAM"),
    "hoofdgroep": ("hoofdgroepen", "HOOFDGROEP NAAM"),
    "sectorkamer": ("sectorkamers", "SECTORKAMER NAAM"),
}


def _layout_error(path: Path | str, what: str, expected: list[str], found: list[str], note: str = "") -> InputError:
    """The message a file of another layout gives: expected, missing, unexpected and found columns."""
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    return InputError(
        f"{path}: row 1: not the documented layout of {what}: expected columns {expected}; missing {missing}; "
        f"unexpected {extra}; found columns {found}{note}"
    )


def _raise_cells(path: Path | str, df: pd.DataFrame, mask: pd.Series, column: str, expected: str) -> None:
    """One error listing up to ten offending cells (line as an editor shows it, value)."""
    m = mask.fillna(True)
    if m.any():
        sample = [f"row {int(r)}: {v!r}" for r, v in zip(df.loc[m, "source_row"], df.loc[m, column], strict=True)][:10]
        raise InputError(
            f"{path}: column {column!r}: expected {expected}, found {int(m.sum())} bad value(s): " + "; ".join(sample)
        )


def _check_counts(path: Path | str, df: pd.DataFrame, columns: list[str]) -> str:
    """Counts are non-negative integers, '<5' or '-1'; returns the masking convention: 'lt5' ('<5'),
    'minus_one' ('-1') or 'none'. Both marks in one file, or an exact 1, 2 or 3 next to '<5' (which hides
    1-4), mix conventions: an error. Next to '-1' an exact 1-3 is accepted (what '-1' hides is not verified)."""
    for c in columns:
        _raise_cells(
            path, df, ~df[c].str.match(COUNT_RE), c, "a non-negative integer count, '<5' or '-1' (a suppressed count)"
        )
    cells = df[columns]
    marks = [m for m in CENSORED_CELLS if cells.isin([m]).to_numpy().any()]
    if len(marks) > 1:
        rows, cols = cells.isin(["-1"]).to_numpy().nonzero()
        found = [
            f"row {int(df['source_row'].iloc[r])} column {columns[c]!r}"
            for r, c in list(zip(rows, cols, strict=True))[:5]
        ]
        raise InputError(
            f"{path}: expected one small-number mark per file, found both '<5' and '-1' (e.g. '-1' at "
            + "; ".join(found)
            + ")"
        )
    if not marks:
        return "none"
    if marks == ["-1"]:
        return "minus_one"
    mixed = cells.isin(["1", "2", "3"])
    if mixed.to_numpy().any():
        rows, cols = mixed.to_numpy().nonzero()
        found = [
            f"row {int(df['source_row'].iloc[r])} column {columns[c]!r}: found {cells.iat[r, c]!r}"
            for r, c in list(zip(rows, cols, strict=True))[:10]
        ]
        raise InputError(
            f"{path}: the file masks counts 1-4 as '<5', so no count 1, 2 or 3 can occur; found {len(rows)} such "
            "cell(s) (two masking conventions mixed?): " + "; ".join(found)
        )
    return "lt5"


def _mark_empty_labels(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """An empty label cell becomes the label EMPTY_LABEL: like any label it must be mapped in mbo.yaml (DUO may
    leave e.g. VOOROPLEIDING VO empty for entrants without vo education; what it means is a decision), so an
    unmapped one blocks the run with its rows listed instead of joining nothing."""
    for c in columns:
        df[c] = df[c].mask(df[c].eq(""), EMPTY_LABEL)


def _check_keys(path: Path | str, df: pd.DataFrame, brin_col: str, crebo_col: str | None) -> None:
    df[brin_col] = df[brin_col].str.upper()
    _raise_cells(path, df, ~df[brin_col].str.match(BRIN_RE), brin_col, "a 4-character instelling code like 25LX")
    if crebo_col:
        _raise_cells(path, df, ~df[crebo_col].str.match(CREBO_RE), crebo_col, "a 5-digit crebo code")


def parse_instroom(path: Path | str, jaar: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse one yearly entrants file into the canonical raw layout (text; counts checked, '<5' kept).

    `jaar` is the year of the file's name (the entrants of 1 October of that year: studiejaar jaar/jaar+1;
    see assets/mbo/README.md). Accepts ';' or ',' (quoted), UTF-8 or Windows-1252, or the .xlsx form. The
    header must hold exactly the 14 documented columns (in any order). Returns (frame, info) with the
    detected encoding, delimiter and masking.
    """
    df, info = read_table(path)
    found = [c for c in df.columns if c != "source_row"]
    if sorted(found) != sorted(INSTROOM_COLUMNS):
        raise _layout_error(
            path,
            "DUO 'instromende mbo-studenten' (per instelling, hoofdgroep, leerweg, "
            "beroepsopleiding, niveau, vooropleiding)",
            list(INSTROOM_COLUMNS),
            found,
        )
    _check_keys(path, df, "INSTELLINGSCODE", "BEROEPSOPLEIDING CODE")
    klein = df["INDICATIE KLEINE OPLEIDING"].str.upper()
    _raise_cells(
        path, df, ~klein.isin(list(KLEIN_VALUES)), "INDICATIE KLEINE OPLEIDING", "'J' or 'N' (also 'Ja'/'Nee')"
    )
    _mark_empty_labels(df, ("VOOROPLEIDING VO", "NIVEAU", "LEERWEG", "HOOFDGROEP NAAM"))
    masking = _check_counts(path, df, INSTROOM_COUNTS)
    out = df.rename(columns=INSTROOM_COLUMNS)[["source_row", *INSTROOM_COLUMNS.values()]]
    out["kleine_opleiding"] = klein.map(KLEIN_VALUES).astype("boolean")
    out.insert(0, "jaar", jaar)
    out.insert(1, "studiejaar", f"{jaar}-{jaar + 1}")
    out["masking"] = masking
    out["source_file"] = Path(path).name
    return out.reset_index(drop=True), {**info, "masking": masking}


def parse_gediplomeerden(path: Path | str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse the diplomas file (wide: DIPMAN<jaar>, DIPVROUW<jaar> per year) into long text rows, one per
    source row × jaar × geslacht ('man'/'vrouw'). Every year present is read (a rolling file holds five);
    each year needs both its MAN and VROUW column. Returns (frame, info) with the years and the masking."""
    df, info = read_table(path)
    found = [c for c in df.columns if c != "source_row"]
    value_cols = [c for c in found if DIPLOMA_VALUE_RE.match(c)]
    years = sorted({int(DIPLOMA_VALUE_RE.match(c)["jaar"]) for c in value_cols})
    expected = [*DIPLOMA_KEYS, *(f"DIP{s}{y}" for y in (years or [2021]) for s in ("MAN", "VROUW"))]
    if sorted(found) != sorted(expected) or not years:
        raise _layout_error(
            path,
            "DUO 'gediplomeerde mbo-studenten' (DIPMAN<jaar>/DIPVROUW<jaar> per year)",
            expected,
            found,
            "; the year columns are read for every year present, each as DIPMAN<jaar> and DIPVROUW<jaar>",
        )
    _check_keys(path, df, "INSTELLINGSCODE", "ERKENDE OPLEIDING CODE")
    _mark_empty_labels(df, ("LEERWEG", "NIVEAU", "HOOFDGROEP NAAM", "SECTORKAMER NAAM"))
    masking = _check_counts(path, df, value_cols)
    keys = df.rename(columns=DIPLOMA_KEYS)[["source_row", *DIPLOMA_KEYS.values()]]
    long = df[["source_row", *value_cols]].melt(id_vars="source_row", var_name="column", value_name="n_diplomas")
    parts = long["column"].str.extract(DIPLOMA_VALUE_RE)
    long["jaar"] = parts["jaar"].astype("int64")
    long["geslacht"] = parts["sex"].map({"MAN": "man", "VROUW": "vrouw"})
    out = keys.merge(long.drop(columns="column"), on="source_row", how="inner", validate="one_to_many")
    out["masking"] = masking
    out["source_file"] = Path(path).name
    order = ["jaar", "source_file", "source_row", *DIPLOMA_KEYS.values(), "geslacht", "n_diplomas", "masking"]
    out = out[order].sort_values(["source_row", "jaar", "geslacht"]).reset_index(drop=True)
    return out, {**info, "masking": masking, "years": ", ".join(map(str, years))}


def parse_instellingen(path: Path | str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse the mbo instellingen address file (instellingenmbo.csv) into canonical columns: one row per
    instelling (a unique 4-character code), postcode normalised (pc6/pc4 when it is a Dutch PC6)."""
    df, info = read_table(path)
    found = [c for c in df.columns if c != "source_row"]
    picked = {canon: next((n for n in names if n in found), None) for canon, names in INSTELLING_COLUMNS.items()}
    if any(v is None for v in picked.values()):
        expected = [" or ".join(names) for names in INSTELLING_COLUMNS.values()]
        missing = [" or ".join(INSTELLING_COLUMNS[k]) for k, v in picked.items() if v is None]
        raise InputError(
            f"{path}: row 1: not the expected layout of DUO 'adressen mbo' instellingenmbo.csv: expected columns "
            f"{expected} (further columns allowed); missing {missing}; found columns {found}"
        )
    out = df[["source_row", *picked.values()]].rename(columns={v: k for k, v in picked.items()})
    _check_keys(path, out, "instellingscode", None)
    dup = out["instellingscode"].duplicated(keep=False)
    _raise_cells(path, out, dup, "instellingscode", "unique instelling codes (one row each)")
    pc = out["postcode"].str.upper().str.replace(r"\s+", " ", regex=True)
    out["postcode"] = pc
    out["pc6"] = pc.str.replace(" ", "", regex=False).where(pc.str.match(PC6_RE))
    out["pc4"] = out["pc6"].str[:4]
    out["source_file"] = Path(path).name
    extra = [c for c in found if c not in picked.values()]
    return out.reset_index(drop=True), {**info, "columns_not_read": ", ".join(extra)}


def label_key(s: pd.Series) -> pd.Series:
    """How a label is matched against mbo.yaml: trimmed and lower-cased (as the core SQL: lower(trim(label)))."""
    return s.str.strip().str.lower()


def label_frame(mbo: dict[str, Any]) -> pd.DataFrame:
    """Every label map of mbo.yaml in long form: kind (the mbo.yaml list), label, label_key, code (the mapped
    value as text: prior_vo code, niveau, leerweg, hoofdgroep code or sectorkamer label), technical (hoofdgroep:
    the rule's flag; sectorkamer: technical_sbb), certainty. The table core.mbo_labels the core SQL joins."""
    value = {"vooropleiding_vo": "prior_vo", "niveaus": "niveau", "leerwegen": "leerweg", "hoofdgroepen": "code"}
    rows = []
    for kind in ("vooropleiding_vo", "niveaus", "leerwegen", "hoofdgroepen", "sectorkamers"):
        for it in mbo[kind]:
            rows.append(
                {
                    "kind": kind,
                    "label": it["label"],
                    "code": str(it[value[kind]]) if kind in value else it["label"],
                    "technical": it.get("technical", it.get("technical_sbb")),
                    "certainty": it.get("certainty", "certain"),
                }
            )
    out = pd.DataFrame(rows).astype({"kind": "string", "label": "string", "code": "string", "certainty": "string"})
    out["technical"] = out["technical"].astype("boolean")
    out.insert(2, "label_key", label_key(out["label"]))
    return out


def unknown_labels(df: pd.DataFrame, mbo: dict[str, Any]) -> pd.DataFrame:
    """The rows of a parsed mbo frame whose label is not in its mbo.yaml map: column (as in the file), mbo.yaml
    list, source_file, source_row, value. Empty when every label is known."""
    known = label_frame(mbo)
    found = []
    for col, (kind, file_col) in LABEL_MAPS.items():
        if col not in df.columns:
            continue
        keys = set(known.loc[known["kind"] == kind, "label_key"])
        bad = ~label_key(df[col]).isin(keys)
        if bad.any():
            found.append(
                pd.DataFrame(
                    {
                        "column": file_col,
                        "mbo_yaml": kind,
                        "source_file": df.loc[bad, "source_file"],
                        "source_row": df.loc[bad, "source_row"],
                        "value": df.loc[bad, col],
                    }
                )
            )
    cols = ["column", "mbo_yaml", "source_file", "source_row", "value"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    return pd.concat(found, ignore_index=True).drop_duplicates()[cols]


def check_labels(df: pd.DataFrame, mbo: dict[str, Any], limit: int = 20) -> None:
    """Raise InputError listing every unknown label with its rows (file, line, value), at most `limit`
    rows per label: the run is blocked until the label is added to assets/mbo/config/mbo.yaml."""
    bad = unknown_labels(df, mbo)
    if bad.empty:
        return
    parts = []
    for (col, kind, value), g in bad.groupby(["column", "mbo_yaml", "value"], sort=True):
        where = [f"{f} line {int(r)}" for f, r in zip(g["source_file"], g["source_row"], strict=True)]
        more = f" and {len(where) - limit} more" if len(where) > limit else ""
        parts.append(f"column {col!r} value {value!r} (not in mbo.yaml {kind}): {', '.join(where[:limit])}{more}")
    raise InputError(
        f"unknown label(s) in the mbo files: {'; '.join(parts)}. Map each in assets/mbo/config/mbo.yaml (with "
        "`certainty: uncertain` when its meaning is a judgement); the run is blocked until then"
    )
