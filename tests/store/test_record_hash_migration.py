"""Migration 0010 works out the check's hash of every record the hub already has: a laptop
synced before it keeps a check that agrees with the hub's, with nothing sent again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text

from hubdesk.models import RECORD_KINDS
from hubdesk.services import Services
from hubdesk.store.schema import alembic_config
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from tests.conftest import passphrase


def _migrate(vault: Vault, revision: str, *, down: bool) -> None:
    with vault.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_an_upgraded_vault_holds_the_hash_of_every_synced_record(
    services: Services, vault_dir: Path
) -> None:
    people = [services.cases.add(given_name=f"Ada{i}", family_name="Wren") for i in range(3)]
    note = services.notes.add(
        people[0], kind="home_visit", occurred_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    )
    vault = services.vault
    with vault.engine.begin() as conn:  # as if synced: the first two people and the note
        for seq, (table, record_id) in enumerate(
            [("young_person", people[0]), ("young_person", people[1]), ("contact_note", note)],
            start=40,
        ):
            conn.execute(
                text(f"UPDATE {table} SET server_seq = :seq WHERE id = :id"),
                {"seq": seq, "id": record_id},
            )
    _migrate(vault, "0009", down=True)
    with vault.engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(young_person)"))]
    assert "sync_hash" not in columns
    vault.close()

    upgraded = Vault.open(vault_dir, passphrase())  # opening upgrades to the newest schema
    try:
        with upgraded.engine.connect() as conn:
            found = {
                (table, record_id): (seq, kept)
                for table in RECORD_KINDS
                for record_id, seq, kept in conn.execute(
                    text(f"SELECT id, server_seq, sync_hash FROM {table}")
                )
            }
        assert found[("young_person", people[0])] == (40, p.record_hash(people[0], 40))
        assert found[("young_person", people[1])] == (41, p.record_hash(people[1], 41))
        assert found[("contact_note", note)] == (42, p.record_hash(note, 42))
        assert found[("young_person", people[2])] == (None, None)
        summary = Services(upgraded).sync.summaries(["young_person"], set(people))
        expected = p.scope_digest([(people[0], 40), (people[1], 41)])
        assert summary["young_person"] == p.KindSummary(count=2, digest=expected)
    finally:
        upgraded.close()
