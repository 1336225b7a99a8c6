"""A screening: answers against one version of a screening tool definition.

The definition's id and version are stored with the answers so an old screening always reads
exactly as it was filled. Draft → completed; a completed screening is read-only.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.errors import DomainError
from hubdesk.models.base import Base, EnumText, Record, UTCDateTime
from hubdesk.models.enums import Level
from hubdesk.models.states import StateMachine


class ScreeningStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"


SCREENING_STATES: StateMachine[ScreeningStatus] = StateMachine(
    "screening",
    {ScreeningStatus.DRAFT: frozenset({ScreeningStatus.COMPLETED})},
    hints={
        (ScreeningStatus.COMPLETED, ScreeningStatus.DRAFT): (
            "A completed screening is kept as it was filled; start a new screening instead."
        )
    },
)


class Screening(Record):
    __tablename__ = "screening"
    label: ClassVar[str] = "screening"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(80))
    definition_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[ScreeningStatus] = mapped_column(
        EnumText(ScreeningStatus), default=ScreeningStatus.DRAFT
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_score: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_level: Mapped[Level | None] = mapped_column(EnumText(Level), default=None)
    computed_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    final_level: Mapped[Level | None] = mapped_column(EnumText(Level), default=None)
    rationale: Mapped[str | None] = mapped_column(Text, default=None)
    pathway: Mapped[str | None] = mapped_column(Text, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    rescreen_due: Mapped[date | None] = mapped_column(Date, default=None)

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        return status == ScreeningStatus.COMPLETED

    def complete(self, by: str, at: datetime, rescreen_due: date) -> None:
        SCREENING_STATES.check(self.status, ScreeningStatus.COMPLETED)
        if self.final_level is None:
            raise DomainError("Choose a final level before completing the screening.")
        if (
            self.computed_level is not None
            and self.final_level != self.computed_level
            and not (self.rationale or "").strip()
        ):
            raise DomainError(
                "The final level differs from the guide level, so write a rationale "
                "before completing the screening."
            )
        self.status = ScreeningStatus.COMPLETED
        self.completed_at = at
        self.completed_by = by
        self.rescreen_due = rescreen_due


class ScreeningDefinition(Base):
    """A screening tool definition this vault has seen, kept word for word.

    Every screening's definition is stored here (in the transaction that starts the
    screening), as is every shipped one when the vault is unlocked and, with sync, every one
    the hub sends. An id and version, once stored, never change content: the vault's copy is
    what old screenings were filled with. Only the status may change (a tool withdrawn).
    Not a synced record: the hub is the source of new versions.
    """

    __tablename__ = "screening_definition"

    definition_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    #: The definition as canonical JSON (sorted keys), parsed and checked again on every read.
    content: Mapped[str] = mapped_column(Text)
    #: SHA-256 of ``content``: the same id and version with other content is refused.
    digest: Mapped[str] = mapped_column(String(64))
    #: Where it came from first: "shipped" or "hub".
    source: Mapped[str] = mapped_column(String(20))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
