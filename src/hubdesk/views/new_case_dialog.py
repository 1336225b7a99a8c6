"""Add a young person to the caseload: names and, if known, the date of birth.

The date of birth is typed (DD/MM/YYYY) into a plain line edit rather than a QDateEdit: an
optional date that is usually unknown at referral is quicker to type, or leave empty, than
to step through a spin box's sections. The dialog stays open while the write runs on the
write thread, so a refusal from the service lands beside the field it is about.

What is typed survives an idle lock: :meth:`NewCaseDialog.keep_and_close` keeps it as a draft
under ``new_case:<device id>`` (nobody exists yet to key it by), and the next New young person
dialog brings it back; adding the young person or Cancel discards it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from hubdesk.errors import HubDeskError
from hubdesk.services import Services
from hubdesk.services.drafts import BROUGHT_BACK
from hubdesk.timeutil import format_date, parse_uk_date
from hubdesk.views.kept_draft import KeptDraftDialog
from hubdesk.views.qt import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.tasks import Tasks
from hubdesk.views.widgets import message_label, named, problem_words


def parse_birth_date(text: str, today: date) -> date | None:
    """The typed date of birth, None when left empty; a ValueError says what is wrong."""
    value = parse_uk_date(text, example="14/03/2012")
    if value is None:
        return None
    if value > today:
        raise ValueError(
            f"The date of birth is in the future (today is {format_date(today)}); check it."
        )
    return value


class _Field:
    """A line edit with its label and the place its problem is written."""

    def __init__(self, label: str, name: str, description: str = "") -> None:
        self.edit = named(QLineEdit(), name, description)
        self.label = QLabel(label)
        self.label.setBuddy(self.edit)
        self.problem = message_label(f"{name}: problem")
        self.problem.hide()
        self.box = QWidget()
        column = QVBoxLayout(self.box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.edit)
        column.addWidget(self.problem)
        self._description = description

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        # A screen reader reads the problem with the field when focus comes back to it.
        self.edit.setAccessibleDescription(text or self._description)

    @property
    def text(self) -> str:
        return self.edit.text().strip()


class NewCaseDialog(KeptDraftDialog):
    #: The young person was added; their id.
    created = Signal(str)

    def __init__(
        self,
        services: Services,
        tasks: Tasks,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tasks, services.drafts, f"new_case:{services.vault.device_id}", parent)
        self.services, self.today = services, today
        self.created_id: str | None = None
        self.setWindowTitle("New young person")
        self.given = _Field("&First name", "First name")
        self.family = _Field("F&amily name", "Family name")
        self.preferred = _Field(
            "&Preferred name (optional)",
            "Preferred name",
            "The name they like to be called, if it differs from their first name",
        )
        self.birth = _Field(
            "&Date of birth (optional)", "Date of birth", "DD/MM/YYYY; leave empty if not known"
        )
        self.birth.edit.setPlaceholderText("DD/MM/YYYY")
        self._bring_back(self.draft.brought_back)
        form = QFormLayout()
        for field in self.fields:
            form.addRow(field.label, field.box)
        self.message = message_label("What happened")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Add young person")
        named(ok, "Add young person")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.brought_back)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)  # follows large type
        # Brought back: typing goes on in the first empty field, not over a name kept.
        empty = [f for f in self.fields if not f.edit.text()]
        (empty[0] if empty else self.given).edit.setFocus()

    @property
    def fields(self) -> tuple[_Field, ...]:
        return (self.given, self.family, self.preferred, self.birth)

    @property
    def _by_key(self) -> dict[str, _Field]:
        """The fields under the names their text is kept by in a draft."""
        return dict(zip(("given", "family", "preferred", "birth"), self.fields, strict=True))

    def _bring_back(self, kept: dict[str, Any]) -> None:
        for key, field in self._by_key.items():
            if isinstance(kept.get(key), str):
                field.edit.setText(kept[key])
        self.brought_back.setText(BROUGHT_BACK if kept else "")
        self.brought_back.setVisible(bool(kept))

    def typed(self) -> dict[str, Any]:
        """What was typed, by field; empty when nothing was."""
        typed = {key: field.edit.text() for key, field in self._by_key.items()}
        return typed if any(text.strip() for text in typed.values()) else {}

    def accept(self) -> None:
        """Check what was typed, then add the young person on the write thread; the dialog
        closes when the vault has them."""
        if self._busy:
            return
        details = self._checked()
        if details is None:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        self.message.setText("Adding…")
        services = self.services
        add = self.draft.then_discard(lambda: services.cases.add(**details))
        self.tasks.write(add, self._added, self._refused)

    def _checked(self) -> dict[str, Any] | None:
        for field in self.fields:
            field.show_problem("")
        if not self.given.text:
            self.given.show_problem("Write their first name.")
        if not self.family.text:
            self.family.show_problem("Write their family name.")
        birth: date | None = None
        try:
            birth = parse_birth_date(self.birth.edit.text(), self.today())
        except ValueError as exc:
            self.birth.show_problem(str(exc))
        wrong = [f for f in self.fields if f.problem.text()]
        if wrong:
            self.message.setText("Check what is written beside the fields above.")
            wrong[0].edit.setFocus()
            return None
        details: dict[str, Any] = {
            "given_name": self.given.text,
            "family_name": self.family.text,
            "date_of_birth": birth,
        }
        if self.preferred.text:
            details["preferred_name"] = self.preferred.text
        return details

    def _added(self, young_person_id: str) -> None:
        if self._gone():
            return
        self._busy = False
        self.created_id = young_person_id
        self.created.emit(young_person_id)
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        if self._gone():
            problem_words(exc)  # anything unexpected still leaves a crash report
            return
        self._busy = False
        self.buttons.setEnabled(True)
        if not isinstance(exc, HubDeskError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
            self.message.setText(
                "The young person could not be added because of a problem HubDesk did not "
                "expect. Nothing was saved."
            )
            return
        about = {"date of birth": self.birth, "first name": self.given, "family name": self.family}
        field = next((f for key, f in about.items() if key in exc.message.lower()), None)
        if field is not None:
            field.show_problem(exc.message)
            field.edit.setFocus()
            self.message.setText("Check what is written beside the fields above.")
        else:
            self.message.setText(exc.message)
