"""Geographic reference data (GeoNames postcode centroids, geocoded school points) and PDOK lookups."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import requests

from pipeline import db
from pipeline.archive import read_member
from pipeline.csvread import InputError

if TYPE_CHECKING:
    import duckdb

    from pipeline.config import Config

GEONAMES_COLUMNS = [
    "country",
    "postcode",
    "place",
    "provincie",
    "provincie_code",
    "gemeente",
    "gemeente_code",
    "admin3",
    "admin3_code",
    "lat",
    "lon",
    "accuracy",
]


def parse_geonames(path: Path | str, member: str | None = None, level: str = "pc6") -> pd.DataFrame:
    """GeoNames postal-code dump (txt, gz or zip) → postcode, place, gemeente, lat, lon (one row each)."""
    raw = read_member(path, member)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: row {line}: expected UTF-8 text (GeoNames dump), found undecodable bytes") from exc
    fields = pd.Series(text.splitlines()).str.count("\t") + 1
    bad_width = fields[fields != len(GEONAMES_COLUMNS)]
    if len(bad_width):
        i = int(bad_width.index[0])
        raise InputError(
            f"{path}: row {i + 1}: expected {len(GEONAMES_COLUMNS)} tab-separated fields, found {int(bad_width.iloc[0])} "
            f"({len(bad_width)} such rows; not a GeoNames tab-separated dump?)"
        )
    df = pd.read_csv(
        io.StringIO(text),
        sep="\t",
        header=None,
        names=GEONAMES_COLUMNS,
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
    )
    if df.empty:
        raise InputError(f"{path}: expected GeoNames rows, found none")
    lat_text, lon_text = df["lat"], df["lon"]
    df["lat"] = pd.to_numeric(lat_text, errors="coerce")
    df["lon"] = pd.to_numeric(lon_text, errors="coerce")
    bad = df["lat"].isna() | df["lon"].isna() | ~df["lat"].between(50.5, 53.7) | ~df["lon"].between(3.2, 7.3)
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            f"{path}: row {i + 1} columns latitude/longitude (10th/11th field): expected decimal degrees inside "
            f"the Netherlands, found {lat_text.iat[i]!r}/{lon_text.iat[i]!r} ({int(bad.sum())} such rows)"
        )
    key = df["postcode"].str.replace(" ", "", regex=False).str.upper()
    pattern = r"^[1-9][0-9]{3}[A-Z]{2}$" if level == "pc6" else r"^[1-9][0-9]{3}$"
    out = pd.DataFrame(
        {
            level: key,
            "place": df["place"],
            "provincie": df["provincie"],
            "gemeente": df["gemeente"],
            "gemeente_code": df["gemeente_code"],
            "lat": df["lat"],
            "lon": df["lon"],
            "source_row": range(1, len(df) + 1),
        }
    )
    return out[out[level].str.match(pattern)].reset_index(drop=True)


def parse_school_points(path: Path | str, member: str | None = "scholen.geo.json") -> pd.DataFrame:
    """edugis GeoJSON school points → vestiging_code, pc6, lat, lon."""
    raw = read_member(path, member)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: member {member!r}: expected GeoJSON, found invalid JSON ({exc})") from exc
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection with 'features', found keys {list(doc)}")
    props = pd.json_normalize(feats)
    need = ["properties.vestigingscode", "properties.postcode", "geometry.coordinates"]
    missing = [c for c in need if c not in props.columns]
    if missing:
        raise InputError(f"{path}: expected feature fields {need}, missing {missing}")
    coords = props["geometry.coordinates"]
    out = pd.DataFrame(
        {
            "vestiging_code": props["properties.vestigingscode"].astype(str).str.upper(),
            "pc6": props["properties.postcode"].astype(str).str.replace(" ", "", regex=False).str.upper(),
            "lon": pd.to_numeric(coords.str[0], errors="coerce"),
            "lat": pd.to_numeric(coords.str[1], errors="coerce"),
            "type": props.get("properties.type", pd.Series(pd.NA, index=props.index)),
        }
    )
    out = out.dropna(subset=["lat", "lon"]).drop_duplicates("vestiging_code", keep="first")
    return out.reset_index(drop=True)


def parse_overrides(path: Path | str) -> pd.DataFrame:
    """Explicit coordinate overrides: vestiging_code, lat, lon, precision_m, source_note."""
    from pipeline.csvread import read_text_csv

    df, _ = read_text_csv(
        path, required=["vestiging_code", "lat", "lon", "precision_m", "source_note"], allow_empty=True
    )
    out = df[["source_row", "vestiging_code", "source_note"]].copy()
    for c in ("lat", "lon", "precision_m"):
        out[c] = pd.to_numeric(df[c], errors="coerce")
        bad = out[c].isna()
        if bad.any():
            r = int(df.loc[bad, "source_row"].iloc[0])
            raise InputError(f"{path}: row {r} column {c!r}: expected a number, found {df.loc[bad, c].iloc[0]!r}")
    return out


_POINT = re.compile(r"POINT\(([-0-9.]+) ([-0-9.]+)\)")


def pdok_lookup(
    session: requests.Session, url: str, postcode: str, house_number: str, timeout: float = 10.0
) -> tuple[float, float] | None:
    """PDOK Locatieserver free search for one address; (lat, lon) or None."""
    num = re.match(r"\d+", house_number or "")
    q = f"postcode:{postcode.replace(' ', '')}" + (f" AND huisnummer:{num.group(0)}" if num else "")
    resp = session.get(url, params={"q": q, "fq": "type:adres", "rows": 1}, timeout=timeout)
    resp.raise_for_status()
    docs = resp.json().get("response", {}).get("docs", [])
    if not docs:
        return None
    m = _POINT.match(docs[0].get("centroide_ll", ""))
    return (float(m.group(2)), float(m.group(1))) if m else None


def geocode_chain(con: duckdb.DuckDBPyConnection, entities: pd.DataFrame, config: Config) -> None:
    """Run the shared geocoding chain (sql/geocode_chain.sql) over `entities`.

    `entities` has one row per thing to place: entity_key, pc6, pc4, override_lat/override_lon/
    override_precision_m/override_note (explicit coordinates) and point_lat/point_lon (address point); the
    chain reads raw.geonames_pc6 and raw.geonames_pc4 for the postcode centroids. The result is the temp
    table `geocode_output` on `con` (per entity_key: lat, lon, geocode_method, precision_m), with the
    precisions of pipeline.yaml geocoding.precision_m. Raises duckdb.Error when an input table is missing.
    """
    prec = config.pipeline["geocoding"]["precision_m"]
    con.register("_geo_in", entities)
    con.execute("CREATE OR REPLACE TEMP TABLE geocode_input AS SELECT * FROM _geo_in")
    con.unregister("_geo_in")
    db.run_sql(
        con,
        "geocode_chain",
        {
            "prec_address_point": prec["address_point"],
            "prec_pc6": prec["pc6_centroid"],
            "prec_pc4": prec["pc4_centroid"],
        },
    )
