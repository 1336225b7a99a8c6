"""Which records belong to one young person: the one map used by the subject access export
and by erasure, so a new record kind cannot be covered by one and forgotten by the other (a
test checks every kind in ``RECORD_KINDS`` is either owned or shared).

Tombstoned records are included: until the hub confirms a deletion they are still in the vault
and still this young person's data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.models import (
    Addendum,
    Attachment,
    ContactNote,
    Context,
    ContextLink,
    InformationShare,
    Intervention,
    Meeting,
    MissingEpisode,
    NRMReferral,
    PlanAction,
    PlanVersion,
    Record,
    ReturnInterview,
    SafetyPlan,
    Screening,
    YoungPerson,
)

#: Owned kinds, children before parents (the order erasure deletes in).
OWNED_KINDS: tuple[str, ...] = (
    "attachment",
    "addendum",
    "contact_note",
    "plan_action",
    "plan_version",
    "safety_plan",
    "return_interview",
    "missing_episode",
    "screening",
    "context_link",
    "meeting",
    "intervention",
    "nrm_referral",
    "information_share",
    "young_person",
)
#: Kinds linked to a young person but shared with others: exported, never erased with them.
SHARED_KINDS: tuple[str, ...] = ("context",)
#: Owned kinds that have a search-index entry.
INDEXED_KINDS: tuple[str, ...] = ("contact_note", "safety_plan", "young_person")


def _all(session: Session, query: Any) -> list[Any]:
    return list(session.execute(query).scalars())


def owned_records(session: Session, young_person_id: str) -> dict[str, list[Record]]:
    pid = young_person_id
    notes = _all(session, select(ContactNote).where(ContactNote.young_person_id == pid))
    plans = _all(session, select(SafetyPlan).where(SafetyPlan.young_person_id == pid))
    versions = _all(
        session, select(PlanVersion).where(PlanVersion.plan_id.in_([p.id for p in plans]))
    )
    episodes = _all(session, select(MissingEpisode).where(MissingEpisode.young_person_id == pid))
    by_person = {
        "screening": Screening,
        "context_link": ContextLink,
        "meeting": Meeting,
        "intervention": Intervention,
        "nrm_referral": NRMReferral,
        "information_share": InformationShare,
        "attachment": Attachment,
        "young_person": YoungPerson,
    }
    found: dict[str, list[Record]] = {
        "addendum": _all(
            session, select(Addendum).where(Addendum.note_id.in_([n.id for n in notes]))
        ),
        "contact_note": notes,
        "plan_action": _all(
            session,
            select(PlanAction).where(PlanAction.plan_version_id.in_([v.id for v in versions])),
        ),
        "plan_version": versions,
        "safety_plan": plans,
        "return_interview": _all(
            session,
            select(ReturnInterview).where(ReturnInterview.episode_id.in_([e.id for e in episodes])),
        ),
        "missing_episode": episodes,
    }
    for kind, cls in by_person.items():
        column = cls.id if cls is YoungPerson else cls.young_person_id  # type: ignore[attr-defined]
        found[kind] = _all(session, select(cls).where(column == pid))
    return {kind: found[kind] for kind in OWNED_KINDS}


def linked_contexts(session: Session, young_person_id: str) -> list[Context]:
    ids = select(ContextLink.context_id).where(ContextLink.young_person_id == young_person_id)
    return _all(session, select(Context).where(Context.id.in_(ids)))
