"""Sync benchmark: the real sync engine and a real hub process on loopback (issue targets).

Run from the project root::

    .venv/bin/python bench/sync.py             # full run (SQLite; PostgreSQL too when given)
    .venv/bin/python bench/sync.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sync.py --quick     # smoke run: 300 records, 20 devices for 4 s

The hub is a real ``hubdesk-server`` process for each database: ``init`` (the administrator's
password from ``HUBDESK_ADMIN_PASSWORD``), then the teams and users made with the Hub's Python
API directly against that database (with a cheap Argon2id hasher as in the server tests: the
served hub checks each stored hash at that hash's own cost), then ``serve`` on a free
loopback port. SQLite always; PostgreSQL when ``--postgres URL`` or
``HUBDESK_TEST_POSTGRES_URL`` is given, in a schema of its own made for the run and dropped
after. Every device enrols through the HTTP API and syncs with its own device token.

Workloads, on each database:

1. **push**: a laptop (a real SQLCipher vault, enrolled as a practitioner) holds N records
   (default 10,000: 400 young people, each with 24 finalised contact notes; about 1 KB of JSON
   each) made through the services' write path, as ``bench/store.py`` seeds: insert, search
   index and audit event per record, many records per transaction, the outbox filled by its
   own hook. Seeding is timed on its own (once; each database gets a copy of the vault) and
   is not part of the push. ``SyncEngine(...).run()`` then syncs: the **push** figure is its
   push step (from the start of the run to its first pull request); the whole sync (push,
   the pull that follows, the final check) is reported too.
2. **fresh pull**: a new vault enrolled as the team lead, who reaches the same cases, syncs:
   the **pull** figure is its pull step (from its first pull request to the start of the
   check, whose hub side comes with the last page); the whole sync (with the check) too.
3. **incremental**: rounds in which 5 records change on each laptop through the services
   (3 young people's level and its reason with ``cases.set_level``, 2 new contact notes with
   ``notes.add`` and ``notes.finalise``), then the practitioner's laptop syncs, then the
   lead's; each sync therefore sends 5 records and receives the other side's 5. The first
   round is a warm-up; the figures are over the rounds after it.
4. **wire bytes** of one round (both laptops' syncs): every request and response as it went
   over the socket (request or status line, headers, body as sent, so gzip-compressed where
   it was), counted by a transport under the real ``HubClient``; against the JSON of the 10
   records changed in that round (their content as pushed, compact JSON, UTF-8).
5. **devices**: D simulated devices (default 200 practitioners in teams of 10, each device
   enrolled over HTTP with its own token), each syncing every P seconds (default 10) for T
   seconds (default 60), their first syncs spread evenly over the first period. A simulated
   device is not a vault: it keeps in memory what it holds (kind, id → hub sequence and whether
   deleted), its cursor and its own young people's content. Before the timed part it pushes its
   caseload (3 young people and 6 contact notes) and pulls everything from 0. Each timed sync
   then does what ``SyncEngine.run`` does on the wire, through the real ``HubClient`` (pydantic
   wire types, gzip above 1 KiB, bearer token): one push of C changes (default 3: one of its
   young people updated on the sequence it last had, with a new level reason, and 2 new
   finalised contact notes of about 1 KB), pull pages after its cursor until there are no more,
   the last carrying the hub's summary (the list of young people left out when the digest of
   those it holds is the same), whose count and digest of every kind it compares with its own
   (``protocol.scope_digest``). A sync is an error when a call fails, a change is not applied
   or a digest differs. Figures: p50/p99 sync latency, errors. Each device is a thread of this
   process with a HubClient of its own (httpx, keep-alive connections as the hub leaves them
   open). Devices enrol from several loopback addresses (127.0.0.2, .3, ...; 50 each) because
   the hub allows 60 sign-ins a minute from one address.

Baselines, measured in the same run: a **wire floor** made by replaying the very same HTTP
exchanges (request bytes as sent, response bytes as received, compressed the same way)
against a do-nothing server (uvicorn on loopback, as the hub, in its own process) that reads
and inflates each request body, parses its JSON and answers the recorded bytes; the client
parses each answer's JSON. Same client library, same server stack, same bytes, no sync logic
and no database: the ratio says how much of a figure the sync costs on top of moving its
bytes. One-off syncs (push, fresh pull) are replayed three times (median); each incremental
sync is replayed right after it; the devices are replayed on the same schedule after their
run. The wire-bytes figure's baseline is the JSON of the changed records.

``--profile DIR`` writes cProfile stats of the client side of the push, the fresh pull and
the incremental syncs (those figures are then slower). The script prints figures, ratios and
whether each target is met; it never fails on time.
All data is fictional. Progress goes to stderr, the report to stdout, ending with one JSON
line per figure.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import sqlalchemy
from argon2 import PasswordHasher
from faker import Faker
from faker.providers.lorem.en_US import Provider as EnglishLorem
from sqlalchemy import create_engine, text

from hubdesk.collector import collect_less
from hubdesk.ids import ordered_uuid
from hubdesk.models import ContactNote, YoungPerson
from hubdesk.models.base import new_id
from hubdesk.models.enums import Level
from hubdesk.models.notes import NoteKind, NoteStatus
from hubdesk.server.db import Database, normalise_url
from hubdesk.server.hub import Hub
from hubdesk.server.tables import Role
from hubdesk.services import Services
from hubdesk.services.notes import index_note
from hubdesk.services.search import index_person
from hubdesk.services.sync import SyncService
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.outbox import content_of
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from hubdesk.sync.client import Progress, SyncEngine, SyncReport
from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import CONNECTION_LIMITS, HubClient

ORGANISATION = "Bench Borough Council"
# Fictional secrets for throwaway hubs and vaults under /tmp.
ADMIN_PASSWORD = "bench hub administrator, fictional"
USER_PASSWORD = "bench user password, fictional"
PASSPHRASE = "bench sync vault passphrase, fictional"
#: Argon2id at its lowest cost for the bench's own users (tests/server/conftest.py does the
#: same); a stored hash carries its cost, so the served hub checks it at that cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
TEAM, PRACTITIONER, LEAD = "North", "north-amy", "north-lead"
DEVICES_PER_TEAM = 10
#: The hub allows 60 sign-ins a minute from one address: simulated devices enrol from
#: several loopback addresses (127.0.0.2, .3, ...), at most this many from each.
ENROLMENTS_PER_ADDRESS = 50
CASES_PER_TRANSACTION = 20
#: Per laptop per incremental round: young people whose level changes, and new notes.
LEVEL_CHANGES, NEW_NOTES = 3, 2
REPLAYS = 3

#: Targets from the issue.
PUSH_MAX_S = 1.5
PULL_MAX_S = 1.5
INCREMENTAL_MAX_MS = 25.0
WIRE_MAX_RATIO = 2.0
DEVICES_P99_MAX_MS = 500.0

NOTE_KINDS = [k.value for k in NoteKind if k is not NoteKind.OTHER]
LEVELS = [level.value for level in Level]
T = TypeVar("T")


# -- options ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    cases: int
    notes: int
    rounds: int
    devices: int
    duration: float
    period: float
    changes: int
    postgres: str | None
    seed: int
    keep: bool
    profile: Path | None

    @property
    def records(self) -> int:
        return self.cases * (1 + self.notes)


def parse_args(argv: Sequence[str] | None) -> Options:
    ap = argparse.ArgumentParser(
        description="HubDesk sync benchmark: the sync engine against a real hub on loopback."
    )
    ap.add_argument("--records", type=int, help="records on the first laptop (10000; quick 300)")
    ap.add_argument("--notes", type=int, default=24, help="contact notes per young person (24)")
    ap.add_argument("--rounds", type=int, help="incremental rounds after a warm-up (20; quick 3)")
    ap.add_argument("--devices", type=int, help="simulated devices (200; quick 20)")
    ap.add_argument("--duration", type=float, help="seconds the devices run (60; quick 4)")
    ap.add_argument("--period", type=float, help="seconds between a device's syncs (10; quick 2)")
    ap.add_argument("--changes", type=int, default=3, help="changes per device sync (3)")
    ap.add_argument(
        "--postgres",
        default=os.environ.get("HUBDESK_TEST_POSTGRES_URL"),
        help="also run on this PostgreSQL (default: HUBDESK_TEST_POSTGRES_URL); a schema is "
        "made for the run and dropped after",
    )
    ap.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even if given")
    ap.add_argument("--seed", type=int, default=20261127, help="seed for texts and choices")
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (prints it)")
    ap.add_argument(
        "--profile",
        type=Path,
        help="write cProfile stats of the client side of the push, the fresh pull and the "
        "incremental syncs into this folder (figures are then slower)",
    )
    a = ap.parse_args(argv)

    def pick(value: float | None, full: float, quick: float) -> float:
        chosen = value if value is not None else (quick if a.quick else full)
        if chosen <= 0:
            ap.error("counts and durations must be positive")
        return chosen

    if a.notes < 0 or a.changes < 2:
        ap.error("--notes must be 0 or more and --changes at least 2")
    records = int(pick(a.records, 10_000, 300))
    cases = max(1, records // (1 + a.notes))
    if cases < 2 * (LEVEL_CHANGES * 2):
        ap.error(f"--records must give at least {4 * LEVEL_CHANGES} young people")
    return Options(
        cases=cases,
        notes=a.notes,
        rounds=int(pick(a.rounds, 20, 3)),
        devices=int(pick(a.devices, 200, 20)),
        duration=pick(a.duration, 60.0, 4.0),
        period=pick(a.period, 10.0, 2.0),
        changes=a.changes,
        postgres=None if a.sqlite_only else a.postgres,
        seed=a.seed,
        keep=a.keep,
        profile=a.profile,
    )


# -- fictional texts -------------------------------------------------------------------------
def zipf_words(rng: random.Random) -> tuple[list[str], list[float]]:
    """Faker's English lorem words with Zipf-like weights (as bench/store.py explains: real
    notes repeat a few words often and most words rarely, which is also what gzip meets)."""
    words = [w.lower() for w in EnglishLorem.word_list]
    rng.shuffle(words)
    return words, [1 / rank**1.07 for rank in range(1, len(words) + 1)]


@dataclass
class Texts:
    words: list[str]
    weights: list[float]
    fake: Faker

    @classmethod
    def make(cls, seed: int) -> Texts:
        words, weights = zipf_words(random.Random(seed))
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        return cls(words, weights, fake)

    def prose(self, rng: random.Random, chars: int, name: str = "") -> str:
        """Sentences of about ``chars`` characters (``name`` mentioned once)."""
        words = rng.choices(self.words, self.weights, k=chars // 6 + 10)
        if name:
            words.insert(rng.randrange(len(words)), name)
        sentences: list[str] = []
        used, i = 0, 0
        while used < chars and i < len(words):
            n = rng.randint(6, 16)
            chunk = words[i : i + n]
            i += n
            sentence = chunk[0][:1].upper() + " ".join(chunk)[1:] + "."
            sentences.append(sentence)
            used += len(sentence) + 1
        return " ".join(sentences)


# -- the first laptop's records --------------------------------------------------------------
def seed_vault(folder: Path, opts: Options, texts: Texts) -> float:
    """Make the practitioner's vault and its records; the seconds the records took.

    Per record exactly what the services do (CaseService.add then set_level; NoteService.add
    then finalise): the insert, its search index entry and its audit events, so the outbox
    hook queues each record as it does in use. Many cases share a write transaction because
    10,000 commits would measure fsync, not the sync (bench/store.py explains the same).
    """
    vault = Vault.create(folder, bytearray(PASSPHRASE.encode()), PRACTITIONER, TEST_KDF)
    s = Services(vault)
    rng = random.Random(opts.seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, opts.cases, CASES_PER_TRANSACTION):
        with vault.write() as session:
            for _ in range(min(CASES_PER_TRANSACTION, opts.cases - first)):
                given = texts.fake.first_name()
                person = YoungPerson(
                    given_name=given,
                    family_name=texts.fake.last_name(),
                    date_of_birth=now.date() - timedelta(days=rng.randint(11 * 365, 17 * 365)),
                    gender=rng.choice(["Female", "Male", "Non-binary", "Prefers not to say"]),
                    education=rng.choice(["Mainstream school", "Alternative provision"]),
                    allocated_worker=s.actor.name,
                    referral_date=now.date() - timedelta(days=rng.randint(20, 700)),
                    next_review_date=now.date() + timedelta(days=rng.randint(-10, 60)),
                    harm_types=["criminal_exploitation"],
                    level=rng.choice(LEVELS),
                    level_reason=texts.prose(rng, 420, given),
                )
                session.add(person)
                session.flush()
                index_person(session, person)
                s.cases.audit(session, "create", person)
                for _ in range(opts.notes):
                    note = ContactNote(
                        young_person_id=person.id,
                        kind=NoteKind(rng.choice(NOTE_KINDS)),
                        occurred_at=now - timedelta(days=rng.uniform(1, 700)),
                        narrative=texts.prose(rng, 650, given),
                        present="Young person and carer",
                        author=s.actor.name,
                        status=NoteStatus.FINALISED,
                        finalised_at=now,
                    )
                    note.addenda = []
                    session.add(note)
                    session.flush()
                    index_note(session, note)
                    s.notes.audit(session, "create", note)
                    s.notes.audit(session, "finalise", note)
    elapsed = time.perf_counter() - started
    vault.close()
    return elapsed


# -- the wire: a counting, recording transport under HubClient -------------------------------
@dataclass
class Exchange:
    """One HTTP request and its answer as they went over the socket."""

    method: str
    target: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes  # as received: still compressed when the hub compressed it
    sent: int  # request line + headers + body
    received: int  # status line + headers + body
    seconds: float

    @property
    def endpoint(self) -> str:
        return self.target.split("?", 1)[0].removeprefix(p.API_PREFIX)

    def header(self, name: str, response: bool = True) -> str | None:
        for key, value in self.response_headers if response else self.request_headers:
            if key.lower() == name:
                return value
        return None


def _head_bytes(first_line: str, headers: Sequence[tuple[bytes, bytes]]) -> int:
    """The bytes of an HTTP/1.1 head as h11 writes it: the first line, each header, CRLFs."""
    return len(first_line) + 2 + sum(len(k) + 2 + len(v) + 2 for k, v in headers) + 2


class WireTap(httpx.BaseTransport):
    """httpx's own HTTP transport, recording every exchange and counting its bytes.

    The request body is what ``HubClient`` handed over (gzip above 1 KiB); the response body is
    read raw, before httpx inflates it, and handed on unchanged.
    """

    def __init__(self, local_address: str | None = None) -> None:
        # (Idle connections let go of as HubClient's are: see IDLE_CONNECTION_SECONDS.)
        self.inner = httpx.HTTPTransport(local_address=local_address, limits=CONNECTION_LIMITS)
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        body = request.read()
        response = self.inner.handle_request(request)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
        seconds = time.perf_counter() - started
        reason = response.extensions.get("reason_phrase", b"")
        target = request.url.raw_path.decode("ascii")
        self.exchanges.append(
            Exchange(
                method=request.method,
                target=target,
                request_headers=[(k.decode(), v.decode()) for k, v in request.headers.raw],
                request_body=body,
                status=response.status_code,
                response_headers=[(k.decode(), v.decode()) for k, v in response.headers.raw],
                response_body=raw,
                sent=_head_bytes(f"{request.method} {target} HTTP/1.1", request.headers.raw)
                + len(body),
                received=_head_bytes(
                    f"HTTP/1.1 {response.status_code} {reason.decode()}", response.headers.raw
                )
                + len(raw),
                seconds=seconds,
            )
        )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class TappedHubClient(HubClient):
    """The real HubClient (same headers, gzip and parsing) over a :class:`WireTap`."""

    def __init__(self, base_url: str, token: str | None, tap: WireTap) -> None:
        super().__init__(base_url, token, timeout=120.0)
        headers = self._http.headers
        self._http.close()
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=120.0, transport=tap
        )


class TimedHub(HubRelay):
    """The engine's hub (``sync.client.Hub``: the HubClient's calls, passed on), noting when
    each call starts, so a run splits into its steps."""

    def __init__(self, client: HubClient) -> None:
        super().__init__(client)
        self.marks: list[tuple[str, float]] = []
        self.pushed: list[p.Mutation] = []

    def _around(self, name: str, call: Callable[[], T]) -> T:
        step = name if name in ("push", "pull", "summary") else "files"
        self.marks.append((step, time.perf_counter()))
        return call()

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse:
        self.pushed.extend(mutations)
        return super().push(mutations)

    def note_stage(self, step: Progress) -> None:
        """The engine's progress: the check's start is marked (its hub side comes with the
        pull's last page, so no request marks it)."""
        if step.stage == "check":
            self.marks.append(("check", time.perf_counter()))

    def first(self, name: str, default: float) -> float:
        return next((at for n, at in self.marks if n == name), default)


# -- the hub process -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command() -> list[str]:
    script = Path(sys.executable).with_name("hubdesk-server")
    if script.exists():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from hubdesk.server.cli import main; sys.exit(main())",
    ]


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise SystemExit(f"{what} stopped while starting:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code < 300:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class HubServer:
    backend: str
    database_url: str
    folder: Path
    base: str = ""
    process: subprocess.Popen[bytes] | None = None
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.folder / "hub.log"

    def cli(self, *args: str) -> None:
        env = {**os.environ, "HUBDESK_ADMIN_PASSWORD": ADMIN_PASSWORD}
        done = subprocess.run(
            [
                *server_command(),
                *args,
                "--database-url",
                self.database_url,
                "--ca-dir",
                str(self.folder / "ca"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"hubdesk-server {args[0]} failed: {done.stderr.strip()[-2000:]}")

    def start(self) -> None:
        port = free_port()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *server_command(),
                    "serve",
                    "--database-url",
                    self.database_url,
                    "--ca-dir",
                    str(self.folder / "ca"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                stdout=log,
                stderr=log,
            )
        self.base = f"http://127.0.0.1:{port}"
        wait_ready(f"{self.base}/readyz", self.process, self.log, "The hub")

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        for step in reversed(self.cleanup):
            step()


def make_hub(backend: str, root: Path, postgres: str | None, opts: Options) -> HubServer:
    """A hub process set up for the run: init, teams and users, then serve."""
    folder = root / f"hub-{backend.lower()}"
    folder.mkdir(parents=True)
    if postgres is None:
        hub = HubServer(backend, f"sqlite:///{folder / 'hub.sqlite'}", folder)
    else:
        schema = f"bench_sync_{uuid.uuid4().hex[:12]}"
        admin = create_engine(normalise_url(postgres), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except sqlalchemy.exc.SQLAlchemyError as exc:
            admin.dispose()
            # The driver's message may hold the URL and its password: name the error only.
            raise SystemExit(
                f"PostgreSQL could not be used for the benchmark ({type(exc).__name__}); "
                "check the URL and that the server is running."
            ) from None
        separator = "&" if "?" in postgres else "?"
        hub = HubServer(backend, f"{postgres}{separator}options=-csearch_path%3D{schema}", folder)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        hub.cleanup.append(drop)
    try:
        hub.cli("init", "--organisation", ORGANISATION)
        add_people(hub, opts)
        hub.start()
    except BaseException:
        hub.close()
        raise
    return hub


def device_user(i: int) -> tuple[str, str]:
    return f"dev-{i:03d}", f"Team {i // DEVICES_PER_TEAM + 1:02d}"


def add_people(server: HubServer, opts: Options) -> None:
    """The North team's practitioner and lead, and one practitioner per simulated device."""
    db = Database(server.database_url)
    try:
        hub = Hub(db, server.folder / "ca", hasher=CHEAP_HASHER)
        hub.create_team(TEAM)
        hub.create_user(PRACTITIONER, role=Role.PRACTITIONER, password=USER_PASSWORD, team=TEAM)
        hub.create_user(LEAD, role=Role.TEAM_LEAD, password=USER_PASSWORD, team=TEAM)
        teams: set[str] = set()
        for i in range(opts.devices):
            username, team = device_user(i)
            if team not in teams:
                hub.create_team(team)
                teams.add(team)
            hub.create_user(username, role=Role.PRACTITIONER, password=USER_PASSWORD, team=team)
    finally:
        db.dispose()


def enrol(
    base: str, username: str, device_id: str, local_address: str | None = None
) -> tuple[p.EnrolResponse, str]:
    """Enrol a device over HTTP; the hub's answer and the device's private key (PEM)."""
    key = new_device_key()
    request = p.EnrolRequest(
        username=username,
        password=USER_PASSWORD,
        device_id=uuid.UUID(device_id),
        device_name=f"{username} bench device",
        csr_pem=make_csr(key, device_id, username).decode("ascii"),
    )
    with TappedHubClient(base, None, WireTap(local_address)) as client:
        return client.enrol(request), private_key_pem(key)


# -- the replay server (the wire floor) ------------------------------------------------------
REPLAY_SERVER = r"""
import base64, gzip, json, sys
import uvicorn

answers = {}

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    status, out_headers, out = 204, [], b""
    if scope["path"] == "/__load":
        for item in json.loads(body):
            answers[item["id"]] = (
                item["status"],
                [(k.encode("latin-1"), v.encode("latin-1")) for k, v in item["headers"]],
                base64.b64decode(item["body"]),
            )
    elif b"x-replay" in headers:
        if headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        if body:
            json.loads(body)
        status, out_headers, out = answers.pop(headers[b"x-replay"].decode())
    await send({"type": "http.response.start", "status": status, "headers": out_headers})
    await send({"type": "http.response.body", "body": out})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, server_header=False, date_header=False)
"""

#: Request headers httpx writes itself from the request (the replay sends the same request).
_SET_BY_HTTPX = frozenset({"host", "content-length"})


class Replayer:
    """The do-nothing server the baselines replay recorded exchanges against."""

    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.log = folder / "replay.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", REPLAY_SERVER, str(port)], stdout=log, stderr=log
            )
        self.base = f"http://127.0.0.1:{port}"
        self._next = 0
        self._lock = threading.Lock()
        wait_ready(f"{self.base}/__ready", self.process, self.log, "The replay server")

    def load(self, exchanges: Sequence[Exchange]) -> list[str]:
        """Give the server these answers (not timed); the ids to replay them by."""
        with self._lock:
            first, self._next = self._next, self._next + len(exchanges)
        ids = [str(first + i) for i in range(len(exchanges))]
        doc = [
            {
                "id": i,
                "status": e.status,
                "headers": e.response_headers,
                "body": base64.b64encode(e.response_body).decode("ascii"),
            }
            for i, e in zip(ids, exchanges, strict=True)
        ]
        httpx.post(f"{self.base}/__load", content=json.dumps(doc), timeout=120).raise_for_status()
        return ids

    @staticmethod
    def replay(client: httpx.Client, exchanges: Sequence[Exchange], ids: Sequence[str]) -> float:
        """Send the recorded requests in order, parse each answer's JSON; the seconds taken."""
        started = time.perf_counter()
        for e, replay_id in zip(exchanges, ids, strict=True):
            headers = [(k, v) for k, v in e.request_headers if k.lower() not in _SET_BY_HTTPX]
            headers.append(("x-replay", replay_id))
            response = client.request(
                e.method, e.target, content=e.request_body or None, headers=headers
            )
            if response.content:
                json.loads(response.content)
        return time.perf_counter() - started

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=120.0, limits=CONNECTION_LIMITS)

    def median_of(self, exchanges: Sequence[Exchange], times: int = REPLAYS) -> float:
        """The median time of replaying these exchanges ``times`` times, one after another."""
        runs = [self.load(exchanges) for _ in range(times)]
        with self.client() as client:
            return statistics.median(self.replay(client, exchanges, ids) for ids in runs)

    def close(self) -> None:
        stop(self.process)


# -- laptops (real vaults) -------------------------------------------------------------------
class TimedStore:
    """The engine's store (a ``SyncService``), each call passed on and its time added up by
    method, so a sync's laptop work splits into its vault calls."""

    def __init__(self, store: SyncService) -> None:
        self._store = store
        self.spent: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return found(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        return timed


@dataclass
class SyncRun:
    """One ``SyncEngine.run()``: its time, its steps' times, what went over the wire."""

    seconds: float
    push_s: float
    pull_s: float
    check_s: float
    exchanges: list[Exchange]
    pushed: list[p.Mutation]
    report: SyncReport
    #: Seconds in each of the store's methods (the laptop's vault work) during the sync.
    store_s: dict[str, float] = field(default_factory=dict)

    def step(self, endpoint: str) -> list[Exchange]:
        """The exchanges of the push step (every push before the first pull) or the pull step
        (from the first pull to the summary)."""
        names = [e.endpoint for e in self.exchanges]
        first_pull = names.index("/sync/pull") if "/sync/pull" in names else len(names)
        summary = names.index("/sync/summary") if "/sync/summary" in names else len(names)
        if endpoint == "/sync/push":
            return self.exchanges[:first_pull]
        return self.exchanges[first_pull:summary]

    def problems(self) -> list[str]:
        r = self.report
        found = [
            f"{n} {what}"
            for n, what in (
                (r.pushed.rejected, "refused by the hub"),
                (r.pushed.conflicts, "pushed in conflict"),
                (r.pulled.conflicts, "pulled in conflict"),
                (r.requeued, "queued again after the check"),
            )
            if n
        ]
        if r.mismatched:
            found.append(f"still differing: {', '.join(r.mismatched)}")
        return found


@dataclass
class Laptop:
    name: str
    vault: Vault
    s: Services
    tap: WireTap
    client: TappedHubClient

    def sync(self, profile: cProfile.Profile | None = None) -> SyncRun:
        hub = TimedHub(self.client)
        store = TimedStore(self.s.sync)
        engine = SyncEngine(cast(SyncService, store), hub, progress=hub.note_stage)
        first = len(self.tap.exchanges)
        if profile is not None:
            profile.enable()
        started = time.perf_counter()
        report = engine.run()
        ended = time.perf_counter()
        if profile is not None:
            profile.disable()
        pull_at = hub.first("pull", ended)
        summary_at = hub.first("check", ended)
        return SyncRun(
            seconds=ended - started,
            push_s=pull_at - started,
            pull_s=summary_at - pull_at,
            check_s=ended - summary_at,
            exchanges=self.tap.exchanges[first:],
            pushed=hub.pushed,
            report=report,
            store_s=store.spent,
        )

    def close(self) -> None:
        self.client.close()
        self.vault.close()


def open_laptop(folder: Path, base: str, username: str, existing: bool) -> Laptop:
    """A vault (this one, or a new one), enrolled with the hub over HTTP as ``username``."""
    phrase = bytearray(PASSPHRASE.encode())
    if existing:
        vault = Vault.open(folder, phrase)
    else:
        vault = Vault.create(folder, phrase, username, TEST_KDF)
    s = Services(vault)
    answer, key_pem = enrol(base, username, vault.device_id)
    s.hub.save_enrolment(base, answer, key_pem)
    tap = WireTap()
    return Laptop(username, vault, s, tap, TappedHubClient(base, answer.device_token, tap))


# -- simulated devices -----------------------------------------------------------------------
class SimError(Exception):
    """A simulated sync that did not end as it should (a refusal, a differing digest)."""


@dataclass
class SimDevice:
    """One simulated device: see the module docstring for exactly what it does."""

    username: str
    tap: WireTap
    client: TappedHubClient
    rng: random.Random
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: dict[str, dict[str, tuple[int, bool]]] = field(default_factory=dict)
    cursor: int = 0
    recorded: list[list[Exchange]] = field(default_factory=list)

    def sync(self, mutations: list[p.Mutation]) -> None:
        first = len(self.tap.exchanges)
        try:
            self._push(mutations)
            self._check(self._pull())
        finally:
            self.recorded.append(self.tap.exchanges[first:])

    def _push(self, mutations: list[p.Mutation]) -> None:
        answer = self.client.push(mutations)
        for m, result in zip(mutations, answer.results, strict=True):
            if result.status != "applied" or result.seq is None:
                raise SimError(f"a change was {result.status}")
            self.held.setdefault(m.kind, {})[m.record_id] = (result.seq, False)

    def _pull(self) -> p.SyncSummary:
        """Pages after the cursor; the hub's check comes with the last one."""
        known = p.young_people_digest(self.held.get("young_person", {}))
        while True:
            page = self.client.pull(self.cursor, p.MAX_PULL_PAGE, summary=True, known_scope=known)
            for change in page.changes:
                if change.kind in p.RECORD_KINDS:
                    self.held.setdefault(change.kind, {})[change.record_id] = (
                        change.seq,
                        change.deleted,
                    )
            self.cursor = page.next_cursor
            if not page.has_more:
                if page.summary is None:
                    raise SimError("the last page came without the hub's check")
                return page.summary

    def _check(self, summary: p.SyncSummary) -> None:
        for kind, theirs in summary.kinds.items():
            held = self.held.get(kind, {}).items()
            rows = [(rid, seq) for rid, (seq, gone) in held if not gone]  # live only
            mine = p.KindSummary(count=len(rows), digest=p.scope_digest(rows))
            if mine != theirs:
                raise SimError(f"{kind} differs from the hub")

    def seq_of(self, kind: str, record_id: str) -> int:
        return self.held[kind][record_id][0]


@dataclass(frozen=True)
class Templates:
    """A real young person's and a real note's content (from the first laptop's vault), for
    simulated devices to send records of the same shape and size."""

    person: dict[str, Any]
    note: dict[str, Any]

    @classmethod
    def from_vault(cls, vault: Vault) -> Templates:
        with vault.read() as session:
            person = session.query(YoungPerson).first()
            note = session.query(ContactNote).first()
            if person is None or note is None:
                raise SystemExit("The first laptop's vault holds no young person or no note.")
            return cls(content_of(person), content_of(note))


@dataclass
class Changes:
    """Makes the simulated devices' changes (texts drawn ahead: Faker is not thread-safe)."""

    templates: Templates
    texts: Texts

    def new_person(self, device: SimDevice, now: datetime) -> p.Mutation:
        content = dict(self.templates.person)
        given = self.texts.fake.first_name()
        content.update(
            id=new_id(),  # as HubDesk makes record ids (hubdesk.ids)
            created_at=now.isoformat(),
            given_name=given,
            family_name=self.texts.fake.last_name(),
            allocated_worker=device.username,
            level_reason=self.texts.prose(device.rng, 420, given),
        )
        device.people[content["id"]] = content
        return _mutation("young_person", content["id"], "create", content, None, None)

    def new_note(self, device: SimDevice, now: datetime) -> p.Mutation:
        person = device.rng.choice(list(device.people))
        content = dict(self.templates.note)
        content.update(
            id=new_id(),
            created_at=now.isoformat(),
            young_person_id=person,
            occurred_at=(now - timedelta(hours=device.rng.randint(1, 48))).isoformat(),
            finalised_at=now.isoformat(),
            author=device.username,
            narrative=self.texts.prose(device.rng, 650, device.people[person]["given_name"]),
        )
        return _mutation("contact_note", content["id"], "append", content, None, person)

    def level_change(self, device: SimDevice, person: str, reason: str) -> p.Mutation:
        content = dict(device.people[person])
        content.update(level=device.rng.choice(LEVELS), level_reason=reason)
        device.people[person] = content
        base = device.seq_of("young_person", person)
        return _mutation("young_person", person, "update", content, base, None)


def _mutation(
    kind: str, record_id: str, op: str, content: dict[str, Any], base: int | None, yp: str | None
) -> p.Mutation:
    return p.Mutation(
        mutation_id=ordered_uuid(),
        kind=kind,
        record_id=record_id,
        op=op,
        base_seq=base,
        young_person_id=yp,
        content=content,
    )


# -- statistics and reporting ----------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"{time.monotonic() - STARTED:6.1f} s  {message}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    metric: str
    label: str
    value: float
    unit: str
    baseline: float | None = None
    target: tuple[str, float] | None = None  # ("<=", limit), on the value or the ratio
    on_ratio: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def digits(self) -> int:
        return {"s": 4, "ms": 2}.get(self.unit, 0)

    def rounded(self, value: float) -> float | int:
        return round(value, self.digits) if self.digits else round(value)

    def verdict(self) -> str:
        if self.target is None:
            return ""
        limit = self.target[1]
        judged = self.ratio if self.on_ratio else self.value
        what = "ratio" if self.on_ratio else self.unit
        ok = judged is not None and judged <= limit
        return f"target <= {limit:g} {what}: {'met' if ok else 'NOT MET'}"

    def line(self) -> str:
        d = self.digits
        out = f"  {self.label:<42} {self.value:12,.{d}f} {self.unit:<5}"
        if self.baseline is not None:
            r = self.ratio
            out += f" baseline {self.baseline:12,.{d}f}  ratio {r if r is not None else 0:7.2f}"
        else:
            out += " " * 41
        return f"{out}  {self.verdict()}".rstrip()

    def json(self) -> str:
        doc: dict[str, Any] = {
            "metric": self.metric,
            "value": self.rounded(self.value),
            "unit": self.unit,
        }
        if self.baseline is not None:
            doc["baseline"] = self.rounded(self.baseline)
            r = self.ratio
            doc["ratio"] = round(r, 2) if r is not None else None
        return json.dumps(doc)


def show(figures: list[Figure]) -> list[Figure]:
    for f in figures:
        print(f.line())
    return figures


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPU(s)"
    except OSError:
        return "unknown"


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def wire_table(exchanges: Sequence[Exchange], rounds: int) -> list[str]:
    """Bytes per round by endpoint: request and response, head and body, compressed or not."""
    rows: dict[str, list[float]] = {}
    for e in exchanges:
        row = rows.setdefault(e.endpoint, [0, 0, 0, 0, 0, 0])
        req_body, resp_body = len(e.request_body), len(e.response_body)
        row[0] += 1
        row[1] += e.sent - req_body
        row[2] += req_body
        row[3] += e.received - resp_body
        row[4] += resp_body
        row[5] += e.header("content-encoding") == "gzip"
    out = ["    per round     calls  req head  req body  resp head resp body  gzip answers"]
    for endpoint, r in sorted(rows.items()):
        out.append(
            f"    {endpoint:<13} {r[0] / rounds:5.1f} {r[1] / rounds:9,.0f} {r[2] / rounds:9,.0f}"
            f" {r[3] / rounds:10,.0f} {r[4] / rounds:9,.0f}  {r[5]:.0f} of {r[0]:.0f}"
        )
    return out


def median_ms_by_endpoint(exchanges: Sequence[Exchange]) -> list[tuple[str, float]]:
    found: dict[str, list[float]] = {}
    for e in exchanges:
        found.setdefault(e.endpoint, []).append(e.seconds * 1000)
    return [(name, statistics.median(v)) for name, v in sorted(found.items())]


def json_size(m: p.Mutation) -> int:
    return len(json.dumps(m.content, separators=(",", ":"), ensure_ascii=False).encode())


def compression_facts(exchanges: Sequence[Exchange]) -> str:
    """Whether the hub compressed its larger answers and the client its larger bodies."""
    big_answers = [
        e for e in exchanges if len(e.response_body) >= 500 or e.header("content-encoding")
    ]
    gz_answers = [e for e in big_answers if e.header("content-encoding") == "gzip"]
    bodies = [e for e in exchanges if e.request_body]
    gz_requests = [e for e in bodies if e.header("content-encoding", response=False) == "gzip"]
    verdict = (
        "the hub compresses its answers"
        if gz_answers
        else "the hub did NOT compress any answer (gzip not in this server yet?)"
    )
    return (
        f"{verdict}: {len(gz_answers)} of {len(big_answers)} answers of 500 bytes or more came "
        f"gzip-encoded; {len(gz_requests)} of {len(bodies)} request bodies were sent gzip "
        "(the client compresses those over 1 KiB)"
    )


# -- the workloads ---------------------------------------------------------------------------
@dataclass
class Context:
    opts: Options
    root: Path
    template: Path
    texts: Texts
    replay: Replayer
    profile_dir: Path | None


@contextmanager
def profiled(ctx: Context, name: str) -> Iterator[cProfile.Profile | None]:
    if ctx.profile_dir is None:
        yield None
        return
    prof = cProfile.Profile()
    yield prof
    ctx.profile_dir.mkdir(parents=True, exist_ok=True)
    target = ctx.profile_dir / f"{name}.prof"
    prof.dump_stats(target)
    progress(f"  client-side profile written to {target}")


def floor_of_round_trip(base: str, path: str, times: int = 50) -> float:
    """Median ms of a bare GET round trip (the HTTP floor of one request)."""
    with httpx.Client(base_url=base) as client:
        client.get(path)
        samples = []
        for _ in range(times):
            started = time.perf_counter()
            client.get(path).read()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def open_laptops(ctx: Context, hub: HubServer, tag: str) -> tuple[Laptop, Laptop]:
    """The practitioner's laptop (a copy of the seeded vault) and the lead's new one."""
    folder = ctx.root / tag
    shutil.copytree(ctx.template, folder / "amy")
    amy = open_laptop(folder / "amy", hub.base, PRACTITIONER, existing=True)
    lead = open_laptop(folder / "lead", hub.base, LEAD, existing=False)
    print(
        f"  {hub.backend} hub at {hub.base}; laptops enrolled over HTTP as {PRACTITIONER} "
        f"and {LEAD}; {amy.s.sync.pending_count():,} records waiting in the practitioner's "
        "outbox"
    )
    return amy, lead


def waiting_line(step: Sequence[Exchange], seconds: float, vault_work: str) -> str:
    """How a step's time divides between waiting for the hub and the laptop's own work."""
    waited = sum(e.seconds for e in step)
    return (
        f"  of the step's {seconds:.3f} s: {waited:.3f} s waiting for the hub's answers "
        f"({len(step)} requests, wire included), {seconds - waited:.3f} s in the laptop with "
        f"no request outstanding ({vault_work}; the rest of it overlaps the hub's work)"
    )


def push_phase(ctx: Context, amy: Laptop, tag: str) -> list[Figure]:
    n = ctx.opts.records
    print()
    print(f"1. Push {n:,} records from the practitioner's laptop (SyncEngine.run)")
    progress(f"[{tag}] pushing {n:,} records …")
    with profiled(ctx, f"{tag}-push") as prof:
        push = amy.sync(prof)
    step = push.step("/sync/push")
    sizes = [json_size(m) for m in push.pushed]
    print(
        f"  {len(push.pushed):,} mutations in {len(step)} requests; record JSON mean "
        f"{statistics.mean(sizes):,.0f} bytes (min {min(sizes):,}, max {max(sizes):,}); "
        f"{kib(sum(e.sent for e in step))} sent for {kib(sum(sizes))} of record JSON"
    )
    print(waiting_line(step, push.push_s, "SyncService.next_batch and record_results"))
    print(
        f"  whole sync {push.seconds:.3f} s = push {push.push_s:.3f} + pull of its own changes "
        f"{push.pull_s:.3f} + check {push.check_s:.3f}; {len(push.exchanges)} requests"
    )
    for problem in push.problems():
        print(f"  NOTE: {problem}")
    push_floor = ctx.replay.median_of(step)
    whole_floor = ctx.replay.median_of(push.exchanges)
    return show(
        [
            Figure(
                f"push_{tag}",
                f"push {n:,} records",
                push.push_s,
                "s",
                push_floor,
                ("<=", PUSH_MAX_S),
            ),
            Figure(f"push_whole_sync_{tag}", "  whole first sync", push.seconds, "s", whole_floor),
        ]
    )


def pull_phase(ctx: Context, lead: Laptop, tag: str) -> list[Figure]:
    n = ctx.opts.records
    print()
    print("2. A fresh device (the team lead's new vault) pulls them all")
    progress(f"[{tag}] fresh pull …")
    with profiled(ctx, f"{tag}-pull") as prof:
        pull = lead.sync(prof)
    pages = pull.step("/sync/pull")
    received = pull.report.pulled
    print(
        f"  {received.written:,} records written from {received.received:,} changes in "
        f"{len(pages)} pages; {kib(sum(e.received for e in pages))} received; "
        f"{compression_facts(pages)}"
    )
    print(waiting_line(pages, pull.pull_s, "SyncService.apply_page"))
    print(
        f"  whole sync {pull.seconds:.3f} s = push {pull.push_s:.3f} + pull {pull.pull_s:.3f} "
        f"+ check {pull.check_s:.3f}"
    )
    for problem in pull.problems():
        print(f"  NOTE: {problem}")
    pull_floor = ctx.replay.median_of(pages)
    whole_floor = ctx.replay.median_of(pull.exchanges)
    return show(
        [
            Figure(
                f"pull_fresh_{tag}",
                f"fresh pull of {n:,} records",
                pull.pull_s,
                "s",
                pull_floor,
                ("<=", PULL_MAX_S),
            ),
            Figure(
                f"pull_fresh_whole_sync_{tag}", "  whole first sync", pull.seconds, "s", whole_floor
            ),
        ]
    )


def change_records(laptop: Laptop, people: Sequence[str], rng: random.Random, texts: Texts) -> None:
    """Five changes through the services: three levels (with a new reason), two new notes."""
    now = datetime.now(UTC)
    for person in people[:LEVEL_CHANGES]:
        reason = texts.prose(rng, 420)
        laptop.s.cases.set_level(person, Level(rng.choice(LEVELS)), reason)
    for _ in range(NEW_NOTES):
        person = rng.choice(list(people))
        note = laptop.s.notes.add(
            person,
            kind=rng.choice(NOTE_KINDS),
            occurred_at=now - timedelta(minutes=rng.randint(5, 600)),
            narrative=texts.prose(rng, 650),
            present="Young person",
        )
        laptop.s.notes.finalise(note)


@dataclass
class Rounds:
    """The measured incremental rounds (the warm-up round is not added)."""

    records: int
    runs: list[tuple[str, SyncRun]] = field(default_factory=list)  # (laptop, its sync)
    floors: list[float] = field(default_factory=list)
    wire: list[int] = field(default_factory=list)
    changed_json: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, runs: list[tuple[str, SyncRun]], floors: list[float], number: int) -> None:
        self.runs += runs
        self.floors += floors
        self.wire.append(sum(e.sent + e.received for _, run in runs for e in run.exchanges))
        pushed = [m for _, run in runs for m in run.pushed]
        if len(pushed) != 2 * (LEVEL_CHANGES + NEW_NOTES):
            self.notes.append(f"round {number} pushed {len(pushed)} changes, not 10")
        self.changed_json.append(sum(json_size(m) for m in pushed))

    def times(self, laptop: str | None = None) -> list[float]:
        return [run.seconds for name, run in self.runs if laptop in (None, name)]

    def print_details(self) -> None:
        exchanges = [e for _, run in self.runs for e in run.exchanges]
        syncs = len(self.runs)
        by_laptop = ", ".join(
            f"{name} {statistics.median(self.times(name)) * 1000:.1f}"
            for name in (PRACTITIONER, LEAD)
        )
        print(
            f"  per sync: median {statistics.median(self.times()) * 1000:.1f} ms ({by_laptop}), "
            f"{len(exchanges) / syncs:.1f} requests; each laptop holds {self.records:,} records"
        )
        steps = ", ".join(
            f"{name} {statistics.median(getattr(r, f'{name}_s') for _, r in self.runs) * 1000:.1f}"
            for name in ("push", "pull", "check")
        )
        trips = ", ".join(f"{name} {ms:.1f}" for name, ms in median_ms_by_endpoint(exchanges))
        print(f"  median step times (ms): {steps}; request round trips, median (ms): {trips}")
        calls = {name for _, r in self.runs for name in r.store_s}
        spent = {
            name: statistics.median(r.store_s.get(name, 0.0) for _, r in self.runs) * 1000
            for name in calls
        }
        busiest = sorted(spent.items(), key=lambda item: -item[1])
        print(
            f"  laptop's vault calls per sync, median (ms): all {sum(spent.values()):.1f} = "
            + ", ".join(f"{name} {ms:.2f}" for name, ms in busiest if ms >= 0.05)
        )
        print(
            f"  wire per round (both syncs): {statistics.mean(self.wire):,.0f} bytes for "
            f"{statistics.mean(self.changed_json):,.0f} bytes of changed records' JSON "
            f"(10 records, each sent up once and down once); {compression_facts(exchanges)}"
        )
        for line in wire_table(exchanges, syncs // 2):
            print(line)
        for note in sorted(set(self.notes)):
            print(f"  NOTE: {note}")

    def figures(self, tag: str) -> list[Figure]:
        times = self.times()
        return [
            Figure(
                f"incremental_sync_median_{tag}",
                "incremental sync, median",
                statistics.median(times) * 1000,
                "ms",
                statistics.median(self.floors) * 1000,
                ("<=", INCREMENTAL_MAX_MS),
            ),
            Figure(
                f"incremental_sync_p95_{tag}",
                "incremental sync, p95",
                percentile(times, 0.95) * 1000,
                "ms",
                percentile(self.floors, 0.95) * 1000,
            ),
            Figure(
                f"incremental_wire_bytes_{tag}",
                "wire bytes per round vs changed JSON",
                statistics.mean(self.wire),
                "bytes",
                statistics.mean(self.changed_json),
                ("<=", WIRE_MAX_RATIO),
                on_ratio=True,
            ),
        ]


def incremental_phase(ctx: Context, amy: Laptop, lead: Laptop, tag: str) -> list[Figure]:
    opts = ctx.opts
    print()
    print(
        f"3-4. Incremental two-way sync: {opts.rounds + 1} rounds (the first a warm-up) of "
        f"{LEVEL_CHANGES} level changes + {NEW_NOTES} new notes on each laptop, then each syncs"
    )
    progress(f"[{tag}] incremental rounds …")
    rng = random.Random(opts.seed + 5)
    people = [yp.id for yp in amy.s.cases.caseload()]
    half = len(people) // 2
    pools = {amy.name: people[:half], lead.name: people[half:]}  # never the same case on both
    tally = Rounds(opts.records)
    with profiled(ctx, f"{tag}-incremental") as prof, ctx.replay.client() as floor_client:
        for r in range(opts.rounds + 1):
            for laptop in (amy, lead):
                pool = pools[laptop.name]
                first = (r * LEVEL_CHANGES) % (len(pool) - LEVEL_CHANGES)
                change_records(laptop, pool[first : first + LEVEL_CHANGES], rng, ctx.texts)
            runs = [(laptop.name, laptop.sync(prof)) for laptop in (amy, lead)]
            for _, run in runs:
                tally.notes += run.problems()
            if r == 0:
                continue  # the warm-up
            # The wire floor of each sync, replayed right after it (not profiled).
            floors = [
                ctx.replay.replay(floor_client, run.exchanges, ctx.replay.load(run.exchanges))
                for _, run in runs
            ]
            tally.add(runs, floors, r)
    tally.print_details()
    return show(tally.figures(tag))


@dataclass
class Schedule:
    """When each device syncs: every ``period`` seconds from its offset (first syncs spread
    evenly over the first period), for ``duration`` seconds."""

    devices: int
    period: float
    duration: float

    def times(self, i: int) -> list[float]:
        at, out = i * self.period / self.devices, []
        while at < self.duration:
            out.append(at)
            at += self.period
        return out


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    late: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, late: float, error: str | None) -> None:
        with self.lock:
            self.late.append(late)
            if error is None:
                self.latencies.append(seconds)
            else:
                self.errors[error] = self.errors.get(error, 0) + 1


def run_schedule(schedule: Schedule, work: Callable[[int, int], None]) -> Outcome:
    """One thread per device; ``work(device, k)`` is its k-th sync, timed."""
    outcome = Outcome()
    t0 = time.monotonic() + 0.5

    def device(i: int) -> None:
        for k, at in enumerate(schedule.times(i)):
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            late = max(0.0, time.monotonic() - (t0 + at))
            started = time.perf_counter()
            error: str | None = None
            try:
                work(i, k)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:160]
            outcome.add(time.perf_counter() - started, late, error)

    threads = [
        threading.Thread(target=device, args=(i,), daemon=True) for i in range(schedule.devices)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


@dataclass(frozen=True)
class Planned:
    """One timed sync's changes, made ahead (Faker is not thread-safe): the new reason for a
    level change (its base sequence is known only when it is sent) and the new notes."""

    reason: str
    notes: list[p.Mutation]


@dataclass
class Fleet:
    devices: list[SimDevice]
    plans: list[list[Planned]]
    changes: Changes
    schedule: Schedule

    def sync(self, i: int, k: int) -> None:
        """Device ``i``'s ``k``-th timed sync: one of its young people changes, new notes."""
        device, plan = self.devices[i], self.plans[i][k]
        person = list(device.people)[k % len(device.people)]
        device.sync([self.changes.level_change(device, person, plan.reason), *plan.notes])

    def exchanges(self) -> list[Exchange]:
        return [e for d in self.devices for sync in d.recorded for e in sync]

    def close(self) -> None:
        for d in self.devices:
            d.client.close()


def set_up_fleet(ctx: Context, hub: HubServer, templates: Templates) -> Fleet:
    """Enrol the simulated devices over HTTP, push each one's caseload and pull everything
    (not timed), and make every timed sync's changes."""
    opts = ctx.opts
    changes = Changes(templates, ctx.texts)

    def enrolled(i: int) -> SimDevice:
        username, _ = device_user(i)
        address = f"127.0.0.{2 + i // ENROLMENTS_PER_ADDRESS}"
        answer, _key = enrol(hub.base, username, str(uuid.uuid4()), address)
        tap = WireTap()
        client = TappedHubClient(hub.base, answer.device_token, tap)
        return SimDevice(username, tap, client, random.Random(opts.seed * 1000 + i))

    with ThreadPoolExecutor(8) as pool:
        devices = list(pool.map(enrolled, range(opts.devices)))
    now = datetime.now(UTC)
    caseloads = []
    for d in devices:
        people = [changes.new_person(d, now) for _ in range(3)]
        caseloads.append(people + [changes.new_note(d, now) for _ in range(6)])
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda d, c: d.sync(c), devices, caseloads))
    schedule = Schedule(opts.devices, opts.period, opts.duration)
    plans = []
    for i, d in enumerate(devices):
        d.recorded.clear()
        plans.append(
            [
                Planned(
                    ctx.texts.prose(d.rng, 420),
                    [changes.new_note(d, now) for _ in range(opts.changes - 1)],
                )
                for _ in schedule.times(i)
            ]
        )
    return Fleet(devices, plans, changes, schedule)


def replay_fleet(ctx: Context, fleet: Fleet) -> Outcome:
    """The wire floor: every device's recorded syncs, replayed on the same schedule."""
    flat = ctx.replay.load(fleet.exchanges())  # in the order fleet.exchanges() gives
    ids: list[list[list[str]]] = []
    for d in fleet.devices:
        ids.append([])
        for sync in d.recorded:
            ids[-1].append(flat[: len(sync)])
            flat = flat[len(sync) :]
    clients = [ctx.replay.client() for _ in fleet.devices]

    def replay(i: int, k: int) -> None:
        recorded = fleet.devices[i].recorded
        if k < len(recorded):
            Replayer.replay(clients[i], recorded[k], ids[i][k])

    try:
        return run_schedule(fleet.schedule, replay)
    finally:
        for client in clients:
            client.close()


def print_fleet(fleet: Fleet, live: Outcome, floor: Outcome, loads: tuple[str, str]) -> None:
    exchanges = fleet.exchanges()
    by_endpoint: dict[str, list[float]] = {}
    for e in exchanges:
        by_endpoint.setdefault(e.endpoint, []).append(e.seconds * 1000)
    syncs = len(live.latencies) + sum(live.errors.values())
    print(
        f"  {syncs} syncs ({syncs / fleet.schedule.duration:.1f} a second), {len(exchanges)} "
        f"requests; load average before {loads[0]}, after {loads[1]}"
    )
    print(
        "  per request (ms): "
        + "; ".join(
            f"{name} p50 {percentile(v, 0.5):.1f} p99 {percentile(v, 0.99):.1f}"
            for name, v in sorted(by_endpoint.items())
        )
    )
    print(
        "  syncs started late (the device was still busy): "
        f"{sum(1 for x in live.late if x > 0.05)}; max lateness "
        f"{max(live.late, default=0) * 1000:.0f} ms"
    )
    for error, count in sorted(live.errors.items()):
        print(f"  ERROR x{count}: {error}")
    for error, count in sorted(floor.errors.items()):
        print(f"  replay error x{count}: {error}")


def devices_phase(ctx: Context, hub: HubServer, templates: Templates, tag: str) -> list[Figure]:
    opts = ctx.opts
    print()
    print(
        f"5. {opts.devices} simulated devices, each syncing {opts.changes} changes every "
        f"{opts.period:g} s for {opts.duration:g} s"
    )
    progress(f"[{tag}] enrolling {opts.devices} devices and pulling their caseloads …")
    started = time.perf_counter()
    fleet = set_up_fleet(ctx, hub, templates)
    print(
        "  set-up (enrol over HTTP, first push and pull; not timed): "
        f"{time.perf_counter() - started:.1f} s"
    )
    try:
        progress(f"[{tag}] devices running for {opts.duration:g} s …")
        load_before = load_average()
        live = run_schedule(fleet.schedule, fleet.sync)
        loads = (load_before, load_average())
        progress(f"[{tag}] replaying the same exchanges on the same schedule …")
        floor = replay_fleet(ctx, fleet)
        print_fleet(fleet, live, floor, loads)
    finally:
        fleet.close()
    n = opts.devices
    return show(
        [
            Figure(
                f"devices_sync_p50_{tag}",
                f"{n} devices: sync p50",
                percentile(live.latencies, 0.5) * 1000,
                "ms",
                percentile(floor.latencies, 0.5) * 1000,
            ),
            Figure(
                f"devices_sync_p99_{tag}",
                f"{n} devices: sync p99",
                percentile(live.latencies, 0.99) * 1000,
                "ms",
                percentile(floor.latencies, 0.99) * 1000,
                ("<=", DEVICES_P99_MAX_MS),
            ),
            Figure(
                f"devices_errors_{tag}",
                f"{n} devices: failed syncs",
                sum(live.errors.values()),
                "count",
                None,
                ("<=", 0),
            ),
        ]
    )


def run_backend(ctx: Context, backend: str, postgres: str | None) -> list[Figure]:
    tag = backend.lower()
    print()
    print(f"== {backend} hub " + "=" * 60)
    progress(f"[{tag}] starting the hub (init, users, serve) …")
    started = time.perf_counter()
    hub = make_hub(backend, ctx.root, postgres, ctx.opts)
    laptops: list[Laptop] = []
    try:
        print(
            f"  hub ready in {time.perf_counter() - started:.1f} s (init, {ctx.opts.devices + 2} "
            f"users through the Hub API, serve); GET /healthz round trip: hub "
            f"{floor_of_round_trip(hub.base, '/healthz'):.2f} ms, replay server "
            f"{floor_of_round_trip(ctx.replay.base, '/__ready'):.2f} ms (median of 50)"
        )
        amy, lead = open_laptops(ctx, hub, tag)
        laptops += [amy, lead]
        figures = push_phase(ctx, amy, tag)
        figures += pull_phase(ctx, lead, tag)
        figures += incremental_phase(ctx, amy, lead, tag)
        templates = Templates.from_vault(amy.vault)
        for laptop in laptops:
            laptop.close()
        laptops.clear()
        figures += devices_phase(ctx, hub, templates, tag)
    finally:
        for laptop in laptops:
            laptop.close()
        progress(f"[{tag}] stopping the hub …")
        hub.close()
    return figures


def describe(opts: Options, root: Path) -> None:
    print("HubDesk sync benchmark: SyncEngine against a real hubdesk-server on loopback")
    print(
        f"  python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, httpx "
        f"{httpx.__version__}, {os.cpu_count()} CPU(s) shared by the hub, the replay server "
        f"and this client; temp folder {root}"
    )
    backends = "SQLite" + (
        " and PostgreSQL" if opts.postgres else " only (no PostgreSQL URL given)"
    )
    print(
        f"  hubs: {backends}; {opts.records:,} records ({opts.cases} young people x "
        f"{opts.notes} notes + themselves); {opts.rounds} incremental rounds after a warm-up; "
        f"{opts.devices} devices x {opts.changes} changes every {opts.period:g} s for "
        f"{opts.duration:g} s; seed {opts.seed}"
    )
    print(f"  load average at start: {load_average()}")


def report_targets(figures: list[Figure]) -> None:
    print()
    print("Targets (from the issue)")
    for f in figures:
        if f.target is not None:
            judged = f.ratio if f.on_ratio else f.value
            digits = 2 if f.on_ratio else f.digits
            shown = f"{judged:,.{digits}f}" if judged is not None else "n/a"
            what = "x the changed JSON" if f.on_ratio else f.unit
            print(f"  {f.metric:<34} {shown:>10} {what:<18} {f.verdict()}")


def run(opts: Options, root: Path) -> list[Figure]:
    describe(opts, root)
    texts = Texts.make(opts.seed)
    template = root / "template"
    progress(f"seeding {opts.records:,} records through the services' write path …")
    seed_s = seed_vault(template, opts, texts)
    print()
    print(
        f"0. Seed: {opts.records:,} records made in the practitioner's vault in {seed_s:.1f} s "
        f"({opts.records / seed_s:,.0f} a second; not part of any figure below)"
    )
    figures = [Figure("seed_records", f"seed {opts.records:,} records (vault)", seed_s, "s")]
    # This process is the laptop from here on: its collector tuned as the desktop's is once
    # the vault is open, and as `hubdesk sync`'s is (the hub's own is, in `serve`).
    collect_less()
    print("   (this process is the laptop: its garbage collector tuned as HubDesk's is)")
    replay = Replayer(root)
    ctx = Context(opts, root, template, texts, replay, opts.profile)
    try:
        figures += run_backend(ctx, "SQLite", None)
        if opts.postgres:
            figures += run_backend(ctx, "PostgreSQL", opts.postgres)
    finally:
        replay.close()
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="hubdesk-bench-sync-", dir="/tmp"))
    started = time.perf_counter()
    try:
        figures = run(opts, root)
    finally:
        if opts.keep:
            progress(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report_targets(figures)
    print()
    print(
        f"Total run time {time.perf_counter() - started:.0f} s; load average at the end: "
        f"{load_average()}. One JSON line per figure:"
    )
    for f in figures:
        print(f.json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
