"""The unlock screen: one passphrase field, the reason in words when it does not open.

The screen only collects the passphrase (as a ``bytearray``, which the receiver wipes) and
shows what happened; the key derivation runs elsewhere, off the UI thread, so the window stays
responsive for the ~0.4 s it takes (longer after wrong guesses).
"""

from __future__ import annotations

from hubdesk.views.qt import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget, Signal


class UnlockScreen(QWidget):
    passphrase_entered = Signal(object)  # a bytearray

    def __init__(self, vault_label: str) -> None:
        super().__init__()
        self.setWindowTitle("HubDesk — unlock")
        title = QLabel(f"<h2>Unlock HubDesk</h2><p>{vault_label}</p>")
        title.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setAccessibleDescription("The passphrase that opens your vault")
        self.passphrase.setPlaceholderText("Passphrase")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")
        self.button = QPushButton("&Unlock")
        self.button.setAccessibleName("Unlock")
        self.button.setDefault(True)
        layout = QVBoxLayout(self)
        for widget in (title, self.passphrase, self.button, self.message):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.button.clicked.connect(self._submit)
        self.passphrase.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        if not self.passphrase.text():
            self.show_problem("Type your passphrase first.")
            return
        secret = bytearray(self.passphrase.text().encode("utf-8"))
        self.passphrase.clear()
        self.set_busy(True)
        self.passphrase_entered.emit(secret)

    def set_busy(self, busy: bool) -> None:
        self.passphrase.setEnabled(not busy)
        self.button.setEnabled(not busy)
        if busy:
            self.message.setText("Unlocking…")

    def show_problem(self, text: str) -> None:
        self.set_busy(False)
        self.message.setText(text)
        self.passphrase.setFocus()

    def reset(self, text: str = "") -> None:
        self.set_busy(False)
        self.message.setText(text)
        self.passphrase.setFocus()
