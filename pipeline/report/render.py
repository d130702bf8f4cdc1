"""What every report section shares: reading the warehouse, tables and charts as safe HTML.

Why: every text that reaches the page (cells, headers, titles, chart labels, legend names, hover text,
values from config) must be escaped, in one place, so a section cannot forget it. Tables are pandas
Stylers with cells AND headers escaped; chart texts pass through `esc` before plotly sees them (plotly
renders a subset of HTML in its texts and decodes entities, so an escaped `<script>` shows literally);
the page template autoescapes everything else (jinja2, autoescape on). The results are `markupsafe.Markup`
so the template does not escape them twice.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from pipeline import dictionary

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": "hover"}  # no toolbar over titles


def esc(value: Any) -> str:
    """Text for a plotly label or hover text: HTML-escaped (plotly shows the entities as the characters)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value))


def esc_all(values: Iterable[Any]) -> list[str]:
    return [esc(v) for v in values]


def df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """The result of a read-only query as a DataFrame."""
    return con.execute(sql, params or []).df()


def exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """True when `schema.table` is in the warehouse."""
    schema, name = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database()",
            [schema, name],
        ).fetchone()[0]
    )


def columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Column names of `schema.table` (empty when it does not exist)."""
    schema, name = table.split(".")
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database()",
            [schema, name],
        ).fetchall()
    }


def fig_html(fig: go.Figure, div_id: str, title: str | None = None) -> Markup:
    """A plotly figure as a <div> (plotly.js is inlined once in the page head); `title` is escaped here."""
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 60, "b": 50})
    if title is not None:
        fig.update_layout(title={"text": esc(title)})
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG))


def table(
    frame: pd.DataFrame,
    table_id: str,
    source_table: str | None = None,
    precision: int = 1,
    highlight: pd.Series | None = None,
    wide: Iterable[str] = (),
    row_classes: Iterable[str] | None = None,
) -> Markup:
    """A pandas Styler table, cells and headers escaped; `highlight` marks whole rows (bool per row) as
    not-ok, `row_classes` gives each row's cells a class of its own (e.g. "not-judged");
    `wide` columns (long texts) get the class `wide` (they wrap and take the room left). Column
    definitions from the data dictionary in a <details> under the table."""
    if frame.empty:
        return Markup('<p class="empty" id="{}">No rows in this warehouse.</p>').format(table_id)
    frame = frame.reset_index(drop=True)
    styler = frame.style.hide(axis="index").format(precision=precision, na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=1)
    styler = styler.set_table_attributes(f'id="{html.escape(table_id)}" class="data"')
    numeric = [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    wide = [c for c in wide if c in frame.columns]
    if numeric or wide or highlight is not None or row_classes is not None:
        flags = list(highlight.fillna(False).astype(bool)) if highlight is not None else [False] * len(frame)
        extra = list(row_classes) if row_classes is not None else [""] * len(frame)
        classes = pd.DataFrame(
            [
                [
                    " ".join(
                        x
                        for x in ("num" if c in numeric else "", "wide" if c in wide else "", "not-ok" if f else "", e)
                        if x
                    )
                    for c in frame.columns
                ]
                for f, e in zip(flags, extra, strict=True)
            ],
            index=frame.index,
            columns=frame.columns,
        )
        styler = styler.set_td_classes(classes)
    styler.cell_ids = False  # no per-cell ids (classes carry the styling): a smaller page
    # the Styler writes its own id="T_<uuid>" first; the table's id is ours (a second id would be ignored)
    out = Markup(styler.set_uuid("x").to_html().replace('<table id="T_x" ', "<table ", 1))
    if source_table:
        items = [
            Markup("<li><code>{}</code>: {}</li>").format(str(col), text)
            for col in frame.columns
            if (text := dictionary.column_text(source_table, str(col)))
        ]
        if items:
            out += Markup("<details><summary>Column definitions ({})</summary><ul>{}</ul></details>").format(
                source_table, Markup("").join(items)
            )
    return Markup(out)


def missing(message: str) -> Markup:
    """The placeholder of a part that is not in this warehouse."""
    return Markup('<p class="empty">{}</p>').format(message)


def yes_no(value: Any, yes: str = "yes", no: str = "no", none: str = "–") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return none
    return yes if bool(value) else no


@dataclass(frozen=True)
class Settings:
    """What every section may need besides the warehouse: the radii and the earth radius of pipeline.yaml,
    the code of the unknown region (monitoring.yaml `unknown_scope_code`) and the loaded years. Built from
    the configuration by `pipeline.report.build_report`; sections never re-derive these."""

    default_radius: float
    radii: tuple[float, ...]
    years: tuple[int, ...]
    unknown_scope_code: str
    earth_radius_km: float

    @property
    def one_year(self) -> bool:
        """One loaded peiljaar: charts are bars or tables (a line of one point says nothing)."""
        return len(self.years) <= 1


REGION_NOTE = (
    "A region (provincie, gemeente, COROP, RMC, onderwijsgebied) is where the school location is, "
    "not where the pupils live: DUO counts pupils per school location."
)
