"""A screening form generated from a tool definition: answer, see the guide, decide, complete.

Sections on the left with progress in words; the current section's visible questions in the
middle (questions hidden by ``show_when`` appear and disappear as answers change); the live
guide and the decision on the right. Every change autosaves (the first creates the screening).
A completed screening is shown as words, exactly as stored, with nothing to edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hubdesk.forms.definition import Answer, Definition, Section
from hubdesk.forms.scoring import Guide, guide, visible_questions
from hubdesk.models import Screening
from hubdesk.models.enums import Level
from hubdesk.timeutil import format_datetime
from hubdesk.views.autosave import Autosave, RecordId
from hubdesk.views.case_tab import Deps, ViewState
from hubdesk.views.qt import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.screening_fields import (
    ContextChoice,
    QuestionField,
    answer_words,
    reading_label,
)
from hubdesk.views.screening_panels import (
    DecisionPanel,
    GuidePanel,
    level_label,
    stored_decision,
)
from hubdesk.views.widgets import buddy, named, problem_words


def _as_answer(value: Any) -> Answer:
    return value if isinstance(value, Answer) else Answer.model_validate(value)


class ScreeningForm(QWidget):
    #: "Saved at 14:02", or why a save or completion was refused.
    status = Signal(str)
    #: The screening's id, once it is completed.
    completed = Signal(str)

    def __init__(
        self,
        deps: Deps,
        young_person_id: str,
        definition: Definition,
        screening_id: str | None = None,
        answers: Mapping[str, Any] | None = None,
        read_only: bool = False,
        age: int | None = None,
    ) -> None:
        super().__init__()
        self.deps = deps
        self.young_person_id = young_person_id
        self.definition = definition
        self.age = age
        self.record = RecordId(screening_id)
        self.read_only = read_only
        self._stored = {k: _as_answer(v) for k, v in (answers or {}).items()}
        case = deps.services.cases.case_file(young_person_id)
        self.contexts = [ContextChoice(k.context_id, k.context.name) for k in case.context_links]
        self.fields: dict[str, QuestionField] = {}
        self.rows: dict[str, QWidget] = {}
        self.autosave = Autosave(deps.tasks, self._snapshot, self)
        self.autosave.status_changed.connect(self.status)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._body: QWidget | None = None
        self._build()

    @property
    def screening_id(self) -> str | None:
        """The screening's id; None until the first change has been saved."""
        return self.record.value

    # Building ---------------------------------------------------------------------------

    def _build(self) -> None:
        if self._body is not None:
            self._body.hide()
            self._body.setParent(None)  # out of findChildren at once, not at deletion
            self._body.deleteLater()
        self.fields, self.rows = {}, {}
        self._body = QWidget(self)
        row = QHBoxLayout(self._body)
        self.sections = named(QListWidget(), "Sections", "Each section and how much is answered")
        self.sections.setWordWrap(True)
        self.pages = QStackedWidget()
        left = QVBoxLayout()
        left.addWidget(buddy("Sect&ions", self.sections))
        left.addWidget(self.sections)
        row.addLayout(left, 2)
        row.addWidget(self.pages, 5)
        for section in self.definition.sections:
            self.sections.addItem(section.title)
            self.pages.addWidget(self._page(section))
        self.sections.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.guide_panel = GuidePanel()
        right = QVBoxLayout()
        right.addWidget(self.guide_panel, 3)
        if self.read_only:
            right.addWidget(self._stored_panel(), 2)
        else:
            self.decision = DecisionPanel(self.definition)
            self.decision.complete.clicked.connect(self.complete)
            right.addWidget(self.decision, 2)
        row.addLayout(right, 3)
        self._outer.addWidget(self._body)
        self.sections.setCurrentRow(0)
        self._refresh(save=False)

    def _page(self, section: Section) -> QScrollArea:
        page = QWidget()
        layout = QVBoxLayout(page)
        if section.help:
            intro = QLabel(section.help)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        for question in section.questions:
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 6, 0, 6)
            title = question.text + (" (required)" if question.required else "")
            heading = QLabel(title)
            heading.setWordWrap(True)
            heading.setToolTip(question.help)
            column.addWidget(heading)
            answer = self._stored.get(question.id)
            if self.read_only:
                words = answer_words(question, answer, self.contexts)
                control: QWidget = reading_label(question, words)
                heading.setBuddy(control)
            else:
                field = QuestionField(question, self.contexts)
                field.set_answer(answer)
                field.changed.connect(lambda: self._refresh(save=True))
                heading.setBuddy(field.controls()[0])
                self.fields[question.id] = field
                control = field
            column.addWidget(control)
            if question.help:
                hint = QLabel(question.help)
                hint.setWordWrap(True)
                italic = hint.font()
                italic.setItalic(True)  # a hint, kept at full contrast (not greyed out)
                hint.setFont(italic)
                column.addWidget(hint)
            self.rows[question.id] = box
            layout.addWidget(box)
        layout.addStretch(1)
        scroll = named(QScrollArea(), f"{section.title} questions")
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def _stored_panel(self) -> QWidget:
        screening = self._screening()
        if screening is not None and not screening.is_frozen():
            return stored_decision(
                [
                    f"This draft was started with version {self.definition.version} of the "
                    "tool, which has since been withdrawn. It is kept as it was filled and "
                    "can be read, not continued.",
                    "Start a new screening to use the current version.",
                ]
            )
        lines = ["This screening is completed and is kept as it was filled."]
        if screening is not None:
            lines.append(f"Final level: {level_label(self.definition, screening.final_level)}")
            lines.append(f"Rationale: {screening.rationale or 'None written'}")
            if screening.pathway:
                lines.append(f"Pathway: {screening.pathway}")
            if screening.completed_at is not None:
                done = format_datetime(screening.completed_at)
                lines.append(f"Completed {done} by {screening.completed_by or 'not recorded'}")
        return stored_decision(lines)

    def _screening(self) -> Screening | None:
        case = self.deps.services.cases.case_file(self.young_person_id)
        return next((s for s in case.screenings if s.id == self.record.value), None)

    # Answers and the guide ---------------------------------------------------------------

    def answers(self) -> dict[str, Answer]:
        """The answers as they stand (stored ones, in read-only mode)."""
        if self.read_only:
            return dict(self._stored)
        found = {qid: field.answer() for qid, field in self.fields.items()}
        return {qid: answer for qid, answer in found.items() if answer is not None}

    def guide(self) -> Guide:
        return guide(self.definition, self.answers(), self.age)

    def _refresh(self, *, save: bool) -> None:
        answers = self.answers()
        shown = visible_questions(self.definition, answers)
        for qid, row in self.rows.items():
            row.setVisible(qid in shown)
        for index, section in enumerate(self.definition.sections):
            asked = [q.id for q in section.questions if q.id in shown]
            done = sum(1 for qid in asked if qid in answers)
            item = self.sections.item(index)
            if item is not None:
                item.setText(f"{section.title} — {done} of {len(asked)} answered")
        if self.read_only:
            stored = self._screening()
            if stored is not None:
                label = level_label(self.definition, stored.computed_level)
                self.guide_panel.show_guide(label, [str(r) for r in stored.computed_reasons])
                return
        now = guide(self.definition, answers, self.age)
        self.guide_panel.show_guide(level_label(self.definition, now.level), now.reasons)
        if save:
            self.autosave.changed()

    def _snapshot(self) -> Callable[[], Any] | None:
        if self.read_only:
            return None
        answers = self.answers()
        now = guide(self.definition, answers, self.age)
        dumped = {qid: answer.model_dump() for qid, answer in answers.items()}
        services, record, pid = self.deps.services, self.record, self.young_person_id
        definition_id, version = self.definition.id, self.definition.version

        def write() -> str:
            if record.value is None:
                record.value = services.screenings.start(
                    pid, definition_id=definition_id, definition_version=version
                )
            services.screenings.save(
                record.value,
                answers=dumped,
                computed_level=Level(now.level),
                computed_reasons=list(now.reasons),
                computed_score={"score": now.score, "sections": now.section_scores},
            )
            return record.value

        return write

    def flush(self) -> bool:
        return self.autosave.flush()

    # Completing --------------------------------------------------------------------------

    def refusals(self) -> list[str]:
        """Why the screening cannot be completed yet, in words (empty when it can)."""
        answers = self.answers()
        shown = visible_questions(self.definition, answers)
        missing = [
            q.text
            for q in self.definition.questions()
            if q.required and q.id in shown and q.id not in answers
        ]
        problems = []
        if missing:
            problems.append("Answer the required questions first: " + "; ".join(missing) + ".")
        chosen = self.decision.chosen()
        if chosen is None:
            problems.append("Choose the level you decide.")
        elif chosen != self.guide().level and not self.decision.rationale.toPlainText().strip():
            guide_words = level_label(self.definition, self.guide().level)
            problems.append(
                f"The level you chose differs from the guide ({guide_words}): write a rationale."
            )
        return problems

    def complete(self) -> None:
        problems = self.refusals()
        if problems:
            self.decision.problem.setText(" ".join(problems))
            return
        self.autosave.changed()  # the first save creates the screening if nothing was typed
        if not self.flush():
            self.decision.problem.setText(self.autosave.last_problem or "Not saved yet.")
            return
        chosen = self.decision.chosen()
        band = next(b for b in self.definition.levels if b.id == chosen)
        pathway = band.pathway.summary if band.pathway else None
        rationale = self.decision.rationale.toPlainText()
        services, screening_id = self.deps.services, self.record.value
        assert screening_id is not None
        self.decision.complete.setEnabled(False)
        self.decision.problem.setText("Completing…")

        def write() -> None:
            services.screenings.complete(
                screening_id, final_level=Level(band.id), rationale=rationale, pathway=pathway
            )

        self.deps.tasks.write(write, self._completed, self._refused)

    def _completed(self, _: object) -> None:
        self._stored = self.answers()
        self.read_only = True
        self._build()
        self.sections.setFocus()
        self.status.emit("Screening completed")
        self.completed.emit(self.record.value or "")

    def _refused(self, exc: BaseException) -> None:
        self.decision.complete.setEnabled(True)
        self.decision.problem.setText(problem_words(exc))

    # Where the practitioner was -----------------------------------------------------------

    def view_state(self) -> ViewState:
        state: ViewState = {"section": self.sections.currentRow()}
        focused = QApplication.focusWidget()
        for qid, row in self.rows.items():
            if focused is not None and row.isAncestorOf(focused):
                state["question"] = qid
        return state

    def restore_view_state(self, state: ViewState) -> None:
        section = state.get("section")
        if isinstance(section, int) and 0 <= section < self.sections.count():
            self.sections.setCurrentRow(section)
        field = self.fields.get(str(state.get("question")))
        if field is not None:
            field.controls()[0].setFocus()
        elif (row := self.rows.get(str(state.get("question")))) is not None:
            row.setFocus()
