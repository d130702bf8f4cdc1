"""Real-data tests on ../shared/data (DUO 2019, GeoNames): figures checked against published ones."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import PUPILS_2019, query

pytestmark = pytest.mark.realdata


def _file_total() -> int:
    """Total pupils in the 2019 file, summed straight from the CSV (independent of the parser)."""
    with open(PUPILS_2019, encoding="cp1252", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    idx = [i for i, h in enumerate(rows[0]) if h.startswith("LEER- OF VERBLIJFSJAAR")]
    return sum(int(r[i]) for r in rows[1:] for i in idx)


def test_core_students_sum_exactly_to_file_total(real_out):
    total = _file_total()
    got = query(
        real_out / "sto.duckdb",
        "SELECT sum(n), count(*) FILTER (WHERE n_censored) FROM core.duo_vo_students WHERE peiljaar = 2019",
    )[0]
    assert total == 956_857  # the published file's total
    assert got == (total, 0)


def test_techniekpact_vmbo_share_2019(real_out):
    (pct,) = query(
        real_out / "sto.duckdb",
        """
        SELECT 100.0 * sum(s.n) FILTER (WHERE p.techniekpact_techniek) / sum(s.n)
        FROM core.duo_vo_students s LEFT JOIN core.vmbo_profile p USING (profile_code)
        WHERE s.peiljaar = 2019 AND s.leerweg IN ('BB', 'KB', 'GL') AND s.leerjaar = 3""",
    )[0]
    print(f"vmbo B/K/G leerjaar-3 technical share 2019: {pct:.2f}% (published 19%)")
    assert abs(pct - 19.0) <= 0.5


@pytest.mark.parametrize("ot, published", [("HAVO", 40.0), ("VWO", 60.0)])
def test_n_profile_share_2019(real_out, ot, published):
    (pct,) = query(
        real_out / "sto.duckdb",
        """
        SELECT 100.0 * sum(n) FILTER (WHERE n_profile) / sum(n) FROM core.duo_vo_students
        WHERE peiljaar = 2019 AND onderwijstype = ? AND leerjaar = 4""",
        [ot],
    )[0]
    print(f"{ot} leerjaar-4 N-profile share 2019: {pct:.2f}% (published {published}%)")
    assert abs(pct - published) <= 0.5


def test_geocoding_coverage_2019(real_out):
    rows = query(
        real_out / "sto.duckdb",
        "SELECT geocode_method, count(*) FROM core.pupil_locations WHERE peiljaar = 2019 GROUP BY 1 ORDER BY 1",
    )
    mix = dict(rows)
    n = sum(mix.values())
    placed = n - mix.get("none", 0)
    print(f"2019 pupil locations: {n}, with coordinates {placed} ({100 * placed / n:.2f}%), methods {mix}")
    assert n == 1450 and placed / n >= 0.99
    assert mix.get("address_point", 0) > 1000  # the configured BAG address points do most of the work
    unplaced = query(
        real_out / "sto.duckdb",
        "SELECT count(*) FROM core.pupil_locations WHERE peiljaar = 2019 AND NOT in_address_file",
    )[0][0]
    assert unplaced == mix.get("none", 0)  # every unplaced location is one the address file lacks, and is kept


def test_campuses_geocoded_near_reference(real_out):
    rows = dict(
        (c, (lat, lon, m))
        for c, lat, lon, m in query(
            real_out / "sto.duckdb", "SELECT campus_code, lat, lon, geocode_method FROM core.campuses"
        )
    )
    assert len(rows) == 8 and all(v[0] is not None for v in rows.values())
    assert rows["DOC"][2] == "config" and rows["ETL"][2] == "config"
    assert rows["IT&S"][2] == "pc6_centroid"
    assert rows["IT&S"][0] == pytest.approx(52.0793, abs=1e-4)


def test_checks_recorded_and_passed(real_out):
    failed = query(
        real_out / "sto.duckdb",
        """
        SELECT asset, check_name, expectation FROM audit.check_results WHERE NOT success AND severity = 'ERROR'""",
    )
    assert failed == []
    n = query(real_out / "sto.duckdb", "SELECT count(DISTINCT asset) FROM audit.check_results")[0][0]
    assert n >= 10
