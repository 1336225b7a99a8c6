"""The practitioner's preferences: idle lock, how peers are shown, large type for plans.

The dialog only edits a copy: OK gives a new ``Settings`` and Cancel changes nothing. Saving
to disk (``hubdesk.settings.save_settings``) is the caller's job.
"""

from __future__ import annotations

from hubdesk.settings import Settings
from hubdesk.views.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from hubdesk.views.widgets import buddy, name_inner_edit, named

PEER_CHOICES = (("initials", "Initials only"), ("full_names", "Full names"))


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HubDesk settings")
        self._settings = settings
        self.idle_minutes = named(
            QSpinBox(), "Lock after minutes without use", "HubDesk saves and locks itself"
        )
        self.idle_minutes.setRange(1, 60)
        name_inner_edit(self.idle_minutes)
        self.idle_minutes.valueChanged.connect(self._name_the_unit)
        self.idle_minutes.setValue(settings.idle_lock_minutes)
        self._name_the_unit(self.idle_minutes.value())
        self.peer_detail = named(QComboBox(), "Show peers in peer groups as")
        for value, text in PEER_CHOICES:
            self.peer_detail.addItem(text, value)
        self.peer_detail.setCurrentIndex(self.peer_detail.findData(settings.peer_detail))
        peer_hint = QLabel("Your hub's policy may require initials only.")
        self.large_type = named(
            QCheckBox("&Large type when showing plans"), "Large type when showing plans"
        )
        self.large_type.setChecked(settings.large_type)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        named(self.buttons.button(QDialogButtonBox.StandardButton.Ok), "OK")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(buddy("Lock &after", self.idle_minutes), self.idle_minutes)
        form.addRow(buddy("Show &peers as", self.peer_detail), self.peer_detail)
        form.addRow("", peer_hint)
        form.addRow("", self.large_type)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _name_the_unit(self, minutes: int) -> None:
        self.idle_minutes.setSuffix(
            " minute without use" if minutes == 1 else " minutes without use"
        )

    def result_settings(self) -> Settings:
        """The edited settings after OK; the settings it was given otherwise."""
        if self.result() != QDialog.DialogCode.Accepted:
            return self._settings
        return self._settings.model_copy(
            update={
                "idle_lock_minutes": self.idle_minutes.value(),
                "peer_detail": self.peer_detail.currentData(),
                "large_type": self.large_type.isChecked(),
            }
        )


def edit_settings(parent: QWidget | None, settings: Settings) -> Settings | None:
    """Show the dialog modally: the new settings after OK, None after Cancel."""
    dialog = SettingsDialog(settings, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.result_settings()
    finally:
        dialog.deleteLater()
