"""One sync as the desktop runs it: off the UI thread, and stoppable at once (Qt-free).

The desktop syncs on the network pool (``Tasks.network``) while the practitioner goes on
typing. Autosaves keep going through the write thread meanwhile: SQLite queues the two
writers, and each of the engine's transactions is short (it never holds one across a call to
the hub), so a slow hub never holds up a save.

Locking must close the vault without waiting for a slow hub, so a run can be stopped:

- every vault step of the run holds the run's vault guard, and refuses to begin once stopped;
- every call to the hub, and every backoff wait, refuses to begin once stopped;
- :meth:`SyncRun.stop` marks the run stopped and waits only for the vault step in hand (a
  transaction: milliseconds). From then on the run never touches the vault. A call to the hub
  already in flight ends (or times out) in the background and its answer is dropped, which the
  engine is built for: a push sent again is answered with its first result, and a pulled page
  is kept together with its cursor or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from hubdesk.services import Services
from hubdesk.services.hub_link import HubLink
from hubdesk.services.sync import SyncService
from hubdesk.sync.client import Progress, SyncEngine, SyncReport
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import HubClient

T = TypeVar("T")


class Stopped(Exception):
    """The run was stopped (the vault is locking): whatever it had not begun is left undone."""


class StopSwitch:
    """Shared by a run's vault steps, its hub calls and its waits."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._vault = threading.RLock()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def check(self) -> None:
        if self._stopped.is_set():
            raise Stopped

    @contextmanager
    def vault_step(self) -> Iterator[None]:
        """Hold the vault for one step; refuse to begin once stopped."""
        with self._vault:
            self.check()
            yield

    def sleep(self, seconds: float) -> None:
        """The engine's backoff wait, cut short by a stop."""
        if self._stopped.wait(seconds):
            raise Stopped

    def stop(self) -> None:
        """Stop, and wait for the vault step in hand (if any) to end."""
        self._stopped.set()
        with self._vault:
            pass


class GuardedSync(SyncService):
    """``services.sync`` whose every vault access is a step of the switch: its sessions, and
    the two values it reads from the vault's meta table without one.

    (The sessions are typed ``Any`` here because views do not import SQLAlchemy; see
    tests/test_layering.py. Nothing in this module opens a session of its own.)"""

    def __init__(self, inner: SyncService, switch: StopSwitch) -> None:
        super().__init__(inner.vault, inner.actor, inner.clock)
        self.switch = switch

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.switch.vault_step(), super().read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.switch.vault_step(), super().write() as session:
            yield session

    def cursor(self) -> int:
        with self.switch.vault_step():
            return super().cursor()

    def epoch(self) -> str | None:
        with self.switch.vault_step():
            return super().epoch()


class StoppableHub(HubRelay):
    """The hub client, checked before each call and after each answer."""

    def __init__(self, client: HubClient, switch: StopSwitch) -> None:
        super().__init__(client)
        self.switch = switch

    def _around(self, name: str, call: Callable[[], T]) -> T:
        self.switch.check()
        answer = call()
        self.switch.check()  # stopped meanwhile: the answer is dropped, never written
        return answer


class SyncRun:
    """One sync of ``services``' vault with the hub it is enrolled with; call it on a worker
    thread. ``progress`` is called on that thread."""

    def __init__(
        self,
        services: Services,
        link: HubLink,
        *,
        progress: Callable[[Progress], None],
        allow_mass_delete: bool = False,
        attempts: int = 3,
        timeout: float = 20.0,
    ) -> None:
        self.services, self.link = services, link
        self.progress = progress
        self.allow_mass_delete = allow_mass_delete
        self.attempts, self.timeout = attempts, timeout
        self.switch = StopSwitch()

    def __call__(self) -> SyncReport:
        self.switch.check()
        with HubClient(self.link.url, self.link.token, timeout=self.timeout) as client:
            engine = SyncEngine(
                GuardedSync(self.services.sync, self.switch),
                StoppableHub(client, self.switch),
                progress=self._progress,
                sleep=self.switch.sleep,
                attempts=self.attempts,
                allow_mass_delete=self.allow_mass_delete,
            )
            return engine.run()

    def _progress(self, step: Progress) -> None:
        self.switch.check()
        self.progress(step)

    def stop(self) -> None:
        """After this returns the run never touches the vault again."""
        self.switch.stop()
