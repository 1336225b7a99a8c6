"""Tombstones, their window, and the epoch: an update based on a tombstone restores the record
(any other base is still a conflict); `admin purge-tombstones` removes only deletions older
than the window, remembers the highest sequence it removed, and a device whose cursor is
below it is told in words (410 ``resync-needed``) to fetch everything again, while a pull
from 0 always works; `admin epoch renew` gives the hub a new epoch that every answer then
carries, audited; the migration gives an existing organisation a window of nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from alembic import command as alembic
from sqlalchemy import select

from hubdesk.server import cli, sync
from hubdesk.server.db import Database, alembic_config
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import HubAuditEvent, HubRecord, OrganisationInfo, utcnow
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, Served, new_mutation, put
from tests.server.test_cli import Command, _clean_environment, command
from tests.server.test_sync_endpoints import PULL, mutation, new_case, pull_all, push

__all__ = ["_clean_environment", "command"]  # fixtures shared with test_cli

AWAY = (
    "This device has been away longer than the hub keeps deletions; HubDesk will fetch "
    "everything again."
)


def actions(hub: Hub, action: str) -> list[HubAuditEvent]:
    with hub.unit() as session:
        return list(session.scalars(select(HubAuditEvent).where(HubAuditEvent.action == action)))


def oldest_cursor(hub: Hub) -> int:
    with hub.unit() as session:
        return hub.organisation(session).oldest_cursor


# An update on a tombstone ---------------------------------------------------------------


def test_an_update_based_on_the_tombstone_restores_the_record(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    _, lead = served.enrol("north-lead")
    case, _ = new_case(served, amy)
    meeting = str(uuid.uuid4())
    [made] = push(served, amy, mutation("meeting", meeting, "create", {"n": 1}, None, case))
    [gone] = push(served, lead, mutation("meeting", meeting, "delete", None, made["seq"], case))
    [stale] = push(served, amy, mutation("meeting", meeting, "update", {"n": 2}, made["seq"], case))
    assert stale["status"] == "conflict"
    assert stale["server_copy"] == {"deleted": True, "content": {}}
    assert stale["seq"] == gone["seq"]
    # Amy has seen the deletion (its sequence) and keeps her copy.
    [kept] = push(served, amy, mutation("meeting", meeting, "update", {"n": 2}, gone["seq"], case))
    assert kept["status"] == "applied"
    assert kept["seq"] > gone["seq"]
    [latest] = [c for c in pull_all(served, lead) if c["record_id"] == meeting]
    assert (latest["seq"], latest["deleted"], latest["content"]) == (kept["seq"], False, {"n": 2})
    # Deleting it again on an old base is a conflict now it lives; on its own, applied.
    [old] = push(served, lead, mutation("meeting", meeting, "delete", None, gone["seq"], case))
    assert old["status"] == "conflict"
    [again] = push(served, lead, mutation("meeting", meeting, "delete", None, kept["seq"], case))
    assert again["status"] == "applied"


# Purging tombstones ---------------------------------------------------------------------


@contextmanager
def clock_back(hub: Hub, days: int) -> Iterator[None]:
    """The hub's clock set ``days`` back for what is done inside."""
    real = hub.clock
    hub.clock = lambda: utcnow() - timedelta(days=days)
    try:
        yield
    finally:
        hub.clock = real


def record_then_delete(hub: Hub, who: Principal, case: str, *, days_ago: int) -> tuple[str, int]:
    """A meeting recorded and then deleted ``days_ago`` days ago; (its id, its tombstone's
    sequence)."""
    with clock_back(hub, days_ago):
        meeting = str(uuid.uuid4())
        seq = put(hub, who, "meeting", meeting, {"n": 1}, young_person_id=case)
        [gone] = sync.push(
            hub, who, [new_mutation("meeting", meeting, "delete", {}, seq, case)]
        ).results
    assert gone.status == "applied"
    assert gone.seq is not None
    return meeting, gone.seq


def test_purging_removes_only_old_tombstones_and_an_older_cursor_must_start_again(
    served: Served, org: Org, hub: Hub, command: Command
) -> None:
    _, token = served.enrol("north-amy")
    amy = hub.authenticate(token)
    with clock_back(hub, 90):
        case, _ = new_case(served, token)  # an old live record stays, whatever its age
    _, first_seq = record_then_delete(hub, amy, case, days_ago=60)
    _, last_seq = record_then_delete(hub, amy, case, days_ago=31)
    recent, recent_seq = record_then_delete(hub, amy, case, days_ago=29)
    assert first_seq < last_seq < recent_seq

    ran = command("admin purge-tombstones --older-than-days 30")
    assert ran.status == 0, ran.err
    assert ran.out == (
        "Removed 2 deleted record(s) older than 30 days. A device whose last sync is older "
        f"(before change {last_seq}) will fetch everything again.\n"
    )
    with hub.unit() as session:
        left = set(session.scalars(select(HubRecord.id)))
    assert left == {case, recent}
    assert oldest_cursor(hub) == last_seq
    [purge] = actions(hub, "tombstones-purge")
    assert purge.record_id == "removed 2"

    for after in (1, first_seq, last_seq - 1):
        refused = served.call("GET", f"{PULL}?after={after}", token=token)
        assert refused.status == 410, after
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.body == {
            "type": f"https://hubdesk.invalid/problems/{p.RESYNC_NEEDED}",
            "title": "Fetch everything again",
            "status": 410,
            "detail": AWAY,
        }
    narrowed = served.call("GET", f"{PULL}?after=1&kind=meeting", token=token)
    assert narrowed.status == 410
    everything = pull_all(served, token)
    assert {c["record_id"] for c in everything} == {case, recent}
    assert [c["seq"] for c in pull_all(served, token, after=last_seq)] == [recent_seq]


def test_a_purge_with_nothing_old_changes_nothing_and_the_window_never_shrinks(
    served: Served, org: Org, hub: Hub, command: Command
) -> None:
    _, token = served.enrol("north-amy")
    amy = hub.authenticate(token)
    case, _ = new_case(served, token)
    _, old_seq = record_then_delete(hub, amy, case, days_ago=10)
    assert command("admin purge-tombstones --older-than-days 5").status == 0
    assert oldest_cursor(hub) == old_seq
    record_then_delete(hub, amy, case, days_ago=1)
    ran = command("admin purge-tombstones --older-than-days 5")
    assert ran.out.startswith("Removed 0 deleted record(s) older than 5 days.")
    assert oldest_cursor(hub) == old_seq
    assert served.call("GET", f"{PULL}?after={old_seq}", token=token).status == 200
    assert len(actions(hub, "tombstones-purge")) == 2


@pytest.mark.parametrize("days", ["0", "-3"])
def test_a_purge_window_of_no_days_is_refused_in_words(
    org: Org, hub: Hub, command: Command, days: str
) -> None:
    ran = command("admin purge-tombstones --older-than-days", days)
    assert ran.status == cli.EXIT_USAGE
    assert ran.err == "Give --older-than-days as a whole number of days, 1 or more.\n"
    assert actions(hub, "tombstones-purge") == []


def test_a_pull_from_nothing_always_works_even_with_everything_purged(
    served: Served, org: Org, hub: Hub, command: Command
) -> None:
    _, token = served.enrol("north-amy")
    amy = hub.authenticate(token)
    case, seq = new_case(served, token)
    record_then_delete(hub, amy, case, days_ago=400)
    with clock_back(hub, 400):  # the case itself deleted as long ago
        [gone] = sync.push(
            hub, amy, [new_mutation("young_person", case, "delete", {}, seq)]
        ).results
    assert gone.status == "applied"
    assert command("admin purge-tombstones --older-than-days 365").status == 0
    assert oldest_cursor(hub) == gone.seq
    for path in (f"{PULL}?after=0", f"{PULL}?after=0&kind=meeting"):
        reply = served.call("GET", path, token=token)
        assert reply.status == 200
        assert (reply.body["changes"], reply.body["next_cursor"]) == ([], 0)


# The epoch ------------------------------------------------------------------------------


def test_renewing_the_epoch_is_printed_audited_and_carried_by_every_answer(
    served: Served, org: Org, hub: Hub, command: Command
) -> None:
    _, token = served.enrol("north-amy")
    before = served.call("GET", PULL, token=token).body["epoch"]
    ran = command("admin epoch renew")
    assert ran.status == 0, ran.err
    with hub.unit() as session:
        epoch = hub.organisation(session).epoch
    assert epoch != before
    assert str(uuid.UUID(epoch)) == epoch
    assert ran.out == (
        f"The hub's epoch is now {epoch}. Each device will send again, at its next sync, "
        "whatever this database lacks.\n"
    )
    assert served.call("GET", PULL, token=token).body["epoch"] == epoch
    assert served.call("GET", "/api/v1/sync/summary", token=token).body["epoch"] == epoch
    pushed = served.call("POST", "/api/v1/sync/push", {"mutations": []}, token=token)
    assert pushed.body == {"results": [], "epoch": epoch}
    assert len(actions(hub, "epoch-renew")) == 1
    assert hub.verify_audit().ok
    assert command("admin epoch renew").status == 0
    assert len(actions(hub, "epoch-renew")) == 2


def test_the_epoch_command_says_when_to_run_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["admin", "epoch", "renew", "--help"])
    words = " ".join(capsys.readouterr().out.split())
    assert "after restoring the hub's database from a backup" in words


# The migration --------------------------------------------------------------------------


def test_an_organisation_set_up_before_the_window_existed_keeps_every_deletion(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        with db.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            alembic.upgrade(cfg, "0004")
            conn.exec_driver_sql(
                "INSERT INTO organisation (id, name, ca_certificate_pem, epoch, created_at) "
                "VALUES (1, 'Old Borough', 'pem', 'e', '2026-01-01 00:00:00')"
            )
            alembic.upgrade(cfg, "head")
        with db.unit() as session:
            org = session.get(OrganisationInfo, 1)
            assert org is not None
            assert org.oldest_cursor == 0
    finally:
        db.dispose()
