"""kill -9 a writer at random moments, many times over, on one vault: every write the writer
acknowledged is there afterwards, at most one unacknowledged write per kill appears, and both
integrity checks and the audit chain still pass.

The writer is tests/helpers/crash_writer.py in a child process; it prints each record's id only
after the service call returned. Child start-up (imports, key unwrap) dominates the run time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select

from hubdesk.models import ContactNote, YoungPerson
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.conftest import PASSPHRASE, passphrase

pytestmark = pytest.mark.slow

ITERATIONS = 50
CHECK_EVERY = 10
KILL_AFTER_S = (0.05, 0.6)
START_TIMEOUT_S = 60
WRITER = Path(__file__).resolve().parents[1] / "helpers" / "crash_writer.py"
KINDS = {"contact_note": ContactNote, "young_person": YoungPerson}


class Writer:
    """One child writer, with a thread collecting its acknowledgements as they arrive."""

    def __init__(self, folder: Path, young_person_id: str, stderr: IO[bytes]) -> None:
        env = {**os.environ, "HUBDESK_PASSPHRASE": PASSPHRASE}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(folder), young_person_id],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.ready = threading.Event()
        self.ready_after = 0.0
        self.acks: list[tuple[str, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.endswith("\n"):
                break  # cut short by the kill: not an acknowledgement
            if line == "ready\n":
                self.ready_after = time.monotonic() - self.started
                self.ready.set()
            else:
                kind, _, record_id = line.rstrip("\n").partition(" ")
                self.acks.append((kind, record_id))
        self.ready.set()  # end of output: wake the parent even if the child died early

    def kill(self) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        return code


def records_in(folder: Path, check: bool) -> dict[str, set[str]]:
    with Vault.open(folder, passphrase()) as vault:
        with vault.read() as session:
            found = {
                kind: set(session.execute(select(cls.id)).scalars()) for kind, cls in KINDS.items()
            }
        if check:
            result = vault.check()
            assert result.ok, result.in_words()
            report = Services(vault).verify_audit()
            assert report.ok, report.in_words()
    return found


def test_acknowledged_writes_survive_kill_9(
    vault: Vault, services: Services, vault_dir: Path, tmp_path: Path
) -> None:
    person = services.cases.add(given_name="Crash", family_name="Test")
    vault.close()
    rng = random.Random()
    acked: dict[str, set[str]] = {kind: set() for kind in KINDS}
    before = records_in(vault_dir, check=False)
    start_ups: list[float] = []
    began = time.monotonic()

    for i in range(1, ITERATIONS + 1):
        stderr_path = tmp_path / f"writer-{i}.stderr"
        with stderr_path.open("wb") as stderr:
            writer = Writer(vault_dir, person, stderr)
            try:
                assert writer.ready.wait(START_TIMEOUT_S), "the writer did not start"
                assert writer.proc.poll() is None, "the writer stopped by itself"
                start_ups.append(writer.ready_after)
                # Not synchronisation: the random moment of the crash is the point of the test.
                time.sleep(rng.uniform(*KILL_AFTER_S))
            finally:
                code = writer.kill()
        problem = stderr_path.read_text(encoding="utf-8", errors="replace")
        assert code == -signal.SIGKILL, f"iteration {i}: writer exited {code}:\n{problem}"

        for kind, record_id in writer.acks:
            acked[kind].add(record_id)
        after = records_in(vault_dir, check=i % CHECK_EVERY == 0 or i == ITERATIONS)
        for kind in KINDS:
            lost = acked[kind] - after[kind]
            assert not lost, f"iteration {i}: acknowledged {kind} lost: {sorted(lost)}"
        new = sum(len(after[k] - before[k]) for k in KINDS)
        assert new - len(writer.acks) in (0, 1), (
            f"iteration {i}: {new} new records for {len(writer.acks)} acknowledgements"
        )
        before = after

    total = sum(len(ids) for ids in acked.values())
    assert total > ITERATIONS, "too few writes: the kills came before any work was done"
    print(
        f"\n{ITERATIONS} kills in {time.monotonic() - began:.1f} s; "
        f"writer start-up {min(start_ups):.2f}–{max(start_ups):.2f} s "
        f"(mean {sum(start_ups) / len(start_ups):.2f} s); {total} acknowledged writes"
    )
