"""DUO exam candidates and passes (both published layouts): the asset checks, as data (pipeline/checks.py builds and runs them in their asset's step)."""

from assets.exams.parser import LAYOUTS
from assets.monitoring import inputs as mon
from pipeline.checks import CheckDef, CheckRun, pct_between
from pipeline.constants import VESTIGING_CODE_PATTERN
from pipeline.validation import E


def _keys_unique(r: CheckRun, table: str, key: str) -> None:
    """Suite keys_unique on a large table, validated on two counts: rows ≥ 1 and no duplicate `key`."""
    keys = r.frame(f"""
        SELECT count(*) AS n_rows, count(*) - count(DISTINCT ({key})) AS duplicate_keys FROM {table}""")
    r.validate(
        "keys_unique",
        keys,
        [
            E.ExpectColumnValuesToBeBetween(column="n_rows", min_value=1),
            E.ExpectColumnValuesToBeBetween(column="duplicate_keys", min_value=0, max_value=0),
        ],
    )


def _exams_raw(r: CheckRun) -> None:
    _, names, _ = mon.exam_programme_frames(r.cfg.monitoring)
    known = sorted(set(names["inspectiecode"] + " | " + names["opleidingsnaam"]))
    years = r.frame("""SELECT schooljaar, count(DISTINCT source_file) AS files, min(layout) AS layout
                       FROM raw.duo_vo_exams GROUP BY 1""")
    vest = r.frame("SELECT DISTINCT vestiging_code FROM raw.duo_vo_exams")
    counts = r.frame("""SELECT DISTINCT v FROM (SELECT kandidaten_totaal AS v FROM raw.duo_vo_exams
                        UNION ALL SELECT geslaagden_totaal FROM raw.duo_vo_exams)""")
    prog = r.frame("""SELECT inspectiecode || ' | ' || opleidingsnaam AS programme, count(*) AS n_rows
                      FROM raw.duo_vo_exams GROUP BY 1""")
    _keys_unique(r, "raw.duo_vo_exams", "source_file, source_row, schooljaar")
    r.validate(
        "one_file_per_school_year",
        years,
        [
            E.ExpectColumnValuesToMatchRegex(column="schooljaar", regex=r"^\d{4}-\d{4}$"),
            E.ExpectColumnValuesToBeBetween(column="files", min_value=1, max_value=1),
            E.ExpectColumnValuesToBeInSet(column="layout", value_set=list(LAYOUTS)),
        ],
    )
    r.validate(
        "vestiging_codes",
        vest,
        [E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VESTIGING_CODE_PATTERN)],
    )
    r.validate("total_counts", counts, [E.ExpectColumnValuesToMatchRegex(column="v", regex=r"^(?:\d+|<5)$")])
    r.validate("known_programmes", prog, [E.ExpectColumnValuesToBeInSet(column="programme", value_set=known)])


def _exam_results(r: CheckRun) -> None:
    # Distinct value combinations keep the validated frame small (the mart has ~100k rows).
    df = r.frame("""SELECT DISTINCT inspectiecode, level, n_candidates,
                           CASE WHEN NOT (candidates_censored OR passed_censored)
                                THEN n_candidates - n_passed END AS n_failed,
                           round(pass_pct, 6) AS pass_pct
                    FROM marts.exam_results""")
    _keys_unique(r, "marts.exam_results", "schooljaar, vestiging_code, inspectiecode")
    r.validate(
        "valid",
        df,
        [
            E.ExpectColumnValuesToNotBeNull(column="level"),
            E.ExpectColumnValuesToBeBetween(column="n_candidates", min_value=1),
            E.ExpectColumnValuesToBeBetween(column="n_failed", min_value=0),
            *pct_between(["pass_pct"]),
        ],
    )


CHECKS = [
    # ---- raw
    CheckDef(
        asset="raw_duo_vo_exams",
        name="raw_duo_vo_exams_valid",
        description="Unique source row × school year, one file per school year, vestiging codes, counts "
        "per layout, and every INSPECTIECODE/OPLEIDINGSNAAM pair known in monitoring.yaml (unknown "
        "programmes are listed). Validated on distinct values: the table has ~130k rows.",
        run=_exams_raw,
    ),
    # ---- exams
    CheckDef(
        asset="mart_exam_results",
        name="mart_exam_results_valid",
        description="Unique school year × vestiging × programme, every row classified, passes ≤ "
        "candidates where both are exact, pass rate within 0–100.",
        run=_exam_results,
    ),
    CheckDef(
        asset="mart_exam_national_series",
        name="mart_exam_national_series_valid",
        description="Unique series × school year, every configured series present, shares within 0–100.",
        sql="SELECT * FROM marts.exam_national_series",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["series", "schooljaar"]),
            E.ExpectColumnDistinctValuesToEqualSet(
                column="series", value_set=[s["id"] for s in cfg.monitoring["exams"]["series"]]
            ),
            *pct_between(["pct_series"]),
        ],
    ),
    # ---- dimensions (core_exam_programmes writes the three tables in one step)
    CheckDef(
        asset="core_exam_programmes",
        name="core_exam_programmes_valid",
        description="One row per configured exam programme (inspectiecode) with a level.",
        sql="SELECT * FROM core.exam_programmes",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.monitoring["exams"]["programmes"])),
            E.ExpectColumnValuesToBeUnique(column="inspectiecode"),
            E.ExpectColumnValuesToNotBeNull(column="level"),
        ],
    ),
    CheckDef(
        asset="core_exam_programme_flags",
        name="core_exam_programme_flags_valid",
        description="Every programme once per configured flag, with a value.",
        sql="""SELECT *, count(*) OVER (PARTITION BY flag) AS n_per_flag,
                      (SELECT count(*) FROM core.exam_programmes) AS n_programmes
               FROM core.exam_programme_flags""",
        expectations=lambda cfg: [
            E.ExpectCompoundColumnsToBeUnique(column_list=["inspectiecode", "flag"]),
            E.ExpectColumnDistinctValuesToEqualSet(column="flag", value_set=list(cfg.monitoring["exams"]["flags"])),
            E.ExpectColumnValuesToNotBeNull(column="value"),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_per_flag", column_B="n_programmes"),
        ],
    ),
    CheckDef(
        asset="core_exam_series",
        name="core_exam_series_valid",
        description="One row per configured national series, its numerator a configured flag.",
        sql="SELECT * FROM core.exam_series",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.monitoring["exams"]["series"])),
            E.ExpectColumnValuesToBeUnique(column="series"),
            E.ExpectColumnValuesToBeInSet(column="flag", value_set=list(cfg.monitoring["exams"]["flags"])),
        ],
    ),
]
