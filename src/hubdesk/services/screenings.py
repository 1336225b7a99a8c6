"""Screenings: start a draft against one tool definition version, save answers, complete.

The guide level and its reasons are computed by the screening tool's scorer (``forms``) and
passed in; the practitioner sets the final level, with a rationale when it differs.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from hubdesk.errors import DomainError
from hubdesk.models import Screening, YoungPerson
from hubdesk.models.enums import Level
from hubdesk.services.base import ServiceBase, choice, optional_text
from hubdesk.services.definitions import keep, stored_or_shipped
from hubdesk.timeutil import format_date

RESCREEN_MONTHS = 3


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ScreeningService(ServiceBase):
    def start(self, young_person_id: str, *, definition_id: str, definition_version: int) -> str:
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            definition = stored_or_shipped(session, definition_id, definition_version)
            if definition is None:
                raise DomainError(
                    f"The screening tool '{definition_id}' version {definition_version} is "
                    "not installed, so a screening cannot be started with it."
                )
            if definition.status != "active":
                raise DomainError(
                    f"Version {definition_version} of the screening tool has been withdrawn; "
                    "start the screening with the current version."
                )
            keep(session, definition, "shipped", self.clock())
            screening = Screening(
                young_person_id=young_person_id,
                definition_id=definition_id,
                definition_version=definition_version,
            )
            session.add(screening)
            self.audit(session, "create", screening)
            return screening.id

    def save(
        self,
        screening_id: str,
        *,
        answers: dict[str, Any],
        computed_level: Level | None = None,
        computed_reasons: list[str] | None = None,
        computed_score: dict[str, Any] | None = None,
    ) -> None:
        with self.write() as session:
            screening = self.get(session, Screening, screening_id)
            if screening.is_frozen():
                raise DomainError("This screening is completed and is kept as it was filled.")
            screening.answers = dict(answers)
            screening.computed_level = computed_level
            screening.computed_reasons = list(computed_reasons or [])
            screening.computed_score = dict(computed_score or {})
            self.audit(session, "update", screening)

    def complete(
        self,
        screening_id: str,
        *,
        final_level: Level,
        rationale: str | None = None,
        pathway: str | None = None,
    ) -> None:
        with self.write() as session:
            screening = self.get(session, Screening, screening_id)
            if screening.is_frozen():
                raise DomainError("This screening is completed already.")
            screening.final_level = choice(Level, final_level, "level")
            screening.rationale = optional_text(rationale)
            screening.pathway = optional_text(pathway)
            now = self.clock()
            today = self.today()
            screening.complete(self.actor.name, now, add_months(today, RESCREEN_MONTHS))
            person = self.get(session, YoungPerson, screening.young_person_id)
            person.level = screening.final_level
            person.level_reason = f"Screening completed {format_date(today)}"
            self.audit(session, "complete", screening)
            self.audit(session, "update", person, "level set by a completed screening")
