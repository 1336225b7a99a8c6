"""Sync on the hub: apply a device's pushed mutations, and serve the changes in its scope.

**Push** is one transaction. Each mutation is applied only if the record's current sequence
equals the one the device based it on; otherwise it is a *conflict* and the hub's copy goes
back, so the device keeps both. An update based on a tombstone restores the record (the
device saw the deletion and kept its copy). Every mutation's first result is stored under its
id: a replay (the device never saw the answer) returns that result and changes nothing (a
conflict is answered again with the record as it is then: see ``_replayed``).
A push of many mutations reads what they need in three statements and writes in one
statement per table (``_Batch``), but answers exactly as if each mutation had been pushed on
its own, in order: each sees what the ones before it did.

**Pull** serves records whose last change is after the device's cursor, in sequence order,
in the asker's scope (their allocated young people's records, their team's contexts, served
screening tools), deleted ones as tombstones; optionally of one kind only (a targeted
resync). Sequences are handed out under a lock held to commit (``hub.Changes``), so no
change can commit behind a cursor already served. Tombstones purged by the administrator
(``hub.purge_tombstones``) move the organisation's ``oldest_cursor``: a pull from a cursor
below it is answered 410 ``resync-needed``, and the device fetches everything from 0.

**Summary** counts and digests, per kind, what a pull from 0 would serve (the same two parts
of the scope), so a device can find a difference after its sync and resync that kind. A pull
asked for it carries it on its last page, read in the same unit as that page. The digest is
a sum of the hashes each record keeps beside it (``protocol.scope_digest``), and the database
keeps running totals of them for each case and team (triggers on ``hub_record``, decision
0010): the summary adds up those of the cases and team the device reaches
(``_scope_totals``), never the records.

A pull reads a device's scope from two covering indexes (``_in_scope``), never the records'
content; a page's records are read by key once the page is chosen.

Pull and summary are reads (``Hub.reading``): on SQLite they take no write lock while they
read, and their audit rows are appended after, before anything is answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Select,
    SQLColumnExpression,
    String,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from hubdesk.server import blobs
from hubdesk.server.db import COPY_FROM, Read, insert_rows, queued, read_at_once
from hubdesk.server.hub import (
    ORGANISATION_STATE,
    Changes,
    Hub,
    Principal,
    organisation_state,
    organisation_state_in,
)
from hubdesk.server.problems import Problem
from hubdesk.server.tables import (
    Allocation,
    AppliedMutation,
    HubCaseTotal,
    HubRecord,
    HubTeamTotal,
    Role,
    ServedDefinition,
    ServerBase,
)
from hubdesk.sync import protocol as p
from hubdesk.sync.fields import unfit_field

#: Said for a record that exists outside the asker's scope: the same words whatever it is,
#: so a refusal never tells which team or case holds an id.
NOT_YOURS = "This record cannot be changed from this device."
#: Kinds written once and never changed (a finalised note, an addendum): no conflicts.
APPEND_ONLY = frozenset({"contact_note", "addendum"})
#: A safety plan, its versions and actions: for one young person's case, or for a context.
PLAN_KINDS = frozenset({"safety_plan", "plan_version", "plan_action"})
#: What SQLite's planner is told of the share of records changed after a device's cursor.
SELECTIVE = "0.001"


def push(hub: Hub, who: Principal, mutations: list[p.Mutation]) -> p.PushResponse:
    # Pipelined (PostgreSQL) unless the push is large enough for its rows to go by COPY.
    with hub.unit(pipelined=len(mutations) < COPY_FROM) as session:
        # Before any record is read: two pushes on one base can never both pass the check.
        changes = Changes.of(session)
        epoch, batch = _Batch.load(session, mutations)
        # One time for the whole push, as for one transaction: each change, record, result
        # and audit event it makes carries it (read for each, it was 40,000 clock readings
        # and conversions in a push of 10,000).
        now = hub.clock()
        results = []
        for mutation in mutations:
            key = str(mutation.mutation_id)
            first = batch.applied.get(key)
            if first is not None:
                results.append(_replayed(first, batch, who, mutation))
                continue
            result = _apply(session, batch, changes, who, mutation, now)
            batch.add_applied(key, who, mutation, result, now)
            if result.status == "applied":
                hub.write_audit(
                    session,
                    f"sync-{mutation.op}",
                    who,
                    kind=mutation.kind,
                    record_id=mutation.record_id,
                    at=now,
                )
            results.append(result)
        # The records and the mutations' results now, in a few statements; then, as the
        # transaction ends (Hub.unit), the change log and last the audit events, under one
        # lock of the audit head.
        batch.write(session)
        return p.PushResponse(results=results, epoch=epoch)


@dataclass
class _Record:
    """A record as a push sees it: read from the hub, or made by this push; ``stored``
    once the database holds it, ``changed`` when this push has changed it since."""

    kind: str
    id: str
    young_person_id: str | None
    team_id: int | None
    seq: int
    content: dict[str, Any]
    deleted: bool
    updated_at: datetime | None = None
    stored: bool = True
    changed: bool = False

    def columns(self) -> dict[str, Any]:
        """Its row in ``hub_record``, with the hash of its id and sequence as they are now."""
        values = {column: getattr(self, column) for column in _RECORD_COLUMNS}
        return values | {"sync_hash": p.record_hash(self.id, self.seq)}


_RECORD_COLUMNS = (
    "kind",
    "id",
    "young_person_id",
    "team_id",
    "seq",
    "content",
    "deleted",
    "updated_at",
)


@dataclass(frozen=True)
class _Allocated:
    """An allocation as a push sees it: a plain value, not an ORM object (a push of
    hundreds of records reads hundreds, and making ORM objects of them cost more than
    reading them)."""

    young_person_id: str
    practitioner_id: int
    team_id: int
    allocated_at: datetime


#: How a first result is kept: as JSON, without ``server_copy``. A replayed conflict is
#: answered with the record as it is then (``_replayed``), never with the copy it carried,
#: so the copy would be personal data kept for nothing, for ever, beyond the reach of a
#: deletion (a tombstone keeps no content; hub migration 0010 removed the copies kept before).
_KEPT: dict[str, Any] = {"mode": "json", "exclude": {"server_copy"}}


@dataclass(frozen=True)
class _Applied:
    """A mutation's first result, as ``applied_mutation`` keeps it (``_KEPT``)."""

    device_id: str
    kind: str | None
    record_id: str | None
    result: dict[str, Any]


@dataclass
class _Batch:
    """What a push's mutations need to read, read together (with the organisation's epoch,
    ``load``) under the change-log lock (so nothing changes between this read and the
    push's writes), and kept up to date as the push goes: a record created or changed by
    one mutation, its allocation, and each mutation's first result are seen by the
    mutations after it, as they would be in the database. A key looked up and absent stays
    absent until the push itself adds it. What the push makes is written by :meth:`write`,
    in one statement per table (at the end, or before a check that reads the database
    itself)."""

    applied: dict[str, _Applied]
    records: dict[tuple[str, str], _Record]
    allocations: dict[str, _Allocated]
    new_applied: list[dict[str, Any]] = field(default_factory=list)
    new_allocations: list[_Allocated] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, mutations: Sequence[p.Mutation]) -> tuple[str, _Batch]:
        """The organisation's epoch, and what the mutations need: four reads sent together
        (``db.read_at_once``: in a pipeline, one round trip to the database)."""
        keys = {str(m.mutation_id) for m in mutations}
        wanted = {(m.kind, m.record_id) for m in mutations}
        wanted |= {("context", m.context_id) for m in mutations if m.context_id is not None}
        people = {person for m in mutations if (person := _case_of(m)) is not None}
        dialect = session.get_bind().dialect.name
        applied_query, records_query, allocations_query = _load_queries(dialect)
        asked = {
            "kinds": _listed(dialect, {kind for kind, _ in wanted}),
            "ids": _listed(dialect, {record_id for _, record_id in wanted}),
        }
        org, applied, records, allocations = read_at_once(
            session,
            [
                (ORGANISATION_STATE, {}),
                (applied_query, {"keys": _listed(dialect, keys)}),
                (records_query, asked),
                (allocations_query, {"people": _listed(dialect, people)}),
            ],
        )
        # (Plain rows, in the queries' column order.)
        found = (_Record(*row) for row in records)
        return organisation_state_in(org).epoch, cls(
            applied={key: _Applied(*rest) for key, *rest in applied},
            records={(r.kind, r.id): r for r in found if (r.kind, r.id) in wanted},
            allocations={row[0]: _Allocated(*row) for row in allocations},
        )

    def add_record(self, record: _Record) -> None:
        self.records[(record.kind, record.id)] = record

    def add_allocation(self, allocation: _Allocated) -> None:
        self.allocations[allocation.young_person_id] = allocation
        self.new_allocations.append(allocation)

    def add_applied(
        self, key: str, who: Principal, m: p.Mutation, result: p.MutationResult, at: datetime
    ) -> None:
        """Keep a mutation's first result, without the hub's copy of the record a conflict
        carries (``_KEPT``)."""
        first = _Applied(who.device_id, m.kind, m.record_id, result.model_dump(**_KEPT))
        self.applied[key] = first
        self.new_applied.append(
            {
                "mutation_id": key,
                "device_id": first.device_id,
                "kind": first.kind,
                "record_id": first.record_id,
                "result": first.result,
                "at": at,
            }
        )

    def write(self, session: Session) -> None:
        """Write what this push has made or changed and not yet written."""
        made = [r.columns() for r in self.records.values() if not r.stored]
        changed = [r.columns() for r in self.records.values() if r.stored and r.changed]
        # Plain table statements (no ORM objects: a push may hold hundreds of records).
        insert_rows(session, _RECORDS, made)
        if changed:
            session.execute(_UPDATE_RECORD, [_keyed(row) for row in changed])
        rows = [{c: getattr(a, c) for c in _ALLOCATION_COLUMNS} for a in self.new_allocations]
        insert_rows(session, _ALLOCATIONS, rows)
        insert_rows(session, _APPLIED, self.new_applied)
        for record in self.records.values():
            record.stored, record.changed = True, False
        self.new_allocations, self.new_applied = [], []


@cache
def _load_queries(dialect: str) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """What ``_Batch.load`` reads (built once for each database): the mutations already
    applied (parameter ``keys``); the records (``kinds`` and ``ids``: by kinds and by ids,
    which both databases look up in the primary key, where SQLite scans the whole table for
    a list of (kind, id) pairs; the pairs not asked for are left); the allocations of the
    cases (``people``). (Plain rows: no ORM objects.)

    On PostgreSQL the mutations already applied are looked up one key at a time in the
    primary key (``_applied_by_key``), so the read costs what the push holds, never what the
    table holds (``applied_mutation`` keeps every mutation ever applied)."""
    applied_columns = (
        AppliedMutation.mutation_id,
        AppliedMutation.device_id,
        AppliedMutation.kind,
        AppliedMutation.record_id,
        AppliedMutation.result,
    )
    if dialect == "postgresql":
        applied = _applied_by_key(applied_columns)
    else:
        applied = select(*applied_columns).where(
            _one_of(dialect, AppliedMutation.mutation_id, "keys")
        )
    columns = [getattr(HubRecord, column) for column in _RECORD_COLUMNS]
    records = select(*columns).where(
        _one_of(dialect, HubRecord.kind, "kinds"), _one_of(dialect, HubRecord.id, "ids")
    )
    allocations = select(*(getattr(Allocation, column) for column in _ALLOCATION_COLUMNS)).where(
        _one_of(dialect, Allocation.young_person_id, "people")
    )
    return applied, records, allocations


def _applied_by_key(columns: Sequence[InstrumentedAttribute[Any]]) -> Select[Any]:
    """PostgreSQL: ``columns`` of the mutations applied whose ids are in parameter ``keys``,
    each id looked up in the primary key on its own (a ``LATERAL`` subquery of at most one
    row for each). As ``= ANY(keys)`` the planner reckoned a push's hundreds of keys would
    match a share of the table and read all of it, which took longer the more mutations
    the hub had applied (3.4 ms at 20,000 applied, where 500 ids looked up take 2 ms)."""
    asked = func.unnest(_array_parameter("keys")).table_valued("key").render_derived(name="asked")
    one = (
        select(*columns)
        .where(AppliedMutation.mutation_id == asked.c.key)
        .limit(literal_column("1"))  # a constant: never a parameter of a generic plan
        .lateral("found")
    )
    return select(*one.c).select_from(asked).join(one, true())


def _one_of(dialect: str, column: InstrumentedAttribute[str], name: str) -> ColumnElement[bool]:
    """``column`` is one of the values of parameter ``name`` (``_listed``). On PostgreSQL
    as ``= ANY(array)``, one parameter: ``IN`` with a push's hundreds of values is a
    statement text psycopg parses afresh every time, which took longer than the query
    itself."""
    if dialect == "postgresql":
        return column == any_(_array_parameter(name))
    return column.in_(bindparam(name, expanding=True))


def _array_parameter(name: str) -> ColumnElement[Any]:
    """PostgreSQL: parameter ``name``, the text of an array of texts (``_listed``), as one.
    The parameter has no type of its own (not ``::VARCHAR``): PostgreSQL then takes it as
    an array, read once, where text cast to an array is worked out again for each row a
    plan filters (a push's 500 ids, for each of thousands of records, took seconds)."""
    return cast(bindparam(name), ARRAY(String))


def _listed(dialect: str, values: Iterable[str]) -> list[str] | str:
    """The value of a parameter of ``_one_of`` or ``_applied_by_key``: the values, sorted;
    on PostgreSQL as the text of an array, each value quoted. (As a list, psycopg wrote
    the array itself, in Python, with a pattern searched in each value: for a push's
    thousands of ids and keys, about a fifteenth of the hub's work on it.)"""
    ordered = sorted(values)
    if dialect != "postgresql":
        return ordered
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in ordered)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


_ALLOCATION_COLUMNS = ("young_person_id", "practitioner_id", "team_id", "allocated_at")
_RECORDS = ServerBase.metadata.tables[HubRecord.__tablename__]
_ALLOCATIONS = ServerBase.metadata.tables[Allocation.__tablename__]
_APPLIED = ServerBase.metadata.tables[AppliedMutation.__tablename__]
#: What a push changes in a record it holds (whose case or team it is never changes); its
#: hash changes with its sequence.
_CHANGING = ("seq", "content", "deleted", "updated_at", "sync_hash")
#: A record changed by a push, by its primary key (kind, id). Every column is a named
#: parameter, so a row given without its new hash is refused, never written with the old one.
_UPDATE_RECORD = queued(
    update(_RECORDS)
    .where(_RECORDS.c.kind == bindparam("key_kind"), _RECORDS.c.id == bindparam("key_id"))
    .values({column: bindparam(column) for column in _CHANGING})
)


def _keyed(row: dict[str, Any]) -> dict[str, Any]:
    """The parameters of ``_UPDATE_RECORD`` (only these: a column named in them would be
    set too)."""
    return {"key_kind": row["kind"], "key_id": row["id"]} | {c: row[c] for c in _CHANGING}


def _replayed(first: _Applied, batch: _Batch, who: Principal, m: p.Mutation) -> p.MutationResult:
    """A mutation id seen before: its first result when the same device sends the same
    change again (it never saw the answer); refused when the id is reused for anything else.

    A conflict is answered again with the hub's record as it is now, not as it was: a
    laptop that could not take the first copy (one its version cannot write) sends the
    same change until it can, and once the hub's IT team have corrected the record the
    laptop must be given the corrected copy, not the first one for ever. The first copy is
    not kept (``_KEPT``): only the record as it is is served, and only while the device may
    still see it; a record no longer on the hub at all (its tombstone purged) refuses the
    change. Nothing changes on the hub either way."""
    if (first.device_id, first.kind, first.record_id) != (who.device_id, m.kind, m.record_id):
        return _rejected(m, "This change id was already used for another change.")
    result = p.MutationResult.model_validate(first.result)
    if result.status == "applied":
        return result.model_copy(update={"status": "duplicate"})
    if result.status != "conflict":
        return result  # a rejection is answered the same way again
    row = batch.records.get((m.kind, m.record_id))
    if refusal := _out_of_scope(batch, who, m, row):
        return _rejected(m, refusal)
    if row is None:
        return _rejected(m, "This record was removed from the hub.")
    return _conflict(m, row)


def _rejected(m: p.Mutation, reason: str) -> p.MutationResult:
    return p.MutationResult(mutation_id=m.mutation_id, status="rejected", reason=reason)


def _conflict(m: p.Mutation, row: _Record) -> p.MutationResult:
    """The hub's record, as it is now, against which ``m`` could not apply, and why."""
    if m.op in ("create", "append"):
        reason = "A record with this id is already on the hub with other content."
    elif row.deleted:
        reason = "This record was deleted on the hub while it was being changed."
    else:
        reason = "This record was changed on the hub since this device last had it."
    return p.MutationResult(
        mutation_id=m.mutation_id,
        status="conflict",
        seq=row.seq,
        server_copy={"deleted": row.deleted, "content": row.content},
        reason=reason,
    )


def _apply(
    session: Session,
    batch: _Batch,
    changes: Changes,
    who: Principal,
    m: p.Mutation,
    now: datetime,
) -> p.MutationResult:
    row = batch.records.get((m.kind, m.record_id))
    refusal = _out_of_scope(batch, who, m, row)
    if not refusal and m.kind == "attachment":  # its file must be on the hub, and the pusher's
        batch.write(session)  # the check reads the records: this push's so far included
        held = session.get(HubRecord, (m.kind, m.record_id)) if row is not None else None
        refusal = blobs.attachment_refusal(session, who, m, held)
    if not refusal and m.op != "delete" and (unfit := unfit_field(m.kind, m.content)):
        refusal = (
            f"The hub cannot take this record's {unfit.replace('_', ' ')}: it holds a value "
            "the hub does not know, or none where one is needed. Ask the hub's IT team "
            "whether the hub needs updating."
        )
    if refusal:
        return _rejected(m, refusal)

    if m.op in ("create", "append"):
        if row is not None:
            if row.content == m.content and not row.deleted:
                return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=row.seq)
            return _conflict(m, row)
    elif row is None:
        return _rejected(m, "There is no such record on the hub to change.")
    elif m.kind in APPEND_ONLY:  # neither changed nor removed once on the hub
        return _rejected(m, "A finalised record is never changed; add an addendum instead.")
    elif row.deleted and m.op == "delete":
        return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=row.seq)
    elif row.deleted and row.seq != m.base_seq:
        # (An update based on the tombstone itself goes on and restores the record: the
        # device saw the deletion and chose to keep its copy.)
        return _conflict(m, row)
    elif row.seq != m.base_seq:
        return _conflict(m, row)

    seq = changes.take(m.kind, m.record_id, m.op, now)
    if row is None:
        row = _Record(
            kind=m.kind,
            id=m.record_id,
            young_person_id=_case_of(m),
            team_id=who.team_id if _team_owned(m) else None,
            seq=seq,
            content={},
            deleted=False,
            stored=False,
        )
        batch.add_record(row)
        if m.kind == "young_person":
            assert who.team_id is not None  # _out_of_scope lets only a team's member make one
            batch.add_allocation(
                _Allocated(
                    young_person_id=m.record_id,
                    practitioner_id=who.user_id,
                    team_id=who.team_id,
                    allocated_at=now,
                )
            )
    row.seq, row.updated_at, row.changed = seq, now, True
    if m.op == "delete":
        row.deleted, row.content = True, {}  # a tombstone keeps no personal data
    else:
        row.deleted, row.content = False, dict(m.content)
    return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=seq)


def _out_of_scope(batch: _Batch, who: Principal, m: p.Mutation, row: _Record | None) -> str | None:
    """Why this device may not write this record (None when it may)."""
    if m.kind == "context":
        if m.young_person_id is not None:
            return "A context belongs to a team, not to one young person's case."
        if who.team_id is None:
            return "Contexts belong to a team, and this account is in none."
        if row is not None and row.team_id != who.team_id:
            return NOT_YOURS
        return None
    if _contextual(m):
        return _out_of_team(batch, who, m, row)
    young_person_id = _case_of(m)
    if young_person_id is None:
        return "This record does not say whose case it belongs to."
    if row is not None and row.young_person_id != young_person_id:
        return NOT_YOURS
    allocation = batch.allocations.get(young_person_id)
    if allocation is None:
        if m.kind == "young_person" and m.op == "create" and who.team_id is not None:
            return None  # first recorded on this device: allocated to its user below
        return "This young person is not on your caseload."
    if not Hub._reaches(who, allocation):
        return "This young person is not on your caseload."
    return None


def _out_of_team(batch: _Batch, who: Principal, m: p.Mutation, row: _Record | None) -> str | None:
    """Why this device may not write a record of a contextual plan: it belongs to the team
    whose context the plan is for (None when the device's user is in that team)."""
    assert m.context_id is not None
    context = batch.records.get(("context", m.context_id))
    if context is None or context.deleted:
        return "The context this plan is for is not on the hub; sync the context first."
    if who.team_id is None or context.team_id != who.team_id:
        return NOT_YOURS
    if row is not None and (row.young_person_id is not None or row.team_id != who.team_id):
        return NOT_YOURS
    return None


def _contextual(m: p.Mutation) -> bool:
    """A record of a contextual plan: a plan's record for a context, not for one case."""
    return m.kind in PLAN_KINDS and m.young_person_id is None and m.context_id is not None


def _team_owned(m: p.Mutation) -> bool:
    """A context, or a record of a contextual plan: it belongs to a team, not to a case."""
    return m.kind == "context" or _contextual(m)


def _case_of(m: p.Mutation) -> str | None:
    """Whose case a pushed record belongs to: a young person is their own; a context none."""
    if m.kind == "young_person":
        return m.record_id
    return None if m.kind == "context" else m.young_person_id


class ResyncNeeded(Problem):
    """A pull whose cursor is older than the deletions the hub still keeps (some were purged
    after it): the device may have missed one, so it fetches everything again from 0."""

    status, title, code = 410, "Fetch everything again", p.RESYNC_NEEDED

    def __init__(self) -> None:
        super().__init__(
            "This device has been away longer than the hub keeps deletions; HubDesk will "
            "fetch everything again."
        )


#: The asker in the scope's statements: each statement is built once for each shape of
#: scope (``_Shape``) and given the asker's ids as these parameters. (Built afresh for every
#: request, SQLAlchemy took longer to make a pull's statements than SQLite to run them.)
_USER, _TEAM = "scope_user", "scope_team"


@dataclass(frozen=True)
class _Shape:
    """What a device's scope is made of, beyond whose it is: ``lead``, the cases of the
    team's allocations too (a team lead's); ``team``, the team's own records (contexts,
    contextual plans; not for a hub admin, nor for an account in no team)."""

    lead: bool
    team: bool

    @classmethod
    def of(cls, who: Principal) -> _Shape:
        in_team = who.team_id is not None
        return cls(
            lead=who.role is Role.TEAM_LEAD and in_team,
            team=who.role is not Role.ADMIN and in_team,
        )


def _asker(who: Principal) -> dict[str, Any]:
    """The parameters of a scope's statements."""
    return {_USER: who.user_id, _TEAM: who.team_id}


@cache
def _reachable(shape: _Shape) -> Select[str]:
    """The young people whose cases the asker reaches: their own allocations; a team lead's
    team's too. (A hub admin reaches only what is allocated to them.)"""
    mine: list[ColumnElement[bool]] = [Allocation.practitioner_id == bindparam(_USER)]
    if shape.lead:
        mine.append(Allocation.team_id == bindparam(_TEAM))
    return select(Allocation.young_person_id).where(or_(*mine))


#: A statement reading columns of records in scope: one SELECT, or two put together.
_Keys = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


def _scope(shape: _Shape) -> list[ColumnElement[bool]]:
    """The records a device may pull, in two parts that no record is in both of (only a
    team's records have no young person): the records of the cases it reaches, and its
    team's contexts and contextual plans (not for a hub admin). A pull reads the scope from
    here; the running totals the summary reads are kept for the same two parts
    (``tables._TOTAL_PARTS``), and the tests hold them to a scan of this scope."""
    cases = and_(HubRecord.young_person_id.in_(_reachable(shape)), HubRecord.kind != "context")
    if not shape.team:
        return [cases]
    return [cases, and_(HubRecord.young_person_id.is_(None), HubRecord.team_id == bindparam(_TEAM))]


def _in_scope(
    shape: _Shape,
    columns: Sequence[SQLColumnExpression[Any]],
    *where: ColumnElement[bool],
) -> list[Select[*tuple[Any, ...]]]:
    """``columns`` of the records in the asker's scope that match ``where``: each part of
    the scope read on its own (to be put together with ``UNION ALL``), so that each is
    found through its own index, ``ix_hub_record_case_scope`` or ``ix_hub_record_team_scope``,
    which hold every column a pull's choice of page needs. (As one ``OR``,
    SQLite reads every record itself, content and all, and PostgreSQL the whole table.)"""
    return [select(*columns).where(part, *where) for part in _scope(shape)]


def _page_keys(dialect: str, shape: _Shape, from_zero: bool, of_kind: bool) -> _Keys:
    """Kind, id and sequence of the records in scope changed after the cursor (parameter
    ``after``; of one kind, parameter ``kind``, when ``of_kind``).

    From 0 the whole scope is asked for, and is read from its own indexes (``_in_scope``).
    After a cursor, mostly few records have changed since: the scope is then one condition,
    so that the database walks ``ix_hub_record_seq`` from the cursor, in order, and stops at
    the page's end, rather than read the whole scope and sort it. PostgreSQL's planner
    takes that walk of itself; SQLite keeps no statistics, and ``likelihood()`` tells it
    that the cursor's condition is the one that picks few rows."""
    columns = [HubRecord.kind, HubRecord.id, HubRecord.seq]
    wanted = [HubRecord.kind == bindparam("kind")] if of_kind else []
    newer: ColumnElement[bool] = HubRecord.seq > bindparam("after")
    if from_zero:
        parts = _in_scope(shape, columns, newer, *wanted)
        return union_all(*parts) if len(parts) > 1 else parts[0]
    if dialect == "sqlite":
        newer = func.likelihood(newer, literal_column(SELECTIVE))  # a constant, not a parameter
    return select(*columns).where(newer, or_(*_scope(shape)), *wanted)


@cache
def _page_records(dialect: str, shape: _Shape, from_zero: bool, of_kind: bool) -> Select[Any]:
    """The records of a page, as plain rows (parameters ``after``, ``kind`` and ``limit``):
    the keys of the ``limit + 1`` oldest changes in scope after the cursor, chosen and
    ordered from the scope indexes alone (a scope's records are never all read, content and
    all, to sort them), then those records."""
    keys = _page_keys(dialect, shape, from_zero, of_kind)
    chosen = keys.order_by(keys.selected_columns.seq).limit(bindparam("limit")).subquery()
    return (
        select(*_CHANGE_COLUMNS)
        .join(chosen, and_(HubRecord.kind == chosen.c.kind, HubRecord.id == chosen.c.id))
        .order_by(HubRecord.seq)
    )


#: The screening tools changed after the cursor (parameters ``after`` and ``limit``), as
#: plain rows (``_tool_change``).
_TOOLS_AFTER = (
    select(
        ServedDefinition.seq,
        ServedDefinition.definition_id,
        ServedDefinition.version,
        ServedDefinition.status,
        ServedDefinition.digest,
        ServedDefinition.content,
    )
    .where(ServedDefinition.seq > bindparam("after"))
    .order_by(ServedDefinition.seq)
    .limit(bindparam("limit"))
)


def pull(
    hub: Hub,
    who: Principal,
    after: int,
    limit: int,
    kind: str | None = None,
    *,
    check: bool = False,
    known_scope: str | None = None,
) -> p.ChangePage:
    """The changes in the asker's scope after ``after`` (of one ``kind`` when given), oldest
    first, at most ``limit``; 410 when deletions after that cursor were purged.

    With ``check`` (and no ``kind``), the last page (``has_more`` false) also carries the
    summary, read in the same unit as the page, as :func:`summary` would answer it. On
    PostgreSQL each statement of the unit sees what has committed by then: if the summary
    finds a change in scope after the page's cursor (one committed between the two reads),
    the page is answered ``has_more`` without it, and the device reads on from its cursor,
    so the summary it gets always matches what it has pulled. (On SQLite the unit is one
    snapshot.)"""
    with hub.reading(pipelined=True) as session:
        # Sent together (``db.read_at_once``), run in this order. The organisation is read
        # after the records: a purge committing in between is then seen there (on
        # PostgreSQL each statement sees what has committed), never a page missing its
        # tombstones without the 410. Whose cases the device reaches is read for the
        # summary the last page may carry.
        serving_records = kind != p.SCREENING_DEFINITION
        serving_tools = kind in (None, p.SCREENING_DEFINITION)
        summing = check and kind is None
        reads: list[Read] = []
        if serving_records:
            reads.append(_records_after(session, who, after, limit, kind))
        if serving_tools:
            reads.append((_TOOLS_AFTER, {"after": after, "limit": limit + 1}))
        reads.append((ORGANISATION_STATE, {}))
        if summing:
            reads.append((_reachable(_Shape.of(who)), _asker(who)))
        found = iter(read_at_once(session, reads))
        records = next(found) if serving_records else []
        tools = next(found) if serving_tools else []
        org = organisation_state_in(next(found))
        reached = [person for (person,) in next(found)] if summing else None
        if 0 < after < org.oldest_cursor:
            raise ResyncNeeded()
        changes = sorted(
            [_record_change(r) for r in records] + [_tool_change(t) for t in tools],
            key=lambda c: c.seq,
        )
        page, has_more = changes[:limit], len(changes) > limit
        cursor = page[-1].seq if page else after
        # The summary is left out of the answer (not sent as null) unless it is given.
        extra: dict[str, p.SyncSummary] = {}
        if reached is not None and not has_more:
            totals = _scope_totals(session, who, after=cursor, from_zero=after == 0)
            if totals.newer:
                has_more = True  # changed since the page was read: the device reads on
            else:
                extra["summary"] = _summary_of(
                    session, who, totals, known_scope, org.epoch, reached
                )
        # How much was served, and from where; never what.
        served = f"served {len(page)} after {after}" + (" with the summary" if extra else "")
        hub.write_audit(session, "sync-pull", who, kind=kind, record_id=served)
        return p.ChangePage(
            changes=page, next_cursor=cursor, has_more=has_more, epoch=org.epoch, **extra
        )


#: What a pull serves of a record.
_CHANGE_COLUMNS = (
    HubRecord.seq,
    HubRecord.kind,
    HubRecord.id,
    HubRecord.young_person_id,
    HubRecord.deleted,
    HubRecord.content,
)


def _records_after(
    session: Session, who: Principal, after: int, limit: int, kind: str | None
) -> Read:
    """The read of a page's records, as plain rows (``_page_records``)."""
    dialect = session.get_bind().dialect.name
    query = _page_records(dialect, _Shape.of(who), after == 0, kind is not None)
    return query, _asker(who) | {"after": after, "kind": kind, "limit": limit + 1}


def summary(hub: Hub, who: Principal, known_scope: str | None = None) -> p.SyncSummary:
    """Per kind of record, the count and digest of what a pull from 0 would serve the asker
    now, and whose cases they reach, so a device can check it holds the same. The list of
    young people is left out when ``known_scope`` is already its digest (the device has it);
    the digest is sent only when ``known_scope`` was given (see ``SyncSummary``)."""
    with hub.reading(pipelined=True) as session:
        totals = _scope_totals(session, who)
        epoch = organisation_state(session).epoch
        hub.write_audit(session, "sync-summary", who)
        return _summary_of(session, who, totals, known_scope, epoch)


@dataclass(frozen=True)
class _Totals:
    """One kind's records in a device's scope, as the summary needs them: how many are live
    and the sum of their hashes (tombstones are left out of the check: a new device never
    holds them)."""

    count: int
    total: int


@dataclass(frozen=True)
class _ScopeTotals:
    """The totals of each kind with records in a device's scope (a kind with none may be
    missing), and, when asked with a cursor, whether any record in the scope (tombstones
    included) changed after it."""

    kinds: dict[str, _Totals]
    newer: bool = False


def _scope_totals(
    session: Session, who: Principal, after: int | None = None, *, from_zero: bool = False
) -> _ScopeTotals:
    """The asker's totals, added up from the running totals the database keeps for each
    case and team (``HubCaseTotal``, ``HubTeamTotal``) rather than from every record in
    scope; with a pull's cursor ``after``, in the same statement (one snapshot), whether
    anything in scope changed after it, looked for as the page after ``after`` was chosen
    (``from_zero``: the page was read from 0; ``_totals_query``). PostgreSQL's SUM of BIGINT
    is a NUMERIC, read as a Decimal: made an int here."""
    dialect = session.get_bind().dialect.name
    query = _totals_query(dialect, _Shape.of(who), after is not None, from_zero)
    asked = _asker(who) if after is None else _asker(who) | {"after": after}
    rows = session.connection().execute(query, asked).all()
    kinds: dict[str, _Totals] = {}
    for *_, kind, count, total in rows:
        if kind is not None:  # (a kind may have totals in both parts)
            before = kinds.get(kind, _Totals(0, 0))
            kinds[kind] = _Totals(before.count + int(count), before.total + int(total))
    return _ScopeTotals(kinds, newer=after is not None and rows[0].newer is not None)


@cache
def _totals_query(
    dialect: str, shape: _Shape, after: bool, from_zero: bool
) -> Select[Any] | CompoundSelect[Any]:
    """Per kind, its live records in each part of the asker's scope and the sum of their
    hashes: the totals of the cases it reaches, and of its team's records (``_scope``'s two
    parts, as the triggers on ``hub_record`` keep them), a few rows a case, each found by
    its primary key; added up by part (a kind may come twice: ``_scope_totals`` adds them).

    With ``after`` (parameter ``after``, a pull's cursor), each row also carries ``newer``,
    the sequence of the first record in scope changed after the cursor, if any (a row with
    no kind carries it when the scope has no totals). It is found as a page after that
    cursor would be (``_page_keys``), so it costs what the page's own read did: after a
    cursor, the database walks ``ix_hub_record_seq`` from it and stops at the first record
    in scope; from 0 (``from_zero``: the page read the whole scope from its indexes, as a
    device with nothing yet, or with nothing in scope, has it), the scope's indexes again,
    not every record on the hub after the cursor. It is read in the same statement as the
    totals, so on PostgreSQL one snapshot holds both: a change committed after the page was
    read is both in the totals and seen as newer, or in neither."""
    reachable = _reachable(shape).subquery()
    cases = (
        select(HubCaseTotal.kind, func.sum(HubCaseTotal.live), func.sum(HubCaseTotal.total))
        .join(reachable, HubCaseTotal.young_person_id == reachable.c.young_person_id)
        .group_by(HubCaseTotal.kind)
    )
    parts: list[Select[*tuple[Any, ...]]] = [cases]
    if shape.team:
        team = select(HubTeamTotal.kind, func.sum(HubTeamTotal.live), func.sum(HubTeamTotal.total))
        parts.append(
            team.where(HubTeamTotal.team_id == bindparam(_TEAM)).group_by(HubTeamTotal.kind)
        )
    totals = union_all(*parts) if len(parts) > 1 else parts[0]
    if not after:
        return totals
    keys = _page_keys(dialect, shape, from_zero, False).subquery()
    first = select(keys.c.seq).order_by(keys.c.seq).limit(literal_column("1"))
    newer = select(first.scalar_subquery().label("newer")).subquery()
    found = totals.subquery()
    return select(newer.c.newer, *found.c).select_from(newer.outerjoin(found, true()))


def _summary_of(
    session: Session,
    who: Principal,
    totals: _ScopeTotals,
    known_scope: str | None,
    epoch: str,
    reached: Sequence[str] | None = None,
) -> p.SyncSummary:
    """The summary of these totals, and of the young people the asker reaches (read here
    unless ``reached`` gives them)."""
    if reached is None:
        # (Read whole: row by row, psycopg's pipeline answers each fetch on its own.)
        reached = session.connection().scalars(_reachable(_Shape.of(who)), _asker(who)).all()
    young_people = sorted(reached)
    scope = p.young_people_digest(young_people)
    # Optional fields only when they are sent: the API leaves out what is not set.
    optional: dict[str, Any] = {}
    if known_scope != scope:
        optional["young_people"] = young_people
    if known_scope is not None:
        optional["young_people_digest"] = scope
    none = _Totals(count=0, total=0)
    every = {kind: totals.kinds.get(kind, none) for kind in p.RECORD_KINDS}
    return p.SyncSummary(
        epoch=epoch,
        kinds={
            kind: p.KindSummary(count=entry.count, digest=p.digest_of_sum(entry.total))
            for kind, entry in every.items()
        },
        **optional,
    )


def _record_change(row: tuple[Any, ...]) -> p.Change:
    seq, kind, record_id, young_person_id, deleted, content = row  # as _CHANGE_COLUMNS
    return p.Change(
        seq=seq,
        kind=kind,
        record_id=record_id,
        young_person_id=young_person_id,
        deleted=deleted,
        content=content,
    )


def _tool_change(row: tuple[Any, ...]) -> p.Change:
    seq, definition_id, version, status, digest, content = row  # as _TOOLS_AFTER
    assert seq is not None
    return p.Change(
        seq=seq,
        kind="screening_definition",
        record_id=f"{definition_id}:{version}",
        young_person_id=None,
        deleted=False,
        content={"status": status, "digest": digest, "definition": content},
    )
