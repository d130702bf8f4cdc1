"""SEOR 2023 initiative selection: the assets.

the inventory through its column mapping (raw_seor_inventory), the initiatives (core_seor_initiatives),
the seven selection steps with a decision per row (core_seor_step1_start … core_seor_step7_reach:
assets/seor/sql/seor_step*.sql),
the campus reach and the SEOR tables and reconciliation (mart_*: assets/seor/sql/seor_reach.sql, sql/mart_*.sql).
Their checks are declared as data in assets/seor/checks.py and run inside each asset's step."""

from typing import Any

import dagster as dg
import pandas as pd

from assets.common import SEOR
from assets.locations.geo import geocode_chain
from assets.seor import inventory as seor
from assets.seor.checks import CHECKS
from assets.seor.dims import core_seor_steps, raw_seor_published  # noqa: F401  loaded with this module
from assets.seor.marts import (  # noqa: F401  the SEOR marts, loaded with this module
    mart_campus_gaps,
    mart_campus_initiatives,
    mart_campus_initiatives_sensitivity,
    mart_initiative_characteristics,
    mart_reconciliation_seor,
    mart_selection_funnel,
    mart_selection_log,
)
from assets.seor.support import inventory_mapping as _mapping
from assets.seor.support import local_file as _local_file
from assets.seor.support import register_temp as _register
from assets.seor.support import seor_meta as _meta
from pipeline import db
from pipeline.audit import record_source
from pipeline.checks import checked_asset
from pipeline.fetch import sha256_file
from pipeline.resources import StoResource

ADDITIONS_STEP = 5


@checked_asset(
    CHECKS,
    description="The initiative inventory (STO_INVENTORY / mapping STO_INVENTORY_MAPPING; default the SEOR 2023 "
    "reconstruction data_raw/seor2023/inventory.csv), .csv or .xlsx, mapped onto the canonical schema of "
    "assets/seor/config/seor.yaml and validated: an unknown category, an unparseable location or a missing column "
    "stops the run with every offending file/row/column listed. Tables raw.seor_inventory, "
    "raw.seor_participating_schools.",
    **SEOR,
)
def raw_seor_inventory(context: dg.AssetExecutionContext, sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    mapping = _mapping(cfg)
    df = seor.read_inventory(mapping, cfg)
    schools = seor.read_participating_schools(mapping, cfg)
    context.log.info(f"inventory {mapping.inventory_file}: {len(df)} rows (mapping {mapping.path})")
    with sto.connect() as con:
        db.replace_table(con, "raw.seor_inventory", df)
        db.replace_table(con, "raw.seor_participating_schools", schools)
        run_id = context.run.run_id
        record_source(con, run_id, "raw_seor_inventory", _local_file("seor_inventory", mapping.inventory_file))
        record_source(con, run_id, "raw_seor_inventory", _local_file("seor_inventory_mapping", mapping.path))
        if mapping.schools_file is not None:
            record_source(
                con, run_id, "raw_seor_inventory", _local_file("seor_participating_schools", mapping.schools_file)
            )
        prov = df["provenance"].value_counts(dropna=False).to_dict()
        meta = _meta(
            con,
            cfg,
            "raw.seor_inventory",
            extra={
                "inventory_file": dg.MetadataValue.path(str(mapping.inventory_file)),
                "inventory_sha256": dg.MetadataValue.text(sha256_file(mapping.inventory_file)),
                "mapping_file": dg.MetadataValue.path(str(mapping.path)),
                "rows_by_provenance": dg.MetadataValue.json({str(k): int(v) for k, v in prov.items()}),
                "participating_school_rows": dg.MetadataValue.int(len(schools)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


def _long_values(inv: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """One row per (initiative, field, value) of '|'-joined canonical fields (vectorised melt/explode)."""
    m = inv[["id", *fields]].melt(id_vars="id", var_name="dimension", value_name="code")
    m["code"] = m["code"].astype("string").fillna("").str.split(seor.LIST_SEP, regex=False)
    m = m.explode("code")
    m = m[m["code"].fillna("") != ""].rename(columns={"id": "initiative_id"})
    return m[["initiative_id", "dimension", "code"]].astype("string").reset_index(drop=True)


@checked_asset(
    CHECKS,
    also_writes=[
        ("core_seor_initiative_values", "core.seor_initiative_values"),
        ("core_seor_initiative_schools", "core.seor_initiative_schools"),
    ],
    deps=["raw_seor_inventory", "raw_geonames_pc6", "raw_geonames_pc4", "core_school_locations"],
    description="Inventory rows typed and located: own coordinates, else the postcode through the shared "
    "geocoding chain (PC6 → PC4); participating schools located by the schools file, a DUO vestiging code "
    "(core.school_locations) or a postcode. Characteristics in long form. SQL: assets/seor/sql/seor_initiatives.sql. "
    "Tables core.seor_initiatives, core.seor_initiative_values, core.seor_initiative_schools.",
    **SEOR,
)
def core_seor_initiatives(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    dims = list(cfg["dimensions"])
    pattern = cfg["location"]["postcode_pattern"]
    with sto.connect() as con:
        inv = con.execute("SELECT * FROM raw.seor_inventory").df()
        values = _long_values(inv, dims)
        refs = _long_values(inv, ["participating_schools"]).rename(columns={"code": "school_ref"})[
            ["initiative_id", "school_ref"]
        ]
        _register(con, "seor_values_in", values)
        _register(con, "seor_school_refs_in", refs)
        pc = inv["postcode"].astype("string")
        init_entities = pd.DataFrame(
            {
                "entity_key": "i:" + inv["id"].astype("string"),
                "pc6": pc.where(pc.str.len() == 6),
                "pc4": pc.str[:4],
                "override_lat": inv["lat"].astype("float64"),
                "override_lon": inv["lon"].astype("float64"),
                "override_precision_m": float("nan"),
                "override_note": "coordinates given in the inventory",
            }
        )
        school_entities = con.execute(
            """
            WITH r AS (SELECT DISTINCT school_ref FROM seor_school_refs_in),
            pc AS (SELECT school_ref, upper(replace(school_ref, ' ', '')) AS p FROM r
                   WHERE regexp_full_match(trim(school_ref), ?))
            SELECT 's:' || r.school_ref AS entity_key,
                   CASE WHEN length(pc.p) = 6 THEN pc.p END AS pc6, left(pc.p, 4) AS pc4,
                   coalesce(f.lat, l.lat) AS override_lat, coalesce(f.lon, l.lon) AS override_lon,
                   CASE WHEN f.lat IS NOT NULL THEN NULL ELSE l.precision_m END::DOUBLE AS override_precision_m,
                   CASE WHEN f.lat IS NOT NULL THEN 'participating schools file'
                        WHEN l.lat IS NOT NULL THEN 'core.school_locations (' || l.geocode_method || ')' END
                       AS override_note
            FROM r
            LEFT JOIN pc USING (school_ref)
            LEFT JOIN raw.seor_participating_schools f ON f.code = r.school_ref
            LEFT JOIN core.school_locations l ON l.vestiging_code = upper(r.school_ref)
            """,
            [pattern],
        ).df()
        entities = pd.concat([init_entities, school_entities], ignore_index=True)
        entities["point_lat"] = float("nan")
        entities["point_lon"] = float("nan")
        entities = entities.astype(
            {
                "entity_key": "string",
                "pc6": "string",
                "pc4": "string",
                "override_note": "string",
                "override_lat": "float64",
                "override_lon": "float64",
                "override_precision_m": "float64",
                "point_lat": "float64",
                "point_lon": "float64",
            }
        )
        geocode_chain(con, entities, sto.config)
        db.run_sql(con, "seor_initiatives")
        geo = con.execute("SELECT geocode_method, count(*) FROM core.seor_initiatives GROUP BY 1 ORDER BY 1").fetchall()
        res = con.execute(
            "SELECT resolved_by, count(*) FROM core.seor_initiative_schools GROUP BY 1 ORDER BY 1"
        ).fetchall()
        meta = _meta(
            con,
            cfg,
            "core.seor_initiatives",
            extra={
                "geocode_methods": dg.MetadataValue.json({str(m): int(n) for m, n in geo}),
                "participating_schools_resolved_by": dg.MetadataValue.json({str(m): int(n) for m, n in res}),
                "characteristic_values": dg.MetadataValue.int(len(values)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


def _run_step(
    sto: StoResource,
    no: int,
    table: str,
    extra_params: dict[str, Any] | None = None,
) -> dg.MaterializeResult:
    """Run sql/<table>.sql for funnel step `no` and report the counts."""
    cfg = sto.config.seor
    info = seor.step_info(cfg, no)
    params = {"step_no": no, "step": info["key"], **(extra_params or {})}
    name = table.split(".")[1]
    with sto.connect() as con:
        db.run_sql(con, name, params)
        counts = dict(con.execute(f"SELECT decision, count(*) FROM {db.ident(table)} GROUP BY 1").fetchall())
        kept, added = int(counts.get("kept", 0)), int(counts.get("added", 0))
        dropped = int(counts.get("dropped", 0)) + int(counts.get("merged", 0))
        meta = _meta(
            con,
            cfg,
            table,
            extra={
                "step": dg.MetadataValue.text(f"{no}. {info['label']}"),
                "n_in": dg.MetadataValue.int(kept + dropped),
                "n_kept": dg.MetadataValue.int(kept),
                "n_dropped": dg.MetadataValue.int(dropped),
                "n_added": dg.MetadataValue.int(added),
                "n_remaining": dg.MetadataValue.int(kept + added),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["core_seor_initiatives"],
    description="Funnel step 1 (table 2.1 'Startpunt'): every inventory row except the additions (which enter "
    "at step 5). SQL: assets/seor/sql/seor_step1_start.sql. Table core.seor_step1_start.",
    **SEOR,
)
def core_seor_step1_start(sto: StoResource) -> dg.MaterializeResult:
    f = sto.config.seor["funnel"]
    return _run_step(sto, 1, "core.seor_step1_start", {"addition_provenance": f["addition_provenance"]})


@dg.asset(
    deps=["core_seor_step1_start"],
    description="Funnel step 2: keep the categories in seor.yaml funnel.keep_categories (promotie). "
    "SQL: assets/seor/sql/seor_step2_category.sql. Table core.seor_step2_category.",
    **SEOR,
)
def core_seor_step2_category(sto: StoResource) -> dg.MaterializeResult:
    f = sto.config.seor["funnel"]
    return _run_step(sto, 2, "core.seor_step2_category", {"keep_categories": [str(c) for c in f["keep_categories"]]})


@dg.asset(
    deps=["core_seor_step2_category"],
    description="Funnel step 3: keep the seven po/vo doelgroepen of seor.yaml (compared case- and "
    "whitespace-insensitively). SQL: assets/seor/sql/seor_step3_doelgroep.sql. Table core.seor_step3_doelgroep.",
    **SEOR,
)
def core_seor_step3_doelgroep(sto: StoResource) -> dg.MaterializeResult:
    po_vo = seor.normalise_text(pd.Series(sto.config.seor["doelgroepen"]["po_vo"])).tolist()
    return _run_step(sto, 3, "core.seor_step3_doelgroep", {"po_vo_doelgroepen": po_vo})


@checked_asset(
    CHECKS,
    deps=["core_seor_step3_doelgroep", "core_seor_initiative_values"],
    description="Funnel step 4: drop exact duplicates, i.e. rows with the same normalised name (lowercase, "
    "trimmed, whitespace collapsed) and identical value sets on funnel.dedupe_dimensions; the first row by id "
    "stays. SQL: assets/seor/sql/seor_step4_dedupe.sql. Table core.seor_step4_dedupe.",
    **SEOR,
)
def core_seor_step4_dedupe(sto: StoResource) -> dg.MaterializeResult:
    dims = [str(d) for d in sto.config.seor["funnel"]["dedupe_dimensions"]]
    return _run_step(sto, 4, "core.seor_step4_dedupe", {"dedupe_dimensions": dims})


@dg.asset(
    deps=["core_seor_step4_dedupe"],
    description="Funnel step 5: add the inventory rows with provenance seor_addition (initiatives SEOR found "
    "itself). SQL: assets/seor/sql/seor_step5_additions.sql. Table core.seor_step5_additions.",
    **SEOR,
)
def core_seor_step5_additions(sto: StoResource) -> dg.MaterializeResult:
    f = sto.config.seor["funnel"]
    return _run_step(
        sto, ADDITIONS_STEP, "core.seor_step5_additions", {"addition_provenance": f["addition_provenance"]}
    )


@checked_asset(
    CHECKS,
    also_writes=[
        ("core_seor_candidate_members", "core.seor_candidate_members"),
        ("core_seor_candidate_values", "core.seor_candidate_values"),
        ("core_seor_candidates", "core.seor_candidates"),
    ],
    deps=["core_seor_step5_additions", "core_seor_initiative_values", "core_seor_ordinal_ranks"],
    description="Funnel step 6: activities sharing a ROC location become one initiative (survivor rule "
    "funnel.roc_survivor; union of multi-valued characteristics, maximum praktijkgerichtheid). "
    "SQL: assets/seor/sql/seor_step6_roc.sql. Tables core.seor_step6_roc, core.seor_candidates, "
    "core.seor_candidate_members, core.seor_candidate_values.",
    **SEOR,
)
def core_seor_step6_roc(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    f = cfg["funnel"]
    if f["roc_survivor"] not in ("shortest_name", "first"):
        raise seor.config_mod.ConfigError(f"seor.yaml funnel.roc_survivor: unknown rule {f['roc_survivor']!r}")
    return _run_step(
        sto,
        6,
        "core.seor_step6_roc",
        {"roc_survivor": f["roc_survivor"], "union_dimensions": [str(d) for d in f["roc_union_dimensions"]]},
    )


def _reach_params(sto: StoResource, cfg: dict[str, Any]) -> dict[str, Any]:
    p = sto.config.pipeline
    methods = cfg["reach"]["methods"]
    return {
        "earth_radius_km": float(p["geocoding"]["earth_radius_km"]),
        "radius_km": float(p["reach"]["default_radius_km"]),
        "methods": [m["key"] for m in methods],
        "method_labels": [m["label"] for m in methods],
    }


@checked_asset(
    CHECKS,
    also_writes=[("core_seor_reach_pairs", "core.seor_reach_pairs")],
    deps=[
        "core_seor_step6_roc",
        "core_seor_candidate_members",
        "core_seor_candidates",
        "core_seor_initiative_schools",
        "core_campuses",
    ],
    description="Reach of every candidate initiative (after step 6) for every campus of campuses.yaml at the "
    "radius of pipeline.yaml reach.default_radius_km: haversine distance of the own location, the nearest "
    "participating school, national/online, documented override (with its reason); `method` is the first that "
    "applies in seor.yaml reach.methods order. SQL: assets/seor/sql/seor_reach.sql. Tables marts.initiative_campus_reach, "
    "core.seor_reach_pairs (radius-independent distances).",
    **SEOR,
)
def mart_initiative_campus_reach(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    params = _reach_params(sto, cfg)
    with sto.connect() as con:
        db.run_sql(con, "seor_reach", params)
        by = con.execute(
            "SELECT coalesce(method, 'not reached'), count(*) FROM marts.initiative_campus_reach GROUP BY 1 ORDER BY 1"
        ).fetchall()
        meta = _meta(
            con,
            cfg,
            "marts.initiative_campus_reach",
            extra={
                "radius_km": dg.MetadataValue.float(params["radius_km"]),
                "pairs_by_method": dg.MetadataValue.json({str(m): int(n) for m, n in by}),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    deps=["mart_initiative_campus_reach"],
    description="Funnel step 7: keep the candidates that reach at least one campus (own location or a "
    "participating school within the radius, national/online, or a documented override). "
    "SQL: assets/seor/sql/seor_step7_reach.sql. Table core.seor_step7_reach.",
    **SEOR,
)
def core_seor_step7_reach(sto: StoResource) -> dg.MaterializeResult:
    return _run_step(sto, 7, "core.seor_step7_reach")
