"""The offline HTML report: written by `sto run`, self-contained, rendered by a real headless Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import browser
from tests.conftest import query

CHARTS = {
    "chart-national-trend",
    "chart-regional-trend",
    "chart-supply",
    "chart-funnel",
    "chart-offer",
    "chart-targets",
    "campus-map",
}


class _Tables(HTMLParser):
    """Text of every cell of every <table id=...> (stdlib parser; no lxml needed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._id: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._id = dict(attrs).get("id")
            if self._id:
                self.tables[self._id] = []
        elif tag == "tr" and self._id:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._id:
            self.tables[self._id].append(self._row)
            self._row = None
        elif tag == "table":
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(page: Path) -> dict[str, list[dict[str, str]]]:
    """{table id: [ {header: cell} ]} of the report's tables."""
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    out = {}
    for tid, rows in parser.tables.items():
        head, *body = rows
        out[tid] = [dict(zip(head, r, strict=False)) for r in body]
    return out


def test_sto_run_writes_self_contained_report(sample_out: Path):
    page = sample_out / "report" / "index.html"
    assert page.exists()
    text = page.read_text(encoding="utf-8")
    # nothing loaded from elsewhere: no external src/href in the markup (outside the inlined plotly.js,
    # whose strings name plot.ly; the browser test checks that nothing is fetched), no <link>/<script src>
    markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.DOTALL)
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup)
    assert not re.findall(r"<script[^>]*\ssrc=", text) and "<link" not in markup
    assert "Plotly" in text and 'id="campus-map"' in text
    for chart in CHARTS:
        assert f'id="{chart}"' in text, chart
    # provenance footer: config hash, code version, sha256 of every input, data kind
    run = query(sample_out / "sto.duckdb", "SELECT config_hash, code_version, source_mode FROM audit.provenance")[-1]
    assert run[0] in text and run[1] in text and "SYNTHETIC" in text
    shas = {r[0] for r in query(sample_out / "sto.duckdb", "SELECT DISTINCT sha256 FROM audit.source_files")}
    cells = {c for row in tables_of(page)["source-files"] for c in row.values()}
    assert shas and shas <= cells
    # reconciliation: every not-ok row highlighted and explained
    rec = tables_of(page)["reconciliation"]
    not_ok = [r for r in rec if r["ok"] == "False"]
    n_db = query(sample_out / "sto.duckdb", "SELECT count(*) FROM marts.reconciliation WHERE NOT ok")[0][0]
    assert len(not_ok) == n_db and all("exceeds the tolerance" in r["explanation"] for r in not_ok)
    first_cells = re.findall(r'<td[^>]*class="[^"]*\bcol0\b[^"]*\bnot-ok\b[^"]*"', text)
    assert len(first_cells) == n_db
    # programme targets section
    targets = tables_of(page)["programme-targets-open"]
    assert any("mbo diplomas" in r["reason"] for r in targets)  # migration background is a statement now (#16)


def test_sto_report_command(sample_out: Path, tmp_path: Path):
    from pipeline.cli import main

    assert main(["report", "--out", str(tmp_path)]) == 2  # no published database there
    assert main(["report", "--out", str(sample_out)]) == 0
    assert (sample_out / "report" / "index.html").stat().st_mode & 0o777 == 0o644


def test_report_renders_in_headless_chromium(sample_out: Path):
    """Loads from file:// with no network and no console error; every chart and the map are drawn."""
    reason = browser.available()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    shot = sample_out / "report" / "screenshot.png"
    seen = browser.check_page(sample_out / "report" / "index.html", shot)
    assert seen.console_errors == []
    assert [r for r in seen.resources if not r.startswith(("file:", "data:", "blob:"))] == []
    assert seen.plotly_version
    charts = {c["id"]: c for c in seen.charts}
    assert set(charts) == CHARTS
    for cid, c in charts.items():
        assert c["svg"] >= 1 and c["points"] + c["lines"] > 0, cid
    n_campuses = query(sample_out / "sto.duckdb", "SELECT count(*) FROM core.campuses WHERE lat IS NOT NULL")[0][0]
    assert charts["campus-map"]["lines"] >= 3 * n_campuses  # one circle per campus and radius
    assert charts["campus-map"]["points"] > n_campuses  # campuses and school locations
    assert shot.exists() and shot.stat().st_size > 10_000


@pytest.mark.realdata
def test_report_numbers_match_marts_real_2019(real_out: Path):
    """The HTML's table 5.1 and national shares equal the marts (to the printed decimal) on real 2019 data."""
    page = real_out / "report" / "index.html"
    tables = tables_of(page)
    db = real_out / "sto.duckdb"
    t51 = {r["campus_code"]: r for r in tables["tabel-5-1"]}
    rows = query(
        db,
        "SELECT campus_code, measure, pct FROM marts.profile_supply_campus "
        "WHERE peiljaar = 2019 AND radius_km = 10 AND measure_kind = 'flag'",
    )
    assert len(rows) == 2 * len(t51) and len(t51) == 8
    for campus, measure, pct in rows:
        shown = t51[campus][measure]
        assert shown == ("–" if pct is None else f"{pct:.1f}"), (campus, measure)
    nat = {r["indicator"]: r for r in tables["national-shares"]}
    for indicator, pct in query(
        db, "SELECT indicator, pct FROM marts.techniek_share WHERE scope_type = 'national' AND peiljaar = 2019"
    ):
        assert nat[indicator]["2019"] == f"{pct:.1f}", indicator
    # the published 2019 vmbo B/K/G figure is drawn beside ours
    assert "vmbo_bkg_lj3_techniek (published)" in page.read_text(encoding="utf-8")


def test_report_of_a_partial_warehouse(tmp_path: Path):
    """After `sto run --select ...` the warehouse lacks marts: the report says so instead of failing."""
    import duckdb

    from pipeline.report import build_report

    con = duckdb.connect(str(tmp_path / "sto.duckdb"))
    con.execute("CREATE SCHEMA core; CREATE SCHEMA marts; CREATE SCHEMA audit")
    con.close()
    page = build_report(tmp_path / "sto.duckdb", tmp_path)
    text = page.read_text(encoding="utf-8")
    assert text.count("Not in this warehouse") >= 5
    with pytest.raises(FileNotFoundError):
        build_report(tmp_path / "missing.duckdb", tmp_path)
