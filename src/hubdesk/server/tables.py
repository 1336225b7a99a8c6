"""The hub service's tables: one set of models for PostgreSQL and SQLite.

People and devices (teams, users, devices, login attempts), the organisation (its CA
certificate, allocations of young people), case records as synced from devices (one row per
record, with a global change sequence and tombstones) and the running totals of each case's
and team's records that the sync summary reads (kept by triggers), the applied-mutations table for
idempotent pushes, the screening tool definitions the hub serves, files attached to cases
(their parts, and who has sent which), and the hash-chained audit log. No column holds a
secret in clear: passwords are Argon2id hashes, device tokens SHA-256 digests; the CA's
private key lives in a file outside the database.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubdesk.sync.protocol import record_hash

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLite has no BIGINT autoincrement; INTEGER PRIMARY KEY is its 64-bit rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on both databases (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    TEAM_LEAD = "team-lead"
    ADMIN = "admin"


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Team(ServerBase):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(ServerBase):
    __tablename__ = "hub_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), default=None)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Device(ServerBase):
    """An enrolled laptop: its own id (chosen by the device), its token's digest, its
    certificate from the organisation's CA, and whether it has been revoked."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("hub_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("hub_user.id"), default=None)


class LoginAttempt(ServerBase):
    """Every sign-in attempt, kept in the database so every worker process counts the same."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    #: False when refused by the limit before the password was looked at.
    checked: Mapped[bool] = mapped_column(Boolean)


class OrganisationInfo(ServerBase):
    """One row: the organisation's name, CA certificate and epoch (renewed after a restore
    from backup), and how far back deletions are still kept."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    ca_certificate_pem: Mapped[str] = mapped_column(Text)
    epoch: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The highest sequence among purged tombstones: a device whose cursor is below it may
    #: have missed a deletion, so its pull is answered "fetch everything again".
    oldest_cursor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Allocation(ServerBase):
    """Who works with a young person: one practitioner and their team."""

    __tablename__ = "allocation"

    young_person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("hub_user.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    allocated_by: Mapped[int | None] = mapped_column(ForeignKey("hub_user.id"), default=None)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeLog(ServerBase):
    """The global, strictly increasing change sequence: one row per change to any record."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    #: A record's id, or "tool:version" for a screening tool definition.
    record_id: Mapped[str] = mapped_column(String(120))
    op: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: What the scope indexes hold after the column each is looked up by: all that a pull
#: choosing its page reads of a record (and the tombstone and hash, which the summary read
#: from them before it read running totals: decision 0010).
SCOPE_COLUMNS = ("kind", "id", "seq", "deleted", "sync_hash")


class HubRecord(ServerBase):
    """A synced record as the hub holds it: its kind, whose case it belongs to (or which
    team's context), the sequence of its last change, its content, a tombstone, and the hash
    of its id and sequence that the summary adds up."""

    __tablename__ = "hub_record"
    __table_args__ = (
        Index("ix_hub_record_seq", "seq"),
        # A device's scope, read from these alone (never the rows and their content) by a
        # pull choosing its page: a case's records, and a team's contexts and contextual
        # plans (whose young_person_id is null).
        Index("ix_hub_record_case_scope", "young_person_id", *SCOPE_COLUMNS),
        Index("ix_hub_record_team_scope", "team_id", "young_person_id", *SCOPE_COLUMNS),
    )

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    young_person_id: Mapped[str | None] = mapped_column(String(36), default=None)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), default=None)
    seq: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``protocol.record_hash(id, seq)``, kept beside the record so that the summary's digest
    #: of a scope is one ``SUM`` read from the scope indexes. No default of any kind: a
    #: statement that inserts a record without it fails (NOT NULL) rather than store a wrong
    #: one. ORM writes get it from :func:`_hash_of_record`; plain statements give it.
    sync_hash: Mapped[int] = mapped_column(BigInteger)


@event.listens_for(HubRecord, "before_insert")
@event.listens_for(HubRecord, "before_update")
def _hash_of_record(_mapper: Any, _connection: Any, record: HubRecord) -> None:
    """A record written through the ORM (a case moved and re-sequenced by ``Hub.allocate``,
    a row made or mended by hand) gets the hash of the id and sequence it is written with,
    so no ORM write can leave an old one."""
    record.sync_hash = record_hash(record.id, record.seq)


class HubCaseTotal(ServerBase):
    """One kind of record in one young person's case, as the summary adds it up: how many
    are live, and the sum of their ``sync_hash``. Kept by the database itself, by triggers
    on ``hub_record`` (:func:`totals_triggers`), in the transaction that writes the
    records. Rows of a kind with none live may stay (at 0)."""

    __tablename__ = "hub_case_total"
    __table_args__ = ({"sqlite_with_rowid": False},)  # (the primary key is the table)

    young_person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    live: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)


class HubTeamTotal(ServerBase):
    """One kind of a team's own records (contexts, contextual plans: no young person), as
    ``HubCaseTotal`` for a case."""

    __tablename__ = "hub_team_total"
    __table_args__ = ({"sqlite_with_rowid": False},)

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    live: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)


#: The two parts of a device's scope (``sync._scope``) as the running totals keep them: the
#: table, the column its rows are keyed by beside the kind, and which records it adds up
#: (``{r}``: where a record's columns are read, ``NEW.`` or ``OLD.`` in a row's trigger).
#: A case's records but its contexts; a team's records with no young person. A record in
#: neither (no young person and no team) is in no device's scope.
_TOTAL_PARTS = (
    (
        "hub_case_total",
        "young_person_id",
        "{r}young_person_id IS NOT NULL AND {r}kind <> 'context'",
    ),
    ("hub_team_total", "team_id", "{r}young_person_id IS NULL AND {r}team_id IS NOT NULL"),
)
#: The rows each event's trigger adds up: the row written (``NEW``) counts +1, the row as it
#: was (``OLD``) -1. The trigger (and on PostgreSQL its function) is
#: ``hub_record_totals_<event>``.
_TOTAL_EVENTS = {
    "insert": (("NEW", 1),),
    "update": (("OLD", -1), ("NEW", 1)),
    "delete": (("OLD", -1),),
}
#: On PostgreSQL, which also empties the totals when the records are truncated.
TOTAL_EVENTS = {"sqlite": tuple(_TOTAL_EVENTS), "postgresql": (*_TOTAL_EVENTS, "truncate")}
#: What an update must change for the totals to change (SQLite's trigger watches only these).
_TOTALLED = "kind, young_person_id, team_id, deleted, sync_hash"
#: PostgreSQL's names for a statement's rows (its transition tables).
_TRANSITION = {"NEW": "added", "OLD": "removed"}


def totals_triggers(dialect: str) -> list[str]:
    """The statements that make the triggers keeping ``hub_case_total`` and
    ``hub_team_total`` equal to the live records of ``hub_record`` in each part.

    SQLite: a trigger for each row, adding the row's hash and 1 to its part's total when it
    is live (an insert), taking away the old row's (a delete), or both (an update of a
    column the totals depend on), each an UPSERT of one row.

    PostgreSQL: a trigger for each statement, which sees every row the statement wrote (its
    transition tables): a push's hundreds of records, inserted in one statement or copied,
    are added up by one aggregate for each part, and only the totals that change are
    written. It first takes the change-log lock (``hub.CHANGE_LOG_LOCK``, held to commit,
    which every writer of records takes first anyway): one transaction at a time holds any
    total's row, so two writers never wait on each other's totals (no deadlock), and each
    adds to the total as the one before it committed it (no change lost).

    (A migration that makes ``hub_record`` again, as SQLite's batch mode does to alter a
    column, drops its triggers: it must make them again.)"""
    if dialect == "postgresql":
        from hubdesk.server.hub import CHANGE_LOG_LOCK  # (hub.py imports this module)

        return [
            line for event in TOTAL_EVENTS[dialect] for line in _pg_trigger(event, CHANGE_LOG_LOCK)
        ]
    return [_sqlite_trigger(event) for event in TOTAL_EVENTS[dialect]]


def drop_totals_triggers(dialect: str) -> list[str]:
    """The statements that remove what :func:`totals_triggers` made."""
    if dialect == "postgresql":
        return [
            line
            for event in TOTAL_EVENTS[dialect]
            for line in (
                f"DROP TRIGGER hub_record_totals_{event} ON hub_record",
                f"DROP FUNCTION hub_record_totals_{event}()",
            )
        ]
    return [f"DROP TRIGGER hub_record_totals_{event}" for event in TOTAL_EVENTS[dialect]]


def fill_totals() -> list[str]:
    """The statements that add up the records already held into the (empty) totals."""
    return [
        f"INSERT INTO {table} ({key}, kind, live, total) "
        f"SELECT {key}, kind, count(*), sum(sync_hash) FROM hub_record "
        f"WHERE NOT deleted AND {part.format(r='')} GROUP BY {key}, kind"
        for table, key, part in _TOTAL_PARTS
    ]


def _add_to(table: str, key: str, rows: str) -> str:
    """The UPSERT that adds ``rows`` (a SELECT of key, kind, count and sum) to ``table``."""
    return (
        f"INSERT INTO {table} ({key}, kind, live, total) {rows} ON CONFLICT ({key}, kind) "
        f"DO UPDATE SET live = {table}.live + excluded.live, "
        f"total = {table}.total + excluded.total;"
    )


def _sqlite_trigger(event: str) -> str:
    body = " ".join(
        _add_to(
            table,
            key,
            f"SELECT {row}.{key}, {row}.kind, {sign}, {sign} * {row}.sync_hash "
            f"WHERE NOT {row}.deleted AND {part.format(r=row + '.')}",
        )
        for row, sign in _TOTAL_EVENTS[event]
        for table, key, part in _TOTAL_PARTS
    )
    on = f"UPDATE OF {_TOTALLED}" if event == "update" else event.upper()
    return (
        f"CREATE TRIGGER hub_record_totals_{event} AFTER {on} ON hub_record "
        f"FOR EACH ROW BEGIN {body} END"
    )


def _pg_trigger(event: str, lock: int) -> list[str]:
    """A function and the trigger that calls it once for each statement: the statement's
    live rows, +1 or -1 each, summed by part, key and kind (a truncation empties the
    totals)."""
    if event == "truncate":
        adds, referencing = "DELETE FROM hub_case_total; DELETE FROM hub_team_total;", ""
    else:
        rows = _TOTAL_EVENTS[event]
        changed = " UNION ALL ".join(
            f"SELECT kind, young_person_id, team_id, sync_hash, {sign} AS sign "
            f"FROM {_TRANSITION[row]} WHERE NOT deleted"
            for row, sign in rows
        )
        adds = " ".join(
            _add_to(
                table,
                key,
                f"SELECT {key}, kind, sum(sign), sum(sign * sync_hash) "
                f"FROM ({changed}) AS changed WHERE {part.format(r='')} GROUP BY {key}, kind "
                f"HAVING sum(sign) <> 0 OR sum(sign * sync_hash) <> 0",
            )
            for table, key, part in _TOTAL_PARTS
        )
        referencing = "REFERENCING " + " ".join(
            f"{row} TABLE AS {_TRANSITION[row]}" for row, _ in rows
        )
    return [
        f"CREATE FUNCTION hub_record_totals_{event}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock({lock}); {adds} RETURN NULL; END $$",
        f"CREATE TRIGGER hub_record_totals_{event} AFTER {event.upper()} ON hub_record "
        f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION hub_record_totals_{event}()",
    ]


@event.listens_for(ServerBase.metadata, "after_create")
def _make_totals_triggers(_metadata: Any, connection: Any, **kw: Any) -> None:
    """The triggers come with the tables wherever the models make them (the migrations make
    them too: ``0009_scope_totals``)."""
    if HubRecord.__table__ in kw.get("tables", ()):
        for statement in totals_triggers(connection.dialect.name):
            connection.exec_driver_sql(statement)


class AppliedMutation(ServerBase):
    """Each pushed mutation's first result, so a replay answers the same and changes nothing."""

    __tablename__ = "applied_mutation"

    mutation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    #: What it changed: a replay must be the same change from the same device.
    kind: Mapped[str | None] = mapped_column(String(40), default=None)
    record_id: Mapped[str | None] = mapped_column(String(36), default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServedDefinition(ServerBase):
    """A screening tool definition the hub serves to its devices."""

    __tablename__ = "served_definition"

    definition_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The change sequence of its last publication, so devices pull it like a record.
    seq: Mapped[int | None] = mapped_column(BigInteger, index=True, default=None)


class HubBlob(ServerBase):
    """A file attached to a case (``server/blobs.py``), named by the SHA-256 of its bytes:
    declared with its size and type, ``complete`` once every part is here and they make
    exactly those bytes. Its bytes are the rows of ``hub_blob_chunk``."""

    __tablename__ = "hub_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(40))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubBlobChunk(ServerBase):
    """One part of a file: every part but the last holds exactly ``protocol.CHUNK_BYTES``."""

    __tablename__ = "hub_blob_chunk"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("hub_blob.sha256", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class HubBlobSent(ServerBase):
    """Which parts of a file each user has sent. Their upload resumes from these; and a user
    who has sent every part has shown the hub they hold the file, which is what lets them
    attach it to a record (knowing a file's SHA-256 is not enough to read it)."""

    __tablename__ = "hub_blob_sent"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("hub_blob.sha256", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("hub_user.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)


class HubAuditEvent(ServerBase):
    """Who did what to which record, when, from which device; each row's hash covers the
    previous row's, so a changed or removed row breaks the chain."""

    __tablename__ = "hub_audit"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)
    action: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(40), default=None)
    record_id: Mapped[str | None] = mapped_column(String(120), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(ServerBase):
    """One row holding the newest audit hash; writers lock it, so the chain has one order."""

    __tablename__ = "hub_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
