"""Our figures against the published ones: the not-ok rows first, each with its explanation in view.

Columns a reader needs come first (what, where, peiljaar, ours, published, ok, why); source, delta,
tolerance and figure ids are in an expandable part. Figures we do not compare (year not loaded, not
computable) are listed with the reason, also expandable.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipeline.report.render import Settings, df, table

ANCHOR = "published-figures"
TITLE = "Reconciliation with the published figures"
TEMPLATE = "sections/reconciliation.html.j2"


def explain(row: pd.Series) -> str:
    """The row's explanation: why not compared, or by how much and why it is not ok ("" when ok)."""
    note = row["note"] if isinstance(row["note"], str) else ""
    if pd.isna(row["ok"]):
        return "not compared: " + (note or "no figure of ours")
    if bool(row["ok"]):
        return note
    parts = [
        f"ours {row['ours']:.2f} vs published {row['published']:.2f}: |delta| {abs(row['delta']):.2f} "
        f"exceeds the tolerance {row['tolerance']:.2f} ({row['unit']})."
    ]
    if not pd.isna(row.get("known_source_inconsistency")) and bool(row.get("known_source_inconsistency")):
        parts.append("Known inconsistency within the publication itself.")
    if note:
        parts.append(note)
    return " ".join(parts)


def _what(rec: pd.DataFrame) -> list[str]:
    out = []
    for tid, ind, rl, cl in zip(rec["table_id"], rec["indicator"], rec["row_label"], rec["column_label"], strict=True):
        if isinstance(rl, str) and rl:
            out.append(f"{tid}: {rl}" + (f" / {cl}" if isinstance(cl, str) and cl else ""))
        else:
            out.append(str(ind))
    return out


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    rec = df(
        con,
        "SELECT source, coalesce(table_id, '') AS table_id, indicator, row_label, column_label, peiljaar, scope, "
        "ours, published, delta, tolerance, ok, unit, known_source_inconsistency, figure_id, note "
        "FROM marts.reconciliation ORDER BY ok NULLS FIRST, source, table_id, indicator, peiljaar",
    )
    rec["explanation"] = rec.apply(explain, axis=1) if not rec.empty else pd.Series(dtype="string")
    rec["what"] = _what(rec) if not rec.empty else pd.Series(dtype="string")
    compared = rec[rec["ok"].notna()].reset_index(drop=True)
    summary = (
        rec.assign(
            compared=rec["ok"].notna(),
            ok_=rec["ok"].fillna(False).astype(bool),
            notok=rec["ok"].eq(False).fillna(False),
        )
        .groupby("source")
        .agg(figures=("indicator", "size"), compared=("compared", "sum"), ok=("ok_", "sum"), not_ok=("notok", "sum"))
        .reset_index()
    )
    main = pd.DataFrame(
        {
            "what": compared["what"],
            "where": compared["scope"],
            "peiljaar": compared["peiljaar"].astype("Int64"),
            "ours": compared["ours"],
            "published": compared["published"],
            "ok": compared["ok"].map({True: "ok", False: "NOT OK"}),
            "why": compared["explanation"],
        }
    )
    detail = compared[
        ["source", "table_id", "indicator", "peiljaar", "scope", "delta", "tolerance", "unit", "figure_id"]
    ]
    absent = rec[rec["ok"].isna()]
    bad = compared["ok"].eq(False)
    return {
        "summary": table(summary, "reconciliation-summary", None, precision=0),
        # the answer first: the figures that are not within tolerance, each with its explanation
        "table": table(
            main[bad.to_numpy()],
            "reconciliation",
            "marts.reconciliation",
            precision=2,
            highlight=pd.Series([True] * int(bad.sum())),
            wide=["why", "what"],
        ),
        "ok_table": table(main[~bad.to_numpy()], "reconciliation-ok", None, precision=2, wide=["why", "what"]),
        "detail": table(detail, "reconciliation-detail", "marts.reconciliation", precision=2),
        "n_not_ok": int(bad.sum()),
        "n_ok": int((~bad).sum()),
        "n_compared": int(len(compared)),
        "not_compared": table(
            absent[["source", "what", "peiljaar", "scope", "published", "unit", "explanation"]],
            "reconciliation-not-compared",
            "marts.reconciliation",
            wide=["explanation", "what"],
        ),
    }
