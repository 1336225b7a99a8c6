"""Items of small fields a practitioner adds and removes from the keyboard: the plan's actions
(what, who, agency, by when) and contacts (name, role, phone).

Each item reads as a line of labelled fields ("Action 2  What […]" then "Who […]  Agency […]
By when […]  Remove"), so a long action is readable in full at laptop widths and every field
has a visible label. Where that line would squeeze a field below about a dozen characters
(large text, a narrow window) each field takes a line of its own instead. One grid holds every
item so the fields line up; an item removed from the middle moves the ones below it up. A new
item is put into the Tab order where it appears (after the item above it), not at the end of
the window's chain where Qt would put it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hubdesk.views.plan_fields import DateField
from hubdesk.views.qt import (
    QEvent,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import named


@dataclass(frozen=True)
class Column:
    key: str
    #: The short label shown beside the field ("Who").
    label: str
    #: What a screen reader says after "Action 2:" ("who will do it").
    spoken: str
    is_date: bool = False
    stretch: int = 1
    #: On a line of its own, across the whole width (an action's "what").
    wide: bool = False


#: Given one item's texts, what to say under it (why it is not saved yet), or None.
RowCheck = Callable[[dict[str, str]], str | None]

#: The narrowest a text field may be, in average characters, before the fields are stacked.
MIN_CHARS = 12

#: Grid columns while stacked: the item's title (Remove under it), a field's label, the field.
_TITLE, _LABEL, _FIELD = range(3)

#: Where one widget goes: grid row, column, columns spanned, alignment.
_Spot = tuple[QWidget, int, int, int, Qt.AlignmentFlag]
_FILL = Qt.AlignmentFlag(0)
_TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft


@dataclass
class _Row:
    title: QLabel
    labels: dict[str, QLabel]
    fields: dict[str, QLineEdit]
    remove: QPushButton
    note: QLabel

    def widgets(self) -> list[QWidget]:
        return [self.title, *self.labels.values(), *self.fields.values(), self.remove, self.note]


class RowList(QWidget):
    changed = Signal()

    def __init__(
        self,
        key: str,
        noun: str,
        columns: Sequence[Column],
        add_text: str,
        check: RowCheck | None = None,
    ) -> None:
        super().__init__()
        self._key, self._noun, self._check = key, noun, check
        self._wide = [c for c in columns if c.wide]
        self._narrow = [c for c in columns if not c.wide]
        self._rows: list[_Row] = []
        self._read_only = False
        self._stacked = False  # each field on a line of its own
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        outer.addLayout(self._grid)
        self._stretch_columns()
        self._empty = QLabel(f"No {noun.lower()}s yet.")
        outer.addWidget(self._empty)
        self.add_button = named(QPushButton(add_text), add_text.replace("&", ""))
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        outer.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    @property
    def _lines(self) -> int:
        """Grid lines per item: the wide fields, the narrow ones (one line, or one each), the
        note."""
        return len(self._wide) + (len(self._narrow) if self._stacked else 1) + 1

    @property
    def stacked(self) -> bool:
        """True while each field has a line of its own (too narrow for them side by side)."""
        return self._stacked

    # -- items --------------------------------------------------------------------------------
    def add_row(self, values: dict[str, str] | None = None, *, focus: bool = False) -> None:
        fields: dict[str, QLineEdit] = {}
        labels: dict[str, QLabel] = {}
        for column in [*self._wide, *self._narrow]:
            field: QLineEdit = DateField(column.spoken, "") if column.is_date else QLineEdit()
            field.setText((values or {}).get(column.key, ""))
            field.setCursorPosition(0)
            field.setReadOnly(self._read_only)
            field.textChanged.connect(self._edited)
            label = QLabel(column.label)
            label.setBuddy(field)
            fields[column.key], labels[column.key] = field, label
        note = QLabel()
        note.setWordWrap(True)
        remove = QPushButton("Remove")
        remove.setEnabled(not self._read_only)
        row = _Row(QLabel(), labels, fields, remove, note)
        remove.clicked.connect(lambda: self.remove_row(self._rows.index(row)))
        before = self._rows[-1].remove if self._rows else self.add_button.previousInFocusChain()
        self._rows.append(row)
        if not self._choose_layout():
            self._place(len(self._rows) - 1)
        self._chain([before, *fields.values(), remove, self.add_button])
        self._name_rows()
        self.refresh_notes()
        self._empty.setVisible(False)
        if focus:
            next(iter(fields.values())).setFocus()
            self.changed.emit()

    def remove_row(self, index: int) -> None:
        row = self._rows.pop(index)
        for widget in row.widgets():
            self._grid.removeWidget(widget)
            widget.deleteLater()
        for n in range(index, len(self._rows)):
            self._place(n)
        self._name_rows()
        self._empty.setVisible(not self._rows)
        following = self._rows[index] if index < len(self._rows) else None
        if following is not None:
            next(iter(following.fields.values())).setFocus()
        else:
            self.add_button.setFocus()
        self.changed.emit()

    def set_rows(self, rows: Sequence[dict[str, str]]) -> None:
        while self._rows:
            for widget in self._rows.pop().widgets():
                self._grid.removeWidget(widget)
                widget.deleteLater()
        for values in rows:
            self.add_row(values)
        self._empty.setVisible(not self._rows)

    def texts(self) -> list[dict[str, str]]:
        """Each item's texts, stripped, in order."""
        return [{k: f.text().strip() for k, f in row.fields.items()} for row in self._rows]

    def field(self, index: int, key: str) -> QLineEdit:
        return self._rows[index].fields[key]

    def remove_button(self, index: int) -> QPushButton:
        return self._rows[index].remove

    def note(self, index: int) -> str:
        return self._rows[index].note.text()

    def __len__(self) -> int:
        return len(self._rows)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for row in self._rows:
            for field in row.fields.values():
                field.setReadOnly(read_only)
            row.remove.setEnabled(not read_only)
        self.add_button.setEnabled(not read_only)

    # -- what is said under an item ----------------------------------------------------------
    def refresh_notes(self) -> None:
        for row in self._rows:
            said = [
                problem
                for field in row.fields.values()
                if isinstance(field, DateField) and (problem := field.problem())
            ]
            if self._check is not None:
                check = self._check({k: f.text().strip() for k, f in row.fields.items()})
                said += [check] if check else []
            row.note.setText(" ".join(said))
            row.note.setVisible(bool(said))

    # -- layout and names ---------------------------------------------------------------------
    def _edited(self) -> None:
        self.refresh_notes()
        self.changed.emit()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._choose_layout()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._choose_layout()

    def _side_by_side_width(self) -> int:
        """The width the narrow fields need on one line, each text field at least MIN_CHARS
        wide. Text fields share the width by their stretch, so the one with the least stretch
        sets how much they need together."""
        row = self._rows[0]
        widths = [row.title.sizeHint().width(), row.remove.sizeHint().width()]
        stretches = []
        for column in self._narrow:
            widths.append(row.labels[column.key].sizeHint().width())
            if column.is_date:
                widths.append(row.fields[column.key].sizeHint().width())
            else:
                stretches.append(column.stretch)
        least = self.fontMetrics().averageCharWidth() * MIN_CHARS
        shared = least * sum(stretches) // min(stretches) if stretches else 0
        spacing = max(self._grid.horizontalSpacing(), 0)
        return sum(widths) + shared + spacing * (len(widths) + len(stretches) - 1)

    def _choose_layout(self) -> bool:
        """Stack the fields when they do not fit side by side (and back); True if it moved
        them."""
        stacked = bool(self._rows) and self.width() < self._side_by_side_width()
        if stacked == self._stacked:
            return False
        self._stacked = stacked
        self._stretch_columns()
        for index in range(len(self._rows)):
            self._place(index)
        return True

    def _stretch_columns(self) -> None:
        last = 2 * len(self._narrow) + 1
        for column in range(max(last, _FIELD) + 1):
            self._grid.setColumnStretch(column, 0)
        if self._stacked:
            self._grid.setColumnStretch(_FIELD, 1)
            return
        for n, narrow in enumerate(self._narrow):
            self._grid.setColumnStretch(2 + 2 * n, 0 if narrow.is_date else narrow.stretch)

    def _place(self, index: int) -> None:
        row = self._rows[index]
        spots = self._stacked_spots(row, index) if self._stacked else self._line_spots(row, index)
        for widget, at_row, at_column, span, align in spots:
            self._grid.removeWidget(widget)
            self._grid.addWidget(widget, at_row, at_column, 1, span, align)
            widget.show()  # at once, so a new item's first field can take the focus now
        row.note.setVisible(bool(row.note.text()))

    def _line_spots(self, row: _Row, index: int) -> list[_Spot]:
        """The wide fields a line each, then the narrow ones side by side, then the note."""
        top = self._lines * index
        last = 2 * len(self._narrow) + 1  # the remove button's column
        spots: list[_Spot] = [(row.title, top, 0, 1, _FILL)]
        for n, column in enumerate(self._wide):
            spots.append((row.labels[column.key], top + n, 1, 1, _FILL))
            spots.append((row.fields[column.key], top + n, 2, last - 1, _FILL))
        line = top + len(self._wide)
        for n, column in enumerate(self._narrow):
            spots.append((row.labels[column.key], line, 1 + 2 * n, 1, _FILL))
            spots.append((row.fields[column.key], line, 2 + 2 * n, 1, _FILL))
        spots.append((row.remove, line, last, 1, _FILL))
        spots.append((row.note, line + 1, 1, last, _FILL))
        return spots

    def _stacked_spots(self, row: _Row, index: int) -> list[_Spot]:
        """Every field on a line of its own; Remove under the item's title."""
        top = self._lines * index
        columns = [*self._wide, *self._narrow]
        spots: list[_Spot] = [
            (row.title, top, _TITLE, 1, _FILL),
            (row.remove, top + 1, _TITLE, 1, _TOP_LEFT),
        ]
        for n, column in enumerate(columns):
            align = Qt.AlignmentFlag.AlignLeft if column.is_date else _FILL
            spots.append((row.labels[column.key], top + n, _LABEL, 1, _FILL))
            spots.append((row.fields[column.key], top + n, _FIELD, 1, align))
        spots.append((row.note, top + len(columns), _LABEL, 2, _FILL))
        return spots

    def _name_rows(self) -> None:
        for n, row in enumerate(self._rows, start=1):
            where = f"{self._noun} {n}"
            row.title.setText(f"<b>{where}</b>")
            for column in [*self._wide, *self._narrow]:
                field = row.fields[column.key]
                field.setObjectName(f"plan:{self._key}.{n - 1}.{column.key}")
                named(field, f"{where}: {column.spoken}")
            named(row.remove, f"Remove {where.lower()}")
            named(row.note, f"{where}: not saved yet")

    @staticmethod
    def _chain(widgets: Sequence[QWidget | None]) -> None:
        present = [w for w in widgets if w is not None]
        for first, second in itertools.pairwise(present):
            QWidget.setTabOrder(first, second)
