"""DUO "examenkandidaten en geslaagden" (vo exam candidates and passes): both published layouts.

Why: DUO publishes the exam results in two generations that differ in everything a naive reader relies on:
2014-2019 (Windows-1252, ';', unquoted, keys BRIN NUMMER/VESTIGINGSNUMMER, groups MAN/VROUW/ONBEKEND/TOTAAL,
percentages `100,0%`) and 2019-2024 (UTF-8, every field quoted, keys INSTELLINGSCODE/VESTIGINGSCODE, groups
MAN/VROUW/TOTAAL, `<5` for counts 1-4, percentages `90.9`). This parser turns both into one long text
layout (one row per source row × school year), validated cell by cell; every error names file, row, column,
what was expected and what was found. A school year outside the range in the file's name is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.constants import VESTIGING_CODE_PATTERN
from pipeline.csvread import InputError, read_text_csv

KEY_COLUMNS: dict[str, list[str]] = {
    "brin": ["BRIN NUMMER", "INSTELLINGSCODE"],
    "vestiging_code": ["VESTIGINGSNUMMER", "VESTIGINGSCODE"],
    "instellingsnaam": ["INSTELLINGSNAAM VESTIGING"],
    "gemeentenaam": ["GEMEENTENAAM"],
    "onderwijstype_vo": ["ONDERWIJSTYPE VO"],
    "inspectiecode": ["INSPECTIECODE"],
    "opleidingsnaam": ["OPLEIDINGSNAAM"],
}
VALUE_RE = re.compile(
    r"^(?P<measure>EXAMENKANDIDATEN|GESLAAGDEN|SLAAGPERC) SCHOOLJAAR (?P<y1>\d{4})-(?P<y2>\d{4}) - "
    r"(?P<grp>MAN|VROUW|ONBEKEND|TOTAAL)$"
)
MEASURES = {"EXAMENKANDIDATEN": "kandidaten", "GESLAAGDEN": "geslaagden", "SLAAGPERC": "slaagperc"}
GROUPS = {"MAN": "m", "VROUW": "v", "ONBEKEND": "onbekend", "TOTAAL": "totaal"}
# Per layout: sex groups present, and the accepted text of counts and percentages.
LAYOUTS: dict[str, dict] = {
    "2014-2019": {
        "groups": ["MAN", "VROUW", "ONBEKEND", "TOTAAL"],
        "count": (re.compile(r"^\d+$"), "a non-negative integer"),
        "pct": (re.compile(r"^(\d{1,3})?,\d%$"), "a percentage like '100,0%' or ',0%'"),
    },
    "2019-2024": {
        "groups": ["MAN", "VROUW", "TOTAAL"],
        "count": (re.compile(r"^(\d+|<5)$"), "a non-negative integer or '<5'"),
        "pct": (re.compile(r"^\d{1,3}(\.\d+)?$"), "a percentage like '90.9' or '100'"),
    },
}
VEST_RE = re.compile(VESTIGING_CODE_PATTERN)
RANGE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{4})(?!\d)")


def range_from_name(name: str) -> tuple[int, int] | None:
    """School-year range in a file name: '...-2014-2019.csv' → (2014, 2019), i.e. 2014-2015 … 2018-2019."""
    m = RANGE_RE.search(Path(name).name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _pick(columns: list[str], names: list[str]) -> str | None:
    return next((n for n in names if n in columns), None)


def _raise_cells(path: Path | str, rows: pd.Series, column: str, expected: str, found: pd.Series) -> None:
    """One error listing up to ten offending cells with their file row."""
    sample = [f"row {int(r)}: {v!r}" for r, v in zip(rows, found, strict=True)][:10]
    raise InputError(
        f"{path}: column {column!r}: expected {expected}, found {len(rows)} bad value(s): " + "; ".join(sample)
    )


def parse_exams(path: Path | str, expected_range: tuple[int, int] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse one exam file into long text rows (one per source row × school year).

    `expected_range` (first, last) bounds the school years: every year must satisfy first <= start and
    start + 1 <= last; by default the range is read from the file name. Returns (frame, info) with the
    detected encoding, delimiter and layout. Values stay text (counts may be '<5'); they are validated.
    """
    df, info = read_text_csv(path)
    cols = [c for c in df.columns if c != "source_row"]
    mapping: dict[str, str] = {}
    missing = []
    for canon, names in KEY_COLUMNS.items():
        col = _pick(cols, names)
        if col is None:
            missing.append(" or ".join(names))
        else:
            mapping[canon] = col
    if missing:
        raise InputError(f"{path}: row 1: missing column(s) {missing}; found columns {cols}")
    layout = "2014-2019" if mapping["brin"] == "BRIN NUMMER" else "2019-2024"
    spec = LAYOUTS[layout]

    # Header of the value columns: measure × school year × group, complete for every school year.
    value_cols = [c for c in cols if c not in mapping.values()]
    parsed = {c: VALUE_RE.match(c) for c in value_cols}
    unknown = [c for c, m in parsed.items() if m is None]
    if unknown:
        raise InputError(
            f"{path}: row 1: unexpected column(s) {unknown}; expected "
            f"'<EXAMENKANDIDATEN|GESLAAGDEN|SLAAGPERC> SCHOOLJAAR YYYY-YYYY - <{'|'.join(spec['groups'])}>'"
        )
    years = sorted({(int(m["y1"]), int(m["y2"])) for m in parsed.values()})
    if not years:
        raise InputError(f"{path}: row 1: expected columns per school year, found none")
    for y1, y2 in years:
        if y2 != y1 + 1:
            raise InputError(f"{path}: row 1: school year {y1}-{y2}: expected consecutive years like {y1}-{y1 + 1}")
    rng, origin = (
        (expected_range, "expected for this source")
        if expected_range
        else (range_from_name(str(path)), "from the file's name")
    )
    if rng is not None:
        outside = [f"{y1}-{y2}" for y1, y2 in years if y1 < rng[0] or y2 > rng[1]]
        if outside:
            col = next(c for c, m in parsed.items() if f"{m['y1']}-{m['y2']}" == outside[0])
            raise InputError(
                f"{path}: row 1: column {col!r}: expected school years within {rng[0]}-{rng[1]} "
                f"({origin}), found {outside}"
            )
    need = [f"{meas} SCHOOLJAAR {y1}-{y2} - {g}" for y1, y2 in years for meas in MEASURES for g in spec["groups"]]
    absent = [c for c in need if c not in value_cols]
    extra = [c for c in value_cols if c not in need]
    if absent or extra:
        raise InputError(
            f"{path}: row 1: layout {layout}: missing column(s) {absent[:6]}, unexpected column(s) {extra[:6]}"
        )

    # Keys.
    vest = df[mapping["vestiging_code"]].str.upper()
    brin = df[mapping["brin"]].str.upper()
    bad = ~vest.str.match(VEST_RE).fillna(False) | (vest.str[:4] != brin)
    if bad.any():
        _raise_cells(
            path,
            df.loc[bad, "source_row"],
            f"{mapping['brin']}/{mapping['vestiging_code']}",
            "a 6-character vestiging code starting with the 4-character instelling code",
            (brin + "/" + vest)[bad],
        )
    bad = ~df[mapping["inspectiecode"]].str.match(r"^\d{1,3}$").fillna(False)
    if bad.any():
        _raise_cells(
            path,
            df.loc[bad, "source_row"],
            mapping["inspectiecode"],
            "a numeric code",
            df.loc[bad, mapping["inspectiecode"]],
        )

    # Values: validate the distinct cell texts (a few hundred) first; only when one is bad, locate the first
    # offending column and its rows.
    for kind in ("count", "pct"):
        regex, expected = spec[kind]
        kcols = [c for c in need if (c.startswith("SLAAGPERC") == (kind == "pct"))]
        distinct = pd.Series(pd.unique(df[kcols].to_numpy().ravel()), dtype="string")
        if distinct.str.match(regex).fillna(False).all():
            continue
        ok = df[kcols].apply(lambda s, rx=regex: s.str.match(rx)).fillna(False)
        if not ok.to_numpy().all():
            col = ok.columns[(~ok).any().to_numpy()][0]
            m = ~ok[col]
            _raise_cells(path, df.loc[m, "source_row"], col, expected, df.loc[m, col])

    # Long layout: one row per source row × school year; columns kandidaten_m, geslaagden_totaal, ...
    wide = df[need].copy()
    wide.columns = pd.MultiIndex.from_tuples(
        [
            (f"{MEASURES[parsed[c]['measure']]}_{GROUPS[parsed[c]['grp']]}", f"{parsed[c]['y1']}-{parsed[c]['y2']}")
            for c in need
        ],
        names=["value", "schooljaar"],
    )
    wide.index = df.index
    long = wide.stack("schooljaar", future_stack=True).reset_index(level="schooljaar")
    keys = pd.DataFrame({"source_row": df["source_row"], "brin": brin, "vestiging_code": vest})
    for canon in ("instellingsnaam", "gemeentenaam", "onderwijstype_vo", "inspectiecode", "opleidingsnaam"):
        keys[canon] = df[mapping[canon]]
    out = keys.join(long)
    for g in GROUPS.values():  # the 2019-2024 layout has no ONBEKEND group
        for meas in MEASURES.values():
            if f"{meas}_{g}" not in out.columns:
                out[f"{meas}_{g}"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["peiljaar"] = out["schooljaar"].str[:4].astype("int64")
    out["layout"] = layout
    out["source_file"] = Path(path).name
    order = [
        "source_file",
        "source_row",
        "layout",
        "schooljaar",
        "peiljaar",
        "brin",
        "vestiging_code",
        "instellingsnaam",
        "gemeentenaam",
        "onderwijstype_vo",
        "inspectiecode",
        "opleidingsnaam",
    ]
    order += [f"{meas}_{g}" for g in GROUPS.values() for meas in MEASURES.values()]
    info = {**info, "layout": layout, "school_years": ", ".join(f"{a}-{b}" for a, b in years)}
    return out[order].sort_values(["source_row", "schooljaar"]).reset_index(drop=True), info


def newest_per_school_year(
    frames: list[pd.DataFrame], ranges: dict[str, tuple[int, int]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each school year from the newest file that has it: DUO's exam files are rolling five-year windows
    (2019-2024, 2020-2025, …) that overlap, and a later file may revise an earlier year.

    `frames` are parse_exams outputs (column `source_file`); `ranges` maps each source_file to its
    school-year range (first, last) from its name or the catalogue: the newest file is the one with the
    latest `last` (then `first`). Returns (the rows kept, in their input order; one row per file × school
    year: source_file, range, schooljaar, supplied, taken_from — the file the year was taken from)."""
    rows = pd.concat(frames, ignore_index=True)
    offer = rows[["source_file", "schooljaar"]].drop_duplicates()
    offer = offer.assign(
        range_first=offer["source_file"].map(lambda f: ranges[f][0]),
        range_last=offer["source_file"].map(lambda f: ranges[f][1]),
    )
    winners = (
        offer.sort_values(["schooljaar", "range_last", "range_first"], ascending=[True, False, False])
        .drop_duplicates("schooljaar")[["schooljaar", "source_file"]]
        .rename(columns={"source_file": "taken_from"})
    )
    supply = offer.merge(winners, on="schooljaar", how="left")
    supply["supplied"] = supply["source_file"] == supply["taken_from"]
    supply["range"] = supply["range_first"].astype(str) + "-" + supply["range_last"].astype(str)
    supply = supply.sort_values(["range_last", "range_first", "schooljaar"], ascending=[False, False, True])
    keep = pd.MultiIndex.from_frame(rows[["schooljaar", "source_file"]]).isin(
        pd.MultiIndex.from_frame(winners.rename(columns={"taken_from": "source_file"})[["schooljaar", "source_file"]])
    )
    cols = ["source_file", "range", "schooljaar", "supplied", "taken_from"]
    return rows[keep].reset_index(drop=True), supply[cols].reset_index(drop=True)
