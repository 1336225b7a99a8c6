"""The hub's database: an engine for a URL (PostgreSQL through psycopg 3, or SQLite), its
schema brought up to date with Alembic, and one transaction per unit of work.

On SQLite a unit that may write begins ``IMMEDIATE`` (it takes the one write lock at once), and
a unit opened ``read_only`` begins deferred: in WAL mode that is a snapshot of what had
committed when it first reads, which neither waits for the writer nor holds it up. A
read-only unit refuses to write (a deferred transaction that later tries to write can fail
to take the lock, so it is stopped at the first attempt instead).

Workers keep no state of their own: everything shared (rate limits, tokens, the audit head)
is in the database, so several processes can serve one PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Executable,
    Insert,
    Select,
    Table,
    TypeDecorator,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidatePoolError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from hubdesk.errors import HubDeskError

MIGRATIONS = Path(__file__).parent / "migrations"
#: The execution option that marks a read-only unit's connection (SQLite: a deferred BEGIN).
READ_ONLY = "hubdesk_read_only"
#: The most each SQLite connection keeps of the database in memory (KiB; used as needed).
SQLITE_CACHE_KIB = 32 * 1024
#: SQLite's own checkpoint threshold, in pages of the log (16 MiB with 4 KiB pages).
SQLITE_AUTOCHECKPOINT_PAGES = 4000
#: From how many rows ``insert_rows`` copies them into PostgreSQL rather than inserting them.
COPY_FROM = 20
#: Seconds a pooled PostgreSQL connection may have been idle and still be handed out
#: untested (``_ping_if_idle``).
PING_AFTER_IDLE = 2.0
#: Where a pooled connection's record keeps when it was last given back (time.monotonic).
_RETURNED_AT = "hubdesk_returned_at"
#: Where a connection in a pipeline (``pipelined``) keeps psycopg's pipeline, in its info.
_PIPELINE = "hubdesk_pipeline"
#: The execution option that lets a statement wait in a pipeline (``queued``).
_QUEUED = "hubdesk_queued"


class DatabaseError(HubDeskError):
    """The hub's database could not be reached or is not at this version's schema."""


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here; SQLite and explicit drivers pass through."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            "The database URL could not be read. Use postgresql://USER@HOST:PORT/NAME or "
            "sqlite:///PATH."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise DatabaseError("The hub runs on PostgreSQL or SQLite; that URL names another one.")
    return parsed.render_as_string(hide_password=False)


def json_text(value: Any) -> str:
    """A JSON column's value as the text stored: compact, by pydantic's encoder (Rust), which
    took a quarter of the standard library's time for a push's thousand-byte records. (Any
    JSON reads the same back; nothing compares the stored text itself.)"""
    return pydantic_core.to_json(value).decode()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    # JSON columns written and read by pydantic's encoder and parser (``json_text``).
    coded = {"json_serializer": json_text, "json_deserializer": pydantic_core.from_json}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **coded)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Last in, first out: a request's device check and its work, one after the other, get
    # the connection just given back (not the one idle longest, which _ping_if_idle tests).
    engine = create_engine(url, pool_size=10, max_overflow=10, pool_use_lifo=True, **coded)
    event.listen(engine, "connect", _note_returned)  # new: it has just answered
    event.listen(engine, "checkin", _note_returned)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    event.listen(engine, "after_cursor_execute", _answer_reads_at_once)
    return engine


def _note_returned(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """Test a pooled connection before it is handed out, if it has been idle a while: the
    database may have restarted, or a firewall dropped the connection, meanwhile. Should it
    be dead, all the pool's connections are dropped (they most likely are too) and the pool
    hands out a new one. SQLAlchemy's own ``pool_pre_ping`` tested every connection, a round
    trip to the database each time a request took one, twice for most requests (the device
    check, then the work); one given back moments ago has just answered. (A connection lost
    within those seconds fails its request, as any would that was running when it was lost;
    the device tries again, on a new connection.)"""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise InvalidatePoolError("The database connection was lost while idle.") from exc

    return checkout


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """PostgreSQL: run this session's statements in psycopg's pipeline mode until the block
    ends. A statement marked ``queued`` (an INSERT, UPDATE or DELETE of which nothing is
    read) is sent and not waited for; it is answered with the next statement, which is sent
    and waited for (``_answer_reads_at_once``), or when the block ends. A sync's unit
    writes its records, their results, the change log and the audit rows in half a dozen
    statements: they then cost one round trip to the database, not one each (reads that do
    not depend on each other are sent together by ``read_at_once``). Statements still run
    one after another, in order, in the same transaction. An error in a queued
    one is raised at the next read or as the block ends (as SQLAlchemy's ``DBAPIError``,
    as it would be unpipelined), and the unit is rolled back as for any error. COPY cannot
    run in a pipeline: ``insert_rows`` inserts instead. (SQLite: nothing changes.)"""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    dialect = connection.dialect
    failure = dialect.loaded_dbapi.Error
    # (Kept here: a connection the database dropped meanwhile no longer lends its info.)
    info = connection.info
    try:
        with driver.pipeline() as pipeline:
            info[_PIPELINE] = pipeline
            try:
                yield
            finally:
                info.pop(_PIPELINE, None)
    except failure as exc:  # a queued statement's, raised as the block ended
        raise DBAPIError.instance(None, None, exc, failure, dialect=dialect) from exc


_Statement = TypeVar("_Statement", bound=Executable)


def queued(statement: _Statement) -> _Statement:
    """``statement`` (an INSERT, UPDATE or DELETE returning nothing, or a statement run for
    what it does, such as taking a lock or moving a sequence on, whose caller reads neither
    rows nor a row count) marked to wait in a pipeline for the next read or the end of the
    unit. Every other statement is answered at once: an ORM flush, for one, checks
    how many rows each UPDATE matched, which a pipeline tells only when it is answered."""
    return statement.execution_options(**{_QUEUED: True})


def _answer_reads_at_once(
    conn: Any, _cursor: Any, _statement: Any, _parameters: Any, context: Any, _many: bool
) -> None:
    """In a pipeline, wait for each statement not marked ``queued`` before SQLAlchemy reads
    its result (it would otherwise find no rows and no row count)."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is None:
        return
    compiled = context.compiled
    if (
        not context.execution_options.get(_QUEUED)
        or compiled is None
        or compiled.effective_returning
    ):
        pipeline.sync()


def _in_pipeline(session: Session) -> bool:
    return _PIPELINE in session.connection().info


#: A read for :func:`read_at_once`: a statement built once (it is compiled once for the
#: driver, and kept by its identity) and its parameters.
Read = tuple[Select[*tuple[Any, ...]], Mapping[str, Any]]


def read_at_once(session: Session, reads: Sequence[Read]) -> list[list[tuple[Any, ...]]]:
    """The rows of each read, in order, as ``connection.execute(...).all()`` gives them.

    In a pipeline (PostgreSQL, ``pipelined``) every read is sent before any is waited for,
    straight to psycopg, so they cost one round trip to the database between them, where
    SQLAlchemy waits for each (``_answer_reads_at_once``: it reads a result's columns as it
    executes). The database still runs them one after another, in order, in the same
    transaction: each sees what the ones before it saw, and what has committed since. The
    statements are compiled once for the driver, and each value goes through its column
    type's conversions as SQLAlchemy's own execution would (a test holds the two equal).
    Elsewhere (SQLite, or outside a pipeline) each read runs through SQLAlchemy."""
    connection = session.connection()
    if _PIPELINE not in connection.info:
        return [list(connection.execute(statement, params).all()) for statement, params in reads]
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    failure = dialect.loaded_dbapi.Error
    plans = [(_for_driver(statement, dialect), params) for statement, params in reads]
    cursors: list[Any] = []
    try:
        for plan, params in plans:
            cursor = driver.cursor()
            cursor.execute(plan.sql, plan.parameters(params))
            cursors.append(cursor)
        fetched = [cursor.fetchall() for cursor in cursors]
    except failure as exc:
        raise DBAPIError.instance(None, None, exc, failure, dialect=dialect) from exc
    finally:
        for cursor in cursors:
            cursor.close()
    return [plan.rows(rows) for (plan, _), rows in zip(plans, fetched, strict=True)]


@dataclass(frozen=True)
class _DriverRead:
    """A statement as :func:`read_at_once` hands it to the driver: compiled for it (its SQL,
    and its parameters made with the statement's own values), how each parameter is
    converted, and how each column of its rows is converted (None: as the driver gives it)."""

    compiled: Any
    binds: dict[str, Callable[[Any], Any]]
    columns: tuple[Callable[[Any], Any] | None, ...]

    @property
    def sql(self) -> str:
        return str(self.compiled.string)

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(self.compiled.construct_params(dict(given)))
        for name, convert in self.binds.items():
            values[name] = convert(values[name])
        return values

    def rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not any(self.columns):
            return [tuple(row) for row in rows]
        return [
            tuple(v if c is None else c(v) for v, c in zip(row, self.columns, strict=True))
            for row in rows
        ]


@cache
def _for_driver(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _DriverRead:
    """(Made once for each statement and database: a statement is kept, as the cache's key,
    by its identity.)"""
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            binds[name] = convert
    columns = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return _DriverRead(compiled, binds, columns)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin_immediate
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # The serving hub checkpoints in a thread of its own (server/checkpoint.py); SQLite's own
    # checkpoint, in whichever commit crosses this many pages, is a safety net.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    # Room for a large caseload's records in each connection's page cache (the default is
    # 2 MiB): a summary or a pull of thousands of records then reads them from here.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Statement journals in memory, not in a temporary file: a statement that may write
    # more than one row keeps one until it ends, to undo only itself on an error, and every
    # write of a record is such a statement (its triggers write the scope's totals), one a
    # row when a push's records go by executemany. 500 records so inserted took 3.4 ms of
    # CPU without the triggers; with them 9.3 ms with the journals in files, 5.4 in memory.
    # (Nothing durable is kept there: a commit is in the log on disk before it is answered.)
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A unit that may write takes the write lock at BEGIN: two workers never both read then
    # fail to upgrade a lock. A read-only unit (which cannot write) takes a snapshot instead.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class ReadOnlyUnit(RuntimeError):
    """Something tried to write in a unit opened read-only (a bug in the hub, not a user's
    mistake)."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    raise ReadOnlyUnit("A read-only unit of work tried to write.")


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyUnit("A read-only unit of work tried to write.")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema (Alembic, in one transaction)."""
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def check_schema(engine: Engine) -> None:
    """Refuse to serve a database that is missing or not at this version's schema."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # the driver's own error holds the URL: never show it
        raise DatabaseError(
            f"The hub's database could not be reached ({type(exc).__name__})."
        ) from None
    if current is None:
        raise DatabaseError(
            "The hub's database has not been set up. Run `hubdesk-server init` first."
        )
    if current != head_revision():
        raise DatabaseError(
            f"The hub's database is at schema {current}, this version needs "
            f"{head_revision()}. Run `hubdesk-server init` to upgrade it."
        )


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same columns) into ``table``, in this session's
    transaction, as ``session.execute(insert(table), rows)`` would.

    Each row's values are made here what that INSERT would send (``_Values``: JSON as the
    engine's JSON text, a column type's own conversion, such as UTC datetimes and SQLite's
    text for them), and handed to the driver as they are: SQLAlchemy's work for every row
    of an INSERT (a dictionary of every parameter, then each converted) took as long as
    SQLite's executemany itself for a push's hundreds of records, results, change-log and
    audit rows. On SQLite they go to that executemany (one loop in C); on PostgreSQL, from
    ``COPY_FROM`` rows, by ``COPY … FROM STDIN``: one stream, where psycopg's executemany
    sends one statement per row. Rows that leave out a column with a Python-side default
    (which neither would apply), and a few rows on PostgreSQL, are inserted by SQLAlchemy.
    A failure is raised as SQLAlchemy's ``DBAPIError``, as an INSERT's would be."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    values = _values(table, tuple(rows[0]), dialect)
    postgresql = dialect.name == "postgresql"
    if values.defaulted or (postgresql and (len(rows) < COPY_FROM or _in_pipeline(session))):
        session.execute(_insert(table), rows)
        return
    if not postgresql:
        session.connection().exec_driver_sql(values.insert, [tuple(values.of(row)) for row in rows])
        return
    connection = session.connection().connection.driver_connection
    assert connection is not None
    failure = dialect.loaded_dbapi.Error
    try:
        with connection.cursor() as cursor, cursor.copy(values.copy) as copy:
            for row in rows:
                copy.write_row(values.of(row))
    except failure as exc:
        raise DBAPIError.instance(values.copy, None, exc, failure, dialect=dialect) from exc


@cache
def _insert(table: Table) -> Insert:
    """The INSERT of a table's rows (built once: a push and every audit event use one);
    nothing is read of it, so in a pipeline it waits (``queued``)."""
    return queued(insert(table))


@dataclass(frozen=True)
class _Values:
    """How ``insert_rows`` sends rows of some columns of a table to one kind of database:
    the statements, and each column's conversion (None: the value as it is)."""

    #: Each column's name and conversion, in the statements' order.
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    #: A column with a Python-side default is left out of the rows.
    defaulted: bool
    insert: str
    copy: str

    def of(self, row: Mapping[str, Any]) -> list[Any]:
        """A row's values, in the statements' order, as its INSERT would bind them."""
        return [
            row[name] if convert is None else convert(row[name]) for name, convert in self.columns
        ]


@cache
def _values(table: Table, names: tuple[str, ...], dialect: Dialect) -> _Values:
    """(Made once for each table, columns and database.)"""
    columns = [table.c[name] for name in names]
    quote = dialect.identifier_preparer.quote
    listed = f"{quote(table.name)} ({', '.join(quote(name) for name in names)})"
    return _Values(
        columns=tuple((column.name, _convert(column, dialect)) for column in columns),
        defaulted=any(c.default is not None and c.name not in names for c in table.columns),
        insert=f"INSERT INTO {listed} VALUES ({', '.join('?' * len(names))})",
        copy=f"COPY {listed} FROM STDIN",
    )


def _convert(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of ``column`` is bound, as an INSERT would bind it. On SQLite, the
    column type's own bind processor (what SQLAlchemy applies to it: JSON text, a
    TypeDecorator's conversion, then its type's, such as a datetime's text). On PostgreSQL
    (COPY): JSON as the engine's JSON text, a TypeDecorator's conversion; psycopg adapts
    the rest as it would for an INSERT."""
    kind = column.type
    timed = isinstance(getattr(kind, "impl", kind), DateTime)  # (a TypeDecorator's impl)
    if dialect.name != "postgresql":
        bind = kind.dialect_impl(dialect).bind_processor(dialect)
        return _last_kept(bind) if timed and bind is not None else bind
    if isinstance(kind, JSON):
        serialise: Callable[[Any], Any] = getattr(dialect, "_json_serializer", None) or json.dumps
        return serialise
    if isinstance(kind, TypeDecorator):
        decorated = kind
        if timed:  # as its text (what psycopg would send), for COPY's text rows
            return _last_kept(lambda value: _iso(decorated.process_bind_param(value, dialect)))
        return lambda value: decorated.process_bind_param(value, dialect)
    return None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _last_kept(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert``, with the value it last converted and its result kept: the rows of one
    transaction mostly share one time (a push's 10,000 changes, results and audit events
    carry the push's), and turning an aware datetime into text took about a tenth of the
    hub's work on a push. (The pair is replaced whole: threads sharing it never read a
    value with another's result.)"""
    kept: list[tuple[Any, Any]] = [(object(), None)]

    def converted(value: Any) -> Any:
        last, result = kept[0]
        if value is last:
            return result
        result = convert(value)
        kept[0] = (value, result)
        return result

    return converted


class Database:
    """An engine and its sessions; ``unit()`` is one transaction, committed on success."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: The same pool, for reading only (see the module's docstring).
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.reads = sessionmaker(self.read_engine, expire_on_commit=False)
        event.listen(self.reads, "before_flush", _refuse_flush)
        event.listen(self.reads, "do_orm_execute", _refuse_statement)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def unit(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction, committed on success; ``read_only``: one that only reads (see
        the module's docstring), which raises :class:`ReadOnlyUnit` if it tries to write."""
        with (self.reads if read_only else self.sessions).begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
