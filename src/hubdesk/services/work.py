"""Meetings, interventions, NRM referrals and information shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hubdesk.errors import DomainError
from hubdesk.models import (
    Context,
    InformationShare,
    Intervention,
    Meeting,
    NRMReferral,
    YoungPerson,
)
from hubdesk.models.enums import MeetingKind
from hubdesk.services.base import ServiceBase, choice, optional_text, required_text
from hubdesk.timeutil import as_utc


class WorkService(ServiceBase):
    def record_meeting(
        self,
        *,
        kind: MeetingKind | str,
        held_at: datetime,
        young_person_id: str | None = None,
        context_id: str | None = None,
        attendees: str = "",
        discussion: str = "",
        decisions: str = "",
        actions: list[dict[str, Any]] | None = None,
        chair: str | None = None,
    ) -> str:
        with self.write() as session:
            if young_person_id:
                self.get(session, YoungPerson, young_person_id)
            if context_id:
                self.get(session, Context, context_id)
            meeting = Meeting(
                kind=choice(MeetingKind, kind, "kind of meeting"),
                held_at=as_utc(held_at),
                young_person_id=young_person_id,
                context_id=context_id,
                chair=optional_text(chair),
                attendees=attendees,
                discussion=discussion,
                decisions=decisions,
                actions=list(actions or []),
            )
            session.add(meeting)
            self.audit(session, "create", meeting)
            return meeting.id

    def add_intervention(
        self,
        young_person_id: str,
        *,
        provider: str,
        description: str,
        started_on: date | None = None,
    ) -> str:
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            item = Intervention(
                young_person_id=young_person_id,
                provider=required_text(provider, "who provides the work"),
                description=description,
                started_on=started_on,
            )
            session.add(item)
            self.audit(session, "create", item)
            return item.id

    def refer_nrm(
        self,
        young_person_id: str,
        *,
        referred_on: date,
        first_responder: str,
        exploitation_types: list[str],
        summary: str,
    ) -> str:
        if referred_on > self.today():
            raise DomainError("The referral date is in the future; check it.")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            referral = NRMReferral(
                young_person_id=young_person_id,
                referred_on=referred_on,
                first_responder=required_text(first_responder, "the first responder organisation"),
                exploitation_types=list(exploitation_types),
                summary=summary,
            )
            session.add(referral)
            person.flag_nrm_referral = True
            self.audit(session, "create", referral)
            self.audit(session, "update", person, "NRM referral flag set")
            return referral.id

    def record_share(
        self,
        young_person_id: str,
        *,
        shared_at: datetime,
        what: str,
        recipient: str,
        why: str,
        lawful_basis: str,
    ) -> str:
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            share = InformationShare(
                young_person_id=young_person_id,
                shared_at=as_utc(shared_at),
                what=required_text(what, "what was shared"),
                recipient=required_text(recipient, "who it was shared with"),
                why=required_text(why, "why it was shared"),
                lawful_basis=required_text(lawful_basis, "the lawful basis for sharing"),
            )
            session.add(share)
            self.audit(session, "share", share, share.why)
            return share.id
