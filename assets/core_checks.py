"""Checks on the core_ layer, as data (pipeline/checks.py builds and runs them inside their asset's step)."""

import dagster as dg
import pandas as pd

from assets.raw_checks import nl_bounds
from pipeline.checks import WARN, CheckDef, CheckRun
from pipeline.constants import COUNT_COLUMNS, LEERWEGEN, PROFILE_CODES
from pipeline.validation import E

GEOCODE_METHODS = ["override", "address_point", "pc6_centroid", "pc4_centroid", "pdok", "none"]
STUDENTS_GRAIN = ["peiljaar", "vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode", "lwoo"]


def _students_valid(r: CheckRun) -> None:
    c = r.cfg.pipeline["censored"]
    df = r.frame("SELECT * FROM core.duo_vo_students {where}")
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


def _ungeocoded(r: CheckRun) -> None:
    df = r.frame("SELECT vestiging_code, postcode, lat FROM core.school_locations")
    r.validate(
        "ungeocoded_listed",
        df.assign(placed=df["lat"].notna()),
        [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
        extra_metadata={
            "ungeocoded": dg.MetadataValue.json(
                df.loc[df["lat"].isna(), ["vestiging_code", "postcode"]].to_dict("records")
            )
        },
    )


def _coverage(r: CheckRun) -> None:
    v = r.cfg.pipeline["validation"]
    cov = r.frame("""
        SELECT peiljaar,
               -- coalesce: a year with no placed pupil has share 0, not NULL (GX skips NULLs)
               coalesce(sum(n_pupils) FILTER (WHERE in_address_file), 0) / sum(n_pupils) AS pupil_join_share,
               coalesce(sum(n_pupils) FILTER (WHERE lat IS NOT NULL), 0) / sum(n_pupils) AS pupil_geocode_share,
               avg(in_address_file::INT) AS location_join_share,
               avg((lat IS NOT NULL)::INT) AS location_geocode_share
        FROM core.pupil_locations GROUP BY peiljaar ORDER BY peiljaar""")
    r.validate(
        "coverage",
        cov,
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeBetween(
                column="pupil_join_share", min_value=float(v["min_location_join_coverage"])
            ),
            E.ExpectColumnValuesToBeBetween(column="pupil_geocode_share", min_value=float(v["min_geocode_coverage"])),
        ],
        extra_metadata={"coverage": dg.MetadataValue.md(cov.to_markdown(index=False))},
    )


def _unplaced(r: CheckRun) -> None:
    df = r.frame(
        "SELECT peiljaar, vestiging_code, name, plaatsnaam, n_pupils, in_address_file, lat FROM core.pupil_locations"
    )
    missing = df[~df["in_address_file"] | df["lat"].isna()]
    r.validate(
        "unplaced_listed",
        df.assign(placed=df["lat"].notna()),
        [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
        extra_metadata={
            "unplaced": dg.MetadataValue.json(missing.drop(columns=["lat"]).astype(str).to_dict("records"))
        },
    )


CHECKS = [
    CheckDef(
        asset="core_duo_vo_students",
        name="core_duo_vo_students_valid",
        description="Unique grain, non-negative counts, censored bounds 1–4, known codes, and the core "
        "total equal to the raw file's total (exact for uncensored cells).",
        per_peiljaar=True,
        run=_students_valid,
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
        asset="core_school_locations",
        name="core_school_locations_valid",
        description="Unique codes, Dutch coordinates, known geocode methods, ≥ configured share geocoded.",
        sql="SELECT * FROM core.school_locations",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
            E.ExpectColumnValuesToBeInSet(column="geocode_method", value_set=GEOCODE_METHODS),
            *nl_bounds(),
            E.ExpectColumnValuesToNotBeNull(
                column="lat", mostly=float(cfg.pipeline["validation"]["min_geocode_coverage"])
            ),
            E.ExpectColumnValuesToNotBeNull(column="gemeente_code"),
            E.ExpectColumnValuesToNotBeNull(column="provincie"),
        ],
    ),
    CheckDef(
        asset="core_school_locations",
        name="core_school_locations_ungeocoded",
        description="Lists every location the geocoding chain could not place (warning).",
        blocking=False,
        severity=WARN,
        run=_ungeocoded,
    ),
    CheckDef(
        asset="core_campuses",
        name="core_campuses_valid",
        description="Every configured campus has coordinates.",
        sql="SELECT * FROM core.campuses",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToEqual(value=len(cfg.campuses["campuses"])),
            E.ExpectColumnValuesToBeUnique(column="campus_code"),
            E.ExpectColumnValuesToNotBeNull(column="lat"),
            E.ExpectColumnValuesToNotBeNull(column="lon"),
            *nl_bounds(),
        ],
    ),
    CheckDef(
        asset="core_pupil_locations",
        name="core_pupil_locations_coverage",
        description="Per peiljaar, share of pupils whose location is in the address file and share with "
        "coordinates are at least the configured minimum (pipeline.yaml validation).",
        run=_coverage,
    ),
    CheckDef(
        asset="core_pupil_locations",
        name="core_pupil_locations_listed",
        description="Lists pupil locations missing from the address file or without coordinates (warning).",
        blocking=False,
        severity=WARN,
        run=_unplaced,
    ),
]
