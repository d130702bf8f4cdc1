"""DUO exam candidates and passes (both published layouts): the assets.

raw_duo_vo_exams (pipeline/exams.py), mart_exam_results (sql/mart_exam_results.sql) and
mart_exam_national_series (sql/mart_exam_national_series.sql).
Their checks are declared as data in assets/exams/checks.py and run inside each asset's step."""

from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from assets.common import MARTS, RAW, mart_result, md_table, shared_params
from assets.exams.checks import CHECKS
from pipeline import db
from pipeline import monitoring as mon
from pipeline.audit import record_source, source_metadata
from pipeline.checks import checked_asset
from pipeline.exams import parse_exams, range_from_name
from pipeline.resources import StoResource


# ---- raw inputs ---------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    description="DUO 'examenkandidaten en geslaagden' vo, both layouts (2014-2019 cp1252 '100,0%' with "
    "MAN/VROUW/ONBEKEND/TOTAAL; 2019-2024 UTF-8 quoted '<5' '90.9'), one text row per source row × school "
    "year; a school year outside the file's range is an error. Table raw.duo_vo_exams.",
    **RAW,
)
def raw_duo_vo_exams(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetcher = sto.fetcher()
    frames, infos, fetched_all = [], {}, []
    for source_id in sto.config.monitoring["exams"]["sources"]:
        fetched = fetcher.fetch(source_id)
        # The range comes from the actual file name, else from the catalogue's canonical name.
        expected = range_from_name(fetched.path) or range_from_name(fetcher.spec(source_id)["filename"])
        df, info = parse_exams(fetched.path, expected)
        context.log.info(f"{source_id}: {len(df)} rows from {fetched.origin} ({info})")
        frames.append(df)
        infos[source_id] = info
        fetched_all.append(fetched)
    out = pd.concat(frames, ignore_index=True)
    with sto.connect() as con:
        db.replace_table(con, "raw.duo_vo_exams", out)
        meta: dict[str, Any] = {"files": dg.MetadataValue.json(infos)}
        for f in fetched_all:
            record_source(con, context.run.run_id, context.asset_key.to_user_string(), f)
            meta.update({f"{f.source_id}.{k}": v for k, v in source_metadata(f).items()})
        meta = db.table_metadata(con, "raw.duo_vo_exams", extra=meta)
    return dg.MaterializeResult(metadata=meta)


# ---- marts: exams -----------------------------------------------------------------------------------------
def _register_exam_dims(con: duckdb.DuckDBPyConnection, cfg: dict[str, Any]) -> None:
    dim, _, flags = mon.exam_programme_frames(cfg)
    mon.register(con, "exam_programme", dim)
    mon.register(con, "exam_programme_flag", flags)


@checked_asset(
    CHECKS,
    deps=["raw_duo_vo_exams"],
    description="Exam candidates, passes and pass rate per school year × vestiging × onderwijstype × exam "
    "programme, classified by level/leerweg/sector and named flags from monitoring.yaml; '<5' as the point "
    "value with bounds. SQL: sql/mart_exam_results.sql.",
    **MARTS,
)
def mart_exam_results(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    c = sto.config.pipeline["censored"]
    with sto.connect() as con:
        _register_exam_dims(con, cfg)
        db.run_sql(
            con,
            "mart_exam_results",
            {
                "point_value": int(c["point_value"]),
                "censored_lower": int(c["lower"]),
                "censored_upper": int(c["upper"]),
            },
        )
        per_year = con.execute("""
            SELECT schooljaar, count(*) AS rows_, sum(n_candidates) AS candidates, sum(n_passed) AS passed,
                   count(*) FILTER (WHERE candidates_censored) AS censored
            FROM marts.exam_results GROUP BY 1 ORDER BY 1""").df()
        return mart_result(con, sto, "marts.exam_results", {"per_school_year": md_table(per_year)})


@checked_asset(
    CHECKS,
    deps=["mart_exam_results"],
    description="National exam series 2014/15–2023/24: havo and vwo candidates with an N-profile, vmbo "
    "candidates in sector techniek (B/K/G incl. LWT; TL), with shares and year-on-year deltas. "
    "SQL: sql/mart_exam_national_series.sql.",
    **MARTS,
)
def mart_exam_national_series(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    with sto.connect() as con:
        _register_exam_dims(con, cfg)
        mon.register(con, "exam_series", mon.exam_series_frame(cfg))
        db.run_sql(con, "mart_exam_national_series", {"point_value": shared_params(sto)["point_value"]})
        series = con.execute("""
            SELECT series, schooljaar, n_candidates_series, n_candidates_total, round(pct_series, 1) AS pct
            FROM marts.exam_national_series ORDER BY series, schooljaar""").df()
        return mart_result(con, sto, "marts.exam_national_series", {"series": md_table(series)})
