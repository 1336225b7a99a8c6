"""The store never removes a folder tree: a vault folder is chosen by the user, and a wipe
that removed "everything in it" could take unrelated files with it. Deleting a vault must
name the files it removes."""

from __future__ import annotations

from pathlib import Path

import hubdesk.store.vault as vault_module

STORE = Path(vault_module.__file__).parent


def test_the_unused_folder_wipe_is_gone() -> None:
    assert not hasattr(vault_module, "wipe_vault_files")


def test_no_store_module_removes_a_folder_tree() -> None:
    users = [p.name for p in sorted(STORE.rglob("*.py")) if "rmtree" in p.read_text("utf-8")]
    assert users == []
