"""``db.insert_rows``, which a push uses for its records, results, change log and audit rows:
on PostgreSQL many rows go in by COPY, and they must be stored exactly as an INSERT stores
them (JSON as the same text, datetimes in UTC, nulls and booleans as given); a failure is
SQLAlchemy's error as an INSERT's would be, and nothing of the transaction is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, insert, select
from sqlalchemy.exc import IntegrityError

from hubdesk.server.db import COPY_FROM, insert_rows
from hubdesk.server.hub import Hub
from hubdesk.server.tables import HubRecord, ServerBase
from hubdesk.sync import protocol as p

RECORDS = ServerBase.metadata.tables[HubRecord.__tablename__]
#: An aware datetime that is not in UTC: stored as the same instant in UTC.
NOON_IN_PARIS = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
#: One time shared by rows among others (as a push's rows share its time): each conversion
#: kept for the next row must be given only to the same time.
SHARED = datetime(2024, 5, 2, 9, 30, 0, 654321, tzinfo=timezone(timedelta(hours=-5)))


def rows(prefix: str, first_seq: int) -> list[dict[str, Any]]:
    """More rows than COPY_FROM, with the values an INSERT converts."""
    return [
        {
            "kind": "contact_note",
            "id": f"{prefix}-{n}",
            "young_person_id": None if n % 3 == 0 else f"person-{n}",
            "team_id": None,
            "seq": first_seq + n,
            "content": {"text": 'Café ✓ "quoted"\n', "n": [n, 2.5, None, True], "e": {}},
            "deleted": n % 2 == 0,
            "updated_at": SHARED if n % 3 else NOON_IN_PARIS + timedelta(seconds=n),
            "sync_hash": p.record_hash(f"{prefix}-{n}", first_seq + n),
        }
        for n in range(COPY_FROM + 5)
    ]


def stored(hub: Hub, prefix: str) -> list[tuple[Any, ...]]:
    """What the database holds of these rows, with the JSON as its text, in sequence order."""
    columns = [c for c in RECORDS.c if c.name != "content"]
    with hub.db.unit(read_only=True) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(*columns, RECORDS.c.content, cast(RECORDS.c.content, Text))
                .where(RECORDS.c.id.like(f"{prefix}-%"))
                .order_by(RECORDS.c.seq)
            )
        ]


def test_rows_are_stored_exactly_as_an_insert_stores_them(hub: Hub) -> None:
    with hub.unit() as session:
        insert_rows(session, RECORDS, rows("copied", 1_000))
        session.execute(insert(RECORDS), rows("inserted", 2_000))
    copied, inserted = stored(hub, "copied"), stored(hub, "inserted")
    assert len(copied) == len(inserted) == COPY_FROM + 5

    def same(row: tuple[Any, ...]) -> tuple[Any, ...]:
        kind, _id, young_person_id, team_id, _seq, deleted, updated_at, _hash, content, text = row
        return kind, young_person_id, team_id, deleted, updated_at, content, text

    assert [same(row) for row in copied] == [same(row) for row in inserted]
    first = copied[0]
    assert first[6] == NOON_IN_PARIS.astimezone(UTC)
    assert first[8] == rows("x", 0)[0]["content"]
    assert [row[7] for row in copied] == [row["sync_hash"] for row in rows("copied", 1_000)]


def test_a_failed_copy_is_the_error_an_insert_raises_and_keeps_nothing(hub: Hub) -> None:
    made = rows("twice", 3_000)
    with hub.unit() as session:
        insert_rows(session, RECORDS, made[:1])
    with pytest.raises(IntegrityError), hub.unit() as session:
        insert_rows(session, RECORDS, made)  # the first row again: its key is taken
    with hub.db.unit(read_only=True) as session:
        count = select(func.count()).where(RECORDS.c.id.like("twice-%"))
        assert session.scalar(count) == 1


def raw(hub: Hub, table: str, key: str, where: str) -> list[tuple[Any, ...]]:
    """The rows as the driver reads them, untouched by SQLAlchemy's types (SQLite: the
    stored text of a datetime or JSON, integers for booleans), without their key."""
    with hub.db.engine.connect() as conn:
        found = conn.exec_driver_sql(f"SELECT * FROM {table} WHERE {where} ORDER BY {key}")
        names = list(found.keys())
        return [tuple(v for n, v in zip(names, row, strict=True) if n != key) for row in found]


def test_each_tables_rows_are_stored_as_an_insert_stores_them_on_both_databases(
    hub: Hub,
) -> None:
    """insert_rows hands the driver values it converted itself: the bytes stored are those
    of SQLAlchemy's INSERT, for the record, change-log and audit columns a push writes."""
    changes = ServerBase.metadata.tables["change_log"]
    events = ServerBase.metadata.tables["hub_audit"]

    def change_rows(first: int) -> list[dict[str, Any]]:
        return [
            {
                "seq": first + n,
                "kind": "meeting",
                "record_id": f"r-{n}",
                "op": "create",
                "at": NOON_IN_PARIS + timedelta(microseconds=n),
            }
            for n in range(COPY_FROM + 5)
        ]

    def event_rows(first: int) -> list[dict[str, Any]]:
        return [
            {
                "seq": first + n,
                "at": NOON_IN_PARIS.replace(microsecond=0),
                "user_id": None,
                "device_id": None if n % 2 else "d-1",
                "action": "sync-create",
                "kind": "meeting",
                "record_id": f"Café {n}",
                "prev_hash": "0" * 64,
                "hash": f"{n:064x}",
            }
            for n in range(COPY_FROM + 5)
        ]

    for made in (COPY_FROM + 5, 1):  # many rows, and one (an INSERT of SQLAlchemy's on PG)
        with hub.unit() as session:
            insert_rows(session, RECORDS, rows("ours", 10_000)[:made])
            session.execute(insert(RECORDS), rows("theirs", 20_000)[:made])
            insert_rows(session, changes, change_rows(10_000)[:made])
            session.execute(insert(changes), change_rows(20_000)[:made])
            insert_rows(session, events, event_rows(10_000)[:made])
            session.execute(insert(events), event_rows(20_000)[:made])
        ours = raw(hub, "hub_record", "id", "substr(id, 1, 5) = 'ours-'")
        theirs = raw(hub, "hub_record", "id", "substr(id, 1, 7) = 'theirs-'")
        assert len(ours) == made
        assert [r[:3] + r[4:6] for r in ours] == [r[:3] + r[4:6] for r in theirs]
        for table in ("change_log", "hub_audit"):
            mine = raw(hub, table, "seq", "seq >= 10000 AND seq < 20000")
            assert len(mine) == made
            assert mine == raw(hub, table, "seq", "seq >= 20000")
        with hub.unit() as session:
            session.execute(RECORDS.delete())
            for table in (changes, events):
                session.execute(table.delete().where(table.c.seq >= 10_000))
