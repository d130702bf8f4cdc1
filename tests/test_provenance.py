"""Provenance: every run leaves code version, packages, config hash, inputs (sha256) and lineage."""

from __future__ import annotations

import json
import os

import dagster as dg

from pipeline.config import default_config
from pipeline.fetch import sha256_file
from pipeline.paths import PROJECT_ROOT, SAMPLE_DIR
from pipeline.provenance import code_version
from tests.conftest import query


def test_audit_provenance_row(sample_out):
    rows = query(
        sample_out / "sto.duckdb",
        "SELECT code_version, config_hash, package_versions, peiljaren, "
        "source_mode, inputs, asset_inputs FROM audit.provenance",
    )
    assert len(rows) >= 1
    cv, ch, pkgs, years, mode, inputs, lineage = rows[-1]
    assert cv == code_version() and ch == default_config().hash() and len(ch) == 64
    assert {"dagster", "duckdb", "great_expectations", "pandas"} <= set(json.loads(pkgs))
    assert json.loads(years) == [2021, 2022, 2023] and mode == "sample"
    files = {(i["source_id"], i["peiljaar"]): i for i in json.loads(inputs)}
    pupils_2022 = files[("duo_vo_students", 2022)]
    path = SAMPLE_DIR / "01.-leerlingen-vo-per-vestiging-naar-onderwijstype-2022.csv"
    assert pupils_2022["sha256"] == sha256_file(path)
    assert "raw_duo_vo_students" in json.loads(lineage)["core_duo_vo_students"]


def test_materialisation_metadata_visible_in_dagster(sample_out):
    os.environ["STO_DAGSTER_DIR"] = str(sample_out / "dagster")
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    recs = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_duo_vo_locations")), limit=1
    ).records
    meta = recs[0].asset_materialization.metadata
    for key in (
        "code_version",
        "config_hash",
        "source_sha256",
        "source_origin",
        "content_sha",
        "dagster/row_count",
        "dagster/column_schema",
    ):
        assert key in meta, key
    assert meta["source_sha256"].value == sha256_file(SAMPLE_DIR / "02.-alle-vestigingen-vo.csv")
