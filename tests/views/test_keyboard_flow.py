"""A practitioner's first day, from the keyboard: create the vault, add a young person, write
and finalise a contact note, correct it with an addendum, draft My Safety Plan with them and
send it for approval. Everything lands in the vault."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.app import Desktop
from hubdesk.models.notes import NoteStatus
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.settings import Settings
from hubdesk.timeutil import format_date, local_today, utcnow
from hubdesk.views.main_window import MainWindow
from hubdesk.views.note_editor import DraftNoteEditor, FinalisedNoteView
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.plan_tab import PlanTab
from hubdesk.views.qt import QApplication, Qt
from tests.conftest import PASSPHRASE
from tests.views.a11y import activate
from tests.views.desktop import ALT, CTRL, focused, key, type_in


@pytest.mark.slow
def test_first_day_from_the_keyboard(qtbot: QtBot, tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = Desktop(app, vault_dir, Settings())
    desktop.start()
    try:
        screen = desktop.create
        assert screen is not None
        activate(qtbot, screen)
        screen.name.setFocus()
        type_in(qtbot, "Alex Morgan")
        key(qtbot, Qt.Key.Key_Tab)
        type_in(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Tab)
        type_in(qtbot, PASSPHRASE)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: desktop.window is not None, timeout=20_000)
        window = desktop.window
        assert isinstance(window, MainWindow)
        activate(qtbot, window)

        # A young person (Ctrl+N, the dialog's fields in order, Enter).
        key(qtbot, Qt.Key.Key_N, CTRL)
        qtbot.waitUntil(lambda: window.caseload.new_case_dialog is not None, timeout=3000)
        dialog = window.caseload.new_case_dialog
        assert dialog is not None
        activate(qtbot, dialog)
        type_in(qtbot, "Cai")
        key(qtbot, Qt.Key.Key_Tab)
        type_in(qtbot, "Lewis")
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.case_view.young_person_id is not None, timeout=5000)
        pid = window.case_view.young_person_id
        activate(qtbot, window)

        # A contact note (Ctrl+Shift+N), then Alt+H for "What happened".
        key(qtbot, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
        notes = window.case_view.tab_of(NotesTab)
        assert isinstance(notes, NotesTab)
        assert isinstance(notes.pane, DraftNoteEditor)
        key(qtbot, Qt.Key.Key_H, ALT)
        type_in(qtbot, "Home visit. Cai said the older boys have stopped messaging.")
        editor = notes.pane
        key(qtbot, Qt.Key.Key_I, ALT)  # Finalise…: asks first
        qtbot.waitUntil(lambda: editor.confirm_box is not None, timeout=3000)
        assert editor.confirm_box is not None
        qtbot.waitExposed(editor.confirm_box)
        qtbot.keyClick(editor.confirm_box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(notes.pane, FinalisedNoteView), timeout=5000)

        # An addendum under it (Alt+U to write, Alt+M to add).
        activate(qtbot, window)
        key(qtbot, Qt.Key.Key_U, ALT)
        type_in(qtbot, "Correction: the visit was at his nan's flat.")
        key(qtbot, Qt.Key.Key_M, ALT)

        services = window.deps.services
        qtbot.waitUntil(
            lambda: [len(n.addenda) for n in services.cases.case_file(pid).notes] == [1],
            timeout=5000,
        )
        note = services.cases.case_file(pid).notes[0]
        assert note.status is NoteStatus.FINALISED
        assert note.narrative == "Home visit. Cai said the older boys have stopped messaging."

        # My Safety Plan: Ctrl+3, start it, the young person's words, an action, a review date.
        activate(qtbot, window)
        key(qtbot, Qt.Key.Key_3, CTRL)
        plans = window.case_view.tab_of(PlanTab)
        assert window.case_view.tabs.currentWidget() is plans
        assert isinstance(plans, PlanTab)
        key(qtbot, Qt.Key.Key_Y, ALT)  # Start My Safet&y Plan
        qtbot.waitUntil(lambda: plans.editor.plan_id is not None, timeout=5000)
        plans.editor.form.texts["what_i_want"].setFocus()
        type_in(qtbot, "To feel safe walking home from school.")
        key(qtbot, Qt.Key.Key_A, ALT)  # Add an action: the cursor goes to its first field
        qtbot.waitUntil(
            lambda: focused().accessibleName() == "Action 1: what will happen", timeout=3000
        )
        type_in(qtbot, "Walk home with Cai on Tuesdays")
        key(qtbot, Qt.Key.Key_Tab)
        type_in(qtbot, "Youth worker")
        plans.editor.form.review_date.setFocus()
        review = local_today(utcnow()) + timedelta(days=28)
        type_in(qtbot, format_date(review))
        key(qtbot, Qt.Key.Key_U, ALT)  # Submit for approval
        qtbot.waitUntil(
            lambda: (
                services.cases.case_file(pid).plans[0].versions[-1].status
                is PlanVersionStatus.SUBMITTED
            ),
            timeout=5000,
        )
        # The editor's own answer (read back from the vault) arrives after the write, on the
        # UI thread: the vault is closed below only once it has, as a person would see it.
        qtbot.waitUntil(
            lambda: plans.editor.submit_message.text() == "Sent for a team lead's decision.",
            timeout=5000,
        )
        version = services.cases.case_file(pid).plans[0].versions[-1]
        assert version.content["what_i_want"] == "To feel safe walking home from school."
        assert [(a.what, a.owner) for a in version.actions if a.deleted_at is None] == [
            ("Walk home with Cai on Tuesdays", "Youth worker")
        ]
        assert version.review_date == review
        assert services.verify_audit().ok
    finally:
        desktop.close_vault()
        app.removeEventFilter(desktop.idle)
