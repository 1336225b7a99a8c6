"""Ids for records and changes: UUIDs that sort in the order this run of HubDesk made them,
and tell nothing of when.

Records and the changes queued for the hub are looked up by their ids, in indexes on the
laptop (each kind's ids, the outbox's change ids) and on the hub (``hub_record``'s key, each
change's first result). Random ids (version 4) land anywhere in such an index: settling a
push of 500 changes, or writing a pulled page of 500 records, touched pages all over them,
and each page touched is encrypted and written again at the commit. Ids in the order they
were made land together (decision 0011).

The order comes from a counter, not a clock: it starts at a random point each time HubDesk
starts (as SQL Server's ``NEWSEQUENTIALID`` does at each start of Windows), so ids made by one
run sort one after another, and the next run's begin somewhere else. A time in the id (UUID
version 7) would have told the hub, for ever, when each change was queued on the laptop (a
change carries no time of its own; the hub knows only when it was pushed), and, in its audit
log, when a record was made after the record itself is gone. (What a counter tells is how
many ids one run made between two of its ids, some of them for things that never leave the
laptop, such as kept conflicts.)

The layout is version 7's with the counter where the time would be, so the version is 8
(RFC 9562's for ids laid out by their maker): 48 bits of counter, the version, 12 random
bits, the variant, 62 random bits. Record ids are made through ``models.base.new_id``, which
demo data can swap for a seeded source; other ids call :func:`ordered_id` directly.
"""

from __future__ import annotations

import itertools
import secrets
import uuid

_COUNTER = (1 << 48) - 1


class _Ordered:
    """The ids of one run: a counter from a random start, each with 74 random bits more."""

    def __init__(self) -> None:
        self._counter = itertools.count(secrets.randbits(48))  # (next() holds the GIL: one each)

    def __call__(self) -> uuid.UUID:
        count = next(self._counter) & _COUNTER
        rand_a, rand_b = secrets.randbits(12), secrets.randbits(62)
        return uuid.UUID(int=count << 80 | 0x8 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


_ordered = _Ordered()


def ordered_uuid() -> uuid.UUID:
    """A new id, sorting after every one this run has made (unless its counter passes 2**48
    and starts again from 0: for a run making a million ids, a chance of 1 in 280 million)."""
    return _ordered()


def ordered_id() -> str:
    """A new id, as text (how records and changes keep it)."""
    return str(ordered_uuid())
