"""Missing episodes and return home interviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.models import MissingEpisode, ReturnInterview, YoungPerson
from hubdesk.models.missing import EpisodeStatus, InterviewStatus, PoliceRiskGrade
from hubdesk.services.base import ServiceBase, choice, optional_text
from hubdesk.timeutil import as_utc

INTERVIEW_FIELDS = frozenset(
    {
        "held_at",
        "interviewer",
        "push_factors",
        "pull_factors",
        "young_person_said",
        "disclosures",
        "links_to_places_and_people",
    }
)


class MissingService(ServiceBase):
    def report(
        self,
        young_person_id: str,
        *,
        started_at: datetime,
        reported_by: str | None = None,
        police_risk_grade: PoliceRiskGrade | str = PoliceRiskGrade.NOT_KNOWN,
    ) -> str:
        started = as_utc(started_at)
        if started > self.clock():
            raise DomainError("The time they went missing is in the future; check it.")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            episode = MissingEpisode(
                young_person_id=young_person_id,
                started_at=started,
                reported_by=optional_text(reported_by),
                police_risk_grade=choice(PoliceRiskGrade, police_risk_grade, "police risk grade"),
            )
            session.add(episode)
            person.flag_missing = True
            self.audit(session, "create", episode)
            self.audit(session, "update", person, "missing flag set")
            return episode.id

    def record_return(
        self, episode_id: str, *, ended_at: datetime, where_found: str | None = None, **details: Any
    ) -> None:
        allowed = {"out_of_area", "who_with", "travel_how", "returned_how"}
        if set(details) - allowed:
            raise DomainError(f"Unknown detail(s): {', '.join(sorted(set(details) - allowed))}.")
        with self.write() as session:
            episode = self.get(session, MissingEpisode, episode_id)
            episode.record_return(as_utc(ended_at), optional_text(where_found))
            for key, value in details.items():
                setattr(episode, key, value)
            still_missing = session.execute(
                select(MissingEpisode.id).where(
                    MissingEpisode.young_person_id == episode.young_person_id,
                    MissingEpisode.status == EpisodeStatus.MISSING,
                    MissingEpisode.deleted_at.is_(None),
                )
            ).first()
            self.audit(session, "return", episode)
            if still_missing is None:
                person = self.get(session, YoungPerson, episode.young_person_id)
                person.flag_missing = False
                self.audit(session, "update", person, "missing flag cleared")

    def close(self, episode_id: str) -> None:
        with self.write() as session:
            episode = self.get(session, MissingEpisode, episode_id)
            episode.close()
            self.audit(session, "close", episode)

    def record_interview(
        self,
        episode_id: str,
        *,
        status: InterviewStatus | str,
        offered_at: datetime | None = None,
        attempts: list[str] | None = None,
        **details: Any,
    ) -> str:
        if set(details) - INTERVIEW_FIELDS:
            unknown = ", ".join(sorted(set(details) - INTERVIEW_FIELDS))
            raise DomainError(f"Unknown detail(s) for a return home interview: {unknown}.")
        status = choice(InterviewStatus, status, "interview status")
        if status is InterviewStatus.HELD and details.get("held_at") is None:
            raise DomainError("Give the date and time the interview was held.")
        with self.write() as session:
            episode = self.get(session, MissingEpisode, episode_id)
            if episode.status is EpisodeStatus.MISSING:
                raise DomainError("Record the young person's return before the interview.")
            interview = ReturnInterview(
                episode_id=episode.id,
                status=status,
                offered_at=offered_at,
                attempts=list(attempts or []),
                **details,
            )
            session.add(interview)
            self.audit(session, "create", interview)
            return interview.id
