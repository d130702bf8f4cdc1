"""Monitoring marts on the real 2019 DUO files: published Techniekpact figures, SEOR table 5 for all
campuses, the exam series 2014/15–2023/24."""

from __future__ import annotations

import pytest

from tests.conftest import query

pytestmark = pytest.mark.realdata

HEADLINE = {"vmbo_bkg_lj3_techniek": 19.0, "havo_lj4_nprofiel": 40.0, "vwo_lj4_nprofiel": 60.0}


@pytest.mark.parametrize("indicator, published", sorted(HEADLINE.items()))
def test_national_share_2019_within_half_a_point(real_out, indicator, published):
    pct, censored = query(
        real_out / "sto.duckdb",
        """
        SELECT pct, censored_cells FROM marts.techniek_share
        WHERE peiljaar = 2019 AND scope_type = 'national' AND indicator = ?""",
        [indicator],
    )[0]
    print(f"{indicator} 2019: {pct:.2f}% (published {published:.0f}%)")
    assert abs(pct - published) <= 0.5 and censored == 0


def test_headline_reconciliation_rows_ok(real_out):
    rows = query(
        real_out / "sto.duckdb",
        """
        SELECT indicator, ours, published, ok FROM marts.reconciliation
        WHERE source = 'techniekpact' AND peiljaar = 2019 AND scope = 'national:NL' AND indicator IN
              ('vmbo_bkg_lj3_techniek.pct', 'havo_lj4_nprofiel.pct', 'vwo_lj4_nprofiel.pct')""",
    )
    assert len(rows) == 3 and all(ok for *_, ok in rows)
    # Two publications disagree on the 2019/20 BB and KB split (24/23 vs 23/22): the mart keeps both.
    split = dict(
        query(
            real_out / "sto.duckdb",
            """
        SELECT figure_id, ok FROM marts.reconciliation WHERE indicator = 'vmbo_bb_lj3_techniek.pct'
        AND peiljaar = 2019""",
        )
    )
    assert split == {"tp-vmbo-bb-2019": False, "tp-vmbo-bb-2019-monitorpage": True}


def test_profile_supply_all_campuses_2019(real_out):
    rows = query(
        real_out / "sto.duckdb",
        """
        SELECT campus_code, measure, pct, n_pupils_base, n_locations FROM marts.profile_supply_campus
        WHERE peiljaar = 2019 AND radius_km = 10 AND measure IN ('any_techniek', 'hard_techniek')
        ORDER BY campus_code, measure""",
    )
    for r in rows:
        print(r)
    assert {r[0] for r in rows} == {"IT&S", "GT", "DIF", "IE&M", "DOC", "ETL", "IT", "BT"}
    assert all(r[3] > 0 and 0 <= r[2] <= 100 for r in rows)
    by = {(c, m): p for c, m, p, *_ in rows}
    assert all(by[(c, "hard_techniek")] <= by[(c, "any_techniek")] for c, _ in by)  # hard ⊂ some techniek
    n = query(
        real_out / "sto.duckdb",
        "SELECT count(DISTINCT (campus_code, radius_km)) FROM marts.profile_supply_campus "
        "WHERE peiljaar = 2019 AND n_pupils_base > 0",
    )[0][0]
    assert n == 24  # eight campuses × three radii, each with pupils in reach


def test_exam_national_series_2014_2024(real_out):
    rows = query(
        real_out / "sto.duckdb",
        """
        SELECT series, schooljaar, n_candidates_series, pct_series FROM marts.exam_national_series
        ORDER BY series, schooljaar""",
    )
    series = {}
    for s, y, n, p in rows:
        series.setdefault(s, []).append((y, n, p))
    for s in ("havo_n_profile", "vwo_n_profile", "vmbo_bkg_techniek"):
        years = [y for y, _, _ in series[s]]
        assert years == [f"{a}-{a + 1}" for a in range(2014, 2024)], s
        assert all(n > 5000 for _, n, _ in series[s])
    havo = dict((y, p) for y, _, p in series["havo_n_profile"])
    assert 35 < havo["2019-2020"] < 45 and 50 < dict((y, p) for y, _, p in series["vwo_n_profile"])["2019-2020"] < 65
    # TL candidates carry a sector only from 2018-2019: earlier TL shares are undetermined, not zero
    tl = dict((y, p) for y, _, p in series["vmbo_tl_techniek"])
    assert tl["2017-2018"] is None and tl["2018-2019"] is not None


def test_monitoring_checks_passed(real_out):
    failed = query(
        real_out / "sto.duckdb",
        """
        SELECT asset, check_name, expectation FROM audit.check_results
        WHERE NOT success AND severity = 'ERROR' AND (asset LIKE 'mart_%' OR asset IN
              ('raw_duo_vo_exams', 'raw_published_figures', 'raw_sto_region_map'))""",
    )
    assert failed == []
