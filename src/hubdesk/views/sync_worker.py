"""Sync in the background: now when asked, every few minutes, and again soon while offline.

The worker lives on the UI thread and starts one :class:`SyncRun` at a time on the network
pool (``Tasks.network``); the run's progress and outcome come back as Qt signals on the UI
thread. What it says to the window is a :class:`SyncState`: the status bar words it, and the
window refreshes its screens after a sync that brought changes.

"The network came back" is noticed by trying again every :data:`OFFLINE_RETRY_MS` while the
hub cannot be reached: Qt's reachability API (``QNetworkInformation``) is not among the
bindings ``views/qt.py`` exports, and a refused connection to the hub costs next to nothing.

Reads of the vault (the link, counts after a run) happen here on the UI thread (a few
milliseconds, as every screen's reads do: docs/decisions/0005).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from hubdesk.errors import HubDeskError
from hubdesk.services import Services
from hubdesk.services.sync import UnreadableFromHub
from hubdesk.sync.client import MassDeletion, Progress, SyncReport
from hubdesk.sync.transport import HubUnreachable, RevokedByHub, SignInNeeded
from hubdesk.timeutil import utcnow
from hubdesk.views.qt import QObject, QTimer, Signal
from hubdesk.views.sync_run import Stopped, SyncRun
from hubdesk.views.tasks import Tasks
from hubdesk.views.widgets import problem_words

#: A sync on its own this often while HubDesk is open and unlocked.
SYNC_EVERY_MS = 5 * 60_000
#: While the hub cannot be reached, try again this often (a refused connection is cheap).
OFFLINE_RETRY_MS = 30_000
#: Tries of each call to the hub within one run (the engine backs off between them).
ATTEMPTS = 3
#: Seconds one call to the hub may take.
TIMEOUT = 20.0


class Phase(enum.Enum):
    NOT_CONNECTED = "not connected"
    WAITING = "waiting"  # enrolled, not synced since unlocking
    SYNCING = "syncing"
    UP_TO_DATE = "up to date"
    OFFLINE = "offline"
    SIGN_IN_NEEDED = "sign-in needed"
    ASKING = "asking"  # stopped before removing most records: waiting for the person's answer
    HELD = "held"  # the person said Stop: no sync on its own until they choose Sync now
    UPDATE_NEEDED = "update needed"  # the hub sent what this version cannot read
    HUB_RECORD_INCOMPLETE = "hub record incomplete"  # sent a record new here without a field
    PROBLEM = "problem"


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows. Counts are read after each run and after each resolution."""

    phase: Phase
    progress: Progress | None = None
    #: When the last sync ended well (UTC), since unlocking.
    synced_at: datetime | None = None
    #: Changes on this laptop not yet on the hub.
    pending: int = 0
    conflicts: int = 0
    #: Changes the hub refused, kept here with its reasons.
    refused: int = 0
    #: The words of the last problem (offline, sign-in needed, something unexpected).
    detail: str = ""
    #: The hub this vault is enrolled with ("" when it is not).
    hub_url: str = ""


class SyncWorker(QObject):
    state_changed = Signal(object)  # SyncState
    #: A sync ended well; the report says what moved (screens showing records reload).
    synced = Signal(object)  # SyncReport
    #: The hub says this device was revoked: the desktop tells the user and wipes the vault.
    revoked = Signal()
    #: The hub's changes would remove most records here: the words, for the person to decide.
    mass_deletion = Signal(str)
    _progressed = Signal(object)  # Progress, emitted on the network thread

    def __init__(
        self,
        services: Services,
        tasks: Tasks,
        parent: QObject | None = None,
        *,
        attempts: int | None = None,
        timeout: float | None = None,
        retry_ms: int | None = None,
        before: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.tasks = services, tasks
        #: Called on the UI thread before each run: the window saves what is typed, so it
        #: goes with this sync (and is merged, never overwritten, by what the hub sends).
        self.before = before
        self.attempts = ATTEMPTS if attempts is None else attempts
        self.timeout = TIMEOUT if timeout is None else timeout
        self.run: SyncRun | None = None
        self._stopped = False
        self.state = SyncState(Phase.NOT_CONNECTED)
        self._every = QTimer(self)
        self._every.setInterval(SYNC_EVERY_MS)
        self._every.timeout.connect(self._on_its_own)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(OFFLINE_RETRY_MS if retry_ms is None else retry_ms)
        self._retry.timeout.connect(self._on_its_own)
        self._progressed.connect(self._show_progress)
        self.refresh_counts()

    @property
    def running(self) -> bool:
        return self.run is not None

    @property
    def enrolled(self) -> bool:
        return bool(self.state.hub_url)

    def start(self) -> None:
        """Begin syncing (after unlocking, or once connected): now, then every few minutes."""
        self._stopped = False
        self.refresh_counts()
        if self.enrolled:
            self.sync_now()

    def stop(self) -> None:
        """Before the vault closes: no more runs, and the one running stops touching the vault
        (waiting at most for one vault transaction, never for the hub)."""
        self._stopped = True
        self._every.stop()
        self._retry.stop()
        if self.run is not None:
            self.run.stop()
            self.run = None

    def hold(self) -> None:
        """No sync on its own until the person chooses Sync now (they said Stop to a sync that
        would remove most records: asking again every few minutes would wear the answer out)."""
        self._every.stop()
        self._retry.stop()
        self._set(replace(self.state, phase=Phase.HELD))

    def _on_its_own(self) -> None:
        self.sync_now(asked=False)

    def sync_now(self, allow_mass_delete: bool = False, *, asked: bool = True) -> bool:
        """Start a sync unless one is running (or the vault is not enrolled); True if started.
        ``asked``: the person chose it (which also restarts syncing on its own after a hold)."""
        if self._stopped or self.run is not None:
            return False
        link = self.services.hub.link()
        if link is None:
            self._set(SyncState(Phase.NOT_CONNECTED))
            return False
        if asked and not self._every.isActive():
            self._every.start()
        self._retry.stop()
        if self.before is not None:
            self.before()
            if self._stopped or self.run is not None:
                return False  # saving delivered events: a lock, or another sync began
        run = SyncRun(
            self.services,
            link,
            progress=self._progressed.emit,
            allow_mass_delete=allow_mass_delete,
            attempts=self.attempts,
            timeout=self.timeout,
        )
        self.run = run
        self._set(replace(self.state, phase=Phase.SYNCING, progress=None, hub_url=link.url))
        self.tasks.network(
            run, lambda report: self._done(run, report), lambda exc: self._failed(run, exc)
        )
        return True

    def network_back(self) -> None:
        """The network came back (a reachability signal, where there is one): try at once."""
        if self.state.phase is Phase.OFFLINE:
            self.sync_now()

    def refresh_counts(self) -> None:
        """Read what the status bar counts (after a conflict is resolved, say)."""
        link = self.services.hub.link()
        phase = self.state.phase
        if link is None:
            phase = Phase.NOT_CONNECTED
        elif phase is Phase.NOT_CONNECTED:
            phase = Phase.WAITING
        self._set(
            replace(
                self.state,
                phase=phase,
                hub_url=link.url if link else "",
                pending=self.services.sync.pending_count(),
                conflicts=self.services.conflicts.count_open(),
                refused=len(self.services.sync.rejected()),
            )
        )

    # -- the run's outcome, on the UI thread ---------------------------------------------
    def _show_progress(self, step: Progress) -> None:
        if self.run is not None:
            self._set(replace(self.state, progress=step))

    def _done(self, run: SyncRun, report: SyncReport) -> None:
        if run is not self.run:
            return  # stopped meanwhile: the vault may be closed
        self.run = None
        self._set(replace(self.state, phase=Phase.UP_TO_DATE, synced_at=utcnow(), detail=""))
        self.refresh_counts()
        self.synced.emit(report)

    def _failed(self, run: SyncRun, exc: BaseException) -> None:
        if run is not self.run:
            return
        self.run = None
        if isinstance(exc, Stopped):
            return
        if isinstance(exc, RevokedByHub):
            self.stop()
            self.revoked.emit()
            return
        if isinstance(exc, MassDeletion):
            self._set(replace(self.state, phase=Phase.ASKING, detail=str(exc)))
            self.mass_deletion.emit(str(exc))
            return
        if isinstance(exc, HubUnreachable):
            self._set(replace(self.state, phase=Phase.OFFLINE, detail=exc.message))
            self._retry.start()
        elif isinstance(exc, SignInNeeded):
            self._set(replace(self.state, phase=Phase.SIGN_IN_NEEDED, detail=exc.message))
        elif isinstance(exc, UnreadableFromHub):
            phase = Phase.HUB_RECORD_INCOMPLETE if exc.missing else Phase.UPDATE_NEEDED
            self._set(replace(self.state, phase=phase, detail=exc.message))
        elif isinstance(exc, HubDeskError):
            self._set(replace(self.state, phase=Phase.PROBLEM, detail=exc.message))
        else:
            self._set(replace(self.state, phase=Phase.PROBLEM, detail=problem_words(exc)))
        self.refresh_counts()

    def _set(self, state: SyncState) -> None:
        self.state = state
        self.state_changed.emit(state)
