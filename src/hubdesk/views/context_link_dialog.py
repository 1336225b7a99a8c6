"""Dialogs of the Contexts tab: link a context (an existing one, or a new one) and remove a link.

Each dialog writes on the write thread itself and closes only when the vault took the
change; anything refused is said in words inside the dialog, and what was typed stays.

What is typed survives an idle lock too: ``keep_and_close()`` keeps it as a draft
(``link_context:<young person id>``, ``unlink:<link id>``) and the same dialog, opened again,
brings it back; the link made (or removed) or Cancel discards it.
"""

from __future__ import annotations

from typing import Any

from hubdesk.models import Context, ContextLink
from hubdesk.models.enums import ContextKind, PlaceType, Reliability
from hubdesk.timeutil import words
from hubdesk.views.case_tab import Deps
from hubdesk.views.kept_draft import KeptDraftDialog
from hubdesk.views.qt import (
    QComboBox,
    QDialogButtonBox,
    QEvent,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    Qt,
    QTabWidget,
    QTextCursor,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import buddy, message_label, name_inner_edit, named, problem_words

ID_ROLE = Qt.ItemDataRole.UserRole + 1
WEIGHT_HINT = "1 is the context that must change first for this young person"


def kind_in_words(context: Context) -> str:
    """ "Place (transport hub)", "Peer group", "Online space"."""
    text = words(context.kind)
    if context.kind is ContextKind.PLACE and context.place_type is not None:
        text += f" ({words(context.place_type).lower()})"
    return text


def _short_text_box(name: str, lines: int = 3) -> QPlainTextEdit:
    box = named(QPlainTextEdit(), name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


def _buttons(ok_text: str, ok_name: str) -> tuple[QDialogButtonBox, QPushButton]:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    named(ok, ok_name)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
    return box, ok


class LinkContextDialog(KeptDraftDialog):
    """Choose an existing context or describe a new one; say why it matters and how sure."""

    def __init__(
        self, deps: Deps, young_person_id: str, linked: set[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            deps.tasks, deps.services.drafts, f"link_context:{young_person_id}", parent
        )
        self._deps = deps
        self.setWindowTitle("Link a context")
        self._pid = young_person_id
        #: The new link's id once the vault has it.
        self.link_id: str | None = None

        self.search = named(QLineEdit(), "Search contexts", "Type part of a name or an area")
        self.search.setPlaceholderText("Type part of a name or an area")
        self.search.setClearButtonEnabled(True)
        self.choices = named(QListWidget(), "Contexts to choose from")
        for context in deps.services.contexts.all():
            text = f"{context.name} — {kind_in_words(context)}"
            if context.area:
                text += f", {context.area}"
            if context.id in linked:
                text += " (already linked)"
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, context.id)
            self.choices.addItem(item)
        self.no_match = QLabel("")
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)

        self.kind = named(QComboBox(), "Kind of context")
        for kind in ContextKind:
            self.kind.addItem(words(kind), kind.value)
        self.name = named(QLineEdit(), "Name of the context")
        self.place_type = named(QComboBox(), "Type of place")
        self.place_type.addItem("Not set", None)
        for place_type in PlaceType:
            self.place_type.addItem(words(place_type), place_type.value)
        self.area = named(QLineEdit(), "Area", "Neighbourhood, town or postcode district")
        self.description = _short_text_box("Description of the context")
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.why = _short_text_box("Why it matters for this young person")
        self.why.setPlaceholderText("What is known, in plain words: who, what, when")
        self.reliability = named(QComboBox(), "How reliable the information is")
        for reliability in Reliability:
            self.reliability.addItem(words(reliability), reliability.value)
        self.reliability.setCurrentIndex(self.reliability.findData(Reliability.NOT_KNOWN.value))
        self.weight = named(QSpinBox(), "Weighting", WEIGHT_HINT)
        self.weight.setRange(0, 20)
        self.weight.setSpecialValueText("Not set")
        name_inner_edit(self.weight)
        self.message = message_label("Why the context was not linked")
        self.buttons, self.ok = _buttons("&Link", "Link the context")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self.source = named(QTabWidget(), "Existing or new context")
        named(self.source.tabBar(), "Existing or new context")
        self.source.addTab(self._existing_page(), "&Existing context")
        self.source.addTab(self._new_page(), "&New context")
        common = QFormLayout()
        common.addRow(buddy("&Why it matters for them", self.why), self.why)
        common.addRow(buddy("&How reliable", self.reliability), self.reliability)
        common.addRow(buddy("Wei&ghting", self.weight), self.weight)
        layout = QVBoxLayout(self)
        layout.addWidget(self.brought_back)
        layout.addWidget(self.source, 1)
        layout.addLayout(common)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._kind_changed()
        if self.choices.count():
            self.choices.setCurrentRow(0)
        self.search.setFocus()
        self._bring_back(self.draft.brought_back)
        self.resize(560, 520)

    def _existing_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(buddy("&Search", self.search))
        layout.addWidget(self.search)
        layout.addWidget(self.choices, 1)
        layout.addWidget(self.no_match)
        return page

    def _new_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        outer = QVBoxLayout(page)
        outer.addLayout(form)
        outer.addStretch(1)
        form.addRow(buddy("&Kind", self.kind), self.kind)
        form.addRow(buddy("Na&me", self.name), self.name)
        form.addRow(buddy("Type of &place", self.place_type), self.place_type)
        form.addRow(buddy("&Area", self.area), self.area)
        form.addRow(buddy("&Description", self.description), self.description)
        return page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search box moves into the list, as in any search-as-you-type list."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and getattr(event, "key", lambda: None)() == Qt.Key.Key_Down
        ):
            self.choices.setFocus()
            return True
        return super().eventFilter(watched, event)

    def _filter(self, text: str) -> None:
        needle = text.casefold().strip()
        first_visible = None
        for row in range(self.choices.count()):
            item = self.choices.item(row)
            hidden = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = row
        current = self.choices.currentItem()
        if current is None or current.isHidden():
            self.choices.setCurrentRow(first_visible if first_visible is not None else -1)
        self.no_match.setText(
            "" if first_visible is not None else "No context matches; add it as a new context."
        )

    def _kind_changed(self) -> None:
        is_place = self.kind.currentData() == ContextKind.PLACE.value
        self.place_type.setEnabled(is_place)

    # -- kept over a lock ----------------------------------------------------------------------
    def typed(self) -> dict[str, Any]:
        """Every field, when anything was typed or changed from how the dialog opened;
        otherwise empty (choosing a context alone is quickly done again)."""
        item = self.choices.currentItem()
        fields: dict[str, Any] = {
            "page": "new" if self.source.currentIndex() == 1 else "existing",
            "context_id": item.data(ID_ROLE) if item is not None else None,
            "why": self.why.toPlainText(),
            "reliability": self.reliability.currentData(),
            "weight": self.weight.value(),
            "kind": self.kind.currentData(),
            "name": self.name.text(),
            "place_type": self.place_type.currentData(),
            "area": self.area.text(),
            "description": self.description.toPlainText(),
        }
        texts = ("why", "name", "area", "description")
        changed = (
            any(fields[key].strip() for key in texts)
            or fields["weight"] != 0
            or fields["reliability"] != Reliability.NOT_KNOWN.value
            or fields["kind"] != self.kind.itemData(0)
            or fields["place_type"] is not None
        )
        return fields if changed else {}

    def _bring_back(self, kept: dict[str, Any]) -> None:
        """Fill the fields from a draft; anything in it that no longer fits is left as is."""
        if not kept:
            return
        for edit, key in ((self.name, "name"), (self.area, "area")):
            if isinstance(kept.get(key), str):
                edit.setText(kept[key])
        for box, key in ((self.why, "why"), (self.description, "description")):
            if isinstance(kept.get(key), str):
                box.setPlainText(kept[key])
        for combo, key in (
            (self.kind, "kind"),
            (self.place_type, "place_type"),
            (self.reliability, "reliability"),
        ):
            found = combo.findData(kept.get(key))
            if found >= 0:
                combo.setCurrentIndex(found)
        if isinstance(kept.get("weight"), int):
            self.weight.setValue(kept["weight"])
        for row in range(self.choices.count()):
            if self.choices.item(row).data(ID_ROLE) == kept.get("context_id"):
                self.choices.setCurrentRow(row)
                break
        if kept.get("page") == "new":
            self.source.setCurrentIndex(1)
        # Where typing most likely goes on; a line edit would select all its text instead.
        self.why.setFocus()
        self.why.moveCursor(QTextCursor.MoveOperation.End)

    # -- linking --------------------------------------------------------------------------------
    def submit(self) -> None:
        if self._busy:
            return
        why = self.why.toPlainText()
        if not why.strip():
            self.message.setText(
                "Write why this context matters for the young person; it cannot be left empty."
            )
            self.why.setFocus()
            return
        contexts, pid = self._deps.services.contexts, self._pid
        reliability = Reliability(self.reliability.currentData())
        weight = self.weight.value() or None
        if self.source.currentIndex() == 0:
            item = self.choices.currentItem()
            if item is None or item.isHidden():
                self.message.setText("Choose a context in the list, or add a new one.")
                self.choices.setFocus()
                return
            existing: str = item.data(ID_ROLE)

            def write() -> str:
                return contexts.link(pid, existing, why=why, reliability=reliability, weight=weight)
        else:
            kind = ContextKind(self.kind.currentData())
            name, area = self.name.text(), self.area.text()
            description = self.description.toPlainText()
            place_type = self.place_type.currentData() if kind is ContextKind.PLACE else None

            def write() -> str:
                context_id = contexts.create(
                    kind=kind,
                    name=name,
                    place_type=place_type,
                    area=area,
                    description=description,
                )
                return contexts.link(
                    pid, context_id, why=why, reliability=reliability, weight=weight
                )

        self._busy = True
        self.ok.setEnabled(False)
        self.message.setText("Linking…")
        self._deps.tasks.write(self.draft.then_discard(write), self._linked, self._refused)

    def _linked(self, link_id: object) -> None:
        if self._gone():
            return
        self._busy = False
        self.link_id = str(link_id)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        words = problem_words(exc)  # anything unexpected leaves a crash report, even if gone
        if self._gone():
            return
        self._busy = False
        self.ok.setEnabled(True)
        self.message.setText(f"Not linked: {words}")


class RemoveLinkDialog(KeptDraftDialog):
    """Remove a link, saying why; the link stays in the record's history with the reason."""

    def __init__(self, deps: Deps, link: ContextLink, parent: QWidget | None = None) -> None:
        super().__init__(deps.tasks, deps.services.drafts, f"unlink:{link.id}", parent)
        self._deps = deps
        self.setWindowTitle("Remove a link")
        self._link_id = link.id
        intro = QLabel(
            f"Remove the link to “{link.context.name}”? It stays in the record's history "
            "with your reason."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.reason = _short_text_box("Why the link is removed", lines=4)
        if isinstance(self.draft.brought_back.get("reason"), str):
            self.reason.setPlainText(self.draft.brought_back["reason"])
            self.reason.moveCursor(QTextCursor.MoveOperation.End)
        self.message = message_label("Why the link was not removed")
        self.buttons, self.ok = _buttons("&Remove link", "Remove the link")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.addWidget(self.brought_back)
        layout.addWidget(intro)
        layout.addWidget(buddy("&Why the link is removed", self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def typed(self) -> dict[str, Any]:
        reason = self.reason.toPlainText()
        return {"reason": reason} if reason.strip() else {}

    def submit(self) -> None:
        if self._busy:
            return
        reason = self.reason.toPlainText()
        if not reason.strip():
            self.message.setText("Write why the link is removed; it cannot be left empty.")
            self.reason.setFocus()
            return
        contexts, link_id = self._deps.services.contexts, self._link_id
        self._busy = True
        self.ok.setEnabled(False)
        self._deps.tasks.write(
            self.draft.then_discard(lambda: contexts.unlink(link_id, reason)),
            self._removed,
            self._refused,
        )

    def _removed(self, _: object) -> None:
        if self._gone():
            return
        self._busy = False
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        words = problem_words(exc)  # anything unexpected leaves a crash report, even if gone
        if self._gone():
            return
        self._busy = False
        self.ok.setEnabled(True)
        self.message.setText(f"Not removed: {words}")


__all__ = ["LinkContextDialog", "RemoveLinkDialog", "kind_in_words"]
