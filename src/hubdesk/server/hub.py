"""The hub's use cases, one transaction each: accounts and teams, sign-in with limits, device
enrolment and revocation, allocations, case records in scope, and the audit trail.

The web layer (``api.py``) and the command line (``cli.py``) both call this; neither touches
the database themselves. Every read of case content goes through :meth:`Hub.case` or
:meth:`Hub.context`, which check scope and write an audit row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from argon2 import PasswordHasher
from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hubdesk.forms import library
from hubdesk.forms.canonical import Revision, canonical_json, digest_of, revision
from hubdesk.forms.loader import parse_definition
from hubdesk.server import audit
from hubdesk.server.ca import CAError, OrganisationCA, load_ca, sign_device_csr
from hubdesk.server.db import Database, insert_rows, queued
from hubdesk.server.db import pipelined as db_pipelined
from hubdesk.server.passwords import HASHER, hash_password, verify_password
from hubdesk.server.problems import (
    Conflict,
    DeviceRevoked,
    Forbidden,
    NotFound,
    NotSignedIn,
    Problem,
    TooManyAttempts,
)
from hubdesk.server.tables import (
    Allocation,
    ChangeLog,
    Device,
    HubAuditEvent,
    HubRecord,
    LoginAttempt,
    OrganisationInfo,
    Role,
    ServedDefinition,
    ServerBase,
    Team,
    User,
    utcnow,
)
from hubdesk.sync.protocol import USERNAME_PATTERN

#: Wrong passwords allowed for one username in a minute; the next attempt is refused unchecked.
PER_USER_LIMIT = 10
#: Attempts allowed from one address in a minute (several people share an office address).
PER_ADDRESS_LIMIT = 60
WINDOW = timedelta(minutes=1)
#: A device's last-seen time is written at most this often.
SEEN_EVERY = timedelta(minutes=1)
TOKEN_PREFIX = "hd1_"  # noqa: S105 - a prefix that marks a token, not a secret


#: PostgreSQL advisory lock taken by every transaction that writes the change log, so
#: sequence numbers commit in the order they are handed out and a pull reading "after N" can
#: never skip one that commits late (SQLite has one writer already).
CHANGE_LOG_LOCK = 0x4855_4244_4553_4B  # "HUBDESK"
#: ``Session.info`` keys: this transaction holds the change-log lock; its ``Changes``; and the
#: mark of a session opened by ``Hub.unit`` (_WRITES: its end writes both logs) or
#: ``Hub.reading`` (_READS: what it audits is written after it).
_LOCKED = "hubdesk.changes.locked"
_CHANGES = "hubdesk.changes"
_UNIT = "hubdesk.unit"
_CHANGE_LOG = ServerBase.metadata.tables[ChangeLog.__tablename__]
_WRITES, _READS = "writes", "reads"


def lock_changes(session: Session) -> None:
    """Hold the change-log lock to the end of this transaction (taking it again is free: no
    statement). Writers that read records and then change them take it first, so nothing
    changes between their check and their write."""
    if session.info.get(_LOCKED):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_TAKE_CHANGE_LOG_LOCK)
    session.info[_LOCKED] = True


#: The change-log lock taken by a statement that answers nothing, so that in a pipeline it
#: is sent with the statement after it and answered with it (one round trip to the
#: database, not two, at the start of every push). The database runs them in order: the
#: next statement starts once the lock is held, and sees what committed before.
_TAKE_CHANGE_LOG_LOCK = queued(
    text(f"DO $$BEGIN PERFORM pg_advisory_xact_lock({CHANGE_LOG_LOCK}); END$$")
)


class Changes:
    """The change-log sequences one transaction hands out, and its change-log rows.

    Every writer of the change log holds the change-log lock (taken here first) until it
    commits, so while this transaction holds it nobody else hands out a number: the last one
    handed out is read once (PostgreSQL: the column's sequence, advanced by one; SQLite: the
    highest row, as its rowid would be), and the following ones are counted here, with no
    statement per change. The rows are inserted together by :meth:`write` at the end of the
    transaction (``Hub.unit``), and PostgreSQL's sequence is then moved on to the last number
    counted, so a later transaction carries on after it. Numbers are therefore unique,
    strictly increasing, and commit in the order they were handed out, as when each change
    inserted its own row.
    """

    def __init__(self, session: Session) -> None:
        lock_changes(session)
        self.session = session
        self.rows: list[dict[str, object]] = []
        self.first: int | None = None
        self.last = 0

    @classmethod
    def of(cls, session: Session) -> Changes:
        """This transaction's changes (made, taking the lock, on first use)."""
        if session.info.get(_UNIT) != _WRITES:
            raise RuntimeError("Changes are numbered only inside Hub.unit().")
        changes: Changes | None = session.info.get(_CHANGES)
        if changes is None:
            changes = session.info[_CHANGES] = cls(session)
        return changes

    def take(self, kind: str, record_id: str, op: str, at: datetime) -> int:
        """The next change sequence, for one record."""
        if self.first is None:
            self.first = self.last = self._next_from_database()
        else:
            self.last += 1
        self.rows.append(
            {"seq": self.last, "kind": kind, "record_id": record_id, "op": op, "at": at}
        )
        return self.last

    def _next_from_database(self) -> int:
        if self._postgresql:
            first = self.session.scalar(
                text("SELECT nextval(pg_get_serial_sequence('change_log', 'seq'))")
            )
        else:
            first = self.session.scalar(select(func.coalesce(func.max(ChangeLog.seq), 0) + 1))
        assert isinstance(first, int)
        return first

    @property
    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def write(self) -> None:
        """Insert the change-log rows counted (the lock is still held: it ends with the
        transaction)."""
        if not self.rows:
            return
        insert_rows(self.session, _CHANGE_LOG, self.rows)  # the table: no ORM objects
        if self._postgresql and self.first is not None and self.last > self.first:
            # Its answer is never read: in a pipeline it waits for the next statement.
            self.session.execute(_MOVE_SEQUENCE_ON, {"last": self.last})
        self.rows = []


#: PostgreSQL's change sequence moved on to the last number a transaction counted.
_MOVE_SEQUENCE_ON = queued(
    text("SELECT setval(pg_get_serial_sequence('change_log', 'seq'), :last)")
)


def next_change(session: Session, kind: str, record_id: str, op: str, at: datetime) -> int:
    """Take the next change sequence (under the change-log lock) for one record."""
    return Changes.of(session).take(kind, record_id, op, at)


_USERS_AND_TEAMS = select(User, Team.name).outerjoin(Team, User.team_id == Team.id)


#: The device and user behind a token's digest (built once: it runs for every request).
_SIGNED_IN = (
    select(
        Device.id,
        Device.revoked_at,
        Device.last_seen_at,
        User.id,
        User.username,
        User.role,
        User.team_id,
        User.disabled,
    )
    .join(User, Device.user_id == User.id)
    .where(Device.token_digest == bindparam("digest"))
)


class OrganisationState(NamedTuple):
    """What every sync reads of the organisation: its epoch and ``oldest_cursor``."""

    epoch: str
    oldest_cursor: int


#: Read as a plain row (built once): the ORM's load of the whole row took longer than that.
ORGANISATION_STATE = select(OrganisationInfo.epoch, OrganisationInfo.oldest_cursor).where(
    OrganisationInfo.id == 1
)


def organisation_state(session: Session) -> OrganisationState:
    """The organisation's epoch and ``oldest_cursor`` (a Problem if the hub is not set up)."""
    return organisation_state_in(session.connection().execute(ORGANISATION_STATE).all())


def organisation_state_in(rows: Sequence[tuple[Any, ...]]) -> OrganisationState:
    """:func:`organisation_state` from the rows of ``ORGANISATION_STATE`` (read with others:
    ``db.read_at_once``)."""
    if not rows:
        raise Problem("The hub has not been set up. Run `hubdesk-server init` first.")
    return OrganisationState(*rows[0])


class Allocated(Protocol):
    """Whose case a young person's is: an ``Allocation``, or a push's plain copy of one."""

    @property
    def practitioner_id(self) -> int: ...

    @property
    def team_id(self) -> int: ...


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: the signed-in user and the enrolled device the request came from."""

    user_id: int
    username: str
    role: Role
    team_id: int | None
    device_id: str


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    token: str
    certificate_pem: str
    ca_certificate_pem: str
    epoch: str
    user: User
    team: str | None


class Hub:
    def __init__(
        self,
        db: Database,
        ca_dir: Path | None = None,
        *,
        ca_passphrase: bytes | None = None,
        hasher: PasswordHasher = HASHER,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.ca_dir = ca_dir
        self.ca_passphrase = ca_passphrase
        self.hasher = hasher
        self.clock = clock
        self._ca: OrganisationCA | None = None

    @contextmanager
    def unit(self, *, pipelined: bool = False) -> Iterator[Session]:
        """One transaction, committed on success. What it numbered in the change log and what
        it audited are written last, just before the commit: the audit head (which every
        audited transaction locks) is then held only for that append and the commit.

        ``pipelined``: on PostgreSQL, its writes are sent without waiting for each
        (``db.pipelined``; for a unit of plain statements, such as a sync's)."""
        with self.db.unit() as session:
            session.info[_UNIT] = _WRITES
            with db_pipelined(session) if pipelined else nullcontext():
                yield session
                self._finish(session)

    @staticmethod
    def _finish(session: Session) -> None:
        changes: Changes | None = session.info.get(_CHANGES)
        if changes is not None:
            changes.write()
        session.flush()  # the records before the audit head is locked, not after
        audit.write_noted(session)

    @contextmanager
    def reading(self, *, pipelined: bool = False) -> Iterator[Session]:
        """A transaction that only reads, and audits what it read (a pull, a summary, a case).

        On PostgreSQL it is :meth:`unit`: the audit rows are appended just before the commit.

        On SQLite the read is a deferred transaction (``Database.unit(read_only=True)``): in
        WAL mode, one consistent snapshot of what had committed when it first read, taken
        without the write lock, so reads no longer queue behind each other and the writer.
        Its audit rows are then appended by a short write transaction of their own, after
        the read and before anything is returned: nothing read leaves the hub unless its
        audit row has committed (if that write fails, the request fails and nothing is
        sent). The snapshot holds every change committed before it, and SQLite commits one
        writer at a time in sequence order, so a pull still never skips a sequence; what it
        served is recorded from the snapshot itself. Only the audit row's place in the chain
        may come after a write that committed between the read and the append.

        ``pipelined``: as for :meth:`unit` (PostgreSQL).
        """
        if not self.db.is_sqlite:
            with self.unit(pipelined=pipelined) as session:
                yield session
            return
        with self.db.unit(read_only=True) as session:
            session.info[_UNIT] = _READS
            yield session
            noted = audit.take_noted(session)
        if noted:
            with self.unit() as session:
                for entry in noted:
                    audit.note(session, entry)

    # The organisation ---------------------------------------------------------------------

    def organisation(self, session: Session) -> OrganisationInfo:
        org = session.get(OrganisationInfo, 1)
        if org is None:
            raise Problem("The hub has not been set up. Run `hubdesk-server init` first.")
        return org

    def ca(self) -> OrganisationCA:
        if self._ca is None:
            if self.ca_dir is None:
                raise Problem("This hub was started without its certificate authority folder.")
            self._ca = load_ca(self.ca_dir, self.ca_passphrase)
        return self._ca

    def set_up(self, name: str, ca_certificate_pem: str) -> None:
        with self.unit() as session:
            if session.get(OrganisationInfo, 1) is not None:
                raise Conflict("This hub's database is already set up.")
            session.add(
                OrganisationInfo(
                    id=1,
                    name=name,
                    ca_certificate_pem=ca_certificate_pem,
                    epoch=str(uuid.uuid4()),
                    created_at=self.clock(),
                )
            )
            self._note(session, action="set-up")

    def renew_epoch(self, by: int | None = None) -> str:
        """Give the organisation a new epoch (run after restoring the database from a backup):
        every device sees it at its next sync and sends again what this database lacks."""
        with self.unit() as session:
            org = self.organisation(session)
            org.epoch = str(uuid.uuid4())
            self._note(session, action="epoch-renew", user_id=by)
            return org.epoch

    def purge_tombstones(self, older_than: timedelta, by: int | None = None) -> tuple[int, int]:
        """Remove the tombstones of records deleted longer ago than ``older_than``; how many
        went, and the organisation's ``oldest_cursor`` after (raised to the highest sequence
        removed, so a device whose cursor is below it fetches everything again)."""
        with self.unit() as session:
            # A push may restore a tombstone: none runs between choosing rows and removing them.
            lock_changes(session)
            old = (HubRecord.deleted.is_(True), HubRecord.updated_at < self.clock() - older_than)
            count, highest = session.execute(
                select(func.count(), func.max(HubRecord.seq)).where(*old)
            ).one()
            org = self.organisation(session)
            if count:
                session.execute(delete(HubRecord).where(*old))
                org.oldest_cursor = max(org.oldest_cursor, highest)
            self._note(
                session,
                action="tombstones-purge",
                user_id=by,
                record_id=f"removed {count}",
            )
            return count, org.oldest_cursor

    # Teams and users ----------------------------------------------------------------------

    def create_team(self, name: str, by: int | None = None) -> int:
        name = name.strip()
        if not name:
            raise Problem("A team needs a name.")
        with self.unit() as session:
            if session.scalar(select(Team).where(Team.name == name)) is not None:
                raise Conflict(f"There is already a team called '{name}'.")
            team = Team(name=name, created_at=self.clock())
            session.add(team)
            session.flush()
            self._note(session, action="team-create", user_id=by)
            return team.id

    def create_user(
        self,
        username: str,
        *,
        role: Role,
        password: str,
        team: str | None = None,
        display_name: str | None = None,
        by: int | None = None,
    ) -> int:
        if not re.fullmatch(USERNAME_PATTERN, username):
            raise Problem(
                "A username is 2 to 80 lower-case letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit."
            )
        if role is not Role.ADMIN and team is None:
            raise Problem("A practitioner or team lead belongs to a team: give --team.")
        password_hash = hash_password(password, self.hasher)
        with self.unit() as session:
            if self._user(session, username) is not None:
                raise Conflict(f"There is already a user called '{username}'.")
            team_id = self._team_id(session, team) if team is not None else None
            user = User(
                username=username,
                display_name=display_name or username,
                role=role.value,
                team_id=team_id,
                password_hash=password_hash,
                created_at=self.clock(),
            )
            session.add(user)
            session.flush()
            self._note(session, action="user-create", user_id=by, record_id=username)
            return user.id

    def disable_user(self, username: str, by: int | None = None) -> int:
        """Disable a user and revoke every device of theirs; how many devices were revoked."""
        with self.unit() as session:
            user = self._existing_user(session, username)
            user.disabled = True
            revoked = 0
            for device in session.scalars(
                select(Device).where(Device.user_id == user.id, Device.revoked_at.is_(None))
            ):
                device.revoked_at, device.revoked_by = self.clock(), by
                revoked += 1
            self._note(session, action="user-disable", user_id=by, record_id=username)
            return revoked

    def reset_password(self, username: str, password: str, by: int | None = None) -> None:
        password_hash = hash_password(password, self.hasher)
        with self.unit() as session:
            user = self._existing_user(session, username)
            user.password_hash = password_hash
            self._note(session, action="password-reset", user_id=by, record_id=username)

    def users(self) -> list[tuple[User, str | None]]:
        """Every user with their team's name."""
        with self.db.unit(read_only=True) as session:
            rows = session.execute(_USERS_AND_TEAMS.order_by(User.username)).all()
            return [(user, team) for user, team in rows]

    def user(self, user_id: int) -> tuple[User, str | None]:
        """One user with their team's name (NotFound if the account is gone)."""
        with self.db.unit(read_only=True) as session:
            row = session.execute(_USERS_AND_TEAMS.where(User.id == user_id)).first()
            if row is None:
                raise NotFound("user")
            return row[0], row[1]

    @staticmethod
    def _user(session: Session, username: str) -> User | None:
        return session.scalar(select(User).where(User.username == username))

    def _existing_user(self, session: Session, username: str) -> User:
        user = self._user(session, username)
        if user is None:
            raise NotFound("user")
        return user

    @staticmethod
    def _team_id(session: Session, name: str) -> int:
        team_id = session.scalar(select(Team.id).where(Team.name == name))
        if team_id is None:
            raise NotFound("team")
        return team_id

    # Signing in and devices ---------------------------------------------------------------

    def sign_in(self, session: Session, username: str, password: str, address: str) -> User:
        """The user, if the password is right; refused unchecked beyond the limits."""
        now = self.clock()
        since = now - WINDOW
        self._serialise_sign_in(session, username, address)
        failures = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.at > since,
                LoginAttempt.succeeded.is_(False),
            )
        )
        from_address = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.address == address, LoginAttempt.at > since)
        )
        if (failures or 0) >= PER_USER_LIMIT or (from_address or 0) >= PER_ADDRESS_LIMIT:
            session.add(
                LoginAttempt(
                    username=username, address=address, at=now, succeeded=False, checked=False
                )
            )
            raise TooManyAttempts(int(WINDOW.total_seconds()))
        user = self._user(session, username)
        ok = verify_password(user.password_hash if user else None, password, self.hasher)
        ok = ok and user is not None and not user.disabled
        session.add(
            LoginAttempt(username=username, address=address, at=now, succeeded=ok, checked=True)
        )
        if not ok or user is None:
            raise NotSignedIn("That username and password do not match an active hub account.")
        return user

    @staticmethod
    def _serialise_sign_in(session: Session, username: str, address: str) -> None:
        """One sign-in per username, and per address, at a time across every worker, so
        guesses sent at once cannot all be counted as "under the limit". SQLite already has one
        writer at a time (BEGIN IMMEDIATE); PostgreSQL takes transaction-scoped advisory locks
        (address first, then username, so two sign-ins never wait on each other in a circle)."""
        if session.get_bind().dialect.name == "postgresql":
            for name in (f"address:{address}", f"user:{username}"):  # always in this order
                key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def enrol(
        self,
        *,
        username: str,
        password: str,
        address: str,
        device_id: str,
        device_name: str,
        csr_pem: str,
    ) -> Enrolment:
        # The attempt is counted even when the enrolment fails afterwards: its own transaction.
        with self.unit() as session:
            try:
                user = self.sign_in(session, username, password, address)
            except (TooManyAttempts, NotSignedIn) as refused:
                failure: Problem | None = refused
            else:
                failure = None
                user_id = user.id
        if failure is not None:
            raise failure
        try:
            certificate = sign_device_csr(
                self.ca(),
                csr_pem.encode(),
                device_id=device_id,
                username=username,
                display_name=user.display_name,
                passphrase=self.ca_passphrase,
            ).decode()
        except CAError as exc:
            raise Problem(exc.message) from None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self.unit() as session:
                if session.get(Device, device_id) is not None:
                    raise Conflict(
                        "This device is already enrolled. A revoked device needs a new vault "
                        "(and so a new device id) to enrol again."
                    )
                org = self.organisation(session)
                session.add(
                    Device(
                        id=device_id,
                        user_id=user_id,
                        name=device_name,
                        token_digest=token_digest(token),
                        certificate_pem=certificate,
                        enrolled_at=self.clock(),
                    )
                )
                self._note(
                    session,
                    action="device-enrol",
                    user_id=user_id,
                    device_id=device_id,
                )
                team = session.get(Team, user.team_id) if user.team_id else None
                return Enrolment(
                    device_id=device_id,
                    token=token,
                    certificate_pem=certificate,
                    ca_certificate_pem=org.ca_certificate_pem,
                    epoch=org.epoch,
                    user=user,
                    team=team.name if team else None,
                )
        except IntegrityError:
            raise Conflict("This device is already enrolled.") from None

    def authenticate(self, token: str | None) -> Principal:
        """The principal behind a device token; a revoked device is told so.

        A read (one statement, without the write lock on SQLite); the device's last-seen time
        is written, in a transaction of its own, only when it is over a minute old."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise NotSignedIn("Sign in to the hub from HubDesk to enrol this device.")
        with self.db.read_engine.connect() as conn:
            if not self.db.is_sqlite:  # one statement: no BEGIN and ROLLBACK around it
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            found = conn.execute(_SIGNED_IN, {"digest": token_digest(token)}).first()
        if found is None:
            raise NotSignedIn("This device is not enrolled with the hub.")
        device_id, revoked_at, last_seen_at, user_id, username, role, team_id, disabled = found
        if revoked_at is not None or disabled:
            raise DeviceRevoked()
        now = self.clock()
        if last_seen_at is None or now - last_seen_at > SEEN_EVERY:
            self._seen(device_id, now)
        return Principal(user_id, username, Role(role), team_id, device_id)

    def _seen(self, device_id: str, now: datetime) -> None:
        """Note when a device was last seen (at most once a minute: not a write per request;
        of two requests at once, the one that writes second changes nothing)."""
        with self.unit() as session:
            session.execute(
                update(Device)
                .where(
                    Device.id == device_id,
                    (Device.last_seen_at.is_(None)) | (Device.last_seen_at < now - SEEN_EVERY),
                )
                .values(last_seen_at=now)
            )

    def devices(self) -> list[tuple[Device, str]]:
        with self.db.unit(read_only=True) as session:
            rows = session.execute(
                select(Device, User.username)
                .join(User, Device.user_id == User.id)
                .order_by(Device.enrolled_at)
            ).all()
            return [(device, username) for device, username in rows]

    def revoke_device(
        self, device_id: str, by: int | None = None, by_device: str | None = None
    ) -> Device:
        """Revoke a device (once; again changes nothing but the audit); the device."""
        with self.unit() as session:
            device = session.get(Device, device_id)
            if device is None:
                raise NotFound("device")
            if device.revoked_at is None:
                device.revoked_at, device.revoked_by = self.clock(), by
            self._note(
                session,
                action="device-revoke",
                user_id=by,
                device_id=by_device,
                kind="device",
                record_id=device_id,
            )
            return device

    # Case records and allocation ----------------------------------------------------------

    def allocate(self, young_person_id: str, practitioner: str, by: Principal | None) -> Allocation:
        """Allocate a young person to a practitioner (and their team). A team lead may move
        young people of their own team within it; an admin (or the command line) any."""
        with self.unit() as session:
            lock_changes(session)  # the case's records are re-sequenced below
            allocation = session.get(Allocation, young_person_id)
            if allocation is None or (by is not None and not self._may_allocate(by, allocation)):
                raise NotFound("young person")
            worker = self._user(session, practitioner)
            if worker is None or worker.disabled or worker.team_id is None:
                raise Problem(f"'{practitioner}' is not an active member of a team.")
            if by is not None and by.role is Role.TEAM_LEAD and worker.team_id != by.team_id:
                raise Forbidden("A team lead allocates within their own team.")
            moved = (allocation.practitioner_id, allocation.team_id) != (worker.id, worker.team_id)
            allocation.practitioner_id, allocation.team_id = worker.id, worker.team_id
            allocation.allocated_by = by.user_id if by else None
            allocation.allocated_at = self.clock()
            if moved:
                # The case's records get new sequences, so the new worker's (and team lead's)
                # devices pull the whole case after the cursor they already hold.
                for row in session.scalars(
                    select(HubRecord).where(
                        HubRecord.young_person_id == young_person_id, HubRecord.kind != "context"
                    )
                ):
                    row.seq = next_change(session, row.kind, row.id, "allocate", self.clock())
            self.write_audit(
                session, "allocate", by, kind="young_person", record_id=young_person_id
            )
            session.flush()
            session.expunge(allocation)
            return allocation

    @staticmethod
    def _may_allocate(by: Principal, allocation: Allocation) -> bool:
        return by.role is Role.ADMIN or (
            by.role is Role.TEAM_LEAD and allocation.team_id == by.team_id
        )

    @staticmethod
    def _reaches(who: Principal, allocation: Allocated) -> bool:
        """Scope: a practitioner (or anyone) their own allocations; a team lead their team's.
        A hub admin manages people and devices, and reads case content only if allocated."""
        if allocation.practitioner_id == who.user_id:
            return True
        return who.role is Role.TEAM_LEAD and allocation.team_id == who.team_id

    def caseload(self, who: Principal) -> list[tuple[Allocation, str, str, int | None]]:
        with self.reading() as session:
            query = (
                select(Allocation, User.username, Team.name, HubRecord.seq)
                .join(User, Allocation.practitioner_id == User.id)
                .join(Team, Allocation.team_id == Team.id)
                .outerjoin(
                    HubRecord,
                    (HubRecord.kind == "young_person")
                    & (HubRecord.id == Allocation.young_person_id),
                )
                .order_by(Allocation.young_person_id)
            )
            found: list[tuple[Allocation, str, str, int | None]] = [
                (allocation, worker, team, seq)
                for allocation, worker, team, seq in session.execute(query).all()
                if self._reaches(who, allocation)
            ]
            self.write_audit(session, "caseload-read", who)
            return found

    def case(self, who: Principal, young_person_id: str) -> list[HubRecord]:
        """Every record of one young person in scope (404 otherwise); the read is audited."""
        with self.reading() as session:
            allocation = session.get(Allocation, young_person_id)
            if allocation is None or not self._reaches(who, allocation):
                raise NotFound("young person")
            rows = list(
                session.scalars(
                    select(HubRecord)
                    .where(
                        HubRecord.young_person_id == young_person_id,
                        HubRecord.kind != "context",
                    )
                    .order_by(HubRecord.seq)
                )
            )
            if not any(r.kind == "young_person" for r in rows):
                raise NotFound("young person")
            self.write_audit(
                session, "case-read", who, kind="young_person", record_id=young_person_id
            )
            return rows

    def context(self, who: Principal, context_id: str) -> HubRecord:
        """A context of the asker's team (404 otherwise); the read is audited."""
        with self.reading() as session:
            row = session.get(HubRecord, ("context", context_id))
            if row is None or who.team_id is None or row.team_id != who.team_id:
                raise NotFound("context")
            if who.role is Role.ADMIN and not self._admin_allocated_in_team(session, who):
                raise NotFound("context")
            self.write_audit(session, "context-read", who, kind="context", record_id=context_id)
            return row

    @staticmethod
    def _admin_allocated_in_team(session: Session, who: Principal) -> bool:
        return (
            session.scalar(
                select(Allocation.young_person_id).where(Allocation.practitioner_id == who.user_id)
            )
            is not None
        )

    # Screening tool definitions -------------------------------------------------------------

    def publish_definition(self, content: str, by: int | None = None) -> tuple[str, int, bool]:
        """Serve a screening tool definition to every device (checked first, as the desktop
        checks it). The same id and version never change content; only the status may move
        from active to withdrawn. Returns (id, version, whether anything changed)."""
        definition, problems = parse_definition(content)
        if definition is None or problems:
            first = problems[0] if problems else "it could not be read"
            raise Problem(f"That screening tool cannot be served: {first}")
        with self.unit() as session:
            row = session.get(ServedDefinition, (definition.id, definition.version))
            found = revision(row.content if row else None, row.status if row else None, definition)
            if found is Revision.OTHER:
                raise Conflict(
                    f"Screening tool '{definition.id}' version {definition.version} is already "
                    "served with other content; publish it as a new version."
                )
            if found is Revision.REVIVED:
                raise Conflict("A withdrawn screening tool version cannot be made active again.")
            changed = found is not Revision.SAME
            if changed:
                canonical = canonical_json(definition)
                if row is None:
                    row = ServedDefinition(definition_id=definition.id, version=definition.version)
                    session.add(row)
                record_id = f"{definition.id}:{definition.version}"
                row.status, row.content, row.digest = (
                    definition.status,
                    canonical,
                    digest_of(canonical),
                )
                row.published_at = self.clock()
                row.seq = next_change(
                    session, "screening_definition", record_id, "put", self.clock()
                )
                self._note(
                    session,
                    action="definition-publish",
                    user_id=by,
                    kind="screening_definition",
                    record_id=record_id,
                )
            return definition.id, definition.version, changed

    def publish_shipped_definitions(self) -> int:
        return sum(self.publish_definition(canonical_json(d))[2] for d in library.shipped())

    def definitions(self) -> list[ServedDefinition]:
        with self.db.unit(read_only=True) as session:
            return list(
                session.scalars(
                    select(ServedDefinition).order_by(
                        ServedDefinition.definition_id, ServedDefinition.version
                    )
                )
            )

    def definition(self, definition_id: str, version: int) -> ServedDefinition:
        with self.db.unit(read_only=True) as session:
            row = session.get(ServedDefinition, (definition_id, version))
            if row is None:
                raise NotFound("screening tool version")
            return row

    # Audit --------------------------------------------------------------------------------

    def write_audit(
        self,
        session: Session,
        action: str,
        who: Principal | None,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Audit what ``who`` did in this transaction (appended to the chain at its end), at
        ``at`` (else now)."""
        self._note(
            session,
            action=action,
            user_id=who.user_id if who else None,
            device_id=who.device_id if who else None,
            kind=kind,
            record_id=record_id,
            at=at,
        )

    def _note(
        self,
        session: Session,
        *,
        action: str,
        user_id: int | None = None,
        device_id: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        if not session.info.get(_UNIT):
            raise RuntimeError("Audit events are written only by Hub.unit() or Hub.reading().")
        entry = audit.Entry(at or self.clock(), action, user_id, device_id, kind, record_id)
        audit.note(session, entry)

    def audit_between(self, start: datetime, end: datetime) -> Iterator[HubAuditEvent]:
        with self.db.unit(read_only=True) as session:
            rows = list(
                session.scalars(
                    select(HubAuditEvent)
                    .where(HubAuditEvent.at >= start, HubAuditEvent.at < end)
                    .order_by(HubAuditEvent.seq)
                )
            )
        yield from rows

    def verify_audit(self) -> audit.ChainReport:
        with self.db.unit(read_only=True) as session:
            return audit.verify(session)
