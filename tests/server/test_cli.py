"""The `hubdesk-server` command, run in-process on SQLite and PostgreSQL: `init` sets up the
schema, the organisation's CA (key file private), the first administrator and the shipped
screening tool, and a second `init` changes nothing; a missing or short password is refused in
words and a refused `init` can be run again; the admin commands create teams and users of each
role, disable users (revoking their devices), reset passwords, allocate young people, list and
revoke devices, export the CA certificate and serve screening tool versions that never change
content; the audit export writes JSON lines and checks the hash chain; an un-initialised
database, a nonsense database URL and an unsafe `serve` are refused in plain words, never with
a traceback. The slow tests run `scripts/run-with-hub.sh` (what `make run` calls) with the
desktop app replaced, and check that the hub answered and is stopped afterwards: when the app
ends, when it fails, and on Ctrl+C."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select, update

from hubdesk.server import cli
from hubdesk.server import db as server_db
from hubdesk.server.ca import load_ca, make_csr, new_device_key
from hubdesk.server.db import Database, check_schema, migrate
from hubdesk.server.hub import Hub
from hubdesk.server.problems import DeviceRevoked, NotSignedIn
from hubdesk.server.tables import Allocation, Device, HubAuditEvent, Role, Team, User
from tests.server.conftest import PASSWORD, Org, put

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_TOOL = ROOT / "src" / "hubdesk" / "resources" / "screening" / "exploitation-v1.json"
SCRIPT = ROOT / "scripts" / "run-with-hub.sh"
ADMIN_PASSWORD = "lantern meadow copper kettle"
NEW_PASSWORD = "willow harbour sixty lanes"
ORGANISATION = "Fenmarsh District Council"
NOT_SET_UP = "The hub's database has not been set up. Run `hubdesk-server init` first."
NO_ADMIN_PASSWORD = (
    "Give a password for the first hub administrator in HUBDESK_ADMIN_PASSWORD or run this "
    "in a terminal to be asked."
)
SHORT_PASSWORD = (
    "A hub password needs at least 12 characters; a few words together are easiest to remember."
)
NO_SUCH_USER = "There is no such user, or it is not yours to see."


@dataclass
class Ran:
    status: int
    out: str
    err: str


@dataclass
class Command:
    """`hubdesk-server` in-process against one database and CA folder; output captured."""

    capsys: pytest.CaptureFixture[str]
    database_url: str
    ca_dir: Path

    def __call__(self, words: str, *more: str) -> Ran:
        """Run ``words`` (split on spaces) then ``more`` (kept whole), with the database URL
        and CA folder added."""
        argv = [*words.split(), *more, "--database-url", self.database_url]
        status = cli.main([*argv, "--ca-dir", str(self.ca_dir)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        assert "Traceback" not in out
        return Ran(status, out, err)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No password or CA passphrase from the environment unless a test sets one; stdin is
    not a terminal; every engine the command makes is closed after the test (PostgreSQL
    connections would otherwise pile up until garbage collection)."""
    for name in ("HUBDESK_ADMIN_PASSWORD", "HUBDESK_USER_PASSWORD", "HUBDESK_CA_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    made: list[Database] = []

    class TrackedDatabase(Database):
        def __init__(self, url: str) -> None:
            super().__init__(url)
            made.append(self)

    monkeypatch.setattr(server_db, "Database", TrackedDatabase)
    yield
    for database in made:
        database.dispose()


@pytest.fixture
def command(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Command:
    return Command(capsys, database_url, tmp_path / "ca")


def audit_count(hub: Hub) -> int:
    with hub.unit() as session:
        return session.scalar(select(func.count()).select_from(HubAuditEvent)) or 0


def enrol(hub: Hub, username: str, password: str = PASSWORD) -> tuple[str, str]:
    """Enrol a new device for ``username`` straight through the hub; (device id, token)."""
    device_id = str(uuid.uuid4())
    enrolment = hub.enrol(
        username=username,
        password=password,
        address="127.0.0.1",
        device_id=device_id,
        device_name=f"{username} laptop",
        csr_pem=make_csr(new_device_key(), device_id, username).decode(),
    )
    return device_id, enrolment.token


def signs_in(hub: Hub, username: str, password: str) -> bool:
    try:
        with hub.unit() as session:
            hub.sign_in(session, username, password, "127.0.0.1")
    except NotSignedIn:
        return False
    return True


@pytest.fixture
def hub_as_set_up(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """The hub that `init` made (real password hashing), to look at after the command."""
    db = Database(database_url)
    yield Hub(db, tmp_path / "ca")
    db.dispose()


# init --------------------------------------------------------------------------------------


def test_init_sets_up_the_schema_ca_organisation_admin_and_screening_tool(
    command: Command, hub_as_set_up: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    ran = command("init --admin-username fen-admin --organisation", ORGANISATION)
    assert (ran.status, ran.err) == (0, "")
    ca_dir = command.ca_dir
    assert ran.out.splitlines() == [
        f"Made the organisation's certificate authority in {ca_dir}.",
        "Serving 1 screening tool version(s) shipped with HubDesk.",
        f"Set up the hub for {ORGANISATION}; administrator 'fen-admin'.",
    ]

    assert (ca_dir / "ca.pem").is_file()
    assert (ca_dir / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    assert ORGANISATION in load_ca(ca_dir).certificate().subject.rfc4514_string()

    hub = hub_as_set_up
    check_schema(hub.db.engine)  # at this version's schema
    with hub.unit() as session:
        org = hub.organisation(session)
        assert org.name == ORGANISATION
        assert org.ca_certificate_pem == (ca_dir / "ca.pem").read_text(encoding="ascii")
        actions = list(session.scalars(select(HubAuditEvent.action).order_by(HubAuditEvent.seq)))
    assert actions == ["set-up", "definition-publish", "user-create"]
    users = hub.users()
    assert [(u.username, u.role, team, u.disabled) for u, team in users] == [
        ("fen-admin", Role.ADMIN.value, None, False)
    ]
    assert ADMIN_PASSWORD not in users[0][0].password_hash
    assert signs_in(hub, "fen-admin", ADMIN_PASSWORD)
    assert [(d.definition_id, d.version, d.status) for d in hub.definitions()] == [
        ("exploitation", 1, "active")
    ]


def test_a_second_init_changes_nothing_and_says_so(
    command: Command, hub_as_set_up: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert command("init").status == 0
    hub, ca_dir = hub_as_set_up, command.ca_dir
    files = {name: (ca_dir / name).read_bytes() for name in ("ca.pem", "ca-key.pem")}
    with hub.unit() as session:
        epoch = hub.organisation(session).epoch
    events = audit_count(hub)

    monkeypatch.delenv("HUBDESK_ADMIN_PASSWORD")  # not needed, so not asked for
    again = command("init --organisation", "Other Borough Council")
    assert (again.status, again.err) == (0, "")
    assert again.out.splitlines() == [
        f"Using the organisation's certificate authority in {ca_dir}.",
        "The database is up to date; it was set up before.",
    ]
    assert {name: (ca_dir / name).read_bytes() for name in files} == files
    with hub.unit() as session:
        org = hub.organisation(session)
        assert (org.name, org.epoch) == ("Demo Borough Council", epoch)
    assert [u.username for u, _ in hub.users()] == ["admin"]
    assert len(hub.definitions()) == 1
    assert audit_count(hub) == events


def test_init_without_a_password_or_a_terminal_is_refused_plainly(command: Command) -> None:
    ran = command("init")
    assert (ran.status, ran.err) == (2, NO_ADMIN_PASSWORD + "\n")
    assert "Set up the hub" not in ran.out


def test_a_too_short_admin_password_is_refused_in_words(
    command: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBDESK_ADMIN_PASSWORD", "short-one")
    ran = command("init")
    assert (ran.status, ran.err) == (1, SHORT_PASSWORD + "\n")
    assert "Set up the hub" not in ran.out


@pytest.mark.parametrize("first_password", [None, "short-one"], ids=["none", "too-short"])
def test_an_init_refused_for_its_password_can_be_run_again(
    command: Command,
    hub_as_set_up: Hub,
    monkeypatch: pytest.MonkeyPatch,
    first_password: str | None,
) -> None:
    """A refused password must not leave a hub "set up" with no administrator, which a
    second `init` then calls up to date."""
    if first_password is not None:
        monkeypatch.setenv("HUBDESK_ADMIN_PASSWORD", first_password)
    assert command("init").status != 0

    monkeypatch.setenv("HUBDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    ran = command("init")
    assert (ran.status, ran.err) == (0, "")
    assert "Set up the hub for Demo Borough Council; administrator 'admin'." in ran.out
    hub = hub_as_set_up
    assert [(u.username, u.role) for u, _ in hub.users()] == [("admin", "admin")]
    assert signs_in(hub, "admin", ADMIN_PASSWORD)
    assert [(d.definition_id, d.version) for d in hub.definitions()] == [("exploitation", 1)]


# teams and users ---------------------------------------------------------------------------


def test_teams_and_users_of_each_role_are_created(
    hub: Hub, command: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = command("admin team create --name Riverside")
    assert (ran.status, ran.out, ran.err) == (0, "Team 'Riverside' created.\n", "")
    again = command("admin team create --name Riverside")
    assert (again.status, again.err) == (1, "There is already a team called 'Riverside'.\n")

    no_password = command("admin user create --username river-pat --role practitioner")
    assert no_password.status == 2
    assert no_password.err == (
        "Give a password for river-pat in HUBDESK_USER_PASSWORD or run this in a terminal "
        "to be asked.\n"
    )

    monkeypatch.setenv("HUBDESK_USER_PASSWORD", NEW_PASSWORD)
    for username, role, team in (
        ("river-pat", "practitioner", "--team Riverside"),
        ("river-lead", "team-lead", "--team Riverside"),
        ("fen-admin", "admin", ""),
    ):
        made = command(
            f"admin user create --username {username} --role {role} {team} --display-name",
            f"{username.title()} Example",
        )
        assert (made.status, made.err) == (0, "")
        assert made.out == f"User '{username}' created ({role}).\n"

    users = {user.username: (user, team) for user, team in hub.users()}
    assert {name: (u.role, team, u.display_name) for name, (u, team) in users.items()} == {
        "river-pat": ("practitioner", "Riverside", "River-Pat Example"),
        "river-lead": ("team-lead", "Riverside", "River-Lead Example"),
        "fen-admin": ("admin", None, "Fen-Admin Example"),
    }
    for user, _ in users.values():
        assert user.password_hash.startswith("$argon2id$")
        assert "m=65536,t=3,p=1" in user.password_hash  # the real cost, not a test's
        assert NEW_PASSWORD not in user.password_hash
    assert signs_in(hub, "river-pat", NEW_PASSWORD)


@pytest.mark.parametrize("role", ["practitioner", "team-lead"])
def test_a_team_member_without_a_team_is_refused_in_words(
    hub: Hub, command: Command, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setenv("HUBDESK_USER_PASSWORD", NEW_PASSWORD)
    ran = command(f"admin user create --username loner --role {role}")
    assert (ran.status, ran.out) == (1, "")
    assert ran.err == "A practitioner or team lead belongs to a team: give --team.\n"
    assert hub.users() == []


def test_a_duplicate_user_or_an_unknown_team_is_refused(
    org: Org, hub: Hub, command: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBDESK_USER_PASSWORD", NEW_PASSWORD)
    before = [(u.username, u.password_hash) for u, _ in hub.users()]
    duplicate = command("admin user create --username north-amy --role practitioner --team South")
    assert (duplicate.status, duplicate.err) == (
        1,
        "There is already a user called 'north-amy'.\n",
    )
    unknown_team = command("admin user create --username east-dee --role team-lead --team East")
    assert (unknown_team.status, unknown_team.err) == (
        1,
        "There is no such team, or it is not yours to see.\n",
    )
    assert [(u.username, u.password_hash) for u, _ in hub.users()] == before
    assert signs_in(hub, "north-amy", PASSWORD)


def test_disabling_a_user_revokes_their_devices(org: Org, hub: Hub, command: Command) -> None:
    laptop, laptop_token = enrol(hub, "north-amy")
    tablet, _ = enrol(hub, "north-amy")
    other, other_token = enrol(hub, "north-ben")
    ran = command("admin user disable --username north-amy")
    assert (ran.status, ran.err) == (0, "")
    assert ran.out == "User 'north-amy' disabled; 2 device(s) revoked.\n"

    with hub.unit() as session:
        assert session.scalar(select(User.disabled).where(User.username == "north-amy"))
        revoked = {d.id: d.revoked_at is not None for d in session.scalars(select(Device))}
    assert revoked == {laptop: True, tablet: True, other: False}
    with pytest.raises(DeviceRevoked):
        hub.authenticate(laptop_token)
    assert hub.authenticate(other_token).username == "north-ben"
    assert not signs_in(hub, "north-amy", PASSWORD)

    unknown = command("admin user disable --username nobody")
    assert (unknown.status, unknown.err) == (1, NO_SUCH_USER + "\n")


def test_reset_password_replaces_the_old_one(
    org: Org, hub: Hub, command: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBDESK_USER_PASSWORD", "too-short")
    short = command("admin user reset-password --username north-ben")
    assert (short.status, short.err) == (1, SHORT_PASSWORD + "\n")
    assert signs_in(hub, "north-ben", PASSWORD)

    monkeypatch.setenv("HUBDESK_USER_PASSWORD", NEW_PASSWORD)
    ran = command("admin user reset-password --username north-ben")
    assert (ran.status, ran.out, ran.err) == (0, "Password for 'north-ben' changed.\n", "")
    assert not signs_in(hub, "north-ben", PASSWORD)
    assert signs_in(hub, "north-ben", NEW_PASSWORD)
    assert signs_in(hub, "north-amy", PASSWORD)  # nobody else's changed

    unknown = command("admin user reset-password --username nobody")
    assert (unknown.status, unknown.err) == (1, NO_SUCH_USER + "\n")


# allocation, devices, the CA ----------------------------------------------------------------


def test_allocate_moves_a_young_person_to_another_practitioner_and_team(
    org: Org, hub: Hub, command: Command
) -> None:
    _, token = enrol(hub, "north-amy")
    young_person = str(uuid.uuid4())
    put(hub, hub.authenticate(token), "young_person", young_person, {"preferred_name": "Robin"})

    ran = command(f"admin allocate --young-person {young_person} --to south-cai")
    assert (ran.status, ran.out, ran.err) == (0, "Allocated to south-cai.\n", "")
    with hub.unit() as session:
        allocation = session.get(Allocation, young_person)
        cai = session.scalar(select(User.id).where(User.username == "south-cai"))
        south = session.scalar(select(Team.id).where(Team.name == "South"))
        assert allocation is not None
        assert (allocation.practitioner_id, allocation.team_id) == (cai, south)
        assert allocation.allocated_by is None
        last = session.scalars(select(HubAuditEvent).order_by(HubAuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.action, last.record_id) == ("allocate", young_person)

    no_team = command(f"admin allocate --young-person {young_person} --to hub-admin")
    assert (no_team.status, no_team.err) == (
        1,
        "'hub-admin' is not an active member of a team.\n",
    )
    unknown = command(f"admin allocate --young-person {uuid.uuid4()} --to north-ben")
    assert (unknown.status, unknown.err) == (
        1,
        "There is no such young person, or it is not yours to see.\n",
    )


def test_devices_are_listed_and_revoked(org: Org, hub: Hub, command: Command) -> None:
    empty = command("admin device list")
    assert (empty.status, empty.out, empty.err) == (0, "No devices enrolled.\n", "")

    amy_device, amy_token = enrol(hub, "north-amy")
    ben_device, ben_token = enrol(hub, "north-ben")
    listed = command("admin device list")
    assert listed.status == 0
    lines = listed.out.splitlines()
    assert [line.split()[:4] for line in lines] == [
        [amy_device, "north-amy", "north-amy", "laptop"],
        [ben_device, "north-ben", "north-ben", "laptop"],
    ]
    assert all(line.endswith("last seen never  active") for line in lines)

    revoked = command(f"admin device revoke --device {amy_device}")
    assert (revoked.status, revoked.err) == (0, "")
    assert revoked.out == (
        "Device revoked: it will wipe its vault the next time it reaches the hub.\n"
    )
    with pytest.raises(DeviceRevoked):
        hub.authenticate(amy_token)
    assert hub.authenticate(ben_token).device_id == ben_device  # ben's is seen now

    after = command("admin device list").out.splitlines()
    stamp = r"\d\d/\d\d/\d{4} \d\d:\d\d"
    assert re.search(rf"last seen never  revoked {stamp}$", after[0]), after[0]
    assert re.search(rf"last seen {stamp}  active$", after[1]), after[1]

    unknown = command(f"admin device revoke --device {uuid.uuid4()}")
    assert (unknown.status, unknown.err) == (
        1,
        "There is no such device, or it is not yours to see.\n",
    )


def test_ca_export_writes_the_organisation_ca_certificate(
    hub: Hub, command: Command, tmp_path: Path
) -> None:
    out = tmp_path / "for-verifiers.pem"
    ran = command("admin ca export --out", str(out))
    assert (ran.status, ran.err) == (0, "")
    assert ran.out == f"Wrote the organisation's CA certificate to {out}.\n"
    assert out.read_bytes() == (command.ca_dir / "ca.pem").read_bytes()
    assert b"PRIVATE KEY" not in out.read_bytes()


# screening tool definitions -----------------------------------------------------------------


def tool(**changes: Any) -> str:
    """The shipped screening tool with ``changes`` made to its top-level fields."""
    content = json.loads(SHIPPED_TOOL.read_text(encoding="utf-8"))
    content.update(changes)
    return json.dumps(content, indent=2)


def test_definition_publish_serves_a_new_version_once_and_never_changes_it(
    hub: Hub, command: Command, tmp_path: Path
) -> None:
    file = tmp_path / "exploitation-v2.json"
    file.write_text(tool(version=2), encoding="utf-8")

    ran = command("admin definition publish --file", str(file))
    assert (ran.status, ran.err) == (0, "")
    assert ran.out == "Screening tool 'exploitation' version 2 is now served to every device.\n"
    served = hub.definition("exploitation", 2)
    assert served.status == "active"
    assert json.loads(served.content)["title"] == "Exploitation screening (HubDesk)"
    events = audit_count(hub)

    again = command("admin definition publish --file", str(file))
    assert (again.status, again.err) == (0, "")
    assert again.out == (
        "Screening tool 'exploitation' version 2 is already served exactly as it is.\n"
    )
    assert audit_count(hub) == events

    file.write_text(tool(version=2, title="Exploitation screening (changed)"), encoding="utf-8")
    changed = command("admin definition publish --file", str(file))
    assert changed.status == 1
    assert changed.err == (
        "Screening tool 'exploitation' version 2 is already served with other content; "
        "publish it as a new version.\n"
    )
    assert hub.definition("exploitation", 2).digest == served.digest
    assert [(d.definition_id, d.version) for d in hub.definitions()] == [("exploitation", 2)]
    assert audit_count(hub) == events


def test_a_broken_or_missing_definition_file_is_refused_plainly(
    hub: Hub, command: Command, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "exploitation", "version": 3,}', encoding="utf-8")
    ran = command("admin definition publish --file", str(broken))
    assert ran.status == 1
    assert ran.err == (
        "That screening tool cannot be served: line 1, column 37: a field name in double "
        "quotes is expected here (a comma too many?).\n"
    )
    invalid = tmp_path / "invalid.json"
    invalid.write_text(tool(version="three"), encoding="utf-8")
    named = command("admin definition publish --file", str(invalid))
    assert named.status == 1
    assert named.err == "That screening tool cannot be served: version: must be a whole number.\n"

    missing = tmp_path / "nowhere.json"
    gone = command("admin definition publish --file", str(missing))
    assert (gone.status, gone.err) == (2, f"{missing} could not be read as a text file.\n")
    assert hub.definitions() == []


# the audit export --------------------------------------------------------------------------


def test_audit_export_writes_json_lines_and_checks_the_chain(
    org: Org, hub: Hub, command: Command, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    span = f"audit export --from {today - timedelta(days=1)} --to {today} --out"
    out = tmp_path / "audit.jsonl"
    ran = command(span, str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (ran.status, ran.err) == (0, "")
    assert ran.out == f"Wrote {len(rows)} audit events to {out}; the chain is intact.\n"
    assert len(rows) == audit_count(hub) == 9  # set-up, 2 teams, 6 users
    assert [row["seq"] for row in rows] == list(range(1, 10))
    assert [row["action"] for row in rows] == (
        ["set-up"] + ["team-create"] * 2 + ["user-create"] * 6
    )
    with hub.unit() as session:
        hashes = list(session.scalars(select(HubAuditEvent.hash).order_by(HubAuditEvent.seq)))
    assert [row["hash"] for row in rows] == hashes
    assert {"at", "user_id", "device_id", "kind", "record_id"} <= set(rows[0])

    earlier = tmp_path / "earlier.jsonl"
    none = command("audit export --from 2001-01-01 --to 2001-12-31 --out", str(earlier))
    assert none.out == f"Wrote 0 audit events to {earlier}; the chain is intact.\n"
    assert earlier.read_text(encoding="utf-8") == ""

    with hub.unit() as session:
        session.execute(update(HubAuditEvent).where(HubAuditEvent.seq == 4).values(action="x"))
    tampered = command(span, str(out))
    assert tampered.status == 1
    assert tampered.out == f"Wrote 9 audit events to {out}; the chain is BROKEN at event 4.\n"


@pytest.mark.parametrize(
    ("start", "end", "bad"),
    [("27/11/2026", "2026-11-28", "27/11/2026"), ("2026-11-27", "tomorrow", "tomorrow")],
)
def test_audit_export_refuses_a_bad_date_in_words(
    hub: Hub, command: Command, tmp_path: Path, start: str, end: str, bad: str
) -> None:
    out = tmp_path / "audit.jsonl"
    ran = command(f"audit export --from {start} --to {end} --out", str(out))
    assert (ran.status, ran.out) == (2, "")
    assert ran.err == f"'{bad}' is not a date like 2026-11-27.\n"
    assert not out.exists()


# what is refused before anything happens ---------------------------------------------------


def _must_not_serve(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("uvicorn.run was called: the server would have started")


@pytest.mark.parametrize(
    "words",
    [
        "admin team create --name North",
        "admin device list",
        "admin allocate --young-person yp-1 --to north-amy",
        "audit export --from 2026-01-01 --to 2026-01-02 --out",
        "demo",
        "serve",
    ],
    ids=lambda words: "-".join(words.split()[:3]),
)
def test_commands_on_an_uninitialised_database_say_to_run_init(
    command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    monkeypatch.setattr(uvicorn, "run", _must_not_serve)
    out = tmp_path / "out.jsonl"
    ran = command(words, str(out)) if words.endswith("--out") else command(words)
    assert (ran.status, ran.out, ran.err) == (1, "", NOT_SET_UP + "\n")
    assert not out.exists()


def test_a_migrated_hub_that_was_never_set_up_says_to_run_init(
    database_url: str, command: Command, tmp_path: Path
) -> None:
    db = Database(database_url)
    migrate(db.engine)
    db.dispose()
    out = tmp_path / "ca-out.pem"
    ran = command("admin ca export --out", str(out))
    assert ran.status == 1
    assert ran.err == "The hub has not been set up. Run `hubdesk-server init` first.\n"
    assert not out.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "not a database url",
            "The database URL could not be read. Use postgresql://USER@HOST:PORT/NAME or "
            "sqlite:///PATH.",
        ),
        (
            "mysql://hub@localhost/hub",
            "The hub runs on PostgreSQL or SQLite; that URL names another one.",
        ),
        (
            "postgresql://hubuser:s3cret-word@127.0.0.1:1/hub",
            "The hub's database could not be reached (OperationalError).",
        ),
    ],
    ids=["unreadable", "other-database", "unreachable"],
)
def test_a_nonsense_database_url_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, message: str
) -> None:
    ran = Command(capsys, url, tmp_path / "ca")("admin device list")
    assert (ran.status, ran.out, ran.err) == (1, "", message + "\n")
    assert "s3cret" not in ran.err


@pytest.fixture
def quiet_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` sets up JSON logging on the "hubdesk.server" logger: put it back afterwards."""
    monkeypatch.setattr(cli.log, "handlers", list(cli.log.handlers))
    monkeypatch.setattr(cli.log, "propagate", cli.log.propagate)
    monkeypatch.setattr(cli.log, "level", cli.log.level)


@pytest.mark.usefixtures("quiet_logger")
def test_serve_refuses_plain_http_off_loopback_and_half_tls(
    command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before anything starts: the database is not even set up here."""
    monkeypatch.setattr(uvicorn, "run", _must_not_serve)
    ran = command("serve --host 0.0.0.0")
    assert (ran.status, ran.out) == (2, "")
    assert ran.err == (
        "Refusing to serve on 0.0.0.0 without TLS: give --tls-certificate and --tls-key, or "
        "--insecure-behind-proxy when a TLS proxy in front does it.\n"
    )
    certificate = tmp_path / "hub.pem"
    certificate.write_text("not read", encoding="ascii")
    for half in ("--tls-certificate", "--tls-key"):
        for host in ("0.0.0.0", "127.0.0.1"):  # noqa: S104
            refused = command(f"serve --host {host} {half}", str(certificate))
            assert (refused.status, refused.out) == (2, "")
            assert refused.err == "Give both --tls-certificate and --tls-key, or neither.\n"


@pytest.mark.usefixtures("quiet_logger")
def test_serve_starts_on_loopback_or_behind_a_proxy(
    hub: Hub, command: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the refusals above: the same fake server is reached when allowed."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    tuned: list[int] = []  # (the collector is left as it is in this test process)
    monkeypatch.setattr(cli, "collect_less", lambda: tuned.append(len(calls)))
    assert command("serve").status == 0
    assert command("serve --host 10.0.0.5 --insecure-behind-proxy").status == 0
    assert [(c["host"], c["port"], c["ssl_certfile"], c["proxy_headers"]) for c in calls] == [
        ("127.0.0.1", 8765, None, False),
        ("10.0.0.5", 8765, None, True),
    ]
    assert tuned == [0, 1]  # before each server started


# scripts/run-with-hub.sh (what `make run` calls) -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_processes(hub_dir: Path) -> list[str]:
    """Ids of `hubdesk-server serve` processes for this hub folder (other tests may run
    hubs of their own at the same time)."""
    found = subprocess.run(
        ["pgrep", "-f", f"hubdesk-server serve .*{hub_dir}/"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.split()


def run_script(hub_dir: Path, port: int, desktop: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBDESK_")}
    env.update(
        HUBDESK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        HUBDESK_HUB_PORT=str(port),
        HUBDESK_DESKTOP_CMD=desktop,
    )
    return subprocess.Popen(
        ["sh", str(SCRIPT), str(Path(sys.executable).parent), str(hub_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job is
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in output
    return output


@dataclass
class FirstRun:
    hub_dir: Path
    status: int
    output: str
    healthz: str


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    """The script's first run in a fresh folder, with a "desktop app" that asks /healthz.
    Any hub the script failed to stop is killed afterwards, so a failure leaves nothing."""
    folder = tmp_path_factory.mktemp("make-run")
    hub_dir, answer, port = folder / "demo-data" / "hub", folder / "healthz.txt", free_port()
    probe = (
        f"import urllib.request as u; r = u.urlopen('http://127.0.0.1:{port}/healthz', "
        f"timeout=5); open('{answer}', 'w').write(str(r.status) + ' ' + r.read().decode())"
    )
    process = run_script(hub_dir, port, f'"{sys.executable}" -c "{probe}"')
    output = finish(process)
    healthz = answer.read_text(encoding="utf-8") if answer.exists() else ""
    yield FirstRun(hub_dir, process.returncode, output, healthz)
    for pid in serve_processes(hub_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


@pytest.mark.slow
def test_run_with_hub_sets_up_and_starts_the_hub_for_the_app_then_stops_it(
    first_run: FirstRun,
) -> None:
    assert first_run.status == 0, first_run.output
    assert first_run.healthz == '200 {"status":"ok"}'
    assert serve_processes(first_run.hub_dir) == []
    assert "Stopping the hub service" in first_run.output
    assert "Made the organisation's certificate authority" in first_run.output
    assert f"Hub administrator: admin / {ADMIN_PASSWORD}" in first_run.output
    accounts_file = first_run.hub_dir / "accounts.txt"
    accounts = accounts_file.read_text(encoding="utf-8")
    assert accounts.startswith("Demo hub accounts")
    assert re.search(r"north-lead +team-lead +North Hub +password: \S+", accounts)
    assert accounts in first_run.output
    assert accounts_file.stat().st_mode & 0o077 == 0  # it holds passwords


@pytest.mark.slow
def test_run_with_hub_a_later_run_sets_nothing_up_and_passes_on_the_app_failing(
    first_run: FirstRun,
) -> None:
    accounts = (first_run.hub_dir / "accounts.txt").read_text(encoding="utf-8")
    output = finish(run_script(first_run.hub_dir, free_port(), "exit 3"))
    assert "Setting up" not in output
    assert "certificate authority" not in output
    assert accounts in output
    assert "Stopping the hub service" in output
    assert (first_run.hub_dir / "accounts.txt").read_text(encoding="utf-8") == accounts
    assert serve_processes(first_run.hub_dir) == []


@pytest.mark.slow
def test_run_with_hub_stops_the_hub_on_ctrl_c(first_run: FirstRun, tmp_path: Path) -> None:
    port, started = free_port(), tmp_path / "app-started"
    process = run_script(first_run.hub_dir, port, f'touch "{started}"; sleep 60')
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert process.poll() is None, "the script ended before the app started"
            assert time.monotonic() < deadline, "the app was never started"
            time.sleep(0.1)
        assert len(serve_processes(first_run.hub_dir)) == 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            assert reply.status == 200
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        output = finish(process, timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, output
    assert "Stopping the hub service" in output
    assert serve_processes(first_run.hub_dir) == []
