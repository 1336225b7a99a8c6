"""The garbage collector tuned for a process that keeps what it loaded at start and then
makes many short-lived objects: the hub serving, the desktop once its vault is open,
``hubdesk sync``.

With Python's defaults, the collections that many short-lived objects set off (a push, a
pulled page, a summary make tens of thousands) each walk everything the process loaded at
start: modules, the app, its models and, on the desktop, every Qt wrapper. The unlocked
desktop holds about 160,000 objects, and one full collection of them took 71-76 ms: a
pause of the window, and of any sync step running. ``bench/sync.py``'s laptop process lost
293 ms to three such collections, and a 10,000-record push in the hub's process 122 ms to
one. What exists when the process has started lives as long as the process, so it is
frozen (never walked again), and young objects are collected less often. Memory is still
reclaimed: most objects go when their last reference does.

The desktop's unlocked session does not live as long as the process: locking drops the
window, the services and the vault, and what they held (decrypted names among it) must be
freed then. A frozen object never is, even by an explicit collection, so the desktop thaws
what it froze when a session ends and settles again after the next unlock
(:class:`SessionCollector`)."""

from __future__ import annotations

import gc

#: Allocations between two collections of the youngest objects (Python's default is 700).
YOUNGEST = 10_000


def collect_less() -> None:
    """Collect what is garbage now, freeze the rest, and collect young objects less often.
    Called once the process has made what it keeps (later calls freeze what is new)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, *gc.get_threshold()[1:])


class SessionCollector:
    """The desktop's collector: settled once each unlocked session has loaded, thawed when it
    ends (lock, revocation) so that what the session held can be freed."""

    def settle(self) -> None:
        collect_less()

    def thaw(self) -> None:
        gc.unfreeze()  # the session's objects become collectable

    def collect(self) -> None:
        """Free the ended session's objects now (the desktop calls it once its window is
        deleted): a locked laptop makes too few objects for a collection to come by itself
        before the next unlock, and the session held decrypted names."""
        gc.collect()
