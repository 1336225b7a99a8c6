"""The case view's "Safety plan" tab: the young person's plan open in the editor, its
versions beside it, and a way to compare two of them.

Normally a young person has one plan, My Safety Plan; with none, the tab offers to start it.
Showing the case again (another tab changed something) re-reads the plan's versions but never
refills what is being typed (PlanEditor.refresh).
"""

from __future__ import annotations

import sys
from typing import Any

from hubdesk.errors import HubDeskError
from hubdesk.models import SafetyPlan
from hubdesk.services.cases import CaseFile
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.plan_compare import PlanCompare
from hubdesk.views.plan_editor import PlanEditor
from hubdesk.views.plan_words import version_words
from hubdesk.views.qt import (
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import message_label, named

_ID = Qt.ItemDataRole.UserRole


class PlanTab(CaseTab):
    title = "Safety plan"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._case_id: str | None = None
        self.compare_dialog: PlanCompare | None = None
        self.editor = PlanEditor(deps)
        self.editor.status.connect(self.status)
        self.editor.plan_state_changed.connect(self._plan_state_changed)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._start_page())
        self.pages.addWidget(self._plan_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _start_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.start_text = QLabel()
        self.start_text.setWordWrap(True)
        self.start_button = named(
            QPushButton("Start My Safet&y Plan"),
            "Start My Safety Plan",
            "Begin the plan, written with the young person in their own words",
        )
        self.start_button.clicked.connect(self._start)
        self.start_message = message_label("Starting the plan")
        layout.addWidget(self.start_text)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.start_message)
        layout.addStretch(1)
        return page

    def _plan_page(self) -> QWidget:
        side = QWidget()
        column = QVBoxLayout(side)
        self.plan_label = QLabel("&Plan")
        self.plan_choice = named(QComboBox(), "Plan")
        self.plan_label.setBuddy(self.plan_choice)
        self.plan_choice.currentIndexChanged.connect(self._plan_chosen)
        versions_label = QLabel("<b>Ve&rsions</b>")
        self.versions = named(
            QListWidget(), "Versions", "Newest first; press Enter to read a version"
        )
        versions_label.setBuddy(self.versions)
        self.versions.setWordWrap(True)
        self.versions.itemActivated.connect(self._version_chosen)
        hint = QLabel("Press Enter or double-click to read a version.")
        hint.setWordWrap(True)
        self.compare_button = named(
            QPushButton("Co&mpare versions…"),
            "Compare versions",
            "Two versions side by side, with the differences marked",
        )
        self.compare_button.clicked.connect(self.open_compare)
        for widget in (self.plan_label, self.plan_choice, versions_label, self.versions, hint):
            column.addWidget(widget)
        column.addWidget(self.compare_button)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "Plan and its versions")
        splitter.addWidget(self.editor)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        line = side.fontMetrics().horizontalAdvance("Version 10: Returned 00/00/0000")
        side.setMinimumWidth(line * 2 // 3)
        side.setMaximumWidth(line * 5 // 4)
        self.splitter, self._side = splitter, side
        self._split_by_hand = False
        splitter.splitterMoved.connect(self._split_moved)
        return splitter

    def resizeEvent(self, event: Any) -> None:
        """The plan gets three quarters of the width, which matters most with large text
        (a version's words wrap onto a second line), until the practitioner moves the
        divider."""
        super().resizeEvent(event)
        if not self._split_by_hand:
            side = self._side
            width = min(max(self.width() // 4, side.minimumWidth()), side.maximumWidth())
            self.splitter.setSizes([self.width() - width, width])

    def _split_moved(self) -> None:
        self._split_by_hand = True

    # -- the case -----------------------------------------------------------------------------
    def show_case(self, case: CaseFile) -> None:
        moved = case.young_person.id != self._case_id
        if moved and self.editor.plan is not None:
            self.editor.flush()
        self._case_id = case.young_person.id
        plans = sorted(case.plans, key=lambda p: p.created_at)
        if not plans:
            self.start_text.setText(
                f"There is no safety plan for {case.young_person.display_name} yet. My Safety "
                "Plan is written with them, in their own words first."
            )
            self.start_message.setText("")
            self.start_button.setEnabled(True)
            self.pages.setCurrentIndex(0)
            return
        self._fill_plans(plans)
        ids = [p.id for p in plans]
        chosen = self.editor.plan_id if self.editor.plan_id in ids else ids[0]
        if chosen == self.editor.plan_id:
            self.editor.refresh()
        else:
            self.editor.open_plan(chosen)
        self._fill_versions()
        self.pages.setCurrentIndex(1)

    def _fill_plans(self, plans: list[SafetyPlan]) -> None:
        self.plan_choice.blockSignals(True)
        self.plan_choice.clear()
        for plan in plans:
            self.plan_choice.addItem(plan.title, plan.id)
        index = self.plan_choice.findData(self.editor.plan_id)
        self.plan_choice.setCurrentIndex(max(index, 0))
        self.plan_choice.blockSignals(False)
        for widget in (self.plan_label, self.plan_choice):
            widget.setVisible(len(plans) > 1)

    def _plan_chosen(self, index: int) -> None:
        plan_id = self.plan_choice.itemData(index)
        if isinstance(plan_id, str) and plan_id != self.editor.plan_id:
            self.editor.open_plan(plan_id)
            self._fill_versions()

    def _fill_versions(self) -> None:
        self.versions.clear()
        loaded, shown = self.editor.plan, self.editor.shown_version
        if loaded is None:
            return
        for version in reversed(loaded.versions):
            text = version_words(version)
            if shown is not None and version.id == shown.id:
                text += " (open)"
            item = QListWidgetItem(text)
            item.setData(_ID, version.id)
            self.versions.addItem(item)
            if shown is not None and version.id == shown.id:
                self.versions.setCurrentItem(item)
        self.compare_button.setEnabled(len(loaded.versions) > 1)

    def _version_chosen(self, item: QListWidgetItem) -> None:
        loaded = self.editor.plan
        if loaded is None:
            return
        version_id = str(item.data(_ID))
        newest = version_id == loaded.newest.id
        self.editor.open_plan(loaded.plan.id, None if newest else version_id)
        self._fill_versions()

    def _plan_state_changed(self, _plan_id: str) -> None:
        self._fill_versions()
        self.record_changed.emit()

    # -- starting and comparing ---------------------------------------------------------------
    def _start(self) -> None:
        young_person_id = self._case_id
        if young_person_id is None:
            return
        self.start_button.setEnabled(False)
        self.start_message.setText("Starting the plan…")
        plans = self.deps.services.plans
        self.deps.tasks.write(
            lambda: plans.create(young_person_id=young_person_id),
            self._started,
            self._not_started,
        )

    def _started(self, _plan_id: object) -> None:
        if self._case_id is None:
            return
        self.show_case(self.deps.services.cases.case_file(self._case_id))
        self.editor.form.texts["what_i_want"].setFocus()
        self.status.emit("My Safety Plan started")
        self.record_changed.emit()

    def _not_started(self, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        if isinstance(exc, HubDeskError):
            self.start_message.setText(exc.message)
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)
        self.start_message.setText("The plan was not started: HubDesk met a problem.")

    def open_compare(self) -> None:
        plan_id = self.editor.plan_id
        if plan_id is None:
            return
        self.editor.flush()  # compare what is typed, not what was saved a moment ago
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = PlanCompare(self.deps, plan_id, self)
        self.compare_dialog.show()

    def settings_changed(self) -> None:
        self.editor.settings_changed()

    # -- saving and returning after a lock ----------------------------------------------------
    def flush(self) -> bool:
        return self.editor.flush() if self.editor.plan is not None else True

    def view_state(self) -> ViewState:
        return self.editor.view_state() if self.editor.plan is not None else {}

    def restore_view_state(self, state: ViewState) -> None:
        if state.get("plan_id"):
            self.editor.restore_view_state(state)
            self._fill_versions()
