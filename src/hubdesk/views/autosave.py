"""Autosave for every editor: nothing a practitioner types is lost.

An editor calls :meth:`Autosave.changed` on every edit. ``DELAY_MS`` after the last edit the
editor's snapshot is taken on the UI thread and written to the vault on the single write
thread (so saves land one at a time and in order). :meth:`Autosave.flush` saves at once and
waits: the window calls it before locking, closing or moving to another record, so a draft is
in the vault before the key is dropped.

A save the vault refuses (a review date in the past, say) keeps the edit pending and says why
in words; the typed text stays in the editor and is saved by the next successful attempt.
Editors therefore save whatever is valid and check the rest themselves (a bad date is left out
of the save and named beside the field), so a refusal never holds back typed text.

The first save of a new record creates it; the next save must edit that record, even when it
was snapshotted before the first save's result reached the UI thread. Writes run in order on
one thread, so the editor keeps the id in a :class:`RecordId` that the create fills in and the
later writes read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hubdesk.errors import HubDeskError
from hubdesk.timeutil import LONDON
from hubdesk.views.qt import QObject, QTimer, Signal, is_alive
from hubdesk.views.tasks import Tasks
from hubdesk.views.widgets import problem_words

#: Quiet time after the last keystroke before saving; well inside the 1 s promise, and long
#: enough that a practitioner typing steadily causes a save per pause, not per key.
DELAY_MS = 400

#: Called on the UI thread; reads the editor's fields and returns the write to run (which
#: must not touch widgets), or None when there is nothing to save.
Snapshot = Callable[[], Callable[[], Any] | None]


class RecordId:
    """The id of the record an editor saves into, filled in by the write that creates it."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value


class Autosave(QObject):
    #: "Saved at 14:02" or the reason a save was refused, for the editor's status line.
    status_changed = Signal(str)
    #: The value the write returned (a new record id, say), on the UI thread.
    saved = Signal(object)

    def __init__(self, tasks: Tasks, snapshot: Snapshot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._snapshot = snapshot
        self._pending = False
        self._in_flight = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._save)
        self.last_problem: str | None = None

    @property
    def pending(self) -> bool:
        """True while an edit has not yet reached the vault."""
        return self._pending or self._in_flight > 0

    def changed(self) -> None:
        self._pending = True
        self._timer.start()

    def flush(self) -> bool:
        """Save now and wait for it; True when everything typed is in the vault."""
        self._timer.stop()
        if self._pending:
            self._save()
        self._tasks.wait_idle()
        self._tasks.deliver_finished()  # the saves' answers, so the state is current
        return not self.pending and self.last_problem is None

    def _save(self) -> None:
        self._pending = False
        try:
            write = self._snapshot()
        except HubDeskError as exc:
            self._refused(exc)
            return
        if write is None:
            return
        self._in_flight += 1
        self._tasks.write(write, self._done, self._failed)

    def _done(self, value: Any) -> None:
        if not is_alive(self):  # the editor closed while its last save was running
            return
        self._in_flight -= 1
        self.last_problem = None
        self.status_changed.emit(f"Saved at {datetime.now(LONDON):%H:%M}")
        self.saved.emit(value)

    def _failed(self, exc: BaseException) -> None:
        if not is_alive(self):
            problem_words(exc)  # an unexpected failure still leaves its crash report
            return
        self._in_flight -= 1
        if isinstance(exc, HubDeskError):
            self._refused(exc)
            return
        self._pending = True
        self.last_problem = f"Not saved: {problem_words(exc)}"
        self.status_changed.emit(self.last_problem + " Your text is still here.")

    def _refused(self, exc: HubDeskError) -> None:
        self._pending = True
        self.last_problem = f"Not saved yet: {exc.message}"
        self.status_changed.emit(self.last_problem)


__all__ = ["DELAY_MS", "Autosave", "RecordId", "Snapshot"]
