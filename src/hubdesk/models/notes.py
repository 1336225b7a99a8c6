"""Contact notes and addenda. A draft note can be edited; a finalised note never changes —
a correction is an addendum, shown under the note. So notes never conflict in sync."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hubdesk.errors import DomainError
from hubdesk.models.base import EnumText, Record, UTCDateTime
from hubdesk.models.states import StateMachine


class NoteKind(enum.StrEnum):
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    SCHOOL = "school"
    OFFICE = "office"
    ONLINE = "online"
    OTHER = "other"


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    FINALISED = "finalised"


NOTE_STATES: StateMachine[NoteStatus] = StateMachine(
    "contact note",
    {NoteStatus.DRAFT: frozenset({NoteStatus.FINALISED})},
    hints={
        (NoteStatus.FINALISED, NoteStatus.DRAFT): (
            "A finalised note cannot change; add an addendum to correct or add to it."
        ),
    },
)


class ContactNote(Record):
    __tablename__ = "contact_note"
    label: ClassVar[str] = "contact note"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    kind: Mapped[NoteKind] = mapped_column(EnumText(NoteKind))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    present: Mapped[str] = mapped_column(Text, default="")
    narrative: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(100))
    status: Mapped[NoteStatus] = mapped_column(EnumText(NoteStatus), default=NoteStatus.DRAFT)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="note", order_by="Addendum.created_at"
    )

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        return status == NoteStatus.FINALISED

    def finalise(self, at: datetime) -> None:
        NOTE_STATES.check(self.status, NoteStatus.FINALISED)
        if not self.narrative.strip():
            raise DomainError("Write what happened before finalising the note.")
        self.status = NoteStatus.FINALISED
        self.finalised_at = at


class Addendum(Record):
    """A correction or addition to a finalised note; itself never changes."""

    __tablename__ = "addendum"
    label: ClassVar[str] = "addendum"

    note_id: Mapped[str] = mapped_column(ForeignKey("contact_note.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))

    note: Mapped[ContactNote] = relationship(back_populates="addenda")

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        return True
