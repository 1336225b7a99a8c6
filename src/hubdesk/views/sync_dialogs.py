"""The questions and lists sync brings to a person: a sync that would remove most records
("Go on" or "Stop"), and the changes the hub refused, with its reasons.

Each opens without blocking (``open()``, window-modal), so the window keeps painting and a
test can answer it like a person would.
"""

from __future__ import annotations

from collections.abc import Callable

from hubdesk.models import RECORD_KINDS
from hubdesk.services.sync import Rejected
from hubdesk.views.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QMessageBox,
    Qt,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import named

GO_ON_SAYS = (
    "Go on: the sync carries on and removes them from this laptop, as the hub says.\n"
    "Stop: nothing is removed, and HubDesk stops syncing on its own until you choose Sync now."
)


class MassDeletionBox(QMessageBox):
    """Asks before a sync removes more than half of the records on this laptop."""

    def __init__(self, words: str, answer: Callable[[bool], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remove most of the records on this laptop?")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setText(words)
        self.setInformativeText(GO_ON_SAYS)
        self.go_on = named(
            self.addButton("&Go on", QMessageBox.ButtonRole.AcceptRole), "Go on and remove them"
        )
        self.stop = named(
            self.addButton("&Stop", QMessageBox.ButtonRole.RejectRole), "Stop and remove nothing"
        )
        self.setDefaultButton(self.stop)  # Enter never removes records by accident
        self.setEscapeButton(self.stop)
        self.buttonClicked.connect(lambda button: answer(button is self.go_on))


def refused_line(item: Rejected) -> str:
    cls = RECORD_KINDS.get(item.kind)
    what = cls.label if cls is not None else item.kind.replace("_", " ")
    return f"A change to a {what}: {item.reason}"


class RefusedDialog(QDialog):
    """The changes the hub refused, each with the hub's reason; they stay on this laptop."""

    def __init__(self, refused: list[Rejected], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changes refused by the hub")
        intro = QLabel(
            "The hub did not take these changes. They stay on this laptop, with the hub's "
            "reasons, and are not sent again. If one should have been taken, ask your team "
            "lead or the hub's IT team."
        )
        intro.setWordWrap(True)
        self.list = named(QListWidget(), "Changes refused by the hub")
        self.list.addItems([refused_line(item) for item in refused])
        self.list.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(560, 340)
