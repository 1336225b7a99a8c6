"""A contextual safety plan in a window of its own: the plan to make a place, peer group,
school or online space safer, opened from a young person's contexts while their case stays
open behind it (so the dialog is not modal).

The plan is started on first opening if the context has none. Everything typed autosaves as
in My Safety Plan; closing saves and waits. If something typed is not in the plan (a review
date that has passed, say: it is kept as a draft and comes back with the plan) or the vault
refused the save, the first close keeps the window open and says so; closing again closes.
The dialog deletes itself once closed: keep it only until ``finished``.
"""

from __future__ import annotations

import sys

from hubdesk.errors import HubDeskError
from hubdesk.views.case_tab import Deps
from hubdesk.views.plan_editor import PlanEditor
from hubdesk.views.qt import (
    QDialog,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import message_label, named


class ContextPlanDialog(QDialog):
    #: "Saved at 14:02", or why something was refused: for the window's status bar.
    status = Signal(str)
    #: The plan was started, or its newest version changed state; carries the plan id.
    plan_state_changed = Signal(str)

    def __init__(
        self, deps: Deps, context_id: str, context_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.deps, self.context_id = deps, context_id
        self._starting = False
        self._warned = False  # said once what is not saved; closing again leaves it out
        self.setWindowTitle(f"Contextual safety plan — {context_name}")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = PlanEditor(deps)
        self.editor.status.connect(self.status)
        self.editor.plan_state_changed.connect(self.plan_state_changed)
        self.editor.form.edited.connect(self._edited)
        self.editor.set_title_shown(False)  # the window's title names the plan
        editor_layout = self.editor.layout()
        if editor_layout is not None:
            editor_layout.setContentsMargins(0, 0, 0, 0)  # the dialog's margins are enough
        self.message = message_label("About this plan")
        self.message.hide()
        self.close_button = named(
            QPushButton("Close"), "Close the plan", "Saves the plan and closes this window"
        )
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.editor.bottom_row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.message)
        self.resize(1000, 700)

    # -- opening ------------------------------------------------------------------------------
    def load(self) -> None:
        """Open the context's plan, or start one (on the write thread) if it has none."""
        try:
            plan_id = self.deps.services.plans.for_context(self.context_id)
        except HubDeskError as exc:
            self._say(exc.message)
            return
        if plan_id is not None:
            self._opened(plan_id)
            return
        self._starting = True
        self._say("Starting the contextual safety plan…")
        plans, context_id = self.deps.services.plans, self.context_id
        self.deps.tasks.write(
            lambda: plans.create(context_id=context_id), self._started, self._not_started
        )

    def _started(self, plan_id: object) -> None:
        self._starting = False
        if isinstance(plan_id, str):
            self._opened(plan_id)
            self.status.emit("Contextual safety plan started")
            self.plan_state_changed.emit(plan_id)

    def _not_started(self, exc: BaseException) -> None:
        self._starting = False
        if isinstance(exc, HubDeskError):
            self._say(f"The plan was not started: {exc.message}")
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)
        self._say("The plan was not started: HubDesk met a problem it did not expect.")

    def _opened(self, plan_id: str) -> None:
        self._say("")
        self.editor.open_plan(plan_id)
        if not self.editor.form.texts["what_i_want"].isReadOnly():
            self.editor.form.texts["what_i_want"].setFocus()

    def settings_changed(self) -> None:
        """The practitioner changed the settings (File → Settings): follow them."""
        self.editor.settings_changed()

    # -- saving and closing -------------------------------------------------------------------
    def flush(self) -> bool:
        """Save everything typed and wait; True when it is all in the vault (in the plan, or
        kept as a draft)."""
        if self._starting:
            self.deps.tasks.wait_idle()
            self.deps.tasks.deliver_finished()  # the new plan's id
        return self.editor.flush() if self.editor.plan is not None else True

    def done(self, result: int) -> None:
        """Every way of closing (the button, Escape, the window's ×) ends here: save first."""
        saved = self.flush()
        left_out = self.editor.unsaved()
        if (saved and not left_out) or self._warned:
            super().done(result)
            return
        self._warned = True
        if saved:
            self._say(
                f"Not everything is in the plan yet: {' '.join(left_out)} What you typed is "
                "kept for when the plan is opened again. Put it right, or close again."
            )
            return
        problem = self.editor.autosave.last_problem or "The plan is not saved yet."
        self._say(
            f"Not everything is saved: {problem} Put it right, or close again to leave it out."
        )

    def _edited(self) -> None:
        self._warned = False
        self._say("")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def open_context_plan(deps: Deps, context_id: str, parent: QWidget | None) -> ContextPlanDialog:
    """Show the context's plan (starting it if there is none) in a window beside the case.
    A window already open on the same context is brought forward instead of opening twice."""
    for shown in parent.findChildren(ContextPlanDialog) if parent is not None else []:
        if shown.context_id == context_id and shown.isVisible():
            shown.raise_()
            shown.activateWindow()
            return shown
    name = next((c.name for c in deps.services.contexts.all() if c.id == context_id), "")
    dialog = ContextPlanDialog(deps, context_id, name, parent)
    dialog.load()
    dialog.show()
    return dialog


__all__ = ["ContextPlanDialog", "open_context_plan"]
