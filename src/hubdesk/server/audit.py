"""The hub's audit log: who did what, to which record, when, from which device.

Rows are only ever inserted. Each row's hash covers its fields and the previous row's hash;
writers lock the single head row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite takes its
write lock at BEGIN), so concurrent workers still make one chain. A changed, removed or
reordered row is found by :func:`verify`.

A transaction *notes* its events as it goes (:func:`note`) and appends them all at its end
(:func:`write_noted`, which ``Hub.unit`` calls just before committing): one lock of the head,
the chain worked out in memory, the rows inserted together. The head is therefore held only
from that append to the commit, not for the whole transaction, and a push of many changes
locks it once, not once per change. The rows and their hashes are exactly those that one
:func:`record` per event, in the same order, would have written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from hubdesk.server.db import insert_rows, queued
from hubdesk.server.tables import AuditHead, HubAuditEvent, ServerBase

GENESIS = "0" * 64
_EVENTS = ServerBase.metadata.tables[HubAuditEvent.__tablename__]
_HEAD = ServerBase.metadata.tables[AuditHead.__tablename__]
#: The head, read and locked; moved on; made with the first event of all (built once: they
#: are run by every audited request).
_HEAD_LOCKED = select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_HEAD_MOVED = queued(
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=bindparam("last_seq"), last_hash=bindparam("last_hash"))
)
_HEAD_MADE = queued(
    insert(_HEAD).values(id=1, last_seq=bindparam("last_seq"), last_hash=bindparam("last_hash"))
)
#: Where a transaction's noted events wait (in ``Session.info``) until it appends them.
NOTED = "hubdesk.audit.noted"
#: The text each row's hash is taken of: ``json.dumps(body, sort_keys=True)``, its encoder
#: made once rather than for every row.
_CANONICAL = json.JSONEncoder(sort_keys=True)


@dataclass(frozen=True)
class Entry:
    """One event, before it has a place in the chain."""

    at: datetime
    action: str
    user_id: int | None = None
    device_id: str | None = None
    kind: str | None = None
    record_id: str | None = None

    @classmethod
    def of(cls, event: HubAuditEvent) -> Entry:
        return cls(
            event.at, event.action, event.user_id, event.device_id, event.kind, event.record_id
        )


def _digest(prev_hash: str, seq: int, entry: Entry, at: str) -> str:
    """The event's hash; ``at`` is ``entry.at.isoformat()`` (made once by ``append`` for
    the events of a transaction that share one time)."""
    body = {
        "seq": seq,
        "at": at,
        "user": entry.user_id,
        "device": entry.device_id,
        "action": entry.action,
        "kind": entry.kind,
        "record": entry.record_id,
        "prev": prev_hash,
    }
    return hashlib.sha256(_CANONICAL.encode(body).encode()).hexdigest()


def note(session: Session, entry: Entry) -> None:
    """Keep an event for :func:`write_noted` at the end of this transaction."""
    session.info.setdefault(NOTED, []).append(entry)


def take_noted(session: Session) -> list[Entry]:
    """The events noted in this transaction so far, which it will no longer write itself."""
    noted: list[Entry] = session.info.pop(NOTED, [])
    return noted


def write_noted(session: Session) -> None:
    """Append the events noted in this transaction to the chain (nothing when there are none)."""
    append(session, take_noted(session))


def append(session: Session, entries: Sequence[Entry]) -> None:
    """Append events to the chain, in order, under one lock of the head (held to commit).
    What the session holds unwritten is written first, so the head is the last thing this
    transaction locks. (Plain statements on the tables: no ORM objects.)"""
    if not entries:
        return
    session.flush()
    conn = session.connection()
    head = conn.execute(_HEAD_LOCKED).first()
    seq, prev = (0, GENESIS) if head is None else (head.last_seq, head.last_hash)
    rows = []
    at, at_text = None, ""
    for entry in entries:
        seq += 1
        if entry.at is not at:
            at, at_text = entry.at, entry.at.isoformat()
        digest = _digest(prev, seq, entry, at_text)
        rows.append(
            {
                "seq": seq,
                "at": entry.at,
                "user_id": entry.user_id,
                "device_id": entry.device_id,
                "action": entry.action,
                "kind": entry.kind,
                "record_id": entry.record_id,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    insert_rows(session, _EVENTS, rows)
    moved = {"last_seq": seq, "last_hash": prev}
    conn.execute(_HEAD_MADE if head is None else _HEAD_MOVED, moved)  # None: the first of all


def record(
    session: Session,
    *,
    at: datetime,
    action: str,
    user_id: int | None = None,
    device_id: str | None = None,
    kind: str | None = None,
    record_id: str | None = None,
) -> None:
    """Append one event now (after any this transaction noted before it)."""
    note(session, Entry(at, action, user_id, device_id, kind, record_id))
    write_noted(session)


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> ChainReport:
    prev, expected_seq, count = GENESIS, 1, 0
    for event in session.scalars(select(HubAuditEvent).order_by(HubAuditEvent.seq)):
        if event.seq != expected_seq:
            return ChainReport(count, expected_seq)  # that row is missing
        digest = _digest(prev, event.seq, Entry.of(event), event.at.isoformat())
        if event.prev_hash != prev or digest != event.hash:
            return ChainReport(count, event.seq)
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq, head.last_hash) != (count, prev):
        return ChainReport(count, count + 1)  # the newest rows were removed
    return ChainReport(count, None)
