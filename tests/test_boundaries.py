"""Map boundaries are a source like any other: catalogued, found in a mirror (also in its boundaries/
subfolder), loaded into core.boundaries by a checked asset; optional (absent: an empty table, the map says so).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assets.locations.geo import boundary_frame
from pipeline.config import default_config
from pipeline.fetch import Fetcher, sha256_file
from pipeline.report.sections.geomap import division_year, rings
from tests.conftest import GEO, query

FIX = Path(__file__).parent / "fixtures" / "boundaries"


def _catalogue() -> dict:
    return default_config().sources


def test_catalogue_lists_the_boundary_sources_with_pdok_address():
    sources = _catalogue()["sources"]
    layers = {sid: s for sid, s in sources.items() if s.get("boundary")}
    assert {s["boundary"]["level"] for s in layers.values()} == {"gemeente", "provincie"}
    for sid, s in layers.items():
        assert s["optional"] is True, sid  # a run without them does not fail
        assert s["url"].startswith("https://service.pdok.nl/cbs/gebiedsindelingen/"), sid
        assert "CBS" in s["licence"], sid


def test_mirror_subfolder_rule(tmp_path: Path):
    """`--mirror geo` finds geo/boundaries/<file> (the shared layout); `--mirror geo/boundaries` finds it too."""
    geo = tmp_path / "geo"
    (geo / "boundaries").mkdir(parents=True)
    target = geo / "boundaries" / "gemeente_2020.geojson"
    target.write_bytes((FIX / "gemeente_tiny.geojson").read_bytes())
    for mirror in (geo, geo / "boundaries"):
        f = Fetcher(_catalogue(), [mirror], None, offline=True)
        got = f.locate("cbs_gemeente_boundaries_2020")
        assert got is not None and Path(got.path).resolve() == target.resolve(), mirror
        assert got.sha256 == sha256_file(target)
    assert Fetcher(_catalogue(), [tmp_path], None, offline=True).locate("cbs_gemeente_boundaries_2020") is None


def test_boundary_frame_reads_features_set_based(tmp_path: Path):
    con = duckdb.connect()
    g = boundary_frame(con, FIX / "gemeente_tiny.geojson", "gemeente", 2020, "fixture")
    assert list(g["code"]) == ["GM0546", "GM0599"] and set(g["geometry_type"]) == {"Polygon", "MultiPolygon"}
    assert set(g["division_year"]) == {2020} and set(g["source_file"]) == {"gemeente_tiny.geojson"}
    assert [len(rings(x)) for x in g["geometry"]] == [1, 1]
    bad = tmp_path / "gemeente_2020.geojson"
    bad.write_text("this is not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gemeente_2020\.geojson: not a GeoJSON FeatureCollection"):
        boundary_frame(con, bad, "gemeente", 2020, "x")
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="no features"):
        boundary_frame(con, bad, "gemeente", 2020, "x")


def test_division_in_force_on_the_snapshot_date():
    assert division_year([2020, 2021, 2026], "2020-12-01") == 2020  # merges take effect on 1 January
    assert division_year([2020, 2021, 2026], "2023-12-01") == 2021
    assert division_year([2020, 2021, 2026], "2019-10-01") == 2020  # none before: the earliest
    assert division_year([2020, 2021, 2026], None) == 2026
    assert division_year([], "2020-12-01") is None


def test_sample_has_no_boundaries_and_the_run_passes(sample_out: Path):
    """The sample's schools are synthetic: no boundary file ships with it (the map says so); the asset
    writes an empty, checked table instead of failing."""
    db = sample_out / "sto.duckdb"
    assert query(db, "SELECT count(*) FROM core.boundaries")[0][0] == 0
    assert query(db, "SELECT count(*) FROM audit.loaded_sources WHERE asset = 'core_boundaries'")[0][0] == 0


@pytest.mark.realdata
def test_real_boundaries_loaded_from_the_shared_mirror(real_out: Path):
    if not (GEO / "boundaries").is_dir():
        pytest.skip("no ../shared/data/geo/boundaries")
    db = real_out / "sto.duckdb"
    layers = dict(
        ((lv, y), n)
        for lv, y, n in query(db, "SELECT level, division_year, count(*) FROM core.boundaries GROUP BY ALL")
    )
    assert layers == {
        ("gemeente", 2020): 355,
        ("gemeente", 2021): 352,
        ("gemeente", 2026): 342,
        ("provincie", 2023): 12,
    }
    # every gemeente of the 2019 pupils (address snapshot 2020-12-01) has a boundary of division 2020
    missing = query(
        db,
        "SELECT DISTINCT gemeente_code FROM core.pupil_locations WHERE peiljaar = 2019 AND gemeente_code IS NOT NULL "
        "AND 'GM' || gemeente_code NOT IN (SELECT code FROM core.boundaries WHERE division_year = 2020)",
    )
    assert missing == []
    srcs = {r[0] for r in query(db, "SELECT source_id FROM audit.loaded_sources WHERE asset = 'core_boundaries'")}
    assert srcs == {
        "cbs_gemeente_boundaries_2020",
        "cbs_gemeente_boundaries_2021",
        "cbs_gemeente_boundaries_2026",
        "cbs_provincie_boundaries_2023",
    }


@pytest.mark.realdata
@pytest.mark.full
def test_sequence_boundaries_kept_when_a_later_mirror_lacks_them(real_out: Path, tmp_path: Path):
    """Sequence: a warehouse with boundaries, then a forced full rebuild from a geo mirror without the
    boundaries/ folder: the boundaries stay as loaded (like any reference input a mirror does not offer),
    the run passes, and the report still draws them."""
    from tests.conftest import DUO, copy_out, run_sto, table_hashes

    out = copy_out(real_out, tmp_path / "out")
    geo = tmp_path / "geo"  # the shared geo files without boundaries/, linked (read in place, not copied)
    geo.mkdir()
    for f in GEO.iterdir():
        if f.is_file():
            (geo / f.name).symlink_to(f)
    before = table_hashes(out / "sto.duckdb", ("core",))["core.boundaries"]
    assert run_sto(out, "--mirror", str(DUO), "--mirror", str(geo), "--years", "2019", "--offline", "--force") == 0
    assert table_hashes(out / "sto.duckdb", ("core",))["core.boundaries"] == before
    text = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "93 of the 93 techniekarm gemeenten of peiljaar 2019 are shaded" in text
