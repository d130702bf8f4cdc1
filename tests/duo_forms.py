"""Derive the other published forms of a DUO pupils file from a current-form one, at test run time.

Why: only the 2019 file of the current form is available offline (../shared/data/duo). The older form
(LWOO indicator, pre-2016 labels, school-year file name) and the CKAN portal form (comma-separated, every
field quoted, UTF-8, counts 1-4 published as 4) are derived from it into a temporary directory so that a
test can load them and compare their figures with those of the current form. Nothing derived is committed.
All transformations are vectorised pandas on the whole table.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from assets.duo_pupils.parser import COUNT_COLUMNS

OT = "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR"
# current profile label -> a pre-2016 afdeling label that assets/duo_pupils/config/profiles.yaml maps onto the same
# Techniekpact flag (the acceptance compares techniek totals, so the mapping must keep the flag).
OLD_AFDELING = {
    "Bouwen, wonen en interieur": "Bouwtechniek",
    "Produceren, installeren en energie": "Metaaltechniek",
    "Mobiliteit en transport": "Motorvoertuigentechniek",
    "Media, vormgeving en ICT": "Grafimedia",
    "Zorg en welzijn": "Verzorging",
    "Economie en ondernemen": "Handel en verkoop",
    "Horeca, bakkerij en recreatie": "Consumptief - breed",
    "Groen": "Landbouw breed",
    "Dienstverlening en producten": "Intersectoraal",
}
# vakmanschaps-/beroepsroute rows were the vmbo-mbo2 experiment before 2018: onderwijstype label of the time
ROUTE_PREFIXES = ("Vakmanschapsroute", "Beroepsroute")
OLD_ROUTE_OT = "VMBO-MBO2 lj 3-6"


def read_current(path: Path) -> pd.DataFrame:
    """The current-form file (cp1252, ';', unquoted) as an all-text frame in file order."""
    return pd.read_csv(path, sep=";", dtype=str, encoding="cp1252", keep_default_na=False)


def to_2014_form(cur: pd.DataFrame, j_share: int = 3) -> pd.DataFrame:
    """The older layout: each row split into LWOO 'J' and 'N' rows, old labels.

    Counts are split as J = count // j_share, N = count - J (so J + N = count exactly); J rows whose
    counts are all 0 are left out (as DUO leaves out empty rows). Afdeling labels are replaced by the
    pre-2016 names of OLD_AFDELING and vakmanschaps-/beroepsroute rows get onderwijstype 'VMBO-MBO2 lj 3-6'.
    Columns: the current ones plus 'LWOO INDICATIE' right after the onderwijstype column.
    """
    counts = cur[COUNT_COLUMNS].astype("int64")
    j = counts // j_share
    n = counts - j
    base = cur.drop(columns=COUNT_COLUMNS)
    base["AFDELING"] = base["AFDELING"].replace(OLD_AFDELING)
    route = base["AFDELING"].str.startswith(ROUTE_PREFIXES)
    base.loc[route, OT] = OLD_ROUTE_OT
    base.insert(base.columns.get_loc(OT) + 1, "LWOO INDICATIE", "N")
    rows_n = pd.concat([base, n.astype(str)], axis=1)
    rows_j = pd.concat([base.assign(**{"LWOO INDICATIE": "J"}), j.astype(str)], axis=1)[j.sum(axis=1) > 0]
    out = pd.concat([rows_j, rows_n]).sort_index(kind="stable")
    return out[[*base.columns, *COUNT_COLUMNS]].reset_index(drop=True)


def to_ckan_form(cur: pd.DataFrame) -> pd.DataFrame:
    """The CKAN portal form of the counts: every count 1..4 published as '4' (other columns unchanged)."""
    out = cur.copy()
    counts = out[COUNT_COLUMNS].astype("int64")
    out[COUNT_COLUMNS] = counts.mask((counts >= 1) & (counts <= 4), 4).astype(str)
    return out


def write_duo_csv(df: pd.DataFrame, path: Path) -> Path:
    """As duo.nl writes them: cp1252, ';', unquoted, LF."""
    df.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return path


def write_ckan_csv(df: pd.DataFrame, path: Path) -> Path:
    """As the CKAN portal writes them: UTF-8, ',', every field double-quoted, CRLF."""
    df.to_csv(path, sep=",", index=False, encoding="utf-8", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    return path
