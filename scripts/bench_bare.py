"""Bare baseline for `make bench`: the least a program must do to get two headline figures from real files.

Reads the DUO 2019 pupils file, the DUO address file and GeoNames PC6 centroids with DuckDB alone (no
Dagster, no checks, no provenance) and computes
- the national techniek share of vmbo leerjaar 3-4 pupils (basis/kader/gemengd, profile by afdeling label);
- a campus table in the manner of SEOR table 5.1: leerjaar 3-4 pupils and techniek pupils within 10 km
  of each campus in assets/locations/config/campuses.yaml's geocoded list.
It prints the figures and its own wall time. Its purpose is the ratio "pipeline / bare script" that
`scripts/bench.py` reports, so it deliberately skips everything the pipeline adds (validation, masking,
snapshots, lineage); its figures are not the pipeline's and are not checked.

    python scripts/bench_bare.py --duo ../shared/data/duo --geo ../shared/data/geo
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Run the bare computation; prints the national share, the campus table and the wall time."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duo", default=str(ROOT.parent / "shared/data/duo"))
    p.add_argument("--geo", default=str(ROOT.parent / "shared/data/geo"))
    p.add_argument("--year", type=int, default=2019)
    args = p.parse_args()
    t0 = time.perf_counter()
    duo, geo = Path(args.duo), Path(args.geo)
    profiles = yaml.safe_load((ROOT / "assets/duo_pupils/config/profiles.yaml").read_text(encoding="utf-8"))
    techniek = [lab for pr in profiles["profiles"] if pr.get("techniekpact_techniek") for lab in pr["labels"]]
    con = duckdb.connect()
    pupils = next(duo.glob(f"*leerlingen-vo-per-vestiging-naar-onderwijstype-{args.year}*.csv"))
    con.execute(
        """CREATE TABLE p AS SELECT "BRIN NUMMER" || "VESTIGINGSNUMMER" AS v, "AFDELING" AS afd,
        coalesce(TRY_CAST("LEER- OF VERBLIJFSJAAR 3 - MAN" AS INT), 0)
        + coalesce(TRY_CAST("LEER- OF VERBLIJFSJAAR 3 - VROUW" AS INT), 0)
        + coalesce(TRY_CAST("LEER- OF VERBLIJFSJAAR 4 - MAN" AS INT), 0)
        + coalesce(TRY_CAST("LEER- OF VERBLIJFSJAAR 4 - VROUW" AS INT), 0) AS n
        FROM read_csv(?, all_varchar = true, encoding = 'latin-1', delim = ';')
        WHERE "ONDERWIJSTYPE VO EN LEER- OF VERBLIJFSJAAR" IN ('VMBO BL lj 3-4', 'VMBO KL lj 3-4', 'VMBO GL lj 3-4')""",
        [str(pupils)],
    )
    share = con.execute(
        "SELECT 100.0 * sum(n) FILTER (WHERE list_contains(?, afd)) / sum(n) FROM p", [techniek]
    ).fetchone()[0]
    con.execute(
        """CREATE TABLE pc AS SELECT replace(column01, ' ', '') AS pc6, avg(column09::DOUBLE) AS lat,
        avg(column10::DOUBLE) AS lon
        FROM read_csv(?, delim = '\t', header = false, all_varchar = true)
        GROUP BY 1""",
        [str(geo / "NL_full.txt.gz")],
    )
    con.execute(
        """CREATE TABLE a AS SELECT "VESTIGINGSNUMMER" AS v, replace("POSTCODE", ' ', '') AS pc6
        FROM read_csv(?, all_varchar = true, delim = ';', encoding = 'latin-1')""",
        [str(duo / "alle-vestigingen-vo.csv")],
    )
    campuses = geo / "campuses_geocoded.csv"
    table = con.execute(
        """WITH c AS (SELECT * FROM read_csv(?)),
        located AS (SELECT p.*, pc.lat, pc.lon FROM p
            JOIN a USING (v)
            JOIN pc USING (pc6))
        SELECT c.campus_id, sum(n) AS pupils, sum(n) FILTER (WHERE list_contains(?, afd)) AS techniek
        FROM c JOIN located l ON 2 * 6371 * asin(sqrt(
            pow(sin(radians(l.lat - c.lat) / 2), 2)
            + cos(radians(c.lat)) * cos(radians(l.lat)) * pow(sin(radians(l.lon - c.lon) / 2), 2))) <= 10
        GROUP BY ALL ORDER BY ALL""",
        [str(campuses), techniek],
    ).fetchall()
    wall = time.perf_counter() - t0
    print(f"national vmbo lj3-4 techniek share (bare, unchecked): {share}")
    for row in table:
        print("campus", row)
    print(f"bare script wall {wall:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
