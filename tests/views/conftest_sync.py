"""What the desktop's sync tests share: the real hub on loopback (the server tests' fixtures),
laptops enrolled with it (tests/e2e/devices.py), a gate that holds the hub's sync answers for
as long as a test needs (a hub as slow as wanted, without a sleep), and the main window on a
laptop's vault.

A test module imports the fixtures it uses by name (pytest finds them in its namespace).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.models import VaultMeta
from hubdesk.settings import Settings
from hubdesk.views import sync_worker
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.tasks import Tasks
from tests.e2e.devices import Device, new_device
from tests.server.conftest import Org, Served, Switch, hub, loopback_server, org, served

__all__ = [
    "Device",
    "Gate",
    "Org",
    "Served",
    "amy",
    "database_url",
    "fast_retries",
    "gate",
    "hub",
    "lead",
    "loopback_server",
    "org",
    "point_at",
    "served",
    "window_on",
]

#: A refused connection at once: nothing listens on the discard port.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The hub on SQLite only: what the desktop does does not depend on the hub's database,
    and the server and end-to-end suites run every sync path on PostgreSQL too."""
    return f"sqlite:///{tmp_path / 'hub.sqlite'}"


class Gate:
    """Holds every sync call to the hub (push, pull, summary) until opened."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.opened = threading.Event()
        #: Set when a sync call has arrived and is being held.
        self.holding = threading.Event()
        #: Set when a held call has gone on (opened, or held for 10 s).
        self.released = threading.Event()
        self.held = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "/sync/" in scope["path"] and not self.opened.is_set():
            self.held += 1
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.opened.wait, 10)
            self.released.set()
        await self.app(scope, receive, send)

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate(served: Served, loopback_server: tuple[str, Switch]) -> Iterator[Gate]:
    _, switch = loopback_server
    held = Gate(switch.app)
    switch.app = held
    yield held
    held.open()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One try per call (no backoff waits) and a quick retry while offline."""
    monkeypatch.setattr(sync_worker, "ATTEMPTS", 0)
    monkeypatch.setattr(sync_worker, "OFFLINE_RETRY_MS", 100)


@pytest.fixture
def amy(served: Served, org: Org, tmp_path: Path, fast_retries: None) -> Iterator[Device]:
    device = new_device(tmp_path / "north-amy", served.base, "north-amy")
    yield device
    if device.vault.is_open:
        device.close()


@pytest.fixture
def lead(served: Served, org: Org, tmp_path: Path) -> Iterator[Device]:
    device = new_device(tmp_path / "north-lead", served.base, "north-lead")
    yield device
    if device.vault.is_open:
        device.close()


def point_at(device: Device, key: str, value: str) -> None:
    """Change one value of the vault's link to the hub (``url``, ``token``): a hub that moved
    or cannot be reached, a sign-in the hub no longer takes."""
    with device.vault.write() as session:
        row = session.get(VaultMeta, f"hub.{key}")
        assert row is not None
        row.value = value


@pytest.fixture
def window_on(qtbot: QtBot, request: pytest.FixtureRequest) -> Callable[[Device], MainWindow]:
    """Opens the main window on a laptop's vault (its sync not started). At the end of the
    test, before any vault closes, its sync is stopped and its writes finish."""

    def open_window(device: Device) -> MainWindow:
        tasks = Tasks()
        window = MainWindow(Deps(device.s, tasks, Settings()), device.name)
        qtbot.addWidget(window)
        window.show()

        def close() -> None:
            window.sync.stop()
            tasks.wait_idle()
            tasks.wait_network()

        # Registered now, so it runs before the teardown of the fixtures that made the vault.
        request.node.addfinalizer(close)
        return window

    return open_window
