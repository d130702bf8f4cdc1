"""Configuration corpus: every configuration file is input, refused before any work with a located message.

Cases: tests/bad_config/cases.yaml (one small patch of one file each), built by tests/bad_config/make_cases.py.
* `test_case` (unit, every case): pipeline.config.load_config on the patched copy raises ConfigError whose
  message holds every expected fragment (file, key path, value found, what is allowed); place-name cases are
  checked against the address file (pipeline/place_names.py); positive controls load.
* `test_cli_refuses_before_any_work` (cases with `cli: true`): `sto run` in a fresh process exits 2 within
  2 s with the same message, writes nothing (no Dagster instance, no staging) and leaves the warehouse file
  byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.config import ConfigError, load_config
from pipeline.place_names import check_config_places
from tests.bad_config import make_cases
from tests.conftest import DUO, GEO, ROOT

SPECS = make_cases.load_specs()
BY_ID = {s["id"]: s for s in SPECS}
REAL_ADDRESSES = DUO / "alle-vestigingen-vo.csv"
SAMPLE_ADDRESSES = ROOT / "data_raw" / "sample" / "02.-alle-vestigingen-vo.csv"


def address_file() -> Path:
    return REAL_ADDRESSES if REAL_ADDRESSES.exists() else SAMPLE_ADDRESSES


def test_corpus_spec_is_complete():
    """Enough cases, every file and rule class represented, every case with a reason and an expectation."""
    assert len(SPECS) >= 60
    files = {s["file"] for s in SPECS}
    assert {
        "pipeline.yaml",
        "profiles.yaml",
        "onderwijstypes.yaml",
        "campuses.yaml",
        "monitoring.yaml",
        "seor.yaml",
        "targets.yaml",
        "sources.yaml",
    } <= files
    for s in SPECS:
        assert s.get("why") and s.get("expect"), s["id"]
        assert s["expect"] == "ok" or isinstance(s["expect"], list), s["id"]
    assert sum(s["expect"] == "ok" for s in SPECS) >= 3
    assert sum(bool(s.get("places")) for s in SPECS) >= 4
    assert 4 <= sum(bool(s.get("cli")) for s in SPECS) <= 8


def _place_messages(cfg) -> list[str]:
    return check_config_places(cfg, address_file(), None)[0]


@pytest.fixture(scope="module")
def baseline_places() -> list[str]:
    """Place messages of the unpatched configuration (the sample lacks some real municipalities)."""
    return _place_messages(load_config())


@pytest.mark.parametrize("case_id", [s["id"] for s in SPECS])
def test_case(case_id: str, tmp_path: Path, baseline_places: list[str]):
    spec = BY_ID[case_id]
    config_dir, sources, facts = make_cases.build_case(spec, tmp_path)
    if spec.get("places"):
        cfg = load_config(config_dir, sources)
        shown = [m.replace(str(config_dir), "pipeline/config") for m in _place_messages(cfg)]
        new = [m for m in shown if m.split(":", 1)[1] not in {b.split(":", 1)[1] for b in baseline_places}]
        if spec["expect"] == "ok":
            assert not new, new
            return
        text = "\n".join(new)
    elif spec["expect"] == "ok":
        load_config(config_dir, sources)
        return
    else:
        with pytest.raises(ConfigError) as exc:
            load_config(config_dir, sources)
        text = str(exc.value)
    missing = [f for f in make_cases.expected(spec, facts) if f not in text]
    assert not missing, f"message lacks {missing}:\n{text}"


RUNNER = """
import sys
from pathlib import Path
import pipeline.config as c
c.CONFIG_DIR = Path(sys.argv[1])
from pipeline.cli import main
sys.exit(main(sys.argv[2:]))
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case_id", [s["id"] for s in SPECS if s.get("cli")])
def test_cli_refuses_before_any_work(case_id: str, tmp_path: Path):
    """`sto run` (a fresh process running pipeline.cli.main with the patched configuration directory) exits 2
    in under 2 s, prints the located message, runs nothing and leaves the warehouse byte-identical."""
    spec = BY_ID[case_id]
    config_dir, _, facts = make_cases.build_case(spec, tmp_path / "cases")
    out = tmp_path / "out"
    out.mkdir()
    published = out / "sto.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    before = sha256(published)
    args = ["run", "--out", str(out)]
    if spec.get("places"):  # place names are refused on real data (the synthetic sample only notes them)
        if not REAL_ADDRESSES.exists():
            pytest.skip("../shared/data is not available")
        args += ["--mirror", str(DUO), "--mirror", str(GEO), "--offline", "--years", "2019"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STO_")}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(config_dir), *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    elapsed = time.monotonic() - t0
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text, text
    assert "refused before any work" in text and "published database unchanged" in text, text
    missing = [f for f in make_cases.expected(spec, facts) if f not in text.replace(str(config_dir), "pipeline/config")]
    assert not missing, f"message lacks {missing}:\n{text}"
    assert elapsed < 2.0, f"refusal took {elapsed:.2f}s"
    assert sha256(published) == before
    assert sorted(p.name for p in out.iterdir()) == ["sto.duckdb"], "something was written"


def test_definitions_load_fails_with_the_same_message(tmp_path: Path):
    """The Dagster definitions (what the UI loads) refuse the configuration with the message `sto run` prints."""
    spec = BY_ID["techniekarm_flag_typo"]
    config_dir, _, facts = make_cases.build_case(spec, tmp_path)
    code = (
        "import sys; from pathlib import Path; import pipeline.config as c; c.CONFIG_DIR = Path(sys.argv[1])\n"
        "try:\n    import pipeline.definitions\nexcept c.ConfigError as e:\n    print(e); sys.exit(7)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(config_dir)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 7, proc.stdout + proc.stderr[-2000:]
    for f in make_cases.expected(spec, facts):
        assert f in proc.stdout.replace(str(config_dir), "pipeline/config"), (f, proc.stdout)
