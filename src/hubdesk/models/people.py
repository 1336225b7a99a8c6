"""The young person, who is also the case: one record per child the hub works with."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hubdesk.models.base import EnumText, Record
from hubdesk.models.enums import CaseStatus, Level

if TYPE_CHECKING:
    from hubdesk.models.contexts import ContextLink


class YoungPerson(Record):
    __tablename__ = "young_person"
    label: ClassVar[str] = "young person's record"

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100), default=None)
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    gender: Mapped[str | None] = mapped_column(String(40), default=None)
    legal_status: Mapped[str | None] = mapped_column(String(80), default=None)
    education: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[CaseStatus] = mapped_column(EnumText(CaseStatus), default=CaseStatus.OPEN)
    level: Mapped[Level | None] = mapped_column(EnumText(Level), default=None)
    level_reason: Mapped[str | None] = mapped_column(Text, default=None)
    harm_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    allocated_worker: Mapped[str | None] = mapped_column(String(100), default=None)
    team: Mapped[str | None] = mapped_column(String(100), default=None)
    referral_date: Mapped[date | None] = mapped_column(Date, default=None)
    next_review_date: Mapped[date | None] = mapped_column(Date, default=None)
    closed_date: Mapped[date | None] = mapped_column(Date, default=None)
    flag_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_nrm_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Records under a legal hold are never erased, whatever the retention rule says.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    context_links: Mapped[list[ContextLink]] = relationship(back_populates="young_person")

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}"
