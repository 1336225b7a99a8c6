"""A vault last opened by a newer HubDesk (a schema revision this code does not have) is
refused in words, and nothing in it is changed. Fixture vaults are copied, never opened in
place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from hubdesk.errors import VaultError
from hubdesk.store.schema import alembic_config
from hubdesk.store.vault import ATTEMPTS_NAME, DB_NAME, KEY_NAME, LOCK_NAME, Vault
from tests.helpers.vaults import raw_engine, sha256_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vaults"
FUTURE = "zzzz_future"
MESSAGE = (
    "This vault was last used by a newer version of HubDesk. Update HubDesk to open it; "
    "nothing in the vault has been changed."
)


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def newer(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the oldest fixture vault, marked as at a revision from the future."""
    source = sorted(p for p in FIXTURES.iterdir() if p.is_dir())[0]
    copy = tmp_path / source.name
    shutil.copytree(source, copy)
    secret = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))["passphrase"]
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    assert FUTURE not in known
    with raw_engine(copy, bytearray(secret.encode())) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    return copy, secret


def test_a_vault_from_a_newer_hubdesk_is_refused_and_left_alone(newer: tuple[Path, str]) -> None:
    folder, secret = newer
    assert {DB_NAME, KEY_NAME} <= set(hashes(folder))
    before = hashes(folder)

    with pytest.raises(VaultError) as info:
        Vault.open(folder, bytearray(secret.encode()))
    assert type(info.value) is VaultError
    assert info.value.message == MESSAGE

    after = hashes(folder)
    assert {name: after.get(name) for name in before} == before, "the refused open changed files"
    assert set(after) - set(before) <= {LOCK_NAME, ATTEMPTS_NAME}
    assert ATTEMPTS_NAME not in after, "the right passphrase should not count as a failure"
    with raw_engine(folder, bytearray(secret.encode())) as engine, engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == FUTURE
