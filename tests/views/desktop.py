"""The whole desktop in a test: start it on a vault folder, unlock it by typing the passphrase,
and go to one section of a young person's case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pytestqt.qtbot import QtBot

from hubdesk.app import Desktop
from hubdesk.collector import SessionCollector
from hubdesk.settings import Settings
from hubdesk.store.vault import Vault
from hubdesk.views.case_tab import CaseTab
from hubdesk.views.note_editor import DraftNoteEditor
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.qt import QApplication, Qt, QWidget
from tests.conftest import PASSPHRASE

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def unlock(qtbot: QtBot, desktop: Desktop) -> None:
    qtbot.keyClicks(desktop.unlock.passphrase, PASSPHRASE)
    qtbot.keyClick(desktop.unlock.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=5000)


T = TypeVar("T", bound=CaseTab)


def open_tab(desktop: Desktop, young_person_id: str, tab_type: type[T]) -> T:
    """The unlocked window on this young person, at this section of their case."""
    window = desktop.window
    assert window is not None
    window.caseload.select_case(young_person_id)
    window.case_view.show_case(young_person_id)
    tab = window.case_view.tab_of(tab_type)
    assert isinstance(tab, tab_type)
    window.case_view.tabs.setCurrentWidget(tab)
    return tab


def new_note_typed(
    qtbot: QtBot, desktop: Desktop, young_person_id: str, text: str
) -> DraftNoteEditor:
    """Open the young person's notes in the unlocked window, start a note and type ``text``
    into it; the note's editor."""
    notes = open_tab(desktop, young_person_id, NotesTab)
    notes.new_note()
    editor = notes.pane
    assert isinstance(editor, DraftNoteEditor)
    qtbot.keyClicks(editor.narrative, text)
    return editor


@contextmanager
def running(
    qtbot: QtBot,
    vault_dir: Path,
    settings: Settings | None = None,
    collector: SessionCollector | None = None,
) -> Iterator[Desktop]:
    """A started Desktop on the vault, its vault closed and idle watcher removed afterwards.
    (Without ``collector`` the collector of the test process is left as it is.)"""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = Desktop(app, vault_dir, settings or Settings(), collector=collector)
    qtbot.addWidget(desktop.unlock)
    desktop.start()
    try:
        yield desktop
    finally:
        desktop.close_vault()
        app.removeEventFilter(desktop.idle)


@contextmanager
def unlocked(qtbot: QtBot, vault: Vault, vault_dir: Path) -> Iterator[Desktop]:
    """The test's vault closed, then the desktop started on its folder and unlocked by
    typing the passphrase (``running``: closed again afterwards)."""
    vault.close()
    with running(qtbot, vault_dir) as desktop:
        unlock(qtbot, desktop)
        yield desktop


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_in(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def key(
    qtbot: QtBot, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), k, modifier)


def tab_to(qtbot: QtBot, target: QWidget, most: int = 80) -> None:
    """Press Tab until ``target`` has the keyboard focus: proof it is reachable by keyboard."""
    for _ in range(most):
        if focused() is target:
            return
        key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName() or target!r}")
