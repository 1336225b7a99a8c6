"""Two versions of a plan side by side: "Compare version [1] with version [2]".

One row per field in reading order (the young person's words first), from
services.plan_diff. A changed row says so in words in its own column ("Changed", "Added",
"Removed") and the changed words are bold and underlined as well as tinted, so the difference
never rests on colour alone. Highlighted text is drawn dark on light whatever the theme.
"""

from __future__ import annotations

from html import escape

from hubdesk.models import PlanVersion
from hubdesk.services.plan_diff import Change, DiffRow, Section, Segment, compare
from hubdesk.views.case_tab import Deps
from hubdesk.views.plan_reading import LoadedPlan, load_plan
from hubdesk.views.plan_words import Headings, row_label, version_words
from hubdesk.views.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import named

_ROW_TINT = {Change.CHANGED: "#fff4cc", Change.ADDED: "#e3f4e1", Change.REMOVED: "#f9e0e0"}
_WORD_TINT = "#ffe08a"


def _side_html(segments: tuple[Segment, ...]) -> str:
    if not segments:
        return "<i>(nothing written)</i>"
    parts = []
    for segment in segments:
        text = escape(segment.text).replace("\n", "<br>")
        if segment.changed:
            text = (
                f'<span style="background-color:{_WORD_TINT}; color:#000000">'
                f"<b><u>{text}</u></b></span>"
            )
        parts.append(text)
    return "".join(parts)


def rows_html(rows: list[DiffRow], words: Headings, left: str, right: str) -> str:
    """The comparison as an HTML table for a QTextBrowser (a screen reader reads it in order)."""
    out = [
        '<table width="100%" cellspacing="0" cellpadding="6" border="0">',
        f"<tr><th align='left' width='22%'>Part of the plan</th><th align='left' width='34%'>"
        f"{escape(left)}</th><th align='left' width='34%'>{escape(right)}</th>"
        "<th align='left' width='10%'>Change</th></tr>",
    ]
    section: Section | None = None
    for row in rows:
        if row.section is not section:
            section = row.section
            title = words.own_words if section is Section.OWN_WORDS else words.others
            out.append(f"<tr><td colspan='4'><h3>{escape(title)}</h3></td></tr>")
        tint = _ROW_TINT.get(row.change)
        style = f' bgcolor="{tint}" style="color:#000000"' if tint else ""
        mark = f"<b>{row.change.words}</b>" if row.change.words else ""
        out.append(
            f"<tr{style}><td valign='top'>{escape(row_label(row, words))}</td>"
            f"<td valign='top'>{_side_html(row.left)}</td>"
            f"<td valign='top'>{_side_html(row.right)}</td>"
            f"<td valign='top'>{mark}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def summary_words(rows: list[DiffRow]) -> str:
    counts = {c: sum(1 for r in rows if r.change is c) for c in Change}
    changes = [
        f"{counts[c]} {c.value}"
        for c in (Change.CHANGED, Change.ADDED, Change.REMOVED)
        if counts[c]
    ]
    if not changes:
        return "These two versions are the same."
    total = sum(counts[c] for c in (Change.CHANGED, Change.ADDED, Change.REMOVED))
    return f"{total} difference{'s' if total != 1 else ''}: {', '.join(changes)}."


class PlanCompare(QDialog):
    def __init__(self, deps: Deps, plan_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: LoadedPlan = load_plan(deps.services, plan_id)
        self.setWindowTitle(f"Compare versions — {self.plan.plan.title}")
        self.left_choice = named(QComboBox(), "Compare version")
        self.right_choice = named(QComboBox(), "With version")
        for version in self.plan.versions:
            for combo in (self.left_choice, self.right_choice):
                combo.addItem(version_words(version), version.id)
        newest = len(self.plan.versions) - 1
        self.left_choice.setCurrentIndex(max(0, newest - 1))
        self.right_choice.setCurrentIndex(newest)
        self.only_changes = named(QCheckBox("&Only show what changed"), "Only show what changed")
        choose = QHBoxLayout()
        for text, combo in (("Compare &version", self.left_choice), ("&with", self.right_choice)):
            label = QLabel(text)
            label.setBuddy(combo)
            choose.addWidget(label)
            choose.addWidget(combo)
        choose.addStretch(1)
        choose.addWidget(self.only_changes)
        self.summary = named(QLabel(), "Differences")
        self.table = named(QTextBrowser(), "The two versions, field by field")
        self.table.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close the comparison")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        for combo in (self.left_choice, self.right_choice):
            combo.currentIndexChanged.connect(self._compare)
        self.only_changes.toggled.connect(self._compare)
        self.rows: list[DiffRow] = []
        self._compare()
        self.resize(960, 600)

    def _chosen(self, combo: QComboBox) -> PlanVersion:
        found = self.plan.version(str(combo.currentData()))
        assert found is not None
        return found

    def choose(self, left_number: int, right_number: int) -> None:
        """Compare two versions by number (as a practitioner picks them in the boxes)."""
        self.left_choice.setCurrentIndex(left_number - 1)
        self.right_choice.setCurrentIndex(right_number - 1)

    def _compare(self) -> None:
        left, right = self._chosen(self.left_choice), self._chosen(self.right_choice)
        rows = compare(left, right)
        self.summary.setText(summary_words(rows))
        if self.only_changes.isChecked():
            rows = [r for r in rows if r.change is not Change.SAME]
        self.rows = rows
        html = rows_html(rows, self.plan.words, version_words(left), version_words(right))
        self.table.setHtml(html)
