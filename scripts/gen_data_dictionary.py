"""Regenerate docs/data_dictionary.md from the data dictionary and a materialised warehouse.

The dictionary is the index sql/data_dictionary.yaml plus every domain's assets/<domain>/tables.yaml.

    python scripts/gen_data_dictionary.py [--db data_out/sto.duckdb] [--check]

The warehouse supplies the column list and types of every core/marts/audit table (any run: the schema
does not depend on the data); the texts come from the dictionary only. --check exits 1 when the
committed file differs. Exit 2 when the database does not exist.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.dictionary import render_markdown, warehouse_columns  # noqa: E402

DOC = ROOT / "docs" / "data_dictionary.md"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=ROOT / "data_out" / "sto.duckdb")
    p.add_argument("--check", action="store_true", help="only compare with the committed file")
    args = p.parse_args(argv)
    if not args.db.exists():
        print(f"no warehouse at {args.db}: run `sto run` first or give --db", file=sys.stderr)
        return 2
    text = render_markdown(warehouse_columns(args.db))
    if args.check:
        same = DOC.exists() and DOC.read_text(encoding="utf-8") == text
        print("docs/data_dictionary.md is up to date" if same else "docs/data_dictionary.md is out of date")
        return 0 if same else 1
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
