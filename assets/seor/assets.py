"""SEOR 2023 initiative selection: the assets.

the inventory through its column mapping (raw_seor_inventory), the initiatives (core_seor_initiatives),
the seven selection steps with a decision per row (core_seor_step1_start … core_seor_step7_reach:
sql/seor_step*.sql),
the campus reach and the SEOR tables and reconciliation (mart_*: sql/seor_reach.sql, sql/mart_*.sql).
Their checks are declared as data in assets/seor/checks.py and run inside each asset's step."""

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from assets.common import SEOR
from assets.locations.geo import geocode_chain
from assets.seor import inventory as seor
from assets.seor.checks import CHECKS
from pipeline import db
from pipeline.audit import record_source
from pipeline.checks import checked_asset
from pipeline.fetch import FetchedFile, sha256_file
from pipeline.paths import DATA_RAW
from pipeline.resources import StoResource

ADDITIONS_STEP = 5


def _mapping(cfg: dict[str, Any]) -> seor.Mapping:
    inventory, mapping_path = seor.inventory_paths(cfg)
    return seor.load_mapping(mapping_path, inventory)


def _local_file(source_id: str, path: Path) -> FetchedFile:
    """A local input file for audit.source_files; files bundled in data_raw/ count as the repository mirror
    (as the fetch layer records data_raw/geocode_overrides.csv), anything else as 'local'."""
    st = path.stat()
    return FetchedFile(
        source_id=source_id,
        peiljaar=None,
        path=str(path),
        origin=str(path),
        origin_kind="mirror" if path.resolve().is_relative_to(DATA_RAW.resolve()) else "local",
        size=st.st_size,
        sha256=sha256_file(path),
        retrieved_at=pd.Timestamp.fromtimestamp(st.st_mtime, tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _meta(
    con: duckdb.DuckDBPyConnection, cfg: dict[str, Any], table: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Table metadata plus the fingerprint of the SEOR definitions (seor.yaml, `cfg`) that produced it."""
    return db.table_metadata(
        con, table, extra={"seor_config_sha256": dg.MetadataValue.text(seor.config_sha(cfg)), **(extra or {})}
    )


def _register(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    """Materialise a DataFrame as a temp table (DuckDB cannot bind list columns of views reliably)."""
    con.register("_tmp_in", df.copy())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {db.ident(name)} AS SELECT * FROM _tmp_in")
    finally:
        con.unregister("_tmp_in")


@checked_asset(
    CHECKS,
    description="The initiative inventory (STO_INVENTORY / mapping STO_INVENTORY_MAPPING; default the SEOR 2023 "
    "reconstruction data_raw/seor2023/inventory.csv), .csv or .xlsx, mapped onto the canonical schema of "
    "pipeline/config/seor.yaml and validated: an unknown category, an unparseable location or a missing column "
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
    "(core.school_locations) or a postcode. Characteristics in long form. SQL: sql/seor_initiatives.sql. "
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
    frames: dict[str, pd.DataFrame] | None = None,
) -> dg.MaterializeResult:
    """Run sql/<table>.sql for funnel step `no` (with `frames` as temp tables) and report the counts."""
    cfg = sto.config.seor
    info = seor.step_info(cfg, no)
    params = {"step_no": no, "step": info["key"], **(extra_params or {})}
    name = table.split(".")[1]
    with sto.connect() as con:
        for tname, frame in (frames or {}).items():
            _register(con, tname, frame)
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
    "at step 5). SQL: sql/seor_step1_start.sql. Table core.seor_step1_start.",
    **SEOR,
)
def core_seor_step1_start(sto: StoResource) -> dg.MaterializeResult:
    f = sto.config.seor["funnel"]
    return _run_step(sto, 1, "core.seor_step1_start", {"addition_provenance": f["addition_provenance"]})


@dg.asset(
    deps=["core_seor_step1_start"],
    description="Funnel step 2: keep the categories in seor.yaml funnel.keep_categories (promotie). "
    "SQL: sql/seor_step2_category.sql. Table core.seor_step2_category.",
    **SEOR,
)
def core_seor_step2_category(sto: StoResource) -> dg.MaterializeResult:
    f = sto.config.seor["funnel"]
    return _run_step(sto, 2, "core.seor_step2_category", {"keep_categories": [str(c) for c in f["keep_categories"]]})


@dg.asset(
    deps=["core_seor_step2_category"],
    description="Funnel step 3: keep the seven po/vo doelgroepen of seor.yaml (compared case- and "
    "whitespace-insensitively). SQL: sql/seor_step3_doelgroep.sql. Table core.seor_step3_doelgroep.",
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
    "stays. SQL: sql/seor_step4_dedupe.sql. Table core.seor_step4_dedupe.",
    **SEOR,
)
def core_seor_step4_dedupe(sto: StoResource) -> dg.MaterializeResult:
    dims = [str(d) for d in sto.config.seor["funnel"]["dedupe_dimensions"]]
    return _run_step(sto, 4, "core.seor_step4_dedupe", {"dedupe_dimensions": dims})


@dg.asset(
    deps=["core_seor_step4_dedupe"],
    description="Funnel step 5: add the inventory rows with provenance seor_addition (initiatives SEOR found "
    "itself). SQL: sql/seor_step5_additions.sql. Table core.seor_step5_additions.",
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
    deps=["core_seor_step5_additions", "core_seor_initiative_values"],
    description="Funnel step 6: activities sharing a ROC location become one initiative (survivor rule "
    "funnel.roc_survivor; union of multi-valued characteristics, maximum praktijkgerichtheid). "
    "SQL: sql/seor_step6_roc.sql. Tables core.seor_step6_roc, core.seor_candidates, "
    "core.seor_candidate_members, core.seor_candidate_values.",
    **SEOR,
)
def core_seor_step6_roc(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    f = cfg["funnel"]
    if f["roc_survivor"] not in ("shortest_name", "first"):
        raise seor.config_mod.ConfigError(f"seor.yaml funnel.roc_survivor: unknown rule {f['roc_survivor']!r}")
    cats = seor.category_frame(cfg)
    ordinal = cats[cats["rank"].notna() & cats["dimension"].isin(f["roc_max_dimensions"])]
    ranks = ordinal[["dimension", "category", "rank"]].rename(columns={"category": "code"}).astype({"rank": "int64"})
    return _run_step(
        sto,
        6,
        "core.seor_step6_roc",
        {"roc_survivor": f["roc_survivor"], "union_dimensions": [str(d) for d in f["roc_union_dimensions"]]},
        frames={"seor_ordinal_rank": ranks},
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
    "applies in seor.yaml reach.methods order. SQL: sql/seor_reach.sql. Tables marts.initiative_campus_reach, "
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
    "SQL: sql/seor_step7_reach.sql. Table core.seor_step7_reach.",
    **SEOR,
)
def core_seor_step7_reach(sto: StoResource) -> dg.MaterializeResult:
    return _run_step(sto, 7, "core.seor_step7_reach")


def _steps_in(con: duckdb.DuckDBPyConnection, cfg: dict[str, Any]) -> None:
    _register(con, "seor_steps_in", seor.steps_frame(cfg))


@dg.asset(
    deps=[
        "core_seor_step1_start",
        "core_seor_step2_category",
        "core_seor_step3_doelgroep",
        "core_seor_step4_dedupe",
        "core_seor_step5_additions",
        "core_seor_step6_roc",
        "core_seor_step7_reach",
    ],
    description="Every inventory row × every funnel step it reached: kept, dropped, added or merged, and the "
    "rule that decided (related_id: the row it duplicates or was concentrated into). "
    "SQL: sql/mart_selection_log.sql. Table marts.selection_log.",
    **SEOR,
)
def mart_selection_log(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        _steps_in(con, cfg)
        db.run_sql(con, "mart_selection_log")
        by = con.execute("SELECT decision, count(*) FROM marts.selection_log GROUP BY 1 ORDER BY 1").fetchall()
        meta = _meta(
            con, cfg, "marts.selection_log", extra={"decisions": dg.MetadataValue.json({d: int(n) for d, n in by})}
        )
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    deps=["mart_selection_log"],
    description="Table 2.1: rows remaining after each funnel step, with kept/dropped/added per step. "
    "SQL: sql/mart_selection_funnel.sql. Table marts.selection_funnel.",
    **SEOR,
)
def mart_selection_funnel(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        _steps_in(con, cfg)
        db.run_sql(con, "mart_selection_funnel")
        df = con.execute("SELECT step_no, step, n_remaining FROM marts.selection_funnel ORDER BY step_no").df()
        meta = _meta(
            con,
            cfg,
            "marts.selection_funnel",
            extra={
                "funnel": dg.MetadataValue.md(df.to_markdown(index=False)),
                "n_selected": dg.MetadataValue.int(int(df["n_remaining"].iloc[-1]) if len(df) else 0),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["core_seor_step7_reach", "mart_initiative_campus_reach"],
    description="Table 2.2: per campus the number of selected initiatives within the configured radius "
    "(campus_code TOTAL = all selected). SQL: sql/mart_campus_initiatives.sql. Table marts.campus_initiatives.",
    **SEOR,
)
def mart_campus_initiatives(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        db.run_sql(con, "mart_campus_initiatives", {"total_code": cfg["total_campus_code"]})
        rows = con.execute("SELECT campus_code, n_initiatives FROM marts.campus_initiatives").fetchall()
        meta = _meta(
            con,
            cfg,
            "marts.campus_initiatives",
            extra={"per_campus": dg.MetadataValue.json({c: int(n) for c, n in rows})},
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["mart_initiative_campus_reach", "core_seor_reach_pairs"],
    description="Sensitivity of table 2.2 to the radius: initiatives per campus for every radius in pipeline.yaml "
    "reach.sensitivity_radii_km (and the default radius). SQL: sql/mart_campus_initiatives_sensitivity.sql. "
    "Table marts.campus_initiatives_sensitivity.",
    **SEOR,
)
def mart_campus_initiatives_sensitivity(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    reach = sto.config.pipeline["reach"]
    default = float(reach["default_radius_km"])
    radii = sorted({float(r) for r in reach["sensitivity_radii_km"]} | {default})
    with sto.connect() as con:
        _register(con, "seor_radii_in", pd.DataFrame({"radius_km": radii}))
        db.run_sql(
            con,
            "mart_campus_initiatives_sensitivity",
            {
                "total_code": cfg["total_campus_code"],
                "override_all_radii": bool(cfg["reach"]["override_all_radii"]),
                "default_radius_km": default,
            },
        )
        df = con.execute(
            "PIVOT marts.campus_initiatives_sensitivity ON radius_km USING sum(n_initiatives) GROUP BY campus_code"
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.campus_initiatives_sensitivity",
            extra={
                "radii_km": dg.MetadataValue.json(radii),
                "by_radius": dg.MetadataValue.md(df.to_markdown(index=False)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["core_seor_step7_reach", "mart_initiative_campus_reach", "core_seor_candidate_values"],
    description="Tables 3.1-3.6 (campus_code TOTAL) and 4.1-4.6 (per campus): selected initiatives per "
    "dimension × category (categories, labels and the 'Lokaal' roll-up from seor.yaml). "
    "SQL: sql/mart_initiative_characteristics.sql. Table marts.initiative_characteristics.",
    **SEOR,
)
def mart_initiative_characteristics(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        _register(con, "seor_categories_in", seor.category_frame(cfg))
        db.run_sql(
            con,
            "mart_initiative_characteristics",
            {"total_code": cfg["total_campus_code"], "total_label": cfg["total_label"]},
        )
        meta = _meta(con, cfg, "marts.initiative_characteristics")
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    deps=["mart_initiative_characteristics"],
    description="Per campus and characteristic its share against the all-campus share, and the gaps "
    "('lacunes') derived by the rules and thresholds of seor.yaml gaps. SQL: sql/mart_campus_gaps.sql. "
    "Table marts.campus_gaps.",
    **SEOR,
)
def mart_campus_gaps(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    with sto.connect() as con:
        _register(con, "seor_gap_rules_in", seor.gap_rule_frame(cfg))
        db.run_sql(con, "mart_campus_gaps", {"total_code": cfg["total_campus_code"], "total_label": cfg["total_label"]})
        gaps = con.execute(
            "SELECT campus_code, dimension, category, gap_rule, gap_evidence FROM marts.campus_gaps WHERE is_gap "
            "ORDER BY gap_rule, campus_code, category"
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.campus_gaps",
            extra={
                "n_gaps": dg.MetadataValue.int(len(gaps)),
                "gaps": dg.MetadataValue.md(gaps.to_markdown(index=False)),
            },
        )
    return dg.MaterializeResult(metadata=meta)


@checked_asset(
    CHECKS,
    deps=["mart_selection_funnel", "mart_campus_initiatives", "mart_initiative_characteristics"],
    description="Every published number of SEOR 2023 tables 2.1-4.6 (data_raw/published/seor2023_tables.csv, "
    "built by scripts/build_seor_published.py) next to ours, per the contract of sql/mart_reconciliation.sql; "
    "the report's known inconsistency (table 4.5 total 'Deels' 36 vs table 3.5 37) is a row with ok = false, "
    "known_source_inconsistency = true and a note naming the reproduced figure. SQL: sql/seor_reconciliation.sql. "
    "Table marts.reconciliation_seor.",
    **SEOR,
)
def mart_reconciliation_seor(sto: StoResource) -> dg.MaterializeResult:
    cfg = sto.config.seor
    rc = cfg["reconciliation"]
    mapping = _mapping(cfg)
    published = seor.read_seor_published(mapping.published)
    radius = float(sto.config.pipeline["reach"]["default_radius_km"])
    with sto.connect() as con:
        ours_campuses = {c for (c,) in con.execute("SELECT campus_code FROM core.campuses").fetchall()}
        pub_campuses = set(published.loc[published["campus_code"] != cfg["total_campus_code"], "campus_code"])
        reasons = []
        if radius != float(rc["published_radius_km"]):
            reasons.append(f"radius {radius:g} km, the report used {float(rc['published_radius_km']):g} km")
        if pub_campuses and ours_campuses != pub_campuses:
            reasons.append(
                f"campuses {sorted(ours_campuses)} differ from the report's {sorted(pub_campuses)} (campuses.yaml)"
            )
        if sto.sample:
            reasons.append("sample mode: campus coordinates come from the synthetic postcode file")
        _register(con, "seor_published_in", published)
        db.run_sql(
            con,
            "seor_reconciliation",
            {
                "source": rc["source"],
                "peiljaar": int(rc["peiljaar"]),
                "tolerance": float(rc["tolerance"]),
                "comparable": not reasons,
                "not_comparable_reason": "; ".join(reasons) or "",
                "total_code": cfg["total_campus_code"],
                "reach_step_no": max(int(s["step_no"]) for s in cfg["funnel"]["steps"]),
            },
        )
        summary = con.execute(
            """SELECT count(*) AS figures, count(*) FILTER (WHERE ok) AS ok,
                      count(*) FILTER (WHERE NOT ok AND known_source_inconsistency) AS known_inconsistency,
                      count(*) FILTER (WHERE NOT ok AND NOT known_source_inconsistency) AS not_ok,
                      count(*) FILTER (WHERE NOT comparable) AS not_comparable
               FROM marts.reconciliation_seor"""
        ).df()
        meta = _meta(
            con,
            cfg,
            "marts.reconciliation_seor",
            extra={
                "published_file": dg.MetadataValue.text(str(mapping.published) if mapping.published else "none"),
                "summary": dg.MetadataValue.json({k: int(v) for k, v in summary.iloc[0].items()}),
                "comparable": dg.MetadataValue.text("yes" if not reasons else "; ".join(reasons)),
            },
        )
    return dg.MaterializeResult(metadata=meta)
