"""The fields of one plan version, laid out in reading order: the young person's words first
(in their own voice), then what others will do. No saving here: :class:`PlanForm` fills
itself from a version, says what is typed, and signals every edit; the editor saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from hubdesk.models import PlanVersion
from hubdesk.services.plan_diff import live_actions
from hubdesk.services.plans import ActionInput
from hubdesk.timeutil import format_date
from hubdesk.views.plan_areas import AreaGrid
from hubdesk.views.plan_fields import DateField, TextBox, parse_date
from hubdesk.views.plan_rows import Column, RowList
from hubdesk.views.plan_words import Headings
from hubdesk.views.qt import QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget, Signal
from hubdesk.views.widgets import message_label, named

#: The young person's own words, as (content key, Headings attribute) pairs laid out two by two.
_PAIRS = (("what_i_want", "what_worries_me"), ("people_i_trust", "what_i_will_do"))

ACTION_COLUMNS = (
    Column("what", "What", "what will happen", wide=True),
    Column("owner", "Who", "who will do it", stretch=1),
    Column("agency", "Agency", "agency", stretch=1),
    Column("by_when", "By when", "by when", is_date=True),
)
CONTACT_COLUMNS = (
    Column("name", "Name", "name", stretch=3),
    Column("role", "Role", "role", stretch=2),
    Column("phone", "Phone", "phone", stretch=2),
)


def action_note(texts: dict[str, str]) -> str | None:
    """Why a typed action is not part of the plan yet (the service needs what and who); such
    a row is kept in the vault as a draft (see plan_saving). None for a complete or empty row."""
    if not any(texts.values()) or (texts["what"] and texts["owner"]):
        return None
    return "Kept as a draft until it says both what will happen and who will do it."


def _heading(level: int) -> QLabel:
    label = QLabel()
    label.setProperty("heading_level", level)
    label.setWordWrap(True)
    return label


class PlanForm(QWidget):
    #: Anything typed, added or removed.
    edited = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self._headings: dict[str, QLabel] = {}
        self.texts: dict[str, TextBox] = {}

        self._section("own_words", layout)
        for pair in _PAIRS[:1]:
            layout.addLayout(self._pair(pair))
        self._section("safe_and_unsafe", layout, level=4)
        self.areas = AreaGrid()
        layout.addWidget(self.areas)
        layout.addLayout(self._pair(_PAIRS[1]))
        self._section("code_word", layout, level=4)
        self.code_word = named(QLineEdit(), "Code word")
        self.code_word.setObjectName("plan:code_word")
        layout.addWidget(self.code_word)

        self._section("others", layout)
        self._section("actions", layout, level=4)
        self.action_rows = RowList(
            "actions", "Action", ACTION_COLUMNS, "&Add an action", action_note
        )
        layout.addWidget(self.action_rows)
        self._section("contacts", layout, level=4)
        self.contact_rows = RowList("contacts", "Contact", CONTACT_COLUMNS, "Add &who to contact")
        layout.addWidget(self.contact_rows)
        self._section("copies_held_by", layout, level=4)
        self.copies = named(QLineEdit(), "Who has a copy", "Names or roles, separated by commas")
        self.copies.setObjectName("plan:copies_held_by")
        self.copies.setPlaceholderText("For example: Jade, her aunt, school")
        layout.addWidget(self.copies)
        self._section("review_date", layout, level=4)
        review_row = QGridLayout()
        self.review_date = DateField("Review date", "review_date")
        self.review_note = message_label("Review date: not saved")
        review_row.addWidget(self.review_date, 0, 0)
        review_row.addWidget(self.review_note, 0, 1)
        review_row.setColumnStretch(1, 1)
        layout.addLayout(review_row)
        layout.addStretch(1)

        for box in self.texts.values():
            box.textChanged.connect(self.edited)
        for line in (self.code_word, self.copies, self.review_date):
            line.textChanged.connect(self.edited)
        for part in (self.areas, self.action_rows, self.contact_rows):
            part.changed.connect(self.edited)

    def _section(self, key: str, layout: QVBoxLayout, level: int = 3) -> None:
        label = _heading(level)
        self._headings[key] = label
        layout.addWidget(label)

    def _pair(self, keys: tuple[str, str]) -> QGridLayout:
        grid = QGridLayout()
        for column, key in enumerate(keys):
            label = _heading(4)
            box = TextBox(key, key)
            label.setBuddy(box)
            self._headings[key] = label
            self.texts[key] = box
            grid.addWidget(label, 0, column)
            grid.addWidget(box, 1, column)
        return grid

    # -- words ------------------------------------------------------------------------------
    def set_words(self, words: Headings) -> None:
        for key, label in self._headings.items():
            level = label.property("heading_level")
            label.setText(f"<h{level}>{escape(getattr(words, key) or '')}</h{level}>")
        for key, box in self.texts.items():
            named(box, getattr(words, key))
        named(self.code_word, words.code_word or "Code word")
        self.areas.set_words(words)
        has_code_word = words.code_word is not None
        self._headings["code_word"].setVisible(has_code_word)
        self.code_word.setVisible(has_code_word)

    # -- one version in, what is typed out --------------------------------------------------
    def show_version(
        self, version: PlanVersion, held: Sequence[tuple[int, dict[str, str]]] = ()
    ) -> None:
        """Fill the form from ``version``; ``held`` are incomplete action rows kept as a draft,
        put back at their positions (in position order) among the version's actions."""
        content: dict[str, Any] = version.content or {}
        for key, box in self.texts.items():
            box.setPlainText(str(content.get(key) or ""))
        self.areas.set_value(content.get("safe_and_unsafe") or {})
        self.code_word.setText(str(content.get("code_word") or ""))
        actions = [
            {
                "what": a.what,
                "owner": a.owner,
                "agency": a.agency or "",
                "by_when": format_date(a.by_when),
            }
            for a in live_actions(version)
        ]
        for position, values in held:
            actions.insert(min(position, len(actions)), values)
        self.action_rows.set_rows(actions)
        self.contact_rows.set_rows(
            [
                {k: str(c.get(k) or "") for k in ("name", "role", "phone")}
                for c in content.get("contacts") or []
            ]
        )
        self.copies.setText(", ".join(content.get("copies_held_by") or []))
        self.review_date.set_value(version.review_date)

    def content(self, with_code_word: bool) -> dict[str, Any]:
        """What is typed, shaped as services.plan_content.PlanContent."""
        result: dict[str, Any] = {key: box.text.strip() for key, box in self.texts.items()}
        result["safe_and_unsafe"] = self.areas.value()
        result["code_word"] = self.code_word.text().strip() if with_code_word else ""
        result["contacts"] = [row for row in self.contact_rows.texts() if any(row.values())]
        result["copies_held_by"] = [
            name.strip() for name in self.copies.text().split(",") if name.strip()
        ]
        return result

    def complete_actions(self) -> list[ActionInput]:
        """The actions the service can take: each says what will happen and who will do it."""
        result = []
        for row in self.action_rows.texts():
            if row["what"] and row["owner"]:
                try:
                    by_when = parse_date(row["by_when"])
                except ValueError:
                    by_when = None  # said under the row; the rest of the action is saved
                result.append(
                    ActionInput(row["what"], row["owner"], row["agency"] or None, by_when)
                )
        return result

    def half_typed_actions(self) -> list[int]:
        """Rows (from 1) with something typed but not yet what and who."""
        return [n for n, row in enumerate(self.action_rows.texts(), start=1) if action_note(row)]

    def action_date_problems(self) -> list[tuple[int, str]]:
        """Complete actions (from 1) whose "by when" cannot be read, with the problem: they
        are saved without it, so the typed date is not in the vault."""
        result = []
        for index, row in enumerate(self.action_rows.texts()):
            field = self.action_rows.field(index, "by_when")
            problem = field.problem() if isinstance(field, DateField) else None
            if row["what"] and row["owner"] and problem:
                result.append((index + 1, problem))
        return result

    def review_problem(self, today: date) -> str | None:
        """Why the typed review date is left out of the save, in words (None: it is fine)."""
        problem = self.review_date.problem()
        if problem:
            return f"Not saved yet: {problem}"
        value = self.review_date.value()
        if value is not None and value < today:
            return (
                f"Not saved: {format_date(value)} has passed. Choose a review date from today "
                "on; the rest of the plan is still saved."
            )
        return None

    def set_read_only(self, read_only: bool) -> None:
        for box in self.texts.values():
            box.setReadOnly(read_only)
        for line in (self.code_word, self.copies, self.review_date):
            line.setReadOnly(read_only)
        self.areas.set_read_only(read_only)
        self.action_rows.set_read_only(read_only)
        self.contact_rows.set_read_only(read_only)


__all__ = ["ACTION_COLUMNS", "CONTACT_COLUMNS", "PlanForm", "action_note"]
