"""Key material in mutable buffers, so it can be overwritten when no longer needed.

Python ``str`` and ``bytes`` cannot be wiped; a ``bytearray`` can. Library calls (Argon2,
AES-GCM, the SQLCipher ``PRAGMA key``) still take short-lived immutable copies — a limit of
CPython that we accept and document rather than pretend away.
"""

from __future__ import annotations


def wipe(buffer: bytearray | None) -> None:
    if buffer is None:
        return
    for i in range(len(buffer)):
        buffer[i] = 0


def passphrase_bytes(text: str) -> bytearray:
    return bytearray(text.encode("utf-8"))
