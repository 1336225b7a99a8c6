"""Lock when the desktop session locks or the laptop goes to sleep (the lid closes), where the
platform says so.

On Linux desktops both are announced over D-Bus: the screen saver's ``ActiveChanged(true)``
on the session bus (GNOME, KDE and others implement ``org.freedesktop.ScreenSaver``), and
logind's ``PrepareForSleep(true)`` on the system bus before a suspend. Where a bus or a
service is missing nothing is heard and the idle lock still applies. Windows and macOS report
these through their own APIs (a later platform issue).
"""

from __future__ import annotations

from hubdesk.views.qt import SLOT, QDBusConnection, QObject, Signal, Slot

#: (bus, service, object path, interface, signal) — every one carries a bool: true = locking.
SESSION_SIGNALS = (
    ("session", "", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged"),
    ("session", "", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged"),
    ("system", "", "/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep"),
)


class SessionWatcher(QObject):
    session_locked = Signal()

    def __init__(
        self,
        session_bus: QDBusConnection | None = None,
        system_bus: QDBusConnection | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        buses = {
            "session": session_bus or QDBusConnection.sessionBus(),
            "system": system_bus or QDBusConnection.systemBus(),
        }
        #: What is being listened to, e.g. "org.gnome.ScreenSaver.ActiveChanged".
        self.listening: list[str] = []
        for bus_name, service, path, interface, name in SESSION_SIGNALS:
            bus = buses[bus_name]
            # PySide6's stubs say bytes for the slot; at run time it takes SLOT()'s str.
            slot = SLOT("_announced(bool)")
            if bus.isConnected() and bus.connect(service, path, interface, name, self, slot):  # type: ignore[call-overload]
                self.listening.append(f"{interface}.{name}")

    @Slot(bool)
    def _announced(self, locking: bool) -> None:
        if locking:
            self.session_locked.emit()
