"""Logging without personal data, and crash reports that hold only where it broke.

Log lines name events and record ids, never what a practitioner typed. Exception messages are
not logged: database errors carry SQL parameters (names, narratives) in their text, so a crash
report holds the exception type and the stack frames (file, line, function) only.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path
from types import TracebackType

from hubdesk import __version__, config
from hubdesk.timeutil import utcnow

LOG_NAME = "hubdesk.log"


def configure(level: int = logging.INFO) -> Path:
    folder = config.log_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return path


def write_crash_report(exc_type: type[BaseException], tb: TracebackType | None) -> Path:
    """Write a report with the exception type and frames only; return its path."""
    folder = config.log_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"crash-{stamp}.txt"
    same_second = 1
    while path.exists():  # two reports in one second: keep both
        same_second += 1
        path = folder / f"crash-{stamp}-{same_second}.txt"
    frames = traceback.extract_tb(tb)
    lines = [
        f"HubDesk {__version__} crash report (no personal data: messages are left out)",
        f"time (UTC): {stamp}",
        f"error type: {exc_type.__module__}.{exc_type.__qualname__}",
        "where:",
        *(f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logging.getLogger(__name__).error("crash report written: %s", path.name)
    return path
