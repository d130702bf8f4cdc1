"""Checks on the raw_ layer, as data (pipeline/checks.py builds and runs them inside their asset's step)."""

import dagster as dg
import pandas as pd

from pipeline.checks import WARN, CheckDef, CheckRun
from pipeline.constants import COUNT_COLUMNS, NL_LAT, NL_LON, PROVINCES, VESTIGING_CODE_PATTERN
from pipeline.duo import LWOO_VALUES, MASKING_CONVENTIONS
from pipeline.validation import E

COUNT_COLS = list(COUNT_COLUMNS)


def nl_bounds() -> list:
    """Latitude and longitude inside the Netherlands (pipeline.constants NL_LAT, NL_LON)."""
    return [
        E.ExpectColumnValuesToBeBetween(column="lat", min_value=NL_LAT[0], max_value=NL_LAT[1]),
        E.ExpectColumnValuesToBeBetween(column="lon", min_value=NL_LON[0], max_value=NL_LON[1]),
    ]


def _vmbo_types(cfg) -> list[str]:
    return [o["label"] for o in cfg.onderwijstypes["onderwijstypes"] if o["level"] == "vmbo"]


def _students_valid(r: CheckRun) -> None:
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
        extra_metadata={"uncertain_pupils": dg.MetadataValue.json(listing)},
    )


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


CHECKS = [
    CheckDef(
        asset="raw_duo_vo_students",
        name="raw_duo_vo_students_valid",
        description="Schema, keys, counts (integer or '<5') and known onderwijstype/afdeling labels; "
        "unknown labels are listed.",
        per_peiljaar=True,
        run=_students_valid,
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
]
