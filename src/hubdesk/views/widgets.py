"""Small widget helpers every screen shares: accessible names, UK dates, plain messages."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from hubdesk.views.qt import QDate, QDateEdit, QLabel, QWidget

W = TypeVar("W", bound=QWidget)

#: The date a QDateEdit shows for "no date yet" (its minimum); never a real date here.
NO_DATE = QDate(2000, 1, 1)


def named(widget: W, name: str, description: str = "") -> W:
    """Give a control the name a screen reader speaks (and tests find it by)."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)
    return widget


def uk_date_edit(name: str, value: date | None = None, *, optional: bool = True) -> QDateEdit:
    """A DD/MM/YYYY date field with a calendar; empty (shown as a blank) when optional."""
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(" ")  # the minimum shows as a blank: "no date"
    set_date(edit, value)
    return named(edit, name)


def set_date(edit: QDateEdit, value: date | None) -> None:
    edit.setDate(QDate(value.year, value.month, value.day) if value else edit.minimumDate())


def date_of(edit: QDateEdit) -> date | None:
    """The chosen date, or None for the blank "no date" value."""
    value = edit.date()
    if value == NO_DATE and edit.minimumDate() == NO_DATE:
        return None
    return date(value.year(), value.month(), value.day())


def message_label(name: str) -> QLabel:
    """A wrapped label for what just happened, in words (saved, refused, why)."""
    label = QLabel("")
    label.setWordWrap(True)
    return named(label, name)
