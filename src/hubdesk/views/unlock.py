"""The unlock screen: one passphrase field, the reason in words when it does not open."""

from __future__ import annotations

from collections.abc import Callable

from hubdesk.views.qt import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget, Signal


class UnlockScreen(QWidget):
    """Asks for the passphrase and hands it (as a bytearray) to ``try_unlock``.

    ``try_unlock`` returns None on success or the plain sentence to show.
    """

    unlocked = Signal()

    def __init__(self, vault_name: str, try_unlock: Callable[[bytearray], str | None]) -> None:
        super().__init__()
        self._try_unlock = try_unlock
        self.setWindowTitle("HubDesk — unlock")
        title = QLabel(f"<h2>Unlock HubDesk</h2><p>Vault: {vault_name}</p>")
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
        secret = bytearray(self.passphrase.text().encode("utf-8"))
        self.passphrase.clear()
        problem = self._try_unlock(secret)
        if problem is None:
            self.message.setText("")
            self.unlocked.emit()
        else:
            self.message.setText(problem)
            self.passphrase.setFocus()
