"""What this laptop holds, read for sync's check: per kind, the count and sum of hashes of the
records the hub has in this device's scope (decision 0009), and the cases it holds that the hub
no longer shares with it.

The hub says which young people's cases are in scope. Every record of a case names its young
person through a foreign key (checked when each transaction commits), so every case on this
laptop is a young person here: a record is in scope unless its case is one of this laptop's
young people that the hub did not list. Those are found first (few, mostly none); the sums
then leave out their records, or, when there are none, need not look at cases at all. (Testing
each record's case against the hub's list of hundreds cost four times the sums themselves.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Null, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from hubdesk.models import CASE_PARENTS, RECORD_KINDS
from hubdesk.services.ownership import owned_records
from hubdesk.store.driver import driver_cursor
from hubdesk.sync import protocol as p


@dataclass(frozen=True)
class Outside:
    """This laptop's young people whose cases the hub did not list, and of those, the ones
    the hub has (moved to someone else; the others were made here and not sent yet)."""

    young_people: list[str]
    synced: list[str]


def outside(session: Session, young_people: set[str]) -> Outside:
    """The young people here that are not in ``young_people`` (the hub's list)."""
    people = {"people": json.dumps(sorted(young_people))}
    with driver_cursor(session.connection()) as cursor:
        rows = cursor.execute(_OUTSIDE_SQL, people).fetchall()
    return Outside([pid for pid, _ in rows], [pid for pid, synced in rows if synced])


#: This laptop's young people not in the JSON list ``:people``, each with whether the hub has it.
_OUTSIDE_SQL = (
    "SELECT id, server_seq IS NOT NULL FROM young_person "
    "WHERE id NOT IN (SELECT value FROM json_each(:people))"
)


def kind_summaries(
    session: Session, kinds: list[str], left_out: Outside
) -> dict[str, p.KindSummary]:
    """Per kind, the count and digest of the live records the hub has, leaving out the cases
    of ``left_out`` (``outside``): one statement for every kind, through the driver's cursor."""
    with driver_cursor(session.connection()) as cursor:
        if left_out.young_people:
            found = cursor.execute(
                _sums_sql(True), {"outside": json.dumps(left_out.young_people)}
            ).fetchall()
        else:
            found = cursor.execute(_sums_sql(False)).fetchall()
    sums = {kind: (count, total) for kind, count, total in found}
    return {
        kind: p.KindSummary(count=sums[kind][0], digest=p.digest_of_sum(sums[kind][1]))
        for kind in kinds
    }


def moved_away(session: Session, left_out: Outside) -> dict[str, int]:
    """The cases the hub has but no longer shares with this device (moved to another worker
    or team): young person id → how many records the case holds here."""
    return {
        pid: sum(len(records) for records in owned_records(session, pid).values())
        for pid in left_out.synced
    }


@cache
def _sums_sql(leaving_out: bool) -> str:
    """For every kind, the count of the live records the hub has and the sum of their hashes,
    in the vault's SQL; ``leaving_out``: not those whose case is in the JSON list
    ``:outside``. Each kind is read from its sync index, which holds the hash (and through it
    its parents' indexes for the case of a record that belongs to one through another): no
    record is read out, and the database does the adding up."""
    outside_ids: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam("outside", type_=String))
    )
    parts = []
    for kind in RECORD_KINDS:
        table, whose, joined = with_case(kind)
        query: Select[*tuple[Any, ...]] = select(
            literal_column(f"'{kind}'"), func.count(), func.sum(table.c.sync_hash)
        ).select_from(joined)
        live = table.c.deleted_at.is_(None)  # the check counts live records (see KindSummary)
        query = in_sync(table, query).where(live)
        if leaving_out and not isinstance(whose, Null):  # a context is its team's: in scope
            # ``+case``: the case's own index is not used for this (SQLite would read the
            # records through it); the sync index is read whole, as for the other kinds.
            case_of = UnaryExpression(whose, operator=custom_op("+"), type_=String)
            query = query.where(or_(case_of.is_(None), case_of.not_in(outside_ids)))
        parts.append(query)
    return str(union_all(*parts).compile(dialect=sqlite_dialect(paramstyle="named")))


def in_sync(table: Table, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """``query`` narrowed to the records the hub has (those the sync index holds)."""
    return query.where(table.c.server_seq.is_not(None))


def with_case(kind: str) -> tuple[Table, ColumnElement[Any], FromClause]:
    """A kind's table, whose case each record is in, and the join that says so."""
    table = _table(kind)
    whose, joined = _case_column(kind, table, table)
    return table, whose, joined


def _case_column(
    kind: str, table: FromClause, joined: FromClause
) -> tuple[ColumnElement[Any], FromClause]:
    """Whose case a record of ``kind`` (in ``table``) belongs to, as a column of ``joined``
    (outer-joined to its parents as needed): the young person's id, or NULL for what belongs
    to a team. The same answer as ``store.outbox.young_person_of``, for every record at once."""
    if kind == "young_person":
        return table.c.id, joined
    if kind in CASE_PARENTS:
        link, parent_kind = CASE_PARENTS[kind]
        parent = _table(parent_kind).alias(f"{parent_kind}_of_{kind}")
        joined = joined.outerjoin(parent, parent.c.id == table.c[link])
        return _case_column(parent_kind, parent, joined)
    if "young_person_id" in table.c:
        return table.c.young_person_id, joined
    return null(), joined  # a context: its team's


def _table(kind: str) -> Table:
    return cast(Table, RECORD_KINDS[kind].__table__)
