"""The Contact notes tab, driven from the keyboard: a new note autosaves into exactly one record,
a future date is refused in words without holding back the narrative, finalising asks first
and freezes the note, an addendum is kept as a draft while typed and added under the note."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.models import ContactNote
from hubdesk.models.notes import NoteStatus
from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.store.vault import Vault
from hubdesk.views.case_tab import Deps
from hubdesk.views.note_editor import DraftNoteEditor, FinalisedNoteView
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.qt import QMessageBox, Qt, QWidget
from hubdesk.views.tasks import Tasks
from tests.views.a11y import activate, unnamed_controls

#: The services' clock (14/03/2025 10:30 in London, GMT): "now" for dates in the future.
NOW = datetime(2025, 3, 14, 10, 30, tzinfo=UTC)
ALT = Qt.KeyboardModifier.AltModifier
NARRATIVE = "Met Maisie at her aunt's flat."


@pytest.fixture
def fixed(vault: Vault) -> Services:
    return Services(vault, clock=lambda: NOW)


@pytest.fixture
def deps(fixed: Services) -> Iterator[Deps]:
    tasks = Tasks()
    yield Deps(fixed, tasks, Settings())
    tasks.wait_idle()


@pytest.fixture
def pid(fixed: Services) -> str:
    return fixed.cases.add(given_name="Maisie", family_name="Okonkwo-Reid")


def open_tab(qtbot: QtBot, deps: Deps, pid: str) -> NotesTab:
    tab = NotesTab(deps)
    qtbot.addWidget(tab, before_close_func=lambda _: tab.flush())  # no write left in flight
    tab.resize(900, 640)
    tab.show_case(deps.services.cases.case_file(pid))
    tab.show()
    activate(qtbot, tab)
    return tab


def notes(services: Services, pid: str) -> list[ContactNote]:
    return services.cases.case_file(pid).notes


def finalised_note(services: Services, pid: str) -> str:
    earlier = datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
    note_id = services.notes.add(pid, kind="phone", occurred_at=earlier, narrative=NARRATIVE)
    services.notes.finalise(note_id)
    return note_id


def alt(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key, ALT)


def draft_editor(tab: NotesTab) -> DraftNoteEditor:
    assert isinstance(tab.pane, DraftNoteEditor)
    return tab.pane


def finalised_view(tab: NotesTab) -> FinalisedNoteView:
    assert isinstance(tab.pane, FinalisedNoteView)
    return tab.pane


def new_note(qtbot: QtBot, tab: NotesTab) -> DraftNoteEditor:
    qtbot.keyClick(
        tab.table,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    editor = draft_editor(tab)
    assert editor.note_id is None
    return editor


def test_typing_creates_one_note_and_further_typing_edits_it(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    tab = open_tab(qtbot, deps, pid)
    editor = new_note(qtbot, tab)
    assert editor.kind.hasFocus()  # the first field
    qtbot.keyClick(editor.kind, Qt.Key.Key_Down)  # a choice alone is not a note yet
    assert editor.flush()
    assert notes(fixed, pid) == []

    alt(qtbot, editor, Qt.Key.Key_H)  # "What happened"
    assert editor.narrative.hasFocus()
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        qtbot.keyClicks(editor.narrative, "Met Maisie")
    qtbot.waitUntil(lambda: len(notes(fixed, pid)) == 1, timeout=3000)
    qtbot.keyClicks(editor.narrative, " at her aunt's flat.")
    qtbot.waitUntil(lambda: notes(fixed, pid)[0].narrative == NARRATIVE, timeout=3000)

    (note,) = notes(fixed, pid)
    assert note.kind.value == "phone"
    assert note.status is NoteStatus.DRAFT
    assert editor.note_id == note.id
    assert tab.model.rowCount() == 1


def test_a_future_date_is_refused_in_words_and_the_narrative_still_saves(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    tab = open_tab(qtbot, deps, pid)
    editor = new_note(qtbot, tab)
    alt(qtbot, editor, Qt.Key.Key_D)  # "Date and time": the day is the first section
    qtbot.keyClick(editor.occurred, Qt.Key.Key_Up)  # 15/03/2025: tomorrow
    assert "in the future" in editor.date_problem.text()
    assert "14/03/2025 10:30" in editor.date_problem.text()

    alt(qtbot, editor, Qt.Key.Key_H)
    qtbot.keyClicks(editor.narrative, NARRATIVE)
    qtbot.waitUntil(lambda: len(notes(fixed, pid)) == 1, timeout=3000)
    assert editor.flush()
    (note,) = notes(fixed, pid)
    assert (note.narrative, note.occurred_at) == (NARRATIVE, NOW)

    alt(qtbot, editor, Qt.Key.Key_D)
    qtbot.keyClick(editor.occurred, Qt.Key.Key_Down)
    qtbot.keyClick(editor.occurred, Qt.Key.Key_Down)  # 13/03/2025: the day before
    assert editor.date_problem.text() == ""
    qtbot.waitUntil(
        lambda: notes(fixed, pid)[0].occurred_at == datetime(2025, 3, 13, 10, 30, tzinfo=UTC),
        timeout=3000,
    )


def confirm_box(qtbot: QtBot, editor: DraftNoteEditor) -> QMessageBox:
    alt(qtbot, editor, Qt.Key.Key_I)  # "Finalise…" (a button's mnemonic clicks it shortly)
    qtbot.waitUntil(lambda: editor.confirm_box is not None, timeout=3000)
    box = editor.confirm_box
    assert box is not None
    qtbot.waitExposed(box)
    assert "cannot be changed" in box.text()
    return box


def test_finalising_asks_first_then_freezes_the_note(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    tab = open_tab(qtbot, deps, pid)
    editor = new_note(qtbot, tab)
    alt(qtbot, editor, Qt.Key.Key_H)
    qtbot.keyClicks(editor.narrative, "Met Maisie")

    qtbot.keyClick(confirm_box(qtbot, editor), Qt.Key.Key_Escape)  # keep editing
    assert tab.window().focusWidget() is editor.narrative  # back where the typing was
    assert all(n.status is NoteStatus.DRAFT for n in notes(fixed, pid))
    activate(qtbot, tab)  # the box has gone: the tab's window is active again
    qtbot.keyClicks(editor.narrative, " at her aunt's flat.")
    changes: list[object] = []
    tab.record_changed.connect(lambda: changes.append(tab.pane))
    qtbot.keyClick(confirm_box(qtbot, editor), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(tab.pane, FinalisedNoteView), timeout=3000)
    assert isinstance(changes[-1], FinalisedNoteView)  # told the other tabs once finalised

    (note,) = notes(fixed, pid)
    assert note.status is NoteStatus.FINALISED
    assert note.narrative == NARRATIVE  # the last words typed were saved before finalising
    view = finalised_view(tab)
    assert view.note_id == note.id
    assert view.finalised_label.text().startswith(
        "Finalised on 14/03/2025 10:30 by Test Practitioner."
    )
    assert view.body.isReadOnly()
    assert tab.model.index(0, 2).data() == "Finalised"


def test_the_addendum_being_written_is_kept_in_the_vault(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    note_id = finalised_note(fixed, pid)
    view = finalised_view(open_tab(qtbot, deps, pid))
    alt(qtbot, view, Qt.Key.Key_U)  # "Add an addendum"
    assert view.addendum.hasFocus()
    qtbot.keyClicks(view.addendum, "Her aunt's name is Precious")
    qtbot.waitUntil(
        lambda: fixed.drafts.load(f"addendum:{note_id}") == "Her aunt's name is Precious",
        timeout=3000,
    )

    again = finalised_view(open_tab(qtbot, deps, pid))
    assert again.addendum.toPlainText() == "Her aunt's name is Precious"
    assert notes(fixed, pid)[0].addenda == []


def test_adding_the_addendum_shows_it_under_the_note_and_clears_the_draft(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    note_id = finalised_note(fixed, pid)
    tab = open_tab(qtbot, deps, pid)
    view = finalised_view(tab)
    alt(qtbot, view, Qt.Key.Key_M)  # "Add addendum" with nothing written
    qtbot.waitUntil(lambda: view.message.text().startswith("Write the addendum first"))

    alt(qtbot, view, Qt.Key.Key_U)
    qtbot.keyClicks(view.addendum, "Her aunt's name is Precious, not Patience.")
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        alt(qtbot, view, Qt.Key.Key_M)

    (addendum,) = notes(fixed, pid)[0].addenda
    assert addendum.text == "Her aunt's name is Precious, not Patience."
    assert addendum.author == "Test Practitioner"
    assert fixed.drafts.load(f"addendum:{note_id}") == ""
    view = finalised_view(tab)
    assert view.addendum.toPlainText() == ""
    shown = view.body.toPlainText()
    assert shown.index(NARRATIVE) < shown.index("Addendum by Test Practitioner")
    assert shown.index("Addendum by") < shown.index("not Patience.")
    assert tab.model.index(0, 3).data() == "1"


def test_view_state_returns_to_the_field_and_cursor_without_text(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    tab = open_tab(qtbot, deps, pid)
    editor = new_note(qtbot, tab)
    alt(qtbot, editor, Qt.Key.Key_H)
    qtbot.keyClicks(editor.narrative, NARRATIVE)
    qtbot.keyClick(editor.narrative, Qt.Key.Key_Home)
    for _ in range(4):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Right)
    assert tab.flush()
    state = tab.view_state()
    assert state["focus"] == "narrative"
    assert state["cursor"] == 4
    assert "Maisie" not in repr(state)

    fresh = open_tab(qtbot, deps, pid)
    fresh.restore_view_state(state)
    editor = draft_editor(fresh)
    assert editor.note_id == notes(fixed, pid)[0].id
    assert editor.narrative.toPlainText() == NARRATIVE
    qtbot.waitUntil(editor.narrative.hasFocus, timeout=3000)
    assert editor.narrative.textCursor().position() == 4


def test_show_case_keeps_typing_and_another_note_saves_it_first(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    finalised_note(fixed, pid)
    tab = open_tab(qtbot, deps, pid)
    editor = new_note(qtbot, tab)
    alt(qtbot, editor, Qt.Key.Key_H)
    qtbot.keyClicks(editor.narrative, "Phoned the school")
    tab.show_case(fixed.cases.case_file(pid))  # another tab changed something
    assert tab.pane is editor
    assert editor.narrative.toPlainText() == "Phoned the school"

    qtbot.keyClicks(editor.narrative, " about Maisie.")
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_End)  # the oldest note: the finalised one
    assert isinstance(tab.pane, FinalisedNoteView)
    saved = [n.narrative for n in notes(fixed, pid) if n.status is NoteStatus.DRAFT]
    assert saved == ["Phoned the school about Maisie."]


def test_every_control_has_a_spoken_name(
    qtbot: QtBot, deps: Deps, fixed: Services, pid: str
) -> None:
    finalised_note(fixed, pid)
    tab = open_tab(qtbot, deps, pid)
    assert isinstance(tab.pane, FinalisedNoteView)
    assert unnamed_controls(tab) == []
    new_note(qtbot, tab)
    assert unnamed_controls(tab) == []
