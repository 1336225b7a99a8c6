"""Units run in psycopg's pipeline mode on PostgreSQL (``db.pipelined``): their writes are sent
without waiting for each, reads still answer at once and see the writes before them, an error
in a queued write fails the unit as any database error does (nothing of it is kept), and rows
that would go by COPY are inserted instead. Reads sent together (``db.read_at_once``) answer
as SQLAlchemy's would, in one wait. On SQLite nothing changes."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, String, bindparam, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hubdesk.server import sync
from hubdesk.server.db import _QUEUED as QUEUED
from hubdesk.server.db import COPY_FROM, Read, insert_rows, read_at_once
from hubdesk.server.hub import ORGANISATION_STATE, Hub
from hubdesk.server.tables import ServerBase, Team
from tests.server.conftest import Org, new_mutation, put
from tests.server.test_pool_ping import admin, cut
from tests.server.test_workers import CASE, enrolled

__all__ = ["admin"]  # a fixture

TEAMS = ServerBase.metadata.tables[Team.__tablename__]


def team_count(hub: Hub) -> int:
    with hub.db.unit() as session:
        return session.scalar(select(func.count()).select_from(Team)) or 0


def test_a_read_sees_the_queued_writes_before_it_and_answers_its_rows(org: Org, hub: Hub) -> None:
    with hub.unit(pipelined=True) as session:
        session.add(Team(name="East"))
        session.flush()  # an INSERT, queued on PostgreSQL
        names = session.scalars(select(Team.name).order_by(Team.name)).all()
    assert names == ["East", "North", "South"]


@pytest.mark.parametrize("read_after", [False, True], ids=["found-at-the-end", "found-by-a-read"])
def test_a_queued_write_that_fails_fails_the_unit_and_nothing_of_it_is_kept(
    org: Org, hub: Hub, read_after: bool
) -> None:
    def east_twice() -> None:
        with hub.unit(pipelined=True) as session:
            insert_rows(session, TEAMS, [{"name": "East", "created_at": hub.clock()}])
            # The same name again: refused by the unique index, found by the next read or
            # as the unit ends.
            insert_rows(session, TEAMS, [{"name": "East", "created_at": hub.clock()}])
            if read_after:
                session.scalars(select(Team.name)).all()

    before = team_count(hub)
    with pytest.raises(DBAPIError):
        east_twice()
    assert team_count(hub) == before


def test_an_orm_update_in_a_pipeline_is_answered_with_its_row_count(org: Org, hub: Hub) -> None:
    """Only statements marked ``queued`` wait; an ORM flush checks each UPDATE's row count."""
    with hub.unit(pipelined=True) as session:
        team = session.scalars(select(Team).where(Team.name == "North")).one()
        team.name = "North West"
        session.flush()
    assert "North West" in _team_names(hub)


def _team_names(hub: Hub) -> list[str]:
    with hub.db.unit() as session:
        return list(session.scalars(select(Team.name)))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("read_after", [False, True], ids=["found-at-the-end", "found-by-a-read"])
def test_a_connection_lost_in_a_pipelined_unit_fails_it_as_a_database_error(
    org: Org, hub: Hub, admin: Connection, read_after: bool
) -> None:
    def cut_midway() -> None:
        with hub.unit(pipelined=True) as session:
            cut(admin, session.scalar(select(func.pg_backend_pid())))
            insert_rows(session, TEAMS, [{"name": "East", "created_at": hub.clock()}])
            if read_after:
                session.scalars(select(Team.name)).all()

    with pytest.raises(DBAPIError):
        cut_midway()
    assert team_count(hub) == 2  # the pool gives a new connection; nothing of the unit kept


def test_rows_that_would_be_copied_are_inserted_in_a_pipeline(org: Org, hub: Hub) -> None:
    before = team_count(hub)
    rows = [{"name": f"Team {n}", "created_at": hub.clock()} for n in range(COPY_FROM + 5)]
    with hub.unit(pipelined=True) as session:
        insert_rows(session, TEAMS, rows)
    assert team_count(hub) == before + len(rows)


@pytest.fixture
def waits(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each statement the hub's engine runs ("write": one marked ``queued``, whose answer is
    never read: an INSERT, UPDATE or DELETE, the block that takes the change-log lock, the
    move of the change sequence; else "read"), and "wait" each time a pipeline is made to
    answer."""
    seen: list[str] = []
    real = psycopg.Pipeline.sync

    def counted(self: psycopg.Pipeline) -> None:
        seen.append("wait")
        real(self)

    monkeypatch.setattr(psycopg.Pipeline, "sync", counted)

    def statement(_conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, *_: Any) -> None:
        seen.append("write" if context.execution_options.get(QUEUED) else "read")

    event.listen(hub.db.engine, "before_cursor_execute", statement)
    yield seen
    event.remove(hub.db.engine, "before_cursor_execute", statement)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # no pipeline on SQLite
def test_a_small_push_waits_for_its_reads_only(org: Org, hub: Hub, waits: list[str]) -> None:
    amy = enrolled(hub, "north-amy")
    seq = put(hub, amy, "young_person", CASE, {"given_name": "Fictional"})
    waits.clear()
    mutations = [new_mutation("young_person", CASE, "update", {"given_name": "Ffion"}, seq)]
    mutations += [
        new_mutation("contact_note", str(uuid.uuid4()), "append", {"n": n}, None, CASE)
        for n in range(3)
    ]
    results = sync.push(hub, amy, mutations).results
    assert {r.status for r in results} == {"applied"}
    assert waits.count("write") >= 5  # records, updates, results, change log, audit
    # The change-log lock is taken first, and answered with the first read.
    assert waits[:3] == ["write", "read", "wait"], waits
    # Each read is answered at once; the writes wait for the next read or the end.
    for before, after in itertools.pairwise(waits):
        if before == "read":
            assert after == "wait", waits
    assert waits.count("wait") <= waits.count("read") + 1, waits


# Reads sent together (db.read_at_once) --------------------------------------------------------


def a_pushed_case(hub: Hub) -> tuple[Any, list[Any]]:
    """A case with notes, pushed by a practitioner: records with content and times, an
    allocation and the pushes' kept results to read back."""
    amy = enrolled(hub, "north-amy")
    batch = [new_mutation("young_person", CASE, "create", {"given_name": "Fictional"})]
    batch += [
        new_mutation(
            "contact_note", str(uuid.uuid4()), "append", {"n": n, "t": "Seen."}, None, CASE
        )
        for n in range(3)
    ]
    assert {r.status for r in sync.push(hub, amy, batch).results} == {"applied"}
    return amy, batch


def the_push_and_pull_reads(session: Session, amy: Any, batch: list[Any]) -> list[Read]:
    """What a push and a pull read, with the parameters they would give."""
    dialect = session.get_bind().dialect.name
    applied, records, allocations = sync._load_queries(dialect)
    page, asked = sync._records_after(session, amy, 0, 500, None)
    listed = partial(sync._listed, dialect)  # the lists as a push gives them
    return [
        (ORGANISATION_STATE, {}),
        (applied, {"keys": listed(str(m.mutation_id) for m in batch)}),
        (
            records,
            {
                "kinds": listed(["contact_note", "young_person"]),
                "ids": listed(m.record_id for m in batch),
            },
        ),
        (allocations, {"people": listed([CASE])}),
        (page, asked),
        (sync._TOOLS_AFTER, {"after": 0, "limit": 501}),
    ]


def test_reads_sent_together_answer_as_sqlalchemy_does(org: Org, hub: Hub) -> None:
    amy, batch = a_pushed_case(hub)
    with hub.unit(pipelined=True) as session:
        if not hub.db.is_sqlite:  # times come from the driver in the session's zone
            session.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
        reads = the_push_and_pull_reads(session, amy, batch)
        together = read_at_once(session, reads)
        each = [[tuple(row) for row in session.connection().execute(q, a).all()] for q, a in reads]
    assert together == each
    assert [len(rows) for rows in together[1:5]] == [4, 4, 1, 4]
    [record, *_] = together[2]
    assert isinstance(record[5], dict)  # the content, as JSON read back
    assert record[7].tzinfo is not None  # UTCDateTime: aware, in UTC
    assert record[7].utcoffset() == timedelta(0)
    assert isinstance(together[1][0][4], dict)  # a kept result


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # no pipeline on SQLite
def test_reads_sent_together_are_waited_for_once_and_see_the_writes_before_them(
    org: Org, hub: Hub, waits: list[str]
) -> None:
    amy, batch = a_pushed_case(hub)
    with hub.unit(pipelined=True) as session:
        reads = the_push_and_pull_reads(session, amy, batch)
        insert_rows(session, TEAMS, [{"name": "East", "created_at": hub.clock()}])  # queued
        waits.clear()
        teams: Read = (select(Team.name).order_by(Team.name), {})
        *_, named = read_at_once(session, [*reads, teams])
    # None went through SQLAlchemy (each of its reads is waited for on its own), and the
    # pipeline was not made to answer statement by statement.
    assert waits == [], waits
    assert [name for (name,) in named] == ["East", "North", "South"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_read_sent_together_that_fails_fails_the_unit_as_a_database_error(
    org: Org, hub: Hub
) -> None:
    wrong: Read = (select(Team.name).where(Team.id == bindparam("id", type_=String)), {"id": "x"})

    def east_then_a_wrong_read() -> None:
        with hub.unit(pipelined=True) as session:
            insert_rows(session, TEAMS, [{"name": "East", "created_at": hub.clock()}])
            read_at_once(session, [(select(Team.name), {}), wrong])

    before = team_count(hub)
    with pytest.raises(DBAPIError):
        east_then_a_wrong_read()
    assert team_count(hub) == before  # the unit was rolled back
