"""Checks every screen's tests share: spoken names, keyboard reach, Alt-key clashes, and
activating an offscreen window (which no window manager does for us)."""

from __future__ import annotations

import re
from collections import defaultdict

from pytestqt.qtbot import QtBot

from hubdesk.views.qt import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    Qt,
    QTabWidget,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QAbstractItemView,
    QComboBox,
    QPlainTextEdit,
    QTextEdit,
    QSpinBox,
)


def unnamed_controls(screen: QWidget) -> list[str]:
    """Visible controls a screen reader cannot name, or the keyboard cannot reach (column
    headings are read through their table)."""
    problems = []
    for widget in screen.findChildren(QWidget):
        if not widget.isVisibleTo(screen):
            continue
        takes_focus = widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        if (isinstance(widget, INTERACTIVE) or takes_focus) and not widget.accessibleName():
            problems.append(f"{type(widget).__name__} {widget.objectName()!r}")
        if (
            isinstance(widget, INTERACTIVE)
            and not takes_focus
            and not isinstance(widget, QHeaderView)
        ):
            problems.append(f"{type(widget).__name__} cannot take keyboard focus")
    return problems


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&\s])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def mnemonic_clashes(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter keys that two visible controls (or a control and a menu) share: Qt then only
    moves focus between them, and neither is pressed."""
    owners: dict[str, list[str]] = defaultdict(list)
    texts: list[str] = []
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy()):
            texts.append(widget.text())
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
    menu_bar = getattr(window, "menuBar", None)
    if menu_bar is not None:
        texts += [action.text() for action in menu_bar().actions()]
    for text in texts:
        letter = _mnemonic(text)
        if letter:
            owners[letter].append(text)
    return {letter: names for letter, names in owners.items() if len(names) > 1}


def activate(qtbot: QtBot, window: QWidget) -> None:
    """What the window manager does for a shown window; shortcuts need an active window."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
