"""Small widget helpers every screen shares: accessible names, labels, plain messages."""

from __future__ import annotations

import sys
from typing import TypeVar

from hubdesk.errors import HubDeskError
from hubdesk.views.qt import QLabel, QLineEdit, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, description: str = "") -> W:
    """Give a control the name a screen reader speaks (and tests find it by)."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)
    return widget


def message_label(name: str) -> QLabel:
    """A wrapped label for what just happened, in words (saved, refused, why)."""
    label = QLabel("")
    label.setWordWrap(True)
    return named(label, name)


def buddy(text: str, field: QWidget) -> QLabel:
    """A label whose Alt+letter (``&`` in ``text``) moves to ``field``."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


UNEXPECTED = "HubDesk met a problem it did not expect."


def problem_words(exc: BaseException, unexpected: str = UNEXPECTED) -> str:
    """What went wrong, in words. Anything unexpected goes to the crash report (type and
    frames only), never to the screen: its message could hold typed text."""
    if isinstance(exc, HubDeskError):
        return exc.message
    sys.excepthook(type(exc), exc, exc.__traceback__)
    return unexpected


def name_inner_edit(field: QWidget) -> None:
    """A spin box's text field is a child of its own and takes the focus: give it the spin
    box's spoken name too."""
    for edit in field.findChildren(QLineEdit):
        named(edit, field.accessibleName())
