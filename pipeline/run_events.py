"""What a finished Dagster run's events say: the failed steps and blocking checks (printed), a full disk, a
refused warehouse, a busy folder. Read by pipeline.runner after each run."""

from __future__ import annotations

import sys


def report_failure(result) -> None:
    """Print each failed step (its innermost cause) and each failed blocking check with what failed."""
    for ev in result.all_events:
        if ev.event_type_value == "STEP_FAILURE":
            err = ev.event_specific_data.error
            msg = err.message.strip() if err else ""
            while err is not None and err.cause is not None:
                err = err.cause
                msg = err.message.strip()
            print(f"error in {ev.step_key}: {msg}", file=sys.stderr)
        elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
            d = ev.event_specific_data
            if not d.passed and d.severity.value == "ERROR":
                print(f"blocking check failed: {d.asset_key.to_user_string()}.{d.check_name}", file=sys.stderr)
                for k, v in d.metadata.items():
                    text = str(v.value)
                    if text.startswith("FAILED"):
                        print(f"  {k}: {text.split(';')[0].removeprefix('FAILED: ')}", file=sys.stderr)
                    elif "failing rows in words: " in k:
                        for line in text.splitlines()[:20]:
                            print(f"    {line}", file=sys.stderr)


def enospc_event(result) -> bool:
    """True when an error event of the run names a full disk (ENOSPC, DuckDB's or SQLite's words)."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            text = err.message or ""
            if "No space left on device" in text or "ENOSPC" in text or "database or disk is full" in text:
                return True
            err = err.cause
    return False


def error_of(result, cls_name: str) -> str | None:
    """The message of the first error of class `cls_name` in the run's events (causes included), or None."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            if err.cls_name == cls_name:
                return err.message.strip().removeprefix(f"{cls_name}: ")
            err = err.cause
    return None


def busy_error(result) -> str | None:
    """The message of a RunLockedError / PublishBlockedError that stopped the run (another run holds the
    folder, or a process holds the warehouse open read-write), or None."""
    for ev in result.all_events:
        err = getattr(ev.event_specific_data, "error", None)
        while err is not None:
            if err.cls_name in ("RunLockedError", "PublishBlockedError"):
                return err.message.strip().removeprefix(f"{err.cls_name}: ")
            err = err.cause
    return None
