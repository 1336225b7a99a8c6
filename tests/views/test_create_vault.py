"""The first-run screen, typed at like a practitioner would: refusals in words, then a vault."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.views.create_vault import CreateVaultScreen
from hubdesk.views.qt import QApplication, Qt, QWidget
from tests.conftest import PASSPHRASE
from tests.views.a11y import unnamed_controls


@pytest.fixture
def screen(qtbot: QtBot) -> CreateVaultScreen:
    widget = CreateVaultScreen("Vault folder: /somewhere")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.name.setFocus()
    qtbot.waitUntil(lambda: widget.name.hasFocus(), timeout=3000)
    return widget


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def fill_in(qtbot: QtBot, name: str, passphrase: str, again: str) -> None:
    """Type each entry and move on with Tab, as from the keyboard alone; Enter submits."""
    for text in (name, passphrase, again):
        if text:
            qtbot.keyClicks(focused(), text)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def test_the_tab_order_is_name_passphrase_again_create(
    qtbot: QtBot, screen: CreateVaultScreen
) -> None:
    visited = [focused()]
    for _ in range(3):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        visited.append(focused())
    assert visited == [screen.name, screen.passphrase, screen.again, screen.button]
    assert unnamed_controls(screen) == []
    screen.again.setAccessibleName("")
    assert unnamed_controls(screen) == ["QLineEdit ''"]  # the walk would catch a missing name


def test_the_warning_says_a_forgotten_passphrase_cannot_be_recovered(
    screen: CreateVaultScreen,
) -> None:
    assert screen.warning.isVisible()
    text = screen.warning.text()
    assert "cannot be recovered on this device" in text
    assert "cannot be opened without it" in text
    assert "records not yet sent to the hub would be lost" in text


def test_a_weak_passphrase_is_refused_with_advice(qtbot: QtBot, screen: CreateVaultScreen) -> None:
    with qtbot.assertNotEmitted(screen.create_requested):
        fill_in(qtbot, "Rhian Morgan", "plum tree", "plum tree")
    assert screen.strength.text().startswith("Strength: too weak.")
    assert "The passphrase is too weak" in screen.message.text()
    assert "at least 12 characters" in screen.message.text()
    assert screen.passphrase.hasFocus()
    assert screen.button.isEnabled()


def test_the_strength_is_shown_in_words_as_it_is_typed(
    qtbot: QtBot, screen: CreateVaultScreen
) -> None:
    qtbot.keyClicks(screen.passphrase, "password12345")
    assert "too weak" in screen.strength.text()
    assert "Avoid common words" in screen.strength.text()
    screen.passphrase.clear()
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    assert screen.strength.text() == "Strength: strong."
    assert screen.passphrase.accessibleDescription() == "Strength: strong."


def test_entries_that_differ_are_refused_in_words(qtbot: QtBot, screen: CreateVaultScreen) -> None:
    with qtbot.assertNotEmitted(screen.create_requested):
        fill_in(qtbot, "Rhian Morgan", PASSPHRASE, PASSPHRASE + "!")
    assert screen.match.text() == "The two entries do not match yet."
    assert screen.message.text() == "The two passphrase entries do not match; type it again."
    assert screen.again.hasFocus()


def test_a_missing_name_is_refused(qtbot: QtBot, screen: CreateVaultScreen) -> None:
    with qtbot.assertNotEmitted(screen.create_requested):
        fill_in(qtbot, "   ", PASSPHRASE, PASSPHRASE)
    assert screen.message.text() == "Type your name as it should appear on records."
    assert screen.name.hasFocus()
    assert screen.passphrase.text() == PASSPHRASE  # nothing lost while they fix the name


def test_a_good_passphrase_typed_twice_asks_for_the_vault(
    qtbot: QtBot, screen: CreateVaultScreen
) -> None:
    with qtbot.waitSignal(screen.create_requested, timeout=3000) as requested:
        fill_in(qtbot, " Rhian Morgan ", PASSPHRASE, PASSPHRASE)
    assert requested.args == ["Rhian Morgan", bytearray(PASSPHRASE.encode("utf-8"))]
    assert isinstance(requested.args[1], bytearray)
    assert screen.passphrase.text() == ""
    assert screen.again.text() == ""
    assert screen.message.text() == "Creating your vault… this takes a moment."
    assert not screen.button.isEnabled()
    assert not screen.passphrase.isEnabled()
    screen.show_problem("There is already a vault in this folder; open it instead.")
    assert screen.button.isEnabled()
    assert screen.message.text() == "There is already a vault in this folder; open it instead."
    assert screen.passphrase.hasFocus()
