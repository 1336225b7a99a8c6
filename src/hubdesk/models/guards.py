"""Defence in depth for frozen records.

The record methods (``finalise``, ``submit``, ``complete``) enforce the state machines; this
``before_flush`` hook makes sure nothing — a service bug, a careless script — changes a frozen
record behind their back. A finalised note, a submitted plan version, a completed screening,
an addendum, an information share and an audit event keep exactly what they had.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.models.audit import AuditEvent
from hubdesk.models.base import Record


def _was_frozen(obj: Any) -> bool:
    """Frozen as last loaded from the database (a change made in this flush does not count)."""
    state = inspect(obj)
    if "status" in state.attrs:
        history = state.attrs.status.history
        if history.deleted:
            original = history.deleted[0]
            current = obj.status
            obj.status = original
            try:
                return bool(obj.is_frozen())
            finally:
                obj.status = current
    return bool(obj.is_frozen())


def _changed_fields(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def check_frozen(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise DomainError("Audit events are never changed or removed.")
        if not isinstance(obj, Record) or not _was_frozen(obj):
            continue
        if obj in session.deleted:
            raise DomainError(f"This {obj.label} is kept permanently and cannot be removed.")
        if not obj.is_frozen():
            # A status field may move on a frozen record, but never back to an editable state.
            raise DomainError(f"This {obj.label} is frozen and cannot go back to being edited.")
        allowed = Record.sync_fields | type(obj).frozen_allows
        columns = {c.key for c in inspect(type(obj)).column_attrs}
        changed = (_changed_fields(obj) & columns) - allowed
        if changed:
            raise DomainError(f"This {obj.label} is frozen and cannot be edited.")


def install(session_cls: type[Session] = Session) -> None:
    if not event.contains(session_cls, "before_flush", check_frozen):
        event.listen(session_cls, "before_flush", check_frozen)
