"""The throttle under a clock set back, and the wait a caller can announce. Time is injected:
no test here waits for real."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hubdesk.errors import TooManyAttemptsError, WrongPassphraseError
from hubdesk.store.throttle import MAX_ATTEMPTS, MAX_DELAY_S, WINDOW
from hubdesk.store.vault import ATTEMPTS_NAME, Vault
from tests.conftest import passphrase
from tests.store.test_throttle import START, WRONG, Clock, Sleeper


@pytest.fixture
def closed(vault: Vault, vault_dir: Path) -> Path:
    vault.close()
    return vault_dir


def plant(folder: Path, times: list[datetime]) -> None:
    doc = {"failures": [t.isoformat() for t in times]}
    (folder / ATTEMPTS_NAME).write_text(json.dumps(doc), encoding="utf-8")


def stored(folder: Path) -> list[datetime]:
    doc = json.loads((folder / ATTEMPTS_NAME).read_text(encoding="utf-8"))
    return [datetime.fromisoformat(t) for t in doc["failures"]]


def test_failures_after_now_count_from_now_not_for_ever(closed: Path) -> None:
    """Ten failures recorded a day ahead (the clock was then set back a day): a lock-out of
    one window from now, not of a day and a window."""
    plant(closed, [START + timedelta(days=1)] * MAX_ATTEMPTS)
    clock = Clock()
    sleep = Sleeper(clock)
    with pytest.raises(TooManyAttemptsError) as info:
        Vault.open(closed, passphrase(), clock=clock, sleep=sleep)
    assert 0 < info.value.wait_seconds <= WINDOW.total_seconds()
    assert all(t <= START for t in stored(closed)), "the clamped times were not saved"

    clock.now += timedelta(minutes=1)
    with pytest.raises(TooManyAttemptsError) as again:
        Vault.open(closed, passphrase(), clock=clock, sleep=sleep)
    assert again.value.wait_seconds <= (WINDOW - timedelta(minutes=1)).total_seconds()

    clock.now = START + WINDOW
    Vault.open(closed, passphrase(), clock=clock, sleep=sleep).close()


def test_a_failure_after_now_never_asks_for_more_than_the_longest_delay(closed: Path) -> None:
    plant(closed, [START + timedelta(hours=1)] * 3)
    clock = Clock()
    sleep = Sleeper(clock)
    with pytest.raises(WrongPassphraseError):
        Vault.open(closed, bytearray(WRONG.encode()), clock=clock, sleep=sleep)
    assert sleep.waits, "three recent failures should mean a wait"
    assert max(sleep.waits) <= MAX_DELAY_S, sleep.waits
    assert len(stored(closed)) == 4
    assert all(t <= clock.now for t in stored(closed))


def test_on_wait_is_told_each_wait_before_it_starts(closed: Path) -> None:
    clock = Clock()
    events: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:
        events.append(("sleep", seconds))
        clock.now += timedelta(seconds=seconds)

    def on_wait(seconds: float) -> None:
        events.append(("told", seconds))

    for _ in range(3):
        with pytest.raises(WrongPassphraseError):
            Vault.open(closed, bytearray(WRONG.encode()), clock, sleep, on_wait=on_wait)
    assert events == [], "the first three guesses neither wait nor say so"

    with pytest.raises(WrongPassphraseError):
        Vault.open(closed, bytearray(WRONG.encode()), clock, sleep, on_wait=on_wait)
    Vault.open(closed, passphrase(), clock, sleep, on_wait=on_wait).close()
    assert events == [("told", 1.0), ("sleep", 1.0), ("told", 2.0), ("sleep", 2.0)]


def test_on_wait_is_optional(closed: Path) -> None:
    clock = Clock()
    sleep = Sleeper(clock)
    for _ in range(3):
        with pytest.raises(WrongPassphraseError):
            Vault.open(closed, bytearray(WRONG.encode()), clock=clock, sleep=sleep)
    Vault.open(closed, passphrase(), clock=clock, sleep=sleep, on_wait=None).close()
    assert sleep.waits == [1.0]
