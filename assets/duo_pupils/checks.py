"""DUO pupils per vestiging ("01. leerlingen vo per vestiging naar onderwijstype"), one peiljaar partition each: the asset checks, as data (pipeline/checks.py builds and runs them in their asset's step)."""

import dagster as dg
import pandas as pd

from assets.duo_pupils.parser import LWOO_VALUES, MASKING_CONVENTIONS
from pipeline.checks import WARN, CheckDef, CheckRun, rows_metadata
from pipeline.constants import COUNT_COLUMNS, LEERWEGEN, PROFILE_CODES, VESTIGING_CODE_PATTERN
from pipeline.validation import LOCATE_COLUMNS, E

COUNT_COLS = list(COUNT_COLUMNS)


def _vmbo_types(cfg) -> list[str]:
    return [o["label"] for o in cfg.onderwijstypes["onderwijstypes"] if o["level"] == "vmbo"]


def _raw_students_valid(r: CheckRun) -> None:
    cfg = r.cfg
    ot_labels = [o["label"] for o in cfg.onderwijstypes["onderwijstypes"]]
    vmbo_labels = [lab for p in cfg.profiles["profiles"] for lab in p["labels"]] + cfg.profiles["non_profile_labels"]
    df = r.frame("SELECT * FROM raw.duo_vo_students {where}")
    key = ["peiljaar", "vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode"]
    key += ["lwoo"] if df["lwoo"].notna().any() else []
    r.validate(
        "valid",
        df,
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToNotBeNull(column="vestiging_code"),
            E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VESTIGING_CODE_PATTERN),
            E.ExpectColumnValuesToBeInSet(column="onderwijstype_label", value_set=ot_labels),
            E.ExpectColumnValuesToBeBetween(
                column="peiljaar", min_value=min(cfg.peiljaren), max_value=max(cfg.peiljaren)
            ),
            # The key of a row in this file's generation: files up to ~2016 hold each key once per LWOO
            # indicator, so there lwoo is part of it; later files have no lwoo (NULL).
            E.ExpectCompoundColumnsToBeUnique(column_list=key),
            E.ExpectColumnValuesToBeInSet(column="lwoo", value_set=list(LWOO_VALUES)),
            E.ExpectColumnValuesToBeInSet(column="masking", value_set=list(MASKING_CONVENTIONS)),
            *[E.ExpectColumnValuesToMatchRegex(column=c, regex=r"^(?:[0-9]+|<5)$") for c in COUNT_COLS],
        ],
    )
    # vmbo afdeling labels are checked on the vmbo rows only (other types carry havo/vwo profiles).
    vm = df[df["onderwijstype_label"].isin(_vmbo_types(cfg))]
    r.validate("known_vmbo_afdeling", vm, [E.ExpectColumnValuesToBeInSet(column="afdeling", value_set=vmbo_labels)])


def _students_uncertain(r: CheckRun) -> None:
    cfg = r.cfg
    ot_uncertain = list(cfg.onderwijstypes.get("uncertain_labels") or [])
    afd_uncertain = [lab for p in cfg.profiles["profiles"] if p.get("certainty") == "uncertain" for lab in p["labels"]]
    df = r.frame(
        f"SELECT source_file, source_row, vestiging_code, onderwijstype_label, afdeling, {', '.join(COUNT_COLS)} "
        "FROM raw.duo_vo_students {where}"
    )
    uncertain = df["onderwijstype_label"].isin(ot_uncertain) | (
        df["onderwijstype_label"].isin(_vmbo_types(cfg)) & df["afdeling"].isin(afd_uncertain)
    )
    pupils = df[COUNT_COLS].apply(pd.to_numeric, errors="coerce").sum(axis=1)
    listing = (
        df.assign(pupils=pupils)[uncertain]
        .groupby(["onderwijstype_label", "afdeling"], as_index=False)["pupils"]
        .sum()
        .to_dict("records")
    )
    r.validate(
        "uncertain_mappings",
        df.assign(mapping_certain=~uncertain),
        [E.ExpectColumnValuesToBeInSet(column="mapping_certain", value_set=[True])],
        extra_metadata={"uncertain_pupils": rows_metadata(listing)},
    )


STUDENTS_GRAIN = ["peiljaar", "vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode", "lwoo"]


def _core_students_valid(r: CheckRun) -> None:
    c = r.cfg.pipeline["censored"]
    # Only the columns the suites read, plus those that locate a failing row (validation.LOCATE_COLUMNS):
    # the whole table as a pandas frame was the run's memory peak.
    read = {*STUDENTS_GRAIN, "leerjaar", "sex", "n", "onderwijstype", "leerweg", "n_censored", "n_lower", "n_upper"}
    have = [d[0] for d in r.con.execute("SELECT * FROM core.duo_vo_students LIMIT 0").description]
    cols = [c for c in have if c in read | {"profile_code"} or c in LOCATE_COLUMNS]
    df = r.frame(f"SELECT {', '.join(cols)} FROM core.duo_vo_students {{where}}")
    raw = r.frame(
        f"""
        SELECT coalesce(sum(TRY_CAST(v AS BIGINT)) FILTER (WHERE NOT censored), 0) AS total,
               count(*) FILTER (WHERE censored AND v <> '0') AS censored
        FROM (SELECT *, v = '<5' OR (coalesce(masking, 'none') = 'four_means_1_to_4' AND v = '4') AS censored
              FROM (UNPIVOT (SELECT masking, {", ".join(COUNT_COLUMNS)} FROM raw.duo_vo_students {{where}})
                    ON COLUMNS(* EXCLUDE (masking)) INTO NAME k VALUE v))"""
    ).iloc[0]
    core_total = int(df.loc[~df["n_censored"], "n"].sum()) if len(df) else 0
    recon = pd.DataFrame(
        {
            "uncensored_delta": [core_total - int(raw["total"])],
            "censored_delta": [int(df["n_censored"].sum()) - int(raw["censored"])],
        }
    )
    r.validate(
        "valid",
        df,
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=[*STUDENTS_GRAIN, "leerjaar", "sex"]),
            E.ExpectColumnValuesToBeBetween(column="n", min_value=0),
            E.ExpectColumnValuesToNotBeNull(column="onderwijstype"),
            E.ExpectColumnValuesToBeInSet(column="leerweg", value_set=list(LEERWEGEN)),
            E.ExpectColumnValuesToBeInSet(column="sex", value_set=["M", "V"]),
            E.ExpectColumnValuesToBeBetween(column="leerjaar", min_value=1, max_value=6),
        ],
    )
    r.validate(
        "censored_bounds",
        df[df["n_censored"]],
        [
            E.ExpectColumnValuesToBeBetween(column="n_lower", min_value=c["lower"], max_value=c["lower"]),
            E.ExpectColumnValuesToBeBetween(column="n_upper", min_value=c["upper"], max_value=c["upper"]),
            E.ExpectColumnValuesToBeBetween(column="n", min_value=c["lower"], max_value=c["upper"]),
        ],
    )
    vm = df[df["leerweg"].isin(["BB", "KB", "GL"])]
    r.validate("vmbo_bkg_has_profile", vm, [E.ExpectColumnValuesToNotBeNull(column="profile_code")])
    r.validate(
        "total_equals_raw",
        recon,
        [
            E.ExpectColumnValuesToBeBetween(column="uncensored_delta", min_value=0, max_value=0),
            E.ExpectColumnValuesToBeBetween(column="censored_delta", min_value=0, max_value=0),
        ],
    )
    r.metadata["raw_total_uncensored"] = dg.MetadataValue.int(int(raw["total"]))
    r.metadata["core_total_uncensored"] = dg.MetadataValue.int(core_total)


def _profile_valid(r: CheckRun) -> None:
    r.validate(
        "valid",
        r.frame("SELECT * FROM core.vmbo_profile"),
        [
            E.ExpectColumnValuesToBeUnique(column="profile_code"),
            E.ExpectColumnDistinctValuesToContainSet(column="profile_code", value_set=list(PROFILE_CODES)),
            *[E.ExpectColumnValuesToBeInSet(column=f, value_set=[True, False]) for f in r.cfg.profiles["flags"]],
        ],
    )
    r.validate(
        "labels_unique",
        r.frame("SELECT * FROM core.vmbo_profile_label"),
        [E.ExpectColumnValuesToBeUnique(column="label")],
    )


# ------------------------------------------------------------------ DUO 02: pupils per home postcode (PC4)
POSTCODE_LJ = [f"lj{lj}" for lj in range(1, 7)]


def _raw_postcode_valid(r: CheckRun) -> None:
    df = r.frame(
        "SELECT peiljaar, source_file, source_row, vestiging_code, postcode, pc4, masking, "
        f"{', '.join(POSTCODE_LJ)} FROM raw.duo_vo_pupils_postcode {{where}}"
    )
    r.validate(
        "valid",
        df,
        [
            E.ExpectColumnValuesToNotBeNull(column="vestiging_code"),
            E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VESTIGING_CODE_PATTERN),
            E.ExpectColumnValuesToMatchRegex(column="pc4", regex=r"^[1-9][0-9]{3}$"),  # NULLs: flagged rows
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "vestiging_code", "postcode"]),
            E.ExpectColumnValuesToBeInSet(column="masking", value_set=list(MASKING_CONVENTIONS)),
            *[E.ExpectColumnValuesToMatchRegex(column=c, regex=r"^(?:[0-9]+|<5)$") for c in POSTCODE_LJ],
        ],
    )


def _raw_postcode_present(r: CheckRun) -> None:
    """A year without a 02 file has no home-basis rows: stated as a failed warning row, never an error."""
    df = r.frame("SELECT peiljaar, source_file FROM raw.duo_vo_pupils_postcode {where}")
    r.validate("file_present", df, [E.ExpectTableRowCountToBeBetween(min_value=1)])
    r.metadata["rows"] = dg.MetadataValue.int(len(df))


def _raw_postcode_postcodes(r: CheckRun) -> None:
    """Rows whose POSTCODE LEERLING is not a four-digit postcode: kept (pc4 NULL), listed with their pupils."""
    df = r.frame(
        "SELECT peiljaar, source_file, source_row, vestiging_code, postcode, postcode_valid, "
        f"{' + '.join(f'coalesce(TRY_CAST({c} AS INTEGER), 0)' for c in POSTCODE_LJ)} AS pupils_uncensored "
        "FROM raw.duo_vo_pupils_postcode {where}"
    )
    bad = df[~df["postcode_valid"].astype(bool)]
    listing = bad[["source_file", "source_row", "vestiging_code", "postcode", "pupils_uncensored"]].head(50)
    r.validate(
        "postcodes",
        df,
        [E.ExpectColumnValuesToBeInSet(column="postcode_valid", value_set=[True])],
        extra_metadata={
            "invalid_postcode_rows": dg.MetadataValue.int(len(bad)),
            "invalid_postcodes": rows_metadata(listing.to_dict("records")),
        },
    )


def _core_postcode_valid(r: CheckRun) -> None:
    c = r.cfg.pipeline["censored"]
    df = r.frame(
        "SELECT peiljaar, vestiging_code, postcode, pc4, leerjaar, n, n_censored, n_lo, n_hi, source_file, "
        "source_row FROM core.duo_vo_pupils_postcode {where}"
    )
    raw = r.frame(
        f"""
        SELECT coalesce(sum(TRY_CAST(v AS BIGINT)) FILTER (WHERE NOT censored), 0) AS total,
               count(*) FILTER (WHERE censored AND v <> '0') AS censored
        FROM (SELECT *, v = '<5' OR (coalesce(masking, 'none') = 'four_means_1_to_4' AND v = '4') AS censored
              FROM (UNPIVOT (SELECT masking, {", ".join(POSTCODE_LJ)} FROM raw.duo_vo_pupils_postcode {{where}})
                    ON COLUMNS(* EXCLUDE (masking)) INTO NAME k VALUE v))"""
    ).iloc[0]
    core_total = int(df.loc[~df["n_censored"].astype(bool), "n"].sum()) if len(df) else 0
    recon = pd.DataFrame(
        {
            "uncensored_delta": [core_total - int(raw["total"])],
            "censored_delta": [int(df["n_censored"].sum()) - int(raw["censored"])],
        }
    )
    r.validate(
        "valid",
        df,
        [
            E.ExpectCompoundColumnsToBeUnique(column_list=["peiljaar", "vestiging_code", "postcode", "leerjaar"]),
            E.ExpectColumnValuesToMatchRegex(column="pc4", regex=r"^[1-9][0-9]{3}$"),
            E.ExpectColumnValuesToBeBetween(column="leerjaar", min_value=1, max_value=6),
            E.ExpectColumnValuesToBeBetween(column="n", min_value=1),
            E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="n_hi", column_B="n_lo", or_equal=True),
        ],
    )
    r.validate(
        "censored_bounds",
        df[df["n_censored"].astype(bool)],
        [
            E.ExpectColumnValuesToBeBetween(column="n_lo", min_value=c["lower"], max_value=c["lower"]),
            E.ExpectColumnValuesToBeBetween(column="n_hi", min_value=c["upper"], max_value=c["upper"]),
        ],
    )
    r.validate(
        "total_equals_raw",
        recon,
        [
            E.ExpectColumnValuesToBeBetween(column="uncensored_delta", min_value=0, max_value=0),
            E.ExpectColumnValuesToBeBetween(column="censored_delta", min_value=0, max_value=0),
        ],
    )


# Per peiljaar × vestiging × leerjaar: the 02 file's pupils against the 01 file's (bounds over censored cells
# on both sides must overlap); vestigingen of the 02 file absent from the 01 file are listed.
POSTCODE_VS_01_SQL = """
WITH p AS (
    SELECT peiljaar, vestiging_code, leerjaar, sum(n_lo) AS lo_02, sum(n_hi) AS hi_02
    FROM core.duo_vo_pupils_postcode WHERE peiljaar = ? GROUP BY ALL
), s AS (
    SELECT peiljaar, vestiging_code, leerjaar, sum(n_lower) AS lo_01, sum(n_upper) AS hi_01
    FROM core.duo_vo_students WHERE peiljaar = ? GROUP BY ALL
)
SELECT p.peiljaar, p.vestiging_code, p.leerjaar, p.lo_02, p.hi_02,
       coalesce(s.lo_01, 0) AS lo_01, coalesce(s.hi_01, 0) AS hi_01,
       s.vestiging_code IS NOT NULL OR EXISTS (
           SELECT 1 FROM s s2 WHERE s2.vestiging_code = p.vestiging_code) AS in_01,
       p.lo_02 <= coalesce(s.hi_01, 0) AND coalesce(s.lo_01, 0) <= p.hi_02 AS totals_agree
FROM p LEFT JOIN s USING (peiljaar, vestiging_code, leerjaar)
ORDER BY p.vestiging_code, p.leerjaar
"""


def _core_postcode_vs_students(r: CheckRun) -> None:
    years = (
        [r.partition]
        if r.partition is not None
        else [int(y) for (y,) in r.con.execute("SELECT DISTINCT peiljaar FROM core.duo_vo_pupils_postcode").fetchall()]
    )
    frames = [r.frame(POSTCODE_VS_01_SQL, [y, y]) for y in years]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["in_01", "totals_agree"])
    off = df[~(df["in_01"].astype(bool) & df["totals_agree"].astype(bool))].head(50)
    r.validate(
        "matches_01",
        df,
        [
            E.ExpectColumnValuesToBeInSet(column="in_01", value_set=[True]),
            E.ExpectColumnValuesToBeInSet(column="totals_agree", value_set=[True]),
        ],
        extra_metadata={"differences": rows_metadata(off.to_dict("records"))},
    )


CHECKS = [
    CheckDef(
        asset="raw_duo_vo_students",
        name="raw_duo_vo_students_valid",
        description="Schema, keys, counts (integer or '<5') and known onderwijstype/afdeling labels; "
        "unknown labels are listed.",
        per_peiljaar=True,
        run=_raw_students_valid,
    ),
    CheckDef(
        asset="raw_duo_vo_students",
        name="raw_duo_vo_students_uncertain_mappings",
        description="Warning: lists the pupils whose onderwijstype or vmbo afdeling is mapped by a judgement "
        "(onderwijstypes.yaml uncertain_labels, profiles.yaml certainty: uncertain), e.g. pre-2016 broad techniek "
        "programmes and 'VMBO-MBO2 lj 3-6' (no leerweg).",
        blocking=False,
        severity=WARN,
        per_peiljaar=True,
        run=_students_uncertain,
    ),
    CheckDef(
        asset="core_duo_vo_students",
        name="core_duo_vo_students_valid",
        description="Unique grain, non-negative counts, censored bounds 1–4, known codes, and the core "
        "total equal to the raw file's total (exact for uncensored cells).",
        per_peiljaar=True,
        run=_core_students_valid,
    ),
    CheckDef(
        asset="core_vmbo_profile",
        name="core_vmbo_profile_valid",
        description="The ten vmbo profiles are present once each, flags are booleans, labels map uniquely.",
        run=_profile_valid,
    ),
    CheckDef(
        asset="core_onderwijstype",
        name="core_onderwijstype_valid",
        description="Labels unique, leerweg codes known.",
        sql="SELECT * FROM core.onderwijstype",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="label"),
            E.ExpectColumnValuesToBeInSet(column="leerweg", value_set=list(LEERWEGEN)),
        ],
    ),
    CheckDef(
        asset="core_profile_flags",
        name="core_profile_flags_valid",
        description="Every profile of core.vmbo_profile once per flag, with a value.",
        sql="""SELECT f.*, (SELECT count(*) FROM core.vmbo_profile) AS n_profiles,
                      count(*) OVER (PARTITION BY f.flag) AS n_per_flag
               FROM core.profile_flags f""",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=["profile_code", "flag"]),
            E.ExpectColumnValuesToNotBeNull(column="value"),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_per_flag", column_B="n_profiles"),
        ],
    ),
    CheckDef(
        asset="raw_duo_vo_pupils_postcode",
        name="raw_duo_vo_pupils_postcode_valid",
        description="DUO 02 file: vestiging codes, one row per vestiging × postcode, counts integer or '<5', "
        "pc4 four digits where set, a known masking convention.",
        per_peiljaar=True,
        run=_raw_postcode_valid,
    ),
    CheckDef(
        asset="raw_duo_vo_pupils_postcode",
        name="raw_duo_vo_pupils_postcode_present",
        description="Warning: the peiljaar has no DUO 02 file (the source is optional per year), so it has no "
        "home-basis rows.",
        blocking=False,
        severity=WARN,
        per_peiljaar=True,
        run=_raw_postcode_present,
    ),
    CheckDef(
        asset="raw_duo_vo_pupils_postcode",
        name="raw_duo_vo_pupils_postcode_postcodes",
        description="Warning: lists the rows whose POSTCODE LEERLING is not a four-digit postcode (kept with pc4 "
        "NULL; their pupils are unplaced on the home basis).",
        blocking=False,
        severity=WARN,
        per_peiljaar=True,
        run=_raw_postcode_postcodes,
    ),
    CheckDef(
        asset="core_duo_vo_pupils_postcode",
        name="core_duo_vo_pupils_postcode_valid",
        description="Unique grain, leerjaar 1–6, positive counts, censored bounds 1–4, and the core total equal "
        "to the raw file's total (exact for uncensored cells).",
        per_peiljaar=True,
        run=_core_postcode_valid,
    ),
    CheckDef(
        asset="core_duo_vo_pupils_postcode",
        name="core_duo_vo_pupils_postcode_matches_01",
        description="Warning: per vestiging and leerjaar the 02 file's pupils agree with the 01 file's (their "
        "bounds over censored cells overlap) and every 02 vestiging is in the 01 file; differences listed.",
        blocking=False,
        severity=WARN,
        per_peiljaar=True,
        run=_core_postcode_vs_students,
    ),
]
