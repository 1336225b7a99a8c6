"""Keep the search index in step with records written by sync (as the services do for
records written on this laptop), in the same transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.models import (
    Addendum,
    ContactNote,
    PlanAction,
    PlanVersion,
    Record,
    SafetyPlan,
    YoungPerson,
)
from hubdesk.services.notes import note_doc
from hubdesk.services.plans import index_plan
from hubdesk.services.search import person_doc
from hubdesk.store import search


def reindex(session: Session, record: Record) -> None:
    reindex_all(session, [record])


def reindex_all(session: Session, records: list[Record]) -> None:
    """Bring the index up to date for these records (written by sync and flushed): names,
    notes with their addenda, plans with their newest version; a few statements for a page."""
    docs: list[search.Doc] = []
    notes: dict[str, ContactNote] = {}
    plans: dict[str, SafetyPlan | PlanVersion | PlanAction] = {}
    for record in records:
        if isinstance(record, YoungPerson):
            if record.deleted_at is None:
                docs.append(person_doc(record))
            else:
                search.unindex(session, record.id)
        elif isinstance(record, ContactNote):
            notes[record.id] = record
        elif isinstance(record, Addendum):
            note = session.get(ContactNote, record.note_id)
            if note is not None:
                notes[note.id] = note
        elif isinstance(record, SafetyPlan | PlanVersion | PlanAction):
            plans[record.id] = record
    live = [n for n in notes.values() if n.deleted_at is None]
    addenda: dict[str, list[str]] = {}
    for addendum in session.scalars(
        select(Addendum)
        .where(Addendum.note_id.in_([n.id for n in live]))
        .order_by(Addendum.created_at)
    ):
        addenda.setdefault(addendum.note_id, []).append(addendum.text)
    docs += [note_doc(n, addenda.get(n.id, [])) for n in live]
    search.index_many(session, docs)
    for record in plans.values():
        _reindex_plan(session, record)


def _reindex_plan(session: Session, record: SafetyPlan | PlanVersion | PlanAction) -> None:
    if isinstance(record, PlanAction):
        version = session.get(PlanVersion, record.plan_version_id)
        plan_id = version.plan_id if version is not None else None
    else:
        plan_id = record.plan_id if isinstance(record, PlanVersion) else record.id
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
