"""Ids for records and changes: UUIDs of version 7 (RFC 9562), which begin with the time they
were made, so ids made one after another sort one after another.

Records and the changes queued for the hub are looked up by their ids, in indexes on the
laptop (each kind's ids, the outbox's change ids) and on the hub (``hub_record``'s key, each
change's first result). Random ids (version 4) land anywhere in such an index: settling a
push of 500 changes, or writing a pulled page of 500 records, touched pages all over them,
and each page touched is encrypted and written again at the commit. Ids in the order they
were made land together (decision 0011: settling a 10,000-record push wrote 30 MB to the
vault's log instead of 56 MB).

The time in an id is when it was made, to the millisecond, by this computer's clock; every
record and change that carries an id also carries when it was made, so the id tells nothing
more. A clock that is wrong only places ids elsewhere in the indexes: nothing reads the time
back, nothing relies on their order, and 74 random bits keep two ids made in the same
millisecond apart.
"""

from __future__ import annotations

import secrets
import time
import uuid

_MILLISECONDS = (1 << 48) - 1


def time_ordered_uuid() -> uuid.UUID:
    """A new UUID version 7: 48 bits of Unix time in milliseconds, the version, 12 random
    bits, the variant, 62 random bits."""
    millis = time.time_ns() // 1_000_000 & _MILLISECONDS
    rand_a, rand_b = secrets.randbits(12), secrets.randbits(62)
    return uuid.UUID(int=millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


def new_id() -> str:
    """A new id, as text (how records and changes keep it)."""
    return str(time_ordered_uuid())
