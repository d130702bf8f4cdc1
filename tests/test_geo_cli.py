"""Small pure tests: PDOK response parsing, GeoNames/school-point parsers, CLI phase planning, status."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile

import pytest

from assets.locations.geo import parse_geonames, parse_school_points, pdok_lookup
from pipeline.archive import read_member
from pipeline.csvread import InputError


class _Resp:
    def __init__(self, payload):
        self.payload = payload

    def raise_for_status(self):
        pass

    def json(self):
        return self.payload


class _Session:
    def __init__(self, payload):
        self.payload, self.calls = payload, []

    def get(self, url, params=None, timeout=None):
        self.calls.append(params)
        return _Resp(self.payload)


def test_pdok_lookup_parses_centroid_and_builds_query():
    s = _Session({"response": {"docs": [{"centroide_ll": "POINT(4.34161 52.07934)"}]}})
    assert pdok_lookup(s, "https://api.pdok.nl/x", "2595 AN", "104-A") == (52.07934, 4.34161)
    assert s.calls[0]["q"] == "postcode:2595AN AND huisnummer:104" and s.calls[0]["fq"] == "type:adres"
    assert pdok_lookup(_Session({"response": {"docs": []}}), "u", "2595AN", "") is None


GEONAMES = "NL\t2595 AN\t's-Gravenhage\tZuid-Holland\t11\t's-Gravenhage\t0518\t\t\t52.0793\t4.3416\t6\n"


def test_geonames_plain_gz_zip_and_quotes(tmp_path):
    plain = tmp_path / "NL_full.txt"
    plain.write_text(GEONAMES + GEONAMES.replace("2595 AN", "2595 AP"))
    gz = tmp_path / "NL_full.txt.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    zp = tmp_path / "NL_full.csv.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("NL_full.txt", plain.read_text())
        z.writestr("readme.txt", "x")
    for p, member in [(plain, None), (gz, None), (zp, "NL_full.txt")]:
        df = parse_geonames(p, member, "pc6")
        assert df["pc6"].tolist() == ["2595AN", "2595AP"] and df["place"].iloc[0] == "'s-Gravenhage"


def test_geonames_bad_latitude_located(tmp_path):
    p = tmp_path / "NL.txt"
    p.write_text(GEONAMES.replace("52.0793", "north"))
    with pytest.raises(
        InputError,
        match=r"row 1 columns latitude/longitude.*expected decimal degrees inside the Netherlands, found 'north'",
    ):
        parse_geonames(p)


def test_zip_slip_and_oversize_refused(tmp_path):
    zp = tmp_path / "evil.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("../../evil.json", "{}")
    with pytest.raises(InputError, match="outside the target"):
        read_member(zp)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("scholen.geo.json", "0" * 100_000)
    with pytest.raises(InputError, match="over the 1000 limit"):
        read_member(big, "scholen.geo.json", max_bytes=1000)


def test_school_points(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "properties": {"vestigingscode": "99aa00", "postcode": "2611 AB", "type": "VO"},
                "geometry": {"type": "Point", "coordinates": [4.35, 52.01]},
            }
        ],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("scholen.geo.json", json.dumps(doc))
    p = tmp_path / "s.zip"
    p.write_bytes(buf.getvalue())
    df = parse_school_points(p)
    assert df.to_dict("records")[0] == {
        "vestiging_code": "99AA00",
        "pc6": "2611AB",
        "lon": 4.35,
        "lat": 52.01,
        "type": "VO",
    }
    p.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(InputError, match="corrupt zip"):
        parse_school_points(p)


def test_one_run_covers_the_requested_years_as_a_partition_range():
    import dagster as dg

    from pipeline.cli import UsageError, _partition_range, downstream_of_yearly, whole_steps
    from pipeline.definitions import load_assets_and_checks

    start, end = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
    assert _partition_range(["2019", "2020"], [2020]) == {start: "2020", end: "2020"}
    assert _partition_range(["2016", "2017", "2018"], [2018, 2016, 2017]) == {start: "2016", end: "2018"}
    with pytest.raises(UsageError, match="peiljaar 2017 lies between the requested years"):
        _partition_range(["2016", "2017", "2018"], [2016, 2018])
    assets, _ = load_assets_and_checks()
    down = {k.to_user_string() for k in downstream_of_yearly(assets)}
    assert {"core_pupil_locations", "mart_techniek_share"} <= down
    assert not down & {"raw_geonames_pc6", "raw_duo_vo_exams", "core_vmbo_profile", "raw_duo_vo_students"}
    # a table written by a multi-table step brings the step's other tables (it cannot run alone)
    step = {k.to_user_string() for k in whole_steps(assets, {dg.AssetKey("core_seor_candidates")})}
    assert step == {
        "core_seor_step6_roc",
        "core_seor_candidate_members",
        "core_seor_candidate_values",
        "core_seor_candidates",
    }


def test_status_lists_years_and_checks(sample_out, capsys):
    import os

    from pipeline.cli import main

    os.environ["STO_DAGSTER_DIR"] = str(sample_out / "dagster")
    assert main(["status", "--out", str(sample_out)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"core_duo_vo_students\s+2022\s+\d{4}-\d\d-\d\d", out)
    assert re.search(r"2022\s+sample\s+01\.-leerlingen-vo-per-vestiging-naar-onderwijstype-2022\.csv", out)
    assert "FAILED" not in out and "passed" in out


def test_several_years_in_one_step_keep_each_years_metadata():
    import dagster as dg

    from pipeline.partitions import merge_year_metadata

    def meta(rows: int, n: int) -> dict:
        return {
            "table": dg.MetadataValue.text("core.duo_vo_students"),
            "dagster/row_count": dg.MetadataValue.int(rows),
            "n_pupils": dg.MetadataValue.int(n),
        }

    one = meta(2, 5)
    assert merge_year_metadata({2019: one}) is one
    merged = merge_year_metadata({2020: meta(3, 6), 2019: meta(2, 5)})
    assert merged["dagster/row_count"].value == 5 and merged["table"].value == "core.duo_vo_students"
    assert merged["n_pupils [peiljaar 2019]"].value == 5 and merged["n_pupils [peiljaar 2020]"].value == 6
    assert "n_pupils" not in merged
