"""One young person's case: a heading and tabs (overview, screenings, safety plan, contact
notes, contexts, missing episodes, timeline).

The case file is read once per choice of young person; only the tab on screen is filled at
once, the others when they are first shown (so moving down the caseload stays quick). Before
moving to another young person, every tab saves what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from hubdesk.errors import NotFoundError
from hubdesk.services.cases import CaseFile
from hubdesk.timeutil import words
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.overview_tab import age_on, due_words
from hubdesk.views.qt import (
    QAction,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QStackedWidget,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.sync_status import ATTENTION
from hubdesk.views.widgets import named


class CaseView(QWidget):
    #: For the window's status bar: saved, or why not.
    status = Signal(str)
    #: Something changed that the caseload shows (level, flags, a new plan …).
    case_changed = Signal(str)
    #: The conflict badge was chosen: open the conflicts of this young person.
    conflicts_requested = Signal(str)

    def __init__(self, deps: Deps, tab_types: Sequence[type[CaseTab]]) -> None:
        super().__init__()
        self.deps = deps
        self.case: CaseFile | None = None
        self._stale: set[int] = set()
        self.heading = named(QLabel(""), "Young person")
        self.heading.setWordWrap(True)
        self.conflict_badge = named(
            QPushButton(""),
            "Sync conflicts in this case",
            "Records in this case were changed here and on the hub at the same time: "
            "choose which version to keep",
        )
        self.conflict_badge.setStyleSheet(ATTENTION)
        self.conflict_badge.setVisible(False)
        self.conflict_badge.clicked.connect(self._conflicts_chosen)
        self.tabs = named(QTabWidget(), "Case sections")
        named(self.tabs.tabBar(), "Case sections", "Ctrl+1 to Ctrl+7 go straight to a section")
        self.tab_list: list[CaseTab] = []
        for number, tab_type in enumerate(tab_types, start=1):
            tab = tab_type(deps)
            tab.record_changed.connect(self._reload_others)
            tab.status.connect(self.status)
            index = self.tabs.addTab(tab, tab.title)
            self.tab_list.append(tab)
            # Ctrl+1 … Ctrl+7 (Alt+letter is taken by the caseload's fields and buttons).
            go = QAction(f"Go to {tab.title}", self)
            go.setShortcut(QKeySequence(f"Ctrl+{number}"))
            go.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            self.addAction(go)
            self.tabs.setTabToolTip(index, f"{tab.title} (Ctrl+{number})")
        self.tabs.currentChanged.connect(self._fill_if_stale)
        empty = QLabel("Choose a young person from the caseload to see their case.")
        empty.setWordWrap(True)
        case_page = QWidget()
        page = QVBoxLayout(case_page)
        page.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.conflict_badge, 0, Qt.AlignmentFlag.AlignTop)
        page.addLayout(top)
        page.addWidget(self.tabs, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(case_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    @property
    def young_person_id(self) -> str | None:
        return None if self.case is None else self.case.young_person.id

    def tab_of(self, tab_type: type[CaseTab]) -> CaseTab:
        return next(t for t in self.tab_list if isinstance(t, tab_type))

    def show_case(self, young_person_id: str) -> bool:
        """Show a young person (saving what was typed first); False if they are not there."""
        if young_person_id == self.young_person_id:
            return True
        self.flush()
        try:
            case = self.deps.services.cases.case_file(young_person_id)
        except NotFoundError:
            self.clear()
            return False
        self._show(case, keep=None)
        return True

    def reload(self) -> None:
        """Read the case again (after a change elsewhere) and refresh every tab."""
        if self.case is not None:
            self._reload_except(None)

    def apply_settings(self) -> None:
        for tab in self.tab_list:
            tab.settings_changed()
        self.reload()

    def clear(self) -> None:
        self.case = None
        self.pages.setCurrentIndex(0)

    def _reload_others(self) -> None:
        sender = self.sender()
        self._reload_except(sender if isinstance(sender, CaseTab) else None)
        if self.case is not None:
            self.case_changed.emit(self.case.young_person.id)

    def _reload_except(self, keep: CaseTab | None) -> None:
        assert self.case is not None
        try:
            case = self.deps.services.cases.case_file(self.case.young_person.id)
        except NotFoundError:
            self.clear()
            return
        self._show(case, keep)

    def show_conflicts(self) -> None:
        """The badge: how many sync conflicts wait in this young person's case (hidden at 0)."""
        count = 0
        if self.case is not None:
            count = self.deps.services.conflicts.count_open(self.case.young_person.id)
        text = f"{count} sync {'conflict' if count == 1 else 'conflicts'} to choose"
        self.conflict_badge.setText(text)
        self.conflict_badge.setAccessibleName(text)
        self.conflict_badge.setVisible(count > 0)

    def _conflicts_chosen(self) -> None:
        if self.case is not None:
            self.conflicts_requested.emit(self.case.young_person.id)

    def _show(self, case: CaseFile, keep: CaseTab | None) -> None:
        self.case = case
        self.heading.setText(self._heading_html(case))
        self.show_conflicts()
        self._stale = {i for i, tab in enumerate(self.tab_list) if tab is not keep}
        self.pages.setCurrentIndex(1)
        self._fill_if_stale(self.tabs.currentIndex())

    def _fill_if_stale(self, index: int) -> None:
        if index in self._stale and self.case is not None:
            self._stale.discard(index)
            self.tab_list[index].show_case(self.case)

    def _heading_html(self, case: CaseFile) -> str:
        p = case.young_person
        today = self.deps.services.cases.today()
        parts = []
        if p.date_of_birth:
            parts.append(f"age {age_on(p.date_of_birth, today)}")
        parts.append(words(p.level) if p.level else "not screened yet")
        parts.append(f"next review {due_words(p.next_review_date, today)}")
        if p.status.value == "closed":
            parts.append("case closed")
        return f"<h2>{escape(p.display_name)}</h2><p>{escape(' · '.join(parts))}</p>"

    # -- saving and returning after a lock ----------------------------------------------
    def flush(self) -> bool:
        return all([tab.flush() for tab in self.tab_list])

    def view_state(self) -> ViewState:
        if self.case is None:
            return {}
        index = self.tabs.currentIndex()
        return {
            "case": self.case.young_person.id,
            "tab": index,
            "in_tab": self.tab_list[index].view_state(),
        }

    def restore_view_state(self, state: ViewState) -> None:
        if not state or not self.show_case(state["case"]):
            return
        index = int(state.get("tab", 0))
        self.tabs.setCurrentIndex(index)
        self.tab_list[index].restore_view_state(state.get("in_tab", {}))
