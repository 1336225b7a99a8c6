"""The Screenings section of a case: the young person's screenings, newest first; start a new
one on the newest active tool, carry on with a draft, or read a completed one exactly as it
was filled (with the tool version it was filled with)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from hubdesk.errors import HubDeskError
from hubdesk.forms.definition import Answer, Definition
from hubdesk.models import Screening
from hubdesk.services.cases import CaseFile
from hubdesk.timeutil import format_date, words
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.overview_tab import age_on
from hubdesk.views.qt import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from hubdesk.views.record_table import RecordTable
from hubdesk.views.screening_form import ScreeningForm
from hubdesk.views.widgets import message_label, named

#: The tool new screenings use (its newest active version).
TOOL_ID = "exploitation"
COLUMNS = ("Started", "Status", "Guide level", "Level chosen", "Why", "Rescreen due")


def _answers(raw: dict[str, Any]) -> dict[str, Answer]:
    """Stored answers as the form reads them; anything not in the answer shape is left out."""
    answers = {}
    for qid, value in raw.items():
        try:
            answers[qid] = Answer.model_validate(value)
        except ValidationError:
            continue
    return answers


class ScreeningsTab(CaseTab):
    title = "Screenings"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._case: CaseFile | None = None
        self.form: ScreeningForm | None = None
        self.table = RecordTable("Screenings", COLUMNS, "Newest first; press Enter to open one")
        self.table.activated.connect(lambda _index: self.open_selected())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.start_button = named(QPushButton("Start a ne&w screening"), "Start a new screening")
        self.start_button.clicked.connect(self.start_new)
        self.open_button = named(QPushButton("O&pen the screening"), "Open the selected screening")
        self.open_button.clicked.connect(self.open_selected)
        self.message = message_label("Screenings message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        listing = QWidget()
        list_layout = QVBoxLayout(listing)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(buttons)
        list_layout.addWidget(self.summary)
        list_layout.addWidget(self.message)
        list_layout.addWidget(self.table, 1)
        self.back_button = named(QPushButton("&Back to the list"), "Back to the list")
        self.back_button.clicked.connect(self.back_to_list)
        self.form_page = QWidget()
        self.form_layout = QVBoxLayout(self.form_page)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form_layout.addWidget(self.back_button)
        self.pages = QStackedWidget()
        self.pages.addWidget(listing)
        self.pages.addWidget(self.form_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # -- the list ---------------------------------------------------------------------------
    def show_case(self, case: CaseFile) -> None:
        same = self._case is not None and self._case.young_person.id == case.young_person.id
        self._case = case
        ordered = sorted(case.screenings, key=lambda s: s.created_at, reverse=True)
        self.table.set_rows([(s.id, self._row(s)) for s in ordered])
        self.summary.setText(
            f"{len(ordered)} recorded" if ordered else "No screenings recorded yet."
        )
        if not same and self.form is not None:
            self._close_form()

    @staticmethod
    def _row(s: Screening) -> list[str]:
        return [
            format_date(s.created_at),
            words(s.status),
            words(s.computed_level) if s.computed_level else "",
            words(s.final_level) if s.final_level else "",
            s.rationale or "",
            format_date(s.rescreen_due),
        ]

    def _age(self) -> int | None:
        assert self._case is not None
        born = self._case.young_person.date_of_birth
        return age_on(born, self.deps.services.cases.today()) if born else None

    # -- opening and starting -----------------------------------------------------------------
    def start_new(self) -> None:
        if self._case is None:
            return
        try:
            definition = self.deps.services.definitions.newest_active(TOOL_ID)
        except HubDeskError as exc:
            self.message.setText(exc.message)
            return
        self._open_form(definition, None, {}, read_only=False)

    def open_selected(self) -> None:
        record_id = self.table.current_id()
        if self._case is None or record_id is None:
            self.message.setText("Choose a screening in the list first.")
            return
        self.open_screening(record_id)

    def open_screening(self, screening_id: str) -> bool:
        assert self._case is not None
        screening = next((s for s in self._case.screenings if s.id == screening_id), None)
        if screening is None:
            return False
        try:
            definition = self.deps.services.definitions.find(
                screening.definition_id, screening.definition_version
            )
        except HubDeskError as exc:
            self.message.setText(exc.message)
            return False
        if definition is None:
            self.message.setText(
                "This screening was filled with a tool this copy of HubDesk does not have "
                f"({screening.definition_id}, version {screening.definition_version})."
            )
            return False
        # A draft on a withdrawn version is read, not continued (its questions may be wrong).
        read_only = screening.is_frozen() or definition.status != "active"
        self._open_form(definition, screening.id, _answers(screening.answers), read_only)
        return True

    def _open_form(
        self,
        definition: Definition,
        screening_id: str | None,
        answers: dict[str, Answer],
        read_only: bool,
    ) -> None:
        assert self._case is not None
        self._close_form()
        self.message.setText("")
        form = ScreeningForm(
            self.deps,
            self._case.young_person.id,
            definition,
            screening_id=screening_id,
            answers=answers,
            read_only=read_only,
            age=self._age(),
        )
        form.status.connect(self.status)
        form.completed.connect(lambda _id: self.record_changed.emit())
        self.form = form
        self.form_layout.addWidget(form, 1)
        self.pages.setCurrentIndex(1)

    def back_to_list(self) -> None:
        self._close_form()
        self.record_changed.emit()  # the list shows what the form saved

    def _close_form(self) -> None:
        if self.form is not None:
            self.form.flush()
            self.form_layout.removeWidget(self.form)
            self.form.hide()  # deleted later, after the event loop: never drawn under the next
            self.form.deleteLater()
            self.form = None
        self.pages.setCurrentIndex(0)

    # -- the CaseTab promises -----------------------------------------------------------------
    def flush(self) -> bool:
        return self.form.flush() if self.form is not None else True

    def view_state(self) -> ViewState:
        if self.form is not None and self.form.screening_id is not None:
            return {"screening_id": self.form.screening_id, "form": self.form.view_state()}
        current = self.table.current_id()
        return {"record_id": current} if current else {}

    def restore_view_state(self, state: ViewState) -> None:
        if "screening_id" in state and self.open_screening(state["screening_id"]):
            assert self.form is not None
            self.form.restore_view_state(state.get("form", {}))
        elif "record_id" in state:
            self.table.select_id(state["record_id"])


__all__ = ["ScreeningsTab"]
