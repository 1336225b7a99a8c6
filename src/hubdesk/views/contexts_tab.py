"""The Contexts tab: the places, peer groups, schools and online spaces linked to a young person.

Contexts are where harm happens; the tab names them, why they matter, how reliable that is and
which must change first, and who else each one affects. How other young people are shown
(initials or full names) is the hub's setting (``Settings.peer_detail``).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from hubdesk.models import ContextLink, YoungPerson
from hubdesk.services.cases import CaseFile
from hubdesk.timeutil import words
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.context_link_dialog import (
    WEIGHT_HINT,
    LinkContextDialog,
    RemoveLinkDialog,
    kind_in_words,
)
from hubdesk.views.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.table_model import RecordTableModel
from hubdesk.views.widgets import named

ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Context", "Kind", "Why it matters", "How reliable", "Weighting")
WHY_COLUMN = 2
NO_LINKS = (
    "No contexts are linked yet. Link the places, peer groups, schools or online spaces where "
    "harm may happen to this young person, so the hub can work to make them safer."
)


def initials(person: YoungPerson) -> str:
    """ "J. M." — for hubs that record peers by initials only."""
    return " ".join(
        f"{name.strip()[0].upper()}."
        for name in (person.given_name, person.family_name)
        if name.strip()
    )


def weighting(weight: int | None) -> str:
    if weight is None:
        return "Not set"
    return "1 (first)" if weight == 1 else str(weight)


class ContextLinksTableModel(RecordTableModel[ContextLink]):
    """One row per linked context: weighted ones first (1 = change first), then by name."""

    columns = COLUMNS

    def ordered(self, records: Iterable[ContextLink]) -> list[ContextLink]:
        return sorted(
            records,
            key=lambda k: (k.weight is None, k.weight or 0, k.context.name.casefold()),
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        last = len(COLUMNS) - 1
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return WEIGHT_HINT if section == last else None
        return super().headerData(section, orientation, role)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        link = self.record_at(index.row())
        if role == ID_ROLE:
            return link.id
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == WHY_COLUMN:
            return link.why
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                link.context.name,
                kind_in_words(link.context),
                " ".join(link.why.split()),
                words(link.reliability),
                weighting(link.weight),
            )[index.column()]
        return None


class ContextsTab(CaseTab):
    title = "Contexts"
    #: The practitioner asked for the contextual safety plan of this context.
    plan_requested = Signal(str)

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._case: CaseFile | None = None
        self.dialog: QDialog | None = None

        self.link_button = named(
            QPushButton("L&ink a context…"),
            "Link a context",
            "Choose a place, peer group, school or online space, or add a new one",
        )
        self.remove_button = named(QPushButton("&Remove link…"), "Remove the selected link")
        self.plan_button = named(
            QPushButton("Contextual safety &plan…"),
            "Contextual safety plan",
            "The plan to make the selected context safer",
        )
        self.intro = QLabel(
            "Places, peer groups, schools and online spaces where harm may happen to this "
            "young person, and what is known about each."
        )
        self.intro.setWordWrap(True)
        self.model = ContextLinksTableModel()
        self.table = named(QTableView(), "Linked contexts", WEIGHT_HINT)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setAccessibleName("Linked context columns")
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHY_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.details = named(QLabel(), "About the selected context")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.others_heading = QLabel()
        self.others_heading.setWordWrap(True)
        self.others = named(QListWidget(), "Other young people linked to this context")
        self.peer_detail_note = QLabel()

        self._lay_out()
        self.link_button.clicked.connect(self.link_context)
        self.remove_button.clicked.connect(self.remove_link)
        self.plan_button.clicked.connect(self._plan_requested)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self._show_selected()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.plan_button)
        buttons.addStretch(1)
        others = QVBoxLayout()
        others.setContentsMargins(0, 0, 0, 0)
        others.addWidget(self.others_heading)
        others.addWidget(self.others, 1)
        others.addWidget(self.peer_detail_note)
        others_box = QWidget()
        others_box.setLayout(others)
        # A layout, not a splitter: a splitter sizes a word-wrapped label by its narrowest hint.
        details = named(QScrollArea(), "About the selected context")
        details.setWidgetResizable(True)
        details.setWidget(self.details)
        lower = QWidget()
        sides = QHBoxLayout(lower)
        sides.setContentsMargins(0, 0, 0, 0)
        sides.addWidget(details, 3)
        sides.addWidget(others_box, 2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.intro)
        layout.addWidget(splitter, 1)

    # -- the CaseTab promises -------------------------------------------------------------------
    def show_case(self, case: CaseFile) -> None:
        same_person = self._case is not None and self._case.young_person.id == case.young_person.id
        keep = self.selected_link_id() if same_person else None
        self._case = case
        self.model.set_records(case.context_links)
        self._select(keep)

    def view_state(self) -> ViewState:
        link_id = self.selected_link_id()
        return {"link_id": link_id} if link_id else {}

    def restore_view_state(self, state: ViewState) -> None:
        if state.get("link_id"):
            self._select(state["link_id"])

    # -- selection ------------------------------------------------------------------------------
    def selected_link(self) -> ContextLink | None:
        index = self.table.currentIndex()
        return self.model.record_at(index.row()) if index.isValid() else None

    def selected_link_id(self) -> str | None:
        link = self.selected_link()
        return link.id if link else None

    def _select(self, link_id: str | None) -> None:
        row = self.model.row_of(link_id)
        if row is None and self.model.rowCount():
            row = 0
        if row is None:
            self.table.setCurrentIndex(QModelIndex())
        else:
            self.table.selectRow(row)
        self._show_selected()

    def _show_selected(self) -> None:
        link = self.selected_link()
        self.remove_button.setEnabled(link is not None)
        self.plan_button.setEnabled(link is not None)
        self.others.clear()
        if link is None:
            self.details.setText(NO_LINKS if self._case is not None else "")
            self.others_heading.setText("")
            self.peer_detail_note.setText("")
            return
        self.details.setText(self._details_html(link))
        self._show_others(link)

    @staticmethod
    def _details_html(link: ContextLink) -> str:
        context = link.context
        where = kind_in_words(context) + (f" · {escape(context.area)}" if context.area else "")
        parts = [f"<b>{escape(context.name)}</b>", escape(where)]
        if context.description:
            parts.append(escape(context.description))
        parts.append(f"<b>Why it matters:</b> {escape(link.why)}")
        parts.append(f"<b>How reliable:</b> {words(link.reliability)}")
        if link.weight is None:
            weight = "Not set"
        elif link.weight == 1:
            weight = "1 — the context that must change first for this young person"
        else:
            weight = f"{link.weight} (1 is the context that must change first)"
        parts.append(f"<b>Weighting:</b> {weight}")
        return "<br>".join(parts)

    def _show_others(self, link: ContextLink) -> None:
        assert self._case is not None
        others = self.deps.services.contexts.others_linked(
            link.context_id, except_young_person_id=self._case.young_person.id
        )
        by_initials = self.deps.settings.peer_detail == "initials"
        for person in others:
            self.others.addItem(initials(person) if by_initials else person.display_name)
        count = len(others)
        self.others_heading.setText(
            "No other young people are linked to this context."
            if count == 0
            else f"Also linked to this context: {count} other young "
            f"{'person' if count == 1 else 'people'}"
        )
        self.others.setVisible(count > 0)
        self.peer_detail_note.setText(
            ("Shown as initials" if by_initials else "Shown as full names") + " (hub setting)"
        )

    # -- actions --------------------------------------------------------------------------------
    def link_context(self) -> None:
        if self._case is None:
            return
        linked = {k.context_id for k in self._case.context_links}
        dialog = LinkContextDialog(self.deps, self._case.young_person.id, linked, self)
        dialog.accepted.connect(lambda: self._changed(dialog.link_id))
        self._open(dialog)

    def remove_link(self) -> None:
        link = self.selected_link()
        if link is None:
            return
        dialog = RemoveLinkDialog(self.deps, link, self)
        dialog.accepted.connect(lambda: self._changed(None))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(self._dialog_closed)
        dialog.open()

    def _dialog_closed(self) -> None:
        self.dialog = None
        self.table.setFocus()

    def _changed(self, select: str | None) -> None:
        assert self._case is not None
        self.show_case(self.deps.services.cases.case_file(self._case.young_person.id))
        if select is not None:
            self._select(select)
        self.status.emit("Contexts updated.")
        self.record_changed.emit()

    def _plan_requested(self) -> None:
        link = self.selected_link()
        if link is not None:
            self.plan_requested.emit(link.context_id)


__all__ = ["ContextLinksTableModel", "ContextsTab", "initials"]
