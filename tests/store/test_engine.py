"""Every vault connection is set up the same way: SQLCipher 4, WAL with full sync, foreign keys
enforced, temporary storage in memory (SQLCipher does not encrypt temp files)."""

from __future__ import annotations

import re
import uuid
from contextlib import ExitStack

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hubdesk.models import ContactNote
from hubdesk.models.notes import NoteKind
from hubdesk.store.vault import Vault
from hubdesk.timeutil import utcnow

EXPECTED = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "foreign_keys": 1,
    "temp_store": 2,  # MEMORY
    "secure_delete": 1,
}


def test_every_pooled_connection_has_the_settings(vault: Vault) -> None:
    """Several connections at once, so the pool has to make more than one."""
    with ExitStack() as stack:
        conns = [stack.enter_context(vault.engine.connect()) for _ in range(3)]
        for conn in conns:
            found = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one() for name in EXPECTED}
            assert found == EXPECTED
            version = conn.exec_driver_sql("PRAGMA cipher_version").scalar_one()
            assert re.match(r"4\.\d+", version), version
            assert conn.exec_driver_sql("PRAGMA cipher_use_hmac").scalar_one() in ("1", 1)


def test_a_write_session_has_the_settings(vault: Vault) -> None:
    with vault.write() as session:
        found = {
            name: session.connection().exec_driver_sql(f"PRAGMA {name}").scalar_one()
            for name in EXPECTED
        }
    assert found == EXPECTED


def test_foreign_keys_are_enforced(vault: Vault) -> None:
    orphan = ContactNote(
        young_person_id=str(uuid.uuid4()),
        kind=NoteKind.PHONE,
        occurred_at=utcnow(),
        narrative="A note for nobody",
        author="Test Practitioner",
    )
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), vault.write() as session:
        session.add(orphan)
    with vault.read() as session:
        assert session.execute(select(func.count()).select_from(ContactNote)).scalar_one() == 0
