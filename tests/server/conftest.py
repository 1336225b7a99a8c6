"""Fixtures for the hub service tests: a migrated database on SQLite always and on PostgreSQL
when ``HUBDESK_TEST_POSTGRES_URL`` is set (each test in a schema of its own, dropped after), a
set-up hub with its CA, and the real API served by uvicorn on a loopback port."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from alembic import command
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from hubdesk.server import sync
from hubdesk.server.api import create_app
from hubdesk.server.ca import create_ca, make_csr, new_device_key, write_ca
from hubdesk.server.db import Database, alembic_config, normalise_url
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import Role, ServerBase
from hubdesk.sync import protocol as p
from tests.helpers.served import serving_on_loopback

POSTGRES_URL = os.environ.get("HUBDESK_TEST_POSTGRES_URL")
#: Argon2id at its lowest cost: the real cost is a constant of passwords.py, tested there.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
ORGANISATION = "Northmoor Borough Council"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL run skipped: HUBDESK_TEST_POSTGRES_URL is not set (.ci/run sets it)"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fast_schema(db: Database) -> None:
    """The models' schema, stamped at the newest revision: what the migrations make (proven
    by test_schema.py, and `init` runs them in test_cli.py), in a fraction of the time."""
    with db.engine.begin() as conn:
        ServerBase.metadata.create_all(conn)
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.stamp(cfg, "head")


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    db = Database(database_url)
    fast_schema(db)
    ca = create_ca(ORGANISATION)
    write_ca(ca, tmp_path / "ca")
    made = Hub(db, tmp_path / "ca", hasher=CHEAP_HASHER)
    made.set_up(ORGANISATION, ca.certificate_pem.decode())
    yield made
    db.dispose()


@dataclass
class Org:
    """Two teams; a lead and two practitioners in North, a lead and one in South; an admin."""

    hub: Hub

    def make(self) -> Org:
        for name in ("North", "South"):
            self.hub.create_team(name)
        for username, role, team in (
            ("north-lead", Role.TEAM_LEAD, "North"),
            ("north-amy", Role.PRACTITIONER, "North"),
            ("north-ben", Role.PRACTITIONER, "North"),
            ("south-lead", Role.TEAM_LEAD, "South"),
            ("south-cai", Role.PRACTITIONER, "South"),
            ("hub-admin", Role.ADMIN, None),
        ):
            self.hub.create_user(username, role=role, password=PASSWORD, team=team)
        return self


@pytest.fixture
def org(hub: Hub) -> Org:
    return Org(hub).make()


def new_mutation(
    kind: str,
    record_id: str,
    op: str,
    content: dict[str, Any],
    base_seq: int | None = None,
    young_person_id: str | None = None,
) -> p.Mutation:
    """One mutation with a fresh id, as a device would send it."""
    return p.Mutation(
        mutation_id=uuid.uuid4(),
        kind=kind,
        record_id=record_id,
        op=op,  # type: ignore[arg-type]
        base_seq=base_seq,
        young_person_id=young_person_id,
        content=content,
    )


def put(
    hub: Hub,
    who: Principal,
    kind: str,
    record_id: str,
    content: dict[str, Any],
    *,
    young_person_id: str | None = None,
    base_seq: int | None = None,
) -> int:
    """Store a record on the hub the way a device does (a push of one mutation: a create, or
    an update on ``base_seq``); its new change sequence. Fails the test unless applied."""
    op = "create" if base_seq is None else "update"
    mutation = new_mutation(kind, record_id, op, content, base_seq, young_person_id)
    [result] = sync.push(hub, who, [mutation]).results
    assert result.status == "applied", result.reason
    assert result.seq is not None
    return result.seq


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Served:
    """The hub's API on a loopback port, called with plain urllib (no test client)."""

    base: str

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Reply(response.status, dict(response.headers), _json(response.read()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), _json(error.read()))

    def enrol(self, username: str, password: str = PASSWORD) -> tuple[str, str]:
        """Enrol a new device for ``username``; (device id, token)."""
        device_id = str(uuid.uuid4())
        csr = make_csr(new_device_key(), device_id, username).decode()
        reply = self.call(
            "POST",
            "/api/v1/auth/enrol",
            {
                "username": username,
                "password": password,
                "device_id": device_id,
                "device_name": f"{username} laptop",
                "csr_pem": csr,
            },
        )
        assert reply.status == 201, reply.body
        return device_id, reply.body["device_token"]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


class Switch:
    """An ASGI app that passes each request to the current test's hub app: one real uvicorn
    serves the whole session, instead of one started and stopped per test."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "a request arrived between tests"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[tuple[str, Switch]]:
    switch = Switch()
    config = uvicorn.Config(switch, host="127.0.0.1", port=0, log_level="warning")
    with serving_on_loopback(config) as base:
        yield base, switch


@pytest.fixture
def served(hub: Hub, loopback_server: tuple[str, Switch]) -> Iterator[Served]:
    base, switch = loopback_server
    switch.app = create_app(hub)
    yield Served(base)
    switch.app = None
