"""The main window: the caseload on the left, the chosen young person's case on the right,
and a status bar for who is signed in, what was last saved and the hub connection (sync is
wired in by ``views/sync_controls.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.case_view import CaseView
from hubdesk.views.caseload_pane import CaseloadPane
from hubdesk.views.contexts_tab import ContextsTab
from hubdesk.views.history_tabs import MissingTab, TimelineTab
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.overview_tab import OverviewTab
from hubdesk.views.plan_tab import PlanTab
from hubdesk.views.qt import (
    QAction,
    QApplication,
    QCloseEvent,
    QDialog,
    QKeySequence,
    QLabel,
    QMainWindow,
    QSplitter,
    Qt,
    Signal,
)
from hubdesk.views.screenings_tab import ScreeningsTab
from hubdesk.views.sync_controls import SyncControls
from hubdesk.views.widgets import named

if TYPE_CHECKING:
    from hubdesk.views.context_plan_dialog import ContextPlanDialog

COPIED = (
    "Copied. Any program can read the clipboard: paste it only into secure records. "
    "HubDesk clears it when it locks."
)

#: The case view's tabs, in the order a practitioner reads a case.
CASE_TABS: Sequence[type[CaseTab]] = (
    OverviewTab,
    ScreeningsTab,
    PlanTab,
    NotesTab,
    ContextsTab,
    MissingTab,
    TimelineTab,
)


class MainWindow(QMainWindow):
    lock_requested = Signal()
    settings_requested = Signal()
    #: Emitted as the window closes (after saving), so its size and place can be kept.
    closing = Signal()

    def __init__(self, deps: Deps, practitioner: str) -> None:
        super().__init__()
        self.deps = deps
        self.setWindowTitle("HubDesk")
        self.caseload = CaseloadPane(deps)
        self.case_view = CaseView(deps, CASE_TABS)
        self.splitter = named(QSplitter(Qt.Orientation.Horizontal), "Caseload and case")
        self.splitter.addWidget(self.caseload)
        self.splitter.addWidget(self.case_view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.caseload.case_chosen.connect(self.case_view.show_case)
        self.caseload.open_requested.connect(self._focus_case)
        self.case_view.case_changed.connect(self._case_changed)
        self.case_view.status.connect(self.show_status)
        self.context_plans: list[ContextPlanDialog] = []
        contexts = self.case_view.tab_of(ContextsTab)
        assert isinstance(contexts, ContextsTab)
        contexts.plan_requested.connect(self._open_context_plan)
        self._menus()
        #: The text last copied from HubDesk, cleared from the clipboard at a lock.
        self.copied = ""
        QApplication.clipboard().dataChanged.connect(self._copied)
        self.saved = QLabel("")
        #: Sync with the hub: the Hub menu, the worker and the status bar's corner.
        self.sync = SyncControls(self, deps)
        self.hub = self.sync.status
        self.statusBar().addWidget(QLabel(f"Signed in as {practitioner}"))
        self.statusBar().addWidget(self.saved, 1)
        self.statusBar().addPermanentWidget(self.hub)
        self.resize(1200, 760)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.caseload.new_action)
        new_note = QAction("New &contact note", self)
        new_note.setShortcut(QKeySequence("Ctrl+Shift+N"))
        new_note.triggered.connect(self._new_note)
        file_menu.addAction(new_note)
        file_menu.addSeparator()
        settings = QAction("&Settings…", self)
        settings.triggered.connect(self.settings_requested)
        file_menu.addAction(settings)
        lock = QAction("&Lock HubDesk", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.setStatusTip("Save, close the vault now; the passphrase opens it again")
        lock.triggered.connect(self.lock_requested)
        file_menu.addAction(lock)
        self.menuBar().addMenu("&Edit").addAction(self.caseload.find_action)
        for action in (new_note, lock):
            self.addAction(action)

    def _new_note(self) -> None:
        if self.case_view.case is None:
            self.show_status("Choose a young person first, then start a contact note.")
            return
        notes = self.case_view.tab_of(NotesTab)
        self.case_view.tabs.setCurrentWidget(notes)
        assert isinstance(notes, NotesTab)
        notes.new_note()

    def _open_context_plan(self, context_id: str) -> None:
        from hubdesk.views.context_plan_dialog import open_context_plan

        dialog = open_context_plan(self.deps, context_id, self)
        self.context_plans.append(dialog)
        dialog.finished.connect(lambda _: self.context_plans.remove(dialog))

    def _focus_case(self, young_person_id: str) -> None:
        if self.case_view.show_case(young_person_id):
            self.case_view.tabs.currentWidget().setFocus()

    def _case_changed(self, young_person_id: str) -> None:
        self.caseload.reload()
        self.caseload.select_case(young_person_id)

    def _copied(self) -> None:
        """Case text on the clipboard can be pasted into any program: say so when it came
        from HubDesk — the clipboard changed while a HubDesk window was the active one (not
        every platform says who owns the clipboard) — and remember it for the lock to clear."""
        text = QApplication.clipboard().text()
        if text and QApplication.activeWindow() is not None:
            self.copied = text
            self.show_status(COPIED)

    def clear_copied(self) -> None:
        """Clear the clipboard if it still holds what was copied from HubDesk."""
        clipboard = QApplication.clipboard()
        if self.copied and clipboard.text() == self.copied:
            clipboard.clear()
        self.copied = ""

    def show_status(self, text: str) -> None:
        self.saved.setText(text)

    # -- saving, locking, returning ------------------------------------------------------
    def flush(self) -> bool:
        """Save everything typed (open contextual plans too); True when it is all saved."""
        return all([self.case_view.flush(), *(d.flush() for d in self.context_plans)])

    def apply_settings(self) -> None:
        self.case_view.apply_settings()
        for dialog in self.context_plans:
            dialog.settings_changed()

    def close_dialogs(self) -> None:
        """Before a lock: dialogs keep what was typed in them as drafts (or are simply
        cancelled when they hold nothing typed); contextual plan windows are saved by
        :meth:`flush` and go with the window."""
        for dialog in self.findChildren(QDialog):
            if not dialog.isVisible() or dialog in self.context_plans:
                continue
            keep = getattr(dialog, "keep_and_close", None)
            if callable(keep):
                keep()
            else:
                dialog.reject()

    def view_state(self) -> ViewState:
        return {"case_view": self.case_view.view_state(), "splitter": self.splitter.sizes()}

    def restore_view_state(self, state: ViewState) -> None:
        case_state = state.get("case_view") or {}
        if case_state:
            self.caseload.select_case(case_state["case"])
            self.case_view.restore_view_state(case_state)
        if state.get("splitter"):
            self.splitter.setSizes(state["splitter"])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        self.closing.emit()
        super().closeEvent(event)
