"""ScreeningService: start a draft, save answers and the guide level, complete with the
practitioner's level; the young person's level and the re-screen date follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from faker import Faker
from hypothesis import given
from hypothesis import strategies as st

from hubdesk.errors import DomainError
from hubdesk.models import Screening
from hubdesk.models.enums import Level
from hubdesk.models.screening import ScreeningStatus
from hubdesk.services import Services
from hubdesk.services.screenings import RESCREEN_MONTHS, add_months
from hubdesk.store.vault import Vault
from tests.services.helpers import person, stored

NOW = datetime(2025, 1, 20, 14, 0, tzinfo=UTC)
FAKER_SEED = 7007
ANSWERS = {
    "missing.recent": {"answer": "evidenced", "source": "Police", "current": True},
    "money.unexplained": {"answer": "concern", "source": "Carer", "current": True},
    "online.contacts": {"answer": "not_known"},
}


def at(when: datetime, vault: Vault) -> Services:
    return Services(vault, clock=lambda: when)


def screening(vault: Vault, screening_id: str) -> Screening:
    return stored(vault, Screening, screening_id)


def test_start_makes_a_draft_against_one_tool_version(
    fixed: Services, vault: Vault, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    started = screening(vault, screening_id)
    assert started.status is ScreeningStatus.DRAFT
    assert (started.definition_id, started.definition_version) == ("exploitation", 1)
    assert (started.answers, started.computed_level, started.final_level) == ({}, None, None)


def test_save_keeps_answers_and_the_guide(fixed: Services, vault: Vault, pid: str) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(
        screening_id,
        answers=ANSWERS,
        computed_level=Level.SIGNIFICANT,
        computed_reasons=["A sign of actual harm raises the guide to significant."],
        computed_score={"missing": 3, "money": 2},
    )
    saved = screening(vault, screening_id)
    assert saved.answers == ANSWERS
    assert saved.computed_level is Level.SIGNIFICANT
    assert saved.computed_reasons == ["A sign of actual harm raises the guide to significant."]
    assert saved.computed_score == {"missing": 3, "money": 2}
    assert saved.status is ScreeningStatus.DRAFT


def test_complete_sets_the_level_on_the_young_person_and_the_rescreen_date(
    fixed: Services, vault: Vault, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(screening_id, answers=ANSWERS, computed_level=Level.MODERATE)
    fixed.screenings.complete(
        screening_id, final_level=Level.MODERATE, pathway=" Weekly exploitation panel "
    )
    done = screening(vault, screening_id)
    assert done.status is ScreeningStatus.COMPLETED
    assert done.final_level is Level.MODERATE
    assert done.pathway == "Weekly exploitation panel"
    assert (done.completed_by, done.completed_at) == ("Test Practitioner", NOW)
    assert done.rescreen_due == date(2025, 4, 20)
    young = person(vault, pid)
    assert young.level is Level.MODERATE
    assert young.level_reason == "Screening completed 20/01/2025"


def test_a_level_above_the_guide_needs_a_rationale(fixed: Services, vault: Vault, pid: str) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(screening_id, answers=ANSWERS, computed_level=Level.EMERGING)
    with pytest.raises(DomainError) as caught:
        fixed.screenings.complete(screening_id, final_level=Level.SIGNIFICANT, rationale="  ")
    assert caught.value.message == (
        "The final level differs from the guide level, so write a rationale "
        "before completing the screening."
    )
    assert screening(vault, screening_id).status is ScreeningStatus.DRAFT
    assert screening(vault, screening_id).final_level is None
    assert person(vault, pid).level is None


def test_a_level_below_the_guide_with_a_rationale_completes(
    fixed: Services, vault: Vault, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(screening_id, answers=ANSWERS, computed_level=Level.SIGNIFICANT)
    fixed.screenings.complete(
        screening_id,
        final_level=Level.MODERATE,
        rationale="The evidenced episode was a misunderstanding with a relative's address.",
    )
    done = screening(vault, screening_id)
    assert (done.final_level, done.computed_level) == (Level.MODERATE, Level.SIGNIFICANT)
    assert done.rationale.startswith("The evidenced episode")
    assert person(vault, pid).level is Level.MODERATE


def test_a_completed_screening_cannot_be_saved_or_completed_again(
    fixed: Services, vault: Vault, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(screening_id, answers=ANSWERS, computed_level=Level.MODERATE)
    fixed.screenings.complete(screening_id, final_level=Level.MODERATE)
    with pytest.raises(DomainError) as caught:
        fixed.screenings.save(screening_id, answers={})
    assert caught.value.message == "This screening is completed and is kept as it was filled."
    with pytest.raises(DomainError) as caught:
        fixed.screenings.complete(screening_id, final_level=Level.SIGNIFICANT, rationale="x")
    assert caught.value.message == "This screening is completed already."
    kept = screening(vault, screening_id)
    assert (kept.answers, kept.final_level) == (ANSWERS, Level.MODERATE)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 11, 29), 3, date(2024, 2, 29)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 10, 31), 3, date(2025, 1, 31)),
        (date(2024, 12, 31), 3, date(2025, 3, 31)),
        (date(2025, 3, 31), 3, date(2025, 6, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 20), 3, date(2025, 4, 20)),
        (date(2025, 10, 15), 3, date(2026, 1, 15)),
        (date(2025, 12, 1), 0, date(2025, 12, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 48))
def test_add_months_keeps_the_day_or_ends_the_month(day: date, months: int) -> None:
    """Same day of the month, or the month's last day when the month is shorter."""
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    if result.day < day.day:
        next_day = date.fromordinal(result.toordinal() + 1)
        assert next_day.month != result.month


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2024, 11, 30, 12, 0, tzinfo=UTC), date(2025, 2, 28)),
        (datetime(2023, 11, 30, 12, 0, tzinfo=UTC), date(2024, 2, 29)),
        (datetime(2025, 8, 31, 12, 0, tzinfo=UTC), date(2025, 11, 30)),
    ],
)
def test_the_rescreen_date_is_three_calendar_months_on(
    vault: Vault, fake: Faker, now: datetime, due: date
) -> None:
    assert RESCREEN_MONTHS == 3
    services = at(now, vault)
    pid = services.cases.add(given_name=fake["fr_FR"].first_name(), family_name="O'Brien")
    screening_id = services.screenings.start(
        pid, definition_id="exploitation", definition_version=1
    )
    services.screenings.complete(screening_id, final_level=Level.EMERGING)
    assert screening(vault, screening_id).rescreen_due == due
