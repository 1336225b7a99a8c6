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
from hubdesk.services.notes import index_note
from hubdesk.services.plans import index_plan
from hubdesk.services.search import index_person
from hubdesk.store import search


def reindex(session: Session, record: Record) -> None:
    if isinstance(record, YoungPerson):
        if record.deleted_at is None:
            index_person(session, record)
        else:
            search.unindex(session, record.id)
    elif isinstance(record, ContactNote | Addendum):
        note = (
            record if isinstance(record, ContactNote) else session.get(ContactNote, record.note_id)
        )
        if note is not None and note.deleted_at is None:
            index_note(session, note)
    elif isinstance(record, SafetyPlan | PlanVersion | PlanAction):
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
