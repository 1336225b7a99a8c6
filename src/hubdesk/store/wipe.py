"""Wipe a vault from this laptop: what a device the hub has revoked does at its next contact.

The wrapped key is overwritten with random bytes and flushed to disk first: without it the
SQLCipher database is unreadable ciphertext, even if a copy of the file survives (a backup,
a disk's spare blocks). Then every file of the vault is overwritten and removed, and the
folder too if nothing else is in it.

The instance lock (``store/instance.py``) stays while a HubDesk holds it: it holds nothing,
and the HubDesk that ran the wipe keeps the folder to itself with it while it shows its start
screen there. (Removed, that HubDesk would hold a lock on a file no longer there, and a
second one would make a new file and lock that.)
"""

from __future__ import annotations

import os
from pathlib import Path

from hubdesk.errors import VaultError
from hubdesk.store.files import fsync_dir
from hubdesk.store.instance import LOCK_NAME, InstanceLock

KEY_FILE = "key.json"
CHUNK = 1 << 20


def wipe_vault(folder: Path) -> list[str]:
    """Destroy the vault in ``folder``; the names of the files removed (key first)."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != LOCK_NAME)
    names.sort(key=lambda n: n != KEY_FILE)  # the key goes first
    for name in names:
        _overwrite(folder / name)
        (folder / name).unlink()
    fsync_dir(folder)
    _drop_lock_if_free(folder)
    if not any(folder.iterdir()):
        folder.rmdir()
    return names


def _overwrite(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b", buffering=0) as f:
        written = 0
        while written < size:
            step = min(CHUNK, size - written)
            f.write(os.urandom(step))
            written += step
        os.fsync(f.fileno())


def _drop_lock_if_free(folder: Path) -> None:
    """Remove the instance lock file unless a HubDesk holds it (this process included: a lock
    taken again through a new descriptor is refused while another one holds it)."""
    if not (folder / LOCK_NAME).exists():
        return
    lock = InstanceLock(folder)
    try:
        lock.acquire()
    except VaultError:
        return  # held: it stays
    try:
        (folder / LOCK_NAME).unlink()
    finally:
        lock.release()
