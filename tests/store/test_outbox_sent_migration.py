"""Migration 0011 moves each outbox row's sent stamp (when, on what base) into a narrow table
of its own: a vault upgraded mid-sync sends the very same mutations again, and a change made
after its row was sent still gets a row of its own."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from hubdesk.services import Services
from hubdesk.store.schema import alembic_config
from hubdesk.store.vault import Vault
from tests.conftest import passphrase


def _downgrade(vault: Vault, revision: str) -> None:
    with vault.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_stamps_move_to_their_own_table_and_a_resend_is_the_same(
    services: Services, vault_dir: Path
) -> None:
    sent = services.cases.add(given_name="Ada", family_name="Wren")
    with services.vault.engine.begin() as conn:  # the first was on the hub at sequence 7
        conn.execute(text("UPDATE young_person SET server_seq = 7 WHERE id = :id"), {"id": sent})
        conn.execute(text("DELETE FROM outbox WHERE record_id = :id"), {"id": sent})
    services.cases.update(sent, preferred_name="Addy")  # an update based on 7
    waiting = services.cases.add(given_name="Bo", family_name="Wren")
    batch = services.sync.next_batch(1)  # stamped sent: the update only
    assert [(m.record_id, m.op, m.base_seq) for m in batch] == [(sent, "update", 7)]
    vault = services.vault
    _downgrade(vault, "0010")
    with vault.engine.connect() as conn:
        stamps = conn.execute(
            text("SELECT record_id, base_seq FROM outbox WHERE sent_at IS NOT NULL")
        )
        assert list(stamps) == [(sent, 7)]
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert "outbox_sent" not in tables
    vault.close()

    upgraded = Vault.open(vault_dir, passphrase())  # opening upgrades to the newest schema
    try:
        with upgraded.engine.connect() as conn:
            columns = {r[1] for r in conn.execute(text("PRAGMA table_info(outbox)"))}
            moved = list(conn.execute(text("SELECT base_seq FROM outbox_sent")))
        assert not columns & {"sent_at", "base_seq"}
        assert moved == [(7,)]
        again = Services(upgraded)
        assert again.sync.next_batch(1) == batch  # the very same mutation, on the same base
        again.cases.update(sent, preferred_name="Ads")  # after it was sent: a row of its own
        again.cases.update(waiting, preferred_name="B")  # not sent: merged into its row
        with upgraded.engine.connect() as conn:
            rows = list(conn.execute(text("SELECT record_id, op FROM outbox ORDER BY seq")))
        assert rows == [(sent, "update"), (waiting, "create"), (sent, "update")]
    finally:
        upgraded.close()


def test_a_row_leaving_the_outbox_takes_its_stamp(services: Services) -> None:
    services.cases.add(given_name="Ada", family_name="Wren")
    services.sync.next_batch()
    with services.vault.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox_sent")).scalar_one() == 1
    with services.vault.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
    with services.vault.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox_sent")).scalar_one() == 0
