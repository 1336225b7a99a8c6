"""A push of many mutations is applied as if each had been pushed on its own, in order: the
same answers (applied, duplicate, conflict, rejected, with the same sequences), the same
records, the same change log and the same audit events; it takes a fixed number of
statements whatever its size, locking the audit head once; and while batches, allocations
and publications are written at once, the change sequence stays unique, a pull never skips a
change, and a change the database numbers itself afterwards still comes after them all."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

from sqlalchemy import event, func, select

from hubdesk.forms import library
from hubdesk.forms.canonical import canonical_json
from hubdesk.server import sync
from hubdesk.server.hub import Hub
from hubdesk.server.tables import ChangeLog, HubAuditEvent, HubRecord, utcnow
from hubdesk.sync import protocol as p
from tests.server.test_workers import all_at_once, enrolled

#: A step of a scenario: its mutation, given the sequence the scenario started after and
#: the ids it works on (so the same steps can be played twice on different records).
Step = Callable[[int, "Ids"], p.Mutation]


@dataclass(frozen=True)
class Ids:
    person: str
    meeting: str
    note: str
    context: str
    plan: str
    stranger: str
    repeated: uuid.UUID


def ids() -> Ids:
    def new() -> str:
        return str(uuid.uuid4())

    return Ids(new(), new(), new(), new(), new(), new(), uuid.uuid4())


def change(
    kind: str,
    record_id: str,
    op: str,
    content: dict[str, Any] | None = None,
    base_seq: int | None = None,
    young_person_id: str | None = None,
    context_id: str | None = None,
    mutation_id: uuid.UUID | None = None,
) -> p.Mutation:
    return p.Mutation(
        mutation_id=mutation_id or uuid.uuid4(),
        kind=kind,
        record_id=record_id,
        op=op,
        base_seq=base_seq,
        young_person_id=young_person_id,
        context_id=context_id,
        content=content or {},
    )


#: Mutations that each depend on what an earlier one in the same push did. Sequences are
#: given as offsets from the last one before the scenario (nothing else writes meanwhile):
#: the n-th applied change takes ``start + n``.
SCENARIO: list[Step] = [
    lambda s, i: change("young_person", i.person, "create", {"name": "A"}),  # start + 1
    lambda s, i: change("meeting", i.meeting, "create", {"v": 1}, None, i.person),  # + 2
    lambda s, i: change("meeting", i.meeting, "update", {"v": 2}, s + 2, i.person),  # + 3
    lambda s, i: change("meeting", i.meeting, "update", {"v": 9}, s + 2, i.person),  # conflict
    lambda s, i: change("meeting", i.meeting, "delete", None, s + 3, i.person),  # + 4
    lambda s, i: change("meeting", i.meeting, "delete", None, s + 3, i.person),  # applied again
    lambda s, i: change("meeting", i.meeting, "update", {"v": 3}, s + 1, i.person),  # conflict
    lambda s, i: change("meeting", i.meeting, "update", {"v": 4}, s + 4, i.person),  # + 5
    lambda s, i: change("contact_note", i.note, "append", {"t": "Seen."}, None, i.person),  # + 6
    lambda s, i: change("contact_note", i.note, "append", {"t": "Seen."}, None, i.person),
    lambda s, i: change("contact_note", i.note, "append", {"t": "Other."}, None, i.person),
    lambda s, i: change("contact_note", i.note, "update", {"t": "No."}, s + 6, i.person),
    lambda s, i: change(
        "young_person", i.person, "update", {"name": "B"}, s + 1, mutation_id=i.repeated
    ),  # + 7
    lambda s, i: change(
        "young_person", i.person, "update", {"name": "B"}, s + 1, mutation_id=i.repeated
    ),  # the same mutation again: duplicate
    lambda s, i: change(
        "meeting", i.meeting, "update", {"v": 5}, s + 5, i.person, mutation_id=i.repeated
    ),  # its id reused for another change: rejected
    lambda s, i: change("context", i.context, "create", {"place": "Park"}),  # + 8
    lambda s, i: change("safety_plan", i.plan, "create", {"p": 1}, context_id=i.context),  # + 9
    lambda s, i: change("meeting", str(uuid.uuid4()), "create", {"v": 1}, None, i.stranger),
    lambda s, i: change("meeting", str(uuid.uuid4()), "update", {"v": 1}, s + 1, i.person),
]


def last_change(hub: Hub) -> int:
    with hub.unit() as session:
        return session.scalar(select(func.coalesce(func.max(ChangeLog.seq), 0))) or 0


def answers(results: list[p.MutationResult], start: int) -> list[tuple[Any, ...]]:
    """Each answer with its sequence as an offset from the scenario's start."""
    return [
        (r.status, None if r.seq is None else r.seq - start, r.server_copy, r.reason)
        for r in results
    ]


def state(hub: Hub, start: int, mine: Ids) -> dict[str, Any]:
    """The records, change-log rows and audit events the scenario left (sequences as
    offsets from its start, ids as the names they play)."""
    names = {getattr(mine, name): name for name in ("person", "meeting", "note", "context")}
    names[mine.plan] = "plan"
    with hub.unit() as session:
        records = session.scalars(select(HubRecord).where(HubRecord.id.in_(names))).all()
        changes = session.scalars(
            select(ChangeLog).where(ChangeLog.record_id.in_(names)).order_by(ChangeLog.seq)
        ).all()
        audited = session.scalars(
            select(HubAuditEvent)
            .where(HubAuditEvent.record_id.in_(names))
            .order_by(HubAuditEvent.seq)
        ).all()
        return {
            "records": sorted(
                (
                    r.kind,
                    names[r.id],
                    r.seq - start,
                    r.deleted,
                    r.content,
                    names.get(r.young_person_id or ""),
                    r.team_id,
                )
                for r in records
            ),
            "changes": [(c.seq - start, c.kind, names[c.record_id], c.op) for c in changes],
            "audit": [
                (e.action, e.kind, names[e.record_id or ""], e.user_id, e.device_id)
                for e in audited
            ],
        }


def test_a_batch_is_answered_as_the_same_mutations_pushed_one_by_one(org: Any, hub: Hub) -> None:
    amy = enrolled(hub, "north-amy")
    one_by_one, batched = ids(), ids()

    start = last_change(hub)
    singles = [sync.push(hub, amy, [step(start, one_by_one)]).results[0] for step in SCENARIO]
    expected, expected_state = answers(singles, start), state(hub, start, one_by_one)

    start = last_change(hub)
    batch = sync.push(hub, amy, [step(start, batched) for step in SCENARIO]).results
    assert answers(batch, start) == expected
    assert state(hub, start, batched) == expected_state

    statuses = [status for status, *_ in expected]
    assert statuses.count("applied") == 11  # nine new sequences, two answered with the same
    assert {"duplicate", "conflict", "rejected"} <= set(statuses)
    assert len(expected_state["changes"]) == 9
    assert [offset for offset, *_ in expected_state["changes"]] == list(range(1, 10))
    assert hub.verify_audit().ok


@contextmanager
def statements(hub: Hub) -> Iterator[list[str]]:
    """The SQL statements the hub sends while the block runs: on PostgreSQL as psycopg is
    asked to send them (the hub sends its COPYs and its reads sent together,
    ``db.read_at_once``, through psycopg itself, unseen by SQLAlchemy's events)."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    with ExitStack() as stack:
        if hub.db.is_sqlite:
            event.listen(hub.db.engine, "before_cursor_execute", seen)
            stack.callback(event.remove, hub.db.engine, "before_cursor_execute", seen)
        else:
            import psycopg

            for name in ("execute", "executemany", "copy"):
                sending = getattr(psycopg.Cursor, name)

                def counted(
                    cursor: Any, statement: Any, *args: Any, _to: Any = sending, **kwargs: Any
                ) -> Any:
                    sent.append(" ".join(str(statement).split()))
                    return _to(cursor, statement, *args, **kwargs)

                stack.enter_context(patch.object(psycopg.Cursor, name, counted))
        yield sent


def a_case_of(size: int) -> list[p.Mutation]:
    person = str(uuid.uuid4())
    notes = [
        change("contact_note", str(uuid.uuid4()), "append", {"n": n}, None, person)
        for n in range(size - 1)
    ]
    return [change("young_person", person, "create", {"name": "A"}), *notes]


def test_a_push_takes_the_same_few_statements_whatever_its_size(org: Any, hub: Hub) -> None:
    amy = enrolled(hub, "north-amy")
    counted: dict[int, list[str]] = {}
    for size in (2, 200):
        with statements(hub) as sent:
            results = sync.push(hub, amy, a_case_of(size)).results
        assert [r.status for r in results] == ["applied"] * size
        counted[size] = sent
    assert len(counted[200]) == len(counted[2]) <= 16, counted[200]
    head_locks = [s for s in counted[200] if "FROM hub_audit_head" in s]
    assert len(head_locks) == 1
    if not hub.db.is_sqlite:  # (SQLite has its one write lock from BEGIN IMMEDIATE)
        assert head_locks[0].endswith("FOR UPDATE")
        # Many rows go in by COPY, each table's in one stream.
        copied = sorted(s.split()[1] for s in counted[200] if s.startswith("COPY"))
        assert copied == ["applied_mutation", "change_log", "hub_audit", "hub_record"]
    # The audit head is the last thing locked: only its own rows follow it.
    after_lock = counted[200][counted[200].index(head_locks[0]) + 1 :]
    assert all("hub_audit" in s for s in after_lock if not s.startswith("COMMIT")), after_lock
    with hub.unit() as session:
        pushed = session.scalars(
            select(HubAuditEvent)
            .where(HubAuditEvent.action.in_(["sync-create", "sync-append"]))
            .order_by(HubAuditEvent.seq)
        ).all()
    assert len(pushed) == 202
    last = pushed[2:]  # the push of 200: contiguous in the chain, in the order sent
    assert [e.seq for e in last] == list(range(last[0].seq, last[0].seq + 200))
    assert [e.action for e in last] == ["sync-create"] + ["sync-append"] * 199
    assert {(e.user_id, e.device_id) for e in last} == {(amy.user_id, amy.device_id)}
    assert hub.verify_audit().ok


def test_a_replayed_batch_is_answered_from_what_was_kept_and_writes_nothing(
    org: Any, hub: Hub
) -> None:
    amy = enrolled(hub, "north-amy")
    batch = a_case_of(50)
    first = sync.push(hub, amy, batch).results
    before = last_change(hub)
    with statements(hub) as sent:
        again = sync.push(hub, amy, batch).results
    assert [r.status for r in again] == ["duplicate"] * 50
    assert [r.seq for r in again] == [r.seq for r in first]
    assert last_change(hub) == before
    assert not [s for s in sent if s.startswith(("INSERT", "UPDATE", "DELETE"))]


def test_batches_allocations_and_publications_at_once_keep_one_gapless_order(
    org: Any, hub: Hub
) -> None:
    amy, ben = enrolled(hub, "north-amy"), enrolled(hub, "north-ben")
    lead = enrolled(hub, "north-lead")
    moving = a_case_of(3)
    sync.push(hub, amy, moving)
    case = moving[0].record_id
    shipped = [canonical_json(d) for d in library.shipped()]
    seen: list[int] = []
    done = threading.Event()

    def reader() -> None:
        cursor = 0
        while not done.is_set():
            page = sync.pull(hub, lead, cursor, 50)
            seen.extend(c.seq for c in page.changes if c.kind != p.SCREENING_DEFINITION)
            cursor = page.next_cursor
        page = sync.pull(hub, lead, cursor, p.MAX_PULL_PAGE)
        seen.extend(c.seq for c in page.changes if c.kind != p.SCREENING_DEFINITION)

    def write(index: int) -> None:
        who = (amy, ben)[index % 2]
        for _ in range(4):
            results = sync.push(hub, who, a_case_of(10)).results
            assert {r.status for r in results} == {"applied"}
        if index == 0:
            for worker in ("north-ben", "north-amy", "north-ben"):
                hub.allocate(case, worker, lead)
        if index == 1:
            for content in shipped:
                hub.publish_definition(content)

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        all_at_once(4, write)
    finally:
        done.set()
        watcher.join()

    with hub.unit() as session:
        numbered = session.scalars(select(ChangeLog.seq).order_by(ChangeLog.seq)).all()
        records = session.execute(select(HubRecord.seq, HubRecord.young_person_id)).all()
    assert len(numbered) == len(set(numbered))
    in_scope = {seq for seq, _ in records}
    assert len(in_scope) == len(records) == 3 + 4 * 4 * 10  # every record its own sequence
    assert in_scope <= set(numbered)
    assert in_scope <= set(seen), "a pull skipped a change"
    assert len(seen) == len(set(seen)), "a pull served a change twice"

    # A change the database numbers itself (its column's default) comes after all of them.
    with hub.unit() as session:
        session.add(
            ChangeLog(kind="meeting", record_id=str(uuid.uuid4()), op="create", at=utcnow())
        )
        session.flush()
        newest = session.scalar(select(func.max(ChangeLog.seq)))
    assert (newest or 0) > max(numbered)
    assert hub.verify_audit().ok
