"""Sync on the hub: apply a device's pushed mutations, and serve the changes in its scope.

**Push** is one transaction. Each mutation is applied only if the record's current sequence
equals the one the device based it on; otherwise it is a *conflict* and the hub's copy goes
back, so the device keeps both. An update based on a tombstone restores the record (the
device saw the deletion and kept its copy). Every mutation's first result is stored under its
id: a replay (the device never saw the answer) returns that result and changes nothing.

**Pull** serves records whose last change is after the device's cursor, in sequence order,
in the asker's scope (their allocated young people's records, their team's contexts, served
screening tools), deleted ones as tombstones; optionally of one kind only (a targeted
resync). Sequences are handed out under a lock held to commit (``hub.next_change``), so no
change can commit behind a cursor already served. Tombstones purged by the administrator
(``hub.purge_tombstones``) move the organisation's ``oldest_cursor``: a pull from a cursor
below it is answered 410 ``resync-needed``, and the device fetches everything from 0.

**Summary** counts and digests, per kind, what a pull from 0 would serve (the same scope
condition), so a device can find a difference after its sync and resync that kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from hubdesk.server import blobs
from hubdesk.server.hub import Hub, Principal, lock_changes, next_change
from hubdesk.server.problems import Problem
from hubdesk.server.tables import (
    Allocation,
    AppliedMutation,
    HubRecord,
    Role,
    ServedDefinition,
)
from hubdesk.sync import protocol as p

#: Said for a record that exists outside the asker's scope: the same words whatever it is,
#: so a refusal never tells which team or case holds an id.
NOT_YOURS = "This record cannot be changed from this device."
#: Kinds written once and never changed (a finalised note, an addendum): no conflicts.
APPEND_ONLY = frozenset({"contact_note", "addendum"})
#: A safety plan, its versions and actions: for one young person's case, or for a context.
PLAN_KINDS = frozenset({"safety_plan", "plan_version", "plan_action"})


def push(hub: Hub, who: Principal, mutations: list[p.Mutation]) -> p.PushResponse:
    with hub.unit() as session:
        # Before any record is read: two pushes on one base can never both pass the check.
        lock_changes(session)
        epoch = hub.organisation(session).epoch
        results = []
        for mutation in mutations:
            key = str(mutation.mutation_id)
            first = session.get(AppliedMutation, key)
            if first is not None:
                results.append(_replayed(first, who, mutation))
                continue
            result = _apply(hub, session, who, mutation)
            session.add(
                AppliedMutation(
                    mutation_id=key,
                    device_id=who.device_id,
                    kind=mutation.kind,
                    record_id=mutation.record_id,
                    result=result.model_dump(mode="json"),
                    at=hub.clock(),
                )
            )
            session.flush()
            if result.status == "applied":
                hub.write_audit(
                    session,
                    f"sync-{mutation.op}",
                    who,
                    kind=mutation.kind,
                    record_id=mutation.record_id,
                )
            results.append(result)
        return p.PushResponse(results=results, epoch=epoch)


def _replayed(first: AppliedMutation, who: Principal, m: p.Mutation) -> p.MutationResult:
    """A mutation id seen before: its first result when the same device sends the same
    change again (it never saw the answer); refused when the id is reused for anything else."""
    if (first.device_id, first.kind, first.record_id) != (who.device_id, m.kind, m.record_id):
        return p.MutationResult(
            mutation_id=m.mutation_id,
            status="rejected",
            reason="This change id was already used for another change.",
        )
    result = p.MutationResult.model_validate(first.result)
    if result.status == "applied":
        return result.model_copy(update={"status": "duplicate"})
    return result  # a conflict or rejection is answered the same way again


def _apply(hub: Hub, session: Session, who: Principal, m: p.Mutation) -> p.MutationResult:
    def rejected(reason: str) -> p.MutationResult:
        return p.MutationResult(mutation_id=m.mutation_id, status="rejected", reason=reason)

    row = session.get(HubRecord, (m.kind, m.record_id))
    refusal = _out_of_scope(session, who, m, row)
    if not refusal and m.kind == "attachment":  # its file must be on the hub, and the pusher's
        refusal = blobs.attachment_refusal(session, who, m, row)
    if refusal:
        return rejected(refusal)

    def conflict(reason: str) -> p.MutationResult:
        assert row is not None
        return p.MutationResult(
            mutation_id=m.mutation_id,
            status="conflict",
            seq=row.seq,
            server_copy={"deleted": row.deleted, "content": row.content},
            reason=reason,
        )

    if m.op in ("create", "append"):
        if row is not None:
            if row.content == m.content and not row.deleted:
                return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=row.seq)
            return conflict("A record with this id is already on the hub with other content.")
    elif row is None:
        return rejected("There is no such record on the hub to change.")
    elif m.kind in APPEND_ONLY:  # neither changed nor removed once on the hub
        return rejected("A finalised record is never changed; add an addendum instead.")
    elif row.deleted and m.op == "delete":
        return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=row.seq)
    elif row.deleted and row.seq != m.base_seq:
        # (An update based on the tombstone itself goes on and restores the record: the
        # device saw the deletion and chose to keep its copy.)
        return conflict("This record was deleted on the hub while it was being changed.")
    elif row.seq != m.base_seq:
        return conflict("This record was changed on the hub since this device last had it.")

    seq = next_change(session, m.kind, m.record_id, m.op, hub.clock())
    if row is None:
        row = HubRecord(kind=m.kind, id=m.record_id, seq=seq, content={})
        session.add(row)
        row.young_person_id = _case_of(m)
        row.team_id = who.team_id if _team_owned(m) else None
        if m.kind == "young_person":
            session.add(
                Allocation(
                    young_person_id=m.record_id,
                    practitioner_id=who.user_id,
                    team_id=who.team_id,
                    allocated_at=hub.clock(),
                )
            )
    row.seq, row.updated_at = seq, hub.clock()
    if m.op == "delete":
        row.deleted, row.content = True, {}  # a tombstone keeps no personal data
    else:
        row.deleted, row.content = False, dict(m.content)
    return p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=seq)


def _out_of_scope(
    session: Session, who: Principal, m: p.Mutation, row: HubRecord | None
) -> str | None:
    """Why this device may not write this record (None when it may)."""
    if m.kind == "context":
        if m.young_person_id is not None:
            return "A context belongs to a team, not to one young person's case."
        if who.team_id is None:
            return "Contexts belong to a team, and this account is in none."
        if row is not None and row.team_id != who.team_id:
            return NOT_YOURS
        return None
    if m.kind in PLAN_KINDS and m.young_person_id is None and m.context_id is not None:
        return _out_of_team(session, who, m, row)
    young_person_id = _case_of(m)
    if young_person_id is None:
        return "This record does not say whose case it belongs to."
    if row is not None and row.young_person_id != young_person_id:
        return NOT_YOURS
    allocation = session.get(Allocation, young_person_id)
    if allocation is None:
        if m.kind == "young_person" and m.op == "create" and who.team_id is not None:
            return None  # first recorded on this device: allocated to its user below
        return "This young person is not on your caseload."
    if not Hub._reaches(who, allocation):
        return "This young person is not on your caseload."
    return None


def _out_of_team(
    session: Session, who: Principal, m: p.Mutation, row: HubRecord | None
) -> str | None:
    """Why this device may not write a record of a contextual plan: it belongs to the team
    whose context the plan is for (None when the device's user is in that team)."""
    context = session.get(HubRecord, ("context", m.context_id))
    if context is None or context.deleted:
        return "The context this plan is for is not on the hub; sync the context first."
    if who.team_id is None or context.team_id != who.team_id:
        return NOT_YOURS
    if row is not None and (row.young_person_id is not None or row.team_id != who.team_id):
        return NOT_YOURS
    return None


def _team_owned(m: p.Mutation) -> bool:
    """A context, or a record of a contextual plan: it belongs to a team, not to a case."""
    return m.kind == "context" or (
        m.kind in PLAN_KINDS and m.young_person_id is None and m.context_id is not None
    )


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


def _reachable(who: Principal) -> Select[str]:
    """The young people whose cases the asker reaches: their own allocations; a team lead's
    team's too. (A hub admin reaches only what is allocated to them.)"""
    mine: list[ColumnElement[bool]] = [Allocation.practitioner_id == who.user_id]
    if who.role is Role.TEAM_LEAD:
        mine.append(Allocation.team_id == who.team_id)
    return select(Allocation.young_person_id).where(or_(*mine))


def _in_scope(who: Principal) -> ColumnElement[bool]:
    """The records a device may pull, as one condition on ``hub_record``: the records of the
    cases it reaches, and its team's contexts (not for a hub admin). Pull and summary both
    use this, so what the summary counts is exactly what a pull serves."""
    scope: list[ColumnElement[bool]] = [
        and_(HubRecord.kind != "context", HubRecord.young_person_id.in_(_reachable(who)))
    ]
    if who.role is not Role.ADMIN and who.team_id is not None:
        # Contexts and contextual plans: they belong to a team, not to one case.
        team_owned = and_(HubRecord.young_person_id.is_(None), HubRecord.team_id.is_not(None))
        scope.append(and_(team_owned, HubRecord.team_id == who.team_id))
    return or_(*scope)


def pull(hub: Hub, who: Principal, after: int, limit: int, kind: str | None = None) -> p.ChangePage:
    """The changes in the asker's scope after ``after`` (of one ``kind`` when given), oldest
    first, at most ``limit``; 410 when deletions after that cursor were purged."""
    with hub.unit() as session:
        records: Sequence[HubRecord] = []
        if kind != p.SCREENING_DEFINITION:
            query = select(HubRecord).where(HubRecord.seq > after, _in_scope(who))
            if kind is not None:
                query = query.where(HubRecord.kind == kind)
            records = session.scalars(query.order_by(HubRecord.seq).limit(limit + 1)).all()
        tools: Sequence[ServedDefinition] = []
        if kind in (None, p.SCREENING_DEFINITION):
            tools = session.scalars(
                select(ServedDefinition)
                .where(ServedDefinition.seq > after)
                .order_by(ServedDefinition.seq)
                .limit(limit + 1)
            ).all()
        # Read after the records: a purge committing in between is then seen here (on
        # PostgreSQL each statement sees what has committed), never a page missing its
        # tombstones without the 410.
        org = hub.organisation(session)
        if 0 < after < org.oldest_cursor:
            raise ResyncNeeded()
        changes = sorted(
            [_record_change(r) for r in records] + [_tool_change(t) for t in tools],
            key=lambda c: c.seq,
        )
        page, has_more = changes[:limit], len(changes) > limit
        # How much was served, and from where; never what.
        served = f"served {len(page)} after {after}"
        hub.write_audit(session, "sync-pull", who, kind=kind, record_id=served)
        return p.ChangePage(
            changes=page,
            next_cursor=page[-1].seq if page else after,
            has_more=has_more,
            epoch=org.epoch,
        )


def summary(hub: Hub, who: Principal) -> p.SyncSummary:
    """Per kind of record, the count and digest of what a pull from 0 would serve the asker
    now, and whose cases they reach, so a device can check it holds the same."""
    with hub.unit() as session:
        rows: dict[str, list[tuple[str, int, bool]]] = {kind: [] for kind in p.RECORD_KINDS}
        found = session.execute(
            select(HubRecord.kind, HubRecord.id, HubRecord.seq, HubRecord.deleted).where(
                _in_scope(who)
            )
        )
        for kind, record_id, seq, deleted in found:
            rows.setdefault(kind, []).append((record_id, seq, deleted))
        young_people = sorted(session.scalars(_reachable(who)))
        epoch = hub.organisation(session).epoch
        hub.write_audit(session, "sync-summary", who)
        return p.SyncSummary(
            epoch=epoch,
            kinds={
                kind: p.KindSummary(count=len(rows[kind]), digest=p.scope_digest(rows[kind]))
                for kind in p.RECORD_KINDS
            },
            young_people=young_people,
        )


def _record_change(row: HubRecord) -> p.Change:
    return p.Change(
        seq=row.seq,
        kind=row.kind,
        record_id=row.id,
        young_person_id=row.young_person_id,
        deleted=row.deleted,
        content=row.content,
    )


def _tool_change(row: ServedDefinition) -> p.Change:
    assert row.seq is not None
    return p.Change(
        seq=row.seq,
        kind="screening_definition",
        record_id=f"{row.definition_id}:{row.version}",
        young_person_id=None,
        deleted=False,
        content={"status": row.status, "digest": row.digest, "definition": row.content},
    )
