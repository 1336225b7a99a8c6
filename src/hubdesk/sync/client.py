"""The sync engine (Qt-free): push the outbox, then pull the hub's changes, then check.

One ``run()`` is one sync:

1. **Push** the outbox in batches until it is empty. Each answer is settled in the vault
   (``services.sync``); a batch whose answer never came is sent again as the very same
   mutations, and the hub answers a replay with its first result (a conflict with the
   hub's record as it is then).
2. **Pull** pages after the stored cursor; each page and the cursor after it are written in
   one transaction. Before a page is written, the fail-safe counts what it would delete: a
   sync that would remove more than half of the records on this laptop stops and asks.
3. Push again if merging pulled changes queued anything.
4. **Check**: the hub's count and digest of every kind in scope against this laptop's; a kind
   that differs is read again whole and whatever the hub lacks is queued and pushed. The
   hub's side comes with the pull's last page, read in the same transaction as that page.

The laptop's work and the hub's overlap: while the hub works on one request, the laptop
writes the answer before it and stamps the next batch (a record whose change is in flight is
left out of it: its next change is based on the answer). Only the call to the hub runs in
the background thread (``_Ahead``); every vault step stays on the caller's thread, in order.

A new epoch from the hub (restored from a backup) restarts the pull from the beginning and
checks every kind, so the hub gets back what the backup lacked.

Calls that fail because the hub could not be reached, or answered 5xx or 429, are retried
with exponential backoff and full jitter; a refusal (sign-in needed, device revoked) ends the
run at once and is reported. Nothing here needs Qt or the network beyond ``HubClient``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from hubdesk.services.sync import Holdings, PullTally, PushTally, Standing, SyncService
from hubdesk.sync import protocol as p
from hubdesk.sync.attachments import FileHub, FileTally, FileTransfer, Retrying
from hubdesk.sync.transport import HubError, HubRefused, HubUnreachable

T = TypeVar("T")
#: A sync stops and asks before deleting more than this share of the records on the laptop.
MASS_DELETE_SHARE = 0.5
#: ... but only once there are this many: deleting 3 of 4 records is ordinary work.
MASS_DELETE_MINIMUM = 10
#: Push and pull rounds in one run (merging pulled changes can queue more to push).
ROUNDS = 3


class Hub(FileHub, Protocol):
    """What the engine needs of the hub (``transport.HubClient``; a test may wrap it): the
    record calls below and the file calls of ``FileHub``."""

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse: ...
    def pull(
        self,
        after: int,
        limit: int = ...,
        kind: str | None = ...,
        *,
        summary: bool = ...,
        known_scope: str | None = ...,
    ) -> p.ChangePage: ...
    def summary(self, known_scope: str | None = ...) -> p.SyncSummary: ...


@dataclass(frozen=True)
class Progress:
    """Where a sync is: ``stage`` is push, pull or check; ``done`` of ``total`` (None when the
    total is not known yet)."""

    stage: str
    done: int
    total: int | None


class MassDeletion(Exception):
    """The hub's changes would delete more than half of this laptop's records."""

    def __init__(self, deleting: int, held: int) -> None:
        super().__init__(
            f"This sync would remove {deleting} of the {held} records on this laptop. "
            "It has stopped so nothing is removed by mistake; check with your hub's IT team, "
            "then choose to go on."
        )
        self.deleting, self.held = deleting, held


@dataclass
class SyncReport:
    pushed: PushTally = field(default_factory=PushTally)
    pulled: PullTally = field(default_factory=PullTally)
    resynced: list[str] = field(default_factory=list)
    requeued: int = 0
    #: Records removed here because the hub no longer has them (a removal it has forgotten).
    removed: int = 0
    new_epoch: bool = False
    #: Cases no longer shared with this device (moved to another worker): removed here, or
    #: kept because a change made here has not reached the hub.
    cases_moved: int = 0
    cases_kept: int = 0
    #: The hub no longer kept the removals since this laptop's cursor: all was read again.
    read_again: bool = False
    #: Kinds still differing from the hub after the resync (should be empty).
    mismatched: list[str] = field(default_factory=list)
    halted: str | None = None
    #: Attached files sent and fetched (``sync.attachments``).
    files: FileTally = field(default_factory=FileTally)

    def lines(self) -> list[str]:
        """What moved, in words, one line each (``hubdesk sync`` prints these)."""
        s, r = self.pushed, self.pulled
        out = [
            f"Sent: {s.applied} applied, {s.duplicates} already on the hub, "
            f"{s.conflicts} in conflict, {s.rejected} refused.",
            f"Received: {r.written} changes ({r.deleted} removals), {r.tools} screening tools, "
            f"{r.conflicts} in conflict with changes made here.",
        ]
        if self.files.sent or self.files.received or self.files.left:
            out.append(
                f"Attached files: {self.files.sent} sent, {self.files.received} received, "
                f"{self.files.left} to try again next time."
            )
        if self.new_epoch:
            out.append("The hub was restored from a backup: everything was checked again.")
        if self.cases_moved:
            out.append(f"{self.cases_moved} cases moved to someone else were removed here.")
        if self.cases_kept:
            out.append(
                f"{self.cases_kept} cases moved to someone else are kept here: they hold "
                "changes the hub has not taken. Ask your team lead who should have them."
            )
        if self.read_again:
            out.append("This laptop had been away a long time: everything was read again.")
        if self.resynced:
            out.append(
                f"Read again from the hub: {', '.join(self.resynced)}; "
                f"{self.requeued} changes sent again, {self.removed} removed here."
            )
        if self.mismatched:
            out.append(f"Still differing from the hub: {', '.join(self.mismatched)}.")
        if self.halted:
            out.append(self.halted)
        return out


def backoff_delays(
    attempts: int, base: float = 0.5, cap: float = 30.0, rng: Callable[[], float] = random.random
) -> list[float]:
    """Full-jitter exponential backoff: attempt n waits a random time up to base·2ⁿ (capped)."""
    return [rng() * min(cap, base * 2**n) for n in range(attempts)]


class SyncEngine:
    def __init__(
        self,
        store: SyncService,
        hub: Hub,
        *,
        progress: Callable[[Progress], None] | None = None,
        page_size: int | None = None,
        attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        allow_mass_delete: bool = False,
    ) -> None:
        """``page_size`` is the size of a pushed batch and of a pulled page (by default the
        most the hub takes in a push and serves in a page)."""
        self.store, self.hub = store, hub
        self.progress = progress or (lambda _p: None)
        self.batch_size = min(page_size or p.MAX_PUSH_BATCH, p.MAX_PUSH_BATCH)
        self.pull_size = min(page_size or p.MAX_PULL_PAGE, p.MAX_PULL_PAGE)
        self.attempts, self.sleep = attempts, sleep
        self.allow_mass_delete = allow_mass_delete
        #: The hub's epoch this laptop holds (read at the start of a run, then kept here).
        self._epoch: str | None = None

    def run(self) -> SyncReport:
        """One sync. Raises ``HubUnreachable`` after the retries, ``HubRefused`` (sign-in
        needed, revoked) at once, ``MassDeletion`` when the fail-safe stops it."""
        report = SyncReport()
        files = FileTransfer(  # attached files: sent before their records, fetched after
            self.store, self.hub, self._retrying, lambda *step: self.progress(Progress(*step))
        )
        ahead = _Ahead(self._retrying)
        standing = self.store.standing()
        self._epoch = standing.epoch
        for _ in range(ROUNDS):
            files.upload(standing.files_to_send)
            pulling = self._push(report, ahead, standing)
            pulled = self._pull(report, ahead, pulling or self._start_pull(ahead))
            checked = pulled or self._summary()
            holdings = self.store.holdings(checked.kinds_held, checked.young_people)
            files.download(holdings.files_to_fetch)
            if holdings.pending == 0:
                break  # else merging pulled changes queued some (or they were made meanwhile)
            standing = self.store.standing()
        self._check(report, checked, holdings, ahead, standing.restored or report.new_epoch)
        report.files = files.tally
        return report

    # Steps ----------------------------------------------------------------------------------

    def _push(
        self, report: SyncReport, ahead: _Ahead, standing: Standing, *, then_pull: bool = True
    ) -> _Pulling | None:
        """Send the outbox (``_send``); then, if the hub answered a change with a copy of its
        record this version cannot write, raise ``UnreadableFromHub`` for it: the rest of the
        outbox has gone, that change is left as sent, and no pull follows."""
        pulling = self._send(report, ahead, standing, then_pull=then_pull)
        if report.pushed.unreadable:
            if pulling is not None:
                pulling.drop()
            raise next(iter(report.pushed.unreadable.values()))
        return pulling

    def _send(
        self, report: SyncReport, ahead: _Ahead, standing: Standing, *, then_pull: bool = True
    ) -> _Pulling | None:
        """Send the outbox; while the hub works on one batch, the laptop settles the answer
        before it and stamps the next batch (leaving out the records in flight).

        When the last batch is answered and nothing waits behind it, the pull is asked for
        at once, and the answer is written while the hub reads the page: that pull is
        returned. (Should the answer queue more to send, a conflict merged, it is dropped
        unread, and the pull asked for again after those.)

        ``standing`` is read at the start of the round: what was waiting then is counted,
        and the early pull starts from its cursor and its list of young people (a push
        changes neither, until its answers are written). A change made meanwhile (the
        desktop syncs while its user works) is found when the answers are written.
        ``then_pull`` false: no pull follows (the check's own push after a resync)."""
        total, done = standing.pending, 0
        held = report.pushed.unreadable  # left as sent: not sent again in this sync
        batch = self.store.next_batch(self.batch_size, excluding=held.keys()) if total else []
        sending = ahead.call(partial(self.hub.push, batch)) if batch else None
        pulling: _Pulling | None = None
        while sending is not None:
            self.progress(Progress("push", done, total))
            in_flight = {(m.kind, m.record_id) for m in batch} | held.keys()
            last = done + len(batch) >= total  # all that was waiting is on its way
            following = [] if last else self.store.next_batch(self.batch_size, excluding=in_flight)
            try:
                answer = sending.result()
            except HubRefused as refused:
                mended, set_aside = (
                    self.store.set_aside_unsendable(batch) if refused.status == 422 else (0, 0)
                )
                if not mended + set_aside:
                    raise
                report.pushed.rejected += set_aside
                # Mended or set aside: the rest (this batch's and the next, stamped, not yet
                # answered) goes again as it was, from the start of the outbox.
                return self._send(report, ahead, self.store.standing(), then_pull=then_pull)
            sending = ahead.call(partial(self.hub.push, following)) if following else None
            new_epoch = self._note_epoch(answer.epoch, report)
            if then_pull and sending is None and not new_epoch and last:
                pulling = self._start_pull(ahead, standing)  # only this batch was waiting
            tally = self.store.record_results(answer.results)
            _add(report.pushed, tally)
            done += len(batch)
            answered = tally.applied + tally.duplicates + tally.conflicts + len(tally.unreadable)
            if answered == 0 and sending is not None:
                # All refused: they stay, shown with the hub's reasons. The batch already sent
                # is settled; nothing more is sent this time.
                _add(report.pushed, self.store.record_results(sending.result().results))
                return None
            if sending is None and pulling is not None and self.store.pending_count():
                pulling.drop()  # more to send first: the pull is asked for after it
                pulling = None
            if sending is None and pulling is None:
                # The records that were in flight may have more to send.
                following = self.store.next_batch(self.batch_size, excluding=held.keys())
                sending = ahead.call(partial(self.hub.push, following)) if following else None
            batch = following
        return pulling

    def _start_pull(self, ahead: _Ahead, standing: Standing | None = None) -> _Pulling:
        """Ask for the first page after this laptop's cursor, with the hub's check (the cursor
        and young people of ``standing``, when given, else read now)."""
        standing = standing or self.store.standing()
        known = standing.young_people
        scope = p.young_people_digest(known)
        fetch = partial(self.hub.pull, limit=self.pull_size, summary=True, known_scope=scope)
        return _Pulling(known, scope, fetch, ahead.call(partial(fetch, standing.cursor)))

    def _pull(self, report: SyncReport, ahead: _Ahead, pulling: _Pulling) -> Checked | None:
        """Read the hub's changes; the next page is fetched while this one is written. The
        hub's check comes with the last page (None when the hub did not send it)."""
        held: int | None = None  # counted before the first page that removes anything
        deleting = 0
        known, scope, fetch, coming = pulling.known, pulling.scope, pulling.fetch, pulling.coming
        while True:
            self.progress(Progress("pull", report.pulled.received, None))
            try:
                page = coming.result()
            except HubRefused as refused:
                if refused.code != p.RESYNC_NEEDED:
                    raise
                # Away longer than the hub keeps removals: read everything again; the check
                # then removes here what the hub removed meanwhile.
                self.store.restart_pull()
                report.read_again = True
                coming = ahead.call(partial(fetch, 0))
                continue
            if self._note_epoch(page.epoch, report):
                coming = ahead.call(partial(fetch, 0))  # read again from the start
                continue
            if page.has_more:
                coming = ahead.call(partial(fetch, page.next_cursor))
            removing = self.store.deletions_in(page.changes)
            if removing:
                held = self.store.live_count() if held is None else held
                deleting += removing
                self._fail_safe(deleting, held)
            _add(report.pulled, self.store.apply_page(page))
            if not page.has_more:
                return Checked.of(page.summary, known, scope)

    def _summary(self) -> Checked:
        """The hub's check asked for on its own (after a resync, or from a hub whose pull
        does not carry it)."""
        known = self.store.synced_young_people()
        scope = p.young_people_digest(known)
        found = Checked.of(self._retrying(partial(self.hub.summary, scope)), known, scope)
        assert found is not None
        return found

    def _check(
        self,
        report: SyncReport,
        hub: Checked,
        mine: Holdings,
        ahead: _Ahead,
        restored: bool,
    ) -> None:
        """Compare the hub's check with what this laptop holds (``mine``, read after the
        pull); ``restored``: the hub was restored from a backup and is still being
        reconciled (what it lacks is sent to it, not removed here)."""
        self.progress(Progress("check", 0, None))
        scope = hub.young_people
        kinds = hub.kinds_held
        differing = [kind for kind in kinds if mine.kinds[kind] != hub.kinds[kind]]
        held = self.store.live_count() if differing else 0
        absent = 0
        for n, kind in enumerate(differing):
            self.progress(Progress("check", n, len(differing)))
            changes = self._whole_kind(kind)
            if not restored:  # what the hub lacks is removed here: the fail-safe counts it
                absent += self.store.count_absent(kind, changes, scope)
                self._fail_safe(absent, held)
            queued, removed = self.store.resync_kind(kind, changes, scope, restored=restored)
            report.requeued += queued
            report.removed += removed
            report.resynced.append(kind)
        # (A resync may have changed which young people this laptop holds from the hub.)
        moved = self.store.cases_moved_away(scope) if differing else mine.moved
        if moved:
            held = held or self.store.live_count()
            self._fail_safe(absent + sum(moved.values()), held)
            report.cases_moved, report.cases_kept = self.store.drop_cases(sorted(moved))
        if differing:
            self._push(report, ahead, self.store.standing(), then_pull=False)
            again = self._summary()
            now = self.store.summaries(differing, again.young_people)
            report.mismatched = [kind for kind in differing if now[kind] != again.kinds.get(kind)]
        if restored and not report.mismatched:
            self.store.settled()

    def _fail_safe(self, deleting: int, held: int) -> None:
        if (
            not self.allow_mass_delete
            and held >= MASS_DELETE_MINIMUM
            and deleting > held * MASS_DELETE_SHARE
        ):
            raise MassDeletion(deleting, held)

    def _whole_kind(self, kind: str) -> list[p.Change]:
        """Every record of one kind in scope, read from the start and applied as read."""
        changes: list[p.Change] = []
        after = 0
        while True:
            page = self._retrying(partial(self.hub.pull, after, self.pull_size, kind))
            self.store.apply_page(page, keep_cursor=True)
            changes.extend(page.changes)
            after = page.next_cursor
            if not page.has_more:
                return changes

    def _note_epoch(self, epoch: str, report: SyncReport) -> bool:
        """True when the hub has a new epoch (restored from a backup): the pull starts again
        from the beginning, and the final check compares every kind."""
        known, self._epoch = self._epoch, epoch
        if known is None or known == epoch:
            return False
        self.store.start_epoch(epoch)
        report.new_epoch = True
        return True

    def _retrying(self, call: Callable[[], T]) -> T:
        delays = backoff_delays(self.attempts)
        for n in range(self.attempts + 1):
            try:
                return call()
            except HubUnreachable:
                if n == self.attempts:
                    raise
            except HubRefused as refused:
                if n == self.attempts or not (refused.status >= 500 or refused.status == 429):
                    raise
            self.sleep(delays[n])
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Checked:
    """The hub's count and digest of each kind in this device's scope, and whose cases that
    scope holds."""

    kinds: dict[str, p.KindSummary]
    young_people: set[str]

    @property
    def kinds_held(self) -> list[str]:
        """The kinds checked that this HubDesk keeps (one it does not know stays on the hub)."""
        return sorted(kind for kind in self.kinds if kind in p.RECORD_KINDS)

    @classmethod
    def of(cls, summary: p.SyncSummary | None, known: list[str], sent: str) -> Checked | None:
        """The hub's answer read against what this laptop sent: ``known`` (the young people
        it holds from the hub) and ``sent``, their digest. The hub leaves its list out only
        when it is the one whose digest was sent; a list left out without that agreement is
        never read as "no young people", which would remove every case here."""
        if summary is None:
            return None
        if summary.young_people is not None:
            return cls(summary.kinds, set(summary.young_people))
        if summary.young_people_digest != sent:
            raise HubError("The hub's check left out which young people this laptop holds.")
        return cls(summary.kinds, set(known))


@dataclass
class _Pulling:
    """A pull asked for: whose cases this laptop held when it asked (and their digest), how
    to ask for the next page, and the first page on its way."""

    known: list[str]
    scope: str
    fetch: Callable[[int], p.ChangePage]
    coming: Future[p.ChangePage]

    def drop(self) -> None:
        """Not to be read: its answer is waited for (one call to the hub at a time) and let
        go, whatever it was."""
        self.coming.exception()


class _Ahead:
    """One call to the hub at a time in a background thread, so the laptop can write the last
    answer while the hub works on the next request. Calls are retried there as anywhere.

    A run that ends does not wait for a call still in flight (a sync stopped by the
    fail-safe, a lock or an error): its answer is dropped, never written. A push whose answer
    is dropped is sent again next time as the same mutations, and the hub answers a replay with
    its first result (a conflict with the record as it is then). The threads are daemons, so
    ``hubdesk sync`` ending on an error does not wait at exit for such a call and its
    retries."""

    def __init__(self, retrying: Retrying) -> None:
        self._retrying = retrying

    def call(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()

        def run() -> None:
            try:
                answer = self._retrying(call)
            except BaseException as exc:  # handed to the waiting thread, as a pool would
                future.set_exception(exc)
            else:
                future.set_result(answer)

        threading.Thread(target=run, name="hubdesk-sync", daemon=True).start()
        return future


def _add(total: PushTally | PullTally, more: PushTally | PullTally) -> None:
    for name, value in vars(more).items():
        if isinstance(value, set | dict):
            getattr(total, name).update(value)  # in place: the engine holds the push's
        else:
            setattr(total, name, getattr(total, name) + value)
