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
            "updated_at": NOON_IN_PARIS + timedelta(seconds=n),
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
