"""Passphrase guess throttling, persisted beside the vault so a restart does not reset it.

At most 10 attempts in any 5 minutes (Cyber Essentials' limit), and a growing delay after the
third failure in a row (1 s, 2 s, 4 s … up to 30 s). The file holds only failure times — no
personal data. Someone who can delete it can also copy the vault and guess offline, where only
the Argon2id cost protects it; this throttle is for the person at the keyboard.

Attempts on one vault are serialised by an exclusive lock on a file beside it
(:func:`attempt_lock`), held from the check through the wait, the unwrap and the record, so
parallel processes cannot each read a count below the limit and overwrite each other's
records. An attempt is recorded as a failure *before* the key is unwrapped and the record is
cleared on success, so a process killed mid-unwrap still counts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hubdesk.store.files import write_json_atomic
from hubdesk.timeutil import utcnow

if sys.platform == "win32":
    import msvcrt

    def _lock_fd(fd: int) -> None:
        # Not yet exercised: the Windows installer comes later. msvcrt.locking locks bytes
        # from the current position (0 here); LK_NBLCK fails at once when another process
        # holds them, so poll until it is free (a holder keeps it for at most ~30 s).
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(0.05)

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


WINDOW = timedelta(minutes=5)
MAX_ATTEMPTS = 10
FREE_FAILURES = 2
MAX_DELAY_S = 30.0


@contextlib.contextmanager
def attempt_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created empty, mode 0600) until the block ends.

    The file is never deleted: deleting a lock file lets a waiter and a newcomer lock two
    different files. The operating system drops the lock when the holder dies.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        _lock_fd(fd)
        try:
            yield
        finally:
            _unlock_fd(fd)
    finally:
        os.close(fd)


@dataclass
class Throttle:
    """The failure record. Call its methods only while holding :func:`attempt_lock`."""

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

    def _recent(self, now: datetime) -> list[datetime]:
        """Failures in the window ending now. A time after now (the clock was set back) is
        taken as now and saved so, or it would count until the clock caught up again."""
        failures = self._failures()
        clamped = [min(t, now) for t in failures]
        if clamped != failures:
            with contextlib.suppress(OSError):
                self._save(clamped)
        return [t for t in clamped if now - t < WINDOW]

    def _save(self, failures: list[datetime]) -> None:
        write_json_atomic(self.path, {"failures": [t.isoformat() for t in failures]})

    def delay_before_next(self) -> tuple[float, bool]:
        """(seconds to wait, whether the 10-in-5-minutes limit is what blocks)."""
        now = self.clock()
        recent = self._recent(now)
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
        self._save([*self._recent(now), now])

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)
