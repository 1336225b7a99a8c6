"""The throttle holds across real processes: attempts on one vault take turns under a lock
beside it, and each attempt is counted before the key is unwrapped.

Each child is a fresh ``python`` running CHILD below; it says "ready", waits for a line on its
standard input (so all of them start their attempt together) and reports how the attempt
ended. Children pass a sleep that does not wait: the growing delay would make twelve guesses
take a minute and a half, and what is tested here is the count, not the delay.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hubdesk.store.throttle import MAX_ATTEMPTS
from hubdesk.store.vault import ATTEMPTS_NAME, LOCK_NAME, Vault
from tests.conftest import passphrase

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks and signals")

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 12

CHILD = """
import os, signal, sys
from pathlib import Path
from hubdesk.errors import TooManyAttemptsError, WrongPassphraseError
from hubdesk.store import keywrap
from hubdesk.store.vault import Vault

folder, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "die-in-unwrap":
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    keywrap.unwrap = die
print("ready", flush=True)
sys.stdin.readline()
try:
    Vault.open(folder, bytearray(b"not the passphrase"), sleep=lambda seconds: None)
except WrongPassphraseError:
    print("wrong", flush=True)
except TooManyAttemptsError:
    print("too-many", flush=True)
else:
    print("opened", flush=True)
"""


def start(folder: Path, mode: str = "guess") -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "ready":
        _, err = child.communicate(timeout=30)
        pytest.fail(f"the child did not start: {line!r} {err}")
    return child


def go(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def outcome(child: subprocess.Popen[str]) -> str:
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return out.strip()


def recorded(folder: Path) -> list[str]:
    path = folder / ATTEMPTS_NAME
    if not path.exists():
        return []
    failures: list[str] = json.loads(path.read_text(encoding="utf-8"))["failures"]
    return failures


@pytest.fixture
def closed(vault: Vault, vault_dir: Path) -> Path:
    vault.close()
    return vault_dir


def test_parallel_guesses_are_all_counted(closed: Path) -> None:
    children = [start(closed) for _ in range(PROCESSES)]
    for child in children:
        go(child)
    outcomes = Counter(outcome(child) for child in children)

    failures = recorded(closed)
    refused = outcomes["too-many"]
    assert outcomes["opened"] == 0
    assert len(failures) + refused == PROCESSES, (
        f"{PROCESSES} guesses but only {len(failures)} recorded and {refused} refused: "
        f"parallel attempts overwrote each other's records ({dict(outcomes)})"
    )
    assert len(failures) == MAX_ATTEMPTS
    assert outcomes == Counter({"wrong": MAX_ATTEMPTS, "too-many": PROCESSES - MAX_ATTEMPTS})


def test_an_attempt_waits_while_another_holds_the_lock(closed: Path) -> None:
    import fcntl

    fd = os.open(closed / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        child = start(closed)
        go(child)
        time.sleep(1.0)
        assert child.poll() is None, "the attempt did not wait for the lock"
        assert recorded(closed) == []
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert outcome(child) == "wrong"
    assert len(recorded(closed)) == 1


def test_an_attempt_killed_during_the_unwrap_still_counts(closed: Path) -> None:
    child = start(closed, "die-in-unwrap")
    go(child)
    child.communicate(timeout=60)
    assert child.returncode == -9, "the child should have been killed in the unwrap"
    assert len(recorded(closed)) == 1, "the attempt was not counted before the unwrap"

    # The dead process's lock went with it: the right passphrase opens, and clears the count.
    Vault.open(closed, passphrase()).close()
    assert recorded(closed) == []


def test_the_lock_file_is_private_and_empty(closed: Path) -> None:
    Vault.open(closed, passphrase()).close()
    lock = closed / LOCK_NAME
    assert lock.read_bytes() == b""
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
