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
reclaimed: most objects go when their last reference does."""

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
