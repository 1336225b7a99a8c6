"""Which caseload rows are shown: status, level, review, flag, and the search box.

Plain Python over :class:`CaseRow` values, applied by :class:`CaseloadTableModel` as a few
list comprehensions. A ``QSortFilterProxyModel`` would call ``filterAcceptsRow`` through Qt once per
row on every keystroke and, once sorting, compare rows through ``data()`` (the 60,000 calls
bench/startup.py measured); this keeps a keystroke over 2,000 rows to a millisecond or two.

Names are matched here, at once, on every key; words in notes and plans come from the
full-text index a moment later (the pane debounces that search) and arrive as
``text_matches``: young person id → where the words were found.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from hubdesk.models.enums import CaseStatus

if TYPE_CHECKING:
    from hubdesk.views.caseload_model import CaseRow

#: Flags a young person's row can carry, as shown.
FLAG_WORDS = ("Missing", "NRM referral", "Looked after")

#: What the full-text index calls each kind of record, as the "Matched in" column says it.
MATCH_PLACES = {
    "young_person": "name",
    "contact_note": "contact note",
    "safety_plan": "safety plan",
}

_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`")
#: Words of a search: letters, digits and hyphens ("Smith-Jones"); other marks are ignored.
_WORD = re.compile(r"[\w-]+")


def fold(text: str) -> str:
    """Text as the search compares it: no accents, no case, no apostrophes, so "zoe" finds
    "Zoë" and "oneill" finds "O'Neill"."""
    if not text.isascii():  # most names are plain ASCII: skip the decomposition for them
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.casefold().translate(_APOSTROPHES)


class StatusChoice(enum.Enum):
    OPEN_AND_REFERRED = "Open and referred"
    CLOSED = "Closed"
    ALL = "All"

    @property
    def needs_closed(self) -> bool:
        """Closed cases are only read from the vault when asked for."""
        return self is not StatusChoice.OPEN_AND_REFERRED

    def includes(self, status: CaseStatus) -> bool:
        if self is StatusChoice.ALL:
            return True
        return (status is CaseStatus.CLOSED) == (self is StatusChoice.CLOSED)


#: A review this many days away or fewer is "due soon".
DUE_SOON_DAYS = 14


class ReviewState(enum.Enum):
    """Where a young person's next review stands against today (Europe/London)."""

    NONE = "No review date"
    OVERDUE = "Overdue"
    DUE_SOON = "Due soon"
    LATER = "Later"


def review_state(next_review: date | None, today: date) -> ReviewState:
    if next_review is None:
        return ReviewState.NONE
    if next_review < today:
        return ReviewState.OVERDUE
    if next_review <= today + timedelta(days=DUE_SOON_DAYS):
        return ReviewState.DUE_SOON
    return ReviewState.LATER


class ReviewChoice(enum.Enum):
    ANY = "Any review date"
    OVERDUE = "Overdue"
    DUE_SOON = "Due within 14 days"


@dataclass(frozen=True)
class CaseFilter:
    """One complete choice of filters; the pane swaps in a new one on every change."""

    status: StatusChoice = StatusChoice.OPEN_AND_REFERRED
    #: A level rank (see ``caseload_model.level_rank``), or None for any level.
    level_rank: int | None = None
    review: ReviewChoice = ReviewChoice.ANY
    #: One of :data:`FLAG_WORDS`, or None for any.
    flag: str | None = None
    #: What is typed in the search box.
    text: str = ""
    #: Full-text matches for ``matches_for``: young person id → places ("contact note", …).
    text_matches: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    #: The search text ``text_matches`` were found for (they can lag ``text`` by a moment).
    matches_for: str = ""

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(_WORD.findall(fold(self.text)))

    @property
    def is_default(self) -> bool:
        """Nothing searched and every filter at its first choice."""
        return (
            not self.text.strip()
            and self.status is StatusChoice.OPEN_AND_REFERRED
            and self.level_rank is None
            and self.review is ReviewChoice.ANY
            and self.flag is None
        )

    def in_scope(self, rows: list[CaseRow]) -> list[CaseRow]:
        """The rows the status choice covers (counted in "N young people")."""
        if self.status is StatusChoice.ALL:
            return rows
        closed = CaseStatus.CLOSED
        if self.status is StatusChoice.CLOSED:
            return [r for r in rows if r.status is closed]
        return [r for r in rows if r.status is not closed]

    def narrow(self, rows: list[CaseRow]) -> list[CaseRow]:
        """Of the rows in scope, those every other filter and the search let through.

        One tight pass per active filter, each over what the last one kept: no function call
        per row, which is what makes a keystroke over 2,000 rows cost about a millisecond.
        """
        if self.level_rank is not None:
            rank = self.level_rank
            rows = [r for r in rows if r.level_rank == rank]
        if self.review is not ReviewChoice.ANY:
            state = (
                ReviewState.OVERDUE if self.review is ReviewChoice.OVERDUE else ReviewState.DUE_SOON
            )
            rows = [r for r in rows if r.review_state is state]
        if self.flag is not None:
            flag = self.flag
            rows = [r for r in rows if flag in r.flags]
        found = self.text_matches
        for word in self.words:  # found in notes or plans, or every word in a name
            rows = [r for r in rows if r.young_person_id in found or word in r.search_names]
        return rows

    def accepts(self, row: CaseRow) -> bool:
        return bool(self.narrow(self.in_scope([row])))

    def name_matches(self, row: CaseRow) -> bool:
        """Every typed word is in one of the names (first, family or preferred)."""
        names = row.search_names
        return all(word in names for word in self.words)

    def matched_in(self, row: CaseRow) -> str:
        """Where the search found this young person, in words; empty without a search."""
        if not self.text.strip():
            return ""
        places = ["name"] if self.words and self.name_matches(row) else []
        for place in self.text_matches.get(row.young_person_id, ()):
            if place not in places:
                places.append(place)
        return ", ".join(places)


def still_useful(old_text: str, new_text: str) -> bool:
    """Whether full-text matches for ``old_text`` may stand in for ``new_text`` until its own
    search has run: while one is the start of the other the lists barely differ, so rows
    found in notes do not vanish and come back on every key."""
    old, new = fold(old_text).strip(), fold(new_text).strip()
    return bool(old and new) and (new.startswith(old) or old.startswith(new))
