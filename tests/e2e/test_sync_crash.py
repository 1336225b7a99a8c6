"""kill -9 during sync, on both sides.

**The laptop killed.** A child process runs one sync of a real vault against the real hub on
loopback and is killed with SIGKILL at a seeded random point: after its n-th event (a call
to the hub, an answer, a progress step) plus up to a few milliseconds. Between kills this
test (the parent) opens the vault, checks that every change it made there is still there,
makes more changes, and now and then lets the team lead's laptop change the same case and
sync. After every kill the vault opens (every tenth time its integrity checks and audit chain
are checked too); after at most two kills, and at the end, a sync in this process completes
and the laptop then holds exactly what the hub serves it, with each change on the hub exactly
once (``faultproxy.Ledger.problems``) and no conflict anywhere: the two laptops change
different fields, so any conflict would be one a crash made up.

Children are forked from one helper process (this module run with ``python -m``, below) that
has already imported everything, so a kill costs a fork and a vault opening, not a Python
start-up.

**The hub killed.** A real ``hubdesk-server serve`` process on a file database (SQLite, or a
PostgreSQL schema) is killed with SIGKILL while a push is on its way in: once before it is
applied, once part-way through applying it (a trigger slows each mutation down, so the kill
lands inside the push's transaction), and once after it has applied a push whose answer the
laptop never got. The engine's wait between retries starts the hub again; each mutation is
applied once, and nothing of a killed transaction is kept.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, TypeVar

import pytest
from sqlalchemy import text

from hubdesk.server.db import Database
from hubdesk.server.hub import Hub
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.sync.client import SyncEngine, SyncReport
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import HubClient
from hubdesk.timeutil import utcnow
from tests.conftest import PASSPHRASE, passphrase
from tests.e2e.devices import Device, new_device
from tests.e2e.faultproxy import PUSH, FailThenSucceed, Fault, FaultProxy, Request, hub_scope
from tests.e2e.faultproxy import ledger as hub_ledger
from tests.helpers.forking import LINE_TIMEOUT_S, ForkingHelper, say, serve
from tests.server.conftest import Org, Served
from tests.server.test_workers import (
    ORGANISATION,
    SERVER,
    Workers,
    free_port,
    wait_until_healthy,
)

pytestmark = pytest.mark.slow
T = TypeVar("T")

ITERATIONS = 50
SEED = 2  # found the lost-merge bug (see test_sync_faults.py) before it was fixed
CHECK_EVERY = 10
#: The child is killed after its n-th event (a call to the hub, an answer, a progress step)
#: for n drawn from this range, then after a random pause of up to KILL_PAUSE_S.
KILL_AFTER_EVENT = (1, 14)
KILL_PAUSE_S = 0.02
#: Push batches and pull pages of the child's sync: small, so one sync has many steps.
CHILD_PAGE = 3


# The child side: run as `python -m tests.e2e.test_sync_crash` -------------------------------------


class _Announced(HubRelay):
    """The hub, with every call and answer announced to the parent as an event."""

    def _around(self, name: str, call: Callable[[], T]) -> T:
        say(f"event call {name}")
        answer = call()
        say(f"event answer {name}")
        return answer


def _sync_child(folder: Path, secret: bytes) -> int:
    """One sync of the vault in ``folder``; then wait for the parent's kill."""
    try:
        vault = Vault.open(folder, bytearray(secret))
        say("event opened")
        services = Services(vault)
        link = services.hub.link()
        assert link is not None
        with HubClient(link.url, link.token, timeout=10) as client:
            engine = SyncEngine(
                services.sync,
                _Announced(client),
                progress=lambda step: say(f"event {step.stage}"),
                page_size=CHILD_PAGE,
                sleep=lambda _s: None,
            )
            engine.run()
        say("done")
    except BaseException as exc:  # the parent shows it and fails; test data only, no secrets
        say(f"error {type(exc).__name__}: {exc}")
        return 1
    signal.pause()  # the parent kills this process whenever it chose to
    return 0


# The parent side ----------------------------------------------------------------------------------


class Helper(ForkingHelper):
    """The forking helper: this module run with ``python -m``."""

    def __init__(self, stderr: IO[bytes]) -> None:
        super().__init__("tests.e2e.test_sync_crash", PASSPHRASE, stderr)

    def sync_and_kill(self, folder: Path, after_event: int, pause: float) -> tuple[int, bool]:
        """Start a child syncing ``folder`` and kill it after its ``after_event``-th event and
        ``pause`` seconds; (events seen, whether the sync had finished before the kill)."""
        self.send("sync", str(folder))
        events, done = 0, False
        while events < after_event and not done:
            line = self.line()
            assert not line.startswith(("error", "eof", "exit")), f"the sync failed: {line}"
            events += line.startswith("event ")
            done |= line == "done"
        # Not synchronisation: the random moment of the kill is the point of the test.
        time.sleep(pause)
        code = self.kill()
        for line in self.last_lines:
            assert not line.startswith("error"), f"the sync failed: {line}"
            done |= line == "done"
        assert code == -signal.SIGKILL, f"the child ended by itself: exit {code}"
        return events, done


def write_note(device: Device, person: str, words: str) -> str:
    note = device.s.notes.add(
        person, kind="phone", occurred_at=utcnow() - timedelta(hours=1), narrative=words
    )
    device.s.notes.finalise(note)
    return note


def opened(folder: Path, url: str, name: str, check: bool) -> Device:
    """The vault after a kill: it opens, and (when ``check``) passes its integrity checks."""
    device = Device(name, folder, url, Vault.open(folder, passphrase()))
    if check:
        result = device.vault.check()
        assert result.ok, result.in_words()
        audit = device.s.verify_audit()
        assert audit.ok, audit.in_words()
    return device


def token(device: Device) -> str:
    link = device.s.hub.link()
    assert link is not None
    return link.token


def check_converged(hub: Hub, amy: Device, lead: Device, notes: set[str]) -> None:
    """Amy's laptop holds what the hub serves her, each change once, no conflicts."""
    assert amy.s.sync.pending_count() == 0
    for kind, records in hub_scope(hub, token(amy)).items():
        assert amy.records(kind) == records, f"{kind} differs from the hub"
    found = hub_ledger(hub)
    problems = found.problems()
    assert problems == [], problems[:5]
    assert set(found.live("contact_note")) == notes
    assert all(len(found.changes_of("contact_note", n)) == 1 for n in notes)
    for device in (amy, lead):
        assert device.s.conflicts.count_open() == 0, f"{device.name}: a conflict from a crash"


def test_a_laptop_killed_mid_sync_loses_nothing_and_converges(
    served: Served, org: Org, hub: Hub, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    folder = tmp_path / "amy"
    amy = new_device(folder, served.base, "north-amy")
    lead = new_device(tmp_path / "lead", served.base, "north-lead")
    person = amy.s.cases.add(given_name="Crash", family_name="Test")
    amy.sync()
    lead.sync()
    notes: set[str] = set()  # on either laptop
    amy_notes: set[str] = set()
    mine: dict[str, str] = {}  # what Amy last wrote: field → value
    school = None  # what the lead last wrote
    events_seen: list[int] = []
    finished_before_kill = 0
    skipped = False
    began = time.monotonic()

    with (tmp_path / "helper.stderr").open("wb") as stderr:
        helper = Helper(stderr)
        try:
            for i in range(1, ITERATIONS + 1):
                # Work on Amy's laptop, acknowledged when each call returns.
                for _ in range(rng.randint(1, 4)):
                    amy_notes.add(write_note(amy, person, f"Visit {i}"))
                notes |= amy_notes
                if rng.random() < 0.5:
                    mine["preferred_name"] = f"Name {i}"
                    amy.s.cases.update(person, preferred_name=mine["preferred_name"])
                # Meanwhile the team lead changes another field and writes notes.
                if rng.random() < 0.4:
                    school = f"School {i}"
                    lead.s.cases.update(person, education=school)
                    notes.add(write_note(lead, person, f"Lead call {i}"))
                    lead.sync()
                amy.close()

                after = rng.randint(*KILL_AFTER_EVENT)
                events, done = helper.sync_and_kill(folder, after, rng.uniform(0, KILL_PAUSE_S))
                events_seen.append(events)
                finished_before_kill += done

                amy = opened(folder, served.base, "north-amy", check=i % CHECK_EVERY == 0)
                mine_now = amy.records("young_person")[person]
                for column, value in mine.items():
                    assert mine_now[column] == value, f"iteration {i}: {column} lost"
                lost = amy_notes - set(amy.records("contact_note"))
                assert not lost, f"iteration {i}: {len(lost)} acknowledged notes lost"
                # At most two kills before a sync that completes (stacked crashes too).
                skipped = not (skipped or rng.random() < 0.5 or i == ITERATIONS)
                if not skipped:
                    report = amy.sync()
                    assert report.mismatched == [], f"iteration {i}: {report.mismatched}"
                    lead.sync()
                    check_converged(hub, amy, lead, notes)
        finally:
            helper.close()
    lead.sync()
    assert amy.state_hash() == lead.state_hash()
    final = amy.records("young_person")[person]
    assert (final["preferred_name"], final["education"]) == (mine.get("preferred_name"), school)
    mid_sync = ITERATIONS - finished_before_kill
    print(
        f"\n{ITERATIONS} kills in {time.monotonic() - began:.1f} s; {mid_sync} mid-sync; "
        f"events before a kill {min(events_seen)}–{max(events_seen)}; {len(notes)} notes"
    )
    assert mid_sync >= ITERATIONS // 2, "most kills came after the sync had finished"
    amy.close()
    lead.close()


# The hub killed -----------------------------------------------------------------------------------

#: Notes pushed in batches of PUSH_BATCH, so the kills land on a push with more behind it.
HUB_NOTES = 24
PUSH_BATCH = 8
#: Pauses after a push reached the hub before it is killed: at once, likely part-way through
#: applying it, and likely after it has committed (the answer then never reaches the laptop).
IN_FLIGHT_PAUSES_S = (0.0, 0.02, 0.1)


class ServeProcess:
    """A real ``hubdesk-server serve`` that can be killed with SIGKILL and started again (on a
    new port: the proxy in front is pointed at it, so the laptop's hub address stays)."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = self.kills = 0

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> str:
        port, log = free_port(), self.workers.folder / f"serve-{self.starts}.log"
        argv = [str(SERVER), "serve", *self.workers.where(), "--host", "127.0.0.1"]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*argv, "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.workers.env,
            )
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(self.proc, base, log)
        self.starts += 1
        return base

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        self.kills += 1

    def stop(self) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.terminate()
            self.proc.wait(timeout=30)


@contextmanager
def hub_process(database_url: str, folder: Path) -> Iterator[tuple[ServeProcess, FaultProxy, Hub]]:
    """An initialised hub database with Amy's team, one serve process on it, a proxy in
    front, and a ``Hub`` on the same database for reading its tables."""
    workers = Workers(database_url, folder)
    workers.command("init", "--organisation", ORGANISATION)
    workers.command("admin", "team", "create", "--name", "North")
    workers.command(
        "admin", "user", "create", "--username", "north-amy", "--role", "practitioner",
        "--team", "North",
    )  # fmt: skip
    server = ServeProcess(workers)
    db = Database(database_url)
    try:
        with FaultProxy(server.start()) as proxy:
            yield server, proxy, Hub(db, workers.ca_dir)
    finally:
        server.stop()
        db.dispose()


class SlowApply:
    """A trigger on the hub's ``applied_mutation`` that makes each mutation take a while to
    apply, so the hub can be killed inside a push's transaction, with part of it applied."""

    SQLITE_ROWS = 200  # the trigger counts a cross join of this many rows, thrice: ~0.2 s
    PG_SLEEP_S = 0.2

    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = db.engine.dialect.name == "postgresql"

    def install(self) -> None:
        with self.db.engine.begin() as conn:
            if self.postgres:
                conn.exec_driver_sql(
                    "CREATE FUNCTION slow_apply() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN PERFORM pg_sleep({self.PG_SLEEP_S}); RETURN NEW; END $$"
                )
                conn.exec_driver_sql(
                    "CREATE TRIGGER slow_apply BEFORE INSERT ON applied_mutation "
                    "FOR EACH ROW EXECUTE FUNCTION slow_apply()"
                )
                return
            conn.exec_driver_sql("CREATE TABLE slow_rows (x INTEGER)")
            for x in range(self.SQLITE_ROWS):
                conn.exec_driver_sql(f"INSERT INTO slow_rows VALUES ({x})")
            conn.exec_driver_sql(
                "CREATE TRIGGER slow_apply BEFORE INSERT ON applied_mutation BEGIN "
                "SELECT count(*) FROM slow_rows a, slow_rows b, slow_rows c; END"
            )

    def remove(self) -> None:
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER slow_apply" + " ON applied_mutation" * self.postgres)

    def wait_until_applying(self) -> None:
        """Return once the hub is inside a push transaction, applying a mutation. PostgreSQL
        shows it (a backend asleep in the trigger); on SQLite, wait past the sign-in and the
        first mutation (the transaction then lasts about a second more)."""
        if not self.postgres:
            time.sleep(0.5)  # not synchronisation: a moment inside the transaction
            return
        deadline = time.monotonic() + LINE_TIMEOUT_S
        with self.db.engine.connect() as conn:
            while not conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                    "AND query LIKE :applying"
                ),
                {"applying": "INSERT INTO applied_mutation%"},
            ).scalar():
                assert time.monotonic() < deadline, "the hub never started applying the push"
                time.sleep(0.01)
                conn.rollback()


def sync_restarting(
    device: Device, server: ServeProcess, proxy: FaultProxy, before_retry: Callable[[], None]
) -> SyncReport:
    """One sync whose waits between retries call ``before_retry`` and then start the hub
    again if it is down."""

    def restart(_delay: float) -> None:
        before_retry()
        if not server.running():
            proxy.upstream = server.start()

    link = device.s.hub.link()
    assert link is not None
    with HubClient(link.url, link.token, timeout=30) as client:
        engine = SyncEngine(device.s.sync, client, page_size=PUSH_BATCH, sleep=restart)
        return engine.run()


def test_the_hub_killed_mid_push_applies_each_mutation_once(
    database_url: str, tmp_path: Path
) -> None:
    with hub_process(database_url, tmp_path / "hub") as (server, proxy, hub):
        amy = new_device(tmp_path / "amy", proxy.url, "north-amy")
        person = amy.s.cases.add(given_name="Hub", family_name="Crash")
        notes = {write_note(amy, person, f"Note {n}") for n in range(HUB_NOTES)}
        slow = SlowApply(hub.db)
        slow.install()
        killed: list[set[str]] = []  # the mutation ids of each push killed in flight

        def kill_in_flight(request: Request) -> None:
            # The whole push has reached the hub. The first is killed at once, before it is
            # applied; the second (the same batch again) part-way through applying it.
            if request.path != PUSH or len(killed) == 2:
                return
            if killed:
                slow.wait_until_applying()
            server.kill()
            killed.append({m["mutation_id"] for m in request.json()["mutations"]})

        def fast_again() -> None:
            if len(killed) == 2 and server.kills == 2:
                slow.remove()

        proxy.on_forwarded = kill_in_flight
        report = sync_restarting(amy, server, proxy, fast_again)
        proxy.on_forwarded = None
        assert server.kills == 2
        assert killed[0] == killed[1], "the retry was not the same batch"
        assert report.pushed.applied == HUB_NOTES + 1, "a killed push was kept in part"
        assert (report.pushed.duplicates, report.pushed.conflicts) == (0, 0)

        # Killed after applying a push whose answer never reached the laptop: the replay
        # after the restart is answered as already applied, and applies nothing again.
        amy.s.cases.update(person, preferred_name="H")
        notes |= {write_note(amy, person, f"Late note {n}") for n in range(PUSH_BATCH - 1)}
        before = hub_ledger(hub)

        def kill_after_answer() -> None:
            if server.running():
                server.kill()

        with proxy.scheduled(FailThenSucceed(1, Fault.DROP_RESPONSE, only=PUSH)):
            lost = sync_restarting(amy, server, proxy, kill_after_answer)
        assert server.kills == 3
        assert (lost.pushed.applied, lost.pushed.duplicates) == (0, PUSH_BATCH)

        found = hub_ledger(hub)
        assert found.problems() == [], found.problems()[:5]
        assert len(found.changes) == len(before.changes) + PUSH_BATCH
        assert set(found.live("contact_note")) == notes
        assert all(len(found.changes_of("contact_note", n)) == 1 for n in notes)
        assert [op for _, op in found.changes_of("young_person", person)] == ["create", "update"]
        assert amy.s.sync.pending_count() == 0
        for kind, records in hub_scope(hub, token(amy)).items():
            assert amy.records(kind) == records, f"{kind} differs from the hub"
        assert server.starts == server.kills + 1
        amy.close()


if __name__ == "__main__":
    sys.exit(serve("sync", lambda args, secret: _sync_child(Path(args[0]), secret)))
