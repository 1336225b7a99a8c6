"""The engine never lets typed text into an error message, and refuses a driver that cannot
encrypt."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hubdesk.errors import VaultError
from hubdesk.services import Services
from hubdesk.store import engine as engine_module
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.vault import Vault

MARKER = "Persephone-Nightingale-Marker"


def test_a_failing_statement_does_not_carry_its_parameters(
    vault: Vault, services: Services
) -> None:
    pid = services.cases.add(given_name="Rhys", family_name="Morgan")
    with pytest.raises(IntegrityError) as caught, vault.write() as session:
        session.execute(
            text(
                "INSERT INTO young_person (id, given_name, family_name, status, harm_types, "
                "created_at, updated_at, version, flag_missing, flag_nrm_referral, "
                "flag_looked_after) VALUES (:id, :g, :f, 'open', '[]', '2026-01-01', "
                "'2026-01-01', 1, 0, 0, 0)"
            ),
            {"id": pid, "g": MARKER, "f": MARKER},
        )
    assert MARKER not in str(caught.value)
    assert "hidden" in str(caught.value).lower()


def test_a_driver_without_encryption_is_refused(tmp_path, monkeypatch) -> None:
    import sqlite3

    def plain_connect(path: str, **kwargs: object) -> sqlite3.Connection:
        return sqlite3.connect(path, check_same_thread=False, isolation_level=None)

    monkeypatch.setattr(engine_module.sqlcipher3, "connect", plain_connect)
    with pytest.raises(VaultError, match="cannot encrypt"):
        Vault.create(tmp_path / "v", bytearray(b"long enough passphrase"), "Tester", TEST_KDF)
    assert not (tmp_path / "v" / "store.sqlcipher").exists()
