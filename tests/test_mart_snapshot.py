"""No mart changes from a refactor: every mart of the sample run and of the real 2019 run is hashed and
compared with the hashes recorded before issue 11's refactor (tests/fixtures/mart_hashes.json, computed
at commit 18cfacd with this file's `mart_hashes`).

The hash is defined here, not taken from `pipeline.db`, so that a change to the pipeline's own
`content_hash` cannot move the reference. A deliberate change of a figure updates the JSON in the same
commit, with the reason in the commit message: `python tests/test_mart_snapshot.py DB KEY` prints the
entry for a warehouse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

GOLDEN = Path(__file__).parent / "fixtures" / "mart_hashes.json"


def mart_hashes(db: Path) -> dict[str, str]:
    """{'marts.<table>': order-independent md5 of its rows as text} for every table in schema marts."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        return {
            f"marts.{t}": con.execute(
                f"SELECT coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) FROM "
                f'(SELECT md5(CAST(x AS VARCHAR)) AS h FROM marts."{t}" x)'
            ).fetchone()[0]
            for t in tables
        }
    finally:
        con.close()


def _golden(key: str) -> dict[str, str]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))[key]


def test_sample_marts_unchanged(sample_out: Path) -> None:
    assert mart_hashes(sample_out / "sto.duckdb") == _golden("sample")


def test_real_2019_marts_unchanged(real_out: Path) -> None:
    assert mart_hashes(real_out / "sto.duckdb") == _golden("real_2019")


if __name__ == "__main__":
    print(json.dumps({sys.argv[2]: mart_hashes(Path(sys.argv[1]))}, indent=2, sort_keys=True))
