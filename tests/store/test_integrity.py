"""A page changed on disk is caught: SQLCipher's per-page HMAC names it, and the vault says so
in words (or refuses to open) — never with a raw database exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk.errors import VaultError
from hubdesk.services import Services
from hubdesk.store.vault import DB_NAME, Vault
from tests.conftest import passphrase
from tests.helpers.vaults import add_caseload


def test_a_healthy_vault_checks_clean(vault: Vault, services: Services) -> None:
    add_caseload(services)
    result = vault.check()
    assert result.ok, result.in_words()
    assert result.cipher_problems == []
    assert result.integrity_problems == []
    assert "healthy" in result.in_words()


def flip_one_bit(db: Path, page: int, page_size: int) -> None:
    """Flip one bit in the middle of ``page`` (1-based), in the encrypted content."""
    offset = (page - 1) * page_size + page_size // 2
    with db.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x10]))


@pytest.mark.parametrize("where", ["page 2", "page 3", "middle page", "last page"])
def test_a_flipped_bit_is_reported_or_refused(
    vault: Vault, services: Services, vault_dir: Path, where: str
) -> None:
    add_caseload(services, people=12)
    with vault.engine.connect() as conn:
        page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    vault.close()
    db = vault_dir / DB_NAME
    assert db.stat().st_size == page_size * pages
    page = {"middle page": pages // 2, "last page": pages}.get(where) or int(where.split()[1])
    flip_one_bit(db, page, page_size)

    refused: VaultError | None = None
    try:
        reopened = Vault.open(vault_dir, passphrase())
    except VaultError as exc:
        refused = exc
    if refused is not None:
        assert str(db) in refused.message
        assert "backup" in refused.message
        return
    try:
        result = reopened.check()
    finally:
        reopened.close()

    assert not result.ok
    assert any(f"page {page}" in problem for problem in result.cipher_problems), result
    words = result.in_words()
    assert "fail their encryption check" in words
    assert f"page {page}" in words
    assert "Restore the vault folder from a backup" in words
