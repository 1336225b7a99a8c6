"""What a push reads before it applies anything: the mutations already applied, looked up
by id. A replayed id is answered with its first result wherever in the batch it is, and
whichever earlier push it came in; an id reused by another device is refused. On
PostgreSQL each id is looked up in the primary key, never by reading the whole table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from hubdesk.server import sync
from hubdesk.server.hub import Hub
from hubdesk.sync import protocol as p
from tests.server.test_sync_batches import a_case_of
from tests.server.test_workers import enrolled


def test_replayed_ids_among_new_ones_get_their_first_results(org: Any, hub: Hub) -> None:
    amy, ben = enrolled(hub, "north-amy"), enrolled(hub, "north-ben")
    earlier = [a_case_of(20), a_case_of(30)]
    first = [sync.push(hub, amy, batch).results for batch in earlier]
    fresh = a_case_of(25)
    mixed = [*fresh[:1], *earlier[1][5:], *fresh[1:10], *earlier[0], *fresh[10:]]
    answered = {r.mutation_id: r for r in sync.push(hub, amy, mixed).results}
    for batch, results in zip(earlier, first, strict=True):
        for mutation, result in zip(batch, results, strict=True):
            if mutation in mixed:
                again = answered[mutation.mutation_id]
                assert (again.status, again.seq) == ("duplicate", result.seq)
    assert {answered[m.mutation_id].status for m in fresh} == {"applied"}
    # The same ids from another device are refused, never answered with amy's results.
    reused = sync.push(hub, ben, earlier[0][1:]).results
    assert {r.status for r in reused} == {"rejected"}


def test_postgresql_looks_up_each_id_in_the_primary_key(org: Any, hub: Hub) -> None:
    if hub.db.is_sqlite:
        return  # (SQLite looks the list up in the primary key of itself)
    amy = enrolled(hub, "north-amy")
    for _ in range(4):
        sync.push(hub, amy, a_case_of(p.MAX_PUSH_BATCH))
    applied, _records, _allocations = sync._load_queries("postgresql")
    keys = sync._listed("postgresql", (str(uuid.uuid4()) for _ in range(p.MAX_PUSH_BATCH)))
    with hub.db.engine.connect() as conn:
        conn.execute(text("ANALYZE applied_mutation"))
        compiled = applied.compile(dialect=conn.dialect)
        plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", {"keys": keys}).scalars().all()
    assert not any("Seq Scan on applied_mutation" in line for line in plan), plan
    assert any("pk_applied_mutation" in line for line in plan), plan


def test_postgresql_reads_each_list_once_never_once_for_each_row(org: Any, hub: Hub) -> None:
    """The lists a push reads by go as the text of an array with no type of its own, which
    PostgreSQL reads once, into a constant. Sent as text and cast to an array, the cast was
    worked out again for each row a plan filtered: a push of 500 took seconds on a hub of
    10,000 records (seen once, and caught here by the cast left in the plan)."""
    if hub.db.is_sqlite:
        return  # (SQLite is given the lists as they are)
    amy = enrolled(hub, "north-amy")
    for _ in range(4):
        sync.push(hub, amy, a_case_of(p.MAX_PUSH_BATCH))
    ids = sync._listed("postgresql", (str(uuid.uuid4()) for _ in range(p.MAX_PUSH_BATCH)))
    kinds = sync._listed("postgresql", ["contact_note", "young_person"])
    asked = {"keys": ids, "kinds": kinds, "ids": ids, "people": ids}
    with hub.db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        for query in sync._load_queries("postgresql"):
            compiled = query.compile(dialect=conn.dialect)
            given = {name: asked[name] for name in compiled.params}
            explain = f"EXPLAIN (VERBOSE) {compiled}"
            plan = "\n".join(conn.exec_driver_sql(explain, given).scalars())
            assert "cstring" not in plan, plan  # never text cast to an array in the plan


def test_a_listed_value_reads_back_exactly_whatever_it_holds(hub: Hub) -> None:
    """Each value is quoted: a comma, a quote, a backslash, a brace, a space, an empty
    value or the word NULL is read back as it was (the hub's ids never hold them, but the
    list must not depend on that)."""
    values = ["b", 'a"x', "c\\d", "x,y", "{z}", " s ", "", "NULL", "null"]
    listed = sync._listed(hub.db.engine.dialect.name, values)
    if hub.db.is_sqlite:
        assert listed == sorted(values)
        return
    with hub.db.engine.connect() as conn:
        read = conn.exec_driver_sql("SELECT CAST(%(v)s AS VARCHAR[])", {"v": listed}).scalar()
    assert read == sorted(values)
