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
]
