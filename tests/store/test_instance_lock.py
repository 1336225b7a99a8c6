"""One running HubDesk per vault, and a crash never leaves the vault marked as in use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hubdesk.errors import VaultError
from hubdesk.store.instance import InstanceLock

HOLD = """
import sys, time
from pathlib import Path
from hubdesk.store.instance import InstanceLock
lock = InstanceLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_instance_is_told_in_words(tmp_path: Path) -> None:
    with InstanceLock(tmp_path), pytest.raises(VaultError, match="already open on the vault"):
        InstanceLock(tmp_path).acquire()
    with InstanceLock(tmp_path):
        pass  # released: the next one gets it


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locking")
def test_a_killed_instance_releases_the_vault(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(VaultError):
            InstanceLock(tmp_path).acquire()
    finally:
        child.kill()
        child.wait(timeout=10)
    with InstanceLock(tmp_path) as lock:
        assert lock.path.read_bytes() == b""
