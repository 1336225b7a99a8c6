"""Sync in the main window: the Hub menu, the status bar corner, and what sync brings back.

Kept apart from ``main_window.py`` so the window stays small. ``SyncControls`` owns the
background :class:`SyncWorker` and answers its events on the UI thread: it refreshes the
screens after a sync that brought changes, opens the conflict screen, asks before a sync
removes most records, and passes a revocation on to the desktop (which wipes the vault).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubdesk.sync.client import SyncReport
from hubdesk.views.case_tab import Deps
from hubdesk.views.conflict_screen import ConflictScreen
from hubdesk.views.connect_dialog import ConnectDialog
from hubdesk.views.qt import QAction, QKeySequence, QNetworkInformation, QObject, Signal
from hubdesk.views.sync_dialogs import MassDeletionBox, RefusedDialog
from hubdesk.views.sync_status import SyncStatus
from hubdesk.views.sync_worker import SyncState, SyncWorker

if TYPE_CHECKING:
    from hubdesk.views.main_window import MainWindow

#: "Sync now" from anywhere in the window.
SYNC_KEY = "F5"


class SyncControls(QObject):
    #: The hub says this laptop was revoked: the desktop closes and wipes the vault.
    revoked = Signal()

    def __init__(self, window: MainWindow, deps: Deps) -> None:
        super().__init__(window)
        self.window, self.deps = window, deps
        self.worker = SyncWorker(deps.services, deps.tasks, self, before=window.flush)
        self._conflicts = -1
        self.status = SyncStatus()
        self.conflict_screen: ConflictScreen | None = None
        self.connect_dialog: ConnectDialog | None = None
        self.question: MassDeletionBox | None = None
        self.sync_action = QAction("Sync &now", window)
        self.sync_action.setShortcut(QKeySequence(SYNC_KEY))
        self.sync_action.setStatusTip("Send this laptop's changes to the hub and get the hub's")
        self.sync_action.triggered.connect(lambda _=False: self.sync_now())
        self.connect_action = QAction("&Connect to your hub…", window)
        self.connect_action.triggered.connect(lambda _=False: self.open_connect())
        self.conflicts_action = QAction("C&onflicts to choose…", window)
        self.conflicts_action.triggered.connect(lambda _=False: self.open_conflicts())
        # No Alt key: every free letter of "Hub" or "Sync" is taken by a field of some screen.
        menu = window.menuBar().addMenu("Hub")
        for action in (self.sync_action, self.connect_action, self.conflicts_action):
            menu.addAction(action)
        window.addAction(self.sync_action)
        self.status.sync_requested.connect(self.sync_now)
        self.status.conflicts_requested.connect(self.open_conflicts)
        self.status.refused_requested.connect(self.open_refused)
        self.worker.state_changed.connect(self._state_changed)
        self.worker.synced.connect(self._synced)
        self.worker.mass_deletion.connect(self._ask_mass_deletion)
        self.worker.revoked.connect(self.revoked)
        window.case_view.conflicts_requested.connect(self.open_conflicts)
        self._watch_network()
        self._state_changed(self.worker.state)

    def _watch_network(self) -> None:
        """Sync as soon as the system says the network is back, where it can say so (the
        worker's periodic retry while offline covers the rest)."""
        if not QNetworkInformation.loadDefaultBackend():
            return
        info = QNetworkInformation.instance()
        if info is not None:
            info.reachabilityChanged.connect(self._reachability)

    def _reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability == QNetworkInformation.Reachability.Online:
            self.worker.network_back()

    # -- asking for a sync ---------------------------------------------------------------
    def sync_now(self) -> None:
        """Sync, or connect first when this laptop is not connected to a hub."""
        if not self.worker.enrolled:
            self.open_connect()
            return
        self.worker.sync_now()

    def open_connect(self) -> None:
        if self.worker.enrolled:
            self.window.show_status(f"This laptop is connected to {self.worker.state.hub_url}.")
            return
        if self.connect_dialog is None:
            self.connect_dialog = ConnectDialog(self.deps, self.window)
            self.connect_dialog.connected.connect(self._connected)
        self.connect_dialog.open()

    def _connected(self, answer: object) -> None:
        user = getattr(answer, "user", None)
        who = f" as {user.username}" if user is not None else ""
        self.window.show_status(f"Connected to your hub{who}. Syncing now.")
        self.worker.start()

    # -- what sync brings back -----------------------------------------------------------
    def _state_changed(self, state: SyncState) -> None:
        self.status.show_state(state)
        self.connect_action.setEnabled(not state.hub_url)
        self.conflicts_action.setEnabled(state.conflicts > 0)
        if state.conflicts != self._conflicts:  # read the case's count only when it moved
            self._conflicts = state.conflicts
            self.window.case_view.show_conflicts()

    def _synced(self, report: SyncReport) -> None:
        pulled = report.pulled
        if pulled.written or pulled.conflicts or report.pushed.conflicts or report.resynced:
            self.window.case_view.reload()
            self.window.caseload.reload()
        if self.conflict_screen is not None and self.conflict_screen.isVisible():
            self.conflict_screen.reload()

    def _ask_mass_deletion(self, words: str) -> None:
        self.question = MassDeletionBox(words, self._answered, self.window)
        self.question.open()

    def _answered(self, go_on: bool) -> None:
        self.question = None
        if go_on:
            self.worker.sync_now(allow_mass_delete=True)
        else:
            self.worker.hold()

    # -- screens -------------------------------------------------------------------------
    def open_conflicts(self, young_person_id: str | None = None) -> None:
        """The conflict screen: every open conflict, or one young person's."""
        if self.conflict_screen is not None:
            self.conflict_screen.close()
            self.conflict_screen.deleteLater()
        screen = ConflictScreen(self.deps, young_person_id or None, self.window)
        screen.resolved.connect(self._resolved)
        self.conflict_screen = screen
        screen.open()

    def _resolved(self, _conflict_id: str) -> None:
        self.worker.refresh_counts()
        self.window.case_view.reload()
        self.window.caseload.reload()

    def open_refused(self) -> None:
        RefusedDialog(self.deps.services.sync.rejected(), self.window).open()

    # -- the vault closing ---------------------------------------------------------------
    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
