"""Screening lifecycle: draft → completed; the practitioner's level, with a rationale if it
differs from the guide level; a completed screening stays as it was filled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hubdesk.errors import DomainError
from hubdesk.models import Screening
from hubdesk.models.enums import Level
from hubdesk.models.screening import SCREENING_STATES, ScreeningStatus

AT = datetime(2025, 1, 20, 11, 0, tzinfo=UTC)
DUE = date(2025, 4, 20)


def draft(computed: Level | None = Level.MODERATE) -> Screening:
    return Screening(
        definition_id="efh-screening",
        definition_version=1,
        status=ScreeningStatus.DRAFT,
        computed_level=computed,
    )


def test_completing_records_who_when_and_the_rescreen_date() -> None:
    screening = draft()
    screening.final_level = Level.MODERATE
    screening.complete("Chloé Nicholls", AT, DUE)
    assert screening.status is ScreeningStatus.COMPLETED
    assert (screening.completed_by, screening.completed_at) == ("Chloé Nicholls", AT)
    assert screening.rescreen_due == DUE
    assert screening.is_frozen()


def test_completing_needs_a_final_level() -> None:
    screening = draft()
    with pytest.raises(DomainError) as caught:
        screening.complete("Chloé Nicholls", AT, DUE)
    assert caught.value.message == "Choose a final level before completing the screening."
    assert screening.status is ScreeningStatus.DRAFT
    assert screening.completed_at is None


@pytest.mark.parametrize("rationale", [None, "", "   "])
def test_a_level_different_from_the_guide_needs_a_rationale(rationale: str | None) -> None:
    screening = draft(Level.EMERGING)
    screening.final_level = Level.SIGNIFICANT
    screening.rationale = rationale
    with pytest.raises(DomainError) as caught:
        screening.complete("Chloé Nicholls", AT, DUE)
    assert caught.value.message == (
        "The final level differs from the guide level, so write a rationale "
        "before completing the screening."
    )
    assert screening.status is ScreeningStatus.DRAFT


def test_a_different_level_with_a_rationale_completes() -> None:
    screening = draft(Level.EMERGING)
    screening.final_level = Level.SIGNIFICANT
    screening.rationale = "Disclosure at school today of being made to carry packages."
    screening.complete("Chloé Nicholls", AT, DUE)
    assert screening.status is ScreeningStatus.COMPLETED
    assert screening.final_level is Level.SIGNIFICANT


def test_without_a_guide_level_no_rationale_is_needed() -> None:
    screening = draft(computed=None)
    screening.final_level = Level.EMERGING
    screening.complete("Chloé Nicholls", AT, DUE)
    assert screening.status is ScreeningStatus.COMPLETED


def test_completing_twice_is_refused_with_already() -> None:
    screening = draft()
    screening.final_level = Level.MODERATE
    screening.complete("Chloé Nicholls", AT, DUE)
    with pytest.raises(DomainError) as caught:
        screening.complete("Someone Else", datetime(2025, 2, 1, tzinfo=UTC), date(2025, 5, 1))
    assert caught.value.message == "This screening is completed already."
    assert screening.completed_by == "Chloé Nicholls"


def test_completed_to_draft_is_refused_with_a_hint() -> None:
    with pytest.raises(DomainError) as caught:
        SCREENING_STATES.check(ScreeningStatus.COMPLETED, ScreeningStatus.DRAFT)
    assert caught.value.message == (
        "This screening is completed, so it cannot become draft. "
        "A completed screening is kept as it was filled; start a new screening instead."
    )


def test_levels_rank_lowest_first() -> None:
    assert [lvl.rank for lvl in Level] == [0, 1, 2, 3]
    assert Level.SIGNIFICANT.rank > Level.MODERATE.rank > Level.EMERGING.rank
