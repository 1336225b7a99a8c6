"""The safety plan editor: one plan, its newest version open for writing with the young
person (or, for a contextual plan, about a place or group), saved as it is typed.

Which version is open and what can be done with it is always said in words above the form.
Only a draft is changed in the vault; typing into a plan whose newest version is submitted,
approved, returned or active makes the service start a new draft version on the first save,
and the editor then says "Version N (draft), started from version M". A submitted version
stays as it was sent and keeps waiting for a team lead's decision; the banner says so before
anything is typed, and the new draft cannot be sent until that decision is made (the service
refuses, and its words appear beside Submit).

Autosave saves everything valid: a review date in the past or unreadable is left out (and
named beside the field); clearing the field clears the review date. An action without both
"what" and "who" cannot be part of the plan yet (the service needs both). Such typed text, and
dates that cannot be saved yet, are kept in the vault as a draft, said beside the field, and
put back when the plan is opened again (plan_saving), so an idle lock loses none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from html import escape

from hubdesk.errors import HubDeskError
from hubdesk.models import PlanVersion
from hubdesk.models.plans import PlanSubject, PlanVersionStatus
from hubdesk.settings import save_settings
from hubdesk.views.autosave import Autosave
from hubdesk.views.case_tab import Deps, ViewState
from hubdesk.views.plan_banner import STAND_OUT, banner_for
from hubdesk.views.plan_focus import focused_field, refocus
from hubdesk.views.plan_form import PlanForm
from hubdesk.views.plan_reading import LoadedPlan, load_plan
from hubdesk.views.plan_saving import (
    Kept,
    Typed,
    draft_key,
    put_back,
    read_kept,
    typed_now,
    write_for,
)
from hubdesk.views.plan_type import LargeType
from hubdesk.views.plan_words import heading_line
from hubdesk.views.qt import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import message_label, named

_TOP_RIGHT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight


class PlanEditor(QWidget):
    #: "Saved at 14:02", "Sent for a team lead's decision", or why something was refused.
    status = Signal(str)
    #: The plan's newest version changed state (submitted, or a new draft version started);
    #: carries the plan id. Lists of versions and other tabs reload on it.
    plan_state_changed = Signal(str)

    def __init__(self, deps: Deps) -> None:
        super().__init__()
        self.deps = deps
        self.plan: LoadedPlan | None = None
        self._shown_id: str | None = None  # the version whose content is in the form
        self._pinned = False  # an earlier version chosen to look at, read-only
        self._loading = False
        self._submitting = False
        #: What the vault holds as far as the editor knows (None: not known, write it all).
        self._sent: Typed | None = None
        self.autosave = Autosave(deps.tasks, self._snapshot, self)
        self.autosave.status_changed.connect(self._save_status)
        self.autosave.saved.connect(self._saved)
        self._build()
        self.large_type = LargeType(
            self, deps.settings.large_type, self._large_type_chosen, scaled=self.form
        )
        self.set_title_shown(True)
        self._show_nothing()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self._top = QGridLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.version_line = named(QLabel(), "Which version is open")
        self.version_line.setWordWrap(True)
        self._top.setColumnStretch(0, 1)
        layout.addLayout(self._top)
        self.banner = message_label("About this version")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setMargin(8)
        layout.addWidget(self.banner)
        self.form = PlanForm()
        self.form.edited.connect(self._edited)
        self.scroller = named(QScrollArea(), "The plan")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(self.form)
        layout.addWidget(self.scroller, 1)
        #: Submit, what happened to it, and the save line; a window holding the editor may
        #: add its own buttons at the end.
        self.bottom_row = bottom = QHBoxLayout()
        self.submit_button = named(
            QPushButton("S&ubmit for approval"),
            "Submit for approval",
            "Send this version to a team lead to approve or return",
        )
        self.submit_button.clicked.connect(self.submit)
        self.submit_message = message_label("Submitting")
        self.save_line = message_label("Saving")
        bottom.addWidget(self.submit_button)
        bottom.addWidget(self.submit_message, 3)
        bottom.addWidget(self.save_line, 1)
        layout.addLayout(bottom)

    def set_title_shown(self, shown: bool) -> None:
        """Show the plan's title above the version line, or not (in a window already titled
        with the plan). Large type sits beside the title, or beside the version line."""
        for widget in (self.title, self.version_line, self.large_type.button):
            self._top.removeWidget(widget)
        self.title.setVisible(shown)
        if shown:
            self._top.addWidget(self.title, 0, 0)
            self._top.addWidget(self.large_type.button, 0, 1, _TOP_RIGHT)
            self._top.addWidget(self.version_line, 1, 0, 1, 2)
        else:
            self._top.addWidget(self.version_line, 1, 0)
            self._top.addWidget(self.large_type.button, 1, 1, _TOP_RIGHT)

    # -- opening -----------------------------------------------------------------------------
    @property
    def plan_id(self) -> str | None:
        return self.plan.plan.id if self.plan else None

    @property
    def shown_version(self) -> PlanVersion | None:
        return self.plan.version(self._shown_id) if self.plan and self._shown_id else None

    def open_plan(self, plan_id: str, version_id: str | None = None) -> None:
        """Open the plan's newest version to edit, or an earlier one (``version_id``) to read."""
        if self.plan is not None:
            self.flush()
        self.plan = load_plan(self.deps.services, plan_id)
        shown = (self.plan.version(version_id) if version_id else None) or self.plan.newest
        self._pinned = shown is not self.plan.newest
        self._show(shown)

    def refresh(self) -> None:
        """Read the plan again (a decision may have arrived) without touching what is typed:
        the form is refilled only while it cannot be typed into."""
        if self.plan is None:
            return
        self.plan = load_plan(self.deps.services, self.plan.plan.id)
        shown = self.shown_version
        if self._editable() and shown is not None:
            self._update_state()
            return
        if shown is None or not self._pinned:
            shown = self.plan.newest
            self._pinned = False
        self._show(shown)

    def _show(self, version: PlanVersion) -> None:
        assert self.plan is not None
        self._loading = True
        try:
            self._shown_id = version.id
            self.form.set_words(self.plan.words)
            kept = self._kept() if self._writable(version) else Kept()
            self.form.show_version(version, kept.rows)
            put_back(self.form, kept)
            self._sent = self._typed()
        finally:
            self._loading = False
        self.submit_message.setText("")
        self._update_state()
        self._update_notes()
        self.scroller.verticalScrollBar().setValue(0)

    def _show_nothing(self) -> None:
        self.title.setText("<h2>No plan open</h2>")
        self.version_line.setText("")
        self.banner.hide()
        self.form.set_read_only(True)
        self.submit_button.setEnabled(False)

    def _writable(self, version: PlanVersion) -> bool:
        """Whether ``version`` will be open for typing (the kept draft belongs in it)."""
        return self.plan is not None and not self._pinned and version is self.plan.newest

    def _kept(self) -> Kept:
        assert self.plan is not None
        return read_kept(self.deps.services.drafts.load(draft_key(self.plan.plan.id)))

    # -- state in words ----------------------------------------------------------------------
    def _editable(self) -> bool:
        return self.plan is not None and not self._pinned and not self._submitting

    def _update_state(self) -> None:
        if self.plan is None or self.shown_version is None:
            self._show_nothing()
            return
        plan, shown = self.plan, self.shown_version
        self.title.setText(f"<h2>{escape(plan.plan.title)}</h2>")
        self.version_line.setText(f"<b>{escape(heading_line(shown, plan.versions))}</b>")
        banner, stand_out = banner_for(plan, shown, pinned=self._pinned)
        self.banner.setText(banner)
        self.banner.setStyleSheet(STAND_OUT if stand_out else "")
        self.banner.setVisible(bool(banner))
        self.form.set_read_only(not self._editable())
        self.submit_button.setEnabled(
            self._editable() and (shown.status is PlanVersionStatus.DRAFT or self.autosave.pending)
        )

    # -- saving ------------------------------------------------------------------------------
    def _edited(self) -> None:
        if self._loading:
            return
        self._update_notes()
        self.autosave.changed()
        self.submit_message.setText("")
        self._update_state()

    def _update_notes(self) -> None:
        problem = self.form.review_problem(self.deps.services.plans.today())
        self.form.review_note.setText(problem or "")

    def _typed(self) -> Typed:
        assert self.plan is not None
        return typed_now(
            self.form,
            with_code_word=self.plan.plan.subject is PlanSubject.YOUNG_PERSON,
            today=self.deps.services.plans.today(),
        )

    def _snapshot(self) -> Callable[[], str | None] | None:
        if self.plan is None or not self._editable():
            return None
        now = self._typed()
        write = write_for(self.deps.services, self.plan.plan.id, now, self._sent)
        self._sent = now
        return write

    def _saved(self, version_id: object) -> None:
        if self.plan is None or not isinstance(version_id, str) or version_id == self._shown_id:
            return
        # The first save of a frozen version started a new draft: the form now holds it.
        self.plan = load_plan(self.deps.services, self.plan.plan.id)
        if self.plan.version(version_id) is None:
            return  # another plan was opened meanwhile
        self._shown_id = version_id
        self._update_state()
        self.plan_state_changed.emit(self.plan.plan.id)

    def _save_status(self, text: str) -> None:
        if self.autosave.last_problem:
            self._sent = None  # write everything again with the next attempt
        self.save_line.setText(text)
        self.status.emit(text)

    def unsaved(self) -> list[str]:
        """Dates typed that the plan has not taken, in words (empty when it has them all).
        They are kept in the vault as a draft, but cannot be submitted."""
        if not self._editable():
            return []
        said = [
            f"Action {n}'s date is not saved yet: {problem}"
            for n, problem in self.form.action_date_problems()
        ]
        problem = self.form.review_problem(self.deps.services.plans.today())
        return said + ([problem] if problem else [])

    def flush(self) -> bool:
        """Save now and wait. True when everything typed is in the vault: in the plan, or kept
        as a draft (a half-typed action, a date that cannot be saved yet: see :meth:`unsaved`);
        False when the vault refused the save."""
        return self.autosave.flush()

    # -- submitting --------------------------------------------------------------------------
    def submit(self) -> None:
        if self.plan is None or not self._editable():
            return
        half = [
            f"Action {n} needs what will happen and who will do it."
            for n in self.form.half_typed_actions()
        ]
        unsaved = half + self.unsaved()
        if unsaved:
            self._say_submit("This plan cannot be submitted yet: " + " ".join(unsaved))
            return
        if not self.autosave.flush():
            self._say_submit(
                f"Not sent: {self.autosave.last_problem or 'the plan is not saved yet.'}"
            )
            return
        newest = self.plan.newest
        if newest.status is not PlanVersionStatus.DRAFT:
            self._say_submit("There is nothing new to submit: change the plan first.")
            return
        self._submitting = True
        self._update_state()
        self._say_submit("Sending to a team lead…")
        plans, version_id = self.deps.services.plans, newest.id
        self.deps.tasks.write(lambda: plans.submit(version_id), self._submitted, self._not_sent)

    def _submitted(self, _: object) -> None:
        self._submitting = False
        assert self.plan is not None
        plan_id = self.plan.plan.id
        self.plan = load_plan(self.deps.services, plan_id)
        self._pinned = False
        self._show(self.plan.newest)
        self._say_submit("Sent for a team lead's decision.")
        self.status.emit(f"Version {self.plan.newest.number} sent for a team lead's decision")
        self.plan_state_changed.emit(plan_id)

    def _not_sent(self, exc: BaseException) -> None:
        self._submitting = False
        self._update_state()
        if isinstance(exc, HubDeskError):
            self._say_submit(exc.message)
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)
        self._say_submit("Not sent: HubDesk met a problem it did not expect. Nothing was lost.")

    def _say_submit(self, text: str) -> None:
        self.submit_message.setText(text)
        if text:
            self.status.emit(text)

    # -- large type --------------------------------------------------------------------------
    def settings_changed(self) -> None:
        """Follow the settings after File → Settings changed them (already saved there)."""
        self.large_type.follow(self.deps.settings.large_type)

    def _large_type_chosen(self, on: bool) -> None:
        self.deps.settings.large_type = on
        try:
            save_settings(self.deps.settings)
        except OSError as exc:
            self.status.emit(f"Large type is {'on' if on else 'off'}, but not kept: {exc}")

    # -- where the practitioner was -----------------------------------------------------------
    def view_state(self) -> ViewState:
        state: ViewState = {"scroll": self.scroller.verticalScrollBar().value()}
        if self.plan is not None:
            state["plan_id"] = self.plan.plan.id
            state["version_id"] = self._shown_id if self._pinned else None
        return state | focused_field(self)

    def restore_view_state(self, state: ViewState) -> None:
        plan_id = state.get("plan_id")
        if isinstance(plan_id, str) and plan_id != self.plan_id:
            self.open_plan(plan_id, state.get("version_id"))
        self.scroller.verticalScrollBar().setValue(int(state.get("scroll", 0)))
        field = refocus(self, state)
        if field is not None:
            self.scroller.ensureWidgetVisible(field)
