"""Progress lines of a `sto` run: one line per step finished, failed and check outcome, with the elapsed time.

Why a `Progress` object: the count of steps done, the run's total, the peiljaren of the phase and the start
time belong to one run; the runner creates one per run and hands it to `build_definitions`, whose console
logger writes through it. Nothing about a run lives in a module variable.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field

import dagster as dg


@dataclass
class Progress:
    """One run's progress: steps done of `total`, the peiljaren (`part`) shown for the `yearly_steps`."""

    t0: float = field(default_factory=time.monotonic)
    total: int = 0
    done: int = 0
    part: str | None = None
    yearly_steps: frozenset[str] = frozenset()
    materialized: set[str] = field(default_factory=set)

    def line(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:7.1f}s] {text}", file=sys.stdout, flush=True)

    def logger_definition(self) -> dg.LoggerDefinition:
        """A Dagster logger that prints this run's concise progress lines (the CLI's console logger)."""
        progress = self

        @dg.logger(description="Concise progress lines for the sto CLI.")
        def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
            lg = logging.getLogger(f"sto.progress.{id(progress)}")
            lg.setLevel(logging.DEBUG)
            lg.propagate = False
            lg.handlers = [ProgressHandler(progress)]
            return lg

        return progress_logger


class ProgressHandler(logging.Handler):
    """Prints one line per step start/finish and check outcome: asset, year, elapsed."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        p = self.progress
        meta = getattr(record, "dagster_meta", None) or {}
        ev = meta.get("dagster_event")
        if ev is None:
            msg = record.getMessage()
            if record.levelno >= logging.WARNING and "Dependencies for step" not in msg:
                p.line(f"  {record.levelname.lower()}: {msg.split(' - ')[-1]}")
            return
        et = ev.event_type_value
        step = meta.get("step_key") or ""
        part = ev.partition or (p.part if step in p.yearly_steps else "") or ""
        label = f"{step}{f' [peiljaar {part}]' if part else ''}"
        if et == "ASSET_MATERIALIZATION":
            p.materialized.add(step)
        elif et == "STEP_SUCCESS" and step in p.materialized:
            p.done += 1
            count = f"[{p.done:>2}/{p.total}] " if p.total else ""
            p.line(f"✓ {count}{label}")
        elif et == "STEP_FAILURE":
            err = ev.event_specific_data.error
            msg = err.message.strip() if err else "failed"
            if err and err.cause:
                msg = err.cause.message.strip()
            p.line(f"✗ {label}: {msg}")
        elif et == "ASSET_CHECK_EVALUATION":
            self._check(ev.event_specific_data)

    def _check(self, d) -> None:
        p = self.progress
        status = (
            "passed" if d.passed else "FAILED (blocking)" if d.severity.value == "ERROR" else "warning (not blocking)"
        )
        p.line(f"  check {d.asset_key.to_user_string()}.{d.check_name}: {status}")
        if d.passed:
            return
        for k, v in d.metadata.items():  # say what failed and where (file, row, key, indicator), for warnings too
            text = str(v.value)
            if text.startswith(("FAILED", "WARNING")):
                p.line(f"    {k}: {text.split(';')[0].split(': ', 1)[-1]}")
            elif "failing rows in words: " in k:
                lines = text.splitlines()
                for line in lines[:8]:
                    p.line(f"      {line}")
                if len(lines) > 8:
                    p.line(f"      … and {len(lines) - 8} more listed in the Dagster UI")
