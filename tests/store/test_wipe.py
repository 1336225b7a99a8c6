"""Wiping a revoked laptop's vault: every file goes, key first, but an instance lock that a
running HubDesk holds stays, so no second HubDesk starts on the folder meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk.errors import VaultError
from hubdesk.store.instance import LOCK_NAME, InstanceLock
from hubdesk.store.wipe import KEY_FILE, wipe_vault


def _vault_files(folder: Path) -> None:
    folder.mkdir()
    (folder / KEY_FILE).write_bytes(b"wrapped key")
    (folder / "vault.db").write_bytes(b"ciphertext" * 100)


def test_the_key_goes_first_and_a_folder_nobody_holds_goes_with_its_lock(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    _vault_files(folder)
    with InstanceLock(folder):
        pass  # a HubDesk that ran and ended leaves its (empty) lock file
    assert (folder / LOCK_NAME).exists()

    assert wipe_vault(folder) == [KEY_FILE, "vault.db"]
    assert not folder.exists()


def test_a_lock_a_running_hubdesk_holds_stays_and_still_keeps_a_second_one_out(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "vault"
    _vault_files(folder)
    with InstanceLock(folder):
        assert wipe_vault(folder) == [KEY_FILE, "vault.db"]
        assert [p.name for p in folder.iterdir()] == [LOCK_NAME]
        assert (folder / LOCK_NAME).stat().st_size == 0  # it holds nothing
        with pytest.raises(VaultError, match="already open"):
            InstanceLock(folder).acquire()
