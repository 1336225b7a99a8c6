"""Missing episodes and the independent return home interview (RHI) offered after each."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.errors import DomainError
from hubdesk.models.base import EnumText, Record, UTCDateTime
from hubdesk.models.states import StateMachine


class EpisodeStatus(enum.StrEnum):
    MISSING = "missing"
    RETURNED = "returned"
    CLOSED = "closed"


EPISODE_STATES: StateMachine[EpisodeStatus] = StateMachine(
    "missing episode",
    {
        EpisodeStatus.MISSING: frozenset({EpisodeStatus.RETURNED}),
        EpisodeStatus.RETURNED: frozenset({EpisodeStatus.CLOSED}),
    },
    hints={
        (EpisodeStatus.MISSING, EpisodeStatus.CLOSED): (
            "Record when the young person came back before closing the episode."
        ),
    },
)


class PoliceRiskGrade(enum.StrEnum):
    NO_APPARENT_RISK = "no_apparent_risk"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NOT_KNOWN = "not_known"


class MissingEpisode(Record):
    __tablename__ = "missing_episode"
    label: ClassVar[str] = "missing episode"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reported_by: Mapped[str | None] = mapped_column(String(120), default=None)
    police_risk_grade: Mapped[PoliceRiskGrade] = mapped_column(
        EnumText(PoliceRiskGrade), default=PoliceRiskGrade.NOT_KNOWN
    )
    status: Mapped[EpisodeStatus] = mapped_column(
        EnumText(EpisodeStatus), default=EpisodeStatus.MISSING
    )
    where_found: Mapped[str | None] = mapped_column(Text, default=None)
    out_of_area: Mapped[bool] = mapped_column(Boolean, default=False)
    who_with: Mapped[str | None] = mapped_column(Text, default=None)
    travel_how: Mapped[str | None] = mapped_column(Text, default=None)
    returned_how: Mapped[str | None] = mapped_column(Text, default=None)

    def record_return(self, at: datetime, where_found: str | None) -> None:
        EPISODE_STATES.check(self.status, EpisodeStatus.RETURNED)
        if at < self.started_at:
            raise DomainError("The return time is before the time they went missing.")
        self.status = EpisodeStatus.RETURNED
        self.ended_at = at
        self.where_found = where_found

    def close(self) -> None:
        EPISODE_STATES.check(self.status, EpisodeStatus.CLOSED)
        self.status = EpisodeStatus.CLOSED


class InterviewStatus(enum.StrEnum):
    OFFERED = "offered"
    DECLINED = "declined"
    HELD = "held"
    NOT_POSSIBLE = "not_possible"


class ReturnInterview(Record):
    __tablename__ = "return_interview"
    label: ClassVar[str] = "return home interview"

    episode_id: Mapped[str] = mapped_column(ForeignKey("missing_episode.id"), index=True)
    status: Mapped[InterviewStatus] = mapped_column(
        EnumText(InterviewStatus), default=InterviewStatus.OFFERED
    )
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    interviewer: Mapped[str | None] = mapped_column(String(120), default=None)
    attempts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    push_factors: Mapped[str | None] = mapped_column(Text, default=None)
    pull_factors: Mapped[str | None] = mapped_column(Text, default=None)
    young_person_said: Mapped[str | None] = mapped_column(Text, default=None)
    disclosures: Mapped[str | None] = mapped_column(Text, default=None)
    links_to_places_and_people: Mapped[str | None] = mapped_column(Text, default=None)
