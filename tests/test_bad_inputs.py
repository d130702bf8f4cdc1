"""Bad-input corpus: every damaged source is refused loudly and the published database is never touched.

The cases are specified in tests/bad_inputs/cases.yaml and built by tests/bad_inputs/make_cases.py into a
temporary directory (one mirror per case: the bundled sample with ONE file damaged). For each case

* `test_cli_publish_guarantee`: `sto run --mirror CASE --offline --select ...` into an output directory that
  holds a good published database (copied from the `sample_out` run): exit code non-zero (0 for positive
  controls), the published file byte-identical (sha256), no staging file left;
* `test_cli_message`: stdout + stderr contain every expected fragment (file, row, column, expectation, finding);
* `test_parser` (parser-level cases): the parser itself raises InputError with the same fragments.

Known gaps are xfail(strict=True) with the reason from cases.yaml (`xfail`, `xfail_message`, `gap`); the
proposed pipeline changes are listed in the corpus report. STO_BAD_INPUTS_CLI=subset runs only the
non-parser cases plus every third parser case through the CLI (faster); the default runs all of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

import pipeline.config as pconfig
from pipeline import db
from pipeline.csvread import InputError
from tests.bad_inputs import make_cases
from tests.conftest import FULL_TIER, query, run_sto

SPECS = make_cases.load_specs()
BY_ID = {s["id"]: s for s in SPECS}
CLI_MODE = os.environ.get("STO_BAD_INPUTS_CLI") or ("all" if FULL_TIER else "subset")


def _cli_ids() -> list[str]:
    if CLI_MODE != "subset":
        return [s["id"] for s in SPECS]
    parser_ids = [s["id"] for s in SPECS if s.get("level") == "parser"]
    keep = set(parser_ids[::3]) | {s["id"] for s in SPECS if s.get("level") != "parser" or s.get("gap")}
    return [s["id"] for s in SPECS if s["id"] in keep]


def _param(case_id: str, reason: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=" ".join(reason.split()))] if reason else []
    return pytest.param(case_id, id=case_id, marks=marks)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All case directories, built once per session from the bundled sample."""
    root = tmp_path_factory.mktemp("bad_inputs")
    make_cases.build_all(root)
    return root


def load_case(corpus: Path, case_id: str) -> dict[str, Any]:
    return yaml.safe_load((corpus / case_id / "case.yaml").read_text(encoding="utf-8"))


@contextlib.contextmanager
def case_settings(case: dict[str, Any], case_dir: Path) -> Iterator[None]:
    """Environment (STO_INVENTORY, ...) and configuration directory of a case, restored afterwards.

    The CLI has no --config option: configuration cases point pipeline.config.CONFIG_DIR at the case's copy
    and clear the cached default_config (proposal in the report: `sto run --config DIR` / STO_CONFIG_DIR).
    """
    env = {k: str(v).format(case_dir=case_dir) for k, v in (case.get("env") or {}).items()}
    saved_env = {k: os.environ.get(k) for k in env}
    saved_cfg = pconfig.CONFIG_DIR
    os.environ.update(env)
    if case.get("config_dir"):
        pconfig.CONFIG_DIR = case_dir / case["config_dir"]
        pconfig.default_config.cache_clear()
    try:
        yield
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if case.get("config_dir"):
            pconfig.CONFIG_DIR = saved_cfg
            pconfig.default_config.cache_clear()


_RESULTS: dict[str, dict[str, Any]] = {}


def run_case(case_id: str, corpus: Path, good_db: Path, tmp_root: Path) -> dict[str, Any]:
    """Run `sto run` on one case into a copy of the good published database (once per session)."""
    if case_id in _RESULTS:
        return _RESULTS[case_id]
    case_dir = corpus / case_id
    case = load_case(corpus, case_id)
    out = tmp_root / case_id
    out.mkdir(parents=True)
    published = out / "sto.duckdb"
    shutil.copyfile(good_db, published)
    before = sha256(published)
    args = ["--mirror", str(case_dir), "--offline", "--no-export", "--select", *case["select"]]
    if case.get("years"):
        args += ["--years", *(str(y) for y in case["years"])]
    stdout, stderr = io.StringIO(), io.StringIO()
    with case_settings(case, case_dir), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            rc: int | str = run_sto(out, *args)
        except SystemExit as exc:  # argument errors exit like the real command
            rc = exc.code if isinstance(exc.code, int) else 2
            stderr.write(f"{exc}\n")
        except Exception as exc:  # an uncaught crash: python would exit 1 with the traceback
            rc = f"crash: {type(exc).__name__}: {exc}"
    staging = out / ".staging"
    _RESULTS[case_id] = {
        "case": case,
        "case_dir": case_dir,
        "rc": rc,
        "text": stdout.getvalue() + stderr.getvalue(),
        "before": before,
        "after": sha256(published) if published.exists() else None,
        "leftovers": sorted(p.name for p in staging.iterdir()) if staging.exists() else [],
        "wal": Path(str(published) + ".wal").exists(),
        "published": published,
    }
    return _RESULTS[case_id]


@pytest.fixture(scope="session")
def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_input_runs")


@pytest.fixture(scope="session")
def good_db(sample_out: Path) -> Path:
    return sample_out / "sto.duckdb"


def lacking(fragments: list[str | list[str]], text: str) -> list[str | list[str]]:
    """Fragments not found in `text`; a list of fragments is satisfied by any one of them."""
    return [f for f in fragments if not any(a in text for a in (f if isinstance(f, list) else [f]))]


def table_hash(path: Path, table: str, where: str = "") -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.content_hash(con, table, where)
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- corpus


def test_corpus_spec_is_complete():
    """≥ 30 cases, every source represented, every case with a selection, expectation and description."""
    assert len(SPECS) >= 30
    sources = {s["source"] for s in SPECS}
    assert {
        "duo_vo_students",
        "duo_vo_locations",
        "geonames_pc6",
        "geonames_pc4",
        "school_points",
        "geocode_overrides",
        "duo_vo_exams_2014_2019",
        "duo_vo_exams_2019_2024",
        "seor_inventory",
        "campuses",
    } <= sources
    for s in SPECS:
        assert s.get("select") and s.get("damage") and s.get("expect"), s["id"]
        assert s["expect"]["exit"] in (0, "nonzero"), s["id"]
        assert s.get("level") in ("parser", "fetch", "check", "config", "positive"), s["id"]
        if s.get("level") == "parser":
            assert s.get("parser") in PARSERS, s["id"]
        if s.get("xfail") or s.get("xfail_message"):
            assert s.get("gap") in ("parser", "check", "warning", "silent"), s["id"]
    assert sum(s["expect"]["exit"] == 0 for s in SPECS) >= 3  # positive controls


def test_each_case_damages_one_input(corpus: Path):
    """A case directory differs from the sample in exactly one input file (configuration patches aside)."""
    sample = {p.name: p.read_bytes() for p in make_cases.SAMPLE_DIR.iterdir() if p.is_file()}
    for s in SPECS:
        d = corpus / s["id"]
        files = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file() and p.name != "case.yaml"}
        changed = {n for n in sample if files.get(n) != sample[n]} | (set(files) - set(sample))
        patched = set()
        if (d / "config").exists():
            patched = {
                p.name
                for p in (d / "config").iterdir()
                if p.read_bytes() != make_cases.CONFIG_FILES[p.stem].read_bytes()
            }
        if s.get("base", "sample") == "config":
            assert not changed and patched == {s["file"]}, (s["id"], changed, patched)
        else:
            # old name gone, new name present: a rename, or a save as .xlsx under another name
            steps = s.get("damage_steps") or [s["transform"]]
            renamed = any(
                st["name"] == "rename" or (st["name"] == "to_xlsx" and st.get("rename_to") != s["file"]) for st in steps
            )
            assert len(changed) == (2 if renamed else 1), (s["id"], changed)
            assert patched == ({s["config_patch"]["file"]} if s.get("config_patch") else set()), s["id"]


def test_corpus_is_deterministic(corpus: Path, tmp_path: Path):
    """Rebuilding gives byte-identical case directories."""
    some = [s["id"] for s in SPECS][::5]
    make_cases.build_all(tmp_path, only=some)
    for cid in some:
        a = sorted(p.relative_to(corpus / cid) for p in (corpus / cid).rglob("*") if p.is_file())
        b = sorted(p.relative_to(tmp_path / cid) for p in (tmp_path / cid).rglob("*") if p.is_file())
        assert a == b, cid
        for rel in a:
            assert (corpus / cid / rel).read_bytes() == (tmp_path / cid / rel).read_bytes(), (cid, rel)


# ---------------------------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("case_id", [_param(i, BY_ID[i].get("xfail")) for i in _cli_ids()])
def test_cli_publish_guarantee(case_id: str, corpus: Path, good_db: Path, run_root: Path):
    r = run_case(case_id, corpus, good_db, run_root)
    case = r["case"]
    assert not r["leftovers"] and not r["wal"], f"staging files left behind: {r['leftovers']}"
    if case["expect"]["exit"] == 0:
        assert r["rc"] == 0, r["text"][-3000:]
        for table, where in case["expect"].get("same_tables") or []:
            assert table_hash(r["published"], table, where) == table_hash(good_db, table, where), table
        for sql, rows in case["expect"].get("sql") or []:
            assert query(r["published"], sql) == [tuple(x) for x in rows], sql
        return
    assert r["rc"] not in (0, None), f"bad input accepted (exit {r['rc']}):\n{r['text'][-3000:]}"
    assert isinstance(r["rc"], int), f"uncontrolled crash instead of an error report: {r['rc']}"
    assert r["after"] == r["before"], "published database changed"
    assert "published database unchanged" in r["text"]
    if case_id == "school_points_zip_slip":  # nothing was written outside the case directory
        assert not list(r["case_dir"].parent.parent.rglob("evil.json"))


@pytest.mark.parametrize(
    "case_id",
    [
        _param(i, BY_ID[i].get("xfail") or BY_ID[i].get("xfail_message"))
        for i in _cli_ids()
        if BY_ID[i]["expect"].get("messages")
    ],
)
def test_cli_message(case_id: str, corpus: Path, good_db: Path, run_root: Path):
    r = run_case(case_id, corpus, good_db, run_root)
    missing = lacking(r["case"]["expect"]["messages"], r["text"])
    assert not missing, f"message lacks {missing}; printed:\n{r['text'][-3000:]}"


# ---------------------------------------------------------------------------------------------- parsers


def _inventory(path: Path, case: dict) -> Any:
    from assets.seor import inventory as seor

    cfg = seor.load_seor_config()
    _, mapping_path = seor.inventory_paths(cfg)
    return seor.read_inventory(seor.load_mapping(mapping_path, path), cfg)


def _parsers() -> dict[str, Any]:
    from assets.duo_pupils import parser as duo
    from assets.exams import parser as exams
    from assets.locations import geo

    return {
        "pupils": lambda p, c: duo.parse_pupils(p, c["years"][0]),
        "addresses": lambda p, c: duo.parse_addresses(p),
        "geonames_pc6": lambda p, c: geo.parse_geonames(p, "NL_full.txt", "pc6"),
        "geonames_pc4": lambda p, c: geo.parse_geonames(p, "NL.txt", "pc4"),
        "school_points": lambda p, c: geo.parse_school_points(p),
        "overrides": lambda p, c: geo.parse_overrides(p),
        "exams": lambda p, c: exams.parse_exams(p, exams.range_from_name(str(p))),
        "inventory": _inventory,
    }


PARSERS = _parsers()
PARSER_CASES = [s for s in SPECS if s.get("level") == "parser"]


@pytest.mark.parametrize(
    "case_id", [_param(s["id"], s.get("xfail_message") if s.get("gap") == "parser" else None) for s in PARSER_CASES]
)
def test_parser(case_id: str, corpus: Path, monkeypatch: pytest.MonkeyPatch):
    case = load_case(corpus, case_id)
    monkeypatch.delenv("STO_INVENTORY", raising=False)
    path = corpus / case_id / case["file"]
    with pytest.raises(InputError) as exc:
        PARSERS[case["parser"]](path, case)
    missing = lacking(case["expect"]["messages"], str(exc.value))
    assert not missing, f"message lacks {missing}: {exc.value}"


def _editor_lines(path: Path) -> list[str]:
    """The file's lines as a text editor numbers them (CRLF, LF or CR each end one line)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def test_reported_rows_are_editor_lines(corpus: Path):
    """For every case that wrote a value into a located row, that row (as an editor or spreadsheet numbers
    it, header = 1) holds the value: the row the messages must name is the one a person would look at."""
    checked = 0
    for s in SPECS:
        case = load_case(corpus, s["id"])
        path = corpus / s["id"] / (case.get("file") or "")
        if case["level"] == "positive" or not case.get("row") or not case.get("found") or not path.is_file():
            continue
        if case.get("config_dir"):
            continue
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            row = next(wb.worksheets[0].iter_rows(min_row=case["row"], max_row=case["row"], values_only=True))
            wb.close()
            line = "\t".join("" if v is None else str(v) for v in row)
        elif path.suffix in (".csv", ".txt"):
            line = _editor_lines(path)[case["row"] - 1]
        else:
            continue
        assert str(case["found"]) in line, (s["id"], case["row"], line[:200])
        checked += 1
    assert checked >= 10
