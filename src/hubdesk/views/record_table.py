"""A read-only table for a short list of records (one young person's episodes, events …).

A case holds tens of such rows, not thousands, so a QTableWidget is enough here; the caseload,
which can hold thousands, has its own model.
"""

from __future__ import annotations

from collections.abc import Sequence

from hubdesk.views.qt import QAbstractItemView, QHeaderView, Qt, QTableWidget, QTableWidgetItem
from hubdesk.views.widgets import named

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class RecordTable(QTableWidget):
    def __init__(self, name: str, columns: Sequence[str], description: str = "") -> None:
        super().__init__(0, len(columns))
        named(self, name, description)
        self.setHorizontalHeaderLabels(list(columns))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move within it
        self.verticalHeader().hide()
        header = named(self.horizontalHeader(), f"{name} columns")
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        """``rows`` are (record id, cell texts)."""
        self.setRowCount(len(rows))
        for r, (record_id, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, record_id)
                self.setItem(r, c, item)
        self.resizeRowsToContents()

    def current_id(self) -> str | None:
        item = self.item(self.currentRow(), 0) if self.currentRow() >= 0 else None
        return None if item is None else str(item.data(ID_ROLE))

    def select_id(self, record_id: str) -> bool:
        for r in range(self.rowCount()):
            item = self.item(r, 0)
            if item is not None and item.data(ID_ROLE) == record_id:
                self.setCurrentCell(r, 0)
                return True
        return False
