"""One screening question as a control, chosen by the question's kind.

A :class:`QuestionField` turns what is typed or chosen into an :class:`Answer` (None while
nothing is answered) and back. A completed screening is shown with :func:`answer_words`
instead: plain sentences a screen reader can read, nothing to edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hubdesk.forms.definition import Answer, IndicatorAnswer, Question, QuestionKind
from hubdesk.timeutil import format_date, parse_uk_date
from hubdesk.views.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import named

NOT_ANSWERED = "Not answered"
INDICATOR_CHOICES = [
    (IndicatorAnswer.NOT_KNOWN.value, "Not known"),
    (IndicatorAnswer.ABSENT.value, "Absent"),
    (IndicatorAnswer.CONCERN.value, "Concern"),
    (IndicatorAnswer.EVIDENCED.value, "Evidenced"),
]
YES_NO_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
#: Current/historic choice of a worrying indicator: None = not said.
WHEN_CHOICES: list[tuple[bool | None, str]] = [
    (None, "Not said"),
    (True, "Current (last 6 months)"),
    (False, "Historic"),
]


@dataclass(frozen=True)
class ContextChoice:
    """One of the young person's linked contexts, as a context question offers it."""

    context_id: str
    name: str


def choices_for(question: Question) -> list[tuple[str, str]]:
    """(value, label) pairs a combo question offers."""
    if question.kind is QuestionKind.INDICATOR:
        return INDICATOR_CHOICES
    if question.kind is QuestionKind.YES_NO:
        return YES_NO_CHOICES
    return [(o.value, o.label) for o in question.options]


def _combo(name: str, items: Sequence[tuple[object, str]], help_text: str) -> QComboBox:
    combo = named(QComboBox(), name, help_text)
    for value, label in items:
        combo.addItem(label, value)
    return combo


class QuestionField(QWidget):
    """The editable control(s) for one question; ``changed`` on every edit."""

    changed = Signal()

    def __init__(
        self, question: Question, contexts: Sequence[ContextChoice], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.question = question
        kind = question.kind
        name, help_text = question.text, question.help
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.source: QLineEdit | None = None
        self.when: QComboBox | None = None
        self.boxes: list[QCheckBox] = []
        self.text: QPlainTextEdit | None = None
        self.date: QLineEdit | None = None
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.hide()
        if kind is QuestionKind.CONTEXT:
            items = [(c.context_id, c.name) for c in contexts]
            self.combo = _combo(name, [(None, NOT_ANSWERED), *items], help_text)
        elif kind in (QuestionKind.INDICATOR, QuestionKind.YES_NO, QuestionKind.SINGLE_CHOICE):
            self.combo = _combo(name, [(None, NOT_ANSWERED), *choices_for(question)], help_text)
        if self.combo is not None:
            self.combo.currentIndexChanged.connect(self._edited)
            layout.addWidget(self.combo)
        if kind is QuestionKind.INDICATOR:
            self._add_indicator_detail(layout, name)
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            for option in question.options:
                box = named(QCheckBox(option.label), f"{name}: {option.label}", help_text)
                box.setProperty("value", option.value)
                box.toggled.connect(self._edited)
                self.boxes.append(box)
                layout.addWidget(box)
        elif kind is QuestionKind.TEXT:
            self.text = named(QPlainTextEdit(), name, help_text)
            self.text.setTabChangesFocus(True)
            self.text.setMaximumHeight(self.text.fontMetrics().lineSpacing() * 5)
            self.text.textChanged.connect(self._edited)
            layout.addWidget(self.text)
        elif kind is QuestionKind.DATE:
            self.date = named(QLineEdit(), name, help_text or "A date as DD/MM/YYYY")
            self.date.setPlaceholderText("DD/MM/YYYY")
            self.date.textChanged.connect(self._edited)
            layout.addWidget(self.date)
        layout.addWidget(self.problem)

    def _add_indicator_detail(self, layout: QVBoxLayout, name: str) -> None:
        self.detail = QWidget()
        row = QHBoxLayout(self.detail)
        row.setContentsMargins(0, 0, 0, 0)
        self.source = named(QLineEdit(), f"{name}: source", "Where this information came from")
        self.source.setPlaceholderText("Source (who told us, or where it was seen)")
        self.when = _combo(f"{name}: current or historic", WHEN_CHOICES, "Within 6 months?")
        self.source.textChanged.connect(self._edited)
        self.when.currentIndexChanged.connect(self._edited)
        row.addWidget(self.source, 2)
        row.addWidget(self.when, 1)
        layout.addWidget(self.detail)
        self.detail.hide()

    def controls(self) -> list[QWidget]:
        """The focusable controls, in tab order."""
        found: list[QWidget | None] = [self.combo, self.source, self.when, self.text, self.date]
        return [w for w in found if w is not None] + list(self.boxes)

    def _edited(self) -> None:
        if self.when is not None and self.combo is not None:
            worrying = self.combo.currentData() in ("concern", "evidenced")
            self.detail.setVisible(worrying)
        if self.date is not None:
            self._check_date()
        self.changed.emit()

    def _check_date(self) -> None:
        assert self.date is not None
        try:
            parse_uk_date(self.date.text())
        except ValueError as exc:
            self.problem.setText(f"Not saved yet: {exc}")
            self.problem.show()
            return
        self.problem.hide()

    def answer(self) -> Answer | None:
        """What is answered, or None (an unreadable date counts as unanswered)."""
        if self.combo is not None:
            value = self.combo.currentData()
            if value is None:
                return None
            if self.question.kind is QuestionKind.CONTEXT:
                return Answer(context_id=str(value))
            if self.source is not None and self.when is not None and self.detail.isVisibleTo(self):
                return Answer(
                    value=str(value), source=self.source.text(), current=self.when.currentData()
                )
            return Answer(value=str(value))
        if self.boxes:
            values = [str(b.property("value")) for b in self.boxes if b.isChecked()]
            return Answer(values=values) if values else None
        if self.text is not None:
            text = self.text.toPlainText()
            return Answer(text=text) if text.strip() else None
        if self.date is not None:
            try:
                day = parse_uk_date(self.date.text())
            except ValueError:
                return None
            return Answer(value=day.isoformat()) if day else None
        return None

    def set_answer(self, answer: Answer | None) -> None:
        """Show a stored answer (no ``changed`` while filling in)."""
        if answer is None:
            return
        self.blockSignals(True)
        try:
            self._fill(answer)
        finally:
            self.blockSignals(False)

    def _fill(self, answer: Answer) -> None:
        if self.combo is not None:
            wanted = (
                answer.context_id if self.question.kind is QuestionKind.CONTEXT else answer.value
            )
            index = self.combo.findData(wanted)
            if index < 0 and wanted is not None:
                self.combo.addItem("A context no longer linked", wanted)
                index = self.combo.count() - 1
            self.combo.setCurrentIndex(max(index, 0))
        if self.source is not None and self.when is not None:
            self.source.setText(answer.source)
            self.when.setCurrentIndex(max(self.when.findData(answer.current), 0))
        for box in self.boxes:
            box.setChecked(box.property("value") in answer.values)
        if self.text is not None:
            self.text.setPlainText(answer.text)
        if self.date is not None and answer.value:
            self.date.setText(format_date(date.fromisoformat(answer.value)))
        self._edited()


def answer_words(
    question: Question, answer: Answer | None, contexts: Sequence[ContextChoice]
) -> str:
    """An answer as it was stored, in words."""
    if answer is None:
        return NOT_ANSWERED
    kind = question.kind
    if kind is QuestionKind.CONTEXT:
        names = {c.context_id: c.name for c in contexts}
        return names.get(answer.context_id or "", "A context no longer linked")
    if kind is QuestionKind.MULTIPLE_CHOICE:
        labels = dict(choices_for(question))
        return ", ".join(labels.get(v, v) for v in answer.values) or NOT_ANSWERED
    if kind is QuestionKind.TEXT:
        return answer.text or NOT_ANSWERED
    if kind is QuestionKind.DATE:
        return format_date(date.fromisoformat(answer.value)) if answer.value else NOT_ANSWERED
    words = dict(choices_for(question)).get(answer.value or "", NOT_ANSWERED)
    if kind is QuestionKind.INDICATOR and answer.value in ("concern", "evidenced"):
        when = dict(WHEN_CHOICES).get(answer.current, "Not said")
        if answer.source:
            words += f"; source: {answer.source}"
        words += f"; {when.lower()}" if answer.current is not None else ""
    return words


def reading_label(question: Question, words: str) -> QLabel:
    """A stored answer the keyboard can reach and a screen reader can read."""
    label = named(QLabel(words), f"{question.text}: {words}")
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByKeyboard
        | Qt.TextInteractionFlag.TextSelectableByMouse
    )
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return label
