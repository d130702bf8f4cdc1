"""The synthetic mbo files of the sample, in DUO's documented layouts (assets/mbo/parser.py): yearly entrants
files, the rolling diplomas file and the mbo instellingen address file.

Consistent with the sample's vo pupils: the entrants from vmbo in jaar J are about the vmbo leerjaar-4 cohort of
peiljaar J-1 (for 2021, the first sample year, of peiljaar 2021 itself), per leerweg; the technical share of
each leerweg's entrants follows the share of its leerjaar-4 pupils in a technical profile (BWI, PIE, M&T: 70%
go on to technical mbo; other profiles 12%; TL 18%; havo 20%), about 28% overall as the Techniekpact monitor
publishes. The mbo instellingen sit at postcodes of vo locations that GeoNames (the sample's NL_full.txt) has.
Every code, name and count is invented; crebo codes are 9xxxx, instelling codes 25XA-25XC.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.sample.common import MBO_FILES, PEILJAREN, SYNTH
from tools.sample.model import Sample

MBO_JAREN: tuple[int, ...] = (2021, 2022, 2023, 2024)
INSTROOM_FILE = "{year}-nieuw-instromende-studenten-per-instelling-hoofdgroep-leerweg-beroepsopleiding-niveau-vooro.csv"
DIPLOMA_FILE = "2020-2024-gediplomeerden.csv"
DIPLOMA_YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
INSTELLINGEN_FILE = "instellingenmbo.csv"
MBO_SEED_OFFSET = 19  # its own random stream: adding the mbo files changes no vo file

INSTROOM_HEADER = (
    "VOOROPLEIDING VO",
    "VOOROPLEIDING MBO",
    "INDICATIE KLEINE OPLEIDING",
    "INSTELLINGSCODE",
    "INSTELLINGSNAAM",
    "HOOFDGROEP CODE",
    "HOOFDGROEP NAAM",
    "NIVEAU",
    "LEERWEG",
    "BEROEPSOPLEIDING CODE",
    "BEROEPSOPLEIDING NAAM",
    "TOTAAL MBO",
    "INSTROOM MBO",
    "INSTROOM OPLEIDING",
)
DIPLOMA_HEADER = (
    "INSTELLINGSCODE",
    "INSTELLINGSNAAM",
    "PLAATSNAAM INSTELLING",
    "LEERWEG",
    "NIVEAU",
    "ERKENDE OPLEIDING CODE",
    "ERKENDE OPLEIDING NAAM",
    "SECTORKAMER NAAM",
    "HOOFDGROEP NAAM",
    *(f"DIP{s}{y}" for y in DIPLOMA_YEARS for s in ("MAN", "VROUW")),
)
INSTELLINGEN_HEADER = (
    "INSTELLINGSCODE",
    "INSTELLINGSNAAM",
    "STRAATNAAM",
    "HUISNUMMER-TOEVOEGING",
    "POSTCODE",
    "PLAATSNAAM",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
    "DENOMINATIE",
    "TELEFOONNUMMER",
    "INTERNETADRES",
    "BEVOEGD GEZAG NUMMER",
)
HOOFDGROEPEN = {"Techniek": "2", "Economie": "1", "Zorg en welzijn": "3", "Landbouw": "4", "Entree": "5"}


@dataclass(frozen=True)
class Programme:
    crebo: str
    name: str
    niveau: int
    hoofdgroep: str
    sectorkamer: str
    male_share: float
    klein: bool = False

    @property
    def technical(self) -> bool:
        return self.hoofdgroep == "Techniek"


PROGRAMMES: tuple[Programme, ...] = (
    Programme("90001", "Assistent techniek", 1, "Techniek", "Techniek en gebouwde omgeving", 0.9),
    Programme("90002", "Monteur elektrotechnische installaties", 2, "Techniek", "Techniek en gebouwde omgeving", 0.92),
    Programme("90003", "Timmerman", 2, "Techniek", "Techniek en gebouwde omgeving", 0.95),
    Programme("90004", "Eerste monteur mechatronica", 3, "Techniek", "Techniek en gebouwde omgeving", 0.9),
    Programme("90005", "Medewerker ICT-support", 3, "Techniek", "ICT en creatieve industrie", 0.85),
    Programme("90006", "Technicus engineering", 4, "Techniek", "Techniek en gebouwde omgeving", 0.85),
    Programme("90007", "Software developer", 4, "Techniek", "ICT en creatieve industrie", 0.82),
    Programme("90008", "Monteur bedrijfsauto's", 2, "Techniek", "Mobiliteit, transport, logistiek en maritiem", 0.96),
    Programme("90101", "Entree assistent één-jarig", 1, "Entree", "Specialistisch vakmanschap", 0.6),
    Programme("90102", "Verkoper", 2, "Economie", "Handel", 0.5),
    Programme("90103", "Helpende zorg en welzijn", 2, "Zorg en welzijn", "Zorg, welzijn en sport", 0.12),
    Programme("90104", "Medewerker groen", 2, "Landbouw", "Voedsel, groen en gastvrijheid", 0.7, klein=True),
    Programme("90105", "Verzorgende IG", 3, "Zorg en welzijn", "Zorg, welzijn en sport", 0.1),
    Programme("90106", "Commercieel medewerker", 3, "Economie", "Handel", 0.55),
    Programme("90107", "Verpleegkundige", 4, "Zorg en welzijn", "Zorg, welzijn en sport", 0.12),
    Programme("90108", "Bedrijfsadministrateur", 4, "Economie", "Zakelijke dienstverlening en veiligheid", 0.5),
    Programme("90109", "Pedagogisch medewerker", 4, "Zorg en welzijn", "Zorg, welzijn en sport", 0.08),
)
# prior vo education: file label, the vmbo leerweg of the sample's pupils (None: not derived from them), the
# niveau mix of its entrants
PRIOR = {
    "VMBO BB": ("B", {1: 0.08, 2: 0.8, 3: 0.12}),
    "VMBO KB": ("K", {2: 0.3, 3: 0.6, 4: 0.1}),
    "VMBO GL": ("G", {3: 0.3, 4: 0.7}),
    "VMBO TL": ("T", {3: 0.25, 4: 0.75}),
    "HAVO": (None, {4: 1.0}),
    "VWO": (None, {4: 1.0}),
    "Praktijkonderwijs": (None, {1: 0.7, 2: 0.3}),
    "Geen VO": (None, {1: 0.6, 2: 0.4}),
}
OTHER_ENTRANTS = {"HAVO": 110, "VWO": 14, "Praktijkonderwijs": 25, "Geen VO": 40}  # per year (invented)
TECH_PROFILES = {"BWI", "PIE", "M&T"}
INSTELLING_SPECS = (  # code, name, town key (plaats), share of entrants, denominatie
    ("25XA", f"ROC Hofstad {SYNTH}", "'S-GRAVENHAGE", 0.45, "Openbaar"),
    ("25XB", f"Maascollege {SYNTH}", "ROTTERDAM", 0.35, "Algemeen bijzonder"),
    ("25XC", f"Vakschool Delfland {SYNTH}", "DELFT", 0.20, "Algemeen bijzonder"),
)


@dataclass(frozen=True)
class Instelling:
    code: str
    name: str
    share: float
    street: str
    huisnummer: str
    postcode: str
    plaats: str
    gemeente_code: str
    gemeente: str
    denominatie: str


@dataclass
class MboSummary:
    entrants: dict[int, int]
    from_vmbo: dict[int, int]
    technical: dict[int, int]
    diplomas: int
    rows: dict[str, int]


def _cohort(sample: Sample, peiljaar: int) -> dict[str, tuple[int, int]]:
    """vmbo leerjaar-4 pupils of one peiljaar per leerweg (B/K/G/T): (all, in a technical profile)."""
    out: dict[str, list[int]] = {lw: [0, 0] for lw in "BKGT"}
    for r in sample.pupils[peiljaar]:
        lw = r.offer.leerweg
        if lw in out:
            n = r.counts[6] + r.counts[7]
            out[lw][0] += n
            if r.offer.profile in TECH_PROFILES:
                out[lw][1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def _instellingen(sample: Sample) -> list[Instelling]:
    """Each at the postcode of an ordinary vo location of its town (so GeoNames has it); other street."""
    out = []
    for i, (code, name, plaats, share, denom) in enumerate(INSTELLING_SPECS):
        loc = next(x for x in sample.locations if x.town.plaats == plaats and x.spec.role == "")
        out.append(
            Instelling(
                code,
                name,
                share,
                loc.street,
                str(loc.huisnummer + 100 + i),
                loc.postcode,
                plaats,
                loc.town.gemeente_code,
                loc.town.gemeente,
                denom,
            )
        )
    return out


def _split(rng: random.Random, n: float) -> int:
    """A realised count around the expected `n` (±15%)."""
    return max(0, round(n * rng.uniform(0.85, 1.15)))


def _cell(value: int, masked: bool, mark: str = "<5") -> str:
    return mark if masked and 1 <= value <= 4 else str(value)


def _entrant_rows(rng: random.Random, sample: Sample, jaar: int, inst: list[Instelling]) -> list[dict]:
    peiljaar = jaar - 1 if jaar - 1 in PEILJAREN else PEILJAREN[0]
    cohort = _cohort(sample, peiljaar)
    rows = []
    for label, (lw, niveaus) in PRIOR.items():
        if lw is not None:
            n_all, n_tech = cohort[lw]
            total = 0.93 * n_all  # most vmbo leavers go on to mbo
            p_tech = (0.70 * n_tech + (0.18 if lw == "T" else 0.12) * (n_all - n_tech)) / max(n_all, 1)
        else:
            total = OTHER_ENTRANTS[label]
            p_tech = 0.20 if label in ("HAVO", "VWO") else 0.25
        for niveau, share_n in niveaus.items():
            progs = [p for p in PROGRAMMES if p.niveau == niveau]
            tech = [p for p in progs if p.technical]
            other = [p for p in progs if not p.technical]
            for p in progs:
                group = tech if p.technical else other
                p_group = p_tech if p.technical else 1 - p_tech
                expected = total * share_n * p_group / len(group)
                for i in inst:
                    for leerweg, share_lw in (("BOL", 0.82), ("BBL", 0.18)):
                        n = _split(rng, expected * i.share * share_lw)
                        if n == 0:
                            continue
                        rows.append(
                            {
                                "vo": label,
                                "mbo": "Geen mbo-diploma",
                                "p": p,
                                "i": i,
                                "leerweg": leerweg,
                                "n": n,
                                "n_mbo": n,
                            }
                        )
    # entrants coming from another mbo programme (new to the programme, not to mbo): a few per year
    for i in inst:
        for p in (x for x in PROGRAMMES if x.crebo in ("90004", "90105")):  # technical and care, niveau 3
            n = _split(rng, 12 * i.share)
            if n:
                rows.append(
                    {"vo": "VMBO BB", "mbo": "Mbo niveau 2", "p": p, "i": i, "leerweg": "BOL", "n": n, "n_mbo": 0}
                )
    return rows


def instroom_bytes(rows: list[dict], jaar: int) -> bytes:
    """One entrants file. 2021: ';' Windows-1252 exact counts; 2022: ',' all quoted UTF-8 exact; 2023: ','
    all quoted UTF-8 with '<5' for 1-4; 2024: the same with '-1' for 1-4 (the mark reported for DUO's mbo files)."""
    masked = jaar >= 2023
    mark = "-1" if jaar >= 2024 else "<5"
    lines = []
    for r in rows:
        p, i = r["p"], r["i"]
        niveau = "Entree" if p.niveau == 1 and jaar == 2024 else str(p.niveau)  # the 2024 file spells Entree
        total = r["n"] * 2 + (r["n"] + 1) // 2
        lines.append(
            [
                r["vo"],
                r["mbo"],
                "J" if p.klein else "N",
                i.code,
                i.name,
                HOOFDGROEPEN[p.hoofdgroep],
                p.hoofdgroep,
                niveau,
                r["leerweg"],
                p.crebo,
                f"{p.name} {SYNTH}",
                _cell(total, masked, mark),
                _cell(r["n_mbo"], masked, mark),
                _cell(r["n"], masked, mark),
            ]
        )
    if jaar == 2021:
        text = "\n".join(";".join(f) for f in [list(INSTROOM_HEADER), *lines]) + "\n"
        return text.encode("cp1252")
    quoted = [",".join('"' + f.replace('"', '""') + '"' for f in fl) for fl in [list(INSTROOM_HEADER), *lines]]
    return ("\r\n".join(quoted) + "\r\n").encode("utf-8")


def diploma_bytes(rng: random.Random, inst: list[Instelling]) -> tuple[bytes, int]:
    """The rolling diplomas file: per instelling × programme × leerweg, diplomas per year and sex ('<5');
    and the number of diplomas generated."""
    lines, total = [], 0
    for i in inst:
        for p in PROGRAMMES:
            for leerweg, share in (("BOL", 0.8), ("BBL", 0.2)):
                base = 190 * i.share * share * (1.4 if p.niveau in (2, 4) else 1.0) * (0.45 if p.technical else 1.0)
                cells = []
                for _ in DIPLOMA_YEARS:
                    n = _split(rng, base)
                    men = round(n * p.male_share)
                    total += n
                    cells += [_cell(men, True), _cell(n - men, True)]
                lines.append(
                    [
                        i.code,
                        i.name,
                        i.plaats,
                        leerweg,
                        str(p.niveau),
                        p.crebo,
                        f"{p.name} {SYNTH}",
                        p.sectorkamer,
                        p.hoofdgroep,
                        *cells,
                    ]
                )
    quoted = [",".join('"' + f.replace('"', '""') + '"' for f in fl) for fl in [list(DIPLOMA_HEADER), *lines]]
    return ("\n".join(quoted) + "\n").encode("utf-8"), total


def instellingen_bytes(inst: list[Instelling]) -> bytes:
    """instellingenmbo.csv: ';', Windows-1252, as DUO's vo address file."""
    lines = [";".join(INSTELLINGEN_HEADER)]
    for n, i in enumerate(inst):
        lines.append(
            ";".join(
                [
                    i.code,
                    i.name,
                    i.street,
                    i.huisnummer,
                    i.postcode,
                    i.plaats,
                    i.gemeente_code,
                    i.gemeente,
                    i.denominatie,
                    "",
                    f"www.mbo{n + 1}.example",
                    f"4{n + 1:04d}",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode("cp1252")


def build_mbo(seed: int, sample: Sample) -> tuple[dict[str, bytes], MboSummary]:
    """Every mbo file of the sample (name → bytes) and a summary for the README."""
    rng = random.Random(seed + MBO_SEED_OFFSET)
    inst = _instellingen(sample)
    contents: dict[str, bytes] = {}
    entrants, from_vmbo, technical, rows_n = {}, {}, {}, {}
    for jaar in MBO_JAREN:
        rows = _entrant_rows(rng, sample, jaar, inst)
        name = INSTROOM_FILE.format(year=jaar)
        contents[name] = instroom_bytes(rows, jaar)
        entrants[jaar] = sum(r["n"] for r in rows)
        from_vmbo[jaar] = sum(r["n"] for r in rows if r["vo"].startswith("VMBO"))
        technical[jaar] = sum(r["n"] for r in rows if r["p"].technical)
        rows_n[name] = len(rows)
    contents[DIPLOMA_FILE], diplomas = diploma_bytes(rng, inst)
    rows_n[DIPLOMA_FILE] = len(inst) * len(PROGRAMMES) * 2
    contents[INSTELLINGEN_FILE] = instellingen_bytes(inst)
    rows_n[INSTELLINGEN_FILE] = len(inst)
    assert tuple(contents) == MBO_FILES, "tools/sample/common.py MBO_FILES names these files in this order"
    return contents, MboSummary(entrants, from_vmbo, technical, diplomas, rows_n)
