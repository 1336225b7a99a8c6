"""The vault's times are written as the text SQLite's own DateTime type writes (its bind
processor, which ``UTCDateTime`` replaces with a faster one on SQLite): the same text for any
time, in any zone, so rows written before and after read and sort alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from hubdesk.models.base import UTCDateTime
from hubdesk.timeutil import as_utc

SQLITE = sqlite.dialect()
OURS = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
THEIRS = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))]
)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES))
def test_a_time_is_written_as_sqlites_own_type_writes_it(value: datetime) -> None:
    assert OURS is not None
    assert THEIRS is not None
    assert OURS(value) == THEIRS(as_utc(value).replace(tzinfo=None))


def test_the_edges_and_nothing() -> None:
    assert OURS is not None
    assert THEIRS is not None
    for value in (datetime(2026, 11, 29, 0, 0, 0, tzinfo=UTC), datetime(1, 1, 2, 23, 59, 59, 1)):
        assert OURS(value) == THEIRS(as_utc(value).replace(tzinfo=None))
    assert OURS(datetime(2026, 3, 29, 1, 30, 0, 5, tzinfo=UTC)) == "2026-03-29 01:30:00.000005"
    assert OURS(None) is None
