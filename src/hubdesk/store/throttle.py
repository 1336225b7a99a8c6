"""Passphrase guess throttling, persisted beside the vault so a restart does not reset it.

At most 10 attempts in any 5 minutes (Cyber Essentials' limit), and a growing delay after the
third failure in a row (1 s, 2 s, 4 s … up to 30 s). The file holds only failure times — no
personal data. Someone who can delete it can also copy the vault and guess offline, where only
the Argon2id cost protects it; this throttle is for the person at the keyboard.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hubdesk.store.files import write_json_atomic
from hubdesk.timeutil import utcnow

WINDOW = timedelta(minutes=5)
MAX_ATTEMPTS = 10
FREE_FAILURES = 2
MAX_DELAY_S = 30.0


@dataclass
class Throttle:
    path: Path
    clock: Callable[[], datetime] = utcnow

    def _failures(self) -> list[datetime]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            failures = [datetime.fromisoformat(t) for t in raw.get("failures", [])]
            if any(t.tzinfo is None for t in failures):
                raise ValueError("a failure time without a time zone")
            return failures
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, AttributeError):
            # A damaged counter must not lock the practitioner out for good, nor reset the
            # count to zero silently: a full window from now, saved so that it ends.
            failures = [self.clock()] * MAX_ATTEMPTS
            with contextlib.suppress(OSError):
                self._save(failures)
            return failures

    def _save(self, failures: list[datetime]) -> None:
        write_json_atomic(self.path, {"failures": [t.isoformat() for t in failures]})

    def delay_before_next(self) -> tuple[float, bool]:
        """(seconds to wait, whether the 10-in-5-minutes limit is what blocks)."""
        now = self.clock()
        recent = [t for t in self._failures() if now - t < WINDOW]
        if len(recent) >= MAX_ATTEMPTS:
            oldest = min(recent)
            return (WINDOW - (now - oldest)).total_seconds(), True
        if len(recent) <= FREE_FAILURES:
            return 0.0, False
        delay = min(MAX_DELAY_S, 2.0 ** (len(recent) - FREE_FAILURES - 1))
        waited = (now - max(recent)).total_seconds()
        return max(0.0, delay - waited), False

    def record_failure(self) -> None:
        now = self.clock()
        recent = [t for t in self._failures() if now - t < WINDOW]
        self._save([*recent, now])

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)
