"""Dates a practitioner sees are Europe/London dates (DESIGN.md §2). Between midnight and 1am
in British Summer Time the UTC date is still yesterday; "today" must be London's today.

The clock here reads 30/06/2025 23:30 UTC, which is 01/07/2025 00:30 in London.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hubdesk.errors import DomainError
from hubdesk.models import NRMReferral, Screening, YoungPerson
from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.timeutil import LONDON

LATE = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
LONDON_TODAY = date(2025, 7, 1)
WINTER = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)


@pytest.fixture
def late(vault: Vault) -> Services:
    return Services(vault, clock=lambda: LATE)


def test_the_clock_really_is_the_next_day_in_london() -> None:
    assert LATE.astimezone(LONDON).date() == LONDON_TODAY
    assert LATE.date() == date(2025, 6, 30)


def test_in_winter_london_and_utc_agree_on_today(vault: Vault) -> None:
    services = Services(vault, clock=lambda: WINTER)
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    services.work.refer_nrm(
        pid,
        referred_on=date(2025, 1, 15),
        first_responder="Police",
        exploitation_types=[],
        summary="",
    )
    with pytest.raises(DomainError):
        services.work.refer_nrm(
            pid,
            referred_on=date(2025, 1, 16),
            first_responder="Police",
            exploitation_types=[],
            summary="",
        )


def test_an_nrm_referral_made_today_after_midnight_is_accepted(
    late: Services, vault: Vault
) -> None:
    pid = late.cases.add(given_name="Zoë", family_name="O'Neill")
    referral_id = late.work.refer_nrm(
        pid,
        referred_on=LONDON_TODAY,
        first_responder="Police",
        exploitation_types=["criminal"],
        summary="Found in a flat used for dealing",
    )
    with vault.read() as session:
        assert session.get(NRMReferral, referral_id).referred_on == LONDON_TODAY


def test_a_screening_completed_after_midnight_counts_from_londons_today(
    late: Services, vault: Vault
) -> None:
    pid = late.cases.add(given_name="Zoë", family_name="O'Neill")
    screening_id = late.screenings.start(pid, definition_id="exploitation", definition_version=1)
    late.screenings.complete(screening_id, final_level=Level.EMERGING)
    with vault.read() as session:
        assert session.get(Screening, screening_id).rescreen_due == date(2025, 10, 1)
        reason = session.get(YoungPerson, pid).level_reason
    assert reason == "Screening completed 01/07/2025"


def test_referral_and_closing_dates_are_londons_today(late: Services, vault: Vault) -> None:
    pid = late.cases.add(given_name="Zoë", family_name="O'Neill")
    late.cases.close(pid, "Transferred to another authority")
    with vault.read() as session:
        young = session.get(YoungPerson, pid)
    assert (young.referral_date, young.closed_date) == (LONDON_TODAY, LONDON_TODAY)


def test_yesterdays_review_date_is_in_the_past_after_midnight(late: Services) -> None:
    pid = late.cases.add(given_name="Zoë", family_name="O'Neill")
    plan_id = late.plans.create(young_person_id=pid)
    with pytest.raises(DomainError) as caught:
        late.plans.save_draft(plan_id, review_date=date(2025, 6, 30))
    assert caught.value.message == "The review date is in the past; choose a date from today on."
