"""The screening form's side panels: the live guide, and the practitioner's decision.

The guide only guides: the panel says so beside the level, and the decision panel asks for a
rationale whenever the chosen level differs from it (DOMAIN.md, "Screening").
"""

from __future__ import annotations

from collections.abc import Sequence

from hubdesk.forms.definition import Definition
from hubdesk.views.qt import (
    QComboBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import buddy, message_label, named

GUIDE_NOTE = "The guide helps; you decide the level."


def level_label(definition: Definition, level_id: str | None) -> str:
    for band in definition.levels:
        if band.id == level_id:
            return band.label
    return "Not set"


class GuidePanel(QWidget):
    """ "Guide level: Moderate" and why, recomputed by the form on every change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.level = named(QLabel(""), "Guide level")
        font = self.level.font()
        font.setBold(True)
        self.level.setFont(font)
        self.note = QLabel(GUIDE_NOTE)
        self.note.setWordWrap(True)
        self.reasons = named(QListWidget(), "Why the guide says this")
        self.reasons.setWordWrap(True)
        layout.addWidget(self.level)
        layout.addWidget(self.note)
        layout.addWidget(buddy("&Why the guide says this", self.reasons))
        layout.addWidget(self.reasons, 1)

    def show_guide(self, label: str, reasons: Sequence[str]) -> None:
        self.level.setText(f"Guide level: {label}")
        self.level.setAccessibleName(f"Guide level: {label}")
        self.reasons.clear()
        self.reasons.addItems(list(reasons))


class DecisionPanel(QWidget):
    """The final level, the rationale and the Complete button, with refusals in words."""

    def __init__(self, definition: Definition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.level = named(QComboBox(), "Level you decide", "The final level of this screening")
        self.level.addItem("Choose a level", None)
        for band in definition.levels:
            self.level.addItem(band.label, band.id)
        self.rationale = named(
            QPlainTextEdit(),
            "Rationale",
            "Why you chose this level; needed when it differs from the guide",
        )
        self.rationale.setTabChangesFocus(True)
        self.rationale.setMaximumHeight(self.rationale.fontMetrics().lineSpacing() * 6)
        self.complete = named(QPushButton("Co&mplete screening"), "Complete screening")
        self.problem = message_label("Why the screening is not completed")
        layout.addWidget(buddy("Level you &decide", self.level))
        layout.addWidget(self.level)
        layout.addWidget(buddy("&Rationale", self.rationale))
        layout.addWidget(self.rationale)
        layout.addWidget(self.complete)
        layout.addWidget(self.problem)

    def chosen(self) -> str | None:
        value = self.level.currentData()
        return None if value is None else str(value)


def stored_decision(lines: Sequence[str]) -> QWidget:
    """A completed screening's decision, as words."""
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    for line in lines:
        label = QLabel(line)
        label.setWordWrap(True)
        layout.addWidget(label)
    layout.addStretch(1)
    return panel
