"""The audit chain catches a changed, removed or truncated event, even when the change is made
with the key and plain SQL (no ORM guard); the ORM guard refuses changes made through a session."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.models import AuditEvent
from hubdesk.services import Services
from hubdesk.store.audit import ChainReport
from hubdesk.store.vault import Vault
from tests.conftest import passphrase
from tests.helpers.vaults import add_caseload, raw_engine


@pytest.fixture
def events(vault: Vault, services: Services) -> int:
    """A closed vault with a few records and a share (whose reason is audited)."""
    people = add_caseload(services, people=2)
    services.work.record_share(
        people[0],
        shared_at=services.cases.clock() - timedelta(hours=1),
        what="Contact note of last week",
        recipient="School safeguarding lead",
        why="To plan support at school",
        lawful_basis="UK GDPR 6(1)(e); DPA 2018 Sch 1 para 18",
    )
    report = services.verify_audit()
    assert report.ok, report.in_words()
    vault.close()
    return report.events


def tamper(folder: Path, sql: str, params: dict[str, Any] | None = None) -> None:
    with raw_engine(folder, passphrase()) as engine, engine.begin() as conn:
        result = conn.exec_driver_sql(sql, params or {})
        assert result.rowcount == 1


def verify(folder: Path) -> ChainReport:
    with Vault.open(folder, passphrase()) as reopened:
        return Services(reopened).verify_audit()


def names_event(report: ChainReport, seq: int) -> bool:
    return re.search(rf"\bevent {seq}\b", report.in_words()) is not None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "Nothing to see here"),
        ("actor", "Someone Else"),
        ("action", "view"),
        ("at", "2020-01-01 00:00:00.000000"),
        ("record_id", "00000000-0000-4000-8000-000000000000"),
    ],
)
def test_a_changed_event_breaks_the_chain_at_that_event(
    events: int, vault_dir: Path, column: str, value: str
) -> None:
    tamper(vault_dir, f"UPDATE audit_event SET {column} = :v WHERE seq = 3", {"v": value})
    report = verify(vault_dir)
    assert not report.ok
    assert report.broken_seq == 3
    assert names_event(report, 3), report.in_words()
    assert report.events == events


def test_a_changed_event_with_its_hash_redone_breaks_the_next_link(
    events: int, vault_dir: Path
) -> None:
    with raw_engine(vault_dir, passphrase()) as engine, engine.begin() as conn:
        row = conn.execute(select(AuditEvent.__table__).where(AuditEvent.seq == 3)).one()
        forged = AuditEvent(**{**row._asdict(), "actor": "Someone Else"})
        conn.exec_driver_sql(
            "UPDATE audit_event SET actor = :a, hash = :h WHERE seq = 3",
            {"a": forged.actor, "h": forged.compute_hash()},
        )
    report = verify(vault_dir)
    assert report.broken_seq == 4
    assert names_event(report, 4), report.in_words()


def test_a_removed_middle_event_is_named(events: int, vault_dir: Path) -> None:
    tamper(vault_dir, "DELETE FROM audit_event WHERE seq = 3")
    report = verify(vault_dir)
    assert report.broken_seq == 3
    assert names_event(report, 3), report.in_words()
    assert "missing" in report.in_words()


def test_a_removed_last_event_is_detected(events: int, vault_dir: Path) -> None:
    tamper(vault_dir, "DELETE FROM audit_event WHERE seq = :s", {"s": events})
    report = verify(vault_dir)
    assert not report.ok
    assert report.broken_seq == events
    assert re.search(rf"\b{events}\b", report.in_words()), report.in_words()


def test_a_removed_last_event_and_head_is_detected(events: int, vault_dir: Path) -> None:
    tamper(vault_dir, "DELETE FROM audit_event WHERE seq = :s", {"s": events})
    tamper(vault_dir, "DELETE FROM vault_meta WHERE key = 'audit_head'")
    report = verify(vault_dir)
    assert not report.ok
    assert "head" in report.in_words()


def test_the_orm_refuses_to_change_an_event(vault: Vault, services: Services) -> None:
    add_caseload(services, people=1)
    with pytest.raises(DomainError, match="Audit events are never changed"), vault.write() as s:
        s.execute(select(AuditEvent).where(AuditEvent.seq == 1)).scalar_one().actor = "Someone"
    with pytest.raises(DomainError, match="Audit events are never changed"), vault.write() as s:
        s.delete(s.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one())
    report = services.verify_audit()
    assert report.ok, report.in_words()
