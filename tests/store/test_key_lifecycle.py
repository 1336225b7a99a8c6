"""The data key's life: re-wrapped (not re-encrypted) under a new passphrase, and overwritten in
memory when the vault closes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hubdesk.errors import WrongPassphraseError
from hubdesk.models import ContactNote, YoungPerson
from hubdesk.services import Services
from hubdesk.store import keywrap
from hubdesk.store.keywrap import DEFAULT_KDF, TEST_KDF
from hubdesk.store.vault import DB_NAME, KEY_NAME, Vault
from tests.conftest import passphrase
from tests.helpers.vaults import add_caseload, sha256_of

NEW_PASSPHRASE = "copper heron meadow 19 softly"


def new_passphrase() -> bytearray:
    return bytearray(NEW_PASSPHRASE.encode())


def all_ids(vault: Vault) -> dict[str, set[str]]:
    with vault.read() as session:
        return {
            cls.__tablename__: set(session.execute(select(cls.id)).scalars())
            for cls in (YoungPerson, ContactNote)
        }


def test_a_new_passphrase_rewraps_the_same_key_and_leaves_the_database_alone(
    vault: Vault, services: Services, vault_dir: Path
) -> None:
    add_caseload(services)
    before_ids = all_ids(vault)
    old_doc = keywrap.read_key_file(vault_dir / KEY_NAME)
    vault.close()
    db_before = sha256_of(vault_dir / DB_NAME)

    with Vault.open(vault_dir, passphrase()) as reopened:
        reopened.change_passphrase(new_passphrase(), kdf=TEST_KDF)
    assert sha256_of(vault_dir / DB_NAME) == db_before

    new_doc = keywrap.read_key_file(vault_dir / KEY_NAME)
    assert new_doc["vault_id"] == old_doc["vault_id"]
    assert new_doc["salt"] != old_doc["salt"]
    assert keywrap.unwrap(new_doc, new_passphrase()) == keywrap.unwrap(old_doc, passphrase())
    assert NEW_PASSPHRASE.encode() not in (vault_dir / KEY_NAME).read_bytes()

    with pytest.raises(WrongPassphraseError):
        Vault.open(vault_dir, passphrase())
    with Vault.open(vault_dir, new_passphrase()) as reopened:
        assert all_ids(reopened) == before_ids
        assert reopened.check().ok
        assert Services(reopened).verify_audit().ok


def test_a_new_passphrase_never_lowers_the_kdf_cost(vault: Vault, vault_dir: Path) -> None:
    """Left to choose, the re-wrap uses at least today's cost, so old cheap vaults get stronger.
    (One real Argon2id run: about half a second.)"""
    vault.change_passphrase(new_passphrase())
    params = keywrap.kdf_params(json.loads((vault_dir / KEY_NAME).read_text(encoding="utf-8")))
    assert params.time_cost * params.memory_cost_kib >= (
        DEFAULT_KDF.time_cost * DEFAULT_KDF.memory_cost_kib
    )
    assert params.memory_cost_kib >= DEFAULT_KDF.memory_cost_kib


def test_close_overwrites_the_key_in_memory(vault: Vault, services: Services) -> None:
    add_caseload(services, people=1)
    key = vault._key
    assert vault.is_open
    assert len(key) == keywrap.DATA_KEY_BYTES
    assert any(key)

    vault.close()

    assert not vault.is_open
    assert vault._key is key
    assert key == bytearray(keywrap.DATA_KEY_BYTES)
    with pytest.raises(RuntimeError, match="locked"), vault.read() as session:
        session.execute(text("SELECT count(*) FROM young_person"))
