"""Each hub record keeps ``protocol.record_hash(id, seq)`` beside it, which the summary adds
up (its running totals: test_scope_totals.py): every way the hub writes a record leaves it
the hash of the id and sequence it now has (pushes of every kind of change, in one
statement or by COPY, a case moved to another worker, a purge, a record written through
the ORM); a write that leaves the hash out fails instead of storing a wrong one; and
migration 0008 gives the records already on a hub their hashes."""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta
from typing import Any

import pytest
from alembic import command as alembic
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, func, insert, inspect, select, text
from sqlalchemy.exc import StatementError

from hubdesk.server import sync
from hubdesk.server.db import COPY_FROM, Database, alembic_config, insert_rows
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import ChangeLog, HubRecord, ServerBase, utcnow
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, new_mutation, put
from tests.server.test_epoch_and_purge import record_then_delete
from tests.server.test_sync_summary import digests_of
from tests.server.test_workers import enrolled

MIGRATION = importlib.import_module("hubdesk.server.migrations.versions.0008_record_hash")
#: What the scope indexes held after their first column(s) at schema 0007.
SCOPE = ["kind", "id", "seq", "deleted"]


def wrong_hashes(hub: Hub) -> list[tuple[str, str, int, int]]:
    """Every record whose hash is not that of its id and sequence (none, as it should be)."""
    with hub.db.unit(read_only=True) as session:
        rows = session.execute(
            select(HubRecord.kind, HubRecord.id, HubRecord.seq, HubRecord.sync_hash)
        ).all()
    assert rows
    return [tuple(row) for row in rows if row.sync_hash != p.record_hash(row.id, row.seq)]


def last_seq(hub: Hub) -> int:
    with hub.db.unit(read_only=True) as session:
        return session.scalar(select(func.max(ChangeLog.seq))) or 0


def pushed(hub: Hub, who: Principal, *mutations: p.Mutation) -> list[p.MutationResult]:
    return sync.push(hub, who, list(mutations)).results


def plan_for(context: str, plan: str, content: dict[str, Any]) -> p.Mutation:
    """A contextual safety plan's create: a team's record, not a case's."""
    made = new_mutation("safety_plan", plan, "create", {**content, "context_id": context})
    return made.model_copy(update={"context_id": context})


def pushed_by_lead(hub: Hub, lead: Principal, context: str, plan: str) -> list[str]:
    made = pushed(
        hub,
        lead,
        new_mutation("context", context, "create", {"name": "Car park"}),
        plan_for(context, plan, {"title": "Car park plan"}),
    )
    return [r.status for r in made]


def meeting_by_hand(case: str | None, seq: int) -> HubRecord:
    """A meeting made through the ORM with its hash never given, as a repair by hand might."""
    return HubRecord(
        kind="meeting",
        id=str(uuid.uuid4()),
        young_person_id=case,
        seq=seq,
        content={},
        updated_at=utcnow(),
    )


def pulled(hub: Hub, who: Principal) -> list[dict[str, Any]]:
    """Everything a pull from 0 serves ``who``, as the API would send it."""
    changes, cursor = [], 0
    while True:
        page = sync.pull(hub, who, cursor, 50)
        changes += [change.model_dump(mode="json") for change in page.changes]
        cursor = page.next_cursor
        if not page.has_more:
            return changes


def test_every_way_the_hub_writes_a_record_leaves_it_the_hash_of_its_id_and_sequence(
    org: Org, hub: Hub
) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    case, moved = str(uuid.uuid4()), str(uuid.uuid4())
    meetings = [str(uuid.uuid4()) for _ in range(COPY_FROM + 5)]
    # A push of many creates (by COPY on PostgreSQL), and the same push again.
    first = [
        new_mutation("young_person", case, "create", {"name": "A"}),
        new_mutation("young_person", moved, "create", {"name": "B"}),
        *[new_mutation("meeting", m, "create", {"n": 0}, None, case) for m in meetings],
    ]
    results = pushed(hub, amy, *first)
    assert {r.status for r in results} == {"applied"}
    seqs = {m.record_id: r.seq for m, r in zip(first, results, strict=True)}
    replayed = pushed(hub, amy, first[2])  # the same mutation again: changes nothing
    assert replayed[0].status == "duplicate"

    # Updates, deletes, a conflict, a create of what is there already, an append; a record
    # created and changed again in one push; and one written part-way through a push (the
    # check of an attachment writes what the push has made so far), then changed by it.
    last = last_seq(hub)  # this push's changes are numbered on from here
    early, twice = str(uuid.uuid4()), str(uuid.uuid4())
    mixed = [
        new_mutation("meeting", early, "create", {"n": 0}, None, case),
        new_mutation("attachment", str(uuid.uuid4()), "create", {"sha256": "0" * 64}, None, case),
        new_mutation("meeting", early, "update", {"n": 1}, last + 1, case),
        new_mutation("meeting", twice, "create", {"n": 0}, None, case),
        new_mutation("meeting", twice, "update", {"n": 1}, last + 3, case),
        new_mutation("meeting", meetings[0], "update", {"n": 1}, seqs[meetings[0]], case),
        new_mutation("meeting", meetings[1], "delete", {}, seqs[meetings[1]], case),
        new_mutation("meeting", meetings[2], "update", {"n": 9}, seqs[meetings[2]] - 1, case),
        new_mutation("meeting", meetings[3], "create", {"n": 0}, None, case),
        new_mutation("addendum", str(uuid.uuid4()), "append", {"text": "Seen."}, None, case),
    ]
    results = pushed(hub, amy, *mixed)
    assert [r.status for r in results] == [
        "applied",
        "rejected",
        *["applied"] * 5,
        "conflict",
        *["applied"] * 2,
    ]
    assert [results[n].seq for n in (2, 4, 6)] == [last + 2, last + 4, last + 6]
    # An update based on the tombstone restores the record.
    [restored] = pushed(
        hub, amy, new_mutation("meeting", meetings[1], "update", {"n": 2}, results[6].seq, case)
    )
    assert restored.status == "applied"

    # A team's context and its contextual plan.
    assert pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2

    # A case moved to another worker: its records get new sequences (through the ORM).
    hub.allocate(moved, "north-ben", lead)
    # Old tombstones purged (the rows go); a newer one kept.
    record_then_delete(hub, amy, case, days_ago=40)
    record_then_delete(hub, amy, case, days_ago=1)
    assert hub.purge_tombstones(timedelta(days=30))[0] == 1
    # A record made and re-sequenced through the ORM, its hash never given (as a test or an
    # administrator's repair may do).
    with hub.unit() as session:
        session.add(meeting_by_hand(case, last_seq(hub) + 1))
    with hub.unit() as session:
        row = session.get(HubRecord, ("meeting", meetings[4]))
        assert row is not None
        row.seq = seqs[meetings[4]] + 1000

    assert wrong_hashes(hub) == []
    # And the summary is what each device computes from what it pulled.
    for who in (amy, lead, enrolled(hub, "north-ben")):
        assert sync.summary(hub, who).model_dump()["kinds"] == digests_of(pulled(hub, who))


def test_a_write_that_leaves_out_the_hash_fails_rather_than_store_a_wrong_one(
    org: Org, hub: Hub
) -> None:
    amy = enrolled(hub, "north-amy")
    case = str(uuid.uuid4())
    seq = put(hub, amy, "young_person", case, {"name": "A"})
    table = ServerBase.metadata.tables["hub_record"]

    def row(n: int) -> dict[str, Any]:
        return {
            "kind": "meeting",
            "id": f"meeting-{n}",
            "young_person_id": case,
            "team_id": None,
            "seq": seq,
            "content": {},
            "deleted": False,
            "updated_at": utcnow(),
        }

    # One row (an INSERT), and many (by COPY on PostgreSQL).
    for rows in ([row(0)], [row(n) for n in range(COPY_FROM)]):
        with pytest.raises(StatementError), hub.unit() as session:
            insert_rows(session, table, rows)
    # A record's change without its new hash.
    changed = {"key_kind": "young_person", "key_id": case, "seq": seq + 1, "content": {}}
    changed |= {"deleted": False, "updated_at": utcnow()}
    with pytest.raises(StatementError), hub.unit() as session:
        session.execute(sync._UPDATE_RECORD, [changed])
    with hub.db.unit(read_only=True) as session:
        assert session.scalars(select(HubRecord.seq)).all() == [seq]
    assert wrong_hashes(hub) == []


# The migration --------------------------------------------------------------------------


def test_the_migration_gives_the_records_already_on_the_hub_their_hashes(
    database_url: str,
) -> None:
    """More records than one batch of the migration's, some deleted, some a team's."""
    db = Database(database_url)
    count = MIGRATION.BATCH + 7
    old = [
        {
            "kind": "meeting" if n % 3 else "context",
            "id": str(uuid.uuid4()),
            "young_person_id": f"case-{n % 5}" if n % 3 else None,
            "team_id": None if n % 3 else 1,
            "seq": n + 1,
            "content": {"n": n},
            "deleted": n % 4 == 0,
            "updated_at": utcnow(),
        }
        for n in range(count)
    ]
    try:
        with db.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            alembic.upgrade(cfg, "0007")
            conn.execute(
                text("INSERT INTO team (id, name, created_at) VALUES (1, 'North', :at)"),
                {"at": utcnow()},
            )
            conn.execute(insert(records_at_0007(conn)), old)
            alembic.upgrade(cfg, "head")
        with db.engine.connect() as conn:
            found = conn.execute(text("SELECT id, seq, sync_hash FROM hub_record")).all()
            assert len(found) == count
            assert all(h == p.record_hash(i, seq) for i, seq, h in found)
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, ServerBase.metadata) == []
            scope = scope_indexes(conn)
        assert scope == {
            "ix_hub_record_case_scope": ["young_person_id", *SCOPE, "sync_hash"],
            "ix_hub_record_team_scope": ["team_id", "young_person_id", *SCOPE, "sync_hash"],
        }
        with db.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            alembic.downgrade(cfg, "0007")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("hub_record")}
            assert "sync_hash" not in columns
            assert conn.execute(text("SELECT count(*) FROM hub_record")).scalar() == count
            assert scope_indexes(conn) == {
                "ix_hub_record_case_scope": ["young_person_id", *SCOPE],
                "ix_hub_record_team_scope": ["team_id", "young_person_id", *SCOPE],
            }
    finally:
        db.dispose()


def records_at_0007(conn: Any) -> Any:
    """``hub_record`` as schema 0007 made it (the models now have one more column)."""
    return Table("hub_record", MetaData(), autoload_with=conn)


def scope_indexes(conn: Any) -> dict[str, list[str]]:
    return {
        index["name"]: list(index["column_names"])
        for index in inspect(conn).get_indexes("hub_record")
        if index["name"] and index["name"].endswith("_scope")
    }
