"""Exam results in the 2014-2019 and 2019-2024 layouts, derived loosely from the pupil design."""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.sample.common import (
    EXAM_NEW_YEARS,
    EXAM_OLD_FILLED,
    EXAM_OLD_YEARS,
    HV_EXAM_CODES,
    PROFILES,
    TL_SECTORS,
    VMBO_EXAM_CODES,
)
from tools.sample.files import _censor, _lines_to_bytes, _quoted
from tools.sample.model import Location, Offer, Sample


def _exam_catalogue(offers: list[Offer]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(level, exam label or vmbo leerweg letter, sector) → (expected candidates per year, male share)."""
    out: dict[tuple[str, str, str], list[float]] = {}
    for o in offers:
        if o.exam_key is None:
            continue
        level, label = o.exam_key
        if level == "vmbo":
            letter = label.split()[-1]
            if letter == "T":
                sector = next(s[4] for s in TL_SECTORS if s[0] == o.sector)
            else:
                sector = PROFILES[o.profile].exam_sector
            key = (level, letter, sector)
            cand = o.base[3]
        else:
            key = (level, label, "")
            cand = o.base[4] if level == "havo" else o.base[5]
        acc = out.setdefault(key, [0.0, 0.0])
        acc[0] += cand
        acc[1] += cand * o.male_share
    return {k: (v[0], v[1] / v[0] if v[0] else 0.5) for k, v in out.items()}


@dataclass
class ExamRow:
    """Exam results of one opleiding at one location: year → (man, vrouw, onbekend) x (cand, pass)."""

    loc: Location
    otype: str
    inspectiecode: str
    opleiding: str
    by_year: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]]


def build_exams(rng: random.Random, sample: Sample, new_layout: bool) -> list[ExamRow]:
    """Exam rows for both layouts (vmbo D&P counts as intersectoraal in the old, economie in the new)."""
    years = EXAM_NEW_YEARS if new_layout else EXAM_OLD_FILLED
    rows: list[ExamRow] = []
    for loc in sample.locations:
        if not loc.spec.exam:
            continue
        cat = _exam_catalogue(sample.offers[loc.code])
        merged: dict[tuple[str, str, str], tuple[float, float]] = {}
        for (level, label, sector), (cand, male) in cat.items():
            if new_layout and sector == "intersectoraal":
                sector = "economie"
            key = (level, label, sector)
            if key in merged:
                c0, m0 = merged[key]
                merged[key] = (c0 + cand, (c0 * m0 + cand * male) / (c0 + cand))
            else:
                merged[key] = (cand, male)
        for (level, label, sector), (cand, male) in sorted(merged.items()):
            if level == "vmbo":
                code = VMBO_EXAM_CODES[label][sector]
                opleiding, otype = f"VMBO {label} - {sector}", "VMBO"
            else:
                code = HV_EXAM_CODES[label]
                opleiding, otype = label, label.split(" - ")[0]
            rate = {"vmbo": 0.95, "havo": 0.87, "vwo": 0.90}[level]
            by_year = {}
            for sy in years:
                closed = loc.spec.role == "closed_after_2021" and sy >= 2022
                k_total = 0 if closed else max(0, round(cand * (1 + 0.01 * (2021 - sy)) * rng.gauss(1.0, 0.1)))
                k_m = min(k_total, max(0, round(k_total * male + rng.gauss(0, 0.8))))
                k_v = k_total - k_m
                r = 0.99 if sy == 2019 else rate
                g_m = min(k_m, max(0, round(k_m * r + rng.gauss(0, 0.6))))
                g_v = min(k_v, max(0, round(k_v * r + rng.gauss(0, 0.6))))
                by_year[sy] = ((k_m, g_m), (k_v, g_v), (0, 0))
            rows.append(ExamRow(loc, otype, str(code), opleiding, by_year))
    if not new_layout:  # one candidate of unknown sex, to exercise the ONBEKEND columns
        r0 = next(r for r in rows if r.otype == "HAVO")
        m, v, _ = r0.by_year[2018]
        r0.by_year[2018] = (m, v, (1, 1))
    rows = [r for r in rows if any(sum(c for c, _ in y) for y in r.by_year.values())]
    rows.sort(key=lambda r: (r.loc.code, int(r.inspectiecode)))
    return rows


def _pct_old(cand: int, passed: int) -> str:
    if cand == 0:
        return ",0%"
    s = f"{100 * passed / cand:.1f}".replace(".", ",")
    return (s[1:] if s.startswith("0,") else s) + "%"


def _pct_new(cand: int, passed: int) -> str:
    if cand == 0:
        return "0"
    s = f"{100 * passed / cand:.1f}"
    return s[:-2] if s.endswith(".0") else s


def exam_old_bytes(rows: list[ExamRow]) -> bytes:
    """2014-2019 layout: cp1252, ';', MAN/VROUW/ONBEKEND/TOTAAL, '100,0%' percentages."""
    header = [
        "BRIN NUMMER",
        "VESTIGINGSNUMMER",
        "INSTELLINGSNAAM VESTIGING",
        "GEMEENTENAAM",
        "ONDERWIJSTYPE VO",
        "INSPECTIECODE",
        "OPLEIDINGSNAAM",
    ]
    for y in EXAM_OLD_YEARS:
        for sex in ("MAN", "VROUW", "ONBEKEND", "TOTAAL"):
            for what in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC"):
                header.append(f"{what} SCHOOLJAAR {y}-{y + 1} - {sex}")
    lines = [";".join(header)]
    for r in rows:
        fields = [
            r.loc.brin,
            r.loc.code,
            r.loc.name(2021),
            r.loc.town.exam_gemeente_old,
            r.otype,
            r.inspectiecode,
            r.opleiding,
        ]
        for y in EXAM_OLD_YEARS:
            parts = r.by_year.get(y, ((0, 0), (0, 0), (0, 0)))
            total = (sum(p[0] for p in parts), sum(p[1] for p in parts))
            for k, g in (*parts, total):
                fields.extend((str(k), str(g), _pct_old(k, g)))
        lines.append(";".join(fields))
    return _lines_to_bytes(lines, "cp1252")


def exam_new_bytes(rows: list[ExamRow]) -> bytes:
    """2019-2024 layout: UTF-8, every field quoted, CRLF, '<5', '90.9' percentages, no ONBEKEND."""
    header = [
        "INSTELLINGSCODE",
        "VESTIGINGSCODE",
        "INSTELLINGSNAAM VESTIGING",
        "GEMEENTENAAM",
        "ONDERWIJSTYPE VO",
        "INSPECTIECODE",
        "OPLEIDINGSNAAM",
    ]
    for y in EXAM_NEW_YEARS:
        for sex in ("MAN", "VROUW", "TOTAAL"):
            for what in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC"):
                header.append(f"{what} SCHOOLJAAR {y}-{y + 1} - {sex}")
    lines = [_quoted(header, ";")]
    for r in rows:
        fields = [
            r.loc.brin,
            r.loc.code,
            r.loc.name(2023),
            r.loc.town.exam_gemeente_new,
            r.otype,
            r.inspectiecode,
            r.opleiding,
        ]
        for y in EXAM_NEW_YEARS:
            (km, gm), (kv, gv), _ = r.by_year[y]
            for k, g in ((km, gm), (kv, gv), (km + kv, gm + gv)):
                fields.extend((_censor(k), _censor(g), _pct_new(k, g)))
        lines.append(_quoted(fields, ";"))
    return _lines_to_bytes(lines, "utf-8", "\r\n")
