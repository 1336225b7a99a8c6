"""On SQLite the serving hub copies its write-ahead log back into the database in a thread of
its own; commits no longer do it on the way to their answer (SQLite's own checkpoint stays,
at a larger size, as a safety net)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from hubdesk.server.checkpoint import Checkpointer
from hubdesk.server.db import SQLITE_AUTOCHECKPOINT_PAGES, Database
from tests.server.conftest import fast_schema


def busy_database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    fast_schema(db)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE filler (n INTEGER, words TEXT)"))
        conn.execute(
            text("INSERT INTO filler VALUES (:n, :words)"),
            [{"n": n, "words": "x" * 500} for n in range(2000)],
        )
    return db


class Counted(Checkpointer):
    """The checkpointer, each of its checkpoints noted with what it said."""

    def __init__(self, db: Database, every: float) -> None:
        super().__init__(db, every)
        self.said: list[tuple[int, int, int]] = []

    def checkpoint(self) -> tuple[int, int, int]:
        answer = super().checkpoint()
        self.said.append(answer)
        return answer


def test_each_connection_leaves_checkpoints_to_the_thread_up_to_a_larger_size(
    tmp_path: Path,
) -> None:
    db = busy_database(tmp_path)
    with db.engine.connect() as conn:
        found = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert found == SQLITE_AUTOCHECKPOINT_PAGES > 1000  # SQLite's default
    db.dispose()


def test_the_thread_copies_the_log_back_and_stops(tmp_path: Path) -> None:
    db = busy_database(tmp_path)
    checkpoints = Counted(db, every=0.01).start()
    try:
        deadline = time.monotonic() + 10
        while len(checkpoints.said) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy, frames, copied = checkpoints.said[0]  # the thread's first, after the writes
        assert frames > 0
        assert (busy, copied) == (0, frames)
        with db.engine.connect() as conn:  # everything is still there
            assert conn.execute(text("SELECT count(*) FROM filler")).scalar_one() == 2000
    finally:
        checkpoints.stop()
    assert not checkpoints._thread.is_alive()
    db.dispose()
