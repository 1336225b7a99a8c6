"""Conflicts found by sync, and a person's choice between the two sides.

A conflict keeps both sides whole until resolved (``models.SyncConflict``). The record itself
already holds the merge, with the hub's value in each contested field; resolving writes the
chosen values through an ordinary change, which the outbox queues for the hub like any edit,
so the resolution reaches every device. Nothing is overwritten without a choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hubdesk import ids
from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import RECORD_KINDS, Context, SyncConflict
from hubdesk.services.base import ServiceBase
from hubdesk.store.outbox import content_of, write_content
from hubdesk.sync.merge import value_at, with_value

Side = Literal["mine", "theirs"]


@dataclass(frozen=True)
class Edited:
    """A value the person wrote themselves for one field."""

    value: Any


@dataclass(frozen=True)
class FieldSides:
    path: str
    label: str
    mine: Any
    theirs: Any


@dataclass(frozen=True)
class ConflictView:
    id: str
    kind: str
    record_label: str
    record_id: str
    young_person_id: str | None
    reason: str
    fields: list[FieldSides]
    mine_deleted: bool
    theirs_deleted: bool
    #: A few words naming the record among others of its kind ("Station underpass" for a
    #: link to that place), or None.
    subject: str | None = None

    @property
    def is_removal(self) -> bool:
        """One side removed the record and the other changed it."""
        return self.mine_deleted or self.theirs_deleted


def keep_conflict(
    session: Session,
    *,
    kind: str,
    record_id: str,
    young_person_id: str | None,
    at: datetime,
    base: dict[str, Any] | None,
    mine: dict[str, Any],
    theirs: dict[str, Any],
    fields: list[str],
    reason: str,
    mine_deleted: bool = False,
    theirs_deleted: bool = False,
) -> None:
    """Keep both sides of a record until a person chooses (the caller audits it)."""
    session.add(
        SyncConflict(
            id=ids.ordered_id(),
            kind=kind,
            record_id=record_id,
            young_person_id=young_person_id,
            found_at=at,
            base=base,
            mine=mine,
            theirs=theirs,
            mine_deleted=mine_deleted,
            theirs_deleted=theirs_deleted,
            fields=fields,
            reason=reason,
        )
    )


def field_label(path: str) -> str:
    """``content.safe_places`` → "Safe places" (what a person calls a field)."""
    last = path.rsplit(".", 1)[-1]
    return last.replace("_", " ").capitalize()


class ConflictService(ServiceBase):
    def count_open(self, young_person_id: str | None = None) -> int:
        with self.read() as session:
            query = select(func.count()).select_from(SyncConflict)
            query = query.where(SyncConflict.resolved_at.is_(None))
            if young_person_id is not None:
                query = query.where(SyncConflict.young_person_id == young_person_id)
            return session.scalar(query) or 0

    def open_conflicts(self, young_person_id: str | None = None) -> list[ConflictView]:
        with self.read() as session:
            query = select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
            if young_person_id is not None:
                query = query.where(SyncConflict.young_person_id == young_person_id)
            return [
                _view(c, _subject(session, c))
                for c in session.scalars(query.order_by(SyncConflict.found_at))
            ]

    def conflict(self, conflict_id: str) -> ConflictView:
        with self.read() as session:
            found = self._open(session, conflict_id)
            return _view(found, _subject(session, found))

    def resolve(
        self,
        conflict_id: str,
        picks: dict[str, Side | Edited] | None = None,
        *,
        keep: Side | None = None,
    ) -> None:
        """Settle a conflict: for contested fields, ``picks`` chooses mine, theirs or an
        edited value per field (every field must be chosen); for a removal, ``keep`` says
        which side stands."""
        with self.write() as session:
            found = self._open(session, conflict_id)
            cls = RECORD_KINDS[found.kind]
            record = session.get(cls, found.record_id)
            if record is None:
                raise NotFoundError("The record in this conflict is no longer in this vault.")
            if found.mine_deleted or found.theirs_deleted:
                if keep is None:
                    raise DomainError("Choose which side to keep: yours or the hub's.")
                if keep == "mine" and found.mine_deleted:
                    record.deleted_at = self.clock()
                elif keep == "mine":
                    write_content(record, found.mine)
                    record.deleted_at = None
            else:
                missing = [f for f in found.fields if f not in (picks or {})]
                if missing:
                    labels = ", ".join(field_label(f) for f in missing)
                    raise DomainError(f"Choose a version for each part that differs: {labels}.")
                content = content_of(record)
                for path, pick in (picks or {}).items():
                    if pick == "mine":
                        content = with_value(content, path, value_at(found.mine, path))
                    elif isinstance(pick, Edited):
                        content = with_value(content, path, pick.value)
                write_content(record, content)
            found.resolved_at, found.resolved_by = self.clock(), self.actor.name
            self.audit(session, "conflict-resolved", record)

    @staticmethod
    def _open(session: Any, conflict_id: str) -> SyncConflict:
        found: SyncConflict | None = session.get(SyncConflict, conflict_id)
        if found is None or found.resolved_at is not None:
            raise NotFoundError("This conflict has been resolved already, or is not here.")
        return found


#: The field that names a record of each kind, where it has one.
NAMING_FIELDS = ("name", "title", "what")


def _subject(session: Session, c: SyncConflict) -> str | None:
    side = c.theirs if c.mine_deleted else c.mine
    if c.kind == "context_link":
        context = session.get(Context, side.get("context_id"))
        return context.name if context is not None else None
    for key in NAMING_FIELDS:
        value = side.get(key)
        if isinstance(value, str) and value.strip():
            words = value.strip()
            return words if len(words) <= 60 else words[:59] + "…"
    return None


def _view(c: SyncConflict, subject: str | None = None) -> ConflictView:
    return ConflictView(
        id=c.id,
        kind=c.kind,
        record_label=RECORD_KINDS[c.kind].label,
        record_id=c.record_id,
        young_person_id=c.young_person_id,
        reason=c.reason,
        fields=[
            FieldSides(f, field_label(f), value_at(c.mine, f), value_at(c.theirs, f))
            for f in c.fields
        ],
        mine_deleted=c.mine_deleted,
        theirs_deleted=c.theirs_deleted,
        subject=subject,
    )
