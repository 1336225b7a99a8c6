"""Defence in depth for frozen records.

The record methods (``finalise``, ``submit``, ``complete``) enforce the state machines; this
``before_flush`` hook makes sure nothing — a service bug, a careless script — changes a frozen
record behind their back. A finalised note, a submitted plan version, a completed screening,
an addendum, an information share and an audit event keep exactly what they had, and a
record that freezes with another (a plan action with its plan version) cannot be added to,
changed on or removed from a frozen one.

Whether a record is frozen is judged on its status as last loaded from the database, worked
out from the attribute history without touching the object: a change made in this flush does
not count, so a status may move on, but never back to an editable state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.models.audit import AuditEvent
from hubdesk.models.base import FROM_HUB, Record
from hubdesk.models.states import state_words


def _has_status(obj: Record) -> bool:
    return "status" in inspect(type(obj)).column_attrs


def _loaded_status(session: Session, obj: Record) -> object:
    """The status as last loaded from the database (None for a kind without a status)."""
    if not _has_status(obj):
        return None
    state = inspect(obj)
    if state.identity is None:  # not in the database yet
        return getattr(obj, "status", None)
    history = state.attrs.status.history
    if history.deleted:
        return history.deleted[0]
    if history.added:
        # Set while its stored value was not loaded (expired): read it from the database.
        mapper = state.mapper
        column = mapper.column_attrs["status"].columns[0]
        where = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        with session.no_autoflush:
            return session.execute(select(column).where(*where)).scalar_one_or_none()
    return getattr(obj, "status", None)


def _parents(session: Session, obj: Record) -> list[Record]:
    """The records ``obj`` freezes with: its parent now and, if it moved, its parent before."""
    name = type(obj).frozen_parent
    if name is None:
        return []
    state = inspect(obj)
    relationship = state.mapper.relationships[name]
    found: dict[int, Record] = {}
    history = state.attrs[name].history
    for parent in (*history.added, *history.unchanged, *history.deleted):
        if isinstance(parent, Record):
            found[id(parent)] = parent
    target = relationship.mapper.class_
    with session.no_autoflush:
        for column in relationship.local_columns:
            key = state.mapper.get_property_by_column(column).key
            key_history = state.attrs[key].history
            values = (*key_history.added, *key_history.unchanged, *key_history.deleted)
            if not values:
                values = (getattr(obj, key),)
            for value in values:
                parent = session.get(target, value) if value is not None else None
                if isinstance(parent, Record):
                    found[id(parent)] = parent
    return list(found.values())


def _parent_frozen(session: Session, parent: Record) -> bool:
    """A parent new in this flush holds nothing stored yet; otherwise frozen as loaded or now
    (so a submitted version's actions are exactly those it was submitted with)."""
    if inspect(parent).identity is None:
        return False
    return _was_frozen(session, parent) or parent.is_frozen()


def _was_frozen(session: Session, obj: Record) -> bool:
    """Frozen as last loaded from the database (a change made in this flush does not count)."""
    if type(obj).frozen_parent is not None:
        return any(_parent_frozen(session, parent) for parent in _parents(session, obj))
    return type(obj).frozen_in(_loaded_status(session, obj))


def _changed_fields(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _frozen_parent_message(parent: Record) -> str:
    status = getattr(parent, "status", None)
    if status is None:
        return f"This {parent.label} is frozen and cannot be edited."
    sentence = f"This {parent.label} is {state_words(status)}, so it cannot be edited."
    advice = type(parent).frozen_advice(status)
    return f"{sentence} {advice}" if advice else sentence


def _check_new(session: Session, obj: Record) -> None:
    """A new record that freezes with a frozen parent would change what was frozen."""
    for parent in _parents(session, obj):
        if _parent_frozen(session, parent):
            raise DomainError(_frozen_parent_message(parent))


def _check_changed(session: Session, obj: Record) -> None:
    if not _was_frozen(session, obj):
        return
    if obj in session.deleted:
        raise DomainError(f"This {obj.label} is kept permanently and cannot be removed.")
    cls = type(obj)
    changed = _changed_fields(obj)
    allowed = Record.sync_fields | cls.frozen_allows
    if _has_status(obj) and "status" in changed:
        was, now = _loaded_status(session, obj), getattr(obj, "status", None)
        if not cls.frozen_in(now):
            # A status may move on a frozen record, but never back to an editable state.
            raise DomainError(f"This {obj.label} is frozen and cannot go back to being edited.")
        allowed |= cls.frozen_allows_on_move(was, now)
    columns = {c.key for c in inspect(cls).column_attrs}
    if (changed & columns) - allowed:
        raise DomainError(f"This {obj.label} is frozen and cannot be edited.")


def check_frozen(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(FROM_HUB):
        return
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise DomainError("Audit events are never changed or removed.")
        if isinstance(obj, Record):
            _check_changed(session, obj)
    for obj in list(session.new):
        if isinstance(obj, Record) and type(obj).frozen_parent is not None:
            _check_new(session, obj)


def install(session_cls: type[Session] = Session) -> None:
    if not event.contains(session_cls, "before_flush", check_frozen):
        event.listen(session_cls, "before_flush", check_frozen)
