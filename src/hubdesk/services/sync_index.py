"""Keep the search index in step with records written by sync (as the services do for
records written on this laptop), in the same transaction."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from hubdesk.models import (
    Addendum,
    ContactNote,
    PlanVersion,
    Record,
    SafetyPlan,
    YoungPerson,
)
from hubdesk.services.notes import note_doc
from hubdesk.services.plans import index_plan
from hubdesk.services.search import person_doc
from hubdesk.store import search

#: The kinds the index covers, and the columns it reads of their records (``person_doc``,
#: ``note_doc``, a plan's ids): all a record written in bulk is read back with.
READS: dict[str, tuple[str, ...]] = {
    "young_person": ("id", "given_name", "family_name", "preferred_name", "deleted_at"),
    "contact_note": ("id", "young_person_id", "narrative", "present", "deleted_at"),
    "addendum": ("id", "note_id"),
    "safety_plan": ("id",),
    "plan_version": ("id", "plan_id"),
    "plan_action": ("id", "plan_version_id"),
}
PLAN_KINDS = frozenset({"safety_plan", "plan_version", "plan_action"})
#: The kinds whose entry is made from their own ``READS`` columns alone (a note's addenda
#: come with the addenda): one whose columns are unchanged keeps its entry as it is.
OWN_WORDS = frozenset({"young_person", "contact_note"})


def indexed_words(record: Record) -> tuple[Any, ...] | None:
    """What the index reads of a record whose entry is its own columns (``OWN_WORDS``); None
    for one whose entry must be made again whenever it is written (a plan's reads its text,
    an addendum's its note's). Sync compares this before and after writing the hub's copy of
    a record: a young person whose level or address changed keeps the entry of their name
    (remaking an entry rewrites its search rows, prefixes and all)."""
    kind = record.__tablename__
    if kind not in OWN_WORDS:
        return None
    return tuple(getattr(record, name) for name in READS[kind])


def reindex(session: Session, record: Record) -> None:
    reindex_all(session, [record])


def reindex_all(session: Session, records: list[Record]) -> None:
    """Bring the index up to date for these records (written by sync and flushed): names,
    notes with their addenda, plans with their newest version; a few statements for a page."""
    reindex_written(session, records, {})


def reindex_written(
    session: Session, records: list[Record], inserted: dict[str, list[str]]
) -> None:
    """:func:`reindex_all` for these records and for those ``inserted`` (kind → ids) without
    ORM objects (sync writes records new to the laptop in bulk): those are read back as they
    were stored, as plain rows of the columns the index reads (``READS``, by the same names
    as a record's; one query per kind)."""
    if not records and not inserted:
        return
    written: list[tuple[str, Any]] = [(record.__tablename__, record) for record in records]
    for kind, ids in inserted.items():
        if kind in READS and ids:
            rows = session.connection().execute(_read_back(kind), {"ids": ids})
            written += [(kind, row) for row in rows]
    docs: list[search.Doc] = []
    notes: dict[str, Any] = {}
    plans: dict[str, tuple[str, Any]] = {}
    for kind, record in written:
        if kind == "young_person":
            if record.deleted_at is None:
                docs.append(person_doc(cast(YoungPerson, record)))
            else:
                search.unindex(session, record.id)
        elif kind == "contact_note":
            notes[record.id] = record
        elif kind == "addendum":
            note = session.get(ContactNote, record.note_id)
            if note is not None:
                notes[note.id] = note
        elif kind in PLAN_KINDS:
            plans[record.id] = (kind, record)
    live = [n for n in notes.values() if n.deleted_at is None]
    addenda: dict[str, list[str]] = {}
    if live:
        for note_id, words in session.execute(_ADDENDA, {"notes": [n.id for n in live]}):
            addenda.setdefault(note_id, []).append(words)
    docs += [note_doc(cast(ContactNote, n), addenda.get(n.id, [])) for n in live]
    search.index_many(session, docs)
    for kind, record in plans.values():
        _reindex_plan(session, kind, record)


@cache
def _read_back(kind: str) -> Select[*tuple[Any, ...]]:
    """The columns the index reads (``READS``) of the records of ``kind`` with the ids in
    parameter ``ids`` (built once for each kind: a pull writes a page at a time)."""
    table = Record.metadata.tables[kind]
    columns = [table.c[name] for name in READS[kind]]
    return select(*columns).where(table.c.id.in_(bindparam("ids", expanding=True)))


#: The addenda of the notes in parameter ``notes``, oldest first.
_ADDENDA = (
    select(Addendum.note_id, Addendum.text)
    .where(Addendum.note_id.in_(bindparam("notes", expanding=True)))
    .order_by(Addendum.created_at)
)


def _reindex_plan(session: Session, kind: str, record: Any) -> None:
    """Index the plan of a plan, version or action (record or row) with its newest version."""
    if kind == "plan_action":
        version = session.get(PlanVersion, record.plan_version_id)
        plan_id = version.plan_id if version is not None else None
    else:
        plan_id = record.plan_id if kind == "plan_version" else record.id
    plan = session.get(SafetyPlan, plan_id) if plan_id else None
    if plan is None:
        return
    newest = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan.id, PlanVersion.deleted_at.is_(None))
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()
    if newest is not None:
        index_plan(session, plan, newest)
