"""The report's sections, one small module each, in page order.

Each module has ANCHOR (the id of its <section>), TITLE (its heading), TEMPLATE (its jinja2 part under
pipeline/report/templates/sections/) and `build(con, settings) -> dict` (the values its part shows, read
from the published warehouse only). A section whose tables are absent (a partial `sto run --select`) is
shown as "not in this warehouse" by the page, never as an error.
"""

from pipeline.report.sections import (
    coverage,
    geomap,
    legend,
    provenance,
    reconciliation,
    seor,
    statements,
    supply,
    targets,
    techniekarm,
    trends,
)

SECTIONS = [
    legend,
    trends,
    techniekarm,
    targets,
    statements,
    reconciliation,
    supply,
    seor,
    coverage,
    geomap,
    provenance,
]
