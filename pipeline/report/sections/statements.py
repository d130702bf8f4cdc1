"""What the programme documents state about the present, and what they forecast, against our figures.

Statements (marts.programme_statements): per statement the variant of our definition that comes closest
first (what, where, published, ours, difference, why), the other variants in an expandable part.
Forecasts (marts.programme_forecasts): realised against expected for every loaded peiljaar. Either mart
may be absent from an older warehouse: the part says so.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipeline.report.render import Settings, df, exists, missing, table

ANCHOR = "statements"
TITLE = "Programme statements and forecasts, reconciled with our figures"
TEMPLATE = "sections/statements.html.j2"


def _num(v: Any, unit: Any) -> str:
    if v is None or pd.isna(v):
        return "–"
    u = "" if unit is None or pd.isna(unit) else str(unit)
    return f"{v:.1f}%" if u in ("pct", "percent") else f"{v:,.1f} {u}".strip()


def _statements(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    s = df(
        con,
        "SELECT * FROM marts.programme_statements ORDER BY programme, statement_id, NOT is_closest, abs(difference) NULLS LAST, variant_id",
    )
    if s.empty:
        return {"table": table(s, "programme-statements"), "variants": [], "n": 0}
    s = s.assign(
        published=[_num(v, u) for v, u in zip(s["published_value"], s["unit"], strict=True)],
        ours=[_num(v, u) for v, u in zip(s["our_value"], s["unit"], strict=True)],
        diff=[
            _num(v, "points" if u in ("pct", "percent") else u) for v, u in zip(s["difference"], s["unit"], strict=True)
        ],
    )
    closest = s[s["is_closest"].fillna(False).astype(bool)].drop_duplicates("statement_id")
    # a statement without a computable variant still gets its row (the first of its variants)
    rest = s[~s["statement_id"].isin(closest["statement_id"])].drop_duplicates("statement_id")
    first = pd.concat([closest, rest]).sort_values(["programme", "statement_id"])
    main = pd.DataFrame(
        {
            "statement": first["quote"],
            "where": first["scope_name"],
            "programme": first["programme"],
            "published": first["published"],
            "ours (closest definition)": first["ours"],
            "peiljaar": first["peiljaar"].astype("Int64"),
            "difference": first["diff"],
            "closest definition and why": [
                " — ".join(x for x in (d, e) if isinstance(x, str) and x)
                for d, e in zip(first["variant_definition"], first["explanation"], strict=True)
            ],
        }
    )
    variants = []
    for sid, g in s.groupby("statement_id", sort=False):
        others = g[~g.index.isin(first.index)]
        if others.empty:
            continue
        variants.append(
            {
                "statement_id": sid,
                "quote": g["quote"].iloc[0],
                "document": f"{g['document'].iloc[0]}, {g['section'].iloc[0]}",
                "html": table(
                    others[["variant_id", "variant_definition", "peiljaar", "ours", "diff", "explanation"]].rename(
                        columns={"diff": "difference"}
                    ),
                    f"statement-variants-{sid}",
                    "marts.programme_statements",
                    wide=["variant_definition", "explanation"],
                ),
            }
        )
    return {
        "table": table(
            main,
            "programme-statements",
            "marts.programme_statements",
            wide=["statement", "closest definition and why"],
        ),
        "variants": variants,
        "n": int(first.shape[0]),
    }


def _forecasts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    f = df(con, "SELECT * FROM marts.programme_forecasts ORDER BY programme, forecast_id, peiljaar")
    if f.empty:
        return {"table": table(f, "programme-forecasts"), "n": 0}
    main = pd.DataFrame(
        {
            "forecast": f["quote"],
            "where": f["scope_name"],
            "from → to": [
                f"{int(a)} → {int(b)}" if not (pd.isna(a) or pd.isna(b)) else "–"
                for a, b in zip(f["base_peiljaar"], f["horizon_peiljaar"], strict=True)
            ],
            "expected change by the horizon": [_num(v, "pct") for v in f["expected_change_pct"]],
            "peiljaar": f["peiljaar"].astype("Int64"),
            "realised change": [_num(v, "pct") for v in f["realised_change_pct"]],
            "expected by this peiljaar": [_num(v, "pct") for v in f["expected_change_pct_at_peiljaar"]],
            "difference (points)": f["difference"],
            "why": f["explanation"],
        }
    )
    return {
        "table": table(main, "programme-forecasts", "marts.programme_forecasts", wide=["forecast", "why"]),
        "n": int(f["forecast_id"].nunique()),
    }


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    absent = "not in this warehouse (built before statements and forecasts were separated from targets)"
    return {
        "statements": _statements(con)
        if exists(con, "marts.programme_statements")
        else {"table": missing(f"marts.programme_statements is {absent}."), "variants": [], "n": 0},
        "forecasts": _forecasts(con)
        if exists(con, "marts.programme_forecasts")
        else {"table": missing(f"marts.programme_forecasts is {absent}."), "n": 0},
    }
