"""What every use case shares: the vault, the clock, who is acting, audit and lookups."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models.base import Record
from hubdesk.store import audit
from hubdesk.store.vault import Vault
from hubdesk.timeutil import local_today, utcnow

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Actor:
    """Who is acting, on which device (both recorded on every audit event)."""

    name: str
    device: str


class ServiceBase:
    def __init__(self, vault: Vault, actor: Actor, clock: Callable[[], datetime] = utcnow) -> None:
        self.vault = vault
        self.actor = actor
        self.clock = clock

    def today(self) -> date:
        return local_today(self.clock())

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.vault.write() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.vault.read() as session:
            yield session

    def audit(
        self,
        session: Session,
        action: str,
        record: Record | None,
        reason: str | None = None,
        *,
        kind: str | None = None,
        record_id: str | None = None,
    ) -> None:
        if record is not None:
            session.flush()
        audit.append(
            session,
            at=self.clock(),
            actor=self.actor.name,
            device=self.actor.device,
            action=action,
            record_kind=kind or (record.__tablename__ if record is not None else "vault"),
            record_id=record.id if record is not None else record_id,
            reason=reason,
        )

    @staticmethod
    def get(session: Session, cls: type[R], record_id: str) -> R:
        obj = session.get(cls, record_id)
        if obj is None or obj.deleted_at is not None:
            raise NotFoundError(f"There is no {cls.label} with id {record_id} in this vault.")
        return obj


def required_text(value: str | None, what: str) -> str:
    """Trimmed text, or a plain error naming the field that is empty."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise DomainError(f"Write {what}; it cannot be left empty.")
    if "\x00" in cleaned:
        raise DomainError(f"{what[0].upper()}{what[1:]} contains a character that cannot be kept.")
    return cleaned


E = TypeVar("E", bound=enum.StrEnum)


def choice(enum_cls: type[E], value: object, what: str) -> E:
    """The enum member for ``value``, or a plain error listing the choices."""
    try:
        return enum_cls(str(value))
    except ValueError:
        options = ", ".join(m.value.replace("_", " ") for m in enum_cls)
        raise DomainError(f"Unknown {what}: {value!s:.40}. Choose one of: {options}.") from None


def optional_text(value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if "\x00" in cleaned:
        raise DomainError("The text contains a character that cannot be kept.")
    return cleaned or None
