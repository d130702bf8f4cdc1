"""School locations and geocoding: the asset checks, as data (pipeline/checks.py builds and runs them in their asset's step)."""

import dagster as dg

from pipeline.checks import WARN, CheckDef, CheckRun, nl_bounds, rows_metadata
from pipeline.constants import PROVINCES, VESTIGING_CODE_PATTERN
from pipeline.validation import E


def _geo(asset: str, key: str, regex: str, description: str) -> CheckDef:
    return CheckDef(
        asset=asset,
        name=f"{asset}_valid",
        description=description,
        sql=f"SELECT {key}, lat, lon FROM raw.{asset.removeprefix('raw_')}",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToMatchRegex(column=key, regex=regex),
            *nl_bounds(),
        ],
    )


GEOCODE_METHODS = ["override", "address_point", "pc6_centroid", "pc4_centroid", "pdok", "none"]


def _ungeocoded(r: CheckRun) -> None:
    df = r.frame("SELECT vestiging_code, postcode, lat FROM core.school_locations")
    r.validate(
        "ungeocoded_listed",
        df.assign(placed=df["lat"].notna()),
        [E.ExpectColumnValuesToBeInSet(column="placed", value_set=[True])],
        extra_metadata={"ungeocoded": rows_metadata(df.loc[df["lat"].isna(), ["vestiging_code", "postcode"]])},
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
        extra_metadata={"unplaced": rows_metadata(missing.drop(columns=["lat"]))},
    )


CHECKS = [
    CheckDef(
        asset="core_boundaries",
        name="core_boundaries_valid",
        description="Map boundaries: CBS codes (GM + 4 digits, PV + 2), one row per level, year and code, a "
        "name and a polygon geometry (the table may be empty: the boundaries are an optional source).",
        sql="SELECT level, division_year, code, name, geometry_type, geometry IS NOT NULL AS has_geometry, "
        "level || ':' || division_year || ':' || code AS layer_key FROM core.boundaries",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeInSet(column="level", value_set=["gemeente", "provincie"]),
            E.ExpectColumnValuesToMatchRegex(column="code", regex=r"^(?:GM[0-9]{4}|PV[0-9]{2})$"),
            E.ExpectColumnValuesToBeUnique(column="layer_key"),
            E.ExpectColumnValuesToNotBeNull(column="name"),
            E.ExpectColumnValuesToBeInSet(column="geometry_type", value_set=["Polygon", "MultiPolygon"]),
            E.ExpectColumnValuesToBeInSet(column="has_geometry", value_set=[True]),
        ],
    ),
    CheckDef(
        asset="raw_duo_vo_locations",
        name="raw_duo_vo_locations_valid",
        description="The address snapshot just loaded: unique 6-character vestiging codes, postcodes, gemeente "
        "codes, provinces.",
        # The snapshot this run loaded (earlier snapshots were validated when they were loaded).
        sql="SELECT * FROM raw.duo_vo_locations WHERE snapshot_id = (SELECT arg_max(snapshot_id, loaded_at) "
        "FROM audit.loaded_sources WHERE asset = 'raw_duo_vo_locations')",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
            E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=VESTIGING_CODE_PATTERN),
            E.ExpectColumnValuesToMatchRegex(column="gemeente_code", regex=r"^[0-9]{4}$"),
            E.ExpectColumnValuesToBeInSet(column="provincie", value_set=list(PROVINCES)),
            # A malformed postcode cannot be geocoded by postcode: listed here, placed (or not) downstream.
            E.ExpectColumnValuesToMatchRegex(column="postcode", regex=r"^[1-9][0-9]{3} ?[A-Z]{2}$", mostly=0.99),
        ],
    ),
    _geo("raw_geonames_pc6", "pc6", r"^[1-9][0-9]{3}[A-Z]{2}$", "PC6 keys and Dutch lat/lon ranges."),
    _geo("raw_geonames_pc4", "pc4", r"^[1-9][0-9]{3}$", "PC4 keys and Dutch lat/lon ranges."),
    CheckDef(
        asset="raw_school_points",
        name="raw_school_points_valid",
        description="Vestiging codes and Dutch lat/lon.",
        sql="SELECT * FROM raw.school_points",
        expectations=lambda cfg: [E.ExpectColumnValuesToBeUnique(column="vestiging_code"), *nl_bounds()],
    ),
    CheckDef(
        asset="raw_geocode_overrides",
        name="raw_geocode_overrides_valid",
        description="One override per vestiging, Dutch lat/lon, a note.",
        sql="SELECT * FROM raw.geocode_overrides",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
            *nl_bounds(),
            E.ExpectColumnValuesToNotBeNull(column="source_note"),
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
