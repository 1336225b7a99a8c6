"""The hub's corner of the status bar: where sync is, in words, and what waits for a person.

``[2 conflicts to choose] [1 change refused by the hub]  Up to date at 14:02  [Sync now]``

The counts are buttons (hidden at zero) that open what they count. Every state is a short
sentence on the bar and a longer one as its tooltip and spoken description; times are
Europe/London.
"""

from __future__ import annotations

from datetime import datetime

from hubdesk.sync.client import Progress
from hubdesk.timeutil import LONDON, as_utc
from hubdesk.views.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal
from hubdesk.views.sync_worker import OFFLINE_RETRY_MS, Phase, SyncState
from hubdesk.views.widgets import named

NOT_CONNECTED = "Hub: not connected — everything is kept on this laptop"
#: Something waits for the person: a border and bold type (never colour alone).
ATTENTION = (
    "QPushButton { border: 2px solid #9a4a00; border-radius: 4px; padding: 2px 8px; "
    "font-weight: bold; }"
)


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def progress_words(step: Progress | None) -> str:
    if step is None:
        return "Syncing…"
    if step.stage == "push" and step.total:
        return f"Syncing: {step.done} of {plural(step.total, 'change', 'changes')} sent"
    if step.stage == "pull":
        if step.done:
            return f"Syncing: {plural(step.done, 'change', 'changes')} received"
        return "Syncing: asking the hub for changes"
    if step.stage == "check":
        return "Syncing: checking this laptop matches the hub"
    return "Syncing…"


def clock(at: datetime) -> str:
    return as_utc(at).astimezone(LONDON).strftime("%H:%M")


def state_words(state: SyncState) -> tuple[str, str]:
    """(what the bar says, the longer sentence for its tooltip)."""
    waiting = plural(state.pending, "change", "changes")
    phase = state.phase
    if phase is Phase.NOT_CONNECTED:
        return NOT_CONNECTED, (
            "This laptop is not connected to a hub. Choose Sync now to connect it; until then "
            "everything stays here."
        )
    if phase is Phase.WAITING:
        return "Hub: not synced yet", f"Connected to {state.hub_url}. Choose Sync now to sync."
    if phase is Phase.SYNCING:
        return progress_words(state.progress), (
            "Syncing with the hub. You can keep working: everything you type is saved here."
        )
    if phase is Phase.UP_TO_DATE and state.synced_at is not None:
        at = clock(state.synced_at)
        if state.pending:
            return f"Synced at {at}; {waiting} to send", (
                f"Synced with the hub at {at}. {waiting.capitalize()} made since then will be "
                "sent at the next sync."
            )
        return f"Up to date at {at}", f"Everything on this laptop was on the hub at {at}."
    if phase is Phase.OFFLINE:
        minutes = OFFLINE_RETRY_MS // 1000
        short = "Offline: changes are kept on this laptop"
        if state.pending:
            short = f"Offline: {waiting} waiting to be sent"
        return short, f"{state.detail} HubDesk tries again every {minutes} seconds."
    if phase is Phase.SIGN_IN_NEEDED:
        return "Sign-in needed: ask your hub's IT team", (
            f"The hub did not accept this laptop's sign-in: {state.detail} Ask your team lead "
            "or the hub's IT team; everything stays on this laptop meanwhile."
        )
    if phase is Phase.ASKING:
        return "Sync stopped: waiting for your answer", state.detail
    if phase is Phase.HELD:
        return "Sync paused: nothing was removed", (
            "A sync would have removed most of the records on this laptop, so it stopped and "
            "HubDesk stopped syncing on its own. Choose Sync now to be asked again."
        )
    if phase is Phase.UPDATE_NEEDED:
        return "Update HubDesk to receive the hub's changes", state.detail
    if phase is Phase.HUB_RECORD_INCOMPLETE:
        return "A record on the hub needs correcting: ask the hub's IT team", state.detail
    return "Sync did not finish", (
        f"{state.detail} Everything stays on this laptop; HubDesk will try again."
    )


class SyncStatus(QWidget):
    sync_requested = Signal()
    conflicts_requested = Signal()
    refused_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = named(QLabel(NOT_CONNECTED), "Hub")
        self.conflicts = named(QPushButton(""), "Conflicts to choose")
        self.conflicts.setToolTip(
            "Records changed here and on the hub at the same time: choose which version to keep."
        )
        self.refused = named(QPushButton(""), "Changes refused by the hub")
        self.refused.setToolTip("Changes the hub did not take, with its reasons.")
        self.sync = named(QPushButton("Sync now"), "Sync now", "Sync with the hub now (F5)")
        for button, signal in (
            (self.conflicts, self.conflicts_requested),
            (self.refused, self.refused_requested),
            (self.sync, self.sync_requested),
        ):
            button.clicked.connect(signal)
        for button in (self.conflicts, self.refused):
            button.setStyleSheet(ATTENTION)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.conflicts, self.refused, self.label, self.sync):
            layout.addWidget(widget)
        self.show_state(SyncState(Phase.NOT_CONNECTED))

    def show_state(self, state: SyncState) -> None:
        short, long = state_words(state)
        self.label.setText(short)
        self.label.setToolTip(long)
        self.label.setAccessibleDescription(long)
        for button, text in (
            (self.conflicts, plural(state.conflicts, "conflict", "conflicts") + " to choose"),
            (self.refused, plural(state.refused, "change", "changes") + " refused by the hub"),
        ):
            button.setText(text)
            button.setAccessibleName(text)
        self.conflicts.setVisible(state.conflicts > 0)
        self.refused.setVisible(state.refused > 0)
        self.sync.setEnabled(state.phase is not Phase.SYNCING)
        words = "Connect to your hub…" if state.phase is Phase.NOT_CONNECTED else "Sync now"
        self.sync.setText(words)
        self.sync.setAccessibleName(words.rstrip("…"))
