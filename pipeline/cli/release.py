"""`sto release`: a versioned bundle (folder and zip) of the published, verified warehouse under
<out>/releases/ (pipeline/release.py); `sto release --verify PATH` re-checks a bundle's sha256s."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipeline.settings import EnvSettings


def command(args: argparse.Namespace, out: Path, env: EnvSettings) -> int:
    from pipeline import release

    t0 = time.monotonic()
    if args.verify is not None:
        try:
            result = release.verify_bundle(args.verify)
        except release.ReleaseError as exc:
            print(f"sto: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if result.ok:
            print(f"{args.verify}: OK, {result.checked} files match their sha256 ({time.monotonic() - t0:.1f}s)")
            return EXIT_OK
        print(f"{args.verify}: {len(result.problems)} file(s) differ from the manifest:", file=sys.stderr)
        for line in result.problems:
            print(f"  {line}", file=sys.stderr)
        return EXIT_FAILED
    try:
        done = release.make_release(
            out, force=args.force, progress=lambda m: print(f"[{time.monotonic() - t0:7.1f}s] {m}")
        )
    except release.ReleaseError as exc:
        print(f"sto: {exc}", file=sys.stderr)
        print("sto release: refused; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    if done.action == "unchanged":
        print(f"release {done.name} already exists for this build and verifies: {done.folder} (nothing written)")
        return EXIT_OK
    print(
        f"release {done.name} {done.action} in {time.monotonic() - t0:.1f}s: {done.folder} ({done.files} files, "
        f"{done.folder_bytes / 1e6:.1f} MB), {done.zip_path} ({done.zip_bytes / 1e6:.1f} MB)"
    )
    return EXIT_OK
