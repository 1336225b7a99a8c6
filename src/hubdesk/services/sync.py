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

import json
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hubdesk.errors import HubDeskError
from hubdesk.forms.loader import parse_definition
from hubdesk.models import (
    RECORD_KINDS,
    OutboxEntry,
    OutboxSent,
    Record,
    SyncBase,
    VaultMeta,
    YoungPerson,
)
from hubdesk.models.base import FROM_HUB
from hubdesk.services import definitions
from hubdesk.services.attachments import FileToMove, files_to_download, files_to_upload
from hubdesk.services.base import ServiceBase
from hubdesk.services.conflicts import keep_conflict
from hubdesk.services.ownership import owned_records
from hubdesk.services.retention import erase_case
from hubdesk.services.sync_check import (
    in_sync,
    kind_summaries,
    moved_away,
    outside,
    with_case,
)
from hubdesk.services.sync_index import indexed_words, reindex, reindex_written
from hubdesk.store.driver import PlainRow, driver_many, plain_rows
from hubdesk.store.outbox import (
    column_values,
    content_of,
    context_of,
    needed_columns,
    queue,
    write_content,
)
from hubdesk.sync import protocol as p
from hubdesk.sync.fields import unfit_field
from hubdesk.sync.merge import three_way

#: ``session.info`` keys of a write that applies the hub's word (``SyncService._as_hub``).
BASES, REINDEX = "hubdesk.sync_bases", "hubdesk.sync_reindex"
#: ... and of the records it inserted without ORM objects (kind → ids), for the search index.
INSERTED = "hubdesk.sync_inserted"
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
    #: Conflicts whose hub copy this version cannot write, by (kind, id): left as sent.
    unreadable: dict[tuple[str, str], UnreadableFromHub] = field(default_factory=dict)


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


@dataclass(frozen=True)
class Standing:
    """Where this laptop's sync stands (``SyncService.standing``): the hub's epoch and the
    cursor it has pulled to, whether a restore of the hub is still being reconciled, how many
    changes wait to be sent, whose cases it holds from the hub (``synced_young_people``), and
    the attached files to send before their records."""

    epoch: str | None
    cursor: int
    restored: bool
    pending: int
    young_people: list[str]
    files_to_send: list[FileToMove]


@dataclass(frozen=True)
class Holdings:
    """What the check reads of this laptop after a pull (``SyncService.holdings``), and the
    attached files named by its records whose bytes are still to be fetched."""

    pending: int
    kinds: dict[str, p.KindSummary]
    moved: dict[str, int]
    files_to_fetch: list[FileToMove]


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
            session.info[INSERTED] = {}
            with session.no_autoflush:
                yield session
            _refuse_incomplete(session.new)
            session.flush()
            _write_bases(session, session.info.pop(BASES))
            reindex_written(
                session,
                list(session.info.pop(REINDEX).values()),
                session.info.pop(INSERTED),
            )

    # State ----------------------------------------------------------------------------------

    def cursor(self) -> int:
        return int(self.vault.meta(CURSOR_KEY) or 0)

    def epoch(self) -> str | None:
        return self.vault.meta(EPOCH_KEY)

    def pending_count(self) -> int:
        with self.read() as session:
            return _pending(session)

    def standing(self) -> Standing:
        """Where this laptop's sync stands, in one read: what a sync starts from."""
        with self.read() as session:
            meta = dict(session.connection().execute(_STANDING_META).all())
            return Standing(
                epoch=meta.get(EPOCH_KEY),
                cursor=int(meta.get(CURSOR_KEY) or 0),
                restored=meta.get(RESTORED_KEY) == "1",
                pending=_pending(session),
                young_people=_synced_young_people(session),
                files_to_send=files_to_upload(session),
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
            conn = session.connection()
            return sum(
                _count(conn, table, table.c.server_seq.is_not(None), table.c.deleted_at.is_(None))
                for table in map(_table, RECORD_KINDS)
            )

    def synced_young_people(self) -> list[str]:
        """The young people whose records this laptop holds from the hub, removed ones too:
        what the hub's list of whose cases this device reaches should be. The check sends
        their digest, and the hub leaves its list out when it is the same."""
        with self.read() as session:
            return _synced_young_people(session)

    def deletions_in(self, changes: list[p.Change]) -> int:
        """How many live local records these changes would delete (one query per kind)."""
        by_kind = _ids_by_kind((c.kind, c.record_id) for c in changes if c.deleted)
        if not by_kind:
            return 0
        with self.read() as session:
            conn = session.connection()
            return sum(
                _count(conn, table, table.c.id.in_(ids), table.c.deleted_at.is_(None))
                for table, ids in ((_table(kind), ids) for kind, ids in by_kind.items())
            )

    # Push -----------------------------------------------------------------------------------

    def next_batch(
        self,
        limit: int = p.MAX_PUSH_BATCH,
        *,
        excluding: Collection[tuple[str, str]] = (),
    ) -> list[p.Mutation]:
        """The oldest pending change of each record (a record's next change waits for the
        hub's answer to this one, whose sequence it is based on), stamped as sent.

        ``excluding``: (kind, id) of records whose change is on its way to the hub and not
        yet answered (the engine sends the next batch meanwhile): none of their changes is in
        this batch (the next one waits for that answer)."""
        with self._as_hub() as session:  # nothing to send: a write transaction writing none
            conn = session.connection()
            # A record in ``excluding`` has one head at most (its change on its way):
            # leaving them out here reads as many more, where a list of them in the query
            # took SQLite longer than the rest of the batch (12 ms for a push's 500).
            heads = plain_rows(conn.execute(_heads(), {"limit": limit + len(excluding)}))
            rows = [r for r in heads if (r.kind, r.record_id) not in excluding][:limit]
            now = self.clock()
            fresh = [row for row in rows if row.sent_at is None]
            based = [(row.kind, row.record_id) for row in fresh if row.op in ("update", "delete")]
            seqs = _server_seqs(conn, based)
            bases = {
                row.seq: seqs.get((row.kind, row.record_id))
                if row.op in ("update", "delete")
                else None
                for row in fresh
            }
            if fresh:  # stamped sent: narrow rows of their own, straight to the driver
                sent_at = _stored(OutboxSent.sent_at, conn, now)
                stamps = [(seq, sent_at, base) for seq, base in bases.items()]
                driver_many(conn, _STAMP_SENT, stamps)
            contexts = _contexts_of(session, rows)
            return [
                _mutation(row, bases.get(row.seq, row.base_seq), contexts.get(row.seq))
                for row in rows
            ]

    def set_aside_unsendable(self, batch: list[p.Mutation]) -> tuple[int, int]:
        """The hub refused ``batch`` as not understood (422): each change is checked as the hub
        checks it. One whose text holds characters the hub refuses (queued by an earlier
        HubDesk, or written around ``models.plain_text``) is mended in its outbox row
        (``protocol.sendable``: what the hub would keep of it) and goes again; one that is
        still refused is set aside with the reason, shown to the person like a change the hub
        refused, so the rest of the outbox still goes. Returns (mended, set aside); (0, 0)
        when every change passes, and the refusal is not explained by them."""
        mended: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        for mutation in batch:
            wire = mutation.model_dump(mode="json")
            if _problem(wire) is None:
                continue
            fixed = {**wire, "content": p.sendable(wire["content"])}
            problem = _problem(fixed)
            if problem is None:
                mended.append({"m": str(mutation.mutation_id), "c": fixed["content"]})
            else:
                refused.append({"m": str(mutation.mutation_id), "r": problem})
        if mended or refused:
            outbox = _table("outbox")
            with self.write() as session:
                conn = session.connection()
                if mended:
                    conn.execute(
                        outbox.update()
                        .where(outbox.c.mutation_id == bindparam("m"))
                        .values(content=bindparam("c")),
                        mended,
                    )
                if refused:
                    conn.execute(
                        outbox.update()
                        .where(outbox.c.mutation_id == bindparam("m"))
                        .values(state="rejected", reason=bindparam("r")),
                        refused,
                    )
        return len(mended), len(refused)

    def record_results(self, results: list[p.MutationResult]) -> PushTally:
        """Settle the hub's answers. A conflict whose hub copy this version cannot write is
        left as sent (asked again at the next sync, when the hub answers with its copy as it
        is then: once corrected, the change merges) and noted in the tally's ``unreadable``:
        the engine sends the rest of the outbox, then raises it."""
        tally = PushTally()
        with self._as_hub() as session:
            sent = _sent(session.connection(), [str(r.mutation_id) for r in results])
            acknowledged: list[tuple[PlainRow, int]] = []
            rejected: list[dict[str, Any]] = []
            for result in results:
                row = sent.get(str(result.mutation_id))
                if row is None:
                    continue  # settled already (an answer seen twice)
                if result.status in ("applied", "duplicate"):
                    assert result.seq is not None
                    acknowledged.append((row, result.seq))
                    tally.applied += result.status == "applied"
                    tally.duplicates += result.status == "duplicate"
                elif result.status == "conflict":
                    copy = result.server_copy or {}
                    found = None
                    if not copy.get("deleted"):  # a removal holds no values
                        found = _unreadable(row.kind, row.record_id, copy.get("content") or {})
                    if found is not None:
                        tally.unreadable[(row.kind, row.record_id)] = found
                        continue
                    self._conflicted(session, row, result)
                    tally.conflicts += 1
                else:
                    rejected.append({"s": row.seq, "r": result.reason or "Refused by the hub."})
                    tally.rejected += 1
            if rejected:
                outbox = _table("outbox")
                session.connection().execute(
                    outbox.update()
                    .where(outbox.c.seq == bindparam("s"))
                    .values(state="rejected", reason=bindparam("r")),
                    rejected,
                )
            self._acknowledged(session, acknowledged)
        return tally

    @staticmethod
    def _acknowledged(session: Session, settled: list[tuple[PlainRow, int]]) -> None:
        """The hub has these changes: they leave the outbox, each record takes its new hub
        sequence (one statement per kind), and the hub's copy becomes its base."""
        if not settled:
            return
        by_kind: dict[str, list[tuple[int, int, str]]] = {}
        for row, seq in settled:
            by_kind.setdefault(row.kind, []).append(
                (seq, p.record_hash(row.record_id, seq), row.record_id)
            )
            _set_base(session, row.kind, row.record_id, seq, row.op == "delete", row.content or {})
        conn = session.connection()
        for kind, values in by_kind.items():
            # Plain integers and ids: straight to the driver (SQLAlchemy's handling of each
            # row's parameters cost more than the statement).
            table = _table(kind).name  # a kind this vault keeps (else KeyError)
            update = f"UPDATE {table} SET server_seq = ?, sync_hash = ? WHERE id = ?"
            driver_many(conn, update, values)
        conn.execute(_SETTLED, {"seqs": [row.seq for row, _ in settled]})

    def _conflicted(self, session: Session, row: PlainRow, result: p.MutationResult) -> None:
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
        _refuse_unreadable(page.changes)
        tally = PullTally(received=len(page.changes))
        if not page.changes and (keep_cursor or self.cursor() == page.next_cursor):
            return tally  # nothing new: no write transaction
        with self._as_hub() as session:
            # A page may hold a child before its parent (a case re-sequenced for a new worker):
            # foreign keys are checked when the page commits, not row by row.
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            here = _Here.read(session, page.changes)
            new: list[p.Change] = []
            for change in page.changes:
                self._apply_change(session, change, tally, here, new)
            _insert_new(session, new)
            if not keep_cursor:
                _set_meta(session, {CURSOR_KEY: str(page.next_cursor), EPOCH_KEY: page.epoch})
        return tally

    def _apply_change(
        self,
        session: Session,
        change: p.Change,
        tally: PullTally,
        here: _Here,
        new: list[p.Change],
    ) -> None:
        """Apply one change; one that only adds a record new to this laptop goes to ``new``
        (inserted with the others of the page, in one statement per kind)."""
        if change.kind == "screening_definition":
            tally.tools += self._keep_tool(session, change)
            return
        cls = RECORD_KINDS.get(change.kind)
        if cls is None:
            return  # a kind this version of HubDesk does not know: left on the hub
        key = (change.kind, change.record_id)
        if key in here.seqs and (here.seqs[key] or 0) >= change.seq:
            return  # this laptop has it already (its own change coming back)
        record = here.records.get(key)
        if record is not None and key in here.waiting:
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
            here.seqs[key] = change.seq
            return
        if change.deleted and here.is_new(key):
            # The removal of a record this laptop never had (a new laptop reads the hub's
            # tombstones too): nothing to remove, and nothing to keep, since a tombstone holds
            # no content. The check counts live records only, so it does not miss it.
            return
        tally.written += 1
        tally.kinds.add(change.kind)
        if here.is_new(key) and not change.deleted:
            new.append(change)
            return
        tally.deleted += change.deleted and record is not None and record.deleted_at is None
        here.records[key] = self._write_theirs(session, cls, record, change)
        here.seqs[key] = change.seq

    def _write_theirs(
        self, session: Session, cls: type[Record], record: Record | None, change: p.Change
    ) -> Record:
        indexed = None if record is None else indexed_words(record)
        if record is None:
            record = cls(id=change.record_id)
            session.add(record)
        if change.deleted:
            record.deleted_at = record.deleted_at or self.clock()
        else:
            write_content(record, change.content)
            record.deleted_at = None
        _on_hub(record, change.seq)
        _set_base(
            session, change.kind, change.record_id, change.seq, change.deleted, change.content
        )
        if indexed is None or indexed != indexed_words(record):
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
            _on_hub(record, theirs.seq)
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
        the hub has (a hub sequence), in the cases the hub says are in this device's scope
        (``sync_check``)."""
        with self.read() as session:
            return kind_summaries(session, kinds, outside(session, young_people))

    def holdings(self, kinds: list[str], young_people: set[str]) -> Holdings:
        """What the check after a pull reads of this laptop, in one read: the changes waiting
        to be sent (merging pulled changes may have queued some), its ``summaries``, its
        ``cases_moved_away``, and the files to fetch."""
        with self.read() as session:
            left_out = outside(session, young_people)
            return Holdings(
                pending=_pending(session),
                kinds=kind_summaries(session, kinds, left_out),
                moved=moved_away(session, left_out),
                files_to_fetch=files_to_download(session),
            )

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
            conn = session.connection()
            waiting = _waiting_ids(conn, kind)
            unexplained = [
                record_id
                for record_id, seq, _ in _synced(conn, kind, young_people)
                if record_id not in waiting
                and (record_id not in on_hub or on_hub[record_id].seq < seq)
            ]
            now = self.clock()
            for record in session.scalars(select(cls).where(cls.id.in_(unexplained))):
                found = on_hub.get(record.id)
                if found is None:
                    session.execute(
                        delete(SyncBase).where(
                            SyncBase.kind == kind, SyncBase.record_id == record.id
                        )
                    )
                    _on_hub(record, None)
                    if record.deleted_at is not None:
                        continue
                    if restored:
                        queue(session.connection(), record, "create", now)
                        queued += 1
                    else:
                        record.deleted_at = now
                        reindex(session, record)
                        removed += 1
                else:
                    # The hub holds an older copy than this laptop last had (restored from a
                    # backup): take its sequence as the base, and send ours again if it differs.
                    _on_hub(record, found.seq)
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
        with self.read() as session:
            return sum(
                1
                for record_id, _, deleted in _synced(session.connection(), kind, young_people)
                if not deleted and record_id not in on_hub
            )

    def cases_moved_away(self, young_people: set[str]) -> dict[str, int]:
        """Cases on this laptop that the hub has but no longer shares with this device (moved
        to another worker or team): young person id → how many records the case holds."""
        with self.read() as session:
            return moved_away(session, outside(session, young_people))

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
            _set_meta(session, {CURSOR_KEY: "0", EPOCH_KEY: epoch, RESTORED_KEY: "1"})
            self.audit(session, "sync-new-epoch", None, kind="hub", record_id=None)

    def restart_pull(self) -> None:
        """The hub no longer keeps the removals since this laptop's cursor: read from the
        start (the check after it removes here what the hub removed)."""
        with self.write() as session:
            _set_meta(session, {CURSOR_KEY: "0"})
            self.audit(session, "sync-read-again", None, kind="hub", record_id=None)

    def settled(self) -> None:
        """Every kind matches the hub: a restore, if there was one, is fully reconciled."""
        if not self.hub_restored():
            return  # nothing to settle: no write transaction
        with self.write() as session:
            _set_meta(session, {RESTORED_KEY: "0"})


def _table(kind: str) -> Table:
    """The table of a kind of record (or of the outbox and its stamps, or of the bases)."""
    cls = _BOOKKEEPING.get(kind) or RECORD_KINDS[kind]
    return cast(Table, cls.__table__)


#: Sync's own tables, by the names ``_table`` knows them by.
_BOOKKEEPING: dict[str, type[Any]] = {
    "outbox": OutboxEntry,
    "outbox_sent": OutboxSent,
    "sync_base": SyncBase,
}


#: A batch's outbox rows stamped as sent (``OutboxSent``): seq, when, on what base.
_STAMP_SENT = "INSERT INTO outbox_sent (seq, sent_at, base_seq) VALUES (?, ?, ?)"


def _stored(column: Any, conn: Connection, value: Any) -> Any:
    """``value`` as SQLAlchemy's type for ``column`` stores it (for a statement straight to
    the driver)."""
    process = column.type.bind_processor(conn.dialect)
    return process(value) if process is not None else value


# What each sync reads, built once (made afresh at each call, a statement cost SQLAlchemy
# longer to build than the vault to run), and run as plain statements on the connection.
_STANDING_META = select(VaultMeta.key, VaultMeta.value).where(
    VaultMeta.key.in_((CURSOR_KEY, EPOCH_KEY, RESTORED_KEY))
)
#: The outbox rows of changes the hub has (parameter ``seqs``), which leave the outbox.
_SETTLED = delete(OutboxEntry).where(OutboxEntry.seq.in_(bindparam("seqs", expanding=True)))
_PENDING = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "pending")
_SYNCED_YOUNG_PEOPLE = select(YoungPerson.id).where(YoungPerson.server_seq.is_not(None))


def _pending(session: Session) -> int:
    """How many changes wait to be sent."""
    return int(session.connection().execute(_PENDING).scalar_one())


def _synced_young_people(session: Session) -> list[str]:
    return list(session.connection().scalars(_SYNCED_YOUNG_PEOPLE))


def _count(conn: Connection, table: Table, *where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _ids_by_kind(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The ids of each kind of record given as (kind, id), leaving out kinds not kept here."""
    found: dict[str, list[str]] = {}
    for kind, record_id in keys:
        if kind in RECORD_KINDS:
            found.setdefault(kind, []).append(record_id)
    return found


def _synced(conn: Connection, kind: str, young_people: set[str]) -> Iterator[tuple[str, int, bool]]:
    """(id, hub sequence, deleted) of every record of ``kind`` the hub has and counts in this
    device's scope: of a case it reaches, or the team's (a context, a contextual plan)."""
    table, whose, joined = with_case(kind)
    query = select(
        table.c.id, table.c.server_seq, type_coerce(table.c.deleted_at.is_not(None), Integer), whose
    ).select_from(joined)
    for record_id, seq, deleted, person in conn.execute(in_sync(table, query)).all():
        if person is None or person in young_people:
            yield record_id, seq, bool(deleted)


def _waiting_ids(conn: Connection, kind: str) -> set[str]:
    """The records of ``kind`` with changes waiting to be sent."""
    outbox = _table("outbox")
    return set(
        conn.execute(
            select(outbox.c.record_id).where(outbox.c.kind == kind, outbox.c.state == "pending")
        ).scalars()
    )


@cache
def _heads() -> Select[*tuple[Any, ...]]:
    """The first (parameter ``limit``) outbox rows that are their record's oldest pending
    change, oldest first, with when each was sent and on what base (None: not yet): read in
    outbox order, each row's earlier ones looked up on the record's index, so a batch reads
    about as many rows as it sends. (Built once: every sync reads it.)"""
    outbox, sent = _table("outbox"), _table("outbox_sent")
    earlier = outbox.alias("earlier")
    query = select(*_sent_columns(outbox), outbox.c.content, sent.c.sent_at, sent.c.base_seq)
    query = query.outerjoin(sent, sent.c.seq == outbox.c.seq).where(
        outbox.c.state == "pending",
        ~select(earlier.c.seq)
        .where(
            earlier.c.record_id == outbox.c.record_id,
            earlier.c.kind == outbox.c.kind,
            earlier.c.state == "pending",
            earlier.c.seq < outbox.c.seq,
        )
        .exists(),
    )
    return query.order_by(outbox.c.seq).limit(bindparam("limit"))


def _sent_columns(outbox: Table) -> tuple[ColumnElement[Any], ...]:
    """What a sent change is known by: its outbox row's order, id, record and operation."""
    c = outbox.c
    return (c.seq, c.mutation_id, c.kind, c.record_id, c.op, c.young_person_id)


def _sent(conn: Connection, mutation_ids: list[str]) -> dict[str, PlainRow]:
    """The outbox rows of these mutations still waiting for an answer, by id, as plain rows
    (one refused already is not counted again when its answer comes twice). Their content
    only where it becomes the record's base once acknowledged (not for a deletion or an
    append-only kind, whose base keeps none).

    The state is compared here, not in the query: with it in the query SQLite looked the
    rows up by state, reading every change waiting (all 10,000 of a first push, for each
    batch of 500), not the batch's ids by the unique index."""
    rows = plain_rows(conn.execute(_sent_query(), {"ids": mutation_ids}))
    return {row.mutation_id: row for row in rows if row.state == "pending"}


@cache
def _sent_query() -> Select[*tuple[Any, ...]]:
    """:func:`_sent`'s query, of the mutation ids in parameter ``ids`` (built once: a push
    settles each of its batches with it)."""
    outbox = _table("outbox")
    no_base = or_(outbox.c.kind.in_(sorted(APPEND_ONLY)), outbox.c.op == "delete")
    content = type_coerce(case((no_base, null()), else_=outbox.c.content), JSON)
    return select(*_sent_columns(outbox), outbox.c.state, content.label("content")).where(
        outbox.c.mutation_id.in_(bindparam("ids", expanding=True))
    )


def _contexts_of(session: Session, rows: Sequence[PlainRow]) -> dict[int, str | None]:
    """The context of each outbox row (by seq) of a contextual plan, its versions and actions:
    the rows of a plan kind with no case (rare: one lookup each)."""
    found: dict[int, str | None] = {}
    for row in rows:
        if row.young_person_id is not None or row.kind not in PLAN_KINDS:
            continue
        record = session.get(RECORD_KINDS[row.kind], row.record_id)
        found[row.seq] = context_of(session.connection(), record) if record is not None else None
    return found


def _mutation(row: PlainRow, base_seq: int | None, context_id: str | None) -> p.Mutation:
    """The wire form of an outbox row. Built without validating it again: every field comes
    from this vault's own outbox (ids and kinds it made, content written by
    ``store.outbox.content_of``), and the hub validates what it receives: what is written
    here is kept sendable (``models.plain_text``), and a batch the hub refuses as not
    understood is mended or set aside (``SyncService.set_aside_unsendable``)."""
    return p.Mutation.model_construct(
        mutation_id=uuid.UUID(row.mutation_id),
        kind=row.kind,
        record_id=row.record_id,
        op=row.op,
        base_seq=base_seq,
        young_person_id=row.young_person_id
        if row.kind not in ("young_person", "context")
        else None,
        context_id=context_id,
        content=row.content,
    )


def _problem(wire: dict[str, Any]) -> str | None:
    """Why the hub would refuse this change as not understood, in words; None if it would
    not. (The hub checks with the same protocol types.)"""
    try:
        p.Mutation.model_validate(wire)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = " ".join(str(part).replace("_", " ") for part in first["loc"]) or "it"
        why = str(first["msg"]).removeprefix("Value error, ")
        why = why[:1].lower() + why[1:]
        return (
            f"The hub cannot take this change: its {where} {why}. "
            "Edit the record and save it again."
        )
    return None


class UnreadableFromHub(HubDeskError):
    """The hub sent a change this version of HubDesk cannot write (``_refuse_unreadable``):
    which record (its label and id; never the value), and which of its fields."""

    def __init__(self, label: str, record_id: str, field: str, *, missing: bool = False) -> None:
        #: The field is missing (the record needs correcting on the hub), not unknown here
        #: (HubDesk needs updating).
        self.missing = missing
        named = field.replace("_", " ")
        what, advice = (
            (f"without its {named}", "Tell the hub's IT team: the record needs it on the hub.")
            if missing
            else (
                f"whose {named} this version of HubDesk cannot read",
                "Update HubDesk on this laptop; if it is up to date, tell the hub's IT team.",
            )
        )
        super().__init__(
            f"The hub sent a {label} (id {record_id}) {what}, so nothing more was taken from "
            "the hub. Changes made on this laptop are kept here and sent at each sync. " + advice
        )


def _refuse_unreadable(changes: Iterable[p.Change]) -> None:
    """Raise ``UnreadableFromHub`` before anything of a page is written if one of its
    records holds a value this version cannot write (a newer HubDesk's choice, a date that
    is not one): the page, and those after it, wait; the cursor stays; what this laptop
    queued is still sent, as every sync pushes before it pulls. Otherwise the write itself
    failed, as a database error with no words for the person."""
    for change in changes:
        if not change.deleted:
            found = _unreadable(change.kind, change.record_id, change.content)
            if found is not None:
                raise found


def _unreadable(kind: str, record_id: str, content: dict[str, Any]) -> UnreadableFromHub | None:
    """The refusal of the hub's copy of a record that this version cannot write; None when
    it can (or when the kind is not a record kept here)."""
    model = RECORD_KINDS.get(kind)
    if model is None:
        return None
    key = unfit_field(kind, content)
    return None if key is None else UnreadableFromHub(model.label, record_id, key)


def _set_base(
    session: Session, kind: str, record_id: str, seq: int, deleted: bool, content: dict[str, Any]
) -> None:
    """Note the hub's copy of a record; written with the rest when the transaction ends.

    None is kept of an append-only record (a finalised note, an addendum): it is never
    changed, so never merged, and a base row for each (most of a caseload) cost a quarter of
    settling a push and of writing a pulled page."""
    if kind in APPEND_ONLY:
        return
    session.info[BASES][(kind, record_id)] = {
        "kind": kind,
        "record_id": record_id,
        "seq": seq,
        "deleted": deleted,
        "content": {} if deleted else dict(content),
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
    # Straight to the driver, each value as SQLAlchemy's own types would store it (JSON text
    # by ``json.dumps``, the flag as 0 or 1): a page or a push's answer writes hundreds.
    rows = [
        (b["kind"], b["record_id"], b["seq"], int(b["deleted"]), json.dumps(b["content"]))
        for b in bases.values()
    ]
    driver_many(session.connection(), _UPSERT_BASES, rows)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SyncBase):  # loaded earlier in this transaction: stale now
            session.expire(obj)


#: Each base inserted, or replacing the one there.
_UPSERT_BASES = (
    "INSERT INTO sync_base (kind, record_id, seq, deleted, content) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (kind, record_id) DO UPDATE SET "
    "seq = excluded.seq, deleted = excluded.deleted, content = excluded.content"
)


def _server_seqs(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The hub sequence of each (kind, id) given, one query per kind."""
    found: dict[tuple[str, str], int] = {}
    for kind, ids in _ids_by_kind(keys).items():
        for record_id, seq in conn.execute(_seqs_of(kind), {"ids": ids}):
            if seq is not None:
                found[(kind, record_id)] = seq
    return found


@cache
def _seqs_of(kind: str) -> Select[str, int | None]:
    """Id and hub sequence (None: never synced) of the records of ``kind`` with the ids in
    parameter ``ids`` (built once for each kind)."""
    table = _table(kind)
    return select(table.c.id, table.c.server_seq).where(
        table.c.id.in_(bindparam("ids", expanding=True))
    )


@cache
def _records_of(kind: str) -> Select[Record]:
    """The records of ``kind`` with the ids in parameter ``ids``, as objects (built once for
    each kind)."""
    cls = RECORD_KINDS[kind]
    return select(cls).where(cls.id.in_(bindparam("ids", expanding=True)))


@cache
def _waiting_of(kind: str) -> Select[str]:
    """The records of ``kind`` with the ids in parameter ``ids`` that have changes waiting to
    be sent (built once for each kind)."""
    outbox = _table("outbox")
    return select(outbox.c.record_id).where(
        outbox.c.kind == kind,
        outbox.c.record_id.in_(bindparam("ids", expanding=True)),
        outbox.c.state == "pending",
    )


@dataclass
class _Here:
    """What this laptop holds of a page's records, read in a few queries per kind (so no
    change looks anything up on its own)."""

    #: The hub sequence of each of the page's records that is here (None: never synced).
    seqs: dict[tuple[str, str], int | None] = field(default_factory=dict)
    #: The ORM objects of those the page may change (held here: the session keeps clean
    #: objects only weakly, and a dropped one would be read again).
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    #: Those with changes waiting to be sent.
    waiting: set[tuple[str, str]] = field(default_factory=set)
    #: Those the page changes more than once.
    repeated: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def read(cls, session: Session, changes: list[p.Change]) -> _Here:
        here = cls()
        newest: dict[tuple[str, str], int] = {}
        for change in changes:
            key = (change.kind, change.record_id)
            if key in newest:
                here.repeated.add(key)
            newest[key] = max(change.seq, newest.get(key, 0))
        conn = session.connection()
        for kind, ids in _ids_by_kind(newest).items():
            for record_id, seq in conn.execute(_seqs_of(kind), {"ids": ids}):
                here.seqs[(kind, record_id)] = seq
            # Records here that the page moves on: only those are loaded as objects (its own
            # changes coming back, the most of a push's pull, are not).
            behind = [
                i
                for i in ids
                if (kind, i) in here.seqs and (here.seqs[(kind, i)] or 0) < newest[(kind, i)]
            ]
            if behind:
                for record in session.scalars(_records_of(kind), {"ids": behind}):
                    here.records[(kind, record.id)] = record
            waiting = conn.execute(_waiting_of(kind), {"ids": ids}).scalars()
            here.waiting.update((kind, record_id) for record_id in waiting)
        return here

    def is_new(self, key: tuple[str, str]) -> bool:
        """Not on this laptop, nothing waiting for it, changed once in the page: it can be
        inserted with the page's other new records."""
        return key not in self.seqs and key not in self.waiting and key not in self.repeated


def _insert_new(session: Session, changes: list[p.Change]) -> None:
    """Insert records new to this laptop (``_Here.is_new``, not deleted) in one statement per
    kind, not one ORM object each: exactly the row ``_write_theirs`` would make (the columns
    ``store.outbox.write_content`` sets, the rest their defaults), with the hub's copy noted
    as the base and the search index written after (``INSERTED``). Raises
    ``UnreadableFromHub`` for one that lacks a field it cannot be written without."""
    groups: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = {}
    inserted: dict[str, list[str]] = session.info[INSERTED]
    for change in changes:
        table = _table(change.kind)
        values = column_values(table, change.content)
        _refuse_lacking(change.kind, change.record_id, values.keys())
        values.update(
            id=change.record_id,
            server_seq=change.seq,
            sync_hash=p.record_hash(change.record_id, change.seq),
            deleted_at=None,
        )
        # One statement takes rows with the same columns (a missing one takes its default).
        groups.setdefault((change.kind, frozenset(values)), []).append(values)
        _set_base(session, change.kind, change.record_id, change.seq, False, change.content)
        inserted.setdefault(change.kind, []).append(change.record_id)
    conn = session.connection()
    for (kind, _), rows in groups.items():
        conn.execute(_table(kind).insert(), rows)


def _refuse_lacking(kind: str, record_id: str, given: Collection[str]) -> None:
    """Raise ``UnreadableFromHub`` when a record new to this laptop lacks a field it cannot
    be written without. The hub takes a change without every field (another version's or
    another client's): a record held here keeps what a change leaves out, but one new here
    cannot be written. The page is rolled back and waits, as for a value this version
    cannot read."""
    if lacking := needed_columns(_table(kind)) - set(given):
        raise UnreadableFromHub(RECORD_KINDS[kind].label, record_id, min(lacking), missing=True)


def _refuse_incomplete(new: Iterable[object]) -> None:
    """:func:`_refuse_lacking` for the records new to this laptop made as objects (a record
    the page changes more than once, or one merged with nothing here), as they stand once
    every change is written: a later change of the page may give what an earlier left out."""
    for record in new:
        if isinstance(record, Record) and record.__tablename__ in RECORD_KINDS:
            kind = record.__tablename__
            held = {c for c in needed_columns(_table(kind)) if getattr(record, c) is not None}
            _refuse_lacking(kind, record.id, held)


def _on_hub(record: Record, seq: int | None) -> None:
    """The record is at hub sequence ``seq`` (None: the hub does not have it), with the hash
    the check adds up."""
    record.server_seq = seq
    record.sync_hash = None if seq is None else p.record_hash(record.id, seq)


def _set_meta(session: Session, values: dict[str, str]) -> None:
    """Set these facts of the vault (``VaultMeta``) in one statement, straight to the driver."""
    driver_many(session.connection(), _UPSERT_META, list(values.items()))


_UPSERT_META = (
    "INSERT INTO vault_meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
