"""Opening a vault that should not open: no key, wrong key, damaged files.

Every refusal is a VaultError (WrongPassphraseError is one) whose message a practitioner can act
on; nothing else may escape, and a refused open changes nothing on disk.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hubdesk.errors import VaultError, WrongPassphraseError
from hubdesk.services import Services
from hubdesk.store.keywrap import KdfParams
from hubdesk.store.vault import ATTEMPTS_NAME, DB_NAME, KEY_NAME, LOCK_NAME, Vault
from tests.conftest import passphrase
from tests.helpers.vaults import add_caseload, sha256_of

RESTORE = "Restore the vault folder from a backup"
WRAP_KDF = KdfParams(time_cost=2, memory_cost_kib=16 * 1024, parallelism=1)


@pytest.fixture
def closed_vault(vault: Vault, services: Services, vault_dir: Path) -> Path:
    """A vault with a little data, closed cleanly (no -wal or -shm left); its key is wrapped
    a little more strongly than TEST_KDF so that an edit can try to weaken it."""
    add_caseload(services, people=6)
    vault.change_passphrase(passphrase(), kdf=WRAP_KDF)
    vault.close()
    assert sorted(p.name for p in vault_dir.iterdir()) == sorted([DB_NAME, KEY_NAME])
    return vault_dir


@pytest.fixture
def copy(closed_vault: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(closed_vault, dest)
    return dest


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


def test_plain_sqlite_cannot_read_the_database(closed_vault: Path) -> None:
    db = closed_vault / DB_NAME
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        conn.close()


def test_a_wrong_passphrase_is_refused_and_changes_nothing(closed_vault: Path) -> None:
    before = hashes(closed_vault)
    with pytest.raises(WrongPassphraseError) as info:
        Vault.open(closed_vault, bytearray(b"plum orchard lantern 42 quietly!"))
    assert info.value.message == "That passphrase does not open this vault."
    assert str(info.value) == "That passphrase does not open this vault."
    after = hashes(closed_vault)
    assert after.pop(ATTEMPTS_NAME, None) is not None, "the failure was not counted"
    assert after.pop(LOCK_NAME, None) is not None, "attempts are serialised by a lock file"
    assert after == before


def _truncate_to(size: int) -> Callable[[Path], None]:
    def truncate(db: Path) -> None:
        with db.open("r+b") as f:
            f.truncate(size)

    return truncate


def _half(db: Path) -> None:
    _truncate_to(db.stat().st_size // 2)(db)


def _random_bytes(db: Path) -> None:
    db.write_bytes(os.urandom(db.stat().st_size))


def _text_file(db: Path) -> None:
    db.write_text("Minutes of the panel meeting\n" * 200, encoding="utf-8")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_half, id="half"),
        pytest.param(_truncate_to(1000), id="1000-bytes"),
        pytest.param(_truncate_to(4096), id="first-page-only"),
        pytest.param(_truncate_to(0), id="empty"),
        pytest.param(_random_bytes, id="random-bytes"),
        pytest.param(_text_file, id="text-file"),
    ],
)
def test_a_damaged_database_is_refused_with_what_to_do(
    copy: Path, damage: Callable[[Path], None]
) -> None:
    db = copy / DB_NAME
    damage(db)
    before = hashes(copy)
    with pytest.raises(VaultError) as info:
        Vault.open(copy, passphrase())
    assert type(info.value) is VaultError
    assert str(db) in info.value.message
    assert RESTORE in info.value.message
    after = hashes(copy)
    assert {name: after.get(name) for name in before} == before, "the refused open changed files"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
def test_a_refused_open_leaves_no_file_open(copy: Path) -> None:
    """A half-made connection must be closed, not left for the garbage collector: an open
    handle keeps -wal/-shm beside the damaged file and, on Windows, stops the practitioner
    replacing the folder with their backup."""
    _half(copy / DB_NAME)
    with pytest.raises(VaultError) as info:
        Vault.open(copy, passphrase())
    fds = Path("/proc/self/fd")
    still_open = sorted(
        target
        for fd in fds.iterdir()
        if (target := os.path.realpath(fd)).startswith(str(copy.resolve()) + os.sep)
    )
    del info
    assert still_open == []


def test_a_missing_database_is_refused_with_what_to_do(copy: Path) -> None:
    (copy / DB_NAME).unlink()
    with pytest.raises(VaultError) as info:
        Vault.open(copy, passphrase())
    assert str(copy / DB_NAME) in info.value.message
    assert RESTORE in info.value.message
    assert not (copy / DB_NAME).exists(), "an empty database was made in its place"


def test_a_missing_key_file_is_refused_with_what_to_do(copy: Path) -> None:
    (copy / KEY_NAME).unlink()
    with pytest.raises(VaultError) as info:
        Vault.open(copy, passphrase())
    assert str(copy / KEY_NAME) in info.value.message
    assert RESTORE in info.value.message


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


KEY_EDITS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "not-json": lambda d: "{not json",
    "not-utf8": lambda d: b"\xff\xfe\x00garbage",
    "json-array": lambda d: [d],
    "json-null": lambda d: None,
    "other-format": lambda d: d | {"format": "something-else"},
    "newer-version": lambda d: d | {"version": 2},
    "no-wrap": lambda d: {k: v for k, v in d.items() if k != "wrap"},
    "unknown-kdf-field": lambda d: d | {"kdf": d["kdf"] | {"rounds": 1}},
    "other-algorithm": lambda d: d | {"kdf": d["kdf"] | {"algorithm": "argon2i"}},
    "other-vault-id": lambda d: d | {"vault_id": "00000000-0000-4000-8000-000000000000"},
    "salt-not-text": lambda d: d | {"salt": 12345},
    "salt-too-short": lambda d: d | {"salt": _b64(b"ab")},
    "nonce-too-short": lambda d: d | {"wrap": d["wrap"] | {"nonce": _b64(b"ab")}},
    "ciphertext-cut": lambda d: d | {"wrap": d["wrap"] | {"ciphertext": _b64(b"ab")}},
    # Editing the cost must never open the vault with less work, nor crash the KDF.
    "weaker-time-cost": lambda d: d | {"kdf": d["kdf"] | {"time_cost": 1}},
    "weaker-memory": lambda d: d | {"kdf": d["kdf"] | {"memory_cost_kib": 8 * 1024}},
    "stronger-time-cost": lambda d: d | {"kdf": d["kdf"] | {"time_cost": 3}},
    "time-cost-zero": lambda d: d | {"kdf": d["kdf"] | {"time_cost": 0}},
    "time-cost-negative": lambda d: d | {"kdf": d["kdf"] | {"time_cost": -1}},
    "time-cost-as-text": lambda d: d | {"kdf": d["kdf"] | {"time_cost": "1"}},
    "parallelism-zero": lambda d: d | {"kdf": d["kdf"] | {"parallelism": 0}},
}


def test_the_unedited_copy_opens(copy: Path) -> None:
    """Control for the edits below: the copy itself is a good vault."""
    with Vault.open(copy, passphrase()) as reopened:
        assert reopened.check().ok


@pytest.mark.parametrize("edit", KEY_EDITS.values(), ids=KEY_EDITS.keys())
def test_a_damaged_or_edited_key_file_never_opens(
    copy: Path, edit: Callable[[dict[str, Any]], Any]
) -> None:
    key_path = copy / KEY_NAME
    doc = json.loads(key_path.read_text(encoding="utf-8"))
    edited = edit(doc)
    if isinstance(edited, bytes):
        key_path.write_bytes(edited)
    else:
        key_path.write_text(edited if isinstance(edited, str) else json.dumps(edited), "utf-8")
    db_before = sha256_of(copy / DB_NAME)

    with pytest.raises(VaultError) as info:
        Vault.open(copy, passphrase())

    if not isinstance(info.value, WrongPassphraseError):
        assert str(key_path) in info.value.message or "key" in info.value.message
    assert sha256_of(copy / DB_NAME) == db_before
