"""The first-run screen: the practitioner's name and a new passphrase, typed twice.

Like the unlock screen it only collects and checks what was typed; the vault is created
elsewhere, off the UI thread (the key derivation takes a moment). Every refusal and the live
strength feedback are in words, never colour alone, because the passphrase cannot be recovered.
"""

from __future__ import annotations

from hubdesk.passphrase import estimate
from hubdesk.views.qt import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from hubdesk.views.widgets import buddy, message_label, named

WARNING = (
    "<b>Keep this passphrase safe.</b> If it is forgotten it cannot be recovered on this "
    "device, and the records on this laptop cannot be opened without it. Any records not yet "
    "sent to the hub would be lost."
)
BUSY = "Creating your vault… this takes a moment."


class CreateVaultScreen(QWidget):
    create_requested = Signal(str, object)  # the practitioner's name, the passphrase (bytearray)

    def __init__(self, vault_folder_label: str) -> None:
        super().__init__()
        self.setWindowTitle("HubDesk — create your vault")
        title = QLabel(f"<h2>Set up HubDesk</h2><p>{vault_folder_label}</p>")
        title.setWordWrap(True)
        self.warning = message_label("Warning")
        self.warning.setText(WARNING)
        self.name = named(QLineEdit(), "Your name", "Your name as it will appear on records")
        self.passphrase = self._secret_field("Passphrase", "A new passphrase for this vault")
        self.again = self._secret_field("Passphrase again", "The same passphrase, typed again")
        self.strength = message_label("Passphrase strength")
        self.match = message_label("Passphrase match")
        self.button = named(QPushButton("&Create vault"), "Create vault")
        self.button.setDefault(True)
        self.message = message_label("Create vault message")
        form = QFormLayout()
        form.addRow(buddy("Your &name", self.name), self.name)
        form.addRow("", QLabel("As it will appear on the records you write."))
        form.addRow(buddy("&Passphrase", self.passphrase), self.passphrase)
        form.addRow("", self.strength)
        form.addRow(buddy("Passphrase a&gain", self.again), self.again)
        form.addRow("", self.match)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addWidget(self.button)
        layout.addWidget(self.message)
        layout.addStretch(1)
        for first, second in ((self.name, self.passphrase), (self.passphrase, self.again)):
            QWidget.setTabOrder(first, second)
        QWidget.setTabOrder(self.again, self.button)
        for field in (self.name, self.passphrase, self.again):
            field.returnPressed.connect(self._submit)
            field.textChanged.connect(self.message.clear)  # a refusal is stale once they edit
        self.passphrase.textChanged.connect(self._update_feedback)
        self.again.textChanged.connect(self._update_feedback)
        self.button.clicked.connect(self._submit)
        self._update_feedback()

    @staticmethod
    def _secret_field(name: str, description: str) -> QLineEdit:
        field = named(QLineEdit(), name, description)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def _update_feedback(self) -> None:
        """Say how strong the passphrase is and whether the two entries match, as they type."""
        text = self.passphrase.text()
        if not text:
            self.strength.setText("Strength: type a passphrase to see how strong it is.")
        else:
            found = estimate(text)
            advice = f" {found.advice}" if found.advice else ""
            self.strength.setText(f"Strength: {found.label}.{advice}")
        self.passphrase.setAccessibleDescription(self.strength.text())
        if not self.again.text():
            self.match.setText("")
        elif self.again.text() == text:
            self.match.setText("The two entries match.")
        else:
            self.match.setText("The two entries do not match yet.")

    def _problem(self) -> tuple[str, QLineEdit] | None:
        """The first thing that stops the vault being created, in words, and where to fix it."""
        if not self.name.text().strip():
            return "Type your name as it should appear on records.", self.name
        found = estimate(self.passphrase.text())
        if not found.acceptable:
            return f"The passphrase is too weak. {found.advice}", self.passphrase
        if self.again.text() != self.passphrase.text():
            return "The two passphrase entries do not match; type it again.", self.again
        return None

    def _submit(self) -> None:
        if not self.button.isEnabled():
            return
        problem = self._problem()
        if problem is not None:
            text, field = problem
            self.message.setText(text)
            field.setFocus()
            return
        secret = bytearray(self.passphrase.text().encode("utf-8"))
        self.passphrase.clear()
        self.again.clear()
        self.set_busy(True)
        self.create_requested.emit(self.name.text().strip(), secret)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.name, self.passphrase, self.again, self.button):
            widget.setEnabled(not busy)
        if busy:
            self.message.setText(BUSY)

    def show_problem(self, text: str) -> None:
        self.reset(text)

    def reset(self, text: str = "") -> None:
        self.set_busy(False)
        self.message.setText(text)
        (self.passphrase if self.name.text().strip() else self.name).setFocus()
