"""The collector tuning shared by the hub, the desktop and ``hubdesk sync``."""

from __future__ import annotations

import gc
import weakref

from hubdesk.collector import YOUNGEST, collect_less


def test_what_exists_is_frozen_and_young_objects_are_collected_less() -> None:
    before = gc.get_threshold()
    try:
        collect_less()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNGEST, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_garbage_made_before_is_collected_not_frozen() -> None:
    """A cycle unreachable at the call is freed by it, not kept for the process's life."""

    class Node:
        other: Node

    before = gc.get_threshold()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    try:
        collect_less()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
