"""Missing episode lifecycle: missing → returned → closed, in that order only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hubdesk.errors import DomainError
from hubdesk.models import MissingEpisode
from hubdesk.models.missing import EPISODE_STATES, EpisodeStatus

STARTED = datetime(2025, 2, 7, 21, 30, tzinfo=UTC)


def episode() -> MissingEpisode:
    return MissingEpisode(started_at=STARTED, status=EpisodeStatus.MISSING)


def test_missing_returned_closed() -> None:
    item = episode()
    back = STARTED + timedelta(hours=19)
    item.record_return(back, "Found at a relative's flat in Coventry")
    assert item.status is EpisodeStatus.RETURNED
    assert item.ended_at == back
    assert item.where_found == "Found at a relative's flat in Coventry"
    item.close()
    assert item.status is EpisodeStatus.CLOSED


def test_closing_while_still_missing_is_refused_with_the_hint() -> None:
    item = episode()
    with pytest.raises(DomainError) as caught:
        item.close()
    assert caught.value.message == (
        "This missing episode is missing, so it cannot become closed. "
        "Record when the young person came back before closing the episode."
    )
    assert item.status is EpisodeStatus.MISSING


def test_a_return_before_the_start_is_refused() -> None:
    item = episode()
    with pytest.raises(DomainError) as caught:
        item.record_return(STARTED - timedelta(minutes=1), None)
    assert caught.value.message == "The return time is before the time they went missing."
    assert item.status is EpisodeStatus.MISSING
    assert item.ended_at is None


def test_a_return_at_the_same_minute_is_accepted() -> None:
    item = episode()
    item.record_return(STARTED, None)
    assert item.ended_at == STARTED


def test_returning_twice_is_refused_with_already() -> None:
    item = episode()
    item.record_return(STARTED + timedelta(hours=2), None)
    with pytest.raises(DomainError) as caught:
        item.record_return(STARTED + timedelta(hours=3), None)
    assert caught.value.message == "This missing episode is returned already."
    assert item.ended_at == STARTED + timedelta(hours=2)


def test_a_closed_episode_cannot_change_again() -> None:
    with pytest.raises(DomainError) as caught:
        EPISODE_STATES.check(EpisodeStatus.CLOSED, EpisodeStatus.MISSING)
    assert caught.value.message == (
        "This missing episode is closed, so it cannot become missing. "
        "A closed missing episode cannot change state again."
    )
