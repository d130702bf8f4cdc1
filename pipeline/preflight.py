"""Every check of a `sto run` that needs no Dagster: years in range and present, one file per year, the
warehouse's source kind and rules, the configuration's place names, the reference files a full build
needs, and the build plan (what changed since the last build). Raises UsageError (exit 2) or
publish.PublishBlockedError (exit 3) before any work; pipeline.runner calls it first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.paths import DATA_OUT


def available_years(fetcher, candidates: list[int]) -> list[int]:
    """The candidate peiljaren whose DUO pupils file is in a mirror or the cache."""
    return [y for y in candidates if fetcher.locate("duo_vo_students", y) is not None]


def _years_by_mirror(cfg, mode: dict[str, Any]) -> str:
    """'DIR: 2019, 2020; DIR2: none' — what each mirror (or the sample) holds, for error messages."""
    from pipeline.fetch import fetcher_for

    dirs = ["(bundled sample)"] if mode["sample"] else mode["mirrors"]
    parts = []
    for d in dirs:
        f = fetcher_for(cfg.sources, mode["sample"], [] if mode["sample"] else [d], None, True)
        ys = available_years(f, cfg.peiljaren)
        parts.append(f"{d}: {', '.join(map(str, ys)) or 'none'}")
    return "; ".join(parts) or "no mirror given"


def preflight(asked: list[int] | None, out: Path, cfg, mode: dict[str, Any]) -> tuple[list[int], list]:
    """Every check that needs no Dagster: years in range and present, one file per year, the warehouse's
    source kind, no writer on the published file. `asked`: the --years given (None: every available year).
    Returns (years, located files).

    Raises UsageError (exit 2) or publish.PublishBlockedError (exit 3)."""
    import duckdb

    from pipeline import publish as pub
    from pipeline.fetch import fetcher_for

    allowed = cfg.peiljaren
    if asked:
        bad = sorted({y for y in asked if y not in allowed})
        if bad:
            raise UsageError(
                f"peiljaar {', '.join(map(str, bad))} outside the allowed range {allowed[0]}–{allowed[-1]} "
                "(pipeline/config/pipeline.yaml `peiljaren`; the range runs to the current calendar year)"
            )
    fetcher = fetcher_for(cfg.sources, mode["sample"], mode["mirrors"], mode["cache_dir"], mode["offline"])
    check_place_names(cfg, fetcher, out / "sto.duckdb", mode)  # before pandas is imported (pipeline.audit): fast
    from pipeline.audit import (
        KIND_REAL,
        KIND_SAMPLE,
        describe_holdings,
        loaded_year_files,
        mix_message,
        refresh_command,
        source_kind,
        stale_rule_years,
        warehouse_kinds,
    )

    years = sorted(set(asked)) if asked else available_years(fetcher, allowed)
    if not years:
        raise UsageError(
            "no DUO pupils file found for any peiljaar; give --mirror DIR (and --years) or --online. "
            f"Mirrors: {_years_by_mirror(cfg, mode)}"
        )
    located = {y: fetcher.locate("duo_vo_students", y) for y in years}
    can_download = not mode["sample"] and not mode["offline"]
    missing = [y for y, f in located.items() if f is None]
    if missing and not can_download:
        raise UsageError(
            f"no DUO pupils file for peiljaar {', '.join(map(str, missing))}: source 'duo_vo_students' peiljaar "
            f"{missing[0]}: none of {fetcher.candidate_names('duo_vo_students', missing[0])} found in the mirrors"
            f"{'' if mode['sample'] else ' or the download cache'} (offline mode). Years each mirror has: "
            f"{_years_by_mirror(cfg, mode)}"
        )
    if missing and can_download:  # ask the publisher now, not after the other steps have run
        unpublished = [y for y in missing if not fetcher.is_published("duo_vo_students", y)]
        if unpublished:
            raise UsageError(
                f"no DUO pupils file for peiljaar {', '.join(map(str, unpublished))}: not in the mirrors or the "
                f"download cache, and {fetcher.url('duo_vo_students', unpublished[0])} did not answer with the "
                "file (not published yet, or no network). Years each mirror has: "
                f"{_years_by_mirror(cfg, mode)}"
            )
    files = [f for f in located.values() if f is not None]
    by_sha: dict[str, Any] = {}
    for f in files:  # one file for two peiljaren within this run
        if f.sha256 in by_sha:
            g = by_sha[f.sha256]
            raise UsageError(
                f"{g.path} (peiljaar {g.peiljaar}) and {f.path} (peiljaar {f.peiljaar}) are the same file "
                f"(identical sha256 {f.sha256[:16]}…): one file cannot hold two peiljaren"
            )
        by_sha[f.sha256] = f
    kinds = {source_kind(f.path) for f in files}
    if len(kinds) > 1:
        raise UsageError(
            "this run's files mix the synthetic sample and real data: "
            + "; ".join(f"peiljaar {f.peiljaar}: {f.path} ({source_kind(f.path)})" for f in files)
        )
    published = out / "sto.duckdb"
    if published.exists():
        pub.check_no_writer(published)
        con = duckdb.connect(str(published), read_only=True)
        try:
            kind = next(iter(kinds)) if kinds else (KIND_SAMPLE if mode["sample"] else KIND_REAL)
            if warehouse_kinds(con) - {kind}:
                refresh = refresh_command(con, out, DATA_OUT)
                raise UsageError(mix_message(str(published), describe_holdings(con), kind, out, refresh))
            stale = [y for y in stale_rule_years(con, "duo_vo_students", cfg.rules_hash()) if y not in years]
            if stale:
                every = sorted(set(stale) | set(years))
                raise UsageError(
                    f"peiljaar {', '.join(map(str, stale))} in {published} was loaded under other classification "
                    "rules (assets/duo_pupils/config/onderwijstypes.yaml, profiles.yaml or the censored-cell treatment "
                    "changed since); its figures would be mixed with this run's. Reload it with the current rules: "
                    f"`sto run --years {' '.join(map(str, every))} …`, or remove it: `sto drop --years "
                    f"{' '.join(map(str, stale))}`."
                )
            for year, path, sha in loaded_year_files(con, "duo_vo_students"):
                g = by_sha.get(sha)
                if g is not None and g.peiljaar != year:
                    raise UsageError(
                        f"{g.path} (offered for peiljaar {g.peiljaar}) is the same file as {path}, loaded for "
                        f"peiljaar {year} (identical sha256 {sha[:16]}…): one file cannot hold two peiljaren. "
                        f"If {year} was wrong, `sto drop --years {year}` first."
                    )
        finally:
            con.close()
    return years, files


def check_place_names(cfg, fetcher, published: Path, mode: dict[str, Any]) -> None:
    """Every place name of the configuration (scopes' gemeenten, COROP regions) against the address file this
    run loads and the snapshots the warehouse holds (pipeline/place_names.py). Raises ConfigError (exit 2)
    naming file, line, key and the name, with "did you mean"; for the synthetic sample, which covers a few
    municipalities only, the names it lacks are a printed note."""
    from pipeline.audit import KIND_SAMPLE, source_kind
    from pipeline.config import config_error
    from pipeline.place_names import check_config_places

    located = fetcher.locate("duo_vo_locations")
    messages, where = check_config_places(cfg, located.path if located else None, published)
    if located:
        sample = source_kind(located.path) == KIND_SAMPLE  # also a mirrored copy of the sample
    else:  # names from the warehouse alone: they are the sample's when the warehouse holds the sample
        sample = mode["sample"] or _holds_sample(published)
    if messages and sample:
        print(
            f"sto run: note: {len(messages)} place name(s) of the configuration have no address in the synthetic "
            "sample; their targets are computed over the sample's locations (a run on real data refuses them):",
        )
        for m in messages:
            print(f"  {m}")
    elif messages:
        raise config_error(messages)


def _holds_sample(published: Path) -> bool:
    """Whether the warehouse holds the synthetic sample (audit.loaded_sources); False when it cannot say."""
    import duckdb

    from pipeline.audit import KIND_SAMPLE
    from pipeline.tables import sql_literal

    if not published.is_file():
        return False
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return False
    try:
        sql = f"SELECT count(*) FROM audit.loaded_sources WHERE source_kind = {sql_literal(KIND_SAMPLE)}"
        return bool(con.execute(sql).fetchone()[0])
    except duckdb.Error:
        return False
    finally:
        con.close()


def require_reference_files(cfg, mode: dict[str, Any]) -> None:
    """Before a full build: every non-optional reference source (addresses, GeoNames, exams, curated
    inputs) must be in a mirror, the cache or the repository, unless the run may download it. Raises
    UsageError (exit 2) naming each missing source, the file names looked for and the mirrors, in the
    words of the fetch error the step would raise later."""
    if not mode["sample"] and not mode["offline"]:
        return  # online: a missing file is downloaded (its own errors name the URL)
    fetcher, local = locators(cfg, mode)
    missing = [
        sid
        for sid, spec in cfg.sources["sources"].items()
        if not spec.get("yearly") and not spec.get("optional") and (fetcher.locate(sid) or local.locate(sid)) is None
    ]
    if missing:
        where = ", ".join(str(m) for m in fetcher.mirrors) or "no mirror configured"
        raise UsageError(
            "reference file(s) missing, nothing was run: "
            + "; ".join(f"source {sid!r}: none of {fetcher.candidate_names(sid)} found" for sid in missing)
            + f" in mirrors ({where}) or cache, and offline mode. Give every mirror the full build needs "
            "(e.g. --mirror ../shared/data/duo --mirror ../shared/data/geo); a mirror holding only a new year's "
            "file is added to those, not instead of them"
        )


def locators(cfg, mode: dict[str, Any]) -> tuple:
    """(fetcher, fetcher with the repository's curated inputs) of this run's mode, offline: they only
    locate files (mirrors, cache, data_raw/), never download."""
    from pipeline.fetch import fetcher_for

    args = (cfg.sources, mode["sample"], mode["mirrors"], mode["cache_dir"], True)
    return fetcher_for(*args), fetcher_for(*args, local=True)


def build_plan(published: Path, cfg, mode: dict[str, Any], years: list[int], force: bool):
    """pipeline.fingerprint.plan_build with this run's locating fetchers (no network)."""
    from pipeline.fingerprint import plan_build

    return plan_build(published, cfg.sources, *locators(cfg, mode), mode, years, force)
