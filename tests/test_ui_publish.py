"""Runs launched outside the CLI (Dagster UI, jobs) publish atomically through the resource."""

from __future__ import annotations

import dataclasses
import os
import shutil

import dagster as dg
import pytest

from pipeline.definitions import build_definitions
from pipeline.resources import StoResource


@pytest.fixture()
def ui_defs(sample_out, tmp_path):
    out = tmp_path / "ui"
    shutil.copytree(sample_out, out, ignore=shutil.ignore_patterns("dagster", ".sto.lock", ".staging"))
    res = StoResource(db_path=str(out / "sto.duckdb"), sample=True, offline=True, atomic_publish=True)
    return build_definitions(res), out


def _run(defs, names):
    job = defs.resolve_job_def("sto_all")
    keys = [dg.AssetKey(n) for n in names]
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=keys, raise_on_error=False)


def test_successful_ui_run_publishes(ui_defs):
    defs, out = ui_defs
    before = os.stat(out / "sto.duckdb").st_ino
    assert _run(defs, ["core_onderwijstype"]).success
    assert os.stat(out / "sto.duckdb").st_ino != before  # a new file was swapped in
    assert not any((out / ".staging").iterdir())


def test_failed_ui_run_leaves_published_file(ui_defs, monkeypatch):
    defs, out = ui_defs
    published = (out / "sto.duckdb").read_bytes()
    # Make the blocking check on core_onderwijstype fail: duplicate labels in config.
    from pipeline import config as cfgmod

    cfg = cfgmod.default_config()
    broken = dict(cfg.onderwijstypes)
    broken["onderwijstypes"] = cfg.onderwijstypes["onderwijstypes"] + [cfg.onderwijstypes["onderwijstypes"][0]]
    monkeypatch.setattr(
        StoResource,
        "config",
        property(lambda self: dataclasses.replace(cfg, onderwijstypes=broken)),
    )
    result = _run(defs, ["core_onderwijstype"])
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and not checks[0].event_specific_data.passed
    assert (out / "sto.duckdb").read_bytes() == published
    assert not any((out / ".staging").iterdir())


def test_publish_outcome_is_recorded_on_the_run(ui_defs, monkeypatch):
    """The resource records what became of the staging copy on the Dagster run itself (run tag sto/publish,
    shown in the UI and read back by pipeline.runner), not in a module dictionary."""
    from pipeline.resources import PUBLISH_TAG

    defs, out = ui_defs
    job = defs.resolve_job_def("sto_all")
    instance = dg.DagsterInstance.ephemeral()
    ok = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey("core_onderwijstype")])
    assert instance.get_run_by_id(ok.run_id).tags.get(PUBLISH_TAG) == "published"
    monkeypatch.setattr("pipeline.resources._run_failed", lambda context: True)
    failed = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey("core_onderwijstype")])
    assert instance.get_run_by_id(failed.run_id).tags.get(PUBLISH_TAG) == "discarded"
