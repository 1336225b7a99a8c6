"""The Contact notes tab: the young person's notes, newest first, and the note that is open.

A draft opens in an autosaving editor; a finalised note opens read-only with its addenda under
it (see :mod:`hubdesk.views.note_editor`). Moving to another note, or another young person,
saves what was typed first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hubdesk.models import ContactNote
from hubdesk.models.notes import NoteStatus
from hubdesk.services.cases import CaseFile
from hubdesk.timeutil import format_datetime, words
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.note_editor import DraftNoteEditor, FinalisedNoteView, NotePane
from hubdesk.views.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QShortcut,
    QSplitter,
    QStackedWidget,
    Qt,
    QTableView,
    QVBoxLayout,
)
from hubdesk.views.table_model import RecordTableModel
from hubdesk.views.widgets import named

ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Date and time", "Type", "Status", "Addenda", "Author")
NEW_NOTE_KEYS = "Ctrl+Shift+N"


def _addenda(count: int) -> str:
    return "none" if count == 0 else str(count)


class NotesTableModel(RecordTableModel[ContactNote]):
    """One row per contact note, newest contact first."""

    columns = COLUMNS

    def ordered(self, records: Iterable[ContactNote]) -> list[ContactNote]:
        return sorted(records, key=lambda n: (n.occurred_at, n.created_at), reverse=True)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        note = self.record_at(index.row())
        if role == ID_ROLE:
            return note.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                format_datetime(note.occurred_at),
                words(note.kind),
                "Finalised" if note.status is NoteStatus.FINALISED else "Draft",
                _addenda(len(note.addenda)),
                note.author,
            )[index.column()]
        return None


class NotesTab(CaseTab):
    title = "Contact notes"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._case: CaseFile | None = None
        self._pane: NotePane | None = None
        self._selecting = False  # True while the list is set from code, not by the user

        self.new_button = named(
            QPushButton("New cont&act note"),
            "New contact note",
            f"Start a new contact note ({NEW_NOTE_KEYS})",
        )
        self.summary = QLabel()
        self.model = NotesTableModel()
        self.table = named(QTableView(), "Contact notes", "Newest first; choose one to open it")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setAccessibleName("Contact note columns")
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        rows = self.table.verticalHeader().defaultSectionSize()
        self.table.setMinimumHeight(rows * 4 + header.sizeHint().height() + 4)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.addWidget(self.new_button)
        top.addWidget(self.summary, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        # The note being read or written gets most of the room from the start (stretch factors
        # only share out what is left over after the list's own size).
        splitter.setSizes([1000, 3000])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.new_button.clicked.connect(self.new_note)
        shortcut = QShortcut(QKeySequence(NEW_NOTE_KEYS), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.new_note)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self._show_empty()

    @property
    def pane(self) -> NotePane | None:
        """The note that is open (a draft editor or a finalised note), if any."""
        return self._pane

    # -- the CaseTab promises -------------------------------------------------------------------
    def show_case(self, case: CaseFile) -> None:
        same_person = self._case is not None and self._case.young_person.id == case.young_person.id
        if not same_person:
            self._close_pane()
        self._case = case
        self._refresh_list()
        if same_person and self._pane is not None:
            self._keep_pane()
        else:
            self._open_row(0 if self.model.rowCount() else None)

    def flush(self) -> bool:
        return self._pane.flush() if self._pane is not None else True

    def view_state(self) -> ViewState:
        if self._pane is None:
            return {}
        field, cursor = self._pane.focused_field()
        return {
            "note_id": self._pane.note_id,
            "new_note": isinstance(self._pane, DraftNoteEditor) and self._pane.note_id is None,
            "focus": field,
            "cursor": cursor,
        }

    def restore_view_state(self, state: ViewState) -> None:
        if self._case is None or not state:
            return
        note_id = state.get("note_id")
        if note_id is not None and self.model.row_of(note_id) is not None:
            self._open_note(self._note(note_id))
        elif state.get("new_note"):
            self.new_note()
        if self._pane is not None:
            self._pane.focus_field(state.get("focus"), state.get("cursor"))

    # -- opening notes ----------------------------------------------------------------------------
    def new_note(self) -> None:
        if self._case is None or not self._leave_pane():
            return
        editor = DraftNoteEditor(self.deps, self._case.young_person.id, None)
        self._set_pane(editor)
        editor.kind.setFocus()

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        note = self.model.record_at(current.row())
        if self._pane is not None and self._pane.note_id == note.id:
            return
        if not self._leave_pane():
            self._select(self._pane.note_id if self._pane else None)
            return
        self._open_note(note)

    def _open_row(self, row: int | None) -> None:
        if row is None:
            self._close_pane()
            self._show_empty()
            return
        self._open_note(self.model.record_at(row))

    def _open_note(self, note: ContactNote) -> None:
        if self._case is None:
            return
        pane: NotePane
        if note.status is NoteStatus.FINALISED:
            pane = FinalisedNoteView(self.deps, note)
        else:
            pane = DraftNoteEditor(self.deps, self._case.young_person.id, note)
        self._set_pane(pane)

    def _leave_pane(self) -> bool:
        """Save the open note before another replaces it; False (and why) if it cannot be."""
        if self._pane is None or self._pane.flush():
            self._close_pane()
            return True
        self.status.emit("The open note could not be saved yet, so it stays open.")
        return False

    def _set_pane(self, pane: NotePane) -> None:
        self._close_pane()
        self._pane = pane
        pane.status.connect(self.status)
        pane.list_changed.connect(self._reload)
        pane.record_changed.connect(self._reload_and_tell)
        if isinstance(pane, DraftNoteEditor):
            pane.finalised.connect(self._note_finalised)
        self.stack.addWidget(pane)
        self.stack.setCurrentWidget(pane)
        self._select(pane.note_id)

    def _close_pane(self) -> None:
        if self._pane is None:
            return
        pane, self._pane = self._pane, None
        pane.flush()
        self.stack.removeWidget(pane)
        pane.deleteLater()

    def _keep_pane(self) -> None:
        """After a reload: leave an editor being typed in alone; follow what changed."""
        assert self._pane is not None
        note_id = self._pane.note_id
        if note_id is None:  # a new note nothing has been typed into yet
            return
        if self.model.row_of(note_id) is None:
            self._close_pane()
            self._show_empty()
            return
        note = self._note(note_id)
        if isinstance(self._pane, DraftNoteEditor) and note.status is NoteStatus.FINALISED:
            self._open_note(note)
        else:
            self._pane.show_note(note)
            self._select(note_id)

    # -- after writes ----------------------------------------------------------------------------
    def _reload(self) -> None:
        if self._case is None:
            return
        self._case = self.deps.services.cases.case_file(self._case.young_person.id)
        self._refresh_list()
        if self._pane is not None:
            self._keep_pane()

    def _reload_and_tell(self) -> None:
        self._reload()
        self.record_changed.emit()

    def _note_finalised(self, _note_id: str) -> None:
        self._reload_and_tell()
        if self._pane is not None:
            self._pane.focus_field("body", None)

    # -- helpers ---------------------------------------------------------------------------------
    def _note(self, note_id: str) -> ContactNote:
        row = self.model.row_of(note_id)
        assert row is not None
        return self.model.record_at(row)

    def _refresh_list(self) -> None:
        assert self._case is not None
        notes = self._case.notes
        self._selecting = True
        try:
            self.model.set_records(notes)
        finally:
            self._selecting = False
        drafts = sum(n.status is NoteStatus.DRAFT for n in notes)
        count = f"{len(notes)} note{'s' if len(notes) != 1 else ''}"
        self.summary.setText(f"{count}, {drafts} draft{'s' if drafts != 1 else ''}")
        self._select(self._pane.note_id if self._pane else None)

    def _select(self, note_id: str | None) -> None:
        row = self.model.row_of(note_id)
        self._selecting = True
        try:
            if row is None:
                self.table.clearSelection()
                self.table.setCurrentIndex(QModelIndex())
            else:
                self.table.selectRow(row)
        finally:
            self._selecting = False

    def _show_empty(self) -> None:
        self.empty.setText(
            f"No contact notes yet. Press New contact note ({NEW_NOTE_KEYS}) to write one."
            if self.model.rowCount() == 0
            else "Choose a note in the list to read it."
        )
        self.stack.setCurrentWidget(self.empty)


__all__ = ["NEW_NOTE_KEYS", "NotesTab", "NotesTableModel"]
