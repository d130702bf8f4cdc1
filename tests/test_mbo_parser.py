"""DUO mbo readers (assets/mbo/parser.py) and the core SQL on tiny fixtures: each documented form parses (both
separators, both encodings), '<5' masking (point value and bounds), an unknown label blocks with its rows, a
wrong file under a known name names the expected and found columns, garbled text fails, and the mbo.yaml schema
refuses an unknown code."""

from __future__ import annotations

import copy
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.mbo.parser import (
    INSTROOM_COLUMNS,
    check_labels,
    label_frame,
    parse_gediplomeerden,
    parse_instellingen,
    parse_instroom,
    unknown_labels,
)
from pipeline import db
from pipeline.config import default_config
from pipeline.config_schema import validate_parts
from pipeline.csvread import InputError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data_raw" / "sample"
HEADER = list(INSTROOM_COLUMNS)
NAME_2024 = "2024-nieuw-instromende-studenten-per-instelling-hoofdgroep-leerweg-beroepsopleiding-niveau-vooro.csv"
ROWS = [
    # VOOROPLEIDING VO, VOOROPLEIDING MBO, KLEIN, INSTELLINGSCODE, INSTELLINGSNAAM, HOOFDGROEP CODE/NAAM, NIVEAU,
    # LEERWEG, CREBO, NAAM, TOTAAL MBO, INSTROOM MBO, INSTROOM OPLEIDING
    [
        "VMBO BB",
        "Geen mbo-diploma",
        "N",
        "25XA",
        "ROC Café",
        "2",
        "Techniek",
        "2",
        "BOL",
        "90002",
        "Monteur",
        "30",
        "12",
        "12",
    ],
    [
        "VMBO TL",
        "Geen mbo-diploma",
        "J",
        "25XA",
        "ROC Café",
        "3",
        "Zorg en welzijn",
        "Entree",
        "BBL",
        "90103",
        "Helpende",
        "7",
        "<5",
        "<5",
    ],
    [
        "HAVO",
        "Geen mbo-diploma",
        "N",
        "25xb",
        "ROC, Noord",
        "1",
        "Economie",
        "4",
        "BOL",
        "90108",
        "Administrateur",
        "0",
        "0",
        "0",
    ],
]


def _write(
    path: Path,
    rows: list[list[str]],
    sep: str = ";",
    encoding: str = "utf-8",
    quoted: bool = False,
    header: list[str] = HEADER,
) -> Path:
    def line(fields: list[str]) -> str:
        if quoted:
            return sep.join('"' + f.replace('"', '""') + '"' for f in fields)
        return sep.join(fields)

    path.write_bytes(("\n".join(line(r) for r in [header, *rows]) + "\n").encode(encoding))
    return path


@pytest.fixture(scope="module")
def mbo_cfg() -> dict:
    return default_config().mbo


# ---------------------------------------------------------------------------------------------- forms
@pytest.mark.parametrize(
    ("sep", "encoding", "quoted"),
    [(";", "cp1252", False), (",", "utf-8", True), (";", "utf-8", False)],
    ids=["semicolon-cp1252", "comma-quoted-utf8", "semicolon-utf8"],
)
def test_instroom_forms_parse(tmp_path: Path, sep: str, encoding: str, quoted: bool) -> None:
    rows = ROWS if quoted else [r for r in ROWS if "," not in "".join(r)]  # unquoted ';' names hold no ';'
    df, info = parse_instroom(_write(tmp_path / NAME_2024, rows, sep, encoding, quoted), 2024)
    assert info["delimiter"] == sep
    assert (
        info["encoding"].replace("-", "").lower().startswith("utf8" if encoding == "utf-8" else ("cp1252", "windows"))
    )
    assert len(df) == len(rows)
    assert df["instellingsnaam"].iloc[0] == "ROC Café"  # decoded, not mojibake
    assert set(df["jaar"]) == {2024} and set(df["studiejaar"]) == {"2024-2025"}
    assert df["source_row"].tolist() == list(range(2, 2 + len(rows)))
    assert df["kleine_opleiding"].tolist() == [r[2] == "J" for r in rows]


def test_instroom_codes_upper_cased_and_columns_in_any_order(tmp_path: Path) -> None:
    order = list(reversed(HEADER))
    rows = [list(reversed(r)) for r in ROWS]
    df, _ = parse_instroom(_write(tmp_path / "f.csv", rows, ",", quoted=True, header=order), 2023)
    assert df["instellingscode"].tolist() == ["25XA", "25XA", "25XB"]
    assert df["crebo"].tolist() == ["90002", "90103", "90108"]


def test_sample_files_parse_and_hold_only_known_labels(mbo_cfg: dict) -> None:
    files = sorted(SAMPLE.glob("*-nieuw-instromende-*.csv"))
    assert [f.name[:4] for f in files] == ["2021", "2022", "2023", "2024"]
    frames = [parse_instroom(f, int(f.name[:4]))[0] for f in files]
    dip, info = parse_gediplomeerden(SAMPLE / "2020-2024-gediplomeerden.csv")
    assert info["years"] == "2021, 2022, 2023, 2024, 2025"
    for df in [*frames, dip]:
        assert unknown_labels(df, mbo_cfg).empty


# ---------------------------------------------------------------------------------------------- masking
def test_masking_detected_and_mixed_conventions_refused(tmp_path: Path) -> None:
    _, info = parse_instroom(_write(tmp_path / "a.csv", ROWS, ",", quoted=True), 2024)
    assert info["masking"] == "lt5"
    exact = [r[:11] + ["30", "12", "12"] for r in ROWS]
    assert parse_instroom(_write(tmp_path / "b.csv", exact, ",", quoted=True), 2024)[1]["masking"] == "none"
    mixed = [*ROWS, ROWS[0][:11] + ["3", "3", "3"]]
    with pytest.raises(InputError) as exc:
        parse_instroom(_write(tmp_path / "c.csv", mixed, ",", quoted=True), 2024)
    msg = str(exc.value)
    assert "c.csv" in msg and "row 5 column 'TOTAAL MBO': found '3'" in msg and "'<5'" in msg


def test_minus_one_is_a_suppressed_count(tmp_path: Path, mbo_cfg: dict) -> None:
    rows = [ROWS[0], ROWS[1][:12] + ["-1", "-1"], ROWS[2]]
    raw, info = parse_instroom(_write(tmp_path / NAME_2024, rows, ",", quoted=True), 2024)
    assert info["masking"] == "minus_one"
    out = _core(raw, mbo_cfg, "core_mbo_instroom", "raw.duo_mbo_instroom")
    row = out.iloc[1]
    assert (row["n_instroom_mbo"], row["n_instroom_mbo_lo"], row["n_instroom_mbo_hi"]) == (2, 1, 4)
    assert out["n_censored"].tolist() == [False, True, False]
    both = [ROWS[0], ROWS[1], ROWS[2][:11] + ["-1", "0", "0"]]
    with pytest.raises(InputError, match=r"found both '<5' and '-1' \(e.g. '-1' at row 4 column 'TOTAAL MBO'\)"):
        parse_instroom(_write(tmp_path / "both.csv", both, ",", quoted=True), 2024)


def test_bad_count_located(tmp_path: Path) -> None:
    bad = [ROWS[0], ROWS[1][:13] + ["vijf"]]
    with pytest.raises(InputError) as exc:
        parse_instroom(_write(tmp_path / "d.csv", bad, ",", quoted=True), 2024)
    msg = str(exc.value)
    assert "d.csv" in msg and "column 'INSTROOM OPLEIDING'" in msg and "row 3: 'vijf'" in msg
    assert "a non-negative integer count, '<5' or '-1'" in msg


def test_bad_crebo_located(tmp_path: Path) -> None:
    bad = [ROWS[0][:9] + ["9002"] + ROWS[0][10:]]
    with pytest.raises(
        InputError, match=r"column 'BEROEPSOPLEIDING CODE': expected a 5-digit crebo code.*row 2: '9002'"
    ):
        parse_instroom(_write(tmp_path / "e.csv", bad, ",", quoted=True), 2024)


def _core(raw: pd.DataFrame, mbo: dict, sql: str, table: str, overrides: list[dict] | None = None) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA core")
    db.replace_table(con, table, raw)
    db.replace_table(con, "core.mbo_labels", label_frame(mbo))
    cols = {"crebo": "string", "technical": "boolean", "source": "string", "date": "string", "note": "string"}
    db.replace_table(con, "core.mbo_crebo_overrides", pd.DataFrame(overrides or [], columns=list(cols)).astype(cols))
    db.run_sql(con, sql, {"point_value": 2, "censored_lower": 1, "censored_upper": 4})
    return con.execute(f"SELECT * FROM core.{sql.removeprefix('core_')} ORDER BY source_row").df()


def test_core_instroom_point_value_bounds_labels_and_technical(tmp_path: Path, mbo_cfg: dict) -> None:
    raw, _ = parse_instroom(_write(tmp_path / NAME_2024, ROWS, ",", quoted=True), 2024)
    override = {"crebo": "90108", "technical": True, "source": "test", "date": "2026-12-02", "note": None}
    out = _core(raw, mbo_cfg, "core_mbo_instroom", "raw.duo_mbo_instroom", [override])
    assert len(out) == 3
    censored = out.iloc[1]
    assert (
        censored["n_instroom_opleiding"],
        censored["n_instroom_opleiding_lo"],
        censored["n_instroom_opleiding_hi"],
    ) == (2, 1, 4)
    assert (censored["n_totaal_mbo"], censored["n_totaal_mbo_lo"], censored["n_totaal_mbo_hi"]) == (7, 7, 7)
    assert out["n_censored"].tolist() == [False, True, False]
    assert out["niveau"].tolist() == [2, 1, 4]  # 'Entree' = 1
    assert out["leerweg"].tolist() == ["BOL", "BBL", "BOL"]
    assert out["prior_vo"].tolist() == ["vmbo_bb", "vmbo_tl", "havo"]
    assert out["technical"].tolist() == [True, False, True]  # Techniek; Zorg; Economie overridden by crebo
    assert out["technical_rule"].tolist()[2] == "crebo override: test (2026-12-02)"
    assert out["technical_rule"].tolist()[0] == "hoofdgroep techniek is technical"


# ---------------------------------------------------------------------------------------------- labels
def test_unknown_prior_education_label_blocks_with_its_rows(tmp_path: Path, mbo_cfg: dict) -> None:
    rows = [ROWS[0], ["VMBO GT", *ROWS[0][1:]], ROWS[2], ["VMBO GT", *ROWS[2][1:]]]
    df, _ = parse_instroom(_write(tmp_path / NAME_2024, rows, ",", quoted=True), 2024)
    bad = unknown_labels(df, mbo_cfg)
    assert bad[["column", "source_row", "value"]].values.tolist() == [
        ["VOOROPLEIDING VO", 3, "VMBO GT"],
        ["VOOROPLEIDING VO", 5, "VMBO GT"],
    ]
    with pytest.raises(InputError) as exc:
        check_labels(df, mbo_cfg)
    msg = str(exc.value)
    assert (
        f"column 'VOOROPLEIDING VO' value 'VMBO GT' (not in mbo.yaml vooropleiding_vo): {NAME_2024} line 3, {NAME_2024} line 5"
        in msg
    )
    assert "assets/mbo/config/mbo.yaml" in msg and "blocked" in msg


def test_labels_match_trimmed_and_case_insensitively(tmp_path: Path, mbo_cfg: dict) -> None:
    rows = [["vmbo bb", *ROWS[0][1:6], "TECHNIEK", "2", "bol", *ROWS[0][9:]]]
    df, _ = parse_instroom(_write(tmp_path / "g.csv", rows, ",", quoted=True), 2024)
    check_labels(df, mbo_cfg)  # no error


def test_unknown_niveau_and_sectorkamer_listed(tmp_path: Path, mbo_cfg: dict) -> None:
    cfg = copy.deepcopy(mbo_cfg)
    df, _ = parse_gediplomeerden(_dip_file(tmp_path, niveau="5", sectorkamer="Bouw"))
    with pytest.raises(InputError) as exc:
        check_labels(df, cfg)
    msg = str(exc.value)
    assert "column 'NIVEAU' value '5' (not in mbo.yaml niveaus)" in msg
    assert "column 'SECTORKAMER NAAM' value 'Bouw' (not in mbo.yaml sectorkamers)" in msg
    assert "2020-2024-gediplomeerden.csv line 2" in msg


# ---------------------------------------------------------------------------------------------- wrong files
def test_vo_pupils_file_under_the_entrants_name_names_expected_and_found_columns(tmp_path: Path) -> None:
    wrong = tmp_path / NAME_2024
    wrong.write_bytes((SAMPLE / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2023.csv").read_bytes())
    with pytest.raises(InputError) as exc:
        parse_instroom(wrong, 2024)
    msg = str(exc.value)
    assert str(wrong) in msg and "row 1" in msg
    assert "not the documented layout of DUO 'instromende mbo-studenten'" in msg
    assert "expected columns ['VOOROPLEIDING VO', 'VOOROPLEIDING MBO'" in msg
    assert "missing ['VOOROPLEIDING VO'" in msg
    assert "unexpected ['VESTIGINGSCODE'" in msg or "'VESTIGINGSCODE'" in msg.split("unexpected", 1)[1]
    assert "found columns ['INSTELLINGSCODE', 'VESTIGINGSCODE'" in msg


def test_entrants_file_under_the_diplomas_name_is_refused(tmp_path: Path) -> None:
    wrong = _write(tmp_path / "2020-2024-gediplomeerden.csv", ROWS, ",", quoted=True)
    with pytest.raises(InputError) as exc:
        parse_gediplomeerden(wrong)
    msg = str(exc.value)
    assert "not the documented layout of DUO 'gediplomeerde mbo-studenten'" in msg
    assert "missing ['PLAATSNAAM INSTELLING'" in msg and "found columns ['VOOROPLEIDING VO'" in msg


def test_garbled_text_fails(tmp_path: Path) -> None:
    garbled = [r[:4] + ["ROC CafÃ©"] + r[5:] for r in ROWS[:1]]
    with pytest.raises(InputError) as exc:
        parse_instroom(_write(tmp_path / "h.csv", garbled, ";", "utf-8"), 2024)
    msg = str(exc.value)
    assert "h.csv" in msg and "row 2" in msg and "INSTELLINGSNAAM" in msg


def test_empty_label_is_the_label_leeg_and_blocks_until_mapped(tmp_path: Path, mbo_cfg: dict) -> None:
    df, _ = parse_instroom(_write(tmp_path / "i.csv", [ROWS[0][:8] + [""] + ROWS[0][9:]], ",", quoted=True), 2024)
    assert df["leerweg_label"].tolist() == ["(leeg)"]
    with pytest.raises(
        InputError, match=r"column 'LEERWEG' value '\(leeg\)' \(not in mbo.yaml leerwegen\): i.csv line 2"
    ):
        check_labels(df, mbo_cfg)
    mapped = copy.deepcopy(mbo_cfg)
    mapped["leerwegen"].append({"label": "(leeg)", "leerweg": "BOL", "certainty": "uncertain"})
    check_labels(df, mapped)


# ---------------------------------------------------------------------------------------------- diplomas
DIP_KEYS = [
    "INSTELLINGSCODE",
    "INSTELLINGSNAAM",
    "PLAATSNAAM INSTELLING",
    "LEERWEG",
    "NIVEAU",
    "ERKENDE OPLEIDING CODE",
    "ERKENDE OPLEIDING NAAM",
    "SECTORKAMER NAAM",
    "HOOFDGROEP NAAM",
]


def _dip_file(
    tmp_path: Path,
    years: tuple[int, ...] = (2023, 2024),
    niveau: str = "2",
    sectorkamer: str = "Techniek en gebouwde omgeving",
    drop: str | None = None,
) -> Path:
    header = DIP_KEYS + [f"DIP{s}{y}" for y in years for s in ("MAN", "VROUW")]
    row = ["25XA", "ROC Café", "DELFT", "BBL", niveau, "90002", "Monteur", sectorkamer, "Techniek"]
    row += ["12", "<5", "0", "7"][: 2 * len(years)] if len(years) <= 2 else ["5"] * (2 * len(years))
    if drop:
        i = header.index(drop)
        header, row = header[:i] + header[i + 1 :], row[:i] + row[i + 1 :]
    path = tmp_path / "2020-2024-gediplomeerden.csv"
    path.write_bytes(("\n".join(",".join(f'"{f}"' for f in r) for r in [header, row]) + "\n").encode("utf-8"))
    return path


def test_diplomas_wide_to_long_any_years(tmp_path: Path, mbo_cfg: dict) -> None:
    df, info = parse_gediplomeerden(_dip_file(tmp_path))
    assert info["years"] == "2023, 2024" and info["masking"] == "lt5"
    assert df[["jaar", "geslacht", "n_diplomas"]].values.tolist() == [
        [2023, "man", "12"],
        [2023, "vrouw", "<5"],
        [2024, "man", "0"],
        [2024, "vrouw", "7"],
    ]
    out = _core(df, mbo_cfg, "core_mbo_gediplomeerden", "raw.duo_mbo_gediplomeerden")
    assert out["n_diplomas"].tolist() == [12, 2, 0, 7]
    assert out["n_diplomas_lo"].tolist() == [12, 1, 0, 7] and out["n_diplomas_hi"].tolist() == [12, 4, 0, 7]
    assert out["technical"].all() and out["technical_sbb"].all() and set(out["leerweg"]) == {"BBL"}


def test_diplomas_year_without_its_vrouw_column_names_expected_and_found(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        parse_gediplomeerden(_dip_file(tmp_path, drop="DIPVROUW2024"))
    msg = str(exc.value)
    assert "missing ['DIPVROUW2024']" in msg and "found columns ['INSTELLINGSCODE'" in msg
    assert "DIPMAN<jaar> and DIPVROUW<jaar>" in msg


# ---------------------------------------------------------------------------------------------- instellingen
def test_instellingen_parse_and_missing_column(tmp_path: Path) -> None:
    df, info = parse_instellingen(SAMPLE / "instellingenmbo.csv")
    assert df["instellingscode"].tolist() == ["25XA", "25XB", "25XC"]
    assert df["pc6"].str.match(r"^\d{4}[A-Z]{2}$").all() and "DENOMINATIE" in info["columns_not_read"]
    bad = tmp_path / "instellingenmbo.csv"
    bad.write_text("INSTELLINGSCODE;INSTELLINGSNAAM;POSTCODE\n25XA;ROC;2611 AB\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        parse_instellingen(bad)
    msg = str(exc.value)
    assert "missing ['STRAATNAAM'" in msg and "found columns ['INSTELLINGSCODE', 'INSTELLINGSNAAM', 'POSTCODE']" in msg


# ---------------------------------------------------------------------------------------------- config
def _validate_mbo(mbo: dict) -> list[str]:
    parts = {name: copy.deepcopy(v) for name, v in default_config().parts().items()}
    parts["mbo"] = mbo
    return validate_parts(parts, {name: Path(f"{name}.yaml") for name in parts}, only=["mbo"])


def test_mbo_yaml_schema_refuses_unknown_code_and_duplicate_label(mbo_cfg: dict) -> None:
    assert _validate_mbo(copy.deepcopy(mbo_cfg)) == []
    bad = copy.deepcopy(mbo_cfg)
    bad["vooropleiding_vo"][0]["prior_vo"] = "vmbo_gt"
    assert any("vooropleiding_vo" in m and "vmbo_gt" in m for m in _validate_mbo(bad))
    dup = copy.deepcopy(mbo_cfg)
    dup["leerwegen"].append({"label": "bol", "leerweg": "BBL"})
    assert any("duplicate label" in m for m in _validate_mbo(dup))
    src = copy.deepcopy(mbo_cfg)
    src["sources"]["instroom"].append("duo_mbo_instroom_2026")
    assert any("duo_mbo_instroom_2026" in m for m in _validate_mbo(src))


# ---------------------------------------------------------------------------------------------- sample chain
def test_sample_entrants_follow_the_vmbo_cohort_of_the_year_before() -> None:
    """vo → mbo offline: the 2024 entrants from vmbo are 85-100% of the sample's vmbo leerjaar-4 pupils of
    peiljaar 2023, per leerweg, and the technical share is plausible (20-35%)."""
    from assets.duo_pupils.parser import parse_pupils

    pupils, _ = parse_pupils(SAMPLE / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2023.csv", 2023)
    lj4 = pupils[["lj4_m", "lj4_v"]].replace("<5", "2").astype(int).sum(axis=1)
    cohort = lj4.groupby(pupils["onderwijstype_label"]).sum()
    entrants, _ = parse_instroom(SAMPLE / NAME_2024, 2024)
    n = entrants["instroom_opleiding"].replace({"<5": "2", "-1": "2"}).astype(int)
    by_prior = n.groupby(entrants["vooropleiding_vo"]).sum()
    for label, ot in {
        "VMBO BB": "VMBO BL lj 3-4",
        "VMBO KB": "VMBO KL lj 3-4",
        "VMBO GL": "VMBO GL lj 3-4",
        "VMBO TL": "VMBO TL lj 3-4",
    }.items():
        assert 0.85 <= by_prior[label] / cohort[ot] <= 1.0, label
    technical = n[entrants["hoofdgroep_naam"] == "Techniek"].sum() / n.sum()
    assert 0.20 <= technical <= 0.35
