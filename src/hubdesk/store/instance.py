"""One running HubDesk per vault.

Two windows on one vault would each autosave over the other's drafts and fight over the idle
lock. The first instance holds an exclusive, non-blocking lock on ``VAULT/instance.lock`` for
as long as it runs; a second one is told so in words. The operating system drops the lock when
the process ends, however it ends, so a crash never leaves the vault "in use". The lock file
holds nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from hubdesk.errors import VaultError

LOCK_NAME = "instance.lock"

try:
    import fcntl
except ImportError:  # Windows: the installer issue brings msvcrt locking here
    fcntl = None  # type: ignore[assignment]


class InstanceLock:
    def __init__(self, vault_folder: Path) -> None:
        self.path = vault_folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise VaultError(
                    f"HubDesk is already open on the vault in {self.path.parent}. "
                    "Switch to that window instead."
                ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
