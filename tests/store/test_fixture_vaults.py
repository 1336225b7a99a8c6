"""Every released schema's fixture vault opens with the newest code and upgrades intact.

Each folder under tests/fixtures/vaults/ was made by tests/fixtures/make_fixture_vault.py at
one schema revision. A copy is opened (migrations run on unlock); the schema is then at head,
every record and state counted in the manifest is there, search still works and the audit
chain and both integrity checks pass. The committed folders are never opened in place.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hubdesk.services import Services
from hubdesk.store.schema import current_revision, head_revision
from hubdesk.store.vault import DB_NAME, KEY_NAME, Vault
from tests.helpers.vaults import sha256_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCRIPT = FIXTURES / "make_fixture_vault.py"
FOLDERS = sorted(p for p in (FIXTURES / "vaults").iterdir() if p.is_dir())


def manifest_of(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return doc


def open_and_compare(folder: Path, manifest: dict[str, Any]) -> None:
    secret = bytearray(manifest["passphrase"].encode())
    with Vault.open(folder, secret) as vault:
        with vault.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            for table, expected in manifest["counts"].items():
                found = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert found == expected, f"{table}: {found} rows, expected {expected}"
            for key, expected in manifest["states"].items():
                table, status = key.split(".")
                found = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE status = :s"), {"s": status}
                ).scalar_one()
                assert found == expected, f"{key}: {found}, expected {expected}"
        services = Services(vault)
        hits = services.search.search(manifest["search_word"])
        assert [h.record_kind for h in hits] == ["contact_note"]
        report = services.verify_audit()
        assert report.ok, report.in_words()
        assert report.events == manifest["counts"]["audit_event"]
        result = vault.check()
        assert result.ok, result.in_words()


def test_there_is_a_fixture_vault_for_the_current_schema() -> None:
    revisions = {manifest_of(f)["schema_revision"] for f in FOLDERS}
    assert head_revision() in revisions, (
        f"No fixture vault for schema {head_revision()}. Make one with: "
        f".venv/bin/python {SCRIPT.relative_to(FIXTURES.parents[1])} "
        f"tests/fixtures/vaults/schema-{head_revision()}"
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_a_fixture_vault_upgrades_with_everything_kept(folder: Path, tmp_path: Path) -> None:
    manifest = manifest_of(folder)
    assert folder.name == f"schema-{manifest['schema_revision']}"
    committed = {p.name: sha256_of(p) for p in folder.iterdir()}
    assert set(committed) == {DB_NAME, KEY_NAME, "manifest.json"}, "commit only a closed vault"
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1_000_000

    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    open_and_compare(copy, manifest)
    open_and_compare(copy, manifest)  # a second unlock, with nothing left to migrate

    assert {p.name: sha256_of(p) for p in folder.iterdir()} == committed


def test_the_fixture_script_still_makes_a_vault(tmp_path: Path) -> None:
    out = tmp_path / "made"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    manifest = manifest_of(out)
    assert manifest["schema_revision"] == head_revision()
    open_and_compare(out, manifest)


def test_a_failing_upgrade_is_refused_in_words_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text as sql

    from hubdesk.errors import VaultError
    from hubdesk.store import schema
    from hubdesk.store.vault import Vault

    oldest = FOLDERS[0]
    copy = tmp_path / oldest.name
    shutil.copytree(oldest, copy)

    def broken_upgrade(engine: object) -> None:
        with engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(sql("UPDATE young_person SET given_name = 'half-done'"))
            conn.execute(sql("SELECT * FROM no_such_table"))

    monkeypatch.setattr(schema, "upgrade", broken_upgrade)
    passphrase = bytearray(manifest_of(oldest)["passphrase"].encode())
    with pytest.raises(VaultError, match="could not be brought up to date"):
        Vault.open(copy, passphrase)
    monkeypatch.undo()
    reopened = Vault.open(copy, bytearray(manifest_of(oldest)["passphrase"].encode()))
    with reopened.read() as session:
        names = session.execute(sql("SELECT given_name FROM young_person")).scalars().all()
    reopened.close()
    assert "half-done" not in names
