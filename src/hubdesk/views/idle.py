"""Idle lock: after N minutes without keyboard or mouse input, ask the app to lock.

An application-wide event filter restarts one single-shot timer on every input event; when the
timer runs out, ``idle`` is emitted. What locking means (autosave, close the vault, drop the
key, show the unlock screen) is the app's business, not this watcher's.

The same filter hears Ctrl+L wherever it is pressed. The main window's Lock action handles it
in the window itself; a window-modal dialog blocks that shortcut, so there the key press
reaches this filter instead and ``lock_key`` is emitted.
"""

from __future__ import annotations

from hubdesk.views.qt import QEvent, QKeyEvent, QKeySequence, QObject, QTimer, Signal

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


LOCK_KEY = QKeySequence("Ctrl+L")


class IdleWatcher(QObject):
    idle = Signal()
    lock_key = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)

    def set_timeout(self, timeout_ms: int) -> None:
        self._timer.setInterval(timeout_ms)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in _INPUT or not self._timer.isActive():
            return False  # locked already: the unlock screen takes its keys as they are
        self._timer.start()
        if isinstance(event, QKeyEvent) and _is_lock_key(event):
            self.lock_key.emit()
            return True
        return False


def _is_lock_key(event: QKeyEvent) -> bool:
    pressed = QKeySequence(event.keyCombination())
    return pressed.matches(LOCK_KEY) == QKeySequence.SequenceMatch.ExactMatch
