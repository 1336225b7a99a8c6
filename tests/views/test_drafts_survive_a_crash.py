"""A contact note typed in the real window is in the vault after the process is killed with
SIGKILL straight after its autosave: no close, no flush, no clean-up ran."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.conftest import PASSPHRASE, passphrase
from tests.helpers.typing_child import NARRATIVE

CHILD = Path(__file__).resolve().parents[1] / "helpers" / "typing_child.py"


@pytest.mark.slow
def test_a_note_being_typed_survives_kill_9(
    services: Services, vault: Vault, vault_dir: Path
) -> None:
    pid = services.cases.add(given_name="Cai", family_name="Lewis")
    vault.close()
    env = {**os.environ, "HUBDESK_PASSPHRASE": PASSPHRASE, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, str(CHILD), str(vault_dir), pid],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert child.stdout.startswith("autosaved ")
    with Vault.open(vault_dir, passphrase()) as reopened:
        notes = Services(reopened).cases.case_file(pid).notes
        assert [n.narrative for n in notes] == [NARRATIVE]
        assert reopened.check().ok
