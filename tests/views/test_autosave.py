"""Autosave: saves after a pause in typing, never creates a record twice, flush saves at once,
a refusal keeps the edit and says why."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from hubdesk.errors import DomainError
from hubdesk.services import Services
from hubdesk.views.autosave import DELAY_MS, Autosave, RecordId
from hubdesk.views.qt import QObject, is_alive
from hubdesk.views.tasks import Tasks


def test_typing_saves_after_a_pause_into_one_record(qtbot: QtBot, services: Services) -> None:
    person = services.cases.add(given_name="Nia", family_name="Evans")
    tasks = Tasks()
    note = RecordId()
    text = {"value": ""}

    def snapshot():  # type: ignore[no-untyped-def]
        narrative = text["value"]

        def write() -> str:
            if note.value is None:
                note.value = services.notes.add(
                    person,
                    kind="phone",
                    occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
                    narrative=narrative,
                )
            else:
                services.notes.edit_draft(note.value, narrative=narrative)
            return note.value

        return write

    autosave = Autosave(tasks, snapshot)
    statuses: list[str] = []
    autosave.status_changed.connect(statuses.append)
    for word in ("Nia ", "said ", "she ", "felt ", "safer."):
        text["value"] += word
        autosave.changed()
        qtbot.wait(DELAY_MS // 4)
    qtbot.waitUntil(lambda: not autosave.pending, timeout=3000)
    notes = services.cases.case_file(person).notes
    assert [n.narrative for n in notes] == ["Nia said she felt safer."]
    # Two quick saves in a row (the second snapshotted before the first's result arrives)
    # still edit the one note.
    text["value"] += " More."
    autosave.changed()
    assert autosave.flush()
    text["value"] += " Again."
    autosave.changed()
    assert autosave.flush()
    assert [n.narrative for n in services.cases.case_file(person).notes] == [
        "Nia said she felt safer. More. Again."
    ]
    assert statuses[-1].startswith("Saved at ")


def test_a_refused_save_says_why_and_stays_pending(qtbot: QtBot) -> None:
    tasks = Tasks()

    def snapshot():  # type: ignore[no-untyped-def]
        def write() -> None:
            raise DomainError("The review date is in the past; choose a date from today on.")

        return write

    autosave = Autosave(tasks, snapshot)
    with qtbot.waitSignal(autosave.status_changed, timeout=3000) as signal:
        autosave.changed()
    assert signal.args == [
        "Not saved yet: The review date is in the past; choose a date from today on."
    ]
    assert autosave.pending
    assert not autosave.flush()


def test_a_save_finishing_after_its_editor_closed_is_dropped_quietly(qtbot: QtBot) -> None:
    tasks = Tasks()
    editor = QObject()
    release = threading.Event()

    def snapshot():  # type: ignore[no-untyped-def]
        return lambda: release.wait(5)

    autosave = Autosave(tasks, snapshot, editor)
    autosave.changed()
    qtbot.waitUntil(lambda: autosave.pending and not autosave._timer.isActive(), timeout=3000)
    editor.deleteLater()
    qtbot.waitUntil(lambda: not is_alive(autosave), timeout=3000)
    release.set()
    assert tasks.wait_idle()
    qtbot.wait(50)  # the result is delivered to a deleted Autosave: nothing raises
