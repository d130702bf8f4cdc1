"""Self-contained offline HTML report of the published warehouse: `<out>/report/index.html`.

Why: evaluators who do not query DuckDB still need the figures, drawn beside the published ones, with the
provenance that lets an auditor trace them. The page opens from disk with no server and no network:
plotly.js (shipped in the plotly wheel) is inlined once, charts are plotly figures, tables are pandas
Stylers, the page is the jinja2 template `templates/report.html.j2` with autoescape on, and every
section is a small module of `pipeline.report.sections` with its own template part. Every text that
reaches the page is escaped (see `pipeline.report.render`).

Input: a published warehouse (read-only). Output: one HTML file (a few MB, mostly plotly.js).
Raises FileNotFoundError when the warehouse does not exist.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import jinja2
import plotly.offline
from markupsafe import Markup

from pipeline.config import Config
from pipeline.report.render import Settings, exists
from pipeline.report.sections import SECTIONS

REPORT_DIR = "report"
TEMPLATES = Path(__file__).parent / "templates"


def environment() -> jinja2.Environment:
    """The report's jinja2 environment: templates from pipeline/report/templates, autoescape on, undefined
    names are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_section(con: duckdb.DuckDBPyConnection, module: ModuleType, settings: Settings) -> dict[str, Any]:
    """One section for the page: anchor, title, template and its values; a table the section reads that is
    not in this warehouse (a partial run) gives `missing` with the reason instead of an error."""
    out: dict[str, Any] = {"anchor": module.ANCHOR, "title": module.TITLE, "template": module.TEMPLATE}
    try:
        out["data"] = module.build(con, settings)
        out["missing"] = None
    except duckdb.CatalogException as exc:
        out["data"] = {}
        out["missing"] = f"Not in this warehouse (a partial run?): {str(exc).splitlines()[0]}"
    return out


def build_report(db_path: Path, out_dir: Path, cfg: Config | None = None) -> Path:
    """Render `out_dir/report/index.html` from the published warehouse `db_path`; return the file path.

    Written to a temporary name and renamed (readers never see half a file); mode 0644, directory 0755.
    `cfg` is the run's configuration (default: the repository's, loaded once at the edge).
    """
    if cfg is None:
        from pipeline.config import default_config

        cfg = default_config()
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `sto run` first")
    reach = cfg.pipeline["reach"]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        years = (
            tuple(r[0] for r in con.execute("SELECT DISTINCT peiljaar FROM core.duo_vo_students ORDER BY 1").fetchall())
            if exists(con, "core.duo_vo_students")
            else ()
        )
        settings = Settings(
            default_radius=float(reach["default_radius_km"]),
            radii=tuple(float(r) for r in reach["sensitivity_radii_km"]),
            years=years,
            unknown_scope_code=str(cfg.monitoring["unknown_scope_code"]),
            earth_radius_km=float(cfg.pipeline["geocoding"]["earth_radius_km"]),
        )
        sections = [build_section(con, m, settings) for m in SECTIONS]
    finally:
        con.close()
    run = next((s["data"].get("run") for s in sections if s["anchor"] == "provenance" and s["data"]), None)
    kind = (run or {}).get("source_mode") or "unknown"
    page = (
        environment()
        .get_template("report.html.j2")
        .render(
            plotly_js=Markup(plotly.offline.get_plotlyjs()),
            kind="sample" if kind == "sample" else "real",
            kind_label="bundled SYNTHETIC sample – not real figures" if kind == "sample" else f"{kind} DUO open data",
            years=", ".join(map(str, years)),
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            db_name=Path(db_path).name,
            default_radius=f"{settings.default_radius:g}",
            sections=sections,
        )
    )
    target_dir = Path(out_dir) / REPORT_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(target_dir, 0o755)
    target = target_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
