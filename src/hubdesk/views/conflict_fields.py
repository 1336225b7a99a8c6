"""One contested part of a record, both sides side by side, and the person's choice for it.

A row shows what this laptop has ("Yours, on this laptop") beside what the hub has ("On the
hub"), the words that differ marked in bold and underlined (not by colour alone), and three
choices: keep mine, keep the hub's, or write it again (only for free text, where a person can
write a value that is neither). A sentence under the choices says what the one picked will do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any

from hubdesk.models import RECORD_KINDS
from hubdesk.services.conflicts import Edited, FieldSides, Side
from hubdesk.services.plan_diff import Segment, contact_text, word_segments
from hubdesk.timeutil import format_date, format_datetime
from hubdesk.views.plan_words import AREA_LABELS
from hubdesk.views.qt import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    Signal,
)
from hubdesk.views.widgets import named

MINE = "Yours, on this laptop"
THEIRS = "On the hub"
NOTHING = "(nothing written)"
_WORD_TINT = "#ffe08a"
#: A chosen button says so in its text, not only by its shade.
TICK = "✓ "
#: Words that differ are marked only when the two texts are at least this much alike.
MARK_WHEN_ALIKE = 0.4
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

Pick = Side | Edited


def value_text(value: Any) -> str:
    """A field's value as a person reads it (dates DD/MM/YYYY, lists one item a line)."""
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(date.fromisoformat(value))
    if isinstance(value, str) and _ISO_TIME.match(value):
        return format_datetime(datetime.fromisoformat(value))
    if isinstance(value, list):
        return "\n".join(_item_text(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(
            f"{AREA_LABELS.get(key, key.replace('_', ' ').capitalize())}: {_item_text(item)}"
            for key, item in value.items()
        )
    return str(value)


def _item_text(item: Any) -> str:
    if isinstance(item, dict) and "name" in item:
        return contact_text(item)
    if isinstance(item, dict):
        return "; ".join(
            f"{key.replace('_', ' ').capitalize()}: {value_text(inner)}"
            for key, inner in item.items()
            if inner not in (None, "")
        )
    return value_text(item)


def free_text(kind: str, sides: FieldSides) -> bool:
    """True when a person may write this field again: text on both sides, in a column (or a
    plan section) that holds free text — not a date, a choice from a list, or a link."""
    if not all(value is None or isinstance(value, str) for value in (sides.mine, sides.theirs)):
        return False
    if any(isinstance(v, str) and _ISO_DATE.match(v) for v in (sides.mine, sides.theirs)):
        return False
    name, _, inner = sides.path.partition(".")
    column = RECORD_KINDS[kind].__table__.columns.get(name)
    if column is None or name.endswith("_id") or hasattr(column.type, "enum_cls"):
        return False
    try:
        stored = column.type.python_type
    except NotImplementedError:
        return False
    # A plan's sections live in a JSON column (SQLAlchemy says "object" for its type).
    return stored in (dict, object) if inner else stored is str


def _side_html(segments: tuple[Segment, ...]) -> str:
    if not segments:
        return f"<i>{NOTHING}</i>"
    parts = []
    for segment in segments:
        text = escape(segment.text).replace("\n", "<br>")
        if segment.changed:
            text = (
                f'<span style="background-color:{_WORD_TINT}; color:#000000">'
                f"<b><u>{text}</u></b></span>"
            )
        parts.append(text)
    return "".join(parts)


def sides_html(sides: FieldSides) -> tuple[str, str]:
    """Both values as rich text, the differing words marked."""
    mine, theirs = value_text(sides.mine), value_text(sides.theirs)
    if NOTHING in (mine, theirs):
        return (
            f"<i>{NOTHING}</i>" if mine == NOTHING else escape(mine).replace("\n", "<br>"),
            f"<i>{NOTHING}</i>" if theirs == NOTHING else escape(theirs).replace("\n", "<br>"),
        )
    left, right = word_segments(mine, theirs)
    if _alike(left) < MARK_WHEN_ALIKE:
        # Two different texts: marking nearly every word would only hide the few in common.
        return _side_html((Segment(mine, False),)), _side_html((Segment(theirs, False),))
    return _side_html(left), _side_html(right)


def _alike(segments: tuple[Segment, ...]) -> float:
    """The share of one side's text that the other side has too."""
    total = sum(len(s.text.strip()) for s in segments)
    same = sum(len(s.text.strip()) for s in segments if not s.changed)
    return same / total if total else 1.0


WHAT_IT_DOES = {
    "mine": "Your version is kept, here and on the hub; the hub's is replaced at the next sync.",
    "theirs": "The hub's version is kept, here and on the hub; yours is no longer used.",
    "edit": "What you write below is kept, here and on the hub, in place of both.",
    "": "Nothing is chosen yet.",
}


def choice_button(text: str, name: str, toggled: Callable[[bool], None]) -> QPushButton:
    """One of a few exclusive choices (buttons in one box): "✓ Keep mine" once chosen."""
    button = named(QPushButton(text), name)
    button.setCheckable(True)
    button.setAutoExclusive(True)

    def marked(on: bool) -> None:
        button.setText(f"{TICK}{text}" if on else text)
        toggled(on)

    button.toggled.connect(marked)
    return button


class FieldChoice(QGroupBox):
    """Both sides of one field and the choice for it."""

    chosen = Signal()

    def __init__(self, kind: str, sides: FieldSides, label: str) -> None:
        super().__init__(label)
        self.sides = sides
        named(self, label)
        self.setStyleSheet("QGroupBox { font-weight: bold; } QGroupBox * { font-weight: normal; }")
        mine_html, theirs_html = sides_html(sides)
        grid = QGridLayout()
        shown = []
        for column, (heading, html, value) in enumerate(
            ((MINE, mine_html, sides.mine), (THEIRS, theirs_html, sides.theirs))
        ):
            title = QLabel(f"<b>{escape(heading)}</b>")
            # The words as plain text for a screen reader (the marks are for the eye).
            text = named(QLabel(html), f"{heading}: {label}", value_text(value))
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(title, 0, column)
            grid.addWidget(text, 1, column)
            grid.setColumnStretch(column, 1)
            shown.append(text)
        self.mine_text, self.theirs_text = shown
        self.use_mine = self._choice("Keep mine", f"Keep your version of {label}")
        self.use_theirs = self._choice("Keep the hub's", f"Keep the hub's version of {label}")
        self.edit = self._choice("Write it again", f"Write {label} again")
        self.edit.setVisible(free_text(kind, sides))
        self.editor = named(QPlainTextEdit(), f"{label}, written again")
        start = sides.mine if isinstance(sides.mine, str) else sides.theirs
        self.editor.setPlainText(start if isinstance(start, str) else "")
        self.editor.setVisible(False)
        self.editor.setTabChangesFocus(True)
        self.editor.setMaximumHeight(160)
        self.says = QLabel(WHAT_IT_DOES[""])
        self.says.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.use_mine, self.use_theirs, self.edit):
            buttons.addWidget(button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 2, 0, 1, 2)
        grid.addWidget(self.says, 3, 0, 1, 2)
        grid.addWidget(self.editor, 4, 0, 1, 2)
        self.setLayout(grid)

    def _choice(self, text: str, name: str) -> QPushButton:
        return choice_button(text, name, self._toggled)

    def _toggled(self, on: bool) -> None:
        if not on:
            return
        key = self._key()
        self.says.setText(WHAT_IT_DOES[key])
        self.editor.setVisible(key == "edit")
        if key == "edit":
            self.editor.setFocus()
        self.chosen.emit()

    def _key(self) -> str:
        if self.use_mine.isChecked():
            return "mine"
        if self.use_theirs.isChecked():
            return "theirs"
        return "edit" if self.edit.isChecked() else ""

    def pick(self) -> Pick | None:
        """The choice made, or None before one is."""
        key = self._key()
        if key == "edit":
            return Edited(self.editor.toPlainText().strip())
        if key in ("mine", "theirs"):
            return "mine" if key == "mine" else "theirs"
        return None
