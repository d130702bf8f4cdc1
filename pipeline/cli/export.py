"""`sto export`: every mart of the published database to CSV and Parquet under <out>/exports/."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    from pipeline.runner import write_exports

    return write_exports(out)
