"""Choose between two versions: the conflicts sync found, one at a time.

A conflict is a record changed on this laptop and on the hub from the same starting point (or
removed on one side and changed on the other). Both sides are kept until a person chooses
here. A plan is shown section by section, any other record field by field; a removal asks
whether the record stays removed or comes back. The choice goes through
``services.conflicts.resolve`` on the write thread: it is an ordinary change, so it reaches
the hub, and every other laptop, at the next sync.
"""

from __future__ import annotations

from html import escape

from hubdesk.errors import NotFoundError
from hubdesk.models.plans import PlanSubject
from hubdesk.services.conflicts import ConflictView, Edited, FieldSides, Side
from hubdesk.views.case_tab import Deps
from hubdesk.views.conflict_fields import FieldChoice, Pick, choice_button
from hubdesk.views.plan_words import headings_for
from hubdesk.views.qt import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from hubdesk.views.widgets import message_label, named, problem_words

INTRO = (
    "These were changed on this laptop and on the hub before either had seen the other's "
    "change. Both versions are kept until you choose. What you choose is saved here and sent "
    "to the hub at the next sync, so every laptop gets the same."
)
ALL_DONE = "Nothing left to choose."
TITLES = {"plan_version": "Safety plan", "young_person": "Details"}


def conflict_title(view: ConflictView, names: dict[str, str]) -> str:
    """ "Safety plan — Sam Okafor", "Context link — Kai Lund", "Contextual safety plan"."""
    what = TITLES.get(view.kind, view.record_label[:1].upper() + view.record_label[1:])
    name = names.get(view.young_person_id or "")
    if view.kind == "plan_version" and view.young_person_id is None:
        return "Contextual safety plan"
    if view.subject:
        what = f"{what} ({view.subject})"
    return f"{what} — {name}" if name else what


def field_label(view: ConflictView, sides: FieldSides) -> str:
    """A plan section by the heading the plan shows it under; any other field by its name."""
    outer, _, key = sides.path.partition(".")
    if view.kind != "plan_version" or outer != "content":
        return sides.label
    subject = PlanSubject.YOUNG_PERSON if view.young_person_id else PlanSubject.CONTEXT
    heading = getattr(headings_for(subject), key, None)
    return heading if isinstance(heading, str) else sides.label


class RemovalChoice(QGroupBox):
    """Removed on one side, changed on the other: keep it removed, or keep the record. What
    each choice does is said beside it before anything is chosen."""

    chosen = Signal()

    def __init__(self, view: ConflictView, title: str) -> None:
        super().__init__("Removed on one side, changed on the other")
        named(self, "Keep it removed, or keep the record")
        #: keep= for "Keep it removed" and for "Keep the record".
        removed_side: Side = "mine" if view.mine_deleted else "theirs"
        record_side: Side = "theirs" if view.mine_deleted else "mine"
        if view.mine_deleted:
            removed_says = "It is removed here and on the hub, with the changes made on the hub."
            record_says = "It stays, with the changes made on the hub; your removal is undone."
        else:
            removed_says = "It stays removed here and on the hub; your changes are not kept."
            record_says = "It comes back here and on the hub, with the changes you made here."
        self.keep_removed = self._choice("Keep it removed", f"Keep {title} removed")
        self.keep_record = self._choice("Keep the record", f"Keep {title}")
        self._sides = {self.keep_removed: removed_side, self.keep_record: record_side}
        grid = QGridLayout(self)
        for row, (button, says) in enumerate(
            ((self.keep_removed, removed_says), (self.keep_record, record_says))
        ):
            words = QLabel(says)
            words.setWordWrap(True)
            button.setAccessibleDescription(says)
            grid.addWidget(button, row, 0)
            grid.addWidget(words, row, 1)
        grid.setColumnStretch(1, 1)

    def _choice(self, text: str, name: str) -> QPushButton:
        return choice_button(text, name, self._toggled)

    def _toggled(self, on: bool) -> None:
        if on:
            self.chosen.emit()

    def keep(self) -> Side | None:
        return next((side for b, side in self._sides.items() if b.isChecked()), None)


#: Said once above the parts of a record that differ, so every choice is plain before it is made.
CHOICES = (
    "<b>Keep mine</b>: your version is kept, here and on the hub. "
    "<b>Keep the hub's</b>: the hub's version is kept, here and on the hub. "
    "<b>Write it again</b> (for text): what you write is kept in place of both."
)


class ConflictPanel(QWidget):
    """One conflict: what it is, why, and a choice for each part that differs."""

    chosen = Signal()

    def __init__(self, view: ConflictView, title: str) -> None:
        super().__init__()
        self.view = view
        heading = named(QLabel(f"<h3>{escape(title)}</h3>"), title)
        reason = QLabel(view.reason)
        reason.setWordWrap(True)
        self.fields = [FieldChoice(view.kind, s, field_label(view, s)) for s in view.fields]
        self.removal = RemovalChoice(view, title) if view.is_removal else None
        inner = QWidget()
        rows = QVBoxLayout(inner)
        for field in self.fields:
            field.chosen.connect(self.chosen)
            rows.addWidget(field)
        if self.removal is not None:
            self.removal.chosen.connect(self.chosen)
            rows.addWidget(self.removal)
        rows.addStretch(1)
        scroll = named(QScrollArea(), "The parts that differ")
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(reason)
        if self.fields:
            legend = QLabel(CHOICES)
            legend.setWordWrap(True)
            layout.addWidget(legend)
        layout.addWidget(scroll, 1)

    def progress(self) -> tuple[int, int]:
        """(choices made, choices needed)."""
        if self.removal is not None:
            return int(self.removal.keep() is not None), 1
        return sum(f.pick() is not None for f in self.fields), len(self.fields)

    def picks(self) -> dict[str, Side | Edited]:
        chosen: dict[str, Pick | None] = {f.sides.path: f.pick() for f in self.fields}
        return {path: pick for path, pick in chosen.items() if pick is not None}


class ConflictScreen(QDialog):
    #: A choice was saved (the conflict's id): counts and screens showing the record refresh.
    resolved = Signal(str)

    def __init__(
        self, deps: Deps, young_person_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.deps = deps
        self.young_person_id = young_person_id
        self.setWindowTitle("Choose between two versions")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.choices = named(QListWidget(), "Conflicts to choose")
        self.choices.setWordWrap(True)
        self.choices.setSpacing(4)
        self.choices.setMaximumWidth(280)
        self.choices.currentRowChanged.connect(self._show_row)
        self.place = QVBoxLayout()
        self.panel: ConflictPanel | None = None
        self.empty = QLabel(ALL_DONE)
        self.place.addWidget(self.empty)
        self.message = message_label("What happened")
        self.save = named(QPushButton("&Save my choice"), "Save my choice")
        self.save.setDefault(True)
        self.save.clicked.connect(self.save_choice)
        close = named(QPushButton("Close"), "Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save)
        buttons.addWidget(close)
        body = QHBoxLayout()
        body.addWidget(self.choices, 1)
        body.addLayout(self.place, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self.conflicts: list[ConflictView] = []
        self.names: dict[str, str] = {}
        self.reload()
        self.resize(1000, 680)

    def reload(self) -> None:
        """Read the open conflicts again (a few milliseconds, on the UI thread)."""
        self.fill(self.deps.services.conflicts.open_conflicts(self.young_person_id))

    def fill(self, conflicts: list[ConflictView]) -> None:
        """Show these conflicts. The one open stays open, with the choices made in it so far
        (a sync finishing meanwhile must not undo them); otherwise the first one opens."""
        showing = self.panel.view.id if self.panel is not None else None
        ids = [view.id for view in conflicts]
        keep = ids.index(showing) if showing in ids else None
        self.conflicts = conflicts
        people = self.deps.services.cases.caseload(include_closed=True)
        self.names = {p.id: p.display_name for p in people}
        self.choices.blockSignals(True)
        self.choices.clear()
        for view in self.conflicts:
            QListWidgetItem(self._list_words(view), self.choices)
        row = keep if keep is not None else (0 if self.conflicts else -1)
        self.choices.setCurrentRow(row)
        self.choices.blockSignals(False)
        self.choices.setVisible(len(self.conflicts) > 1)
        if keep is None:
            self._show_row(row)

    def _list_words(self, view: ConflictView) -> str:
        title = conflict_title(view, self.names)
        if view.is_removal:
            return f"{title}: removed on one side"
        parts = len(view.fields)
        return f"{title}: {parts} {'part differs' if parts == 1 else 'parts differ'}"

    def _show_row(self, row: int) -> None:
        if self.panel is not None:
            self.place.removeWidget(self.panel)
            self.panel.hide()  # at once: deleteLater waits for the event loop
            self.panel.deleteLater()
            self.panel = None
        if not 0 <= row < len(self.conflicts):
            self.empty.setVisible(True)
            self.save.setEnabled(False)
            return
        self.empty.setVisible(False)
        view = self.conflicts[row]
        self.panel = ConflictPanel(view, conflict_title(view, self.names))
        self.panel.chosen.connect(self._counted)
        self.place.addWidget(self.panel)
        self._counted()

    def _counted(self) -> None:
        if self.panel is None:
            return
        made, needed = self.panel.progress()
        self.save.setEnabled(made == needed)
        if made < needed and self.panel.removal is not None:
            self.message.setText("Choose: keep it removed, or keep the record.")
        elif made < needed:
            self.message.setText(f"Choose for every part that differs ({made} of {needed} done).")
        else:
            self.message.setText("Ready to save. Nothing changes until you choose Save.")

    def save_choice(self) -> None:
        panel = self.panel
        if panel is None:
            return
        made, needed = panel.progress()
        if made < needed:
            return
        conflict_id = panel.view.id
        resolve = self.deps.services.conflicts.resolve
        picks = panel.picks()
        keep = panel.removal.keep() if panel.removal is not None else None
        self.save.setEnabled(False)
        self.message.setText("Saving your choice…")
        self.deps.tasks.write(
            lambda: resolve(conflict_id, picks or None, keep=keep),
            lambda _: self._saved(conflict_id),
            self._refused,
        )

    def _saved(self, conflict_id: str) -> None:
        if not is_alive(self):
            return  # closed meanwhile: the choice is saved all the same
        self.reload()
        self.message.setText(
            "Saved. Your choice goes to the hub at the next sync."
            + ("" if self.conflicts else f" {ALL_DONE}")
        )
        self.resolved.emit(conflict_id)

    def _refused(self, exc: BaseException) -> None:
        words = problem_words(exc)
        if not is_alive(self):
            return
        if isinstance(exc, NotFoundError):
            self.reload()  # resolved meanwhile (on another screen): it leaves the list
        self._counted()
        self.message.setText(words)
