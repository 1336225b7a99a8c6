"""A fault-injecting TCP proxy for sync tests, and the hub-side ledger checks they share.

``FaultProxy`` listens on a loopback port inside the test process and passes each HTTP request
to the hub behind it, unless its schedule says otherwise for that request:

- ``Fault.DROP_REQUEST``: part of the request reaches the hub, then both connections close
  (the hub never sees a whole request, so it must change nothing);
- ``Fault.DROP_RESPONSE``: the whole request reaches the hub and the hub answers, but the
  client gets only half of the answer before the connection closes — "applied but never
  acknowledged", the classic lost answer;
- ``Fault.DUPLICATE``: the request reaches the hub twice, one after the other, and the client
  gets the second answer (a retry the client never knew about);
- ``Fault.DUPLICATE_TOGETHER``: two copies reach the hub at the same moment, on two
  connections, and the client gets the first answer;
- ``Fault.DELAY``: the request waits ``delay_s`` before going on.

A schedule is any callable from a ``Request`` to a ``Fault``: ``Quiet``, ``EveryNth``,
``FailThenSucceed``, ``CutOffAfter`` and ``Seeded`` (random with a seed) are here. Each client
connection carries one request (``Connection: close`` is set on the way to the hub, so the
hub's answer tells the client to close too); that keeps the proxy a simple relay and every
retry on a fresh connection, as after a real network fault.

The proxy also notes what the client was told: for each push answer relayed whole, the
result of every mutation in it (``acknowledged``). The ledger functions below read the hub's
own tables so a test can check that every acknowledged change is on the hub exactly once.
"""

from __future__ import annotations

import enum
import gzip
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from hubdesk.models import RECORD_KINDS
from hubdesk.server import sync
from hubdesk.server.hub import Hub
from hubdesk.server.tables import AppliedMutation, ChangeLog, HubRecord
from hubdesk.sync import protocol as p

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
SUMMARY = "/api/v1/sync/summary"
#: Changes a device's push makes on the hub.
PUSHED_OPS = frozenset({"create", "update", "delete", "append"})
#: How long any socket operation may take before the proxy gives up on a connection.
SOCKET_TIMEOUT_S = 30.0


class HookFailed(Exception):
    """A test's hook raised ``OSError``: kept apart from the network errors the relay expects."""


class Fault(enum.Enum):
    PASS = "pass"
    DROP_REQUEST = "drop-request"
    DROP_RESPONSE = "drop-response"
    DUPLICATE = "duplicate"
    DUPLICATE_TOGETHER = "duplicate-together"
    DELAY = "delay"


#: Every fault that loses or repeats something (``DELAY`` only slows a request down).
DISRUPTIVE = (Fault.DROP_REQUEST, Fault.DROP_RESPONSE, Fault.DUPLICATE, Fault.DUPLICATE_TOGETHER)


@dataclass(frozen=True)
class Request:
    """One request as the client sent it: ``number`` counts from 1 over the proxy's life."""

    number: int
    method: str
    path: str
    head: bytes
    body: bytes

    def json(self) -> Any:
        return _json_body(self.head, self.body)


Schedule = Callable[[Request], Fault]


def _matches(request: Request, only: str | None) -> bool:
    return only is None or request.path == only


class Quiet:
    """Every request passes."""

    def __call__(self, request: Request) -> Fault:
        return Fault.PASS


@dataclass
class EveryNth:
    """Every ``n``-th request (to path ``only``, when given) gets ``fault``."""

    n: int
    fault: Fault
    only: str | None = None
    seen: int = 0

    def __call__(self, request: Request) -> Fault:
        if not _matches(request, self.only):
            return Fault.PASS
        self.seen += 1
        return self.fault if self.seen % self.n == 0 else Fault.PASS

    @property
    def due(self) -> int:
        """How many faults this schedule has handed out."""
        return self.seen // self.n


@dataclass
class FailThenSucceed:
    """The first ``times`` requests (to path ``only``, when given) get ``fault``; then all
    pass (PouchDB's "flunking" tests)."""

    times: int
    fault: Fault
    only: str | None = None
    seen: int = 0

    def __call__(self, request: Request) -> Fault:
        if not _matches(request, self.only):
            return Fault.PASS
        self.seen += 1
        return self.fault if self.seen <= self.times else Fault.PASS


@dataclass
class CutOffAfter:
    """The first ``n`` requests pass; every one after gets ``fault`` (the network went away
    part-way through a sync: a laptop's lid closed, a train into a tunnel)."""

    n: int
    fault: Fault = Fault.DROP_REQUEST
    seen: int = 0

    def __call__(self, request: Request) -> Fault:
        self.seen += 1
        return Fault.PASS if self.seen <= self.n else self.fault


@dataclass
class Seeded:
    """Each request (to path ``only``, when given) gets one of ``faults`` with probability
    ``rate``, drawn from a generator seeded with ``seed``: the same requests in the same
    order get the same faults. At most ``in_a_row`` faults come one after another, so a sync
    with the engine's retries can always get through."""

    seed: int
    rate: float
    faults: tuple[Fault, ...] = DISRUPTIVE
    only: str | None = None
    in_a_row: int = 2
    rng: random.Random = field(init=False)
    streak: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __call__(self, request: Request) -> Fault:
        if not _matches(request, self.only):
            return Fault.PASS
        roll, pick = self.rng.random(), self.rng.choice(self.faults)
        if roll >= self.rate or self.streak >= self.in_a_row:
            self.streak = 0
            return Fault.PASS
        self.streak += 1
        return pick


class FaultProxy:
    """A relay on a loopback port in front of ``upstream`` (the hub's base URL)."""

    def __init__(self, upstream: str, schedule: Schedule | None = None, delay_s: float = 0.05):
        self.upstream = upstream
        self.schedule: Schedule = schedule or Quiet()
        self.delay_s = delay_s
        #: Called in the proxy's thread before a request goes on (it may block, to hold the
        #: request while the test does something), and after the whole request reached the
        #: hub, before its answer is read.
        self.on_request: Callable[[Request], None] | None = None
        self.on_forwarded: Callable[[Request], None] | None = None
        #: (request number, method, path, fault) for every request, in order of arrival.
        self.log: list[tuple[int, str, str, Fault]] = []
        #: mutation id → the result the client was given (the last one, when told twice).
        self.acknowledged: dict[str, str] = {}
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._count = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._workers: list[threading.Thread] = []
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def injected(self) -> Counter[Fault]:
        """How many requests got each fault other than ``PASS``."""
        with self._lock:
            return Counter(f for *_, f in self.log if f is not Fault.PASS)

    def close(self) -> None:
        """Stop; raise the first error any connection's thread met (a failed hook, say)."""
        self._closing.set()
        self._thread.join(timeout=10)
        self._listener.close()
        for worker in self._workers:
            worker.join(timeout=SOCKET_TIMEOUT_S)
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def scheduled(self, schedule: Schedule) -> Iterator[Schedule]:
        """Use ``schedule`` for the requests inside the block, then let everything pass."""
        self.schedule = schedule
        try:
            yield schedule
        finally:
            self.schedule = Quiet()

    # The relay ------------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            worker.start()

    def _serve(self, client: socket.socket) -> None:
        try:
            self._serve_one(client)
        except BaseException as exc:  # a hook failed, or the relay: re-raised by close()
            with self._lock:
                self.errors.append(exc)

    def _serve_one(self, client: socket.socket) -> None:
        with client:
            client.settimeout(SOCKET_TIMEOUT_S)
            try:
                received = _read_request(client)
            except OSError:
                return  # the client went away before its request was whole
            if received is None:
                return
            head, body = received
            method, target = head.split(b" ", 2)[:2]
            with self._lock:
                self._count += 1
                request = Request(
                    self._count, method.decode(), urlsplit(target.decode()).path, head, body
                )
                fault = self.schedule(request)
                self.log.append((request.number, request.method, request.path, fault))
            if self.on_request is not None:
                self.on_request(request)
            self._relay(client, request, fault)

    def _relay(self, client: socket.socket, request: Request, fault: Fault) -> None:
        wire = _closing_request(request.head, request.body)
        if fault is Fault.DELAY:
            time.sleep(self.delay_s)  # a slow network: the point of this fault
        try:
            if fault is Fault.DROP_REQUEST:
                # The head and half the body; half the head when there is no body.
                withheld = len(request.body) // 2 or len(wire) // 2
                with self._connect() as hub:
                    hub.sendall(wire[: len(wire) - withheld])
                return  # neither side gets anything more
            if fault is Fault.DUPLICATE:
                self._exchange(request, wire)
                answer = self._exchange(request, wire)
            elif fault is Fault.DUPLICATE_TOGETHER:
                answer = self._together(request, wire)[0]
            else:
                answer = self._exchange(request, wire)
        except OSError:
            return  # the hub went away mid-request: the client sees the connection drop
        try:
            client.sendall(answer[: len(answer) // 2] if fault is Fault.DROP_RESPONSE else answer)
        except OSError:
            return  # the client gave up waiting: it never got this answer
        if fault is not Fault.DROP_RESPONSE:
            self._note_answer(request, answer)

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.upstream)
        assert parts.hostname is not None
        assert parts.port is not None
        return socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT_S)

    def _exchange(self, request: Request, wire: bytes) -> bytes:
        with self._connect() as hub:
            hub.sendall(wire)
            if self.on_forwarded is not None:
                try:
                    self.on_forwarded(request)
                except OSError as exc:  # the hook's own failure, not the network's
                    raise HookFailed(f"on_forwarded: {exc!r}") from exc
            return _read_to_end(hub)

    def _together(self, request: Request, wire: bytes) -> list[bytes]:
        """Two copies of the request sent on two connections at once; both answers."""
        answers: list[bytes] = [b"", b""]
        start = threading.Barrier(2)

        def one(index: int) -> None:
            with self._connect() as hub:
                start.wait(timeout=SOCKET_TIMEOUT_S)
                hub.sendall(wire)
                answers[index] = _read_to_end(hub)

        pair = [threading.Thread(target=one, args=(i,)) for i in (0, 1)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=SOCKET_TIMEOUT_S * 2)
        if not answers[0]:
            raise OSError("no answer to the first copy")
        return answers

    def _note_answer(self, request: Request, answer: bytes) -> None:
        """Remember the results of a push answer the client received whole."""
        if request.path != PUSH:
            return
        head, _, body = answer.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            return
        found = _json_body(head, _dechunked(head, body))
        with self._lock:
            for result in found["results"]:
                self.acknowledged[result["mutation_id"]] = result["status"]


# HTTP/1.1 framing, as little as a relay needs -----------------------------------------------------


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def _read_request(conn: socket.socket) -> tuple[bytes, bytes] | None:
    """One request's head (without the blank line) and body; None if the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = _headers(head)
    assert "chunked" not in headers.get("transfer-encoding", ""), "chunked requests not relayed"
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body


def _closing_request(head: bytes, body: bytes) -> bytes:
    """The request as sent to the hub: the same, but asking the hub to close after answering."""
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _read_to_end(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    if not data:
        raise OSError("the hub closed the connection without answering")
    return data


def _dechunked(head: bytes, body: bytes) -> bytes:
    if "chunked" not in _headers(head).get("transfer-encoding", ""):
        return body
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, body = out + rest[:size], rest[size + 2 :]
    return out


def _json_body(head: bytes, body: bytes) -> Any:
    if _headers(head).get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


# The hub's ledger ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """One mutation id the hub has seen, with its first result."""

    kind: str
    record_id: str
    status: str
    seq: int | None


@dataclass
class Ledger:
    """What the hub's tables say: every mutation id seen, every change made, every record."""

    applied: dict[str, Applied]
    #: (seq, kind, record id, op) of every change, in order.
    changes: list[tuple[int, str, str, str]]
    #: (kind, id) → (seq, deleted, content)
    records: dict[tuple[str, str], tuple[int, bool, dict[str, Any]]]

    def changes_of(self, kind: str, record_id: str) -> list[tuple[int, str]]:
        return [(s, op) for s, k, r, op in self.changes if (k, r) == (kind, record_id)]

    def live(self, kind: str) -> dict[str, dict[str, Any]]:
        return {i: c for (k, i), (_, d, c) in self.records.items() if k == kind and not d}

    def problems(self, acknowledged: dict[str, str] | None = None) -> list[str]:
        """Where a change is on the hub other than exactly once; empty when all is well.

        - each change the hub made to a record was made by an applied mutation, and no
          mutation id was applied twice (its result names one change, which exists);
        - each record's sequence is that of its latest change;
        - each mutation the client was told was applied (or a duplicate) is applied here.
        """
        found: list[str] = []
        changed = {
            seq: (kind, record_id)
            for seq, kind, record_id, op in self.changes
            if op in PUSHED_OPS  # (an allocation is the hub's own change)
        }
        claimed: dict[int, list[str]] = {}
        for mutation_id, a in self.applied.items():
            if a.status != "applied":
                continue
            if a.seq is None or changed.get(a.seq) != (a.kind, a.record_id):
                found.append(f"mutation {mutation_id} names change {a.seq}, which is not its")
                continue
            claimed.setdefault(a.seq, []).append(mutation_id)
        for seq, (kind, record_id) in changed.items():
            if seq not in claimed:
                found.append(f"change {seq} to {kind} {record_id} has no applied mutation")
        latest: dict[tuple[str, str], int] = {}
        for seq, kind, record_id, _ in self.changes:
            latest[(kind, record_id)] = max(latest.get((kind, record_id), 0), seq)
        for key, (seq, _, _) in self.records.items():
            if latest.get(key) != seq:
                found.append(
                    f"{key[0]} {key[1]} is at {seq}, its latest change is {latest.get(key)}"
                )
        for mutation_id, status in (acknowledged or {}).items():
            first = self.applied.get(mutation_id)
            if status in ("applied", "duplicate") and (first is None or first.status != "applied"):
                found.append(f"mutation {mutation_id} was acknowledged but is not applied")
        return found


def ledger(hub: Hub) -> Ledger:
    with hub.unit() as session:
        applied = {
            row.mutation_id: Applied(
                row.kind or "", row.record_id or "", row.result["status"], row.result.get("seq")
            )
            for row in session.scalars(select(AppliedMutation))
        }
        changes = [
            (c.seq, c.kind, c.record_id, c.op)
            for c in session.scalars(select(ChangeLog).order_by(ChangeLog.seq))
        ]
        records = {
            (r.kind, r.id): (r.seq, r.deleted, dict(r.content))
            for r in session.scalars(select(HubRecord))
        }
    return Ledger(applied, changes, records)


def hub_scope(hub: Hub, token: str) -> dict[str, dict[str, dict[str, Any]]]:
    """What a pull from 0 serves the device with ``token``: kind → live id → content (the
    state a device that has synced quietly must hold), for every kind a vault keeps."""
    who = hub.authenticate(token)
    found: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in RECORD_KINDS}
    after = 0
    while True:
        page = sync.pull(hub, who, after, p.MAX_PULL_PAGE)
        for change in page.changes:
            if change.kind in found:
                found[change.kind].pop(change.record_id, None)
                if not change.deleted:
                    found[change.kind][change.record_id] = change.content
        after = page.next_cursor
        if not page.has_more:
            return found
