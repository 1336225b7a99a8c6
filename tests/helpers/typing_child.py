"""Child process for the desktop kill -9 test (tests/views/test_drafts_survive_a_crash.py).

    python typing_child.py VAULT_FOLDER YOUNG_PERSON_ID

The passphrase comes from HUBDESK_PASSPHRASE, HUBDESK_HOME from the environment. Opens the
real main window offscreen on the young person, starts a contact note from the window's menu
action, types the narrative key by key, then — without saving, closing or flushing anything —
waits until the autosave has reached the vault, prints ``autosaved <ms after the last key>``
and kills itself with SIGKILL, so no clean-up of any kind runs.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.store.vault import Vault
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.note_editor import DraftNoteEditor
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.qt import QApplication
from hubdesk.views.tasks import Tasks

NARRATIVE = "Visited at home; Cai said the older boys at the park have stopped messaging."


def main() -> None:
    folder, young_person_id = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(["typing-child"])
    vault = Vault.open(folder, bytearray(os.environ["HUBDESK_PASSPHRASE"].encode()))
    window = MainWindow(Deps(Services(vault), Tasks(), Settings()), vault.practitioner)
    window.show()
    window.caseload.select_case(young_person_id)
    window.case_view.show_case(young_person_id)
    new_note = next(a for a in window.actions() if a.text() == "New &contact note")
    new_note.trigger()
    notes = window.case_view.tab_of(NotesTab)
    assert isinstance(notes, NotesTab)
    editor = notes.pane
    assert isinstance(editor, DraftNoteEditor)
    QTest.keyClicks(editor.narrative, NARRATIVE)
    last_key = time.perf_counter()
    while editor.autosave.pending:
        app.processEvents()
        time.sleep(0.005)
    elapsed = (time.perf_counter() - last_key) * 1000
    print(f"autosaved {elapsed:.0f}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
