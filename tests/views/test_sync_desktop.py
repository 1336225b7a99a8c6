"""The whole desktop with the real hub on loopback: a sync starts on unlocking; locking never
waits for a slow hub; a revoked laptop is told, its vault wiped, and the start screen shown;
a sync that would remove most records asks, and "Stop" leaves everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.commands.hub import REVOKED_WORDS
from hubdesk.errors import VaultError
from hubdesk.server.hub import Hub
from hubdesk.store.instance import LOCK_NAME, InstanceLock
from hubdesk.store.vault import Vault
from hubdesk.views.main_window import MainWindow
from hubdesk.views.sync_worker import Phase
from tests.e2e.devices import new_device, remove_on_hub, with_places
from tests.server.conftest import Served
from tests.views.conftest_sync import Device, Gate, Org
from tests.views.desktop import running, unlock


def _closed_laptop(served: Served, tmp_path: Path) -> Path:
    device = new_device(tmp_path / "laptop", served.base, "north-amy")
    device.s.cases.add(given_name="Drew", family_name="Hale")
    device.close()
    return device.folder


def test_unlocking_syncs_and_locking_never_waits_for_a_slow_hub(
    qtbot: QtBot, served: Served, org: Org, gate: Gate, fast_retries: None, tmp_path: Path
) -> None:
    folder = _closed_laptop(served, tmp_path)
    with running(qtbot, folder) as desktop:
        unlock(qtbot, desktop)
        assert desktop.window is not None
        worker = desktop.window.sync.worker
        assert worker.running  # the sync on unlocking, held by the hub
        assert gate.holding.wait(5)

        desktop.lock()
        assert desktop.vault is None
        assert not gate.released.is_set()  # the lock did not wait for the hub
        gate.open()
        desktop.tasks.wait_network()  # the stopped run ends; its answer is dropped

        unlock(qtbot, desktop)
        assert desktop.window is not None
        with qtbot.waitSignal(desktop.window.sync.worker.synced, timeout=5000):
            pass
        assert desktop.window.deps.services.sync.pending_count() == 0


def test_a_revoked_laptop_is_told_its_vault_is_wiped_and_the_start_screen_shows(
    qtbot: QtBot, served: Served, org: Org, hub: Hub, fast_retries: None, tmp_path: Path
) -> None:
    folder = _closed_laptop(served, tmp_path)
    with Vault.open(folder, bytearray(b"plum orchard lantern 42 quietly")) as vault:
        device_id = vault.device_id
    hub.revoke_device(device_id)
    with InstanceLock(folder), running(qtbot, folder) as desktop:  # as app.run holds it
        unlock(qtbot, desktop)  # the sync on unlocking meets the revocation
        qtbot.waitUntil(lambda: desktop.notice is not None, timeout=5000)
        notice = desktop.notice
        assert notice is not None
        assert notice.text() == REVOKED_WORDS
        assert desktop.window is None
        assert desktop.vault is None
        # Wiped before the message is even read; only the (empty) instance lock is left,
        # held by this HubDesk, so no second one starts on the folder meanwhile.
        assert [f.name for f in folder.iterdir()] == [LOCK_NAME]
        with pytest.raises(VaultError, match="already open"):
            InstanceLock(folder).acquire()

        notice.accept()
        assert desktop.notice is None
        assert desktop.create is not None
        assert desktop.create.isVisible()


def test_a_sync_that_would_remove_most_records_asks_and_stop_leaves_everything(
    qtbot: QtBot, amy: Device, lead: Device, window_on: Callable[[Device], MainWindow]
) -> None:
    person, places, links = with_places(amy, 8)
    amy.sync()
    lead.sync()
    remove_on_hub(lead, "context_link", links, person)
    remove_on_hub(lead, "context", places, None)
    before = amy.state_hash()

    window = window_on(amy)
    worker = window.sync.worker
    worker.sync_now()
    qtbot.waitUntil(lambda: window.sync.question is not None, timeout=5000)
    question = window.sync.question
    assert question is not None
    assert question.text().startswith("This sync would remove 16 of the 17 records on this")
    assert "Stop: nothing is removed" in question.informativeText()
    assert question.defaultButton() is question.stop
    question.stop.click()
    assert worker.state.phase is Phase.HELD
    assert window.hub.label.text() == "Sync paused: nothing was removed"
    assert amy.state_hash() == before

    with qtbot.waitSignal(worker.mass_deletion, timeout=5000):
        window.sync.sync_now()  # Sync now asks again
    question = window.sync.question
    assert question is not None
    with qtbot.waitSignal(worker.synced, timeout=5000):
        question.go_on.click()
    assert set(amy.records("context")) == set(amy.records("context_link")) == set()
    assert window.hub.label.text().startswith("Up to date at ")
