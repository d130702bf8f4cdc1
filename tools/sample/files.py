"""Writers of the pupils, address, GeoNames, points and override files (formats as the real files)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Sequence

from tools.sample.common import (
    ADDRESS_HEADER,
    CAMPUS_ANCHORS,
    POINTS_MEMBER,
    PUPIL_HEADER_NEW,
    PUPIL_HEADER_OLD,
    STREETS,
    TOWNS,
    Town,
    synthetic,
)
from tools.sample.model import Location, PupilRow, Sample, _brin, _km_offset


def _censor(value: int) -> str:
    return "<5" if 1 <= value <= 4 else str(value)


def _lines_to_bytes(lines: Sequence[str], encoding: str, newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def _quoted(fields: Sequence[str], sep: str) -> str:
    return sep.join('"' + f.replace('"', '""') + '"' for f in fields)


def _pupil_fields(row: PupilRow, year: int) -> list[str]:
    """Fields of one pupils row in the layout of ``year`` (SAMENWERKINGSVERBAND and "<5" from 2023/2022)."""
    loc, o = row.loc, row.offer
    head = [loc.brin, loc.vest, loc.name(year), loc.town.plaats, loc.town.provincie]
    if year >= 2023:
        head.append(loc.town.swv)
    counts = [str(c) for c in row.counts] if year == 2021 else [_censor(c) for c in row.counts]
    return [*head, o.otype, o.sector, o.afdeling, o.code, o.opleiding, *counts]


def pupil_file_bytes(sample: Sample, year: int) -> bytes:
    """One pupils file in the header generation / encoding / censoring of ``year``.

    2021: old header, cp1252, ';', unquoted, plain counts. 2022: old header, UTF-8, ',' with every field
    quoted (CKAN portal style), "<5". 2023: new header, UTF-8, ';', "<5", CRLF line ends.
    """
    rows = [_pupil_fields(r, year) for r in sample.pupils[year]]
    if year == 2021:
        return _lines_to_bytes([";".join(f) for f in [list(PUPIL_HEADER_OLD), *rows]], "cp1252")
    if year == 2022:
        return _lines_to_bytes([_quoted(f, ",") for f in [list(PUPIL_HEADER_OLD), *rows]], "utf-8")
    return _lines_to_bytes([";".join(f) for f in [list(PUPIL_HEADER_NEW), *rows]], "utf-8", "\r\n")


def address_file_bytes(sample: Sample) -> bytes:
    """02.-alle-vestigingen-vo.csv: every location except the designed missing one."""
    hoofd = {loc.brin: loc for loc in sample.locations if loc.vest == "00"}
    rows = [loc for loc in sample.locations if loc.spec.role != "missing_address"]
    rows.sort(key=lambda loc: (loc.town.provincie, loc.brin, loc.vest))
    lines = [";".join(ADDRESS_HEADER)]
    for loc in rows:
        h = hoofd[loc.brin]
        reg = loc.town.region
        # Like DUO: the hoofdvestiging carries a web address, nevenvestigingen a blank padded field.
        web = f"www.synthetisch-{loc.brin.lower()}.example" if loc.vest == "00" else " " * 80
        fields = [
            loc.town.provincie,
            loc.bevoegd_gezag,
            loc.brin,
            loc.code,
            loc.name(2023),
            loc.street,
            loc.huisnummer_text,
            loc.postcode,
            loc.town.plaats,
            loc.town.gemeente_code,
            loc.town.gemeente,
            loc.denominatie,
            " " * 10,
            web,
            loc.spec.kind,
            h.street,
            h.huisnummer_text,
            h.postcode,
            h.town.plaats,
            *reg.nodaal,
            *reg.rpa,
            *reg.wgr,
            *reg.corop,
            *reg.onderwijsgebied,
            *reg.rmc,
        ]
        lines.append(";".join(fields))
    return _lines_to_bytes(lines, "cp1252")


def _jitter(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    dlat, dlon = _km_offset(lat, rng.gauss(0, metres / 1000), rng.gauss(0, metres / 1000))
    return lat + dlat, lon + dlon


def _geonames_line(pc: str, town: Town, lat: float, lon: float) -> str:
    return "\t".join(
        [
            "NL",
            pc,
            town.woonplaats,
            town.provincie,
            town.provincie_code,
            town.gn_gemeente,
            town.gn_gemeente_code,
            "",
            "",
            f"{lat:.4f}",
            f"{lon:.4f}",
            "6",
        ]
    )


def geonames_bytes(rng: random.Random, sample: Sample) -> tuple[bytes, bytes]:
    """NL_full.txt (PC6) and NL.txt (PC4) with the designed gaps."""
    pc6_rows: list[tuple[str, Town, float, float]] = []
    pc4_members: dict[str, list[tuple[Town, float, float]]] = {}
    for loc in sample.locations:
        if loc.spec.role == "missing_address":
            continue
        pc4 = loc.postcode[:4]
        if loc.spec.role != "override":
            pc4_members.setdefault(pc4, []).append((loc.town, loc.lat, loc.lon))
        if loc.spec.role in ("pc4_only", "override"):
            continue
        lat, lon = _jitter(rng, loc.lat, loc.lon, 60)
        pc6_rows.append((loc.postcode, loc.town, lat, lon))
    for c in CAMPUS_ANCHORS:
        pc6_rows.append((c.pc6, TOWNS[c.town], c.lat, c.lon))
        pc4_members.setdefault(c.pc6[:4], []).append((TOWNS[c.town], c.lat, c.lon))
    pc6_rows.sort(key=lambda r: r[0])
    full = [_geonames_line(pc, town, lat, lon) for pc, town, lat, lon in pc6_rows]
    pc4_lines = []
    for pc4 in sorted(pc4_members):
        members = pc4_members[pc4]
        lat = sum(m[1] for m in members) / len(members)
        lon = sum(m[2] for m in members) / len(members)
        lat, lon = _jitter(rng, lat, lon, 350)
        pc4_lines.append(_geonames_line(pc4, members[0][0], lat, lon))
    return _lines_to_bytes(full, "utf-8"), _lines_to_bytes(pc4_lines, "utf-8")


def _point_locations(rng: random.Random, sample: Sample) -> list[Location]:
    eligible = [
        loc
        for loc in sample.locations
        if loc.spec.role not in ("missing_address", "pc4_only", "override", "closed_after_2021")
    ]
    target = round(len(sample.locations) * 2 / 3)
    chosen = {loc.code for loc in rng.sample(eligible, min(target, len(eligible)))}
    return [loc for loc in sample.locations if loc.code in chosen]


def leerlingen_2023(sample: Sample) -> dict[str, int]:
    """Total 2023 pupils per location with "<5" cells counted as 2 (as the edugis points do)."""
    out: dict[str, int] = {}
    for r in sample.pupils[2023]:
        val = sum(2 if 1 <= c <= 4 else c for c in r.counts)
        out[r.loc.code] = out.get(r.loc.code, 0) + val
    return out


def points_zip_bytes(rng: random.Random, sample: Sample) -> tuple[bytes, list[str]]:
    """scholen20241122.geo.zip with one GeoJSON member; deterministic (stored, fixed timestamp)."""
    chosen = _point_locations(rng, sample)
    totals = leerlingen_2023(sample)
    features: list[dict[str, object]] = []
    for loc in sorted(chosen, key=lambda x: x.code):
        props: dict[str, object] = {
            "naam": loc.name(2023),
            "type": loc.spec.kind,
            "denominatie": loc.denominatie,
            "internetadres": f"www.synthetisch-{loc.brin.lower()}.example" if loc.vest == "00" else " ",
            "straat": loc.street,
            "huisnummer": loc.huisnummer,
            "huisletter": loc.huisletter,
            "huisnummertoevoeging": None,
            "postcode": loc.postcode.replace(" ", ""),
            "plaats": loc.town.woonplaats,
            "gemeente": loc.town.gemeente,
            "provincie": loc.town.provincie,
            "brin_nummer": loc.brin,
            "vestigingscode": loc.code,
            "onderwijsgebied": loc.town.region.onderwijsgebied[1],
            "leerlingen": totals.get(loc.code),
        }
        features.append(_feature(props, loc.lon, loc.lat))
    features.extend(_feature(props, lon, lat) for props, lat, lon in sample.extra_points)
    head = (
        '{\n"type": "FeatureCollection",\n"name": "scholen",\n"crs": { "type": "name", '
        '"properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n"features": [\n'
    )
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    text = head + body + "\n]\n}\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo(POINTS_MEMBER, date_time=(2024, 11, 22, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue(), [loc.code for loc in chosen]


def _feature(props: dict[str, object], lon: float, lat: float) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
    }


def extra_primary_points(rng: random.Random, used_brin: set[str]) -> list[tuple[dict[str, object], float, float]]:
    """Two synthetic basisschool points (type filtering in the points file; no vo data)."""
    out: list[tuple[dict[str, object], float, float]] = []
    for name, town_key in (
        ("Voorbeeld Basisschool De Proeftuin", "delft"),
        ("Voorbeeld Basisschool Het Testveld", "den_haag"),
    ):
        town = TOWNS[town_key]
        brin = _brin(rng, used_brin)
        dlat, dlon = _km_offset(town.lat, rng.uniform(-1, 1), rng.uniform(-1, 1))
        pc = f"{rng.choice(town.pc4s)}{rng.choice('HJKLMN')}{rng.choice('PRTVWX')}"
        props: dict[str, object] = {
            "naam": synthetic(name),
            "type": "basisschool",
            "denominatie": "Openbaar",
            "internetadres": " ",
            "straat": rng.choice(STREETS),
            "huisnummer": rng.randint(1, 99),
            "huisletter": None,
            "huisnummertoevoeging": None,
            "postcode": pc,
            "plaats": town.woonplaats,
            "gemeente": town.gemeente,
            "provincie": town.provincie,
            "brin_nummer": brin,
            "vestigingscode": brin + "00",
            "onderwijsgebied": town.region.onderwijsgebied[1],
            "leerlingen": None,
        }
        out.append((props, round(town.lat + dlat, 6), round(town.lon + dlon, 6)))
    return out


def override_bytes(sample: Sample) -> bytes:
    """geocode_overrides.csv for the location whose postcode is in neither GeoNames file."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["vestiging_code", "lat", "lon", "precision_m", "source_note"])
    for loc in sample.locations:
        if loc.spec.role == "override":
            w.writerow(
                [
                    loc.code,
                    f"{loc.lat:.6f}",
                    f"{loc.lon:.6f}",
                    "25",
                    f"SYNTHETIC sample: postcode {loc.postcode} (new-build area) is absent from the "
                    "GeoNames PC6 and PC4 files; point set by hand for the test",
                ]
            )
    return buf.getvalue().encode("utf-8")
