"""Connect to your hub: the first connection from the desktop (what ``hubdesk enrol`` does).

The hub's address, the practitioner's hub username and password. The enrolment itself is
``services.hub.enrol``, shared with the command: the device's key is made on this laptop and
kept, with the token and certificate the hub sends back, inside the vault. The password goes
to the hub only; it is read from the field, which is emptied at once, and never kept.

The enrolment runs on the write thread, not the network pool: once the hub has said yes, its
answer must reach the vault (the hub keeps this device's id, so an answer lost to a lock
could never be asked for again), and a lock waits for the write thread before the vault
closes. It is bounded by ``ENROL_TIMEOUT`` and happens once per laptop.
"""

from __future__ import annotations

from hubdesk.views.case_tab import Deps
from hubdesk.views.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from hubdesk.views.widgets import buddy, message_label, named, problem_words

INTRO = (
    "Connect this laptop to your hub once, with your hub username and password. After that "
    "HubDesk syncs on its own. Your password goes to the hub only; HubDesk does not keep it."
)


class ConnectDialog(QDialog):
    #: Enrolled: the hub's answer (who, which team) — the window starts syncing.
    connected = Signal(object)

    def __init__(self, deps: Deps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.deps = deps
        self.setWindowTitle("Connect to your hub")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.address = named(QLineEdit(), "Hub address", "For example https://hub.example.org")
        self.address.setPlaceholderText("https://hub.example.org")
        self.username = named(QLineEdit(), "Hub username")
        self.password = named(QLineEdit(), "Hub password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(buddy("Hub &address", self.address), self.address)
        form.addRow(buddy("&Username", self.username), self.username)
        form.addRow(buddy("&Password", self.password), self.password)
        self.message = message_label("What happened")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        named(self.connect_button, "Connect")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.connect_now)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.working = False
        self.resize(480, 260)

    def connect_now(self) -> None:
        if self.working:
            return
        url = self.address.text().strip()
        # Hub usernames are lower case (the hub refuses others): save a refusal over a capital.
        username = self.username.text().strip().lower()
        password = self.password.text()
        if not (url and username and password):
            self.message.setText("Fill in the hub's address, your username and your password.")
            return
        self.password.clear()
        self.working = True
        self.connect_button.setEnabled(False)
        self.message.setText(f"Connecting to {url}…")
        enrol = self.deps.services.hub.enrol
        self.deps.tasks.write(lambda: enrol(url, username, password), self._done, self._failed)

    def _done(self, answer: object) -> None:
        if not is_alive(self):
            return
        self.working = False
        self.connected.emit(answer)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        words = problem_words(exc)
        if not is_alive(self):
            return
        self.working = False
        self.connect_button.setEnabled(True)
        self.message.setText(f"{words} Nothing was changed on this laptop.")
        self.password.setFocus()
