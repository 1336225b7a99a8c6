"""Every interactive control on every screen has an accessible name (screen readers), and can
take keyboard focus."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from hubdesk.app import case_rows
from hubdesk.services import Services
from hubdesk.views.main_window import MainWindow
from hubdesk.views.qt import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    Qt,
    QWidget,
)
from hubdesk.views.unlock import UnlockScreen

INTERACTIVE = (QAbstractButton, QLineEdit, QAbstractItemView, QComboBox)


def unnamed_controls(screen: QWidget) -> list[str]:
    problems = []
    for widget in screen.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or not widget.isVisibleTo(screen):
            continue
        if not widget.accessibleName().strip():
            problems.append(f"{type(widget).__name__} {widget.objectName()!r}")
        # Column headings are read through their table. Sorting by keyboard (not only by clicking
        # a heading) is part of the caseload work in issue 3.
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus and not isinstance(widget, QHeaderView):
            problems.append(f"{type(widget).__name__} cannot take keyboard focus")
    return problems


def test_the_walk_finds_controls_and_would_catch_a_missing_name(qtbot: QtBot) -> None:
    screen = UnlockScreen("Vault folder: /somewhere")
    qtbot.addWidget(screen)
    screen.show()
    assert unnamed_controls(screen) == []
    screen.button.setAccessibleName("")
    assert unnamed_controls(screen) == ["QPushButton ''"]


def test_the_caseload_screen(qtbot: QtBot, services: Services) -> None:
    services.cases.add(given_name="Siân", family_name="O'Donnell")
    window = MainWindow(case_rows(services), "Test Practitioner")
    qtbot.addWidget(window)
    window.show()
    assert unnamed_controls(window) == []
