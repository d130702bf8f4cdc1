"""Open the offline report in headless Debian Chromium (selenium + /usr/bin/chromedriver): checks and screenshot.

Why: the report must render from file:// with no network; only a real browser proves that the inlined
plotly.js draws every chart and the map. Used by tests/test_report.py and scripts/report_screenshot.py.
Needs the dev dependency selenium and the Debian packages chromium and chromium-driver (never a
browser download). `available()` says why it cannot run.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# Count of drawn plotly charts, plotly data points / lines per chart, and every resource the page loaded.
PROBE_JS = """
const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
return {
  charts: charts.map(c => ({id: c.id, svg: c.querySelectorAll('svg.main-svg').length,
                            points: c.querySelectorAll('.scatterlayer path.point, .barlayer path, .funnellayer path').length,
                            lines: c.querySelectorAll('.scatterlayer path.js-line').length,
                            traces: (c.data || []).length})),
  resources: performance.getEntriesByType('resource').map(r => r.name),
  height: document.documentElement.scrollHeight,
  plotly: typeof Plotly !== 'undefined' ? Plotly.version : null,
  filled: charts.map(c => ({id: c.id, traces: (c.data || []).filter(t => t.fill === 'toself').length,
                            fills: c.querySelectorAll('.scatterlayer path.js-fill').length})),
  injected: window.__sto_injected || null,
  body_text: document.body ? document.body.innerText : '',
  svg_text: Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join(String.fromCharCode(10)),
  viewport: window.innerWidth,
  scroll_width: document.documentElement.scrollWidth,
  // elements whose right edge lies beyond the viewport (outside a horizontally scrolling box)
  too_wide: Array.from(document.querySelectorAll('table, .js-plotly-plot, ul, p, h2, h3'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll, details:not([open])'))
    .map(e => (e.id || e.tagName) + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 20),
};
"""

# Where each header cell of the named tables ends (px from the viewport's left edge), per table id.
LAYOUT_JS = """
const out = {};
for (const id of arguments[0]) {
  const t = document.getElementById(id);
  if (!t) { out[id] = null; continue; }
  const heads = Array.from(t.querySelectorAll('thead th'));
  out[id] = {table_right: t.getBoundingClientRect().right,
             columns: Object.fromEntries(heads.map(h => [h.textContent.trim(), h.getBoundingClientRect().right])),
             rows_not_ok: Array.from(t.querySelectorAll('tbody tr')).filter(r => r.querySelector('td.not-ok'))
               .map(r => Array.from(r.querySelectorAll('td')).map(c => ({text: c.textContent.trim(),
                      right: c.getBoundingClientRect().right, width: c.getBoundingClientRect().width})))};
}
return out;
"""


@dataclass
class PageCheck:
    """What the browser saw: console errors, charts (id, svg, points, lines, traces), loaded resources."""

    console_errors: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    plotly_version: str | None = None
    screenshot: Path | None = None
    filled: list[dict[str, Any]] = field(default_factory=list)  # per chart: fill="toself" traces, drawn fills
    injected: Any = None  # window.__sto_injected: set only if a script from the data ran
    body_text: str = ""  # document.body.innerText (what a reader sees, entities decoded)
    svg_text: str = ""  # the text of every chart (titles, ticks, legend, labels)
    viewport: int = 0  # window.innerWidth
    scroll_width: int = 0  # document width: > viewport means a horizontal scroll bar
    too_wide: list[str] = field(default_factory=list)  # elements reaching beyond the viewport (id or tag: right)
    layout: dict[str, Any] = field(default_factory=dict)  # LAYOUT_JS per table id
    section_shots: dict[str, Path] = field(default_factory=dict)


def available() -> str | None:
    """None when the browser check can run, else the reason it cannot."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Debian chromium / chromium-driver not installed (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (dev dependency)"
    return None


def check_page(
    html_file: Path,
    screenshot: Path | None = None,
    width: int = 1280,
    height: int = 2200,
    tables: list[str] | None = None,
    sections: dict[str, Path] | None = None,
) -> PageCheck:
    """Load `html_file` from file:// in headless Chromium, wait for the charts, collect what it saw.

    Screenshot (PNG, `width` × `height` px of the page top) when `screenshot` is given; with `tables`, where
    each header cell of those tables ends (`layout`); with `sections` ({element id: png}), a viewport
    screenshot scrolled to each element. Raises RuntimeError when Chromium cannot run (see `available()`).
    """
    reason = available()
    if reason:
        raise RuntimeError(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="sto-chromium-"))
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    try:
        driver.set_page_load_timeout(120)
        driver.get(Path(html_file).resolve().as_uri())
        deadline = time.monotonic() + 60
        probe: dict[str, Any] = driver.execute_script(PROBE_JS)
        while time.monotonic() < deadline and not all(c["svg"] for c in probe["charts"]):
            time.sleep(0.5)
            probe = driver.execute_script(PROBE_JS)
        result = PageCheck(
            console_errors=[e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"],
            charts=probe["charts"],
            resources=probe["resources"],
            plotly_version=probe["plotly"],
            filled=probe["filled"],
            injected=probe["injected"],
            body_text=probe["body_text"],
            svg_text=probe["svg_text"],
            viewport=probe["viewport"],
            scroll_width=probe["scroll_width"],
            too_wide=probe["too_wide"],
            layout=driver.execute_script(LAYOUT_JS, tables or []),
        )
        if screenshot is not None:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(screenshot))
            result.screenshot = Path(screenshot)
        for element_id, png in (sections or {}).items():
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", element_id)
            time.sleep(0.3)
            Path(png).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
            result.section_shots[element_id] = Path(png)
        return result
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
