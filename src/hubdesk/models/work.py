"""Multi-agency work around a young person or a context: meetings, interventions, National
Referral Mechanism referrals and information shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import EnumText, Record, UTCDateTime
from hubdesk.models.enums import MeetingKind


class Meeting(Record):
    """Daily triage, weekly panel, strategy discussion or context conference."""

    __tablename__ = "meeting"
    label: ClassVar[str] = "meeting"

    kind: Mapped[MeetingKind] = mapped_column(EnumText(MeetingKind))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    young_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("young_person.id"), index=True, default=None
    )
    context_id: Mapped[str | None] = mapped_column(
        ForeignKey("context.id"), index=True, default=None
    )
    chair: Mapped[str | None] = mapped_column(String(120), default=None)
    attendees: Mapped[str] = mapped_column(Text, default="")
    discussion: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Intervention(Record):
    """Commissioned direct work (youth service, voluntary sector, YOS …)."""

    __tablename__ = "intervention"
    label: ClassVar[str] = "intervention"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    provider: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None] = mapped_column(Date, default=None)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)


class NRMReferral(Record):
    """A National Referral Mechanism referral (modern slavery / trafficking)."""

    __tablename__ = "nrm_referral"
    label: ClassVar[str] = "NRM referral"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    first_responder: Mapped[str] = mapped_column(String(160))
    exploitation_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    reasonable_grounds_on: Mapped[date | None] = mapped_column(Date, default=None)
    reasonable_grounds_outcome: Mapped[str | None] = mapped_column(String(40), default=None)
    conclusive_grounds_on: Mapped[date | None] = mapped_column(Date, default=None)
    conclusive_grounds_outcome: Mapped[str | None] = mapped_column(String(40), default=None)


class InformationShare(Record):
    """What was shared, with whom, why, and on what lawful basis (UK GDPR / DPA 2018)."""

    __tablename__ = "information_share"
    label: ClassVar[str] = "information share"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    what: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text)
    lawful_basis: Mapped[str] = mapped_column(Text)

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        return True
