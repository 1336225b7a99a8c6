"""Lock on demand (Ctrl+L) and on idle: the vault closes and drops its key; unlocking brings the
caseload back."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.app import Desktop, desktop_for
from hubdesk.collector import SessionCollector
from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.store.vault import Vault
from hubdesk.views.qt import QApplication, Qt, QTimer
from tests.conftest import PASSPHRASE, passphrase
from tests.views.desktop import new_note_typed, open_tab, running, unlock, unlocked


def test_ctrl_l_locks_and_the_passphrase_brings_the_caseload_back(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    services.cases.add(given_name="Seren", family_name="Lloyd")
    with unlocked(qtbot, vault, vault_dir) as desktop:
        window = desktop.window
        assert window is not None
        opened = desktop.vault
        assert opened is not None
        assert window.caseload.model.rowCount() == 1
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        qtbot.keyClick(window.caseload.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert desktop.vault is None
        assert not opened.is_open  # the key was overwritten
        assert desktop.window is None
        assert desktop.unlock.isVisible()
        assert "locked" in desktop.unlock.message.text()
        unlock(qtbot, desktop)
        assert desktop.window is not None
        assert desktop.window.caseload.model.rowCount() == 1


class Recording(SessionCollector):
    """The real collector, noting each call and whether a main window existed then."""

    def __init__(self, desktop: list[Desktop]) -> None:
        self.desktop = desktop
        self.calls: list[tuple[str, bool]] = []

    def settle(self) -> None:
        self.calls.append(("settle", self.desktop[0].window is not None))
        super().settle()

    def thaw(self) -> None:
        self.calls.append(("thaw", self.desktop[0].window is not None))
        super().thaw()


def test_the_collector_settles_after_each_unlock_and_thaws_at_each_lock(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    vault.close()
    seen: list[Desktop] = []
    collector = Recording(seen)
    with running(qtbot, vault_dir, collector=collector) as desktop:
        seen.append(desktop)
        unlock(qtbot, desktop)
        qtbot.waitUntil(lambda: collector.calls == [("settle", True)], timeout=3000)
        desktop.lock()
        assert collector.calls[-1] == ("thaw", False)  # the window was dropped first
        assert gc.get_freeze_count() == 0
        unlock(qtbot, desktop)
        qtbot.waitUntil(lambda: len(collector.calls) == 3, timeout=3000)
        assert collector.calls[-1] == ("settle", True)


def test_a_locked_session_is_freed_though_the_collector_froze_it(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    """Freezing keeps objects for the process's life; the window, its caseload (decrypted
    names) and the services must not outlive the lock because of it."""
    services.cases.add(given_name="Seren", family_name="Lloyd")
    vault.close()
    with running(qtbot, vault_dir, collector=SessionCollector()) as desktop:
        unlock(qtbot, desktop)
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=3000)
        window = desktop.window
        assert window is not None
        gone = [weakref.ref(window), weakref.ref(window.caseload.model)]
        gone.append(weakref.ref(window.deps.services))
        del window
        desktop.lock()  # no collection here but the app's own, back in the event loop
        qtbot.waitUntil(lambda: [ref() is None for ref in gone] == [True, True, True])


def test_a_session_ended_before_it_settled_is_not_settled(
    qtbot: QtBot, vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling waits for the event loop. A session ended before then (here the hub
    withdrew access as the window opened) is not settled: freezing would keep its objects
    for the process's life."""
    vault.close()
    seen: list[Desktop] = []
    collector = Recording(seen)
    with running(qtbot, vault_dir, collector=collector) as desktop:
        seen.append(desktop)
        show_main = desktop.show_main

        def shown_then_revoked() -> None:
            show_main()
            desktop.revoked()  # before the event loop comes round

        monkeypatch.setattr(desktop, "show_main", shown_then_revoked)
        qtbot.keyClicks(desktop.unlock.passphrase, PASSPHRASE)
        qtbot.keyClick(desktop.unlock.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: desktop.notice is not None, timeout=5000)
        qtbot.wait(100)  # the settle scheduled as the window opened has come round
        assert collector.calls == [("thaw", False)]
        assert gc.get_freeze_count() == 0
        assert desktop.notice is not None
        desktop.notice.accept()
        assert desktop.create is not None  # the start screen, on the wiped folder
        qtbot.addWidget(desktop.create)


def test_the_app_runs_the_desktop_with_the_session_collector(qtbot: QtBot, vault_dir: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = desktop_for(app, vault_dir)
    qtbot.addWidget(desktop.unlock)
    try:
        assert isinstance(desktop.collector, SessionCollector)
    finally:
        desktop.close_vault()
        app.removeEventFilter(desktop.idle)


def test_idle_locks_by_itself(qtbot: QtBot, vault: Vault, vault_dir: Path) -> None:
    with unlocked(qtbot, vault, vault_dir) as desktop:
        desktop.idle.set_timeout(150)  # minutes in real use; milliseconds here
        desktop.idle.start()
        qtbot.waitUntil(lambda: desktop.vault is None, timeout=3000)
        assert desktop.unlock.isVisible()


def test_a_wrong_passphrase_is_shown_in_words_and_the_form_comes_back(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    vault.close()
    with running(qtbot, vault_dir) as desktop:
        qtbot.keyClicks(desktop.unlock.passphrase, "not the passphrase")
        qtbot.keyClick(desktop.unlock.passphrase, Qt.Key.Key_Return)
        assert not desktop.unlock.passphrase.isEnabled()  # busy while the key is derived
        qtbot.waitUntil(lambda: desktop.unlock.passphrase.isEnabled(), timeout=5000)
        assert desktop.unlock.message.text() == "That passphrase does not open this vault."
        assert desktop.vault is None
        assert desktop.window is None


def test_unlocking_returns_to_the_same_case_tab_note_and_cursor(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    from hubdesk.views.note_editor import DraftNoteEditor
    from hubdesk.views.notes_tab import NotesTab

    services.cases.add(given_name="Aled", family_name="Price")
    pid = services.cases.add(given_name="Seren", family_name="Lloyd")
    with unlocked(qtbot, vault, vault_dir) as desktop:
        words = "Seren talked about the weekend at her nan's."
        editor = new_note_typed(qtbot, desktop, pid, words)
        cursor = editor.narrative.textCursor()
        cursor.setPosition(5)
        editor.narrative.setTextCursor(cursor)
        editor.narrative.setFocus()

        desktop.lock()  # what Ctrl+L and the idle timer do
        assert desktop.vault is None
        assert "talked" not in repr(desktop.saved_view)  # the place, never the text
        unlock(qtbot, desktop)

        window = desktop.window
        assert window is not None
        assert window.case_view.young_person_id == pid
        assert window.caseload.chosen_id == pid
        notes = window.case_view.tab_of(NotesTab)
        assert window.case_view.tabs.currentWidget() is notes
        assert isinstance(notes, NotesTab)
        editor = notes.pane
        assert isinstance(editor, DraftNoteEditor)
        assert editor.narrative.toPlainText() == "Seren talked about the weekend at her nan's."
        assert editor.narrative.textCursor().position() == 5


def test_the_window_size_is_kept_across_a_lock_and_a_restart(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    from hubdesk.settings import load_settings

    with unlocked(qtbot, vault, vault_dir) as desktop:
        assert desktop.window is not None
        desktop.window.resize(900, 555)  # the offscreen screen is 800x600: height is what fits
        desktop.lock()
        assert load_settings()[0].window_geometry  # written to the settings file
        unlock(qtbot, desktop)
        assert desktop.window is not None
        assert desktop.window.size().height() == 555
    with running(qtbot, vault_dir, load_settings()[0]) as restarted:
        unlock(qtbot, restarted)
        assert restarted.window is not None
        assert restarted.window.size().height() == 555


def test_closing_the_window_straight_after_typing_keeps_the_text(
    qtbot: QtBot, services: Services
) -> None:
    from hubdesk.views.case_tab import Deps
    from hubdesk.views.main_window import MainWindow
    from hubdesk.views.note_editor import DraftNoteEditor
    from hubdesk.views.notes_tab import NotesTab
    from hubdesk.views.tasks import Tasks

    pid = services.cases.add(given_name="Seren", family_name="Lloyd")
    window = MainWindow(Deps(services, Tasks(), Settings()), "Test Practitioner")
    window.show()
    window.case_view.show_case(pid)
    notes = window.case_view.tab_of(NotesTab)
    assert isinstance(notes, NotesTab)
    window.case_view.tabs.setCurrentWidget(notes)
    notes.new_note()
    assert isinstance(notes.pane, DraftNoteEditor)
    qtbot.keyClicks(notes.pane.narrative, "Closed the lid straight after typing this.")
    window.close()  # well inside the autosave's quiet time
    assert [n.narrative for n in services.cases.case_file(pid).notes] == [
        "Closed the lid straight after typing this."
    ]


def test_ctrl_l_works_from_a_dialog_and_a_lock_during_settings_is_clean(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    from hubdesk.views.qt import QTimer
    from tests.views.a11y import activate

    with unlocked(qtbot, vault, vault_dir) as desktop:
        assert desktop.window is not None
        desktop.window.caseload.new_young_person()
        dialog = desktop.window.caseload.new_case_dialog
        assert dialog is not None
        activate(qtbot, dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert desktop.vault is None
        assert desktop.unlock.isVisible()

        unlock(qtbot, desktop)
        QTimer.singleShot(200, desktop.lock)  # the idle lock, while Settings is open (modal)
        desktop.edit_settings()
        assert desktop.window is None
        assert desktop.vault is None


def test_a_locking_session_locks_hubdesk_and_a_second_lock_changes_nothing(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    with unlocked(qtbot, vault, vault_dir) as desktop:
        desktop.session.session_locked.emit()  # what the screen saver or logind announce
        assert desktop.vault is None
        assert desktop.window is None
        desktop.session.session_locked.emit()  # already locked: the unlock form is left alone
        assert "locked" in desktop.unlock.message.text()


def test_text_in_an_open_dialog_comes_back_after_a_lock(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    from hubdesk.views.context_link_dialog import LinkContextDialog
    from hubdesk.views.contexts_tab import ContextsTab

    pid = services.cases.add(given_name="Seren", family_name="Lloyd")
    with unlocked(qtbot, vault, vault_dir) as desktop:
        contexts = open_tab(desktop, pid, ContextsTab)
        contexts.link_context()
        dialog = contexts.dialog
        assert isinstance(dialog, LinkContextDialog)
        qtbot.keyClicks(dialog.why, "Seen there twice after school with older boys.")
        desktop.lock()
        unlock(qtbot, desktop)
        window = desktop.window
        assert window is not None
        contexts = window.case_view.tab_of(ContextsTab)
        assert isinstance(contexts, ContextsTab)
        assert window.case_view.tabs.currentWidget() is contexts
        contexts.link_context()
        again = contexts.dialog
        assert isinstance(again, LinkContextDialog)
        assert again.why.toPlainText() == "Seen there twice after school with older boys."
        assert "Brought back" in again.brought_back.text()
        again.reject()


def test_copied_case_text_is_warned_about_and_cleared_by_the_lock(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    from hubdesk.views.main_window import COPIED
    from tests.views.a11y import activate

    with unlocked(qtbot, vault, vault_dir) as desktop:
        window = desktop.window
        assert window is not None
        activate(qtbot, window)
        clipboard = QApplication.clipboard()
        clipboard.setText("Seren said the older boys wait by the underpass.")
        qtbot.waitUntil(lambda: window.saved.text() == COPIED, timeout=3000)
        desktop.lock()
        assert clipboard.text() == ""


@pytest.mark.parametrize("ending", ["revoked", "quit"])
def test_a_save_finishing_as_the_vault_closes_is_answered_while_the_vault_is_open(
    qtbot: QtBot, vault: Vault, vault_dir: Path, ending: str
) -> None:
    """A save's answer (a screen reading what was saved, say) reaches the UI thread through
    the event loop; one still on its way when the vault closes must arrive before the close,
    not after it, against a vault no longer there."""
    with unlocked(qtbot, vault, vault_dir) as desktop:
        release = threading.Event()
        answers: list[tuple[object, bool]] = []

        def save() -> str:
            release.wait(10)
            return "saved"

        def answered(value: object) -> None:
            answers.append((value, desktop.vault is not None and desktop.vault.is_open))

        desktop.tasks.write(save, answered, answered)
        threading.Timer(0.2, release.set).start()  # done while the close waits for it
        if ending == "revoked":
            desktop.revoked()
        else:
            desktop.close_vault()
        assert answers == [("saved", True)]
        if desktop.notice is not None:
            desktop.notice.close()


def test_a_revocation_told_while_locking_waits_for_the_lock_then_wipes(
    qtbot: QtBot, vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locking saves first, and a save may let the event loop in (a dialog's flush), and with
    it the sync's news that the hub revoked this laptop: the lock finishes, then the vault is
    wiped and said so; the unlock screen is not left asking for a vault that is gone."""
    with unlocked(qtbot, vault, vault_dir) as desktop:
        window = desktop.window
        assert window is not None
        flush = window.flush

        def flush_then_told() -> bool:
            saved = flush()
            desktop.revoked()  # as the sync worker's signal would, let in by the save
            return saved

        monkeypatch.setattr(window, "flush", flush_then_told)
        desktop.lock()
        assert desktop.vault is None
        qtbot.waitUntil(lambda: desktop.notice is not None, timeout=3000)
        assert not Vault.exists(vault_dir)
        assert not desktop.unlock.isVisible()
        assert desktop.notice is not None
        desktop.notice.close()


def test_a_lock_queued_while_a_note_is_saved_runs_after_the_save_not_inside_it(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    """Saving now (a screen's flush: switching case, closing) waits for the save and takes
    its answer, and nothing else: a lock already waiting (the session locking, the idle
    timer) runs once the flush has returned, never in the middle of it."""
    pid = services.cases.add(given_name="Seren", family_name="Lloyd")
    with unlocked(qtbot, vault, vault_dir) as desktop:
        new_note_typed(qtbot, desktop, pid, "Typed just before the laptop's lid closed.")
        QTimer.singleShot(0, desktop.lock)  # waiting in the event loop
        window = desktop.window
        assert window is not None
        assert window.flush()
        assert desktop.vault is not None  # the save's answer came; the lock has not run
        qtbot.waitUntil(lambda: desktop.vault is None, timeout=3000)
    with Vault.open(vault_dir, passphrase()) as again:
        [note] = Services(again).cases.case_file(pid).notes
        assert note.narrative == "Typed just before the laptop's lid closed."


def test_a_save_started_by_the_answer_of_another_is_done_and_answered_before_the_close(
    qtbot: QtBot, vault: Vault, vault_dir: Path
) -> None:
    with unlocked(qtbot, vault, vault_dir) as desktop:
        seen: list[object] = []

        def second() -> bool:
            time.sleep(0.2)  # still running when the first's answer has been given
            return desktop.vault is not None and desktop.vault.is_open

        def first_answered(value: object) -> None:
            seen.append(value)
            desktop.tasks.write(second, seen.append, seen.append)  # as an autosave may

        desktop.tasks.write(lambda: "first", first_answered, first_answered)
        desktop.close_vault()
        assert seen == ["first", True]  # the second ran on the open vault, and was answered
