"""kill -9 a writer at random moments, many times over, on one vault: every write the writer
acknowledged is there afterwards, at most one unacknowledged write per kill appears, and both
integrity checks and the audit chain still pass.

Each writer is a child forked by tests/helpers/crash_writer.py (run once, with everything
imported, so a kill costs a fork and a vault opening, not a Python start-up); it says each
record's id only after the service call returned.
"""

from __future__ import annotations

import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select

from hubdesk.models import ContactNote, YoungPerson
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.conftest import PASSPHRASE, passphrase
from tests.helpers.forking import ForkingHelper

pytestmark = pytest.mark.slow

ITERATIONS = 50
CHECK_EVERY = 10
KILL_AFTER_S = (0.05, 0.6)
KINDS = {"contact_note": ContactNote, "young_person": YoungPerson}


class Writer(ForkingHelper):
    """The forking helper, whose children write until killed."""

    def __init__(self, stderr: IO[bytes]) -> None:
        super().__init__("tests.helpers.crash_writer", PASSPHRASE, stderr)

    def write_then_kill(self, folder: Path, young_person_id: str, after: float) -> WriterRun:
        """Start a child writing into the vault in ``folder`` and kill it ``after`` seconds
        once it is ready."""
        self.send("write", str(folder), young_person_id)
        started = time.monotonic()
        line = self.line()
        assert line == "ready", f"the writer did not start: {line}"
        ready_after = time.monotonic() - started
        # Not synchronisation: the random moment of the crash is the point of the test.
        time.sleep(after)
        code = self.kill()
        if code != -signal.SIGKILL:  # ended by itself: the test says how, from its stderr
            return WriterRun(code, ready_after, [])
        return WriterRun(code, ready_after, [_acknowledged(line) for line in self.last_lines])


def _acknowledged(line: str) -> tuple[str, str]:
    """An acknowledgement, ``<record kind> <id>`` (anything else fails the test)."""
    kind, _, record_id = line.partition(" ")
    assert kind in KINDS, f"the writer said: {line}"
    assert record_id, f"the writer said: {line}"
    return kind, record_id


@dataclass(frozen=True)
class WriterRun:
    exit_code: int
    ready_after: float
    acks: list[tuple[str, str]]


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

    stderr_path = tmp_path / "writer.stderr"
    with stderr_path.open("wb") as stderr:
        writer = Writer(stderr)
        try:
            for i in range(1, ITERATIONS + 1):
                run = writer.write_then_kill(vault_dir, person, rng.uniform(*KILL_AFTER_S))
                problem = stderr_path.read_text(encoding="utf-8", errors="replace")
                assert run.exit_code == -signal.SIGKILL, (
                    f"iteration {i}: writer exited {run.exit_code}:\n{problem}"
                )
                start_ups.append(run.ready_after)
                for kind, record_id in run.acks:
                    acked[kind].add(record_id)
                after = records_in(vault_dir, check=i % CHECK_EVERY == 0 or i == ITERATIONS)
                for kind in KINDS:
                    lost = acked[kind] - after[kind]
                    assert not lost, f"iteration {i}: acknowledged {kind} lost: {sorted(lost)}"
                new = sum(len(after[k] - before[k]) for k in KINDS)
                assert new - len(run.acks) in (0, 1), (
                    f"iteration {i}: {new} new records for {len(run.acks)} acknowledgements"
                )
                before = after
        finally:
            writer.close()

    total = sum(len(ids) for ids in acked.values())
    assert total > ITERATIONS, "too few writes: the kills came before any work was done"
    print(
        f"\n{ITERATIONS} kills in {time.monotonic() - began:.1f} s; "
        f"writer start-up {min(start_ups):.2f}–{max(start_ups):.2f} s "
        f"(mean {sum(start_ups) / len(start_ups):.2f} s); {total} acknowledged writes"
    )
