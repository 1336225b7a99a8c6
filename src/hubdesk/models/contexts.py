"""Contexts — places, peer groups, schools, online spaces — and their links to young people.

One context links many young people: that link is what Contextual Safeguarding works on and
what the hub's map draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hubdesk.models.base import EnumText, Record
from hubdesk.models.enums import ContextKind, PlaceType, Reliability

if TYPE_CHECKING:
    from hubdesk.models.people import YoungPerson


class Context(Record):
    __tablename__ = "context"
    label: ClassVar[str] = "context"

    kind: Mapped[ContextKind] = mapped_column(EnumText(ContextKind))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    place_type: Mapped[PlaceType | None] = mapped_column(EnumText(PlaceType), default=None)
    area: Mapped[str | None] = mapped_column(String(120), default=None)
    team: Mapped[str | None] = mapped_column(String(100), default=None)

    links: Mapped[list[ContextLink]] = relationship(back_populates="context")


class ContextLink(Record):
    __tablename__ = "context_link"
    __table_args__ = (UniqueConstraint("young_person_id", "context_id"),)
    label: ClassVar[str] = "context link"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    context_id: Mapped[str] = mapped_column(ForeignKey("context.id"), index=True)
    why: Mapped[str] = mapped_column(Text, default="")
    reliability: Mapped[Reliability] = mapped_column(
        EnumText(Reliability), default=Reliability.NOT_KNOWN
    )
    #: Context weighting: 1 = the context that must change first for this young person.
    weight: Mapped[int | None] = mapped_column(Integer, default=None)

    young_person: Mapped[YoungPerson] = relationship(back_populates="context_links")
    context: Mapped[Context] = relationship(back_populates="links")
