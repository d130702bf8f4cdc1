"""Asset materialisation on the bundled synthetic sample into temporary DuckDB files."""

from __future__ import annotations

import shutil

import duckdb

from pipeline import db
from pipeline.paths import SAMPLE_DIR
from tests.conftest import query, run_sto, table_hashes


def test_sample_materialises_all_years(sample_out):
    dbf = sample_out / "sto.duckdb"
    years = query(dbf, "SELECT DISTINCT peiljaar FROM core.duo_vo_students ORDER BY 1")
    assert [y for (y,) in years] == [2021, 2022, 2023]
    gens = dict(query(dbf, "SELECT peiljaar, min(header_generation) FROM raw.duo_vo_students GROUP BY 1"))
    assert gens == {2021: "pre-2023", 2022: "pre-2023", 2023: "2023+"}
    cens = dict(query(dbf, "SELECT peiljaar, count(*) FILTER (WHERE n_censored) FROM core.duo_vo_students GROUP BY 1"))
    assert cens[2021] == 0 and cens[2022] > 0 and cens[2023] > 0
    methods = {m for (m,) in query(dbf, "SELECT DISTINCT geocode_method FROM core.school_locations")}
    assert {"override", "address_point", "pc6_centroid", "pc4_centroid"} <= methods
    assert query(dbf, "SELECT count(*) FROM core.campuses WHERE lat IS NOT NULL")[0][0] == 8


def test_second_run_is_identical_and_downloads_nothing(sample_out, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(sample_out, out, ignore=shutil.ignore_patterns("dagster", ".sto.lock"))
    before = table_hashes(out / "sto.duckdb")
    assert run_sto(out) == 0
    after = table_hashes(out / "sto.duckdb")
    assert before == after and len(before) >= 10
    kinds = {k for (k,) in query(out / "sto.duckdb", "SELECT DISTINCT origin_kind FROM audit.source_files")}
    assert kinds == {"mirror"}


def test_one_year_refresh_leaves_other_years(sample_out, tmp_path):
    out = tmp_path / "inc"
    shutil.copytree(sample_out, out, ignore=shutil.ignore_patterns("dagster", ".sto.lock"))
    dbf = out / "sto.duckdb"
    con = duckdb.connect(str(dbf))
    before = db.content_hash(con, "core.duo_vo_students", "WHERE peiljaar = ?", [2021])
    runs_before = con.execute(
        "SELECT count(DISTINCT run_id) FROM audit.source_files WHERE source_id = 'duo_vo_students' AND peiljaar = 2021"
    ).fetchone()[0]
    con.close()
    # --force: the files are unchanged, so without it the run is skipped (tests/test_build_plan.py)
    assert run_sto(out, "--years", "2023", "--force") == 0
    con = duckdb.connect(str(dbf), read_only=True)
    assert db.content_hash(con, "core.duo_vo_students", "WHERE peiljaar = ?", [2021]) == before
    runs_after = con.execute(
        "SELECT count(DISTINCT run_id) FROM audit.source_files WHERE source_id = 'duo_vo_students' AND peiljaar = 2021"
    ).fetchone()[0]
    loaded_2023 = con.execute(
        "SELECT count(DISTINCT run_id) FROM audit.source_files WHERE source_id = 'duo_vo_students' AND peiljaar = 2023"
    ).fetchone()[0]
    con.close()
    assert runs_after == runs_before  # 2021 was not re-read
    assert loaded_2023 == 2


def test_failed_run_keeps_published_database(sample_out, tmp_path):
    out = tmp_path / "fail"
    shutil.copytree(sample_out, out, ignore=shutil.ignore_patterns("dagster", ".sto.lock"))
    published = (out / "sto.duckdb").read_bytes()
    mirror = tmp_path / "mirror"
    shutil.copytree(SAMPLE_DIR, mirror)
    bad = mirror / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2022.csv"
    lines = bad.read_text(encoding="utf-8").splitlines()
    bad.write_text(
        "\n".join(lines[: len(lines) // 2]) + "\n" + lines[-1][: len(lines[-1]) // 2] + "\n", encoding="utf-8"
    )  # truncated mid-row
    assert run_sto(out, "--mirror", str(mirror), "--offline") != 0
    assert (out / "sto.duckdb").read_bytes() == published
    assert not any((out / ".staging").iterdir())


def test_unknown_label_fails_check_listing_it(sample_out, tmp_path, capsys):
    out = tmp_path / "label"
    mirror = tmp_path / "mirror"
    shutil.copytree(SAMPLE_DIR, mirror)
    f = mirror / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2021.csv"
    text = f.read_bytes().decode("cp1252")
    f.write_bytes(text.replace("Groen", "Ruimtevaart", 1).encode("cp1252"))
    assert run_sto(out, "--mirror", str(mirror), "--offline", "--years", "2021") == 1
    err = capsys.readouterr().err
    assert "known_vmbo_afdeling" in err or "Ruimtevaart" in err
    assert not (out / "sto.duckdb").exists()
