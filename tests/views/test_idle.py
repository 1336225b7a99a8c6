"""The idle watcher fires after the quiet interval, and input keeps pushing it back."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from hubdesk.views.idle import IdleWatcher
from hubdesk.views.qt import QApplication, QLineEdit, Qt


def test_fires_after_the_quiet_interval(qtbot: QtBot) -> None:
    watcher = IdleWatcher(100)
    watcher.start()
    with qtbot.waitSignal(watcher.idle, timeout=2000):
        pass
    assert not watcher.active


def test_typing_pushes_the_lock_back(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert app is not None
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    watcher = IdleWatcher(300)
    app.installEventFilter(watcher)
    try:
        watcher.start()
        with qtbot.assertNotEmitted(watcher.idle, wait=0):
            for _ in range(6):
                qtbot.keyClick(field, Qt.Key.Key_A)
                qtbot.wait(100)
        with qtbot.waitSignal(watcher.idle, timeout=2000):
            pass
    finally:
        app.removeEventFilter(watcher)
    assert field.text() == "aaaaaa"
