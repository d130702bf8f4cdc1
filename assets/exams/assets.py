"""DUO exam candidates and passes (both published layouts): the assets.

raw_duo_vo_exams (assets/exams/parser.py), mart_exam_results (assets/exams/sql/mart_exam_results.sql) and
mart_exam_national_series (assets/exams/sql/mart_exam_national_series.sql).
Their checks are declared as data in assets/exams/checks.py and run inside each asset's step."""

from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from assets.common import CORE, MARTS, RAW, mart_result, md_table, shared_params
from assets.exams.checks import CHECKS
from assets.exams.parser import newest_per_school_year, parse_exams, range_from_name
from assets.monitoring import inputs as mon
from pipeline import db
from pipeline.audit import forget_loaded, record_source, source_metadata
from pipeline.checks import checked_asset
from pipeline.resources import StoResource


# ---- raw inputs ---------------------------------------------------------------------------------------------
@checked_asset(
    CHECKS,
    description="DUO 'examenkandidaten en geslaagden' vo, both layouts (2014-2019 cp1252 '100,0%' with "
    "MAN/VROUW/ONBEKEND/TOTAAL; 2019-2024 UTF-8 quoted '<5' '90.9'), one text row per source row × school "
    "year; a school year outside the file's range is an error. Newer rolling five-year files (2020-2025, …) "
    "are found by the catalogue's pattern; each school year comes from the newest file that has it "
    "(metadata school_years_by_file). Table raw.duo_vo_exams.",
    **RAW,
)
def raw_duo_vo_exams(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    fetcher = sto.fetcher()
    frames, infos, ranges, fetched_all = [], {}, {}, []
    for source_id in sto.config.monitoring["exams"]["sources"]:
        rolling = bool(fetcher.spec(source_id).get("rolling"))
        # a rolling source gives every newer five-year file found (none is fine: the pinned files remain)
        for fetched in fetcher.fetch_rolling(source_id, date.today().year) if rolling else [fetcher.fetch(source_id)]:
            # The range comes from the actual file name, else from the catalogue's canonical name.
            expected = range_from_name(fetched.path) or range_from_name(fetcher.spec(source_id)["filename"])
            df, info = parse_exams(fetched.path, expected)
            context.log.info(f"{source_id}: {len(df)} rows from {fetched.origin} ({info})")
            frames.append(df)
            infos[Path(fetched.path).name if rolling else source_id] = info
            ranges[Path(fetched.path).name] = expected
            fetched_all.append(fetched)
    out, supply = newest_per_school_year(frames, ranges)
    with sto.connect() as con:
        db.replace_table(con, "raw.duo_vo_exams", out)
        meta: dict[str, Any] = {
            "files": dg.MetadataValue.json(infos),
            # which file supplied which school year (raw.duo_vo_exams.source_file holds it per row)
            "school_years_by_file": md_table(supply),
        }
        forget_loaded(con, context.asset_key.to_user_string())  # a rolling file no longer offered goes
        for f in fetched_all:
            rolling_range = (
                fetcher.rolling_range(f.source_id, f.path) if fetcher.spec(f.source_id).get("rolling") else None
            )
            snapshot = "-".join(map(str, rolling_range)) if rolling_range else None  # one row per rolling file
            record_source(con, context.run.run_id, context.asset_key.to_user_string(), f, snapshot)
            key = f"{f.source_id}[{snapshot}]" if snapshot else f.source_id
            meta.update({f"{key}.{k}": v for k, v in source_metadata(f).items()})
        meta = db.table_metadata(con, "raw.duo_vo_exams", extra=meta)
    return dg.MaterializeResult(metadata=meta)


# ---- dimensions: exam programmes and series ---------------------------------------------------------------
@checked_asset(
    CHECKS,
    also_writes=[
        ("core_exam_programme_flags", "core.exam_programme_flags"),
        ("core_exam_series", "core.exam_series"),
    ],
    description="The exam programme classification from monitoring.yaml exams as tables: each programme's level, "
    "leerweg, sector and whether it is classified (core.exam_programmes), its named flags in long form "
    "(core.exam_programme_flags) and the national series (core.exam_series). assets/monitoring/inputs.py "
    "exam_programme_frames, exam_series_frame.",
    **CORE,
)
def core_exam_programmes(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.monitoring
    dim, _, flags = mon.exam_programme_frames(cfg)
    with sto.connect() as con:
        db.replace_table(con, "core.exam_programmes", dim)
        db.replace_table(con, "core.exam_programme_flags", flags)
        db.replace_table(con, "core.exam_series", mon.exam_series_frame(cfg))
        return dg.MaterializeResult(metadata=db.table_metadata(con, "core.exam_programmes"))


# ---- marts: exams -----------------------------------------------------------------------------------------


@checked_asset(
    CHECKS,
    deps=["raw_duo_vo_exams", "core_exam_programmes", "core_exam_programme_flags"],
    description="Exam candidates, passes and pass rate per school year × vestiging × onderwijstype × exam "
    "programme, classified by level/leerweg/sector and named flags from monitoring.yaml; '<5' as the point "
    "value with bounds. SQL: assets/exams/sql/mart_exam_results.sql.",
    **MARTS,
)
def mart_exam_results(sto: StoResource) -> dg.MaterializeResult:
    c = sto.config.pipeline["censored"]
    with sto.connect() as con:
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
    deps=["mart_exam_results", "core_exam_programme_flags", "core_exam_series"],
    description="National exam series 2014/15–2023/24: havo and vwo candidates with an N-profile, vmbo "
    "candidates in sector techniek (B/K/G incl. LWT; TL), with shares and year-on-year deltas. "
    "SQL: assets/exams/sql/mart_exam_national_series.sql.",
    **MARTS,
)
def mart_exam_national_series(sto: StoResource) -> dg.MaterializeResult:
    with sto.connect() as con:
        db.run_sql(con, "mart_exam_national_series", {"point_value": shared_params(sto)["point_value"]})
        series = con.execute("""
            SELECT series, schooljaar, n_candidates_series, n_candidates_total, round(pct_series, 1) AS pct
            FROM marts.exam_national_series ORDER BY series, schooljaar""").df()
        return mart_result(con, sto, "marts.exam_national_series", {"series": md_table(series)})
