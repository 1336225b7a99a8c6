"""Safety plans: My Safety Plan (subject: a young person) or a contextual safety plan
(subject: a place, peer group, school or online space).

A plan is an ordered list of versions. A version is editable only while it is a draft; once
submitted it is frozen, and changing the plan starts a new draft version. Actions belong to a
version and freeze with it: none is added to, changed on or removed from a frozen version.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hubdesk.errors import DomainError
from hubdesk.models.base import EnumText, Record, UTCDateTime
from hubdesk.models.states import StateMachine


class PlanSubject(enum.StrEnum):
    YOUNG_PERSON = "young_person"
    CONTEXT = "context"


class PlanVersionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    SIGNED = "signed"
    ACTIVE = "active"
    REVIEWED = "reviewed"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


_P = PlanVersionStatus
PLAN_VERSION_STATES: StateMachine[PlanVersionStatus] = StateMachine(
    "plan version",
    {
        _P.DRAFT: frozenset({_P.SUBMITTED}),
        _P.SUBMITTED: frozenset({_P.APPROVED, _P.RETURNED}),
        _P.RETURNED: frozenset({_P.SUPERSEDED}),
        _P.APPROVED: frozenset({_P.SIGNED, _P.ACTIVE, _P.SUPERSEDED}),
        _P.SIGNED: frozenset({_P.ACTIVE, _P.SUPERSEDED}),
        _P.ACTIVE: frozenset({_P.REVIEWED, _P.SUPERSEDED, _P.CLOSED}),
        _P.REVIEWED: frozenset({_P.CLOSED, _P.SUPERSEDED}),
    },
    hints={
        (_P.DRAFT, _P.APPROVED): "Submit the draft for approval first.",
        (_P.SUBMITTED, _P.DRAFT): "Edit the plan to start a new draft version instead.",
        (_P.APPROVED, _P.DRAFT): "Edit the plan to start a new draft version instead.",
    },
)


class SafetyPlan(Record):
    __tablename__ = "safety_plan"
    __table_args__ = (
        CheckConstraint("(young_person_id IS NULL) <> (context_id IS NULL)", name="one_subject"),
    )
    label: ClassVar[str] = "safety plan"

    subject: Mapped[PlanSubject] = mapped_column(EnumText(PlanSubject))
    young_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("young_person.id"), index=True, default=None
    )
    context_id: Mapped[str | None] = mapped_column(
        ForeignKey("context.id"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(200), default="My Safety Plan")

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number"
    )

    @property
    def latest(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None


class PlanVersion(Record):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    label: ClassVar[str] = "plan version"
    #: The status moves on (approved, active, superseded …); nothing else changes by itself.
    frozen_allows: ClassVar[frozenset[str]] = frozenset({"status"})
    #: Written with the team lead's decision, in the same flush as the version leaves
    #: submitted; never rewritten afterwards.
    decision_fields: ClassVar[frozenset[str]] = frozenset(
        {"decided_at", "decided_by", "decision_note"}
    )

    plan_id: Mapped[str] = mapped_column(ForeignKey("safety_plan.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    based_on_id: Mapped[str | None] = mapped_column(String(36), default=None)
    status: Mapped[PlanVersionStatus] = mapped_column(
        EnumText(PlanVersionStatus), default=PlanVersionStatus.DRAFT
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_date: Mapped[date | None] = mapped_column(Date, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)

    plan: Mapped[SafetyPlan] = relationship(back_populates="versions")
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan_version", order_by="PlanAction.position"
    )

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        # None is a version not yet flushed, which starts as a draft.
        return status is not None and status != PlanVersionStatus.DRAFT

    @classmethod
    def frozen_allows_on_move(cls, was: object, now: object) -> frozenset[str]:
        if was == PlanVersionStatus.SUBMITTED and now != was:
            return cls.decision_fields
        return frozenset()

    @classmethod
    def frozen_advice(cls, status: object) -> str | None:
        return "Edit the plan to start a new draft version instead."

    def move_to(self, target: PlanVersionStatus) -> None:
        PLAN_VERSION_STATES.check(self.status, target)
        self.status = target

    def submit(self, by: str, at: datetime) -> None:
        PLAN_VERSION_STATES.check(self.status, PlanVersionStatus.SUBMITTED)
        live_actions = [a for a in self.actions if a.deleted_at is None]
        missing = []
        if not live_actions:
            missing.append("at least one action saying who will do what")
        if self.review_date is None:
            missing.append("a review date")
        if missing:
            raise DomainError(
                "This plan cannot be submitted yet: it needs " + " and ".join(missing) + "."
            )
        self.status = PlanVersionStatus.SUBMITTED
        self.submitted_at = at
        self.submitted_by = by


class PlanAction(Record):
    """What others will do: an action with an owner, an agency and a date."""

    __tablename__ = "plan_action"
    label: ClassVar[str] = "plan action"
    frozen_parent: ClassVar[str | None] = "plan_version"

    plan_version_id: Mapped[str] = mapped_column(ForeignKey("plan_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str | None] = mapped_column(String(120), default=None)
    by_when: Mapped[date | None] = mapped_column(Date, default=None)

    plan_version: Mapped[PlanVersion] = relationship(back_populates="actions")

    def is_frozen(self) -> bool:
        return self.plan_version is not None and self.plan_version.is_frozen()
