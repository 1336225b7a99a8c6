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
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hubdesk.forms import library
from hubdesk.forms.canonical import Revision, canonical_json, digest_of, revision
from hubdesk.forms.loader import parse_definition
from hubdesk.server import audit
from hubdesk.server.ca import CAError, OrganisationCA, load_ca, sign_device_csr
from hubdesk.server.db import Database
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
TOKEN_PREFIX = "hd1_"  # noqa: S105 - a prefix that marks a token, not a secret


#: PostgreSQL advisory lock taken by every transaction that writes the change log, so
#: sequence numbers commit in the order they are handed out and a pull reading "after N" can
#: never skip one that commits late (SQLite has one writer already).
CHANGE_LOG_LOCK = 0x4855_4244_4553_4B  # "HUBDESK"


def lock_changes(session: Session) -> None:
    """Hold the change-log lock to the end of this transaction (taking it again is free).
    Writers that read records and then change them take it first, so nothing changes
    between their check and their write."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})


def next_change(session: Session, kind: str, record_id: str, op: str, at: datetime) -> int:
    """Take the next change sequence (under the change-log lock) for one record."""
    lock_changes(session)
    change = ChangeLog(kind=kind, record_id=record_id, op=op, at=at)
    session.add(change)
    session.flush()
    return change.seq


_USERS_AND_TEAMS = select(User, Team.name).outerjoin(Team, User.team_id == Team.id)


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

    def unit(self) -> AbstractContextManager[Session]:
        return self.db.unit()

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
            audit.record(session, at=self.clock(), action="set-up")

    def renew_epoch(self, by: int | None = None) -> str:
        """Give the organisation a new epoch (run after restoring the database from a backup):
        every device sees it at its next sync and sends again what this database lacks."""
        with self.unit() as session:
            org = self.organisation(session)
            org.epoch = str(uuid.uuid4())
            audit.record(session, at=self.clock(), action="epoch-renew", user_id=by)
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
            audit.record(
                session,
                at=self.clock(),
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
            audit.record(session, at=self.clock(), action="team-create", user_id=by)
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
            audit.record(
                session, at=self.clock(), action="user-create", user_id=by, record_id=username
            )
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
            audit.record(
                session, at=self.clock(), action="user-disable", user_id=by, record_id=username
            )
            return revoked

    def reset_password(self, username: str, password: str, by: int | None = None) -> None:
        password_hash = hash_password(password, self.hasher)
        with self.unit() as session:
            user = self._existing_user(session, username)
            user.password_hash = password_hash
            audit.record(
                session, at=self.clock(), action="password-reset", user_id=by, record_id=username
            )

    def users(self) -> list[tuple[User, str | None]]:
        """Every user with their team's name."""
        with self.unit() as session:
            rows = session.execute(_USERS_AND_TEAMS.order_by(User.username)).all()
            return [(user, team) for user, team in rows]

    def user(self, user_id: int) -> tuple[User, str | None]:
        """One user with their team's name (NotFound if the account is gone)."""
        with self.unit() as session:
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
                audit.record(
                    session,
                    at=self.clock(),
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
        """The principal behind a device token; a revoked device is told so."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise NotSignedIn("Sign in to the hub from HubDesk to enrol this device.")
        with self.unit() as session:
            device = session.scalar(
                select(Device).where(Device.token_digest == token_digest(token))
            )
            if device is None:
                raise NotSignedIn("This device is not enrolled with the hub.")
            if device.revoked_at is not None:
                raise DeviceRevoked()
            user = session.get(User, device.user_id)
            if user is None or user.disabled:
                raise DeviceRevoked()
            now = self.clock()
            if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1):
                device.last_seen_at = now  # at most once a minute: not a write per request
            return Principal(user.id, user.username, Role(user.role), user.team_id, device.id)

    def devices(self) -> list[tuple[Device, str]]:
        with self.unit() as session:
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
            audit.record(
                session,
                at=self.clock(),
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
    def _reaches(who: Principal, allocation: Allocation) -> bool:
        """Scope: a practitioner (or anyone) their own allocations; a team lead their team's.
        A hub admin manages people and devices, and reads case content only if allocated."""
        if allocation.practitioner_id == who.user_id:
            return True
        return who.role is Role.TEAM_LEAD and allocation.team_id == who.team_id

    def caseload(self, who: Principal) -> list[tuple[Allocation, str, str, int | None]]:
        with self.unit() as session:
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
        with self.unit() as session:
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
        with self.unit() as session:
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
                audit.record(
                    session,
                    at=self.clock(),
                    action="definition-publish",
                    user_id=by,
                    kind="screening_definition",
                    record_id=record_id,
                )
            return definition.id, definition.version, changed

    def publish_shipped_definitions(self) -> int:
        return sum(self.publish_definition(canonical_json(d))[2] for d in library.shipped())

    def definitions(self) -> list[ServedDefinition]:
        with self.unit() as session:
            return list(
                session.scalars(
                    select(ServedDefinition).order_by(
                        ServedDefinition.definition_id, ServedDefinition.version
                    )
                )
            )

    def definition(self, definition_id: str, version: int) -> ServedDefinition:
        with self.unit() as session:
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
    ) -> None:
        audit.record(
            session,
            at=self.clock(),
            action=action,
            user_id=who.user_id if who else None,
            device_id=who.device_id if who else None,
            kind=kind,
            record_id=record_id,
        )

    def audit_between(self, start: datetime, end: datetime) -> Iterator[HubAuditEvent]:
        with self.unit() as session:
            rows = list(
                session.scalars(
                    select(HubAuditEvent)
                    .where(HubAuditEvent.at >= start, HubAuditEvent.at < end)
                    .order_by(HubAuditEvent.seq)
                )
            )
        yield from rows

    def verify_audit(self) -> audit.ChainReport:
        with self.unit() as session:
            return audit.verify(session)
