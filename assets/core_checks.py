"""Blocking great-expectations checks on the core_ layer."""

import dagster as dg
import pandas as pd

from assets.checks_common import partition_of, year_filter
from pipeline.resources import StoResource
from pipeline.validation import E, check_result

GEOCODE_METHODS = ["override", "address_point", "pc6_centroid", "pc4_centroid", "pdok", "none"]


@dg.asset_check(
    asset="core_duo_vo_students",
    blocking=True,
    description="Unique grain, non-negative counts, censored bounds 1–4, known codes, and the core "
    "total equal to the raw file's total (exact for uncensored cells).",
)
def core_duo_vo_students_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    year = partition_of(context)
    where, params = year_filter(year)
    c = sto.config.pipeline["censored"]
    with sto.connect() as con:
        df = con.execute(f"SELECT * FROM core.duo_vo_students {where}", params).df()
        cols = ", ".join(f"lj{lj}_{s}" for lj in range(1, 7) for s in ("m", "v"))
        raw = con.execute(
            f"""
            SELECT coalesce(sum(TRY_CAST(v AS BIGINT)) FILTER (WHERE NOT censored), 0) AS total,
                   count(*) FILTER (WHERE censored AND v <> '0') AS censored
            FROM (SELECT *, v = '<5' OR (coalesce(masking, 'none') = 'four_means_1_to_4' AND v = '4') AS censored
                  FROM (UNPIVOT (SELECT masking, {cols} FROM raw.duo_vo_students {where})
                        ON COLUMNS(* EXCLUDE (masking)) INTO NAME k VALUE v))""",
            params,
        ).fetchone()
        core_total = int(df.loc[~df["n_censored"], "n"].sum()) if len(df) else 0
        recon = pd.DataFrame(
            {
                "uncensored_delta": [core_total - int(raw[0])],
                "censored_delta": [int(df["n_censored"].sum()) - int(raw[1])],
            }
        )
        cens = df[df["n_censored"]]
        main = check_result(
            con,
            context,
            "core_duo_vo_students",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectCompoundColumnsToBeUnique(
                    column_list=[
                        "peiljaar",
                        "vestiging_code",
                        "onderwijstype_label",
                        "afdeling",
                        "opleidingscode",
                        "lwoo",
                        "leerjaar",
                        "sex",
                    ]
                ),
                E.ExpectColumnValuesToBeBetween(column="n", min_value=0),
                E.ExpectColumnValuesToNotBeNull(column="onderwijstype"),
                E.ExpectColumnValuesToBeInSet(column="leerweg", value_set=["BB", "KB", "GL", "TL"]),
                E.ExpectColumnValuesToBeInSet(column="sex", value_set=["M", "V"]),
                E.ExpectColumnValuesToBeBetween(column="leerjaar", min_value=1, max_value=6),
            ],
            partition=str(year),
        )
        bounds = check_result(
            con,
            context,
            "core_duo_vo_students",
            "censored_bounds",
            cens,
            [
                E.ExpectColumnValuesToBeBetween(column="n_lower", min_value=c["lower"], max_value=c["lower"]),
                E.ExpectColumnValuesToBeBetween(column="n_upper", min_value=c["upper"], max_value=c["upper"]),
                E.ExpectColumnValuesToBeBetween(column="n", min_value=c["lower"], max_value=c["upper"]),
            ],
            partition=str(year),
        )
        vm = df[df["leerweg"].isin(["BB", "KB", "GL"])]
        prof = check_result(
            con,
            context,
            "core_duo_vo_students",
            "vmbo_bkg_has_profile",
            vm,
            [
                E.ExpectColumnValuesToNotBeNull(column="profile_code"),
            ],
            partition=str(year),
        )
        rec = check_result(
            con,
            context,
            "core_duo_vo_students",
            "total_equals_raw",
            recon,
            [
                E.ExpectColumnValuesToBeBetween(column="uncensored_delta", min_value=0, max_value=0),
                E.ExpectColumnValuesToBeBetween(column="censored_delta", min_value=0, max_value=0),
            ],
            partition=str(year),
        )
    parts = [main, bounds, prof, rec]
    meta = {}
    for name, r in zip(["valid", "censored", "profile", "reconcile"], parts, strict=True):
        meta.update({f"{name}: {k}": v for k, v in r.metadata.items()})
    meta["raw_total_uncensored"] = dg.MetadataValue.int(int(raw[0]))
    meta["core_total_uncensored"] = dg.MetadataValue.int(core_total)
    return dg.AssetCheckResult(passed=all(p.passed for p in parts), metadata=meta)


@dg.asset_check(
    asset="core_vmbo_profile",
    blocking=True,
    description="The ten vmbo profiles are present once each, flags are booleans, labels map uniquely.",
)
def core_vmbo_profile_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    flags = list(sto.config.profiles["flags"])
    with sto.connect() as con:
        dim = con.execute("SELECT * FROM core.vmbo_profile").df()
        labels = con.execute("SELECT * FROM core.vmbo_profile_label").df()
        r1 = check_result(
            con,
            context,
            "core_vmbo_profile",
            "valid",
            dim,
            [
                E.ExpectColumnValuesToBeUnique(column="profile_code"),
                E.ExpectColumnDistinctValuesToContainSet(
                    column="profile_code",
                    value_set=["BWI", "PIE", "M&T", "MaT", "MVI", "D&P", "Z&W", "E&O", "HBR", "GR"],
                ),
                *[E.ExpectColumnValuesToBeInSet(column=f, value_set=[True, False]) for f in flags],
            ],
        )
        r2 = check_result(
            con,
            context,
            "core_vmbo_profile",
            "labels_unique",
            labels,
            [
                E.ExpectColumnValuesToBeUnique(column="label"),
            ],
        )
    return dg.AssetCheckResult(passed=r1.passed and r2.passed, metadata={**r1.metadata, **r2.metadata})


@dg.asset_check(asset="core_onderwijstype", blocking=True, description="Labels unique, leerweg codes known.")
def core_onderwijstype_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM core.onderwijstype").df()
        return check_result(
            con,
            context,
            "core_onderwijstype",
            "valid",
            df,
            [
                E.ExpectColumnValuesToBeUnique(column="label"),
                E.ExpectColumnValuesToBeInSet(column="leerweg", value_set=["BB", "KB", "GL", "TL"]),
            ],
        )


@dg.asset_check(
    asset="core_school_locations",
    blocking=True,
    description="Unique codes, Dutch coordinates, known geocode methods, ≥ configured share geocoded.",
)
def core_school_locations_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    mostly = float(sto.config.pipeline["validation"]["min_geocode_coverage"])
    with sto.connect() as con:
        df = con.execute("SELECT * FROM core.school_locations").df()
        return check_result(
            con,
            context,
            "core_school_locations",
            "valid",
            df,
            [
                E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
                E.ExpectColumnValuesToBeInSet(column="geocode_method", value_set=GEOCODE_METHODS),
                E.ExpectColumnValuesToBeBetween(column="lat", min_value=50.7, max_value=53.6),
                E.ExpectColumnValuesToBeBetween(column="lon", min_value=3.3, max_value=7.3),
                E.ExpectColumnValuesToNotBeNull(column="lat", mostly=mostly),
                E.ExpectColumnValuesToNotBeNull(column="gemeente_code"),
                E.ExpectColumnValuesToNotBeNull(column="provincie"),
            ],
        )


@dg.asset_check(
    asset="core_school_locations",
    blocking=False,
    description="Lists every location the geocoding chain could not place (warning).",
)
def core_school_locations_ungeocoded(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT vestiging_code, postcode, lat FROM core.school_locations").df()
        return check_result(
            con,
            context,
            "core_school_locations",
            "ungeocoded_listed",
            df.assign(placed=df["lat"].notna()),
            [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
            severity=dg.AssetCheckSeverity.WARN,
            extra_metadata={
                "ungeocoded": dg.MetadataValue.json(
                    df.loc[df["lat"].isna(), ["vestiging_code", "postcode"]].to_dict("records")
                )
            },
        )


@dg.asset_check(asset="core_campuses", blocking=True, description="Every configured campus has coordinates.")
def core_campuses_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM core.campuses").df()
        return check_result(
            con,
            context,
            "core_campuses",
            "valid",
            df,
            [
                E.ExpectTableRowCountToEqual(value=len(sto.config.campuses["campuses"])),
                E.ExpectColumnValuesToBeUnique(column="campus_code"),
                E.ExpectColumnValuesToNotBeNull(column="lat"),
                E.ExpectColumnValuesToNotBeNull(column="lon"),
                E.ExpectColumnValuesToBeBetween(column="lat", min_value=50.7, max_value=53.6),
                E.ExpectColumnValuesToBeBetween(column="lon", min_value=3.3, max_value=7.3),
            ],
        )


@dg.asset_check(
    asset="core_pupil_locations",
    blocking=True,
    description="Per peiljaar, share of pupils whose location is in the address file and share with "
    "coordinates are at least the configured minimum (pipeline.yaml validation).",
)
def core_pupil_locations_coverage(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    v = sto.config.pipeline["validation"]
    with sto.connect() as con:
        cov = con.execute("""
            SELECT peiljaar,
                   -- coalesce: a year with no placed pupil has share 0, not NULL (GX skips NULLs)
                   coalesce(sum(n_pupils) FILTER (WHERE in_address_file), 0) / sum(n_pupils) AS pupil_join_share,
                   coalesce(sum(n_pupils) FILTER (WHERE lat IS NOT NULL), 0) / sum(n_pupils) AS pupil_geocode_share,
                   avg(in_address_file::INT) AS location_join_share,
                   avg((lat IS NOT NULL)::INT) AS location_geocode_share
            FROM core.pupil_locations GROUP BY peiljaar ORDER BY peiljaar""").df()
        return check_result(
            con,
            context,
            "core_pupil_locations",
            "coverage",
            cov,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectColumnValuesToBeBetween(
                    column="pupil_join_share", min_value=float(v["min_location_join_coverage"])
                ),
                E.ExpectColumnValuesToBeBetween(
                    column="pupil_geocode_share", min_value=float(v["min_geocode_coverage"])
                ),
            ],
            extra_metadata={"coverage": dg.MetadataValue.md(cov.to_markdown(index=False))},
        )


@dg.asset_check(
    asset="core_pupil_locations",
    blocking=False,
    description="Lists pupil locations missing from the address file or without coordinates (warning).",
)
def core_pupil_locations_listed(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute(
            "SELECT peiljaar, vestiging_code, name, plaatsnaam, n_pupils, in_address_file, lat "
            "FROM core.pupil_locations"
        ).df()
        missing = df[~df["in_address_file"] | df["lat"].isna()]
        return check_result(
            con,
            context,
            "core_pupil_locations",
            "unplaced_listed",
            df.assign(placed=df["lat"].notna()),
            [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
            severity=dg.AssetCheckSeverity.WARN,
            extra_metadata={
                "unplaced": dg.MetadataValue.json(missing.drop(columns=["lat"]).astype(str).to_dict("records"))
            },
        )
