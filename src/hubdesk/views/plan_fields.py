"""The plan editor's fields: text boxes that grow with what is written, and a date typed as
DD/MM/YYYY.

Dates are a line edit rather than a QDateEdit: a QDateEdit that starts blank
(its special "no date" value) cannot be typed into from the keyboard, and a review date is
most often typed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hubdesk.timeutil import format_date, parse_uk_date
from hubdesk.views.qt import (
    QEvent,
    QLineEdit,
    QPlainTextEdit,
    QSize,
    QSizePolicy,
)
from hubdesk.views.widgets import named


class TextBox(QPlainTextEdit):
    """Plain text that grows from ``lines`` to a dozen lines as it is written; Tab moves on."""

    def __init__(self, name: str, key: str, lines: int = 3) -> None:
        super().__init__()
        self._lines = lines
        self.setObjectName(f"plan:{key}")
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().contentsChanged.connect(self.updateGeometry)
        named(self, name)

    def sizeHint(self) -> QSize:
        shown = max(self._lines, min(12, int(self.document().size().height())))
        chrome = 2 * (self.frameWidth() + int(self.document().documentMargin())) + 2
        # A laid-out line is the font's fractional line spacing, which fontMetrics() rounds
        # down: allow the pixel it may lose, or large text scrolls inside the box.
        height = shown * (self.fontMetrics().lineSpacing() + 1) + chrome
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        """As tall as the text needs; narrow enough that two boxes share a narrow window
        (the layout gives them more when there is room)."""
        return QSize(self.fontMetrics().averageCharWidth() * 10, self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # narrower means more wrapped lines

    @property
    def text(self) -> str:
        return self.toPlainText()


def parse_date(text: str) -> date | None:
    """A DD/MM/YYYY date; None when blank. Raises ValueError with the problem in words."""
    return parse_uk_date(text)


class DateField(QLineEdit):
    """A date typed as DD/MM/YYYY; :meth:`problem` says in words what is wrong with it."""

    def __init__(self, name: str, key: str) -> None:
        super().__init__()
        self.setObjectName(f"plan:{key}")
        self.setPlaceholderText("DD/MM/YYYY")
        self.setMaxLength(10)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        named(self, name, "A date written as day/month/year, for example 14/03/2027")

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance("00/00/00000") + 16
        return QSize(width, super().sizeHint().height())

    def set_value(self, value: date | None) -> None:
        self.setText(format_date(value))

    def value(self) -> date | None:
        """The date, or None when blank or not a date (see :meth:`problem`)."""
        try:
            return parse_date(self.text())
        except ValueError:
            return None

    def problem(self) -> str | None:
        try:
            parse_date(self.text())
        except ValueError as exc:
            return str(exc)
        return None
