"""Legal holds and erasure under a retention rule.

Erasure is the one way records leave the vault: only for a closed case, never under a legal
hold, always with the retention rule and a reason, and audited. It deletes the rows outright
(Core statements, past the frozen-record guard on purpose), removes their search entries, and
checkpoints the WAL so no page image of them is left behind; ``secure_delete`` zeroes the freed
pages. Contexts stay: they are shared with other young people. Audit events stay too: they
record that the erasure happened, and hold no case content.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, text
from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.models import (
    Addendum,
    ContactNote,
    ContextLink,
    InformationShare,
    Intervention,
    Meeting,
    MissingEpisode,
    NRMReferral,
    PlanAction,
    PlanVersion,
    ReturnInterview,
    SafetyPlan,
    Screening,
    SearchDoc,
    YoungPerson,
)
from hubdesk.models.enums import CaseStatus
from hubdesk.services.base import ServiceBase, required_text


class RetentionService(ServiceBase):
    def set_legal_hold(self, young_person_id: str, *, on: bool, reason: str) -> None:
        why = required_text(reason, "why the legal hold is placed or lifted")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            if person.legal_hold == on:
                state = "under a legal hold" if on else "not under a legal hold"
                raise DomainError(f"This young person's records are {state} already.")
            person.legal_hold = on
            self.audit(session, "legal_hold_on" if on else "legal_hold_off", person, why)

    def erase_young_person(self, young_person_id: str, *, rule: str, reason: str) -> int:
        """Erase every record of one young person; returns how many rows went."""
        rule_text = required_text(rule, "the retention rule that allows the erasure")
        why = required_text(reason, "why the records are being erased")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            if person.legal_hold:
                raise DomainError(
                    "These records are under a legal hold, so they cannot be erased. "
                    "The hold must be lifted first."
                )
            if person.status is not CaseStatus.CLOSED:
                raise DomainError("Only a closed case can be erased; close the case first.")
            erased = _delete_everything_of(session, young_person_id)
            # The audit event keeps the erased young person's id, never their content.
            self.audit(
                session,
                "erase",
                None,
                f"{rule_text}: {why}",
                kind="young_person",
                record_id=young_person_id,
            )
        with self.vault.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased


def _ids(session: Session, query: Any) -> list[str]:
    return list(session.execute(query).scalars())


def _rows(session: Session, statement: Any) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _delete_everything_of(session: Session, pid: str) -> int:
    notes = _ids(session, select(ContactNote.id).where(ContactNote.young_person_id == pid))
    plans = _ids(session, select(SafetyPlan.id).where(SafetyPlan.young_person_id == pid))
    versions = _ids(session, select(PlanVersion.id).where(PlanVersion.plan_id.in_(plans)))
    episodes = _ids(session, select(MissingEpisode.id).where(MissingEpisode.young_person_id == pid))
    steps = [
        delete(Addendum).where(Addendum.note_id.in_(notes)),
        delete(ContactNote).where(ContactNote.id.in_(notes)),
        delete(PlanAction).where(PlanAction.plan_version_id.in_(versions)),
        delete(PlanVersion).where(PlanVersion.id.in_(versions)),
        delete(SafetyPlan).where(SafetyPlan.id.in_(plans)),
        delete(ReturnInterview).where(ReturnInterview.episode_id.in_(episodes)),
        delete(MissingEpisode).where(MissingEpisode.id.in_(episodes)),
        delete(Screening).where(Screening.young_person_id == pid),
        delete(ContextLink).where(ContextLink.young_person_id == pid),
        delete(Meeting).where(Meeting.young_person_id == pid),
        delete(Intervention).where(Intervention.young_person_id == pid),
        delete(NRMReferral).where(NRMReferral.young_person_id == pid),
        delete(InformationShare).where(InformationShare.young_person_id == pid),
    ]
    erased = 0
    for statement in steps:
        erased += _rows(session, statement)
    indexed = [*notes, *plans, pid]
    for doc in session.execute(select(SearchDoc).where(SearchDoc.record_id.in_(indexed))).scalars():
        session.execute(text("DELETE FROM search_fts WHERE rowid = :r"), {"r": doc.fts_rowid})
    session.execute(delete(SearchDoc).where(SearchDoc.record_id.in_(indexed)))
    session.expunge_all()
    erased += _rows(session, delete(YoungPerson).where(YoungPerson.id == pid))
    return erased
