"""The settings dialog, driven from the keyboard: OK gives new settings, Cancel changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from hubdesk.settings import Settings
from hubdesk.views.qt import QApplication, QLabel, Qt, QTimer, QWidget
from hubdesk.views.settings_dialog import SettingsDialog, edit_settings


def unnamed_controls(screen: QWidget) -> list[str]:
    """Controls that take keyboard focus but have no name for a screen reader.
    (Like tests/views/test_accessibility.py's walk, without importing the main window.)"""
    return [
        type(w).__name__
        for w in screen.findChildren(QWidget)
        if w.isVisibleTo(screen)
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not w.accessibleName().strip()
    ]


START = Settings(idle_lock_minutes=5, peer_detail="initials", large_type=False)


def change_everything(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Lock after 15 minutes, full names, large type — by keyboard, moving on with Tab."""
    dialog.idle_minutes.setFocus()
    qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.idle_minutes, "15")
    qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)


def shown(qtbot: QtBot, dialog: SettingsDialog) -> SettingsDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def test_ok_returns_each_changed_setting(qtbot: QtBot) -> None:
    dialog = shown(qtbot, SettingsDialog(START))
    assert dialog.windowTitle() == "HubDesk settings"
    assert dialog.idle_minutes.text() == "5 minutes without use"
    assert dialog.peer_detail.currentText() == "Initials only"
    assert not dialog.large_type.isChecked()
    assert unnamed_controls(dialog) == []
    change_everything(qtbot, dialog)
    assert dialog.idle_minutes.text() == "15 minutes without use"
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    result = dialog.result_settings()
    assert result.idle_lock_minutes == 15
    assert result.peer_detail == "full_names"
    assert result.large_type is True
    assert START.idle_lock_minutes == 5  # the settings given are never changed in place


def test_cancel_changes_nothing(qtbot: QtBot) -> None:
    dialog = shown(qtbot, SettingsDialog(START))
    change_everything(qtbot, dialog)
    with qtbot.waitSignal(dialog.rejected, timeout=3000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.result_settings() == START


def test_the_spin_box_stays_between_one_and_sixty_minutes(qtbot: QtBot) -> None:
    dialog = shown(qtbot, SettingsDialog(START.model_copy(update={"idle_lock_minutes": 2})))
    qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_Down)
    assert dialog.idle_minutes.text() == "1 minute without use"
    for _ in range(7):
        qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_PageUp)
    assert dialog.idle_minutes.value() == 60


def test_it_explains_that_the_hub_may_require_initials(qtbot: QtBot) -> None:
    dialog = shown(qtbot, SettingsDialog(START))
    texts = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert "Your hub's policy may require initials only." in texts


def run_modally(qtbot: QtBot, keys: Callable[[SettingsDialog], None]) -> Settings | None:
    """Call edit_settings and, once its dialog is up, press the keys in it. Whatever goes
    wrong, the dialog is closed so the test fails instead of waiting forever."""
    problems: list[BaseException] = []

    def press() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog)]
        try:
            (dialog,) = [d for d in dialogs if d.isVisible()]
            qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
            keys(dialog)
            assert not dialog.isVisible(), "the keys did not close the dialog"
        except BaseException as exc:  # reported after exec() returns
            problems.append(exc)
            for dialog in dialogs:
                dialog.reject()

    QTimer.singleShot(0, press)
    result = edit_settings(None, START)
    if problems:
        raise problems[0]
    return result


def test_edit_settings_returns_the_new_settings_or_none(qtbot: QtBot) -> None:
    def change_and_ok(dialog: SettingsDialog) -> None:
        change_everything(qtbot, dialog)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    changed = run_modally(qtbot, change_and_ok)
    assert changed == START.model_copy(
        update={"idle_lock_minutes": 15, "peer_detail": "full_names", "large_type": True}
    )

    def change_and_cancel(dialog: SettingsDialog) -> None:
        change_everything(qtbot, dialog)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    assert run_modally(qtbot, change_and_cancel) is None
