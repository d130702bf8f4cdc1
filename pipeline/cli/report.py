"""`sto report`: the offline HTML report of the published database, <out>/report/index.html."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    from pipeline.config import default_config
    from pipeline.runner import write_report

    return write_report(out, default_config())
