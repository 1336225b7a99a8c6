"""Queue every change to a synced record in the outbox, in the transaction that makes it.

A session hook (``after_flush``) sees each flushed record and writes or updates its outbox row
through the same connection, so the change and its row commit together or not at all. Rules:

- a new record is a *create*; a changed one an *update*; one given a tombstone a *delete*;
- a contact note is queued only once it is finalised (as an *append*; a draft stays on the
  laptop), and an addendum is always an *append*: these never change afterwards;
- changes that are only sync bookkeeping (version, server sequence) are not queued, nor are
  changes written while applying what the hub sent (``session.info[FROM_HUB]``);
- until a row has been sent, a later change to the same record updates it (a record created
  and deleted before any sync leaves nothing to send); once sent it never changes, and a
  later change gets a row of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Date, DateTime, delete, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from hubdesk import ids
from hubdesk.models import RECORD_KINDS, OutboxEntry, OutboxSent, Record, YoungPerson
from hubdesk.models.base import FROM_HUB, UTCDateTime
from hubdesk.models.missing import MissingEpisode, ReturnInterview
from hubdesk.models.notes import Addendum, ContactNote, NoteStatus
from hubdesk.models.plans import PlanAction, PlanVersion, SafetyPlan
from hubdesk.timeutil import utcnow

#: Local bookkeeping, never sent as content.
NOT_CONTENT = frozenset({"version", "server_seq", "sync_hash", "updated_at"})


def content_of(record: Record) -> dict[str, Any]:
    """The record's columns as JSON values (dates ISO 8601, enums their value)."""
    out: dict[str, Any] = {}
    for column in record.__table__.columns:
        if column.key in NOT_CONTENT:
            continue
        value = getattr(record, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        out[column.key] = value
    return out


def write_content(record: Record, content: dict[str, Any]) -> None:
    """Set the record's columns from JSON values (the inverse of :func:`content_of`).

    Keys that are not columns of this kind (a newer HubDesk's field) are left alone, as are
    the id and the local bookkeeping.
    """
    for key, value in column_values(record.__table__, content).items():
        setattr(record, key, value)


def column_values(table: FromClause, content: dict[str, Any]) -> dict[str, Any]:
    """What :func:`write_content` would set, as a column → value dict (sync inserts records
    new to this laptop from these, many in one statement)."""
    parsers = _parsers(table)
    values: dict[str, Any] = {}
    for key, value in content.items():
        if key not in parsers:
            continue
        parse = parsers[key]
        values[key] = parse(value) if parse is not None and isinstance(value, str) else value
    return values


@cache
def needed_columns(table: FromClause) -> frozenset[str]:
    """The content keys a record new to this laptop cannot be written without: its columns
    that are never empty and have no default (the id and the bookkeeping apart)."""
    return frozenset(
        column.key
        for column in table.columns
        if column.key in _parsers(table)
        and not column.nullable
        and column.default is None
        and column.server_default is None
    )


@cache
def _parsers(table: FromClause) -> dict[str, Callable[[str], Any] | None]:
    """The content keys a kind takes (its columns but the id and the bookkeeping), each with
    how its JSON text is read back (None: as it is)."""
    found: dict[str, Callable[[str], Any] | None] = {}
    for column in table.columns:
        if column.key in NOT_CONTENT or column.key == "id":
            continue
        if isinstance(column.type, UTCDateTime | DateTime):
            found[column.key] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            found[column.key] = date.fromisoformat
        else:
            found[column.key] = None
    return found


def context_of(conn: Connection, record: Record) -> str | None:
    """The context a contextual safety plan (or its version or action) is for; else None."""
    plan_id: str | None = None
    if isinstance(record, SafetyPlan):
        return record.context_id
    if isinstance(record, PlanVersion):
        plan_id = record.plan_id
    elif isinstance(record, PlanAction):
        plan_id = conn.scalar(
            select(PlanVersion.plan_id).where(PlanVersion.id == record.plan_version_id)
        )
    if plan_id is None:
        return None
    return conn.scalar(select(SafetyPlan.context_id).where(SafetyPlan.id == plan_id))


def young_person_of(conn: Connection, record: Record) -> str | None:
    """Whose case a record belongs to (a young person's own id; None for a context)."""
    if isinstance(record, YoungPerson):
        return record.id
    if isinstance(record, PlanVersion):
        return conn.scalar(
            select(SafetyPlan.young_person_id).where(SafetyPlan.id == record.plan_id)
        )
    if isinstance(record, PlanAction):
        return conn.scalar(
            select(SafetyPlan.young_person_id)
            .join(PlanVersion, PlanVersion.plan_id == SafetyPlan.id)
            .where(PlanVersion.id == record.plan_version_id)
        )
    if isinstance(record, Addendum):
        return conn.scalar(
            select(ContactNote.young_person_id).where(ContactNote.id == record.note_id)
        )
    if isinstance(record, ReturnInterview):
        return conn.scalar(
            select(MissingEpisode.young_person_id).where(MissingEpisode.id == record.episode_id)
        )
    value = getattr(record, "young_person_id", None)
    return str(value) if value is not None else None


def _op(session: Session, record: Record, is_new: bool) -> str | None:
    """What to queue for this flushed record, or None for nothing."""
    if isinstance(record, Addendum):
        return "append" if is_new else None
    if isinstance(record, ContactNote):
        became_final = record.status is NoteStatus.FINALISED and (
            is_new or inspect(record).attrs.status.history.has_changes()
        )
        return "append" if became_final else None
    if is_new:
        return "create"
    changed = {
        attr.key
        for attr in inspect(record).attrs
        if attr.key in record.__table__.columns and attr.history.has_changes()
    }
    if not changed - NOT_CONTENT:
        return None
    if "deleted_at" in changed and record.deleted_at is not None:
        return "delete"
    return "update"


def queue_changes(session: Session, _flush_context: object) -> None:
    if session.info.get(FROM_HUB):
        return
    found = [(obj, True) for obj in session.new] + [(obj, False) for obj in session.dirty]
    records = [
        (r, n) for r, n in found if isinstance(r, Record) and r.__tablename__ in RECORD_KINDS
    ]
    if not records:
        return
    conn = session.connection()
    now = utcnow()
    for record, is_new in records:
        op = _op(session, record, is_new)
        if op is not None:
            _queue(conn, record, op, now)


def queue(conn: Connection, record: Record, op: str, now: datetime) -> None:
    """Queue ``op`` for ``record`` by hand (sync queues the merge of a conflict this way, in a
    session that is otherwise the hub's word and so not queued by the hook)."""
    _queue(conn, record, op, now)


def _queue(conn: Connection, record: Record, op: str, now: datetime) -> None:
    kind, content = record.__tablename__, content_of(record)
    if op == "delete":
        content = {}
    waiting = conn.execute(
        select(OutboxEntry.seq, OutboxEntry.op).where(
            OutboxEntry.kind == kind,
            OutboxEntry.record_id == record.id,
            ~select(OutboxSent.seq).where(OutboxSent.seq == OutboxEntry.seq).exists(),
            OutboxEntry.state == "pending",
        )
    ).first()
    if waiting is not None:
        if waiting.op == "create" and op == "delete":
            # Made and removed before the hub ever heard of it: nothing to send.
            conn.execute(delete(OutboxEntry).where(OutboxEntry.seq == waiting.seq))
            return
        merged_op = "create" if waiting.op == "create" else op
        conn.execute(
            update(OutboxEntry)
            .where(OutboxEntry.seq == waiting.seq)
            .values(op=merged_op, content=content, created_at=now)
        )
        return
    conn.execute(
        insert(OutboxEntry).values(
            mutation_id=ids.ordered_id(),
            kind=kind,
            record_id=record.id,
            op=op,
            young_person_id=young_person_of(conn, record),
            content=content,
            created_at=now,
            state="pending",
        )
    )


def install(session_cls: type[Session] = Session) -> None:
    if not event.contains(session_cls, "after_flush", queue_changes):
        event.listen(session_cls, "after_flush", queue_changes)
