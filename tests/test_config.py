"""One config object: every file of pipeline/config/ and the source catalogue read and validated once, the
hash covering exactly that object, rules_hash keeping its meaning and value."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from assets.monitoring import inputs as monitoring
from assets.monitoring import targets
from assets.seor import inventory as seor
from pipeline import config as config_mod
from pipeline.config import CONFIG_FILES, Config, ConfigError, config_files, copy_config, default_config, load_config
from pipeline.paths import CONFIG_DIR, DOMAINS_DIR


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    return copy_config(tmp_path / "config")


def test_every_config_file_is_a_part():
    cfg = default_config()
    on_disk = [*CONFIG_DIR.glob("*.yaml"), *DOMAINS_DIR.glob("*/config/*.yaml")]
    assert set(cfg.parts()) == {p.stem for p in on_disk} | {"sources"}
    assert sorted(config_files().values()) == sorted(on_disk) and len(on_disk) == len(CONFIG_FILES)
    assert set(cfg.file_sha256) == set(cfg.parts())
    assert len(cfg.files) == len(cfg.parts())


def test_rules_hash_formula_unchanged():
    """rules_hash is stored per loaded peiljaar (audit.loaded_sources): for unchanged rules it must keep the
    value earlier code versions wrote, or every existing warehouse would be refused as stale. This is the
    formula those versions used."""
    cfg = default_config()
    blob = json.dumps(
        {"onderwijstypes": cfg.onderwijstypes, "profiles": cfg.profiles, "censored": cfg.pipeline["censored"]},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    assert cfg.rules_hash() == hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _changed(cfg: Config, part: str) -> Config:
    data = copy.deepcopy(getattr(cfg, part))
    data["_test_change"] = 1
    return dataclasses.replace(cfg, **{part: data})


@pytest.mark.parametrize("part", [*CONFIG_FILES, "sources"])
def test_hash_covers_every_part(part: str):
    cfg = default_config()
    changed = _changed(cfg, part)
    assert changed.hash() != cfg.hash()
    rules = part in ("onderwijstypes", "profiles")
    assert (changed.rules_hash() != cfg.rules_hash()) == rules


def test_rules_hash_follows_censored_treatment_only():
    cfg = default_config()
    pipeline = copy.deepcopy(cfg.pipeline)
    pipeline["reach"]["default_radius_km"] = 99
    assert dataclasses.replace(cfg, pipeline=pipeline).rules_hash() == cfg.rules_hash()
    pipeline["censored"]["point_value"] = 3
    assert dataclasses.replace(cfg, pipeline=pipeline).rules_hash() != cfg.rules_hash()


def test_load_config_from_another_directory(cfg_dir: Path):
    (cfg_dir / "seor.yaml").write_text(
        (cfg_dir / "seor.yaml").read_text(encoding="utf-8").replace("total_label:", "total_label: Elders #"),
        encoding="utf-8",
    )
    cfg = load_config(config_dir=cfg_dir)
    assert cfg.seor["total_label"] == "Elders"
    assert cfg.files[0] == cfg_dir / "pipeline.yaml"
    assert cfg.hash() != default_config().hash() and cfg.rules_hash() == default_config().rules_hash()


@pytest.mark.parametrize(
    "file, key",
    [("pipeline.yaml", "reach"), ("seor.yaml", "gaps"), ("monitoring.yaml", "catalog")],
)
def test_missing_key_names_file_and_key(cfg_dir: Path, file: str, key: str):
    path = cfg_dir / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data[key]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"missing key '{key}'") as exc:
        load_config(config_dir=cfg_dir)
    assert str(path) in str(exc.value)


def test_invalid_target_and_unexpected_file_are_refused(cfg_dir: Path):
    path = cfg_dir / "targets.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("statistic: n_locations_offering", "statistic: n_boys"), "utf-8"
    )
    with pytest.raises(ConfigError, match="statistic 'n_boys'"):
        load_config(config_dir=cfg_dir)
    shutil.copy(config_files()["targets"], path)
    (cfg_dir / "extra.yaml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unexpected configuration file\(s\) \['extra.yaml'\]"):
        load_config(config_dir=cfg_dir)
    (cfg_dir / "extra.yaml").unlink()
    (cfg_dir / "campuses.yaml").unlink()
    with pytest.raises(ConfigError, match="campuses.yaml: configuration file not found"):
        load_config(config_dir=cfg_dir)


def test_config_parsed_once_per_process(monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []
    real = yaml.load  # load_yaml parses with yaml.load and the duplicate-refusing safe loader

    def counting(stream, Loader):  # noqa: N803 - yaml's parameter name
        calls.append("parse")
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", counting)
    default_config.cache_clear()
    try:
        cfg = default_config()
        assert len(calls) == len(cfg.parts())
        # the thin accessors of code without a resource hand out parts of the same object, parsing nothing
        assert seor.load_seor_config() is cfg.seor
        assert monitoring.monitoring_config() is cfg.monitoring
        assert targets.targets_config() is cfg.targets
        assert default_config() is cfg
        assert len(calls) == len(cfg.parts())
    finally:
        default_config.cache_clear()


def test_config_dir_is_read_at_call_time(cfg_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Tests and the bad-input corpus point CONFIG_DIR at a copy and clear the cache."""
    monkeypatch.setattr(config_mod, "CONFIG_DIR", cfg_dir)
    default_config.cache_clear()
    try:
        assert default_config().files[0] == cfg_dir / "pipeline.yaml"
    finally:
        default_config.cache_clear()


def test_every_configuration_file_has_a_schema():
    """Every file of pipeline/config/ and the source catalogue is validated by a schema
    (pipeline/config_schema/validation.py SCHEMAS): a new file needs one."""
    from pipeline.config_schema import SCHEMAS

    assert set(SCHEMAS) == {*CONFIG_FILES, "sources"}


def test_schema_messages_are_located(cfg_dir: Path):
    """File, line, key path, the value found and the allowed values with a close one."""
    path = cfg_dir / "monitoring.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("profile_flag: sto_hard") == 1
    path.write_text(text.replace("profile_flag: sto_hard", "profile_flag: sto_hrad"), encoding="utf-8")
    line = next(i for i, x in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "sto_hrad" in x)
    with pytest.raises(ConfigError) as exc:
        load_config(config_dir=cfg_dir)
    msg = str(exc.value)
    assert f"{path} line {line}: techniekarm.profile_flag: unknown profile flag 'sto_hrad'" in msg
    assert "allowed (profiles.yaml flags): seor_hard, seor_some_techniek, sto_hard, techniekpact_techniek" in msg
    assert "did you mean 'sto_hard'" in msg


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's layout: pipeline/config/pipeline.yaml and assets/<domain>/config/*.yaml."""
    for path in config_files().values():
        rel = path.relative_to(CONFIG_DIR.parent.parent)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, tmp_path / rel)
    monkeypatch.setattr(config_mod, "PLATFORM_CONFIG_DIR", tmp_path / "pipeline" / "config")
    monkeypatch.setattr(config_mod, "DOMAINS_DIR", tmp_path / "assets")
    return tmp_path


def test_each_file_is_found_in_its_home_and_errors_name_it(homes: Path):
    files = config_files()
    assert files["pipeline"] == homes / "pipeline/config/pipeline.yaml"
    assert files["monitoring"] == homes / "assets/monitoring/config/monitoring.yaml"
    assert files["profiles"] == homes / "assets/duo_pupils/config/profiles.yaml"
    assert load_config().hash() == default_config().hash()
    bad = files["monitoring"]
    bad.write_text(bad.read_text(encoding="utf-8").replace("scopes: [national,", "scopes: [nation,"), "utf-8")
    with pytest.raises(ConfigError, match="unknown scope type") as exc:
        load_config()
    assert f"{bad} line " in str(exc.value)


def test_a_name_in_two_homes_or_an_unknown_file_is_refused(homes: Path):
    twin = homes / "assets/exams/config/monitoring.yaml"
    twin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(homes / "assets/monitoring/config/monitoring.yaml", twin)
    with pytest.raises(ConfigError, match="a second configuration file named monitoring.yaml"):
        config_files()
    twin.rename(twin.with_name("exam_rules.yaml"))
    with pytest.raises(ConfigError, match=r"exam_rules.yaml: unexpected configuration file; known:"):
        config_files()
    twin.with_name("exam_rules.yaml").unlink()
    (homes / "assets/locations/config/campuses.yaml").unlink()
    with pytest.raises(ConfigError, match=r"campuses.yaml: configuration file not found"):
        load_config()
