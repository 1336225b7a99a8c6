"""A locked desktop session or a laptop going to sleep (lid closed) locks HubDesk: the
announcements are sent over a private D-Bus daemon, as the desktop and logind send them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.views.qt import QDBusConnection
from hubdesk.views.session_watch import SessionWatcher


@pytest.fixture
def bus_address() -> Iterator[str]:
    daemon = subprocess.Popen(
        [
            shutil.which("dbus-daemon") or "dbus-daemon",
            "--config-file=/usr/share/dbus-1/session.conf",
            "--print-address=1",
            "--nofork",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    try:
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def announce(address: str, path: str, member: str, value: str) -> None:
    subprocess.run(
        ["dbus-send", f"--bus={address}", "--type=signal", path, member, f"boolean:{value}"],
        check=True,
        timeout=10,
    )


@pytest.mark.parametrize(
    ("path", "member"),
    [
        ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged"),
        ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged"),
        ("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep"),
    ],
)
def test_a_locking_session_or_sleep_asks_hubdesk_to_lock(
    qtbot: QtBot, bus_address: str, path: str, member: str
) -> None:
    bus = QDBusConnection.connectToBus(bus_address, f"hubdesk-test-{member}")
    assert bus.isConnected()
    watcher = SessionWatcher(session_bus=bus, system_bus=bus)
    assert len(watcher.listening) == 3
    with qtbot.assertNotEmitted(watcher.session_locked, wait=300):
        announce(bus_address, path, member, "false")  # unlocking, waking: nothing to do
    with qtbot.waitSignal(watcher.session_locked, timeout=5000):
        announce(bus_address, path, member, "true")
