"""The hub's workers keep no state of their own, so several can serve one database.

Two real `hubdesk-server serve` processes on one database (a shared SQLite file; a fresh
PostgreSQL schema when ``HUBDESK_TEST_POSTGRES_URL`` is set): a device enrolled on one is
signed in on the other, a revocation made through one is refused at once by the other, and
wrong passwords sent to both count towards one limit. In one process, under threads started
together: twenty simultaneous guesses at one username have exactly ten passwords checked, the
audit chain stays one unbroken chain with no gaps while eighty case reads are written at
once, and the change sequence stays unique and each record's sequence is that of its latest
change while eight writers store records at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from hubdesk.server.ca import make_csr, new_device_key
from hubdesk.server.db import Database
from hubdesk.server.hub import PER_USER_LIMIT, Hub, Principal
from hubdesk.server.problems import NotSignedIn, TooManyAttempts
from hubdesk.server.tables import AuditHead, ChangeLog, HubAuditEvent, HubRecord, LoginAttempt
from tests.server.conftest import PASSWORD, Org, Served, put

#: A kind that is changed in place (notes are append-only on the hub).
RECORD_KIND = "intervention"

SERVER = Path(sys.executable).with_name("hubdesk-server")
ADMIN_PASSWORD = "quiet heron over the millpond"
ORGANISATION = "Northmoor Borough Council"
WRONG = "That username and password do not match an active hub account."
TOO_MANY = "Too many sign-in attempts. Wait 60 seconds and try again."
REVOKED = (
    "This device has been revoked by the hub. Its vault will be wiped; ask your hub "
    "administrator if you need to enrol it again."
)
CASE = str(uuid.UUID(int=41))
T = TypeVar("T")


def enrol_body(username: str, password: str) -> dict[str, str]:
    device_id = str(uuid.uuid4())
    return {
        "username": username,
        "password": password,
        "device_id": device_id,
        "device_name": "Laptop 3",
        "csr_pem": make_csr(new_device_key(), device_id, username).decode(),
    }


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0) … work(count - 1)`` on ``count`` threads released together; every
    thread's exception is reported, not only the first."""
    barrier = threading.Barrier(count)

    def released(index: int) -> T:
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(released, index) for index in range(count)]
        errors = [f"{type(e).__name__}: {e}" for f in futures if (e := f.exception()) is not None]
        assert errors == [], f"{len(errors)} of {count} threads failed: {errors[:3]}"
        return [f.result() for f in futures]


def enrolled(hub: Hub, username: str) -> Principal:
    device_id = str(uuid.uuid4())
    done = hub.enrol(
        username=username,
        password=PASSWORD,
        address="192.0.2.1",
        device_id=device_id,
        device_name=f"{username} laptop",
        csr_pem=make_csr(new_device_key(), device_id, username).decode(),
    )
    return hub.authenticate(done.token)


# Two worker processes on one database ------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else "(no output)"


class Workers:
    """``hubdesk-server`` commands and worker processes on one database and CA folder."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.ca_dir = folder / "ca"
        self.env = {
            **os.environ,
            "HUBDESK_HOME": str(folder / "home"),
            "HUBDESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "HUBDESK_USER_PASSWORD": PASSWORD,
        }
        self.env.pop("HUBDESK_CA_PASSPHRASE", None)

    def where(self) -> list[str]:
        return ["--database-url", self.url, "--ca-dir", str(self.ca_dir)]

    def command(self, *args: str) -> None:
        done = subprocess.run(
            [str(SERVER), *args, *self.where()],
            capture_output=True,
            text=True,
            env=self.env,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"hubdesk-server {args[:3]}: {done.stdout}{done.stderr}"

    @contextmanager
    def serving(self, count: int) -> Iterator[list[Served]]:
        """``count`` `serve` processes on free loopback ports, stopped (and waited for) after."""
        processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        try:
            bases = []
            for number in range(count):
                port = free_port()
                log = self.folder / f"worker-{number}.log"
                argv = [str(SERVER), "serve", *self.where(), "--host", "127.0.0.1"]
                with log.open("wb") as out:
                    process = subprocess.Popen(
                        [*argv, "--port", str(port)],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        env=self.env,
                    )
                processes.append((process, log))
                bases.append(f"http://127.0.0.1:{port}")
            for (process, log), base in zip(processes, bases, strict=True):
                wait_until_healthy(process, base, log)
            yield [Served(base) for base in bases]
        finally:
            for process, _ in processes:
                process.terminate()
            for process, _ in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=15)


def wait_until_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        status = process.poll()
        assert status is None, f"the worker at {base} stopped ({status}): {tail(log)}"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"the worker at {base} did not start: {tail(log)}"
        time.sleep(0.05)


@pytest.mark.slow
def test_two_worker_processes_share_tokens_revocations_and_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    workers = Workers(database_url, tmp_path / "hub")
    workers.command("init", "--organisation", ORGANISATION)
    workers.command("admin", "team", "create", "--name", "North")
    for username in ("north-amy", "north-ben"):
        workers.command(
            "admin", "user", "create", "--username", username, "--role", "practitioner",
            "--team", "North",
        )  # fmt: skip
    with workers.serving(2) as (a, b):
        assert a.base != b.base
        device_id, token = a.enrol("north-amy")
        me = b.call("GET", "/api/v1/me", token=token)
        assert me.status == 200, me.body
        assert (me.body["username"], me.body["team"]) == ("north-amy", "North")

        _, admin_token = b.enrol("admin", ADMIN_PASSWORD)
        listed = b.call("GET", "/api/v1/admin/devices", token=admin_token)
        assert listed.status == 200
        assert device_id in [d["id"] for d in listed.body]
        revoked = b.call("POST", f"/api/v1/admin/devices/{device_id}/revoke", token=admin_token)
        assert revoked.status == 200, revoked.body
        assert revoked.body["revoked_at"] is not None

        for worker in (a, b):
            refused = worker.call("GET", "/api/v1/me", token=token)
            assert refused.status == 401
            assert refused.body["type"].endswith("/device-revoked")
            assert refused.body["detail"] == REVOKED

        for guess in range(PER_USER_LIMIT):  # five on each worker: neither alone is at ten
            reply = (a, b)[guess % 2].call(
                "POST", "/api/v1/auth/enrol", enrol_body("north-ben", "not the password")
            )
            assert (reply.status, reply.body["detail"]) == (401, WRONG), f"guess {guess + 1}"
        for worker in (a, b):  # the right password now, and still refused unchecked
            limited = worker.call("POST", "/api/v1/auth/enrol", enrol_body("north-ben", PASSWORD))
            assert limited.status == 429, (worker.base, limited.body)
            assert limited.headers["retry-after"] == "60"
            assert limited.body["detail"] == TOO_MANY

    db = Database(database_url)
    try:
        with db.unit() as session:
            attempts = session.scalars(
                select(LoginAttempt)
                .where(LoginAttempt.username == "north-ben")
                .order_by(LoginAttempt.id)
            ).all()
            assert [(a.checked, a.succeeded) for a in attempts] == [(True, False)] * 10 + [
                (False, False)
            ] * 2
    finally:
        db.dispose()
    print(f"two workers on {database_url.split(':')[0]}: {time.monotonic() - started:.1f} s")


# Threads in one process ----------------------------------------------------------------------


def test_twenty_simultaneous_guesses_have_exactly_ten_passwords_checked(org: Org, hub: Hub) -> None:
    guesses = 20
    bodies = [enrol_body("north-ben", "wrong") for _ in range(guesses)]

    def guess(index: int) -> str:
        body = bodies[index]
        try:
            hub.enrol(
                username=body["username"],
                password=body["password"],
                address="192.0.2.9",
                device_id=body["device_id"],
                device_name=body["device_name"],
                csr_pem=body["csr_pem"],
            )
        except TooManyAttempts as exc:
            return f"429 {exc.message}"
        except NotSignedIn as exc:
            return f"401 {exc.message}"
        return "enrolled"

    started = time.monotonic()
    outcomes = all_at_once(guesses, guess)
    elapsed = time.monotonic() - started
    assert Counter(outcomes) == {f"401 {WRONG}": 10, f"429 {TOO_MANY}": 10}
    with hub.unit() as session:
        attempts = session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.username == "north-ben")
            .order_by(LoginAttempt.id)
        ).all()
    # One sign-in per username at a time: the ten checked come before any refused unchecked.
    assert [a.checked for a in attempts] == [True] * 10 + [False] * 10
    assert not any(a.succeeded for a in attempts)
    print(f"{guesses} simultaneous guesses: {elapsed:.2f} s")


def test_the_audit_chain_stays_whole_under_simultaneous_case_reads(org: Org, hub: Hub) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    put(hub, amy, "young_person", CASE, {"given_name": "Fictional"})
    readers, reads = 8, 10

    def read(index: int) -> int:
        who = (amy, lead)[index % 2]
        return sum(len(hub.case(who, CASE)) for _ in range(reads))

    started = time.monotonic()
    assert all_at_once(readers, read) == [reads] * readers  # one record each time
    elapsed = time.monotonic() - started

    report = hub.verify_audit()
    assert report.ok, f"the audit chain is broken at event {report.broken_at}"
    with hub.unit() as session:
        events = session.scalars(select(HubAuditEvent).order_by(HubAuditEvent.seq)).all()
        head = session.get(AuditHead, 1)
        assert head is not None
        assert (head.last_seq, head.last_hash) == (events[-1].seq, events[-1].hash)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert report.events == len(events)
    case_reads = [e for e in events if e.action == "case-read"]
    assert len(case_reads) == readers * reads
    assert {e.record_id for e in case_reads} == {CASE}
    assert Counter(e.device_id for e in case_reads) == {amy.device_id: 40, lead.device_id: 40}
    print(f"{readers * reads} simultaneous case reads: {elapsed:.2f} s")


def test_the_change_sequence_stays_unique_under_simultaneous_writers(org: Org, hub: Hub) -> None:
    amy = enrolled(hub, "north-amy")
    put(hub, amy, "young_person", CASE, {"given_name": "Fictional"})
    writers, own = 8, 5  # each writer stores five records of its own, each twice: ten calls
    records = [[str(uuid.uuid4()) for _ in range(own)] for _ in range(writers)]

    def write(index: int) -> list[int]:
        seqs: list[int] = []
        base: dict[str, int] = {}
        for version in (1, 2):
            for record_id in records[index]:
                content: dict[str, Any] = {"narrative": f"Visit {version}.", "writer": index}
                base[record_id] = put(
                    hub,
                    amy,
                    RECORD_KIND,
                    record_id,
                    content,
                    young_person_id=CASE,
                    base_seq=base.get(record_id),
                )
                seqs.append(base[record_id])
        return seqs

    started = time.monotonic()
    given = all_at_once(writers, write)
    elapsed = time.monotonic() - started

    every = [seq for seqs in given for seq in seqs]
    assert len(every) == writers * own * 2
    assert len(set(every)) == len(every), "two writes were given the same change sequence"
    for seqs in given:
        assert seqs == sorted(set(seqs)), "one writer's own changes went out of order"
    with hub.unit() as session:
        changes = session.scalars(
            select(ChangeLog).where(ChangeLog.kind == RECORD_KIND).order_by(ChangeLog.seq)
        ).all()
        stored = session.scalars(select(HubRecord).where(HubRecord.kind == RECORD_KIND)).all()
    assert sorted(c.seq for c in changes) == sorted(every)
    latest: dict[str, int] = {}
    for change in changes:
        latest[change.record_id] = max(latest.get(change.record_id, 0), change.seq)
    assert len(stored) == writers * own
    wrong = [r.id for r in stored if r.seq != latest[r.id]]
    assert wrong == [], f"{len(wrong)} records do not carry their latest change's sequence"
    for index, ids in enumerate(records):
        for row in (r for r in stored if r.id in ids):
            assert row.content == {"narrative": "Visit 2.", "writer": index}
            assert row.young_person_id == CASE
    assert hub.verify_audit().ok
    print(f"{writers} writers × {own * 2} records: {elapsed:.2f} s")
