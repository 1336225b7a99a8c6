"""The vault's side of sync: what to send, what the hub answered, what it sent back.

The engine (``sync.client``) talks to the hub and calls these; every write here is one vault
transaction, so a crash keeps all of a step or none of it:

- ``next_batch`` stamps the outbox rows it hands out (sent, and the record's hub sequence as
  their base) before they leave, so a retry after a dropped answer is the very same mutation;
- ``record_results`` settles the answers: applied rows leave the outbox and the record takes
  its new hub sequence; a conflict is merged (``sync.merge``) and kept; a rejection stays,
  with the hub's reason, to be shown, never dropped;
- ``apply_page`` writes a page of the hub's changes and the cursor after it together (the
  PouchDB checkpoint-before-documents bug cannot happen). A pulled change never overwrites a
  record with changes not yet on the hub: it is merged, and a contested field is a conflict.

Writes made as the hub's word run with ``session.info[FROM_HUB]``, so they are not queued
for the hub again and the frozen-record guards do not stop an approval landing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, delete, func, literal, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hubdesk.forms.loader import parse_definition
from hubdesk.models import (
    RECORD_KINDS,
    Addendum,
    ContactNote,
    Context,
    MissingEpisode,
    OutboxEntry,
    PlanAction,
    PlanVersion,
    Record,
    ReturnInterview,
    SafetyPlan,
    SyncBase,
    VaultMeta,
    YoungPerson,
)
from hubdesk.models.base import FROM_HUB
from hubdesk.services import definitions
from hubdesk.services.base import ServiceBase
from hubdesk.services.conflicts import keep_conflict
from hubdesk.services.ownership import owned_records
from hubdesk.services.retention import erase_case
from hubdesk.services.sync_index import reindex, reindex_all
from hubdesk.store.outbox import content_of, context_of, queue, write_content, young_person_of
from hubdesk.sync import protocol as p
from hubdesk.sync.merge import three_way

#: ``session.info`` keys of a write that applies the hub's word (``SyncService._as_hub``).
BASES, REINDEX = "hubdesk.sync_bases", "hubdesk.sync_reindex"
CURSOR_KEY = "hub.cursor"
EPOCH_KEY = "hub.epoch"
RESTORED_KEY = "hub.restored"
#: Kinds where any change on both sides is shown as a conflict, even when the fields merge:
#: a plan is the young person's words, and two half-plans spliced together may not read true.
ALWAYS_SHOWN = frozenset({"plan_version"})
#: A plan's records: for a young person's case, or (a contextual plan) for a context.
PLAN_KINDS = frozenset({"safety_plan", "plan_version", "plan_action"})
#: Kinds written once and never changed (see the hub's ``APPEND_ONLY``).
APPEND_ONLY = frozenset({"contact_note", "addendum"})


@dataclass
class PushTally:
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0


@dataclass
class PullTally:
    received: int = 0
    written: int = 0
    deleted: int = 0
    conflicts: int = 0
    tools: int = 0
    kinds: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Rejected:
    kind: str
    record_id: str
    op: str
    reason: str


class SyncService(ServiceBase):
    @contextmanager
    def _as_hub(self) -> Iterator[Session]:
        """A write transaction that applies the hub's word: not queued for the hub again, not
        held back by the frozen-record guards, flushed once at the end (not row by row), with
        the hub's last copies written in one statement and the search index brought up to
        date after that flush."""
        with self.write() as session:
            session.info[FROM_HUB] = True
            session.info[BASES] = {}
            session.info[REINDEX] = {}
            with session.no_autoflush:
                yield session
            session.flush()
            _write_bases(session, session.info.pop(BASES))
            reindex_all(session, list(session.info.pop(REINDEX).values()))

    # State ----------------------------------------------------------------------------------

    def cursor(self) -> int:
        return int(self.vault.meta(CURSOR_KEY) or 0)

    def epoch(self) -> str | None:
        return self.vault.meta(EPOCH_KEY)

    def pending_count(self) -> int:
        with self.read() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxEntry)
                    .where(OutboxEntry.state == "pending")
                )
                or 0
            )

    def rejected(self) -> list[Rejected]:
        with self.read() as session:
            rows = session.scalars(
                select(OutboxEntry).where(OutboxEntry.state == "rejected").order_by(OutboxEntry.seq)
            )
            return [Rejected(r.kind, r.record_id, r.op, r.reason or "") for r in rows]

    def live_count(self) -> int:
        """Records on this laptop that the hub has, not deleted (the fail-safe's yardstick)."""
        with self.read() as session:
            return sum(
                session.scalar(
                    select(func.count())
                    .select_from(cls)
                    .where(cls.server_seq.is_not(None), cls.deleted_at.is_(None))
                )
                or 0
                for cls in RECORD_KINDS.values()
            )

    def deletions_in(self, changes: list[p.Change]) -> int:
        """How many live local records these changes would delete."""
        count = 0
        with self.read() as session:
            for change in changes:
                cls = RECORD_KINDS.get(change.kind)
                if cls is None or not change.deleted:
                    continue
                record = session.get(cls, change.record_id)
                if record is not None and record.deleted_at is None:
                    count += 1
        return count

    # Push -----------------------------------------------------------------------------------

    def next_batch(self, limit: int = p.MAX_PUSH_BATCH) -> list[p.Mutation]:
        """The oldest pending change of each record (a record's next change waits for the
        hub's answer to this one, whose sequence it is based on), stamped as sent."""
        if not self.pending_count():
            return []  # a read, not a write transaction, when there is nothing to send
        with self._as_hub() as session:
            heads = (
                select(func.min(OutboxEntry.seq))
                .where(OutboxEntry.state == "pending")
                .group_by(OutboxEntry.kind, OutboxEntry.record_id)
            )
            rows = session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.seq.in_(heads))
                .order_by(OutboxEntry.seq)
                .limit(limit)
            ).all()
            now = self.clock()
            fresh = [row for row in rows if row.sent_at is None]
            based = [row for row in fresh if row.op in ("update", "delete")]
            seqs = _server_seqs(session, [(row.kind, row.record_id) for row in based])
            for row in fresh:
                row.sent_at = now
                row.base_seq = seqs.get((row.kind, row.record_id)) if row in based else None
            return [_mutation(row, _context_of(session, row)) for row in rows]

    def record_results(self, results: list[p.MutationResult]) -> PushTally:
        tally = PushTally()
        with self._as_hub() as session:
            rows = {
                row.mutation_id: row
                for row in session.scalars(
                    select(OutboxEntry).where(
                        OutboxEntry.mutation_id.in_([str(r.mutation_id) for r in results])
                    )
                )
            }
            acknowledged: list[tuple[OutboxEntry, int]] = []
            for result in results:
                row = rows.get(str(result.mutation_id))
                if row is None:
                    continue  # settled already (an answer seen twice)
                if result.status in ("applied", "duplicate"):
                    assert result.seq is not None
                    acknowledged.append((row, result.seq))
                    tally.applied += result.status == "applied"
                    tally.duplicates += result.status == "duplicate"
                elif result.status == "conflict":
                    self._conflicted(session, row, result)
                    tally.conflicts += 1
                else:
                    row.state, row.reason = "rejected", result.reason or "Refused by the hub."
                    tally.rejected += 1
            self._acknowledged(session, acknowledged)
        return tally

    @staticmethod
    def _acknowledged(session: Session, settled: list[tuple[OutboxEntry, int]]) -> None:
        """The hub has these changes: they leave the outbox, each record takes its new hub
        sequence (one statement per kind), and the hub's copy becomes its base."""
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row, seq in settled:
            by_kind.setdefault(row.kind, []).append({"rid": row.record_id, "seq": seq})
            _set_base(session, row.kind, row.record_id, seq, row.op == "delete", row.content)
        for kind, values in by_kind.items():
            table = cast(Table, RECORD_KINDS[kind].__table__)
            session.connection().execute(
                table.update()
                .where(table.c.id == bindparam("rid"))
                .values(server_seq=bindparam("seq")),
                values,
            )
        session.execute(
            delete(OutboxEntry).where(OutboxEntry.seq.in_([row.seq for row, _ in settled]))
        )
        for row, _ in settled:
            session.expunge(row)

    def _conflicted(self, session: Session, row: OutboxEntry, result: p.MutationResult) -> None:
        """The hub's record moved on since this change's base: merge, keep both, re-send."""
        assert result.seq is not None
        assert result.server_copy is not None
        theirs = p.Change(
            seq=result.seq,
            kind=row.kind,
            record_id=row.record_id,
            young_person_id=row.young_person_id,
            deleted=bool(result.server_copy.get("deleted")),
            content=dict(result.server_copy.get("content") or {}),
        )
        # Every change of this record still waiting was based on the old sequence: the local
        # record already holds all of them, and the merge below is sent in their place.
        session.execute(
            delete(OutboxEntry).where(
                OutboxEntry.kind == row.kind,
                OutboxEntry.record_id == row.record_id,
                OutboxEntry.state == "pending",
            )
        )
        self._merge_in(session, theirs, result.reason)

    # Pull -----------------------------------------------------------------------------------

    def apply_page(self, page: p.ChangePage, *, keep_cursor: bool = False) -> PullTally:
        """Write a page of the hub's changes and, in the same transaction, the cursor after it
        (unless ``keep_cursor``: a targeted resync reads from the start of one kind)."""
        tally = PullTally(received=len(page.changes))
        if not page.changes and (keep_cursor or self.cursor() == page.next_cursor):
            return tally  # nothing new: no write transaction
        with self._as_hub() as session:
            # A page may hold a child before its parent (a case re-sequenced for a new worker):
            # foreign keys are checked when the page commits, not row by row.
            session.execute(text("PRAGMA defer_foreign_keys = ON"))
            waiting = _preload(session, page.changes)
            for change in page.changes:
                self._apply_change(session, change, tally, waiting)
            if not keep_cursor:
                _set_meta(session, CURSOR_KEY, str(page.next_cursor))
                _set_meta(session, EPOCH_KEY, page.epoch)
        return tally

    def _apply_change(
        self, session: Session, change: p.Change, tally: PullTally, waiting: set[tuple[str, str]]
    ) -> None:
        if change.kind == "screening_definition":
            tally.tools += self._keep_tool(session, change)
            return
        cls = RECORD_KINDS.get(change.kind)
        if cls is None:
            return  # a kind this version of HubDesk does not know: left on the hub
        record = session.get(cls, change.record_id)
        if record is not None and (record.server_seq or 0) >= change.seq:
            return  # this laptop has it already (its own change coming back)
        if record is not None and (change.kind, change.record_id) in waiting:
            # Changed here too. (A row sent whose answer was never seen is merged the same
            # way: if the hub applied it, this change already holds it and the merge is
            # empty; if not, the merge carries it.)
            session.execute(
                delete(OutboxEntry).where(
                    OutboxEntry.kind == change.kind,
                    OutboxEntry.record_id == change.record_id,
                    OutboxEntry.state == "pending",
                )
            )
            tally.conflicts += self._merge_in(session, change, None)
            tally.kinds.add(change.kind)
            return
        tally.written += 1
        tally.deleted += change.deleted and record is not None and record.deleted_at is None
        tally.kinds.add(change.kind)
        self._write_theirs(session, cls, record, change)

    def _write_theirs(
        self, session: Session, cls: type[Record], record: Record | None, change: p.Change
    ) -> Record:
        if record is None:
            record = cls(id=change.record_id)
            session.add(record)
        if change.deleted:
            record.deleted_at = record.deleted_at or self.clock()
        else:
            write_content(record, change.content)
            record.deleted_at = None
        record.server_seq = change.seq
        _set_base(
            session, change.kind, change.record_id, change.seq, change.deleted, change.content
        )
        session.info[REINDEX][(change.kind, change.record_id)] = record
        return record

    def _merge_in(self, session: Session, theirs: p.Change, reason: str | None) -> int:
        """Merge the hub's copy into the local record, which has changes the hub has not seen.

        The record takes the merge (with the hub's sequence, as its new base), the merge is
        queued for the hub when it differs from the hub's copy, and a conflict is kept when
        fields are contested or one side deleted what the other changed. Returns 1 when a
        conflict was kept.
        """
        cls = RECORD_KINDS[theirs.kind]
        record = session.get(cls, theirs.record_id)
        if record is None:  # nothing here to merge with
            self._write_theirs(session, cls, None, theirs)
            return 0
        base = _base_of(session, theirs.kind, theirs.record_id)
        mine, mine_deleted = content_of(record), record.deleted_at is not None
        if theirs.kind in APPEND_ONLY and not theirs.deleted:
            self._write_theirs(session, cls, record, theirs)
            return 0
        if mine_deleted and theirs.deleted:
            record.server_seq = theirs.seq
            _set_base(session, theirs.kind, theirs.record_id, theirs.seq, True, {})
            return 0
        if mine_deleted or theirs.deleted:
            # One side removed what the other changed: the hub's side stands here, and the
            # other is kept whole in the conflict for a person to choose.
            self._write_theirs(session, cls, record, theirs)
            words = (
                "You removed this, and it was changed on the hub meanwhile."
                if mine_deleted
                else "This was removed on the hub while you were changing it."
            )
            self._keep_conflict(session, theirs, base, mine, mine_deleted, [], reason or words)
            return 1
        merge = three_way(base, mine, theirs.content)
        self._write_theirs(
            session, cls, record, theirs.model_copy(update={"content": merge.content})
        )
        # The base is the hub's copy, not the merge: until the hub acknowledges the merge,
        # this laptop's side of it is not on the hub. With the merge as the base, a second
        # conflict before that (the merge's push cut off, the hub changed again) would see
        # this side as already the hub's, and the hub's copy without it would silently win.
        _set_base(session, theirs.kind, theirs.record_id, theirs.seq, False, theirs.content)
        if merge.mine_only or merge.contested:
            queue(session.connection(), record, "update", self.clock())
        shown = merge.contested or (
            merge.mine_only and theirs.kind in ALWAYS_SHOWN and base != theirs.content
        )
        if not shown:
            return 0
        fields = list(merge.contested) or list(merge.mine_only)
        words = reason or "This was changed here and on the hub from the same starting point."
        self._keep_conflict(session, theirs, base, mine, False, fields, words)
        return 1

    def _keep_conflict(
        self,
        session: Session,
        theirs: p.Change,
        base: dict[str, Any] | None,
        mine: dict[str, Any],
        mine_deleted: bool,
        fields: list[str],
        reason: str,
    ) -> None:
        keep_conflict(
            session,
            kind=theirs.kind,
            record_id=theirs.record_id,
            young_person_id=theirs.young_person_id or mine.get("young_person_id"),
            at=self.clock(),
            base=base,
            mine=mine,
            theirs=theirs.content,
            fields=fields,
            reason=reason,
            mine_deleted=mine_deleted,
            theirs_deleted=theirs.deleted,
        )
        self.audit(session, "sync-conflict", None, kind=theirs.kind, record_id=theirs.record_id)

    def _keep_tool(self, session: Session, change: p.Change) -> int:
        definition, problems = parse_definition(str(change.content.get("definition", "")))
        if definition is None or problems:
            return 0  # a tool this HubDesk cannot read stays on the hub; shipped ones still work
        if change.content.get("status") == "withdrawn":
            definition = definition.model_copy(update={"status": "withdrawn"})
        return int(definitions.keep(session, definition, "hub", self.clock()))

    # Checks ---------------------------------------------------------------------------------

    def summaries(self, kinds: list[str], young_people: set[str]) -> dict[str, p.KindSummary]:
        """This laptop's count and digest of each kind, as the hub computes its own: records
        the hub has (a hub sequence), in the cases the hub says are in this device's scope.
        One read transaction for them all."""
        found: dict[str, p.KindSummary] = {}
        with self.read() as session:
            for kind in kinds:
                rows = [
                    (record_id, seq, deleted is not None)
                    for record_id, seq, deleted, case in session.execute(_with_case(kind))
                    if case is None or case in young_people
                ]
                found[kind] = p.KindSummary(count=len(rows), digest=p.scope_digest(rows))
        return found

    def resync_kind(
        self, kind: str, changes: list[p.Change], young_people: set[str], *, restored: bool
    ) -> tuple[int, int]:
        """After a digest mismatch: the hub's whole copy of one kind has just been applied.
        Settle what this laptop holds that the hub's copy does not explain; returns (records
        queued to send again, records removed here).

        A record the hub does not have at all: when the hub was ``restored`` from a backup
        it lost it, so it is sent again; otherwise the hub removed it and has since forgotten
        the removal (its tombstones are kept for a time only), so it is removed here too —
        sending it again would bring a deleted record back. A record the hub holds in an
        older copy than this laptop last had (a restore) takes the hub's sequence as its base
        and is sent again if it differs.
        """
        on_hub = {c.record_id: c for c in changes}
        cls = RECORD_KINDS[kind]
        queued = removed = 0
        with self._as_hub() as session:
            now = self.clock()
            for record in session.scalars(select(cls).where(cls.server_seq.is_not(None))):
                if not _shared_with_me(session, kind, record, young_people):
                    continue
                if _waiting(session, kind, record.id):
                    continue
                found = on_hub.get(record.id)
                if found is None:
                    session.execute(
                        delete(SyncBase).where(
                            SyncBase.kind == kind, SyncBase.record_id == record.id
                        )
                    )
                    record.server_seq = None
                    if record.deleted_at is not None:
                        continue
                    if restored:
                        queue(session.connection(), record, "create", now)
                        queued += 1
                    else:
                        record.deleted_at = now
                        reindex(session, record)
                        removed += 1
                elif record.server_seq is not None and found.seq < record.server_seq:
                    # The hub holds an older copy than this laptop last had (restored from a
                    # backup): take its sequence as the base, and send ours again if it differs.
                    record.server_seq = found.seq
                    _set_base(session, kind, record.id, found.seq, found.deleted, found.content)
                    mine = {k: v for k, v in content_of(record).items() if k in found.content}
                    if found.deleted != (record.deleted_at is not None) or mine != found.content:
                        queue(session.connection(), record, "update", now)
                        queued += 1
        return queued, removed

    def count_absent(self, kind: str, changes: list[p.Change], young_people: set[str]) -> int:
        """How many live records of ``kind`` this laptop has from the hub that the hub's whole
        copy (``changes``) lacks: what ``resync_kind`` would remove (or send again)."""
        on_hub = {c.record_id for c in changes}
        cls = RECORD_KINDS[kind]
        with self.read() as session:
            return sum(
                1
                for record in session.scalars(
                    select(cls).where(cls.server_seq.is_not(None), cls.deleted_at.is_(None))
                )
                if record.id not in on_hub and _shared_with_me(session, kind, record, young_people)
            )

    def cases_moved_away(self, young_people: set[str]) -> dict[str, int]:
        """Cases on this laptop that the hub has but no longer shares with this device (moved
        to another worker or team): young person id → how many records the case holds."""
        with self.read() as session:
            gone = session.scalars(
                select(YoungPerson.id).where(
                    YoungPerson.server_seq.is_not(None), YoungPerson.id.not_in(young_people)
                )
            ).all()
            return {
                pid: sum(len(records) for records in owned_records(session, pid).values())
                for pid in gone
            }

    def drop_cases(self, young_person_ids: list[str]) -> tuple[int, int]:
        """Remove cases this device no longer holds, unless a change made here has not
        reached the hub (it is kept, with the hub's refusal shown, for someone to act on);
        (cases removed, cases kept)."""
        dropped = kept = 0
        with self.write() as session:
            session.info[FROM_HUB] = True
            for pid in young_person_ids:
                ids = [r.id for rs in owned_records(session, pid).values() for r in rs]
                waiting = session.scalar(
                    select(func.count())
                    .select_from(OutboxEntry)
                    .where(OutboxEntry.record_id.in_(ids))
                )
                if waiting:
                    kept += 1
                    continue
                erase_case(session, pid)
                self.audit(session, "case-moved-away", None, kind="young_person", record_id=pid)
                dropped += 1
        return dropped, kept

    def hub_restored(self) -> bool:
        """True from a new epoch until a check has settled every kind with the hub (kept in
        the vault, so a sync interrupted in between still re-sends what the hub lost)."""
        return self.vault.meta(RESTORED_KEY) == "1"

    def start_epoch(self, epoch: str) -> None:
        """The hub was restored from a backup: read everything again from its start, and
        re-send what it lost."""
        with self.write() as session:
            _set_meta(session, CURSOR_KEY, "0")
            _set_meta(session, EPOCH_KEY, epoch)
            _set_meta(session, RESTORED_KEY, "1")
            self.audit(session, "sync-new-epoch", None, kind="hub", record_id=None)

    def restart_pull(self) -> None:
        """The hub no longer keeps the removals since this laptop's cursor: read from the
        start (the check after it removes here what the hub removed)."""
        with self.write() as session:
            _set_meta(session, CURSOR_KEY, "0")
            self.audit(session, "sync-read-again", None, kind="hub", record_id=None)

    def settled(self) -> None:
        """Every kind matches the hub: a restore, if there was one, is fully reconciled."""
        with self.write() as session:
            _set_meta(session, RESTORED_KEY, "0")


def _with_case(kind: str) -> Select[*tuple[Any, ...]]:
    """(id, hub sequence, deleted_at, whose case) of every record of ``kind`` the hub has, in
    one query: the case worked out as ``store.outbox.young_person_of`` does, by joins (None
    for what belongs to a team: a context, a contextual plan)."""
    cls = RECORD_KINDS[kind]
    columns = (cls.id, cls.server_seq, cls.deleted_at)
    synced = cls.server_seq.is_not(None)
    if cls is YoungPerson:
        return select(*columns, cls.id).where(synced)
    if cls is Context:
        return select(*columns, literal(None, String)).where(synced)
    if cls is PlanVersion:
        return (
            select(*columns, SafetyPlan.young_person_id)
            .outerjoin(SafetyPlan, SafetyPlan.id == PlanVersion.plan_id)
            .where(synced)
        )
    if cls is PlanAction:
        return (
            select(*columns, SafetyPlan.young_person_id)
            .outerjoin(PlanVersion, PlanVersion.id == PlanAction.plan_version_id)
            .outerjoin(SafetyPlan, SafetyPlan.id == PlanVersion.plan_id)
            .where(synced)
        )
    if cls is Addendum:
        return (
            select(*columns, ContactNote.young_person_id)
            .outerjoin(ContactNote, ContactNote.id == Addendum.note_id)
            .where(synced)
        )
    if cls is ReturnInterview:
        return (
            select(*columns, MissingEpisode.young_person_id)
            .outerjoin(MissingEpisode, MissingEpisode.id == ReturnInterview.episode_id)
            .where(synced)
        )
    return select(*columns, cls.young_person_id).where(synced)  # type: ignore[attr-defined]


def _shared_with_me(session: Session, kind: str, record: Record, young_people: set[str]) -> bool:
    """Whether the hub counts this record in this device's scope: a record of a case it
    reaches, or one that belongs to the team (a context, a contextual plan)."""
    case = _case_of(session, record)
    return case in young_people if case is not None else True


def _context_of(session: Session, row: OutboxEntry) -> str | None:
    if row.young_person_id is not None or row.kind not in PLAN_KINDS:
        return None
    record = session.get(RECORD_KINDS[row.kind], row.record_id)
    return context_of(session.connection(), record) if record is not None else None


def _mutation(row: OutboxEntry, context_id: str | None = None) -> p.Mutation:
    return p.Mutation(
        mutation_id=uuid.UUID(row.mutation_id),
        kind=row.kind,
        record_id=row.record_id,
        op=row.op,
        base_seq=row.base_seq,
        young_person_id=row.young_person_id
        if row.kind not in ("young_person", "context")
        else None,
        context_id=context_id,
        content=row.content,
    )


def _waiting(session: Session, kind: str, record_id: str) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(
                OutboxEntry.kind == kind,
                OutboxEntry.record_id == record_id,
                OutboxEntry.state == "pending",
            )
        )
        or 0
    ) > 0


def _set_base(
    session: Session, kind: str, record_id: str, seq: int, deleted: bool, content: dict[str, Any]
) -> None:
    """Note the hub's copy of a record; written with the rest when the transaction ends. An
    append-only record never merges, so its base keeps no content."""
    kept = {} if deleted or kind in APPEND_ONLY else dict(content)
    session.info[BASES][(kind, record_id)] = {
        "kind": kind,
        "record_id": record_id,
        "seq": seq,
        "deleted": deleted,
        "content": kept,
    }


def _base_of(session: Session, kind: str, record_id: str) -> dict[str, Any] | None:
    """The hub's last copy of a record's content (None when unknown or deleted), including
    one noted earlier in this transaction."""
    noted = session.info[BASES].get((kind, record_id))
    if noted is not None:
        return None if noted["deleted"] else dict(noted["content"])
    row = session.get(SyncBase, (kind, record_id))
    return row.content if row is not None and not row.deleted else None


def _write_bases(session: Session, bases: dict[tuple[str, str], dict[str, Any]]) -> None:
    if not bases:
        return
    statement = sqlite_insert(SyncBase)
    statement = statement.on_conflict_do_update(
        index_elements=[SyncBase.kind, SyncBase.record_id],
        set_={
            "seq": statement.excluded.seq,
            "deleted": statement.excluded.deleted,
            "content": statement.excluded.content,
        },
    )
    session.execute(statement, list(bases.values()))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SyncBase):  # loaded earlier in this transaction: stale now
            session.expire(obj)


def _server_seqs(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The hub sequence of each (kind, id) given, one query per kind."""
    found: dict[tuple[str, str], int] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in keys:
        by_kind.setdefault(kind, []).append(record_id)
    for kind, ids in by_kind.items():
        cls = RECORD_KINDS[kind]
        for record_id, seq in session.execute(
            select(cls.id, cls.server_seq).where(cls.id.in_(ids), cls.server_seq.is_not(None))
        ):
            if seq is not None:
                found[(kind, record_id)] = seq
    return found


def _preload(session: Session, changes: list[p.Change]) -> set[tuple[str, str]]:
    """Load the page's records into the session in one query per kind (so each change's
    lookup is no query); the (kind, id) of those with changes waiting to be sent."""
    by_kind: dict[str, list[str]] = {}
    for change in changes:
        if change.kind in RECORD_KINDS:
            by_kind.setdefault(change.kind, []).append(change.record_id)
    waiting: set[tuple[str, str]] = set()
    for kind, ids in by_kind.items():
        cls = RECORD_KINDS[kind]
        session.scalars(select(cls).where(cls.id.in_(ids))).all()
        waiting.update(
            (kind, record_id)
            for record_id in session.scalars(
                select(OutboxEntry.record_id).where(
                    OutboxEntry.kind == kind,
                    OutboxEntry.record_id.in_(ids),
                    OutboxEntry.state == "pending",
                )
            )
        )
    return waiting


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(VaultMeta, key)
    if row is None:
        session.add(VaultMeta(key=key, value=value))
    else:
        row.value = value


def _case_of(session: Session, record: Record) -> str | None:
    return young_person_of(session.connection(), record)
