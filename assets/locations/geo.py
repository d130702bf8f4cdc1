"""Geographic reference data (GeoNames postcode centroids, geocoded school points) and PDOK lookups."""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import requests

from pipeline import db, textcheck
from pipeline.archive import read_member
from pipeline.csvread import InputError
from pipeline.tables import sql_literal

if TYPE_CHECKING:
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


_NL_LAT, _NL_LON = (50.5, 53.7), (3.2, 7.3)  # GeoNames NL centroids must fall inside (degrees, inclusive)
# DuckDB reads the dump as text: tab-separated, no header, no quoting, every field VARCHAR (empty -> NULL).
# row_number() OVER () numbers the lines in file order (a streaming window over the order-preserving scan).
_GEONAMES_CSV = (
    "SELECT row_number() OVER () AS line, * FROM read_csv($file, sep = '\t', header = false, quote = '', "
    "escape = '', compression = $compression, columns = {"
    + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in GEONAMES_COLUMNS)
    + "})"
)


def _check_geonames_text(path: Path | str, raw: bytes) -> None:
    """UTF-8 text with exactly 12 tab-separated fields on every line (line numbers as an editor shows them).
    Raises InputError for undecodable bytes, a line with another field count or a file without lines."""
    try:
        raw.decode("utf-8")  # only validated here; DuckDB reads the file (so no per-line repair either)
    except UnicodeDecodeError as exc:
        where = textcheck.locate_offset(raw, exc.start, "\t", GEONAMES_COLUMNS)
        raise InputError(
            f"{path}: {where}: expected UTF-8 text (GeoNames dump), found bytes that are not UTF-8 "
            "(a Windows-1252 or Latin-1 copy?)"
        ) from exc
    if raw.startswith(textcheck.BOM):
        raise InputError(f"{path}: row 1: expected a GeoNames line, found a UTF-8 byte-order mark in front of it")
    # names (place, provincie, gemeente, admin3) with the marks of a wrong decoding: lines with non-ASCII only
    textcheck.check_frame(textcheck.non_ascii_rows(raw, GEONAMES_COLUMNS, "\t"), path)
    tabs = len(GEONAMES_COLUMNS) - 1
    # one line at a time (no list of 460k lines); a lone CR also ends a line, as in `bytes.splitlines`
    lines = raw.splitlines() if b"\r" in raw else io.BytesIO(raw)
    n, first, found, n_bad = 0, 0, 0, 0
    for n, line in enumerate(lines, start=1):  # n: the number of lines after the loop
        if line.count(b"\t") != tabs:
            if not n_bad:
                first, found = n, line.count(b"\t") + 1
            n_bad += 1
    if n_bad:
        raise InputError(
            f"{path}: row {first}: expected {len(GEONAMES_COLUMNS)} tab-separated fields, found {found} "
            f"({n_bad} such rows; not a GeoNames tab-separated dump?)"
        )
    if n == 0:
        raise InputError(f"{path}: expected GeoNames rows, found none")


@contextmanager
def _geonames_file(path: Path | str, member: str | None) -> Iterator[dict[str, str]]:
    """The dump as DuckDB `read_csv` parameters ($file, $compression) after `_check_geonames_text`: a plain
    or gzip file is read where it is, a zip member from a temporary copy (removed on exit)."""
    raw = read_member(path, member)
    _check_geonames_text(path, raw)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        del raw
        yield {"file": str(path), "compression": "gzip" if magic[:2] == b"\x1f\x8b" else "none"}
        return
    with tempfile.TemporaryDirectory(prefix="sto-geonames-") as tmp:
        copy = Path(tmp) / "geonames.txt"
        copy.write_bytes(raw)
        del raw
        yield {"file": str(copy), "compression": "none"}


def _check_coordinates(con: duckdb.DuckDBPyConnection, path: Path | str, params: dict[str, str]) -> None:
    """Every line's latitude/longitude is a number inside the Netherlands (one streaming pass in DuckDB).
    Raises InputError with the first such row, its text values and how many rows fail."""
    first, lat, lon, n_bad = con.execute(
        f"""WITH t AS (SELECT line, lat, lon, TRY_CAST(lat AS DOUBLE) AS y, TRY_CAST(lon AS DOUBLE) AS x
                       FROM ({_GEONAMES_CSV})),
            bad AS (SELECT * FROM t WHERE y IS NULL OR x IS NULL OR NOT (y BETWEEN {_NL_LAT[0]} AND {_NL_LAT[1]})
                    OR NOT (x BETWEEN {_NL_LON[0]} AND {_NL_LON[1]}))
        SELECT min(line), arg_min(coalesce(lat, ''), line), arg_min(coalesce(lon, ''), line), count(*) FROM bad""",
        params,
    ).fetchone()
    if n_bad:
        raise InputError(
            f"{path}: row {first} columns latitude/longitude (10th/11th field): expected decimal degrees inside "
            f"the Netherlands, found {lat!r}/{lon!r} ({n_bad} such rows)"
        )


def _geonames_select(level: str) -> str:
    """The SELECT of the raw table from `_GEONAMES_CSV` (parameters $file, $compression) for 'pc6' or 'pc4'."""
    if level not in ("pc6", "pc4"):
        raise ValueError(f"level must be 'pc6' or 'pc4', not {level!r}")
    pattern = "^[1-9][0-9]{3}[A-Z]{2}$" if level == "pc6" else "^[1-9][0-9]{3}$"
    return f"""SELECT {level}, place, provincie, gemeente, gemeente_code, lat, lon, source_row FROM (
        SELECT upper(replace(coalesce(postcode, ''), ' ', '')) AS {level}, coalesce(place, '') AS place,
            coalesce(provincie, '') AS provincie, coalesce(gemeente, '') AS gemeente,
            coalesce(gemeente_code, '') AS gemeente_code, TRY_CAST(lat AS DOUBLE) AS lat,
            TRY_CAST(lon AS DOUBLE) AS lon, line AS source_row
        FROM ({_GEONAMES_CSV}))
    WHERE regexp_full_match({level}, {sql_literal(pattern)})"""


def write_geonames(con: duckdb.DuckDBPyConnection, table: str, path: Path | str, member: str | None = None) -> None:
    """Replace `table` ('raw.geonames_pc6' or 'raw.geonames_pc4': the level is its last part) with the rows
    of a GeoNames postal-code dump (txt, gz or zip member), read by DuckDB's `read_csv` (no pandas frame).

    Rows (in file order): `<level>` (postcode without spaces, upper case: '2595AN' for pc6, '2595' for pc4;
    rows whose postcode has not that form are left out), place, provincie, gemeente, gemeente_code (VARCHAR,
    '' for an empty field), lat, lon (DOUBLE, decimal degrees), source_row (BIGINT, the line in the file).
    Raises InputError (file, row, what was expected, what was found) for non-UTF-8 bytes, a line without 12
    tab-separated fields, an empty file, or a latitude/longitude that is not a number inside the
    Netherlands; the table is then left as it was."""
    with _geonames_file(path, member) as params:
        _check_coordinates(con, path, params)
        db.replace_table_from_sql(con, table, _geonames_select(table.rsplit("_", 1)[-1]), params)


def parse_geonames(path: Path | str, member: str | None = None, level: str = "pc6") -> pd.DataFrame:
    """GeoNames postal-code dump (txt, gz or zip) as a DataFrame with the rows and columns `write_geonames`
    writes for `level` ('pc6' or 'pc4'); read on an in-memory DuckDB connection. Raises InputError as
    `write_geonames` does."""
    with duckdb.connect() as con, _geonames_file(path, member) as params:
        _check_coordinates(con, path, params)
        return con.execute(_geonames_select(level), params).df()


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
    """Run the shared geocoding chain (assets/locations/sql/geocode_chain.sql) over `entities`.

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


BOUNDARY_SQL = """
SELECT ?::VARCHAR AS level, ?::INTEGER AS division_year,
       feat->>'$.properties.statcode' AS code, feat->>'$.properties.statnaam' AS name,
       feat->>'$.geometry.type' AS geometry_type, (feat->'$.geometry')::VARCHAR AS geometry,
       ?::VARCHAR AS source_id, ?::VARCHAR AS source_file
FROM (SELECT unnest(json_extract(json, '$.features[*]')) AS feat
      FROM read_json_objects(?, maximum_object_size = 1000000000))
"""


def boundary_frame(con: Any, path: Path | str, level: str, year: int, source_id: str) -> pd.DataFrame:
    """The features of one CBS boundary GeoJSON (FeatureCollection, WGS84, properties statcode/statnaam) as
    rows level, division_year, code, name, geometry_type, geometry (GeoJSON text), source_id, source_file.
    Read by DuckDB's JSON reader in one statement (no loop over features). A file that is not a GeoJSON
    FeatureCollection raises ValueError naming the file."""
    try:
        frame = con.execute(BOUNDARY_SQL, [level, int(year), source_id, Path(path).name, str(path)]).df()
    except Exception as exc:  # duckdb.InvalidInputException and friends: not JSON at all
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection ({str(exc).splitlines()[0]})") from exc
    if frame.empty:
        raise ValueError(f"{path}: no features (expected a GeoJSON FeatureCollection of {level} boundaries)")
    return frame
