"""Blocking great-expectations checks on the raw_ layer."""

import dagster as dg
import pandas as pd

from assets.checks_common import partition_of, year_filter
from pipeline.duo import (
    COUNT_COLUMNS,  # noqa: F401  (documented: the 12 count columns)
    LWOO_VALUES,
    MASKING_CONVENTIONS,
)
from pipeline.resources import StoResource
from pipeline.validation import E, check_result

COUNT_COLS = [f"lj{lj}_{s}" for lj in range(1, 7) for s in ("m", "v")]
PROVINCES = [
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Fryslân",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
]


@dg.asset_check(
    asset="raw_duo_vo_students",
    blocking=True,
    description="Schema, keys, counts (integer or '<5') and known onderwijstype/afdeling labels; "
    "unknown labels are listed.",
)
def raw_duo_vo_students_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    year = partition_of(context)
    where, params = year_filter(year)
    cfg = sto.config
    ot_labels = [o["label"] for o in cfg.onderwijstypes["onderwijstypes"]]
    vmbo_ot = [o["label"] for o in cfg.onderwijstypes["onderwijstypes"] if o["level"] == "vmbo"]
    vmbo_labels = [lab for p in cfg.profiles["profiles"] for lab in p["labels"]] + cfg.profiles["non_profile_labels"]
    with sto.connect() as con:
        df = con.execute(f"SELECT * FROM raw.duo_vo_students {where}", params).df()
        vm = df[df["onderwijstype_label"].isin(vmbo_ot)]
        key = ["peiljaar", "vestiging_code", "onderwijstype_label", "afdeling", "opleidingscode"]
        key += ["lwoo"] if df["lwoo"].notna().any() else []
        expectations = [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnValuesToNotBeNull(column="vestiging_code"),
            E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=r"^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$"),
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
        ]
        result = check_result(con, context, "raw_duo_vo_students", "valid", df, expectations, partition=str(year))
        # vmbo afdeling labels are checked on the vmbo rows only (other types carry havo/vwo profiles).
        labels = check_result(
            con,
            context,
            "raw_duo_vo_students",
            "known_vmbo_afdeling",
            vm,
            [E.ExpectColumnValuesToBeInSet(column="afdeling", value_set=vmbo_labels)],
            partition=str(year),
        )
    return dg.AssetCheckResult(
        passed=result.passed and labels.passed,
        metadata={**result.metadata, **{f"vmbo {k}": v for k, v in labels.metadata.items()}},
    )


@dg.asset_check(
    asset="raw_duo_vo_students",
    blocking=False,
    description="Warning: lists the pupils whose onderwijstype or vmbo afdeling is mapped by a judgement "
    "(onderwijstypes.yaml uncertain_labels, profiles.yaml certainty: uncertain), e.g. pre-2016 broad techniek "
    "programmes and 'VMBO-MBO2 lj 3-6' (no leerweg).",
)
def raw_duo_vo_students_uncertain_mappings(
    context: dg.AssetCheckExecutionContext, sto: StoResource
) -> dg.AssetCheckResult:
    year = partition_of(context)
    where, params = year_filter(year)
    cfg = sto.config
    ot_uncertain = list(cfg.onderwijstypes.get("uncertain_labels") or [])
    vmbo_ot = [o["label"] for o in cfg.onderwijstypes["onderwijstypes"] if o["level"] == "vmbo"]
    afd_uncertain = [lab for p in cfg.profiles["profiles"] if p.get("certainty") == "uncertain" for lab in p["labels"]]
    with sto.connect() as con:
        df = con.execute(
            f"SELECT source_file, source_row, vestiging_code, onderwijstype_label, afdeling, {', '.join(COUNT_COLS)} "
            f"FROM raw.duo_vo_students {where}",
            params,
        ).df()
        uncertain = df["onderwijstype_label"].isin(ot_uncertain) | (
            df["onderwijstype_label"].isin(vmbo_ot) & df["afdeling"].isin(afd_uncertain)
        )
        pupils = df[COUNT_COLS].apply(pd.to_numeric, errors="coerce").sum(axis=1)
        listing = (
            df.assign(pupils=pupils)[uncertain]
            .groupby(["onderwijstype_label", "afdeling"], as_index=False)["pupils"]
            .sum()
            .to_dict("records")
        )
        return check_result(
            con,
            context,
            "raw_duo_vo_students",
            "uncertain_mappings",
            df.assign(mapping_certain=~uncertain),
            [E.ExpectColumnValuesToBeInSet(column="mapping_certain", value_set=[True])],
            severity=dg.AssetCheckSeverity.WARN,
            partition=str(year),
            extra_metadata={"uncertain_pupils": dg.MetadataValue.json(listing)},
        )


@dg.asset_check(
    asset="raw_duo_vo_locations",
    blocking=True,
    description="The address snapshot just loaded: unique 6-character vestiging codes, postcodes, gemeente "
    "codes, provinces.",
)
def raw_duo_vo_locations_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        # The snapshot this run loaded (earlier snapshots were validated when they were loaded).
        df = con.execute(
            "SELECT * FROM raw.duo_vo_locations WHERE snapshot_id = (SELECT arg_max(snapshot_id, loaded_at) "
            "FROM audit.loaded_sources WHERE asset = 'raw_duo_vo_locations')"
        ).df()
        return check_result(
            con,
            context,
            "raw_duo_vo_locations",
            "valid",
            df,
            [
                E.ExpectTableRowCountToBeBetween(min_value=1),
                E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
                E.ExpectColumnValuesToMatchRegex(column="vestiging_code", regex=r"^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$"),
                E.ExpectColumnValuesToMatchRegex(column="gemeente_code", regex=r"^[0-9]{4}$"),
                E.ExpectColumnValuesToBeInSet(column="provincie", value_set=PROVINCES),
                # A malformed postcode cannot be geocoded by postcode: listed here, placed (or not) downstream.
                E.ExpectColumnValuesToMatchRegex(column="postcode", regex=r"^[1-9][0-9]{3} ?[A-Z]{2}$", mostly=0.99),
            ],
        )


def _geo_expectations(key: str, regex: str, min_rows: int) -> list:
    return [
        E.ExpectTableRowCountToBeBetween(min_value=min_rows),
        E.ExpectColumnValuesToMatchRegex(column=key, regex=regex),
        E.ExpectColumnValuesToBeBetween(column="lat", min_value=50.7, max_value=53.6),
        E.ExpectColumnValuesToBeBetween(column="lon", min_value=3.3, max_value=7.3),
    ]


@dg.asset_check(asset="raw_geonames_pc6", blocking=True, description="PC6 keys and Dutch lat/lon ranges.")
def raw_geonames_pc6_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT pc6, lat, lon FROM raw.geonames_pc6").df()
        return check_result(
            con, context, "raw_geonames_pc6", "valid", df, _geo_expectations("pc6", r"^[1-9][0-9]{3}[A-Z]{2}$", 1)
        )


@dg.asset_check(asset="raw_geonames_pc4", blocking=True, description="PC4 keys and Dutch lat/lon ranges.")
def raw_geonames_pc4_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT pc4, lat, lon FROM raw.geonames_pc4").df()
        return check_result(
            con, context, "raw_geonames_pc4", "valid", df, _geo_expectations("pc4", r"^[1-9][0-9]{3}$", 1)
        )


@dg.asset_check(asset="raw_school_points", blocking=True, description="Vestiging codes and Dutch lat/lon.")
def raw_school_points_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM raw.school_points").df()
        return check_result(
            con,
            context,
            "raw_school_points",
            "valid",
            df,
            [
                E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
                E.ExpectColumnValuesToBeBetween(column="lat", min_value=50.7, max_value=53.6),
                E.ExpectColumnValuesToBeBetween(column="lon", min_value=3.3, max_value=7.3),
            ],
        )


@dg.asset_check(
    asset="raw_geocode_overrides", blocking=True, description="One override per vestiging, Dutch lat/lon, a note."
)
def raw_geocode_overrides_valid(context: dg.AssetCheckExecutionContext, sto: StoResource) -> dg.AssetCheckResult:
    with sto.connect() as con:
        df = con.execute("SELECT * FROM raw.geocode_overrides").df()
        return check_result(
            con,
            context,
            "raw_geocode_overrides",
            "valid",
            df,
            [
                E.ExpectColumnValuesToBeUnique(column="vestiging_code"),
                E.ExpectColumnValuesToBeBetween(column="lat", min_value=50.7, max_value=53.6),
                E.ExpectColumnValuesToBeBetween(column="lon", min_value=3.3, max_value=7.3),
                E.ExpectColumnValuesToNotBeNull(column="source_note"),
            ],
        )
