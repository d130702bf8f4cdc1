"""`sto status`: the warehouse's verification line, its peiljaren (source kind, files with sha256, load
time), reference inputs, and every asset (and peiljaar) with its last materialisation and latest check
outcome. Exit 5 when the warehouse is not verified, 3 when a writer holds it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.errors import EXIT_BUSY, EXIT_CHANGED, EXIT_OK
from pipeline.paths import PROJECT_ROOT
from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    """The verification line, then the status itself (exit 5 when not verified)."""
    from pipeline import integrity

    ok, line = integrity.status_line(out / "sto.duckdb") if (out / "sto.duckdb").exists() else (True, "")
    if line:
        print(line + "\n")
    try:
        rc = cmd_status(out)
    except Exception as exc:  # a read-only output folder: the run history cannot be created or opened
        if isinstance(exc, BrokenPipeError) or (
            not isinstance(exc, OSError) and "readonly" not in str(exc).replace("-", "")
        ):
            raise
        print(
            f"sto status: the run history {env.history_dir(out)} cannot be opened on this account or file system "
            f"({str(exc).strip().splitlines()[0]}): the assets' last materialisations are not shown",
            file=sys.stderr,
        )
        rc = EXIT_OK
    return rc if rc or ok else EXIT_CHANGED


STATUS_SQL = """
WITH latest AS (
    SELECT asset, coalesce(partition, '') AS part, arg_max(run_id, checked_at) AS run_id
    FROM audit.check_results GROUP BY ALL
)
SELECT c.asset, coalesce(c.partition, '') AS part,
       count(*) FILTER (WHERE NOT c.success AND c.severity = 'ERROR') AS errors,
       count(*) FILTER (WHERE NOT c.success AND c.severity = 'WARN') AS warnings
FROM audit.check_results c
JOIN latest l ON l.asset = c.asset AND l.part = coalesce(c.partition, '') AND l.run_id = c.run_id
GROUP BY ALL
"""


YEARS_SQL = """
SELECT peiljaar, source_kind AS kind, string_agg(DISTINCT file_name || ' (' || left(sha256, 12) || ')', ', '
                  ORDER BY file_name || ' (' || left(sha256, 12) || ')')
       AS files, strftime(max(loaded_at), '%Y-%m-%d %H:%M') AS loaded_utc
FROM audit.loaded_sources WHERE peiljaar IS NOT NULL GROUP BY ALL ORDER BY peiljaar
"""

REFERENCE_SQL = """
SELECT asset, source_kind AS kind, file_name || ' (' || left(sha256, 12) || ')' AS file,
       strftime(loaded_at, '%Y-%m-%d %H:%M') AS loaded_utc
FROM audit.loaded_sources WHERE peiljaar IS NULL ORDER BY asset, file_name
"""


def cmd_status(out: Path) -> int:
    """Print the warehouse's peiljaren (source kind, files with sha256, load time), its reference inputs, and
    every asset (and peiljaar) with its last materialisation and latest check outcome, in aligned columns."""
    import duckdb
    from tabulate import tabulate

    from pipeline.audit import SNAPSHOT_USE_SQL, describe_holdings, loaded_year_files

    published = out / "sto.duckdb"
    checks: dict[tuple[str, str], tuple[int, int]] = {}
    held: list[str] = []
    if not published.exists():
        print(f"no published database at {published} yet: `sto run` builds one")
        return EXIT_OK
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.IOException as exc:  # a writer holds the file
        print(f"sto: cannot read {published}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_BUSY
    try:
        print(f"warehouse {published}: {describe_holdings(con) or 'no source identity recorded'}\n")
        held = sorted({str(y) for y, _, _ in loaded_year_files(con, "duo_vo_students")})  # the warehouse's own years
        for title, sql in (
            ("peiljaren", YEARS_SQL),
            ("address snapshots used per peiljaar", SNAPSHOT_USE_SQL),
            ("reference inputs", REFERENCE_SQL),
        ):
            try:
                df = con.execute(sql).df()
            except duckdb.Error:
                continue
            print(f"{title}:\n{tabulate(df, headers='keys', tablefmt='simple', showindex=False)}\n")
        try:
            checks = {(a, p): (e, w) for a, p, e, w in con.execute(STATUS_SQL).fetchall()}
        except duckdb.Error:
            pass
    finally:
        con.close()
    import dagster as dg

    from pipeline.definitions import load_assets_and_checks

    assets, _ = load_assets_and_checks()
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    rows = []
    partitioned = {k for a in assets if a.partitions_def for k in a.keys}
    for key in sorted((k for a in assets for k in a.keys), key=lambda k: k.to_user_string()):
        name = key.to_user_string()
        # A yearly asset's partitions are the years the warehouse holds, not the run history's (which keeps
        # the materialisations of a dropped year).
        for p in (held or [""]) if key in partitioned else [""]:
            flt = dg.AssetRecordsFilter(asset_key=key, asset_partitions=[p] if p else None)
            recs = instance.fetch_materializations(flt, limit=1).records
            ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(recs[0].timestamp)) if recs else "not in run history"
            ck = checks.get((name, p))
            if ck is None:
                ck_s = "-"
            else:
                ck_s = "FAILED" if ck[0] else ("passed" + (f" ({ck[1]} warning(s))" if ck[1] else ""))
            rows.append((name, p, ts, ck_s))
    print(tabulate(rows, headers=["asset", "peiljaar", "last materialised (UTC)", "checks"], tablefmt="simple"))
    return EXIT_OK
