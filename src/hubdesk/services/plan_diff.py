"""What changed between two versions of a safety plan, field by field and word by word.

Pure Python (no Qt, no session): it reads two loaded :class:`PlanVersion` records and returns
one :class:`DiffRow` per field, in the order the plan is read — the young person's words
first, then what others will do. Lists (actions, contacts) are lined up with difflib so a
removed action shows as "Removed" instead of shifting every later action into "Changed".
Each side of a row is split into :class:`Segment` s so a view can emphasise the changed
words (and not by colour alone). The labels for the keys live with the views, which word
them for the plan's subject (a young person or a context).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from hubdesk.models import PlanAction, PlanVersion
from hubdesk.services.plan_content import AREAS
from hubdesk.timeutil import format_date


class Change(enum.StrEnum):
    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"

    @property
    def words(self) -> str:
        """How the row is marked on screen ("" for a row that did not change)."""
        return "" if self is Change.SAME else self.value.capitalize()


class Section(enum.StrEnum):
    OWN_WORDS = "own_words"
    OTHERS = "others"


#: The text fields of the young person's words, in reading order (the area grid follows
#: ``what_worries_me``).
OWN_WORDS_BEFORE_GRID = ("what_i_want", "what_worries_me")
OWN_WORDS_AFTER_GRID = ("people_i_trust", "what_i_will_do", "code_word")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    """One field of the plan in both versions.

    ``key`` names the field (``what_i_want``, ``safe_and_unsafe.home.safe``, ``actions``,
    ``contacts``, ``copies_held_by``, ``review_date``); ``number`` counts list items from 1
    (the number on the newer side, or on the older side for a removed item).
    """

    key: str
    section: Section
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    change: Change
    number: int | None = None

    @property
    def left_text(self) -> str:
        return "".join(s.text for s in self.left)

    @property
    def right_text(self) -> str:
        return "".join(s.text for s in self.right)


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Words, runs of space and single punctuation marks; joined they give the text back."""
    return _TOKEN.findall(text)


def _merge(parts: Iterator[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for part in parts:
        if not part.text:
            continue
        if merged and merged[-1].changed == part.changed:
            merged[-1] = Segment(merged[-1].text + part.text, part.changed)
        else:
            merged.append(part)
    return tuple(merged)


def _marked(words: Sequence[str], changed: bool) -> Iterator[Segment]:
    """Changed words, with any space at either end left unmarked (an underlined space reads
    as a mistake)."""
    text = "".join(words)
    if not changed:
        yield Segment(text, False)
        return
    core = text.strip()
    if not core:
        yield Segment(text, False)
        return
    start = text.index(core)
    yield Segment(text[:start], False)
    yield Segment(core, True)
    yield Segment(text[start + len(core) :], False)


def word_segments(left: str, right: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Both texts split into runs of unchanged and changed words."""
    a, b = tokens(left), tokens(right)
    lefts: list[Segment] = []
    rights: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        changed = tag != "equal"
        lefts.extend(_marked(a[i1:i2], changed))
        rights.extend(_marked(b[j1:j2], changed))
    return _merge(iter(lefts)), _merge(iter(rights))


def _row(key: str, section: Section, left: str, right: str, number: int | None = None) -> DiffRow:
    if left == right:
        same = (Segment(left, False),) if left else ()
        return DiffRow(key, section, same, same, Change.SAME, number)
    if not left:
        return DiffRow(key, section, (), (Segment(right, True),), Change.ADDED, number)
    if not right:
        return DiffRow(key, section, (Segment(left, True),), (), Change.REMOVED, number)
    lefts, rights = word_segments(left, right)
    return DiffRow(key, section, lefts, rights, Change.CHANGED, number)


def action_text(action: PlanAction) -> str:
    """One action as a line: what — who (agency), by DD/MM/YYYY."""
    text = f"{action.what} — {action.owner}"
    if action.agency:
        text += f" ({action.agency})"
    if action.by_when:
        text += f", by {format_date(action.by_when)}"
    return text


def contact_text(contact: dict[str, Any]) -> str:
    parts = [str(contact.get(k) or "").strip() for k in ("name", "role", "phone")]
    name, rest = parts[0], [p for p in parts[1:] if p]
    return f"{name} — {', '.join(rest)}" if rest else name


def live_actions(version: PlanVersion) -> list[PlanAction]:
    """The version's actions in order, without the ones a later save replaced."""
    return sorted((a for a in version.actions if a.deleted_at is None), key=lambda a: a.position)


def _list_rows(key: str, left: list[str], right: list[str]) -> Iterator[DiffRow]:
    """Line up two lists so an item added or removed in the middle shows as just that."""
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    # Pairing by position within each block covers equal, replace, insert and delete alike.
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = left[i1:i2], right[j1:j2]
        for n in range(max(len(olds), len(news))):
            old = olds[n] if n < len(olds) else ""
            new = news[n] if n < len(news) else ""
            number = j1 + n + 1 if new else i1 + n + 1
            yield _row(key, Section.OTHERS, old, new, number)


def _text(content: dict[str, Any], key: str) -> str:
    return str(content.get(key) or "").strip()


def _area(content: dict[str, Any], area: str, side: str) -> str:
    areas = content.get("safe_and_unsafe") or {}
    return str((areas.get(area) or {}).get(side) or "").strip()


def compare(left: PlanVersion, right: PlanVersion) -> list[DiffRow]:
    """Every field either version fills in, in reading order; fields empty in both are left
    out. ``left`` is usually the older version."""
    a, b = left.content or {}, right.content or {}
    own = Section.OWN_WORDS
    rows = [_row(k, own, _text(a, k), _text(b, k)) for k in OWN_WORDS_BEFORE_GRID]
    for area in AREAS:
        for side in ("safe", "unsafe"):
            key = f"safe_and_unsafe.{area}.{side}"
            rows.append(_row(key, own, _area(a, area, side), _area(b, area, side)))
    rows += [_row(k, own, _text(a, k), _text(b, k)) for k in OWN_WORDS_AFTER_GRID]
    rows += _list_rows(
        "actions",
        [action_text(x) for x in live_actions(left)],
        [action_text(x) for x in live_actions(right)],
    )
    rows += _list_rows(
        "contacts",
        [contact_text(c) for c in a.get("contacts") or []],
        [contact_text(c) for c in b.get("contacts") or []],
    )
    copies_a = ", ".join(a.get("copies_held_by") or [])
    copies_b = ", ".join(b.get("copies_held_by") or [])
    rows.append(_row("copies_held_by", Section.OTHERS, copies_a, copies_b))
    rows.append(
        _row(
            "review_date",
            Section.OTHERS,
            format_date(left.review_date),
            format_date(right.review_date),
        )
    )
    return [r for r in rows if r.left or r.right]


__all__ = [
    "Change",
    "DiffRow",
    "Section",
    "Segment",
    "action_text",
    "compare",
    "contact_text",
    "live_actions",
    "tokens",
    "word_segments",
]
