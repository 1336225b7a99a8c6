"""The parts of a Qt table model every list in HubDesk shares: fixed column headings, and
(for one case's records) a list of records found by id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from hubdesk.models.base import Record
from hubdesk.views.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

R = TypeVar("R", bound=Record)
Index = QModelIndex | QPersistentModelIndex


class ColumnsModel(QAbstractTableModel):
    """A flat table whose headings are :attr:`columns`."""

    columns: ClassVar[tuple[str, ...]] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None


class RecordTableModel(ColumnsModel, Generic[R]):
    """One row per record, in the order :meth:`ordered` gives."""

    def __init__(self) -> None:
        super().__init__()
        self._records: list[R] = []

    def ordered(self, records: Iterable[R]) -> list[R]:
        return list(records)

    def set_records(self, records: Iterable[R]) -> None:
        self.beginResetModel()
        self._records = self.ordered(records)
        self.endResetModel()

    def row_of(self, record_id: str | None) -> int | None:
        return next((i for i, r in enumerate(self._records) if r.id == record_id), None)

    def record_at(self, row: int) -> R:
        return self._records[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)
