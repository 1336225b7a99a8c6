"""On SQLite, the write-ahead log is copied back into the database by a thread of the serving
hub, not by whichever commit crosses SQLite's own threshold.

SQLite checkpoints in the connection that commits, after the commit and before the answer:
with its default threshold (1,000 pages) every other push of 500 records waited 9–12 ms for
it. Here a thread asks for a ``PASSIVE`` checkpoint a few times a second, which copies what
no reader still needs and never waits for a lock, so requests are not held up by it and it
by none of them. A commit's durability does not depend on checkpoints: with
``synchronous=FULL`` each commit is on disk in the log before it is answered. SQLite's own
checkpoint stays as a safety net at a larger threshold (``db.SQLITE_AUTOCHECKPOINT_PAGES``),
should this thread fall behind or stop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from hubdesk.server.db import Database

log = logging.getLogger("hubdesk.server")

#: Seconds between two checkpoints of the thread.
EVERY_S = 0.25


class Checkpointer:
    """The thread, with a connection of its own (outside any transaction)."""

    def __init__(self, db: Database, every: float = EVERY_S) -> None:
        assert db.is_sqlite, "only SQLite keeps a write-ahead log of its own"
        self._db, self._every = db, every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hubdesk-checkpoint", daemon=True)
        self._conn: Any = None

    def start(self) -> Checkpointer:
        self._conn = self._db.engine.raw_connection()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._conn is not None:
            self._conn.close()  # back to the pool
            self._conn = None

    def checkpoint(self) -> tuple[int, int, int]:
        """One ``PASSIVE`` checkpoint: (1 if it could not finish, frames in the log, frames
        copied into the database)."""
        conn = self._conn if self._conn is not None else self._db.engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                busy, frames, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                cursor.close()
        finally:
            if conn is not self._conn:
                conn.close()
        return int(busy), int(frames), int(copied)

    def _run(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                self.checkpoint()
            except sqlite3.Error as exc:  # said without detail: the next one may well work
                log.warning('{"event": "checkpoint-failed", "error": "%s"}', type(exc).__name__)
