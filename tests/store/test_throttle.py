"""Passphrase guesses are throttled: at most 10 in 5 minutes, a growing wait after the third
failure, persisted beside the vault so a restart does not reset it. Time is injected: no test
here waits for real."""

from __future__ import annotations

import itertools
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hubdesk.errors import TooManyAttemptsError, WrongPassphraseError
from hubdesk.store.throttle import MAX_ATTEMPTS, MAX_DELAY_S, WINDOW
from hubdesk.store.vault import ATTEMPTS_NAME, Vault
from tests.conftest import passphrase

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WRONG = "Eleanor Pritchard 1 Mill Lane"  # fictional: a guess that looks like personal data


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Sleeper:
    """Records each requested wait and lets that much time pass on the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.now += timedelta(seconds=seconds)


@pytest.fixture
def closed(vault: Vault, vault_dir: Path) -> Path:
    vault.close()
    return vault_dir


def try_open(folder: Path, secret: bytearray, clock: Clock, sleep: Sleeper) -> Vault:
    return Vault.open(folder, secret, clock=clock, sleep=sleep)


def fail(folder: Path, clock: Clock, sleep: Sleeper, times: int) -> None:
    for _ in range(times):
        with pytest.raises(WrongPassphraseError):
            try_open(folder, bytearray(WRONG.encode()), clock, sleep)


def test_ten_failures_lock_out_even_the_right_passphrase_until_the_window_passes(
    closed: Path,
) -> None:
    clock = Clock()
    sleep = Sleeper(clock)
    fail(closed, clock, sleep, 3)
    assert sleep.waits == [], "the first three guesses should not wait"
    fail(closed, clock, sleep, MAX_ATTEMPTS - 3)
    assert clock.now - START < WINDOW, "the ten guesses must fall within one window"

    with pytest.raises(TooManyAttemptsError) as info:
        try_open(closed, passphrase(), clock, sleep)
    assert 0 < info.value.wait_seconds <= WINDOW.total_seconds()
    assert "Wait" in info.value.message
    assert "minute" in info.value.message

    # A restart: a new call with a new clock reading the same moment — the file remembers.
    restarted = Clock(clock.now + timedelta(seconds=1))
    with pytest.raises(TooManyAttemptsError):
        try_open(closed, passphrase(), restarted, Sleeper(restarted))
    recorded = json.loads((closed / ATTEMPTS_NAME).read_text(encoding="utf-8"))["failures"]
    assert len(recorded) == MAX_ATTEMPTS, "a refused attempt must not count as a guess"

    # One second before the first failure leaves the window: still refused.
    clock.now = START + WINDOW - timedelta(seconds=1)
    with pytest.raises(TooManyAttemptsError):
        try_open(closed, passphrase(), clock, sleep)

    clock.now = START + WINDOW
    try_open(closed, passphrase(), clock, sleep).close()
    assert not (closed / ATTEMPTS_NAME).exists(), "success should reset the count"


def test_the_wait_grows_after_the_third_failure(closed: Path) -> None:
    clock = Clock()
    sleep = Sleeper(clock)
    fail(closed, clock, sleep, MAX_ATTEMPTS)
    waits = sleep.waits
    assert len(waits) == MAX_ATTEMPTS - 3, waits
    assert waits[0] > 0
    assert all(b >= a for a, b in itertools.pairwise(waits)), waits
    assert waits[-1] > waits[0]
    assert max(waits) <= MAX_DELAY_S


def test_the_attempts_file_holds_only_times(closed: Path) -> None:
    clock = Clock()
    fail(closed, clock, Sleeper(clock), 2)
    path = closed / ATTEMPTS_NAME
    raw = path.read_bytes()
    doc = json.loads(raw)
    assert set(doc) == {"failures"}
    assert [datetime.fromisoformat(t) for t in doc["failures"]] == [START, START]
    for personal in (WRONG, "Pritchard", "Test Practitioner"):
        assert personal.encode() not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_success_resets_the_count(closed: Path) -> None:
    clock = Clock()
    sleep = Sleeper(clock)
    fail(closed, clock, sleep, 3)
    try_open(closed, passphrase(), clock, sleep).close()
    assert len(sleep.waits) == 1, "the right passphrase after three failures waits too"
    assert not (closed / ATTEMPTS_NAME).exists()
    after = Sleeper(clock)
    fail(closed, clock, after, 3)
    assert after.waits == [], "after a success the first three guesses are free again"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[]", id="a-list"),
        pytest.param('{"failures": ["yesterday"]}', id="not-a-time"),
        pytest.param('{"failures": ["2026-03-02T09:29:00"]}', id="time-without-zone"),
    ],
)
def test_a_damaged_attempts_file_does_not_lock_out_for_good(closed: Path, content: str) -> None:
    """Damage counts as a full window (no free guesses), but it must end like one."""
    (closed / ATTEMPTS_NAME).write_text(content, encoding="utf-8")
    clock = Clock()
    sleep = Sleeper(clock)
    with pytest.raises(TooManyAttemptsError):
        try_open(closed, bytearray(WRONG.encode()), clock, sleep)
    clock.now += WINDOW + timedelta(seconds=1)
    try_open(closed, passphrase(), clock, sleep).close()
