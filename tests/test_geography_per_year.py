"""One geography per year (issue 15.2): a newer address snapshot that REUSES vestiging codes (schools closed, their
codes given to other schools elsewhere) leaves every earlier year's marts exactly as they were.

Every mart that places a pupil-year (names included) takes its geography from the snapshot resolved for that
peiljaar (core.pupil_locations), never from the newest register core.school_locations. The tester's case: a
newer address file that reused two Rotterdam codes changed the Rotterdam 2019 figure from 22.70% to 13.15%.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from pipeline import db
from tests.conftest import DUO, GEO, copy_out, need_shared, patched_sample, query, run_sto, table_hashes

BRIN, CODE, GEMEENTE = 2, 3, 10  # columns of the DUO address file (02.-alle-vestigingen-vo.csv)


def sql_files_using_the_register() -> dict[str, list[str]]:
    """Every SQL file's statement lines (sql/ and assets/<domain>/sql/) that read core.school_locations
    (comments excluded)."""
    hits: dict[str, list[str]] = {}
    files = [f for paths in db.sql_files().values() for f in paths]
    assert len(files) > 30, files  # the audit reads every SQL file of the project, not an empty folder
    for f in sorted(files):
        for line in f.read_text(encoding="utf-8").splitlines():
            code = line.split("--", 1)[0]
            if re.search(r"\bcore\.school_locations\b", code):
                hits.setdefault(f.name, []).append(line.strip())
    return hits


def test_no_pupil_year_mart_reads_the_newest_register():
    """Audit of every SQL file: only the register itself and the SEOR initiative geocoding (no peiljaar: an initiative's
    participating school is placed at its last known address) and the mbo instellingen (DUO's mbo address file is
    itself one current snapshot without peiljaar: its gemeenten get their COROP/RMC from the current vo register)
    may read core.school_locations."""
    allowed = {"core_school_locations.sql", "seor_initiatives.sql", "core_mbo_instellingen.sql"}
    assert set(sql_files_using_the_register()) <= allowed


def reuse_codes(lines: list[bytes], codes: list[str], sep: bytes = b";") -> list[bytes]:
    """The address file with the rows of `codes` replaced by a copy of a school elsewhere (another gemeente and
    provincie) carrying those codes: schools closed and their codes given to other schools."""
    rows = [ln.rstrip(b"\r\n").split(sep) for ln in lines[1:]]
    gone = {r[GEMEENTE] for r in rows if r[CODE].decode() in codes}
    donor = next(r for r in rows if r[GEMEENTE] not in gone and r[0] != rows[0][0] and r[0] != b"Zuid-Holland")
    out = [lines[0]]
    for ln, r in zip(lines[1:], rows, strict=True):
        code = r[CODE].decode()
        if code in codes:
            new = list(donor)
            new[BRIN], new[CODE] = code[:4].encode(), code.encode()
            out.append(sep.join(new) + b"\r\n" if ln.endswith(b"\r\n") else sep.join(new) + b"\n")
        else:
            out.append(ln)
    return out


def _rotterdam_codes(dbf: Path, year: int) -> list[str]:
    """Two Rotterdam locations that count in the programme marts (offering a technical profile that year)."""
    rows = query(
        dbf,
        "SELECT DISTINCT vestiging_code FROM marts.profile_offer_location WHERE peiljaar = ? AND offered "
        "AND upper(gemeente_name) = 'ROTTERDAM' AND profile_code IN ('M&T', 'MVI', 'BWI', 'PIE') ORDER BY 1 LIMIT 2",
        [year],
    )
    assert len(rows) == 2
    return [r[0] for r in rows]


def _assert_register_moved(dbf: Path, codes: list[str]) -> None:
    """The newest register now places the reused codes outside Rotterdam (so the test can fail)."""
    gem = query(
        dbf, "SELECT DISTINCT upper(gemeente_name) FROM core.school_locations WHERE vestiging_code IN (?, ?)", codes
    )
    assert gem and all(g != "ROTTERDAM" for (g,) in gem)


@pytest.mark.slow
def test_newer_snapshot_reusing_codes_leaves_earlier_years_unchanged(sample_out, tmp_path, monkeypatch):
    out = copy_out(sample_out, tmp_path / "out")
    dbf = out / "sto.duckdb"
    reference = table_hashes(dbf, ("marts",))
    codes = _rotterdam_codes(dbf, 2023)
    sample = patched_sample(tmp_path, monkeypatch)
    addr = sample / "02.-alle-vestigingen-vo.csv"
    addr.write_bytes(b"".join(reuse_codes(addr.read_bytes().splitlines(keepends=True), codes)))
    os.utime(addr, (time.time(), time.time()))  # a newer snapshot, dated today by its file time
    assert run_sto(out, "--years", "2023", "--no-export") == 0
    assert query(dbf, "SELECT count(DISTINCT snapshot_id) FROM core.school_location_history") == [(2,)]
    _assert_register_moved(dbf, codes)
    after = table_hashes(dbf, ("marts",))
    assert {t for t in reference if after.get(t) != reference[t]} == set()


@pytest.mark.full
@pytest.mark.realdata
def test_real_2019_newer_snapshot_reusing_codes(real_out, tmp_path):
    """The tester's case on the real files: two Rotterdam codes reused elsewhere in a newer address file; 2019's
    marts stay as they were (Rotterdam girls' share in the masterplan's profiles stays 22.70%)."""
    need_shared()
    out = copy_out(real_out, tmp_path / "out")
    dbf = out / "sto.duckdb"
    reference = table_hashes(dbf, ("marts",))
    primary = "SELECT our_value FROM marts.programme_statements WHERE statement_id = 'rotterdam_girls_technical_vmbo' AND variant_no = 1"
    before = query(dbf, primary)[0][0]
    codes = _rotterdam_codes(dbf, 2019)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for f in DUO.iterdir():
        if f.name != "alle-vestigingen-vo.csv":
            (mirror / f.name).symlink_to(f)
    lines = (DUO / "alle-vestigingen-vo.csv").read_bytes().splitlines(keepends=True)
    (mirror / "02.-alle-vestigingen-vo.csv").write_bytes(b"".join(reuse_codes(lines, codes)))
    assert run_sto(out, "--mirror", str(mirror), "--mirror", str(GEO), "--years", "2019", "--offline") == 0
    _assert_register_moved(dbf, codes)
    assert query(dbf, primary)[0][0] == pytest.approx(before)
    after = table_hashes(dbf, ("marts",))
    assert {t for t in reference if after.get(t) != reference[t]} == set()
