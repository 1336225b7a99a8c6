"""One contact note in the Contact notes tab: a draft being written, or a finalised note.

A draft autosaves (see :mod:`hubdesk.views.autosave`): nothing is created until something is
typed, the first save creates the note and later saves edit it. A finalised note is shown
read-only with its addenda under it; the addendum being written is kept in the vault as a
draft (:mod:`hubdesk.services.drafts`) until it is added, so a lock or a crash never loses it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from hubdesk.models import ContactNote
from hubdesk.models.notes import NoteKind
from hubdesk.timeutil import LONDON, format_datetime, words
from hubdesk.views.autosave import Autosave, RecordId
from hubdesk.views.case_tab import Deps
from hubdesk.views.qt import (
    QComboBox,
    QDate,
    QDateTime,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTextBrowser,
    QTime,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import buddy, message_label, name_inner_edit, named, problem_words

FINALISE_WARNING = (
    "Once finalised, this note cannot be changed; corrections are added as addenda underneath."
)


def to_qdatetime(value: datetime) -> QDateTime:
    """The wall-clock time in Europe/London, whatever the computer's own time zone."""
    local = value.astimezone(LONDON)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    day, time = value.date(), value.time()
    return datetime(day.year(), day.month(), day.day(), time.hour(), time.minute(), tzinfo=LONDON)


def _cursor_of(widget: QWidget) -> int | None:
    if isinstance(widget, QPlainTextEdit):
        return widget.textCursor().position()
    if isinstance(widget, QLineEdit):
        return widget.cursorPosition()
    return None


def _put_cursor(widget: QWidget, position: int | None) -> None:
    if position is None:
        return
    if isinstance(widget, QPlainTextEdit):
        cursor = widget.textCursor()
        cursor.setPosition(max(0, min(position, len(widget.toPlainText()))))
        widget.setTextCursor(cursor)
    elif isinstance(widget, QLineEdit):
        widget.setCursorPosition(position)


class NotePane(QWidget):
    """What the tab needs from whichever note is open."""

    #: A save changed what the note list shows (type, date, status, addenda).
    list_changed = Signal()
    #: Something was written that other tabs show too (a new note, an addendum).
    record_changed = Signal()
    #: Text for the window's status bar.
    status = Signal(str)

    def __init__(self, deps: Deps) -> None:
        super().__init__()
        self.deps = deps
        self.fields: dict[str, QWidget] = {}

    @property
    def note_id(self) -> str | None:
        raise NotImplementedError

    def flush(self) -> bool:
        raise NotImplementedError

    def show_note(self, note: ContactNote) -> None:
        """The note as now stored; never replaces text being typed."""
        del note

    def focused_field(self) -> tuple[str | None, int | None]:
        """Which field has focus and where its cursor is (never the text)."""
        focus = self.window().focusWidget()
        for name, widget in self.fields.items():
            if focus is not None and (focus is widget or widget.isAncestorOf(focus)):
                return name, _cursor_of(widget)
        return None, None

    def focus_field(self, name: str | None, cursor: int | None) -> None:
        widget = self.fields.get(name or "")
        if widget is None:
            return
        widget.setFocus()
        _put_cursor(widget, cursor)


class DraftNoteEditor(NotePane):
    """Writes a new note or edits a draft; autosaves; finalises after a confirmation."""

    #: The note was finalised: the tab shows it read-only.
    finalised = Signal(str)

    def __init__(self, deps: Deps, young_person_id: str, note: ContactNote | None) -> None:
        super().__init__(deps)
        self._pid = young_person_id
        self._clock = deps.services.notes.clock
        self.record = RecordId(note.id if note else None)
        self._created = note is not None
        now = self._clock().astimezone(LONDON).replace(second=0, microsecond=0)
        #: The date and time the note keeps while the field shows one that cannot be saved.
        self._kept_occurred = note.occurred_at if note else now
        self.confirm_box: QMessageBox | None = None

        self.heading = QLabel("<b>New contact note</b>" if note is None else "<b>Draft note</b>")
        self.kind = named(QComboBox(), "Type of contact")
        for kind in NoteKind:
            self.kind.addItem(words(kind), kind.value)
        self.occurred = named(
            QDateTimeEdit(), "Date and time of the contact", "DD/MM/YYYY HH:MM, 24-hour clock"
        )
        self.occurred.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.occurred.setCalendarPopup(True)
        name_inner_edit(self.occurred)
        self.date_problem = message_label("Problem with the date and time")
        self.present = named(QLineEdit(), "Who was present")
        self.present.setPlaceholderText("For example: young person and carer")
        self.narrative = named(QPlainTextEdit(), "What happened", "The contact note itself")
        self.narrative.setTabChangesFocus(True)
        self.save_status = message_label("Save status")
        self.finalise_button = named(
            QPushButton("F&inalise…"), "Finalise this note", FINALISE_WARNING
        )
        self.fields = {
            "kind": self.kind,
            "occurred": self.occurred,
            "present": self.present,
            "narrative": self.narrative,
        }
        if note is not None:
            self.kind.setCurrentIndex(self.kind.findData(note.kind.value))
            self.present.setText(note.present)
            self.narrative.setPlainText(note.narrative)
        self.occurred.setDateTime(to_qdatetime(self._kept_occurred))
        self._lay_out()

        self.autosave = Autosave(deps.tasks, self._snapshot, self)
        self.autosave.status_changed.connect(self._show_save_status)
        self.autosave.saved.connect(self._saved)
        self.kind.currentIndexChanged.connect(self.autosave.changed)
        self.occurred.dateTimeChanged.connect(self._date_changed)
        self.present.textEdited.connect(self.autosave.changed)
        self.narrative.textChanged.connect(self.autosave.changed)
        self.finalise_button.clicked.connect(self.ask_to_finalise)

    def _lay_out(self) -> None:
        kind = QHBoxLayout()
        kind.addWidget(self.kind)
        kind.addStretch(1)
        when = QHBoxLayout()
        when.addWidget(self.occurred)
        when.addWidget(self.date_problem, 1)
        form = QFormLayout()
        form.addRow(buddy("T&ype of contact", self.kind), kind)
        form.addRow(buddy("&Date and time", self.occurred), when)
        form.addRow(buddy("&Who was present", self.present), self.present)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_status, 1)
        bottom.addWidget(self.finalise_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(buddy("W&hat happened", self.narrative))
        layout.addWidget(self.narrative, 1)
        layout.addLayout(bottom)

    @property
    def note_id(self) -> str | None:
        return self.record.value

    def flush(self) -> bool:
        return self.autosave.flush()

    # -- saving ------------------------------------------------------------------------------
    def _valid_occurred(self) -> datetime | None:
        """The date and time in the field, or None (and words beside it) when in the future."""
        value = from_qdatetime(self.occurred.dateTime())
        if value > self._clock():
            self.date_problem.setText(
                "This is in the future, so it is not saved. The note keeps "
                f"{format_datetime(self._kept_occurred)} until you correct it."
            )
            return None
        self.date_problem.setText("")
        return value

    def _date_changed(self) -> None:
        self._valid_occurred()
        self.autosave.changed()

    def _snapshot(self) -> Callable[[], Any] | None:
        narrative, present = self.narrative.toPlainText(), self.present.text()
        kind = NoteKind(self.kind.currentData())
        occurred = self._valid_occurred()
        if self.record.value is None and not (narrative.strip() or present.strip()):
            return None  # nothing typed yet: no empty notes
        if occurred is not None:
            self._kept_occurred = occurred
        record, notes, pid, first_date = (
            self.record,
            self.deps.services.notes,
            self._pid,
            self._kept_occurred,
        )

        def write() -> str:
            if record.value is None:
                record.value = notes.add(
                    pid, kind=kind, occurred_at=first_date, narrative=narrative, present=present
                )
            else:
                notes.edit_draft(
                    record.value,
                    narrative=narrative,
                    present=present,
                    kind=kind,
                    occurred_at=occurred,
                )
            return record.value

        return write

    def _show_save_status(self, text: str) -> None:
        self.save_status.setText(text)
        self.status.emit(text)

    def _saved(self, _: object) -> None:
        if self._created:
            self.list_changed.emit()
            return
        self._created = True
        self.heading.setText("<b>Draft note</b>")
        self.record_changed.emit()

    # -- finalising --------------------------------------------------------------------------
    def ask_to_finalise(self) -> None:
        """Ask plainly first; the box answers to Enter (finalise) and Escape (keep editing)."""
        if self._valid_occurred() is None:
            self.save_status.setText("Correct the date and time before finalising the note.")
            return
        if not self.narrative.toPlainText().strip():
            self.save_status.setText("Write what happened before finalising the note.")
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Finalise this contact note?")
        box.setText(FINALISE_WARNING)
        yes = named(
            box.addButton("&Finalise the note", QMessageBox.ButtonRole.AcceptRole),
            "Finalise the note",
        )
        keep = named(
            box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole), "Keep editing"
        )
        box.setDefaultButton(yes)
        box.setEscapeButton(keep)
        box.finished.connect(lambda _: self._answered(box.clickedButton() is yes))
        self.confirm_box = box
        box.open()

    def _answered(self, finalise: bool) -> None:
        if self.confirm_box is not None:
            self.confirm_box.deleteLater()
            self.confirm_box = None
        if finalise:
            self.finalise()
        else:
            self.narrative.setFocus()

    def finalise(self) -> None:
        if not self.autosave.flush():
            problem = self.autosave.last_problem or "Your changes are not saved yet."
            self.save_status.setText(f"Not finalised. {problem}")
            return
        note_id, notes = self.record.value, self.deps.services.notes
        if note_id is None:
            self.save_status.setText("Write what happened before finalising the note.")
            return
        self.finalise_button.setEnabled(False)
        self.deps.tasks.write(lambda: notes.finalise(note_id), self._finalised, self._refused)

    def _finalised(self, _: object) -> None:
        self.status.emit("Contact note finalised.")
        assert self.record.value is not None
        self.finalised.emit(self.record.value)

    def _refused(self, exc: BaseException) -> None:
        self.finalise_button.setEnabled(True)
        self.save_status.setText(f"Not finalised: {problem_words(exc)}")


def note_html(note: ContactNote) -> str:
    """The finalised note and, under it, its addenda, as escaped rich text."""
    parts = []
    if note.present.strip():
        parts.append(f"<p><b>Present:</b> {escape(note.present)}</p>")
    parts.append(f'<p style="white-space: pre-wrap">{escape(note.narrative)}</p>')
    addenda = sorted(note.addenda, key=lambda a: a.created_at)
    if addenda:
        parts.append(f"<hr><h4>Addenda ({len(addenda)})</h4>")
    for addendum in addenda:
        parts.append(
            f"<p><b>Addendum by {escape(addendum.author)}, "
            f"{format_datetime(addendum.created_at)}</b></p>"
            f'<p style="white-space: pre-wrap">{escape(addendum.text)}</p>'
        )
    return "".join(parts)


class FinalisedNoteView(NotePane):
    """A finalised note, read-only, with its addenda under it and a box to add one."""

    def __init__(self, deps: Deps, note: ContactNote) -> None:
        super().__init__(deps)
        self._note_id = note.id
        self._key = f"addendum:{note.id}"
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.finalised_label = QLabel()
        self.finalised_label.setWordWrap(True)
        self.finalised_label.setTextFormat(Qt.TextFormat.PlainText)
        self.body = named(QTextBrowser(), "The finalised note and its addenda")
        self.addendum = named(
            QPlainTextEdit(),
            "Addendum",
            "A correction or addition; kept as a draft until you add it",
        )
        self.addendum.setTabChangesFocus(True)
        self.addendum.setPlainText(deps.services.drafts.load(self._key))
        self.add_button = named(QPushButton("Add addendu&m"), "Add addendum")
        self.message = message_label("Addendum status")
        self.fields = {"body": self.body, "addendum": self.addendum}
        self.show_note(note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.finalised_label)
        layout.addWidget(self.body, 3)
        layout.addWidget(buddy("Add an addend&um", self.addendum))
        layout.addWidget(self.addendum, 1)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)

        self.autosave = Autosave(deps.tasks, self._snapshot, self)
        self.autosave.status_changed.connect(self._draft_status)
        self.addendum.textChanged.connect(self.autosave.changed)
        self.add_button.clicked.connect(self.add_addendum)

    @property
    def note_id(self) -> str | None:
        return self._note_id

    def flush(self) -> bool:
        return self.autosave.flush()

    def show_note(self, note: ContactNote) -> None:
        self.heading.setText(
            f"<b>{escape(words(note.kind))}</b> on {format_datetime(note.occurred_at)}"
            f" · written by {escape(note.author)}"
        )
        self.finalised_label.setText(
            f"Finalised on {format_datetime(note.finalised_at)} by {note.author}. "
            "It cannot be changed; add an addendum below to correct or add to it."
        )
        self.body.setHtml(note_html(note))

    def _snapshot(self) -> Callable[[], Any]:
        drafts, key, text = self.deps.services.drafts, self._key, self.addendum.toPlainText()
        return lambda: drafts.save(key, text)

    def _draft_status(self, text: str) -> None:
        if text.startswith("Saved"):
            text = f"Draft kept ({text.lower()}); it is added to the note when you press Add."
        self.message.setText(text)

    def add_addendum(self) -> None:
        text = self.addendum.toPlainText()
        if not text.strip():
            self.message.setText("Write the addendum first; an empty addendum cannot be added.")
            self.addendum.setFocus()
            return
        self.autosave.flush()  # the draft's last save lands before it is discarded
        notes, drafts, note_id, key = (
            self.deps.services.notes,
            self.deps.services.drafts,
            self._note_id,
            self._key,
        )

        def write() -> str:
            addendum_id = notes.add_addendum(note_id, text)
            drafts.discard(key)
            return addendum_id

        self.add_button.setEnabled(False)
        self.addendum.setReadOnly(True)
        self.deps.tasks.write(write, self._added, self._refused)

    def _added(self, _: object) -> None:
        self.addendum.blockSignals(True)  # clearing is not an edit to keep
        self.addendum.clear()
        self.addendum.blockSignals(False)
        self.addendum.setReadOnly(False)
        self.add_button.setEnabled(True)
        self.message.setText("Addendum added under the note.")
        self.status.emit("Addendum added.")
        self.record_changed.emit()

    def _refused(self, exc: BaseException) -> None:
        self.addendum.setReadOnly(False)
        self.add_button.setEnabled(True)
        self.message.setText(f"Not added: {problem_words(exc)} Your text is still here.")


__all__ = ["FINALISE_WARNING", "DraftNoteEditor", "FinalisedNoteView", "NotePane"]
