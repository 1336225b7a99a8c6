"""The declarative base and the identity and sync fields every record carries.

Every record has a client-made UUID, ``created_at``/``updated_at`` in UTC, a local ``version``
bumped by SQLAlchemy on every UPDATE (and checked, so a stale write fails loudly), the server's
sequence number at last sync (``server_seq``, null before the first sync) and a tombstone
(``deleted_at``): records are never removed until the hub has confirmed the deletion.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from hubdesk import ids
from hubdesk.timeutil import as_utc, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value).replace(tzinfo=None)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite (the vault), straight to the text SQLite's own type stores, as
        ``isoformat`` writes it (the same text: a test compares them). SQLAlchemy's builds
        it with ``%`` and a dictionary, 6,000 instructions a value: 8 % of writing a page
        of pulled records."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


E = TypeVar("E", bound=enum.StrEnum)


class EnumText(TypeDecorator[Any]):
    """A ``StrEnum`` stored as its value; an unknown value fails at bind time, not later."""

    impl = String(40)
    cache_ok = True

    def __init__(self, enum_cls: type[enum.StrEnum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    @property
    def choices(self) -> frozenset[str]:
        """The values this version knows."""
        return frozenset(member.value for member in self.enum_cls)

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum_cls(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.enum_cls(value)


#: Where new record ids come from. Demo data swaps in a seeded source so the same seed gives
#: the same caseload, ids included; everything else uses UUIDs in the order made (``hubdesk.ids``).
id_source: ContextVar[Callable[[], str]] = ContextVar("id_source", default=ids.ordered_id)


#: Set in ``session.info`` while applying what the hub sent: those writes are the hub's word,
#: so they are neither queued for the hub again (``store.outbox``) nor held back by the frozen
#: record guards (``models.guards``: a plan version the hub approved must land as approved).
FROM_HUB = "hubdesk.from_hub"


def new_id() -> str:
    return id_source.get()()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Record(Base):
    """A synced record: identity, timestamps, local version, server sequence, tombstone."""

    __abstract__ = True

    #: What a person calls this kind of record, in messages ("contact note").
    label: ClassVar[str] = "record"
    #: Fields that may still change once the record is frozen (see models.guards). A frozen
    #: record cannot be tombstoned either: removing one is erasure under a retention rule.
    sync_fields: ClassVar[frozenset[str]] = frozenset(
        {"updated_at", "version", "server_seq", "sync_hash"}
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    server_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    #: ``protocol.record_hash(id, server_seq)`` while the hub has the record (else None):
    #: sync's check adds these up (see ``services.sync``), so it is set with ``server_seq``.
    sync_hash: Mapped[int | None] = mapped_column(Integer, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    #: Fields that may change on a frozen record besides the sync fields.
    frozen_allows: ClassVar[frozenset[str]] = frozenset()
    #: For a record that freezes with another (a plan action with its plan version): the name
    #: of the relationship to that record. While the parent is frozen the child cannot be
    #: added, changed or removed (see models.guards).
    frozen_parent: ClassVar[str | None] = None

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        """True if a record of this kind in ``status`` may no longer change.

        ``status`` is None for a kind without a lifecycle. The default is never frozen;
        records that freeze (finalised, submitted, completed, or always) override this.
        """
        return False

    @classmethod
    def frozen_allows_on_move(cls, was: object, now: object) -> frozenset[str]:
        """Fields that may change on a frozen record in the same flush as its status moves
        from ``was`` to ``now`` (a decision lands with its date and who made it)."""
        return frozenset()

    @classmethod
    def frozen_advice(cls, status: object) -> str | None:
        """What to do instead, said when a change to a record frozen in ``status`` is refused."""
        return None

    def is_frozen(self) -> bool:
        """True once the record may no longer change (finalised, submitted, completed)."""
        return type(self).frozen_in(getattr(self, "status", None))
