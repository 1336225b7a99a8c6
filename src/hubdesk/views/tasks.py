"""The one helper for background work (after Anki's taskman).

``Tasks.write(fn, on_done, on_error)`` runs ``fn`` on a single worker thread, so vault writes
happen one at a time and in order; ``Tasks.network(...)`` runs on a separate small pool, so a
slow hub never holds up a save. ``on_done``/``on_error`` are called back on the UI thread
through a queued signal. The UI thread never waits on I/O.

Saving before a lock or a move waits for the writes only (:meth:`Tasks.wait_idle`), never for
the network: work on the network pool that touches the vault must be stoppable on its own
(the sync's ``SyncRun.stop``), so a slow hub can never hold a save, a lock or a keystroke.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

from hubdesk.views.qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

#: How many times ``Tasks.settle`` answers writes that queue more before it stops answering.
SETTLE_ROUNDS = 10

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the UI thread; a signal emitted from a worker is delivered there."""

    finished = Signal()


#: A finished job's answer: its callback, its value, its error.
_Answer = tuple[Callable[[Any], None], Any, BaseException | None]


class _Job(QRunnable):
    def __init__(
        self,
        fn: Callable[[], Any],
        answers: SimpleQueue[_Answer],
        relay: _Relay,
        on_done: Done,
        on_error: Failed,
    ):
        super().__init__()
        self._fn, self._answers, self._relay = fn, answers, relay
        self._done, self._error = on_done, on_error

    def run(self) -> None:
        try:
            value = self._fn()
        except BaseException as exc:  # reported to the UI thread, never swallowed
            self._answers.put((self._error, None, exc))
        else:
            self._answers.put((self._done, value, None))
        self._relay.finished.emit()


class Tasks(QObject):
    def __init__(self, parent: QObject | None = None, network_threads: int = 4) -> None:
        super().__init__(parent)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._net = QThreadPool(self)
        self._net.setMaxThreadCount(network_threads)
        #: Answers of finished jobs not yet delivered, in the order they finished.
        self._answers: SimpleQueue[_Answer] = SimpleQueue()
        self._relay = _Relay(self)
        self._relay.finished.connect(self.deliver_finished)

    def write(self, fn: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        self._writes.start(_Job(fn, self._answers, self._relay, on_done, on_error))

    def network(self, fn: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        self._net.start(_Job(fn, self._answers, self._relay, on_done, on_error))

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """Block until queued writes are done (closing the window, locking the vault)."""
        return bool(self._writes.waitForDone(msecs))

    def wait_network(self, msecs: int = 10_000) -> bool:
        """Block until network work is done (tests, and nothing on the UI thread's path)."""
        return bool(self._net.waitForDone(msecs))

    def settle(self) -> None:
        """Wait for the writes and deliver their answers, and again while an answer queued
        another write (a save's answer may start the next save), so that none is left
        running or unanswered: what closing the vault needs."""
        for _ in range(SETTLE_ROUNDS):
            self.wait_idle(-1)
            if self._answers.empty():
                return
            self.deliver_finished()
        log.warning("Writes were still being queued after %d rounds of answers", SETTLE_ROUNDS)
        self.wait_idle(-1)

    def deliver_finished(self) -> None:
        """Call back, now, the answers of the jobs that have finished, in order (on the UI
        thread). Each job's signal does this when the event loop comes round to it (and
        then finds nothing left); a save that must be done now (a screen's flush, closing
        the vault) calls it straight after ``wait_idle``, so the state is current and no
        answer runs after the close, and nothing else is let through meanwhile (as
        ``processEvents`` would: a timer, or the session locking, which locks HubDesk)."""
        while True:
            try:
                callback, value, error = self._answers.get_nowait()
            except Empty:
                return
            callback(error if error is not None else value)
