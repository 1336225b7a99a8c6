"""The running totals the summary reads (``hub_case_total`` and ``hub_team_total``, kept by
triggers on ``hub_record``) always add up to what a scan of the records in a device's scope
adds up, the summary's old aggregate kept here as the oracle: after every way the hub writes
records (pushes of every kind of change, by INSERT and by COPY; a case moved to another
worker; a purge; writes through the ORM; any statement on the table), for a practitioner, a
team lead and a hub admin; under mixed writes at random; with two writers at once on
PostgreSQL; and migration 0009 adds up the records already on a hub. The summary reads the
totals, never the records, and a pull's check finds a change after its cursor the way its
page was read: after a cursor, from the records after it alone; from 0, the scope's
indexes."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from alembic import command as alembic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Connection,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    union_all,
    update,
)

from hubdesk.server import sync
from hubdesk.server.db import COPY_FROM, Database, alembic_config
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import (
    TOTAL_EVENTS,
    HubCaseTotal,
    HubRecord,
    HubTeamTotal,
    Role,
    utcnow,
)
from hubdesk.sync import protocol as p
from tests.server.conftest import PASSWORD, Org, new_mutation, put
from tests.server.test_epoch_and_purge import record_then_delete
from tests.server.test_record_hash import meeting_by_hand, plan_for, pushed, pushed_by_lead
from tests.server.test_workers import enrolled

#: Per kind: how many live records and the sum of their hashes.
Sums = dict[str, tuple[int, int]]


# The oracle -----------------------------------------------------------------------------


def scanned(hub: Hub, who: Principal) -> Sums:
    """The summary's totals as the hub added them up before it kept running totals: the
    records in the asker's scope (``sync._in_scope``, the scope a pull serves), scanned and
    added up by kind."""
    shape = sync._Shape.of(who)
    columns = [HubRecord.kind, HubRecord.deleted, HubRecord.sync_hash]
    parts = sync._in_scope(shape, columns)
    scope = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    live = scope.c.deleted.is_(False)
    query = (
        select(scope.c.kind, func.count(), func.sum(scope.c.sync_hash))
        .where(live)
        .group_by(scope.c.kind)
    )
    with hub.db.unit(read_only=True) as session:
        rows = session.connection().execute(query, sync._asker(who)).all()
    return {kind: (count, int(total)) for kind, count, total in rows}


def kept(hub: Hub, who: Principal) -> Sums:
    """The totals the summary reads now (kinds at (0, 0) left out: a kind's row may stay at
    0 once its records are gone)."""
    with hub.db.unit(read_only=True) as session:
        kinds = sync._scope_totals(session, who).kinds
    return {kind: (t.count, t.total) for kind, t in kinds.items() if (t.count, t.total) != (0, 0)}


def table_totals(conn: Connection) -> set[tuple[Any, ...]]:
    """Every row of both totals tables (but those at 0), keyed by part."""
    rows: set[tuple[Any, ...]] = set()
    for part, table, key in (
        ("case", HubCaseTotal, HubCaseTotal.young_person_id),
        ("team", HubTeamTotal, HubTeamTotal.team_id),
    ):
        found = conn.execute(select(key, table.kind, table.live, table.total))
        rows |= {(part, *row) for row in found if tuple(row[2:]) != (0, 0)}
    return rows


def table_scanned(conn: Connection) -> set[tuple[Any, ...]]:
    """What both tables should hold, scanned from the records: every case's and every
    team's, whether or not anyone reaches them."""
    live = HubRecord.deleted.is_(False)
    parts = (
        ("case", HubRecord.young_person_id, [HubRecord.young_person_id.is_not(None)]),
        ("team", HubRecord.team_id, [HubRecord.young_person_id.is_(None)]),
    )
    rows: set[tuple[Any, ...]] = set()
    for part, key, where in parts:
        in_part = [*where, key.is_not(None), live]
        if part == "case":
            in_part.append(HubRecord.kind != "context")
        query = (
            select(key, HubRecord.kind, func.count(), func.sum(HubRecord.sync_hash))
            .where(*in_part)
            .group_by(key, HubRecord.kind)
        )
        rows |= {(part, k, kind, n, int(total)) for k, kind, n, total in conn.execute(query)}
    return rows


def assert_kept(hub: Hub, askers: list[Principal]) -> None:
    """Each asker's totals are its scan, and every total in the tables is its records'."""
    for who in askers:
        assert kept(hub, who) == scanned(hub, who), who.username
    with hub.db.engine.connect() as conn:
        assert table_totals(conn) == table_scanned(conn)


def everyone(hub: Hub) -> list[Principal]:
    """North's two practitioners and lead, South's practitioner, an admin in North (who may
    be allocated cases) and the hub admin (in no team)."""
    hub.create_user("north-admin", role=Role.ADMIN, password=PASSWORD, team="North")
    names = ("north-amy", "north-ben", "north-lead", "south-cai", "north-admin", "hub-admin")
    return [enrolled(hub, name) for name in names]


def case_of(hub: Hub, who: Principal, notes: int = 2) -> tuple[str, dict[str, int]]:
    """A young person pushed by ``who`` with ``notes`` meetings; (their id, each record's
    sequence by id)."""
    case = str(uuid.uuid4())
    made = [new_mutation("young_person", case, "create", {"name": "A"})]
    made += [
        new_mutation("meeting", str(uuid.uuid4()), "create", {"n": n}, None, case)
        for n in range(notes)
    ]
    results = pushed(hub, who, *made)
    assert {r.status for r in results} == {"applied"}
    return case, {m.record_id: r.seq for m, r in zip(made, results, strict=True) if r.seq}


# Every way the hub writes records --------------------------------------------------------


def test_the_totals_are_the_scope_after_every_way_the_hub_writes_records(
    org: Org, hub: Hub
) -> None:
    askers = everyone(hub)
    amy, ben, lead, cai, admin, _ = askers
    assert_kept(hub, askers)  # nothing yet
    # A push of many creates (by COPY on PostgreSQL), one of a few, another worker's.
    case, seqs = case_of(hub, amy, notes=COPY_FROM + 5)
    other, _ = case_of(hub, ben)
    south, _ = case_of(hub, cai)
    assert_kept(hub, askers)
    # Updates, deletes, a create and delete of one record in one push (a tombstone
    # inserted), an append; then an update based on a tombstone, which restores it.
    meetings = [record for record in seqs if record != case]
    gone, brief = str(uuid.uuid4()), str(uuid.uuid4())
    results = pushed(
        hub,
        amy,
        new_mutation("meeting", meetings[0], "update", {"n": 9}, seqs[meetings[0]], case),
        new_mutation("meeting", meetings[1], "delete", {}, seqs[meetings[1]], case),
        new_mutation("meeting", meetings[2], "delete", {}, seqs[meetings[2]], case),
        new_mutation("meeting", gone, "create", {"n": 0}, None, case),
        new_mutation("addendum", str(uuid.uuid4()), "append", {"text": "Seen."}, None, case),
    )
    assert [r.status for r in results] == ["applied"] * 5
    last = results[-1].seq
    assert last is not None
    made = pushed(
        hub,
        amy,
        new_mutation("meeting", brief, "create", {"n": 0}, None, case),
        new_mutation("meeting", brief, "delete", {}, last + 1, case),
    )
    assert [r.status for r in made] == ["applied"] * 2
    assert_kept(hub, askers)
    [restored] = pushed(
        hub, amy, new_mutation("meeting", meetings[1], "update", {"n": 2}, results[1].seq, case)
    )
    assert restored.status == "applied"
    assert_kept(hub, askers)
    # A team's context and contextual plan; a case's own safety plan (one kind in both parts).
    assert pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
    put(hub, amy, "safety_plan", str(uuid.uuid4()), {"title": "A's"}, young_person_id=case)
    context = str(uuid.uuid4())
    made = pushed(
        hub,
        cai,
        new_mutation("context", context, "create", {"name": "Park"}),
        plan_for(context, str(uuid.uuid4()), {"title": "Park plan"}),
    )
    assert [r.status for r in made] == ["applied"] * 2
    assert_kept(hub, askers)
    assert kept(hub, lead)["safety_plan"][0] == 2

    # A case moved to another worker (its records re-sequenced through the ORM): the scope
    # changes, and the case's totals go with it; then one allocated to the admin.
    held = kept(hub, amy)
    hub.allocate(case, "north-ben", lead)
    assert_kept(hub, askers)
    assert kept(hub, amy) != held
    assert kept(hub, ben)["meeting"][0] > held["meeting"][0]
    hub.allocate(other, "north-admin", None)
    assert_kept(hub, askers)
    assert kept(hub, admin)["young_person"] == scanned(hub, admin)["young_person"]

    # Old tombstones purged (their rows go): nothing live changes.
    record_then_delete(hub, ben, case, days_ago=40)
    before = kept(hub, ben)
    assert hub.purge_tombstones(timedelta(days=30))[0] == 1
    assert kept(hub, ben) == before
    assert_kept(hub, askers)

    # Writes through the ORM: a record made, moved to another case and made a tombstone,
    # re-sequenced, given to a team, and removed.
    made = meeting_by_hand(case, 1_000_000)
    by_hand = made.id
    with hub.unit() as session:
        session.add(made)
    assert_kept(hub, askers)
    for change in (
        {"young_person_id": south},
        {"deleted": True},
        {"deleted": False, "seq": 1_000_001},
        {"young_person_id": None, "team_id": 1},
    ):
        with hub.unit() as session:
            row = session.get(HubRecord, ("meeting", by_hand))
            assert row is not None
            for column, value in change.items():
                setattr(row, column, value)
        assert_kept(hub, askers)
    with hub.unit() as session:
        session.delete(session.get(HubRecord, ("meeting", by_hand)))
    assert_kept(hub, askers)

    # Statements on many records at once, as a repair by hand might run: a case's records
    # made tombstones, some moved to another kind (a context, in no case's part), then
    # removed (a live record's row, as a restore from an old backup may lose it).
    with hub.unit() as session:
        session.execute(
            update(HubRecord).where(HubRecord.young_person_id == south).values(deleted=True)
        )
        session.execute(
            update(HubRecord)
            .where(HubRecord.young_person_id == other, HubRecord.kind == "meeting")
            .values(kind="context")
        )
    assert_kept(hub, askers)
    with hub.unit() as session:
        session.execute(delete(HubRecord).where(HubRecord.young_person_id == other))
    assert_kept(hub, askers)
    assert "young_person" not in kept(hub, admin)


def test_the_totals_stay_the_scope_under_mixed_writes_at_random(org: Org, hub: Hub) -> None:
    """Pushes of every kind of change by three people, cases moved between workers, purges
    and writes through the ORM, in a random order (seeded), checked after every step."""
    askers = everyone(hub)
    amy, ben, lead, cai = askers[:4]
    rng = random.Random(20261128)
    for who in (amy, ben, cai):
        case_of(hub, who)

    def records() -> list[HubRecord]:
        with hub.db.unit(read_only=True) as session:
            return list(session.scalars(select(HubRecord).order_by(HubRecord.seq)))

    def cases_of(who: Principal) -> list[str]:
        return sorted(sync.summary(hub, who).young_people or [])

    def change(who: Principal) -> None:
        mine = set(cases_of(who))
        record = rng.choice([r for r in records() if r.young_person_id in mine])
        deleting = not record.deleted and record.kind != "young_person" and rng.random() < 0.4
        made = new_mutation(
            record.kind,
            record.id,
            "delete" if deleting else "update",
            {"n": rng.random()},
            record.seq,
            record.young_person_id,
        )
        assert pushed(hub, who, made)[0].status == "applied"

    def add_notes(who: Principal) -> None:
        case = rng.choice(cases_of(who))
        notes = [
            new_mutation("meeting", str(uuid.uuid4()), "create", {"n": n}, None, case)
            for n in range(rng.choice((1, 3, COPY_FROM + 1)))
        ]
        assert {r.status for r in pushed(hub, who, *notes)} == {"applied"}

    def move_a_case() -> None:
        hub.allocate(rng.choice(cases_of(lead)), rng.choice(["north-amy", "north-ben"]), lead)

    def by_hand() -> None:
        with hub.unit() as session:
            record = rng.choice(records())
            row = session.get(HubRecord, (record.kind, record.id))
            assert row is not None
            row.deleted, row.seq = not row.deleted, row.seq + 100_000

    for _ in range(40):
        worker, roll = rng.choice([amy, ben, cai]), rng.random()
        if roll < 0.35 and cases_of(worker):
            change(worker)
        elif roll < 0.6 and cases_of(worker):
            add_notes(worker)
        elif roll < 0.7:
            case_of(hub, worker, notes=rng.randint(0, 3))
        elif roll < 0.8:
            move_a_case()
        elif roll < 0.88:
            assert (
                pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
            )
        elif roll < 0.94:
            hub.purge_tombstones(timedelta(0))
        else:
            by_hand()
        assert_kept(hub, askers)


# Any statement on the table ---------------------------------------------------------------

_KINDS = ("meeting", "context", "safety_plan")
_row = st.fixed_dictionaries(
    {
        "id": st.sampled_from([f"r{n}" for n in range(6)]),
        "kind": st.sampled_from(_KINDS),
        "young_person_id": st.sampled_from([None, "yp-a", "yp-b"]),
        "team_id": st.sampled_from([None, 1, 2]),
        "deleted": st.booleans(),
        "sync_hash": st.integers(min_value=0, max_value=2**40 - 1),
    }
)
_statement = st.one_of(
    st.tuples(st.just("insert"), st.lists(_row, min_size=1, max_size=4)),
    st.tuples(st.just("update"), _row),
    st.tuples(st.just("update-many"), st.sampled_from(["yp-a", "yp-b"]), _row),
    st.tuples(st.just("delete"), st.sampled_from(_KINDS), st.sampled_from([None, "yp-a"])),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(transactions=st.lists(st.lists(_statement, min_size=1, max_size=5), max_size=4))
def test_the_triggers_keep_the_totals_through_any_statement_on_the_records(
    org: Org, hub: Hub, transactions: list[list[tuple[Any, ...]]]
) -> None:
    """Statements of every sort on ``hub_record`` (rows of many at once, the same case
    several times in one, records moved between cases, parts and kinds, made tombstones and
    back), a few to a transaction: the totals are always their records'."""
    with hub.db.engine.begin() as conn:  # what the example before left
        conn.execute(delete(HubRecord))
        assert table_totals(conn) == set()
        conn.execute(delete(HubCaseTotal))
        conn.execute(delete(HubTeamTotal))
    for statements in transactions:
        with hub.db.engine.begin() as conn:
            for statement in statements:
                _run(conn, statement)
        with hub.db.engine.connect() as conn:
            assert table_totals(conn) == table_scanned(conn)


def test_emptying_the_records_empties_the_totals(org: Org, hub: Hub) -> None:
    """Every record removed at once: on PostgreSQL by TRUNCATE too, which fires no trigger
    for its rows (its own trigger empties the totals); on SQLite a DELETE of every row,
    which its triggers still see row by row."""
    askers = everyone(hub)
    for who in askers[:3]:
        case_of(hub, who)
    assert pushed_by_lead(hub, askers[2], str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
    with hub.db.engine.begin() as conn:
        assert table_totals(conn)
        if hub.db.is_sqlite:
            conn.execute(delete(HubRecord))
        else:
            conn.exec_driver_sql("TRUNCATE hub_record")
    with hub.db.engine.connect() as conn:
        assert table_totals(conn) == table_scanned(conn) == set()
    case_of(hub, askers[0])
    assert_kept(hub, askers)


def _run(conn: Connection, statement: tuple[Any, ...]) -> None:
    what, *args = statement
    seq = conn.scalar(select(func.coalesce(func.max(HubRecord.seq), 0))) + 1
    if what == "insert":
        rows, taken = [], set(conn.scalars(select(HubRecord.id)))
        for n, row in enumerate(args[0]):
            if row["id"] not in taken:
                taken.add(row["id"])
                rows.append(row | {"seq": seq + n, "content": {}, "updated_at": utcnow()})
        if rows:
            conn.execute(insert(HubRecord), rows)
    elif what == "update":
        row = args[0]
        values = {k: v for k, v in row.items() if k != "id"} | {"seq": seq}
        conn.execute(update(HubRecord).where(HubRecord.id == row["id"]).values(values))
    elif what == "update-many":
        case, row = args
        values = {k: row[k] for k in ("deleted", "sync_hash", "team_id")}
        conn.execute(update(HubRecord).where(HubRecord.young_person_id == case).values(values))
    else:
        kind, case = args
        conn.execute(
            delete(HubRecord).where(
                HubRecord.kind == kind, HubRecord.young_person_id.is_not_distinct_from(case)
            )
        )


# Two writers at once ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one writer
def test_a_writer_that_never_took_the_change_log_lock_still_writes_totals_one_at_a_time(
    org: Org, hub: Hub
) -> None:
    """On PostgreSQL every statement's trigger takes the change-log lock before it touches a
    total: a write through the ORM that never took it (no path of the hub's does that) holds
    it from its first record's write, so a push, even into another case (other totals),
    waits for it to commit: one transaction at a time holds totals' rows, and none waits on
    another's (no deadlock). (SQLite lets one transaction write at a time already.)"""
    askers = everyone(hub)
    amy, ben = askers[:2]
    theirs, _ = case_of(hub, ben)
    mine, seqs = case_of(hub, amy)
    written, finish = threading.Event(), threading.Event()

    def unlocked_write() -> None:
        with hub.db.unit() as session:  # not Hub.unit: nothing takes the lock first
            session.add(meeting_by_hand(theirs, 999_999))
            session.flush()
            written.set()
            assert finish.wait(timeout=30)

    writer = threading.Thread(target=unlocked_write)
    writer.start()
    assert written.wait(timeout=30)
    results: list[p.MutationResult] = []
    note = new_mutation("meeting", str(uuid.uuid4()), "create", {}, None, mine)
    pusher = threading.Thread(target=lambda: results.extend(pushed(hub, amy, note)))
    pusher.start()
    try:
        pusher.join(timeout=0.5)
        assert pusher.is_alive()  # waiting for the lock the writer's trigger took
    finally:
        finish.set()
        writer.join(timeout=30)
        pusher.join(timeout=30)
    assert [r.status for r in results] == ["applied"]
    assert kept(hub, amy)["meeting"][0] == len(seqs) - 1 + 1
    assert kept(hub, ben)["meeting"][0] == 2 + 1
    assert_kept(hub, askers)


def test_concurrent_pushes_into_one_case_lose_no_total(org: Org, hub: Hub) -> None:
    askers = everyone(hub)
    amy, lead = askers[0], askers[2]
    case, _ = case_of(hub, amy)
    failures: list[BaseException] = []

    def push_many(who: Principal) -> None:
        try:
            for _ in range(5):
                notes = [
                    new_mutation("meeting", str(uuid.uuid4()), "create", {}, None, case)
                    for _ in range(COPY_FROM + 1)
                ]
                assert {r.status for r in pushed(hub, who, *notes)} == {"applied"}
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=push_many, args=(who,)) for who in (amy, lead)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert kept(hub, amy)["meeting"][0] == 2 + 2 * 5 * (COPY_FROM + 1)
    assert_kept(hub, askers)


# What the summary and a pull's check read --------------------------------------------------


def test_the_summary_reads_the_totals_and_never_the_records(org: Org, hub: Hub) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    case, _ = case_of(hub, amy, notes=3)
    assert pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
    with statements_sent(hub) as sent:
        kinds = sync.summary(hub, lead).kinds
    assert (kinds["meeting"].count, kinds["safety_plan"].count, kinds["context"].count) == (3, 1, 1)
    assert not [s for s, _ in sent if "hub_record" in s]
    [(statement, parameters)] = [(s, a) for s, a in sent if "hub_case_total" in s]
    if hub.db.is_sqlite:
        reads = sqlite_plan(hub, statement, parameters)
        assert any(
            "SEARCH hub_case_total USING PRIMARY KEY (young_person_id=?)" in r for r in reads
        )
        assert any("SEARCH hub_team_total USING PRIMARY KEY (team_id=?)" in r for r in reads)
    assert case in (sync.summary(hub, lead).young_people or [])


def test_a_pulls_check_after_a_cursor_reads_the_records_after_it_alone(org: Org, hub: Hub) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    _case, seqs = case_of(hub, amy, notes=30)
    assert pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
    with statements_sent(hub) as sent:
        page = sync.pull(hub, lead, min(seqs.values()), 500, check=True)
    assert page.summary is not None
    assert not page.has_more
    [(statement, parameters)] = [(s, a) for s, a in sent if "hub_case_total" in s]
    if hub.db.is_sqlite:
        reads = [r for r in sqlite_plan(hub, statement, parameters) if "hub_record" in r]
        assert reads == ["SEARCH hub_record USING INDEX ix_hub_record_seq (seq>?)"]
        return
    with hub.db.engine.begin() as conn:  # (PostgreSQL, with statistics, as a hub in use has)
        conn.exec_driver_sql("ANALYZE hub_record")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        [[found]] = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).all()
    reads = [node for node in nodes(found[0]["Plan"]) if node.get("Relation Name") == "hub_record"]
    assert [(node["Node Type"], node["Index Name"]) for node in reads] == [
        ("Index Scan", "ix_hub_record_seq")
    ], found


def test_a_pulls_check_from_zero_reads_the_scopes_indexes_as_its_page_did(
    org: Org, hub: Hub
) -> None:
    """(SQLite; PostgreSQL chooses by its statistics, as for the page.) A device with
    nothing yet, or with nothing in scope, asks from 0 at every sync: its check reads its
    scope's indexes, never every record on the hub after its cursor."""
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    case_of(hub, amy, notes=3)
    with statements_sent(hub) as sent:
        page = sync.pull(hub, lead, 0, 500, check=True)
    assert page.summary is not None
    [(statement, parameters)] = [(s, a) for s, a in sent if "hub_case_total" in s]
    if hub.db.is_sqlite:
        reads = [r for r in sqlite_plan(hub, statement, parameters) if "hub_record" in r]
        assert reads == [
            "SEARCH hub_record USING COVERING INDEX ix_hub_record_case_scope (young_person_id=?)",
            "SEARCH hub_record USING COVERING INDEX ix_hub_record_team_scope "
            "(team_id=? AND young_person_id=?)",
        ]


@pytest.mark.parametrize("from_zero", [False, True], ids=["after-a-cursor", "from-zero"])
def test_the_check_says_whether_anything_in_scope_changed_after_the_cursor(
    org: Org, hub: Hub, from_zero: bool
) -> None:
    """Any record in scope after the cursor, tombstones too, and nothing else: not a record
    out of scope, nor one at the cursor; said for a scope with no totals at all too; looked
    for as the page after a cursor or from 0 was (each its own way: the answer is one)."""
    amy, ben = enrolled(hub, "north-amy"), enrolled(hub, "north-ben")
    nobody = enrolled(hub, "south-cai")

    def newer(who: Principal, after: int) -> bool:
        with hub.db.unit(read_only=True) as session:
            return sync._scope_totals(session, who, after=after, from_zero=from_zero).newer

    case, seqs = case_of(hub, amy)
    top = max(seqs.values())
    assert newer(amy, top - 1)
    assert not newer(amy, top)
    assert not newer(nobody, 0)  # a scope with nothing in it
    case_of(hub, ben)  # out of Amy's scope
    assert not newer(amy, top)
    assert newer(ben, top)
    meeting = next(record for record in seqs if record != case)
    [gone] = pushed(hub, amy, new_mutation("meeting", meeting, "delete", {}, seqs[meeting], case))
    assert gone.seq is not None
    assert newer(amy, top)  # a tombstone after the cursor
    assert not newer(amy, gone.seq)
    context = str(uuid.uuid4())
    lead = enrolled(hub, "north-lead")
    assert pushed_by_lead(hub, lead, context, str(uuid.uuid4())) == ["applied"] * 2
    assert newer(amy, gone.seq)  # her team's context and plan
    assert kept(hub, amy)["meeting"] == scanned(hub, amy)["meeting"]


@contextmanager
def statements_sent(hub: Hub) -> Iterator[list[tuple[str, Any]]]:
    """Within it, every statement the hub's engine sends, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """A PostgreSQL plan's node and every node under it."""
    return [plan, *(node for child in plan.get("Plans", []) for node in nodes(child))]


def sqlite_plan(hub: Hub, statement: str, parameters: Any) -> list[str]:
    with hub.db.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return [step for *_, step in plan]


# The migration -------------------------------------------------------------------------------


def test_the_migration_adds_up_the_records_already_on_the_hub(database_url: str) -> None:
    """Records of cases and of teams, live and deleted, and some in no part (a context given
    a young person, a record with neither): the totals made are their scan, the triggers
    then keep them, and the downgrade leaves the records writable without them."""
    db = Database(database_url)
    old = [
        {
            "kind": ("meeting", "context", "safety_plan")[n % 3],
            "id": str(uuid.uuid4()),
            "young_person_id": (f"case-{n % 5}", None, None, "case-1")[n % 4],
            "team_id": (None, 1, 2, None)[n % 4] if n % 7 else None,
            "seq": n + 1,
            "content": {"n": n},
            "deleted": n % 5 == 0,
            "updated_at": utcnow(),
            "sync_hash": p.record_hash(f"{n}", n + 1),
        }
        for n in range(300)
    ]
    try:
        with db.engine.begin() as conn:
            upgrade_to(conn, "0008")
            for team in (1, 2):
                conn.execute(
                    text("INSERT INTO team (id, name, created_at) VALUES (:id, :name, :at)"),
                    {"id": team, "name": f"Team {team}", "at": utcnow()},
                )
            conn.execute(insert(HubRecord), old)
            upgrade_to(conn, "0009")
        with db.engine.begin() as conn:
            assert table_totals(conn) == table_scanned(conn)
            assert len(table_totals(conn)) > 10
            assert triggers_of(conn) == totals_triggers_of(conn.dialect.name)
            conn.execute(update(HubRecord).where(HubRecord.seq < 100).values(deleted=False))
            conn.execute(delete(HubRecord).where(HubRecord.seq > 250))
        with db.engine.begin() as conn:
            assert table_totals(conn) == table_scanned(conn)
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            alembic.downgrade(cfg, "0008")
        with db.engine.begin() as conn:
            assert not {"hub_case_total", "hub_team_total"} & set(inspect(conn).get_table_names())
            assert triggers_of(conn) == set()
            conn.execute(insert(HubRecord), [old[0] | {"id": "after", "seq": 1000}])
            conn.execute(update(HubRecord).values(deleted=True))
            conn.execute(delete(HubRecord))
    finally:
        db.dispose()


def upgrade_to(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    alembic.upgrade(cfg, revision)


def triggers_of(conn: Connection) -> set[str]:
    """The names of the triggers on ``hub_record``."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'hub_record'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid = 'hub_record'::regclass"
        )
    return set(conn.exec_driver_sql(query).scalars())


def totals_triggers_of(dialect: str) -> set[str]:
    """The names of the triggers that keep the totals."""
    return {f"hub_record_totals_{event}" for event in TOTAL_EVENTS[dialect]}


def test_the_models_make_the_triggers_as_the_migrations_do(hub: Hub) -> None:
    """(The hub of these tests is made from the models, not the migrations: test_schema.py
    checks the migrations make the same triggers.)"""
    with hub.db.engine.connect() as conn:
        assert triggers_of(conn) == totals_triggers_of(conn.dialect.name)
