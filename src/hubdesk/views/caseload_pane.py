"""The caseload pane: the left side of the main window, the case view is on the right.

Search names as you type (at once, in memory) and words in notes and plans (the full-text
index, 250 ms after the last key, on the UI thread: a few ms); filter by status, level,
review and flag; sort by keyboard as well as by the column headings. Moving the current row
chooses a case (``case_chosen``); Enter asks to open it (``open_requested``).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date
from types import MappingProxyType
from typing import Any

from hubdesk.errors import HubDeskError
from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.timeutil import local_today, utcnow, words
from hubdesk.views.case_tab import Deps
from hubdesk.views.caseload_filter import (
    FLAG_WORDS,
    MATCH_PLACES,
    CaseFilter,
    ReviewChoice,
    StatusChoice,
    still_useful,
)
from hubdesk.views.caseload_model import (
    COLUMNS,
    FLAGS,
    LEVEL,
    MATCHED_IN,
    NAME,
    NEXT_REVIEW,
    NOT_SCREENED,
    NOT_SCREENED_RANK,
    STATUS,
    CaseloadTableModel,
    caseload_rows,
)
from hubdesk.views.new_case_dialog import NewCaseDialog
from hubdesk.views.qt import (
    QAbstractItemView,
    QAction,
    QComboBox,
    QEvent,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import message_label, named

#: Wait this long after the last key before searching notes and plans.
SEARCH_DELAY_MS = 250
#: Records the full-text search returns (several can be one young person's notes).
SEARCH_LIMIT = 200

ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
#: Sort choices: column, its words for each order, and the order it starts in when chosen.
SORTS: dict[int, tuple[str, str, Qt.SortOrder]] = {
    NAME: ("A to Z", "Z to A", ASC),
    LEVEL: ("least concern first", "most concern first", DESC),
    NEXT_REVIEW: ("earliest first", "latest first", ASC),
    FLAGS: ("fewest first", "most first", DESC),
    STATUS: ("referred first", "closed first", ASC),
}


def _combo(name: str, description: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = named(QComboBox(), name, description)
    for text, value in items:
        combo.addItem(text, value)
    return combo


def _people(count: int) -> str:
    return "1 young person" if count == 1 else f"{count} young people"


class CaseloadPane(QWidget):
    #: The current row moved to this young person (their id): the case view shows them.
    case_chosen = Signal(str)
    #: Enter (or a double-click) on a row: move focus into the case view for this id.
    open_requested = Signal(str)

    def __init__(self, deps: Deps, today: Callable[[], date] | None = None) -> None:
        super().__init__()
        self.deps = deps
        self._services = deps.services
        self._today = today or (lambda: local_today(utcnow()))
        self._filter = CaseFilter()
        self._loaded_closed = False
        self._chosen_id: str | None = None
        self._descending = False
        self.new_case_dialog: NewCaseDialog | None = None
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_notes)
        self.reload()
        self._heading_sorted(NAME, ASC)

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        heading = QLabel("Caseload")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)  # relative: scales with large type
        font.setBold(True)
        heading.setFont(font)
        self.count = named(QLabel(""), "Caseload count")
        self.new_button = named(
            QPushButton("&New young person"),
            "New young person",
            "Add a young person to your caseload (Ctrl+N)",
        )
        self.new_button.clicked.connect(self.new_young_person)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.count, 1)
        top.addWidget(self.new_button)

        self.search = named(
            QLineEdit(),
            "Search names and notes",
            "Names are found as you type; words in notes and plans a moment later. "
            "Ctrl+F comes here; Esc clears; the Down arrow goes to the list.",
        )
        self.search.setPlaceholderText("Name, or words in notes and plans")
        self.search.textChanged.connect(self._text_changed)
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)

        self.status_combo = _combo(
            "Status", "Which cases to list", [(c.value, c) for c in StatusChoice]
        )
        levels = [("Any level", None), (NOT_SCREENED, NOT_SCREENED_RANK)]
        self.level_combo = _combo(
            "Level", "Show one level only", levels + [(words(lv), lv.rank) for lv in Level]
        )
        self.review_combo = _combo(
            "Review", "Show reviews overdue or due soon", [(c.value, c) for c in ReviewChoice]
        )
        self.flag_combo = _combo(
            "Flags",
            "Show young people with this flag",
            [("Any flag", None)] + [(f, f) for f in FLAG_WORDS],
        )
        for combo in self._filter_combos:
            combo.currentIndexChanged.connect(self._filters_changed)
        self.sort_combo = _combo(
            "Sort by", "The column the list is sorted by", [(COLUMNS[c], c) for c in SORTS]
        )
        self.sort_combo.currentIndexChanged.connect(self._sort_chosen)
        self.order_button = named(QPushButton(""), "Sort order", "Press to reverse the order")
        self.order_button.clicked.connect(self._reverse_order)
        self.clear_button = named(
            QPushButton("&Clear filters"), "Clear filters", "Clear the search and every filter"
        )
        self.clear_button.clicked.connect(self.clear_filters)

        grid = QGridLayout()
        pairs = (
            ("S&tatus", self.status_combo),
            ("&Level", self.level_combo),
            ("Re&view", self.review_combo),
            ("Fla&gs", self.flag_combo),
            ("S&ort by", self.sort_combo),
        )
        for number, (text, combo) in enumerate(pairs):
            label = QLabel(text)
            label.setBuddy(combo)
            grid.addWidget(label, number // 2, (number % 2) * 2)
            grid.addWidget(combo, number // 2, (number % 2) * 2 + 1)
        grid.addWidget(self.order_button, 2, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.model = CaseloadTableModel()
        self.table = self._build_table()
        self.table.viewport().installEventFilter(self)  # resized: fit the columns
        self.search.installEventFilter(self)  # only now: the filter reads self.table
        self.empty = message_label("Nothing to show")
        self.empty.hide()
        self.problem = message_label("Search problem")
        self.problem.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.empty, 1)
        bottom.addStretch()
        bottom.addWidget(self.clear_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(search_row)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.problem)

        #: The window may put these in its menus too (the same objects, or the shortcuts
        #: would be ambiguous and do nothing).
        self.find_action = QAction("&Find young person", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_search)
        self.new_action = QAction("&New young person…", self)
        self.new_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_action.triggered.connect(self.new_young_person)
        for action in (self.find_action, self.new_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        order = (
            self.new_button,
            self.search,
            *self._filter_combos,
            self.sort_combo,
            self.order_button,
            self.table,
            self.clear_button,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _build_table(self) -> QTableView:
        table = named(
            QTableView(),
            "Caseload",
            "Young people on your caseload, one per row. Arrow keys choose; Enter opens.",
        )
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the list; arrows move within it
        table.setWordWrap(False)
        table.verticalHeader().hide()  # row numbers mean nothing here
        header = table.horizontalHeader()
        header.setAccessibleName("Caseload columns")
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(NAME, ASC)
        table.setSortingEnabled(True)  # heading clicks sort through the model's own sort()
        header.sortIndicatorChanged.connect(self._heading_sorted)
        table.selectionModel().currentRowChanged.connect(self._current_moved)
        table.activated.connect(self._activated)
        self._size_columns(table)
        return table

    def _size_columns(self, table: QTableView) -> None:
        """Widths from the longest text each column can hold, in the table's own font, so
        they follow large type; measuring 2,000 rows' contents on every key would not."""
        metrics = table.fontMetrics()
        self._widths: dict[int, int] = {}
        longest = {
            NAME: "Mmmmmmmm Mmmmmmmmmm",
            LEVEL: "No identified concern",
            NEXT_REVIEW: "00/00/0000 — due soon",
            FLAGS: "NRM referral, Looked after",
            STATUS: "Referred",
            MATCHED_IN: "contact note, safety plan",
        }
        for column, text in longest.items():
            wide = max(metrics.horizontalAdvance(text), metrics.horizontalAdvance(COLUMNS[column]))
            self._widths[column] = wide + 3 * metrics.averageCharWidth()
            table.setColumnWidth(column, self._widths[column])

    def _fit_columns(self) -> None:
        """Narrower than name, level, review and flags side by side (the pane is usually a
        third of the window), the list turns compact: each name cell carries the whole row on
        two lines and the other columns hide, rather than cutting them off at the edge."""
        room = self.table.viewport().width()
        compact = room < sum(self._widths[c] for c in (NAME, LEVEL, NEXT_REVIEW, FLAGS))
        self.model.set_compact(compact)
        searching = bool(self._filter.text.strip())
        for column in (LEVEL, NEXT_REVIEW, FLAGS, STATUS, MATCHED_IN):
            hide = compact or (column == MATCHED_IN and not searching)
            if self.table.isColumnHidden(column) != hide:
                self.table.setColumnHidden(column, hide)
        metrics = self.table.fontMetrics()
        height = metrics.lineSpacing() * (2 if compact else 1) + metrics.height() // 2
        rows = self.table.verticalHeader()
        if rows.defaultSectionSize() != height:
            rows.setDefaultSectionSize(height)

    @property
    def _filter_combos(self) -> tuple[QComboBox, ...]:
        return (self.status_combo, self.level_combo, self.review_combo, self.flag_combo)

    # -- public -------------------------------------------------------------------------

    @property
    def case_filter(self) -> CaseFilter:
        """The filters and search in force (``matches_for`` says which text the notes and
        plans were last searched for)."""
        return self._filter

    @property
    def chosen_id(self) -> str | None:
        """The young person last chosen (kept while filters hide their row)."""
        return self._chosen_id

    def reload(self, services: Services | None = None) -> None:
        """Read the caseload again (after a write; with ``services`` of a new vault session
        after an unlock), keeping the filters, the search and the chosen young person."""
        if services is not None:
            self._services = services
        self._loaded_closed = self._filter.status.needs_closed
        rows = caseload_rows(
            self._services, include_closed=self._loaded_closed, today=self._today()
        )
        self.model.set_rows(rows)
        if self._filter.text.strip():
            self._search_notes()  # the notes may have changed too
        else:
            self._apply(self._filter)

    def select_case(self, young_person_id: str) -> bool:
        """Make this young person the chosen one and select their row, without emitting
        ``case_chosen`` (the caller shows the case itself). False when no row shows them."""
        self._chosen_id = young_person_id
        return self._select_chosen()

    def clear_filters(self) -> None:
        for combo in self._filter_combos:
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_timer.stop()
        self._filter = CaseFilter()
        if self._loaded_closed:
            self.reload()
        else:
            self._apply(self._filter)

    def new_young_person(self) -> None:
        if self.new_case_dialog is not None:
            self.new_case_dialog.raise_()
            return
        dialog = NewCaseDialog(self._services, self.deps.tasks, self._today, self)
        dialog.created.connect(self._created)
        dialog.finished.connect(self._dialog_closed)
        self.new_case_dialog = dialog
        dialog.open()

    # -- filters and search -------------------------------------------------------------

    def _filters_changed(self) -> None:
        status = self.status_combo.currentData()
        self._filter = dataclasses.replace(
            self._filter,
            status=status,
            level_rank=self.level_combo.currentData(),
            review=self.review_combo.currentData(),
            flag=self.flag_combo.currentData(),
        )
        if status.needs_closed and not self._loaded_closed:
            self.reload()
        else:
            self._apply(self._filter)

    def _text_changed(self, text: str) -> None:
        keep = still_useful(self._filter.matches_for, text)
        changes: dict[str, Any] = {"text": text}
        if not keep:
            changes.update(text_matches=MappingProxyType({}), matches_for="")
        self._apply(dataclasses.replace(self._filter, **changes))
        if text.strip():
            self._search_timer.start()  # restarts: the search runs after the last key
        else:
            self._search_timer.stop()

    def hideEvent(self, event: Any) -> None:
        """A pane going away (the window closing at a lock) searches no more: a search
        timed to run after the last key would otherwise reach a closed vault."""
        self._search_timer.stop()
        super().hideEvent(event)

    def _search_notes(self) -> None:
        """Young people whose notes or plans hold the typed words. Odd text (quotes, stars,
        "AND (") cannot reach FTS5 as syntax: store.search quotes every word; a refusal from
        the vault is shown in words and treated as no matches."""
        text = self._filter.text
        matches: dict[str, tuple[str, ...]] = {}
        self.problem.hide()
        try:
            hits = self._services.search.search(text, limit=SEARCH_LIMIT) if text.strip() else []
        except HubDeskError as exc:
            self.problem.setText(f"Notes and plans could not be searched: {exc.message}")
            self.problem.show()
            hits = []
        for hit in hits:
            if hit.young_person_id is None:
                continue  # a plan for a place or peer group, not for a young person
            place = MATCH_PLACES.get(hit.record_kind, words(hit.record_kind).lower())
            found = matches.get(hit.young_person_id, ())
            if place not in found:
                matches[hit.young_person_id] = (*found, place)
        self._apply(
            dataclasses.replace(
                self._filter, text_matches=MappingProxyType(matches), matches_for=text
            )
        )

    def _apply(self, case_filter: CaseFilter) -> None:
        self._filter = case_filter
        self.model.set_filter(case_filter)
        shown, total = self.model.shown_count, self.model.in_scope_count
        self.count.setText(f"{_people(total)} · {shown} shown")
        self._fit_columns()
        self.clear_button.setVisible(not case_filter.is_default)
        if shown == 0:
            self.empty.setText(
                "No young people match the search and filters."
                if not case_filter.is_default
                else "No young people on this list yet. Add one with New young person."
            )
        self.empty.setVisible(shown == 0)
        self._select_chosen()

    # -- choosing -----------------------------------------------------------------------

    def _select_chosen(self) -> bool:
        row = self.model.row_of(self._chosen_id) if self._chosen_id else None
        if row is None:
            self.table.selectionModel().clear()  # never highlight someone else instead
            return False
        index = self.model.index(row, NAME)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def _current_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        young_person_id = self.model.row_at(current.row()).young_person_id
        if young_person_id != self._chosen_id:
            self._chosen_id = young_person_id
            self.case_chosen.emit(young_person_id)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.row_at(index.row()).young_person_id)

    def _enter_list(self) -> None:
        """From the search box into the list: the chosen row if shown, else the first."""
        if self.model.shown_count == 0:
            return
        self.table.setFocus()
        if not self._select_chosen():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.selectionModel().setCurrentIndex(self.model.index(0, NAME), flags)

    def _created(self, young_person_id: str) -> None:
        self.reload()
        if self.model.row_of(young_person_id) is None:
            self.clear_filters()  # the new young person must be in view
        self._chosen_id = young_person_id
        self._select_chosen()
        self.case_chosen.emit(young_person_id)

    def _dialog_closed(self, result: int) -> None:
        if self.new_case_dialog is not None:
            self.new_case_dialog.deleteLater()
            self.new_case_dialog = None
        if result == NewCaseDialog.DialogCode.Accepted:
            self.table.setFocus()  # on the new young person's row

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            # A KeyPress event is a QKeyEvent, which views.qt does not export.
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._enter_list()
                return True
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
        return super().eventFilter(watched, event)

    # -- sorting ------------------------------------------------------------------------

    def _sort_chosen(self) -> None:
        column = self.sort_combo.currentData()
        self.table.sortByColumn(column, SORTS[column][2])

    def _reverse_order(self) -> None:
        header = self.table.horizontalHeader()
        order = ASC if header.sortIndicatorOrder() == DESC else DESC
        self.table.sortByColumn(header.sortIndicatorSection(), order)

    def _heading_sorted(self, column: int, order: Qt.SortOrder) -> None:
        """Keep the Sort by choice and the order button in step with the headings."""
        if column not in SORTS:  # "Matched in" is there to read, not to sort by
            self.table.sortByColumn(
                self.sort_combo.currentData(), DESC if self._descending else ASC
            )
            return
        self._descending = order == DESC
        self.sort_combo.blockSignals(True)
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(column))
        self.sort_combo.blockSignals(False)
        ascending, descending, _ = SORTS[column]
        self.order_button.setText(f"Order: {descending if self._descending else ascending}")
