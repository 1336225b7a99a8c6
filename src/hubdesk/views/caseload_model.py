"""The caseload as a Qt table model: one row per young person, plain values for display.

The model sorts and filters its own rows in Python (see :meth:`CaseloadTableModel.sort` and
``caseload_filter``): a ``QSortFilterProxyModel`` would do both through ``data()``, one Qt call
per row and comparison, which bench/startup.py measured at ~200 ms for 2,000 cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from hubdesk.models.enums import CaseStatus, Level
from hubdesk.timeutil import format_date, words
from hubdesk.views.caseload_filter import CaseFilter, ReviewState, fold, review_state
from hubdesk.views.qt import (
    QApplication,
    QColor,
    QModelIndex,
    QPalette,
    QPersistentModelIndex,
    Qt,
)
from hubdesk.views.table_model import ColumnsModel

if TYPE_CHECKING:
    from hubdesk.services import Services
    from hubdesk.services.cases import CaseSummary

ID_ROLE = Qt.ItemDataRole.UserRole + 1

NAME, LEVEL, NEXT_REVIEW, FLAGS, STATUS, MATCHED_IN = range(6)
COLUMNS = ("Name", "Level", "Next review", "Flags", "Status", "Matched in")

NOT_SCREENED = "Not screened"
#: "Not screened" ranks below every level: sorted by level, least concern first, it comes first;
#: most concern first (the way a practitioner reads a caseload), it comes last. No level has
#: been judged yet, so the list never suggests a concern nobody has weighed; the Level filter
#: finds everyone still waiting for a screening.
NOT_SCREENED_RANK = -1
_RANK_BY_WORDS = {words(level): level.rank for level in Level}
_STATUS_ORDER = {CaseStatus.REFERRED: 0, CaseStatus.OPEN: 1, CaseStatus.CLOSED: 2}


def level_words(level: Level | None) -> str:
    return words(level) if level is not None else NOT_SCREENED


def level_rank(level: Level | None) -> int:
    return level.rank if level is not None else NOT_SCREENED_RANK


@dataclass(frozen=True)
class CaseRow:
    """One young person as the caseload shows them.

    Build rows with :func:`caseload_rows`. The first five fields keep the order of the first
    version of this class, whose flags were one comma-joined string: such a string is still
    split into words, and a rank left out is worked out from the level's words.
    """

    young_person_id: str
    name: str
    level: str = NOT_SCREENED
    next_review: date | None = None
    #: Words from ``caseload_filter.FLAG_WORDS``; always a tuple once built.
    flags: Sequence[str] = ()
    status: CaseStatus = CaseStatus.OPEN
    level_rank: int = NOT_SCREENED_RANK
    review_state: ReviewState = ReviewState.NONE
    #: First, family and preferred names folded for the search box (see ``fold``).
    search_names: str = ""

    def __post_init__(self) -> None:
        flags = self.flags.split(", ") if isinstance(self.flags, str) else self.flags
        object.__setattr__(self, "flags", tuple(f for f in flags if f))
        if self.level_rank == NOT_SCREENED_RANK:
            object.__setattr__(self, "level_rank", _RANK_BY_WORDS.get(self.level, self.level_rank))
        if not self.search_names:
            object.__setattr__(self, "search_names", fold(self.name))

    @property
    def review_text(self) -> str:
        """The "Next review" cell: the date, and in words when it is overdue or due soon,
        so the state never rests on colour alone."""
        if self.next_review is None:
            return ""
        suffix = {ReviewState.OVERDUE: " — overdue", ReviewState.DUE_SOON: " — due soon"}
        return format_date(self.next_review) + suffix.get(self.review_state, "")


def case_row(person: CaseSummary, today: date) -> CaseRow:
    flags = (
        (person.flag_missing, "Missing"),
        (person.flag_nrm_referral, "NRM referral"),
        (person.flag_looked_after, "Looked after"),
    )
    names = " ".join(filter(None, (person.given_name, person.family_name, person.preferred_name)))
    return CaseRow(
        young_person_id=person.id,
        name=person.display_name,
        level=level_words(person.level),
        next_review=person.next_review_date,
        flags=tuple(label for on, label in flags if on),
        status=person.status,
        level_rank=level_rank(person.level),
        review_state=review_state(person.next_review_date, today),
        search_names=fold(names),
    )


def caseload_rows(
    services: Services, include_closed: bool = False, today: date | None = None
) -> list[CaseRow]:
    """The caseload (closed cases too when asked), reviews judged against ``today``
    (default: today in Europe/London by the services' clock)."""
    day = today or services.cases.today()
    people = services.cases.caseload_summary(include_closed=include_closed)
    return [case_row(p, day) for p in people]


def _sort_key(column: int, current: CaseFilter | None) -> Callable[[CaseRow], Any]:
    if column == LEVEL:
        return lambda r: r.level_rank
    if column == NEXT_REVIEW:
        return lambda r: r.next_review or date.max  # no date: after every date, ascending
    if column == FLAGS:
        return lambda r: (len(r.flags), r.flags)
    if column == STATUS:
        return lambda r: _STATUS_ORDER.get(r.status, len(_STATUS_ORDER))
    if column == MATCHED_IN and current is not None:
        return current.matched_in
    return lambda r: fold(r.name)


def _overdue_colour() -> QColor:
    """A red that keeps at least 4.5:1 contrast on the current theme's background."""
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    return QColor("#a4262c") if base.lightness() > 128 else QColor("#ff9a9a")


class CaseloadTableModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, rows: list[CaseRow] | None = None) -> None:
        super().__init__()
        self._all = list(rows or [])
        self._filter: CaseFilter | None = None
        self._shown = list(self._all)
        self._in_scope = len(self._all)
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None
        self._compact = False

    # -- what the pane asks -------------------------------------------------------------

    def row_at(self, row: int) -> CaseRow:
        return self._shown[row]

    def row_of(self, young_person_id: str) -> int | None:
        """The shown row of this young person, or None when filtered out or not listed."""
        for number, row in enumerate(self._shown):
            if row.young_person_id == young_person_id:
                return number
        return None

    def has_case(self, young_person_id: str) -> bool:
        return any(r.young_person_id == young_person_id for r in self._all)

    @property
    def case_filter(self) -> CaseFilter | None:
        return self._filter

    @property
    def in_scope_count(self) -> int:
        """Young people the status choice covers ("24 young people")."""
        return self._in_scope

    @property
    def shown_count(self) -> int:
        return len(self._shown)

    # -- changes ------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python by a key per row: a proxy model sorting through ``data()`` made
        60,000 calls for 2,000 cases (~200 ms at unlock; bench/startup.py). Equal keys stay
        in name order. The view's selection follows its rows."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._shown[i.row()].young_person_id for i in before]
        self._sorted_by = (column, order)
        self._all = self._sorted(self._all)
        self._shown = self._sorted(self._shown)
        position = {r.young_person_id: n for n, r in enumerate(self._shown)}
        after = [self.index(position[pid], i.column()) for pid, i in zip(ids, before, strict=True)]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def set_rows(self, rows: list[CaseRow]) -> None:
        """New rows (a reload), kept in the current order and filter."""
        self.beginResetModel()
        self._all = self._sorted(list(rows))
        self._apply_filter()
        self.endResetModel()

    def set_compact(self, compact: bool) -> None:
        """Compact: the name cell carries the whole row on two lines, for a pane too narrow
        for the other columns (the window hides them)."""
        if compact == self._compact:
            return
        self._compact = compact
        if self._shown:
            self.dataChanged.emit(self.index(0, NAME), self.index(len(self._shown) - 1, NAME))

    @property
    def compact(self) -> bool:
        return self._compact

    def set_filter(self, case_filter: CaseFilter) -> None:
        self.beginResetModel()
        self._filter = case_filter
        self._apply_filter()
        self.endResetModel()

    def _sorted(self, rows: list[CaseRow]) -> list[CaseRow]:
        if self._sorted_by is None:
            return rows
        column, order = self._sorted_by
        rows = sorted(rows, key=lambda r: fold(r.name)) if column != NAME else rows
        rows.sort(
            key=_sort_key(column, self._filter), reverse=order == Qt.SortOrder.DescendingOrder
        )
        return rows

    def _apply_filter(self) -> None:
        current = self._filter
        if current is None:
            self._shown, self._in_scope = list(self._all), len(self._all)
            return
        in_scope = current.in_scope(self._all)
        self._shown, self._in_scope = current.narrow(in_scope), len(in_scope)

    # -- Qt ------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        column = index.column()
        if role == ID_ROLE:
            return row.young_person_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        overdue = column == NEXT_REVIEW and row.review_state is ReviewState.OVERDUE
        if role == Qt.ItemDataRole.ToolTipRole and column == NAME and self._compact:
            return self._compact_text(row)
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return _overdue_colour()
        if role == Qt.ItemDataRole.ToolTipRole and overdue:
            return "The review date has passed"
        return None

    def _summary(self, row: CaseRow) -> str:
        """The row after the name, in words: level, review, flags, status if not open."""
        parts = (
            row.level,
            f"review {row.review_text}" if row.next_review else "no review date",
            *row.flags,
            "" if row.status is CaseStatus.OPEN else words(row.status),
        )
        return " · ".join(p for p in parts if p)

    def _compact_text(self, row: CaseRow) -> str:
        matched = self._text(row, MATCHED_IN)
        first = f"{row.name} · matched in {matched}" if matched else row.name
        return f"{first}\n{self._summary(row)}"

    def _text(self, row: CaseRow, column: int) -> str:
        if column == NAME:
            return self._compact_text(row) if self._compact else row.name
        if column == LEVEL:
            return row.level
        if column == NEXT_REVIEW:
            return row.review_text
        if column == FLAGS:
            return ", ".join(row.flags)
        if column == STATUS:
            return words(row.status)
        return self._filter.matched_in(row) if self._filter is not None else ""
