"""Time: stored in UTC, shown in Europe/London as DD/MM/YYYY and 24-hour time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_today(now: datetime) -> date:
    """The calendar date in Europe/London at ``now`` (the UTC date is a day out around midnight
    in British Summer Time)."""
    return as_utc(now).astimezone(LONDON).date()


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(LONDON).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """DD/MM/YYYY HH:MM in Europe/London, 24-hour."""
    if value is None:
        return ""
    return as_utc(value).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def words(value: object) -> str:
    """An enum value as words for the screen: ``home_visit`` → ``Home visit``."""
    text = str(getattr(value, "value", value) or "")
    return text.replace("_", " ").capitalize()


_UK_DATE = re.compile(r"\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*")


def parse_uk_date(text: str, example: str = "14/03/2027") -> date | None:
    """A typed DD/MM/YYYY date (dots, dashes or spaces also do); None when blank.

    Raises ValueError whose message says what is wrong, in words.
    """
    if not text.strip():
        return None
    found = _UK_DATE.fullmatch(text)
    if found is None:
        raise ValueError(f"Write the date as DD/MM/YYYY, for example {example}.")
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(
            f"There is no {day:02d}/{month:02d}/{year} in the calendar; check the day and month."
        ) from None
