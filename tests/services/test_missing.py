"""MissingService: report an episode, record the return, close it, record the return home
interview; the young person's missing flag follows the open episodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hubdesk.errors import DomainError
from hubdesk.models import MissingEpisode, ReturnInterview, YoungPerson
from hubdesk.models.missing import EpisodeStatus, InterviewStatus, PoliceRiskGrade
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.services.helpers import stored

NOW = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)
FAKER_SEED = 8118
FRIDAY_NIGHT = datetime(2025, 2, 7, 22, 15, tzinfo=UTC)


def flagged(vault: Vault, pid: str) -> bool:
    with vault.read() as session:
        return session.get(YoungPerson, pid).flag_missing


def episode(vault: Vault, episode_id: str) -> MissingEpisode:
    return stored(vault, MissingEpisode, episode_id)


def test_report_opens_an_episode_and_sets_the_flag(fixed: Services, vault: Vault, pid: str) -> None:
    assert not flagged(vault, pid)
    episode_id = fixed.missing.report(
        pid, started_at=FRIDAY_NIGHT, reported_by=" Residential staff ", police_risk_grade="high"
    )
    opened = episode(vault, episode_id)
    assert opened.status is EpisodeStatus.MISSING
    assert opened.started_at == FRIDAY_NIGHT
    assert opened.reported_by == "Residential staff"
    assert opened.police_risk_grade is PoliceRiskGrade.HIGH
    assert opened.ended_at is None
    assert flagged(vault, pid)


def test_a_start_in_the_future_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.missing.report(pid, started_at=NOW + timedelta(minutes=5))
    assert caught.value.message == "The time they went missing is in the future; check it."
    assert not flagged(vault, pid)
    assert fixed.cases.case_file(pid).episodes == []


def test_return_clears_the_flag_and_keeps_the_details(
    fixed: Services, vault: Vault, pid: str
) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    back = FRIDAY_NIGHT + timedelta(hours=30)
    fixed.missing.record_return(
        episode_id,
        ended_at=back,
        where_found=" Found by police at a flat in Walsall ",
        out_of_area=True,
        who_with="Two older males, not known",
        travel_how="Taxi",
        returned_how="Police transport",
    )
    ended = episode(vault, episode_id)
    assert ended.status is EpisodeStatus.RETURNED
    assert ended.ended_at == back
    assert ended.where_found == "Found by police at a flat in Walsall"
    assert ended.out_of_area is True
    assert (ended.who_with, ended.travel_how) == ("Two older males, not known", "Taxi")
    assert not flagged(vault, pid)


def test_the_flag_stays_while_another_episode_is_open(
    fixed: Services, vault: Vault, pid: str
) -> None:
    first = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    second = fixed.missing.report(pid, started_at=FRIDAY_NIGHT + timedelta(days=1))
    fixed.missing.record_return(first, ended_at=FRIDAY_NIGHT + timedelta(hours=5))
    assert flagged(vault, pid)
    fixed.missing.record_return(second, ended_at=FRIDAY_NIGHT + timedelta(days=2))
    assert not flagged(vault, pid)


def test_another_young_persons_open_episode_does_not_keep_the_flag(
    fixed: Services, vault: Vault, pid: str
) -> None:
    other = fixed.cases.add(given_name="Aoife", family_name="O'Rafferty")
    fixed.missing.report(other, started_at=FRIDAY_NIGHT)
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    fixed.missing.record_return(episode_id, ended_at=NOW)
    assert not flagged(vault, pid)
    assert flagged(vault, other)


def test_a_return_before_the_start_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    with pytest.raises(DomainError) as caught:
        fixed.missing.record_return(episode_id, ended_at=FRIDAY_NIGHT - timedelta(hours=1))
    assert caught.value.message == "The return time is before the time they went missing."
    assert episode(vault, episode_id).status is EpisodeStatus.MISSING
    assert flagged(vault, pid)


def test_an_unknown_return_detail_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    with pytest.raises(DomainError) as caught:
        fixed.missing.record_return(episode_id, ended_at=NOW, mood="quiet", status="closed")
    assert caught.value.message == "Unknown detail(s): mood, status."
    assert episode(vault, episode_id).status is EpisodeStatus.MISSING


def test_missing_returned_closed_and_closing_early_is_refused(
    fixed: Services, vault: Vault, pid: str
) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    with pytest.raises(DomainError) as caught:
        fixed.missing.close(episode_id)
    assert caught.value.message == (
        "This missing episode is missing, so it cannot become closed. "
        "Record when the young person came back before closing the episode."
    )
    fixed.missing.record_return(episode_id, ended_at=NOW)
    fixed.missing.close(episode_id)
    assert episode(vault, episode_id).status is EpisodeStatus.CLOSED


def test_an_interview_before_the_return_is_refused(fixed: Services, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    with pytest.raises(DomainError) as caught:
        fixed.missing.record_interview(episode_id, status="offered", offered_at=NOW)
    assert caught.value.message == "Record the young person's return before the interview."
    assert fixed.cases.case_file(pid).interviews == []


def test_a_held_interview_needs_the_time_it_was_held(fixed: Services, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    fixed.missing.record_return(episode_id, ended_at=NOW - timedelta(hours=40))
    with pytest.raises(DomainError) as caught:
        fixed.missing.record_interview(episode_id, status=InterviewStatus.HELD, interviewer="J")
    assert caught.value.message == "Give the date and time the interview was held."
    assert fixed.cases.case_file(pid).interviews == []


def test_a_held_interview_keeps_what_the_young_person_said(
    fixed: Services, vault: Vault, pid: str
) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    fixed.missing.record_return(episode_id, ended_at=NOW - timedelta(hours=40))
    interview_id = fixed.missing.record_interview(
        episode_id,
        status="held",
        offered_at=NOW - timedelta(hours=30),
        attempts=["Phoned carer, no answer", "Visited, seen"],
        held_at=NOW - timedelta(hours=2),
        interviewer="Independent RHI worker",
        push_factors="Arguments at the placement",
        pull_factors="Promised money and trainers",
        young_person_said="I was at a mate's. I didn't want to come back.",
    )
    interview = stored(vault, ReturnInterview, interview_id)
    assert interview.status is InterviewStatus.HELD
    assert interview.held_at == NOW - timedelta(hours=2)
    assert interview.attempts == ["Phoned carer, no answer", "Visited, seen"]
    assert interview.young_person_said == "I was at a mate's. I didn't want to come back."
    assert [i.id for i in fixed.cases.case_file(pid).interviews] == [interview_id]


def test_an_unknown_interview_detail_is_refused(fixed: Services, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=FRIDAY_NIGHT)
    fixed.missing.record_return(episode_id, ended_at=NOW)
    with pytest.raises(DomainError) as caught:
        fixed.missing.record_interview(episode_id, status="declined", score=4)
    assert caught.value.message == "Unknown detail(s) for a return home interview: score."
