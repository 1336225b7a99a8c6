"""The hub's audit trail is a hash chain that tells on tampering: after ordinary work (set-up,
teams and users, an enrolment, a record, reads, a password reset) it verifies with the right
number of events; changing any field of one row, deleting a row in the middle or the newest
row, and swapping two rows' hashes are each found, with ``broken_at`` naming the row at fault;
and no audit row ever holds a password or a device token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from hubdesk.server import audit
from hubdesk.server.ca import make_csr, new_device_key
from hubdesk.server.hub import Hub
from hubdesk.server.problems import NotSignedIn
from hubdesk.server.tables import HubAuditEvent
from tests.server.conftest import PASSWORD, Org, put

YOUNG_PERSON = str(uuid.UUID(int=41))
WRONG_PASSWORD = "tangerine umbrella 42"
NEW_PASSWORD = "a brand new passphrase for amy"
#: What the work below writes, in order: set-up, 2 teams, 6 users (the org fixture), then
#: an enrolment, a record, a caseload read, a case read and a password reset.
EXPECTED_ACTIONS = [
    "set-up",
    "team-create",
    "team-create",
    *["user-create"] * 6,
    "device-enrol",
    "sync-create",
    "caseload-read",
    "case-read",
    "password-reset",
]
ENROL_SEQ = EXPECTED_ACTIONS.index("device-enrol") + 1


@dataclass(frozen=True)
class Work:
    token: str
    device_id: str


def do_work(hub: Hub) -> Work:
    """Ordinary use of the hub, with a wrong password tried on the way."""
    with pytest.raises(NotSignedIn), hub.unit() as session:
        hub.sign_in(session, "north-amy", WRONG_PASSWORD, "192.0.2.10")
    device_id = str(uuid.uuid4())
    done = hub.enrol(
        username="north-amy",
        password=PASSWORD,
        address="192.0.2.10",
        device_id=device_id,
        device_name="Amy's laptop",
        csr_pem=make_csr(new_device_key(), device_id, "north-amy").decode(),
    )
    amy = hub.authenticate(done.token)
    put(hub, amy, "young_person", YOUNG_PERSON, {"first_name": "Robin"})
    hub.caseload(amy)
    hub.case(amy, YOUNG_PERSON)
    hub.reset_password("north-amy", NEW_PASSWORD)
    return Work(done.token, device_id)


def actions(hub: Hub) -> list[str]:
    with hub.unit() as session:
        return list(session.scalars(select(HubAuditEvent.action).order_by(HubAuditEvent.seq)))


def row(hub: Hub, seq: int) -> HubAuditEvent:
    with hub.unit() as session:
        event = session.get(HubAuditEvent, seq)
        assert event is not None
        return event


def tamper(hub: Hub, statement: Any) -> None:
    """Change the table behind the hub's back, as someone with database access could."""
    with hub.db.engine.begin() as conn:
        conn.execute(statement)


def test_ordinary_work_leaves_an_intact_chain_of_the_right_length(org: Org, hub: Hub) -> None:
    work = do_work(hub)
    assert actions(hub) == EXPECTED_ACTIONS
    report = hub.verify_audit()
    assert report.ok
    assert report.broken_at is None
    assert report.events == len(EXPECTED_ACTIONS)
    enrolment = row(hub, ENROL_SEQ)
    assert enrolment.action == "device-enrol"
    assert enrolment.device_id == work.device_id
    first = row(hub, 1)
    assert first.prev_hash == audit.GENESIS
    assert row(hub, 2).prev_hash == first.hash


def field_changes(event: HubAuditEvent) -> dict[str, Any]:
    """For each column of an audit row, a value different from the one it holds."""
    return {
        "at": event.at + timedelta(microseconds=1),
        "user_id": (event.user_id or 0) + 1,
        "device_id": str(uuid.uuid4()),
        "action": "device-revoke",
        "kind": "device",
        "record_id": "north-ben",
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }


@pytest.mark.parametrize(
    "column",
    ["at", "user_id", "device_id", "action", "kind", "record_id", "prev_hash", "hash"],
)
def test_changing_any_field_of_one_row_is_found_at_that_row(
    org: Org, hub: Hub, column: str
) -> None:
    do_work(hub)
    event = row(hub, ENROL_SEQ)
    new_value = field_changes(event)[column]
    assert getattr(event, column) != new_value
    tamper(
        hub,
        update(HubAuditEvent).where(HubAuditEvent.seq == ENROL_SEQ).values({column: new_value}),
    )
    assert getattr(row(hub, ENROL_SEQ), column) == new_value  # the change really landed
    report = hub.verify_audit()
    assert not report.ok
    assert report.broken_at == ENROL_SEQ
    assert report.events == ENROL_SEQ - 1  # the rows before it still verify


def test_deleting_a_row_in_the_middle_is_found_at_that_row(org: Org, hub: Hub) -> None:
    do_work(hub)
    tamper(hub, delete(HubAuditEvent).where(HubAuditEvent.seq == ENROL_SEQ))
    report = hub.verify_audit()
    assert not report.ok
    # The row that is gone is where the chain can no longer be vouched for: as when the
    # newest row is deleted (below), the report names the missing row itself.
    assert report.broken_at == ENROL_SEQ, (
        f"event {ENROL_SEQ} was deleted, but the report names event {report.broken_at}"
    )
    assert report.events == ENROL_SEQ - 1


def test_deleting_a_middle_row_and_renumbering_the_rest_is_found(org: Org, hub: Hub) -> None:
    """Closing the gap by renumbering does not help: the next row's link is broken."""
    do_work(hub)
    tamper(hub, delete(HubAuditEvent).where(HubAuditEvent.seq == ENROL_SEQ))
    last = len(EXPECTED_ACTIONS)
    for seq in range(ENROL_SEQ + 1, last + 1):
        tamper(hub, update(HubAuditEvent).where(HubAuditEvent.seq == seq).values(seq=seq - 1))
    tamper(hub, text("UPDATE hub_audit_head SET last_seq = :n").bindparams(n=last - 1))
    report = hub.verify_audit()
    assert not report.ok
    assert report.broken_at == ENROL_SEQ


def test_deleting_the_newest_row_is_found(org: Org, hub: Hub) -> None:
    do_work(hub)
    newest = len(EXPECTED_ACTIONS)
    tamper(hub, delete(HubAuditEvent).where(HubAuditEvent.seq == newest))
    report = hub.verify_audit()
    assert not report.ok
    assert report.broken_at == newest
    assert report.events == newest - 1


def test_swapping_two_rows_hashes_is_found_at_the_first(org: Org, hub: Hub) -> None:
    do_work(hub)
    first, second = row(hub, ENROL_SEQ), row(hub, ENROL_SEQ + 1)
    assert first.hash != second.hash
    tamper(hub, update(HubAuditEvent).where(HubAuditEvent.seq == first.seq).values(hash="x"))
    tamper(
        hub,
        update(HubAuditEvent).where(HubAuditEvent.seq == second.seq).values(hash=first.hash),
    )
    tamper(
        hub,
        update(HubAuditEvent).where(HubAuditEvent.seq == first.seq).values(hash=second.hash),
    )
    report = hub.verify_audit()
    assert not report.ok
    assert report.broken_at == ENROL_SEQ


def test_new_events_after_verification_keep_the_chain_intact(org: Org, hub: Hub) -> None:
    """The head row and the table agree, so later writers extend the same chain."""
    do_work(hub)
    assert hub.verify_audit().ok
    hub.create_team("East")
    report = hub.verify_audit()
    assert report.ok
    assert report.events == len(EXPECTED_ACTIONS) + 1


def test_audit_rows_never_hold_passwords_or_tokens(org: Org, hub: Hub) -> None:
    work = do_work(hub)
    secrets_used = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, work.token]
    # A token without its prefix, and each secret's distinctive middle, would be as bad.
    secrets_used += [work.token.removeprefix("hd1_")]
    secrets_used += [s[2:-2] for s in secrets_used]
    scanned = 0
    with hub.db.engine.connect() as conn:
        for table in ("hub_audit", "hub_audit_head"):
            for found in conn.execute(text(f"SELECT * FROM {table}")).mappings():
                for column, value in found.items():
                    scanned += 1
                    for secret in secrets_used:
                        assert secret not in str(value), f"{table}.{column} holds a secret"
    assert scanned >= len(EXPECTED_ACTIONS) * 9  # every column of every row was looked at
