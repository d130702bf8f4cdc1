"""DUO mbo entrants, diplomas and instellingen: the asset checks, as data (pipeline/checks.py builds and runs
them in their asset's step). Blocking where a wrong figure would be published: a row lost or doubled between
raw and core (a label join), an unknown code, bounds that do not hold the point value. Warnings: the rows
whose mapping is a judgement (mbo.yaml `certainty: uncertain`), instellingen without coordinates."""

import pandas as pd

from pipeline.checks import WARN, CheckDef, CheckRun, rows_metadata
from pipeline.config_schema.mbo import PRIOR_VO_CODES
from pipeline.validation import E

RAW_COUNT = r"^(?:[0-9]+|<5|-1)$"


def _raw_instroom(cfg) -> list:
    return [
        E.ExpectColumnValuesToNotBeNull(column="instellingscode"),
        E.ExpectColumnValuesToMatchRegex(column="instellingscode", regex=r"^[0-9]{2}[A-Z0-9]{2}$"),
        E.ExpectColumnValuesToMatchRegex(column="crebo", regex=r"^[0-9]{5}$"),
        E.ExpectColumnValuesToNotBeNull(column="kleine_opleiding"),
        *[
            E.ExpectColumnValuesToMatchRegex(column=c, regex=RAW_COUNT)
            for c in ("totaal_mbo", "instroom_mbo", "instroom_opleiding")
        ],
        E.ExpectColumnValuesToBeInSet(column="masking", value_set=["none", "lt5", "minus_one"]),
    ]


def _raw_diplomas(cfg) -> list:
    return [
        E.ExpectColumnValuesToMatchRegex(column="instellingscode", regex=r"^[0-9]{2}[A-Z0-9]{2}$"),
        E.ExpectColumnValuesToMatchRegex(column="crebo", regex=r"^[0-9]{5}$"),
        E.ExpectColumnValuesToBeInSet(column="geslacht", value_set=["man", "vrouw"]),
        E.ExpectColumnValuesToMatchRegex(column="n_diplomas", regex=RAW_COUNT),
        E.ExpectCompoundColumnsToBeUnique(column_list=["source_file", "source_row", "jaar", "geslacht"]),
    ]


def _core_valid(table: str, raw: str, counts: list[str], extra: list) -> "callable":
    """Every raw row once in core (the label joins lose or double none), codes known, bounds around the
    point value, and the uncensored total equal to the raw file's."""

    def run(r: CheckRun) -> None:
        df = r.frame(f"SELECT * FROM {table}")
        recon = r.frame(
            f"""SELECT (SELECT count(*) FROM {table}) - (SELECT count(*) FROM {raw}) AS row_delta,
                       (SELECT count(*) FROM (SELECT DISTINCT source_file, source_row FROM {raw}))
                       - (SELECT count(*) FROM (SELECT DISTINCT source_file, source_row FROM {table})) AS rows_lost"""
        )
        exps = [
            E.ExpectColumnValuesToBeInSet(column="niveau", value_set=[1, 2, 3, 4]),
            E.ExpectColumnValuesToBeInSet(column="leerweg", value_set=["BOL", "BBL"]),
            E.ExpectColumnValuesToNotBeNull(column="technical"),
            E.ExpectColumnValuesToNotBeNull(column="technical_rule"),
            *extra,
        ]
        for c in counts:
            exps += [
                E.ExpectColumnValuesToBeBetween(column=c, min_value=0),
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=c, column_B=f"{c}_lo", or_equal=True),
                E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=f"{c}_hi", column_B=c, or_equal=True),
            ]
        r.validate("valid", df, exps)
        r.validate(
            "rows_equal_raw",
            recon,
            [
                E.ExpectColumnValuesToBeBetween(column="row_delta", min_value=0, max_value=0),
                E.ExpectColumnValuesToBeBetween(column="rows_lost", min_value=0, max_value=0),
            ],
        )

    return run


def _uncertain(table: str, n_col: str, label_cols: dict[str, str]) -> "callable":
    """Warning: the labels mapped by a judgement (mbo.yaml certainty: uncertain), one row per column × label with
    the file rows and the count they carry (not one line per file row: every row of a file can carry one)."""

    def run(r: CheckRun) -> None:
        labels = r.frame("SELECT kind, label_key FROM core.mbo_labels WHERE certainty = 'uncertain'")
        df = r.frame(f"SELECT {', '.join(label_cols)}, {n_col} FROM {table}")
        per_label = []
        for col, kind in label_cols.items():  # one frame per label column (two columns), set-based within each
            keys = set(labels.loc[labels["kind"] == kind, "label_key"])
            g = df.groupby(col, as_index=False, dropna=False).agg(rows=(n_col, "size"), n=(n_col, "sum"))
            g = g.rename(columns={col: "label"}).assign(column=col)
            g["mapping_certain"] = ~g["label"].astype("string").str.strip().str.lower().isin(keys).fillna(False)
            per_label.append(g[["column", "label", "rows", "n", "mapping_certain"]].rename(columns={"n": n_col}))
        frame = pd.concat(per_label, ignore_index=True) if per_label else pd.DataFrame(columns=["mapping_certain"])
        listing = frame.loc[~frame["mapping_certain"].astype(bool)].drop(columns="mapping_certain")
        r.validate(
            "uncertain_mappings",
            frame,
            [E.ExpectColumnValuesToBeInSet(column="mapping_certain", value_set=[True])],
            extra_metadata={"uncertain_labels": rows_metadata(listing, what="label(s)")},
        )

    return run


CHECKS = [
    CheckDef(
        asset="raw_duo_mbo_instroom",
        name="raw_duo_mbo_instroom_valid",
        description="Instelling codes, crebo codes, counts (integer or '<5'), the small-programme flag and the "
        "masking convention. Labels were checked against mbo.yaml when the file was read (an unknown one "
        "blocks the run, listing its rows).",
        sql="SELECT * FROM raw.duo_mbo_instroom",
        expectations=_raw_instroom,
    ),
    CheckDef(
        asset="raw_duo_mbo_gediplomeerden",
        name="raw_duo_mbo_gediplomeerden_valid",
        description="Instelling and crebo codes, geslacht man/vrouw, counts (integer or '<5'), one row per "
        "source row × jaar × geslacht.",
        sql="SELECT * FROM raw.duo_mbo_gediplomeerden",
        expectations=_raw_diplomas,
    ),
    CheckDef(
        asset="raw_duo_mbo_instellingen",
        name="raw_duo_mbo_instellingen_valid",
        description="One row per instelling code; a postcode that is not a Dutch PC6 is a warning-worthy gap "
        "(no pc6: geocoded by PC4 or not at all).",
        sql="SELECT * FROM raw.duo_mbo_instellingen",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="instellingscode"),
            E.ExpectColumnValuesToMatchRegex(column="instellingscode", regex=r"^[0-9]{2}[A-Z0-9]{2}$"),
        ],
    ),
    CheckDef(
        asset="core_mbo_labels",
        name="core_mbo_labels_valid",
        description="One mapping per label and kind; every prior_vo code is one of the eight codes.",
        sql="SELECT * FROM core.mbo_labels",
        expectations=lambda cfg: [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=["kind", "label_key"]),
            E.ExpectColumnValuesToNotBeNull(column="code"),
        ],
    ),
    CheckDef(
        asset="core_mbo_crebo_overrides",
        name="core_mbo_crebo_overrides_valid",
        description="One override per crebo, each with its source and date.",
        sql="SELECT * FROM core.mbo_crebo_overrides",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="crebo"),
            E.ExpectColumnValuesToNotBeNull(column="source"),
            E.ExpectColumnValuesToNotBeNull(column="date"),
        ],
    ),
    CheckDef(
        asset="core_mbo_instroom",
        name="core_mbo_instroom_valid",
        description="Every raw row exactly once (no row lost or doubled by the mbo.yaml label joins), niveau "
        "1-4, leerweg BOL/BBL, prior_vo one of the eight codes, technical set, bounds around each count.",
        run=_core_valid(
            "core.mbo_instroom",
            "raw.duo_mbo_instroom",
            ["n_totaal_mbo", "n_instroom_mbo", "n_instroom_opleiding"],
            [E.ExpectColumnValuesToBeInSet(column="prior_vo", value_set=list(PRIOR_VO_CODES))],
        ),
    ),
    CheckDef(
        asset="core_mbo_instroom",
        name="core_mbo_instroom_uncertain_mappings",
        description="Warning: lists the prior-education and hoofdgroep labels mapped by a judgement (mbo.yaml "
        "certainty: uncertain; the label texts were not verified on a real file), each with its file rows and count.",
        blocking=False,
        severity=WARN,
        run=_uncertain(
            "core.mbo_instroom",
            "n_instroom_opleiding",
            {
                "vooropleiding_vo": "vooropleiding_vo",
                "hoofdgroep_naam": "hoofdgroepen",
            },
        ),
    ),
    CheckDef(
        asset="core_mbo_instroom",
        name="core_mbo_instroom_count_order",
        description="Warning: in a row without a censored count, INSTROOM MBO <= INSTROOM OPLEIDING <= TOTAAL MBO "
        "(whoever is new to mbo is new to the programme; every entrant is enrolled), as a third-party reading of "
        "DUO's column explanation states for the real files; a row breaking it means the counts are read wrongly.",
        blocking=False,
        severity=WARN,
        suite="count_order",
        sql="""SELECT source_file, source_row, n_instroom_mbo <= n_instroom_opleiding AS mbo_within_opleiding,
                      n_instroom_opleiding <= n_totaal_mbo AS opleiding_within_totaal
               FROM core.mbo_instroom WHERE NOT n_censored""",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeInSet(column="mbo_within_opleiding", value_set=[True]),
            E.ExpectColumnValuesToBeInSet(column="opleiding_within_totaal", value_set=[True]),
        ],
    ),
    CheckDef(
        asset="core_mbo_gediplomeerden",
        name="core_mbo_gediplomeerden_valid",
        description="Every raw row exactly once, niveau 1-4, leerweg BOL/BBL, geslacht man/vrouw, technical "
        "set, bounds around each count.",
        run=_core_valid(
            "core.mbo_gediplomeerden",
            "raw.duo_mbo_gediplomeerden",
            ["n_diplomas"],
            [E.ExpectColumnValuesToBeInSet(column="geslacht", value_set=["man", "vrouw"])],
        ),
    ),
    CheckDef(
        asset="core_mbo_instellingen",
        name="core_mbo_instellingen_valid",
        description="One row per instelling, as many as in the address file.",
        sql="""SELECT i.*, (SELECT count(*) FROM raw.duo_mbo_instellingen) AS n_raw,
                      count(*) OVER () AS n_core FROM core.mbo_instellingen i""",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToBeUnique(column="instellingscode"),
            E.ExpectColumnPairValuesToBeEqual(column_A="n_raw", column_B="n_core"),
        ],
    ),
    CheckDef(
        asset="core_mbo_instellingen",
        name="core_mbo_instellingen_geocoded",
        description="Warning: instellingen without coordinates (postcode not in GeoNames) or without regions "
        "(no vo vestiging in their gemeente).",
        blocking=False,
        severity=WARN,
        suite="geocoded",
        sql="SELECT * FROM core.mbo_instellingen",
        expectations=lambda cfg: [
            E.ExpectColumnValuesToNotBeNull(column="lat"),
            E.ExpectColumnValuesToNotBeNull(column="corop_code"),
        ],
    ),
]
