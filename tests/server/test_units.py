"""Units of work: a read-only unit refuses to write; on SQLite it is a snapshot that neither
waits for the one writer nor holds it up; a read whose audit row cannot be written answers
nothing; an incremental pull on SQLite walks the sequence index; and signing a request in
reads the device and writes its last-seen time at most once a minute."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hubdesk.server import sync
from hubdesk.server.db import ReadOnlyUnit
from hubdesk.server.hub import TOKEN_PREFIX, Hub, token_digest
from hubdesk.server.tables import Device, Team, utcnow
from tests.server.conftest import Org, put
from tests.server.test_workers import CASE, enrolled


def teams(hub: Hub) -> int:
    with hub.db.unit(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(Team)) or 0


def test_a_read_only_unit_refuses_to_write(org: Org, hub: Hub) -> None:
    before = teams(hub)
    with pytest.raises(ReadOnlyUnit), hub.db.unit(read_only=True) as session:
        session.add(Team(name="East", created_at=utcnow()))
    with pytest.raises(ReadOnlyUnit), hub.db.unit(read_only=True) as session:
        session.execute(update(Team).values(name="Renamed"))
    with pytest.raises(ReadOnlyUnit), hub.db.unit(read_only=True) as session:
        rename_the_first_team(session)
    assert teams(hub) == before
    with hub.db.unit() as session:
        assert "Renamed" not in session.scalars(select(Team.name)).all()


def rename_the_first_team(session: Session) -> None:
    team = session.scalars(select(Team)).first()
    assert team is not None
    team.name = "Renamed"


def in_thread(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_on_sqlite_a_read_neither_waits_for_nor_holds_up_the_writer(org: Org, hub: Hub) -> None:
    if not hub.db.is_sqlite:
        pytest.skip("SQLite's one write lock; PostgreSQL reads never took it")
    before = teams(hub)
    with hub.db.unit(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Team)) == before
        writer = in_thread(lambda: hub.create_team("East"))
        writer.join(timeout=10)
        assert not writer.is_alive(), "the writer waited for a read to end"
        # Still the snapshot the read began with: one consistent view.
        assert session.scalar(select(func.count()).select_from(Team)) == before
    assert teams(hub) == before + 1

    holding, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with hub.unit() as session:
            session.add(Team(name="West", created_at=utcnow()))
            session.flush()
            holding.set()
            release.wait(timeout=30)

    writer = in_thread(hold_the_write_lock)
    assert holding.wait(timeout=10)
    try:
        started = time.monotonic()
        assert teams(hub) == before + 1  # read while the writer holds the lock
        assert time.monotonic() - started < 5
    finally:
        release.set()
        writer.join(timeout=10)
    assert teams(hub) == before + 2


def last_seen(hub: Hub, device_id: str) -> datetime | None:
    with hub.db.unit(read_only=True) as session:
        return session.scalar(select(Device.last_seen_at).where(Device.id == device_id))


def test_a_devices_last_seen_time_is_written_at_most_once_a_minute(org: Org, hub: Hub) -> None:
    now = [utcnow()]
    hub.clock = lambda: now[0]
    amy = enrolled(hub, "north-amy")  # signed in once: seen now
    first = last_seen(hub, amy.device_id)
    assert first == now[0]
    token = new_token_for(hub, amy.device_id)

    now[0] += timedelta(seconds=59)
    assert hub.authenticate(token) == amy
    assert last_seen(hub, amy.device_id) == first

    now[0] += timedelta(seconds=2)
    assert hub.authenticate(token) == amy
    assert last_seen(hub, amy.device_id) == now[0]


def new_token_for(hub: Hub, device_id: str) -> str:
    """Give a device a token whose value this test knows (the hub keeps only digests)."""
    token = TOKEN_PREFIX + "known-to-this-test-" + device_id
    with hub.unit() as session:
        session.execute(
            update(Device).where(Device.id == device_id).values(token_digest=token_digest(token))
        )
    return token


def test_a_read_whose_audit_row_cannot_be_written_answers_nothing(org: Org, hub: Hub) -> None:
    amy = enrolled(hub, "north-amy")
    put(hub, amy, "young_person", CASE, {"given_name": "Fictional"})
    assert [c.record_id for c in sync.pull(hub, amy, 0, 10).changes] == [CASE]
    audited = hub.verify_audit().events
    with hub.db.engine.begin() as conn:  # the audit log cannot be written to for a while
        conn.execute(text("ALTER TABLE hub_audit RENAME TO hub_audit_away"))
    try:
        with pytest.raises(DBAPIError):
            sync.pull(hub, amy, 0, 10)
        with pytest.raises(DBAPIError):
            sync.summary(hub, amy)
        with pytest.raises(DBAPIError):
            hub.case(amy, CASE)
    finally:
        with hub.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE hub_audit_away RENAME TO hub_audit"))
    report = hub.verify_audit()
    assert report.ok
    assert report.events == audited  # and nothing half-written


def test_on_sqlite_a_pull_after_a_cursor_walks_the_sequence_index(org: Org, hub: Hub) -> None:
    """Not the whole scope read and sorted for the few changes after the cursor."""
    if not hub.db.is_sqlite:
        pytest.skip("PostgreSQL's planner chooses by its statistics")
    amy = enrolled(hub, "north-amy")
    cursor = put(hub, amy, "young_person", CASE, {"given_name": "Fictional"})
    for n in range(3):
        put(hub, amy, "meeting", str(uuid.uuid4()), {"n": n}, young_person_id=CASE)
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT hub_record."):
            sent.append((statement, parameters))

    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        assert len(sync.pull(hub, amy, cursor, 10).changes) == 3
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)
    [(statement, parameters)] = sent
    with hub.db.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    reads = [step for *_, step in plan if "hub_record" in step]
    # The page's keys from the cursor along the sequence, then those records by their key;
    # nothing scans the table or the scope.
    assert "USING INDEX ix_hub_record_seq (seq>?)" in reads[0], plan
    assert "USING INDEX sqlite_autoindex_hub_record_1 (kind=? AND id=?)" in reads[-1], plan
    assert not [step for step in reads if "SCAN" in step], plan
