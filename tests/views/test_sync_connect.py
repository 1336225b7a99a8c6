"""Connecting to the hub from the desktop, against the real hub on loopback: Sync now on a
laptop not connected yet asks for the hub's address, username and password; a refusal is said
in words with nothing changed; a connection is kept in the vault and the first sync follows."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.sync_status import NOT_CONNECTED
from hubdesk.views.tasks import Tasks
from tests.server.conftest import PASSWORD
from tests.views.a11y import mnemonic_clashes, unnamed_controls
from tests.views.conftest_sync import Org, Served


@pytest.fixture
def window(
    qtbot: QtBot, services: Services, request: pytest.FixtureRequest, fast_retries: None
) -> MainWindow:
    tasks = Tasks()
    made = MainWindow(Deps(services, tasks, Settings()), "Amy")
    qtbot.addWidget(made)
    made.show()

    def close() -> None:
        made.sync.stop()
        tasks.wait_idle()
        tasks.wait_network()

    request.node.addfinalizer(close)
    return made


def _fill(window: MainWindow, address: str, username: str, password: str) -> None:
    dialog = window.sync.connect_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.address.setText(address)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.connect_button.click()


def test_sync_now_on_a_laptop_not_connected_asks_to_connect_and_then_syncs(
    qtbot: QtBot, window: MainWindow, services: Services, served: Served, org: Org
) -> None:
    services.cases.add(given_name="Sam", family_name="Okafor")
    assert window.hub.label.text() == NOT_CONNECTED
    assert window.hub.sync.text() == "Connect to your hub…"
    window.sync.sync_action.trigger()  # F5
    dialog = window.sync.connect_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.windowTitle() == "Connect to your hub"
    assert unnamed_controls(dialog) == []
    assert mnemonic_clashes(dialog) == {}

    _fill(window, served.base, "north-amy", "not the password")
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    assert dialog.message.text() == (
        "That username and password do not match an active hub account. "
        "Nothing was changed on this laptop."
    )
    assert dialog.password.text() == ""  # never left in the field
    assert services.hub.link() is None

    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        _fill(window, served.base, " North-Amy ", PASSWORD)
    assert not dialog.isVisible()
    link = services.hub.link()
    assert link is not None
    assert (link.url, link.username) == (served.base, "north-amy")
    assert window.hub.label.text().startswith("Up to date at ")
    assert window.hub.sync.text() == "Sync now"
    assert services.sync.pending_count() == 0
    assert not window.sync.connect_action.isEnabled()


def test_an_address_that_is_not_a_hub_is_said_before_anything_is_sent(
    qtbot: QtBot, window: MainWindow, services: Services
) -> None:
    window.hub.sync.click()
    _fill(window, "http://hub.example.org", "north-amy", PASSWORD)
    dialog = window.sync.connect_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.working, timeout=5000)
    assert dialog.message.text().startswith("The hub must be reached over https")
    assert services.hub.link() is None
