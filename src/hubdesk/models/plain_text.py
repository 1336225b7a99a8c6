"""Text written to a record holds only characters the hub takes.

The hub refuses a change whose text holds a control character (``sync.protocol``), and a
refused change is never sent again: text pasted from a word processor (whose line break is a
vertical tab) would stop every later sync of the laptop. So what a person writes is made
sendable as it is saved: those line breaks become newlines, the other control characters
are left out. Only the values being written are touched, never what a record already held
(a frozen note keeps its words).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from hubdesk.models.base import FROM_HUB, Record
from hubdesk.sync.protocol import sendable


def make_sendable(session: Session, flush_context: Any, instances: Any) -> None:
    """Before a flush, the text just written to new or changed records (not the hub's own
    copies, which it has already taken)."""
    if session.info.get(FROM_HUB):
        return
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Record):
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.added:
                continue
            value = history.added[0]
            if isinstance(value, str | dict | list):
                cleaned = sendable(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)


def install(session_cls: type[Session] = Session) -> None:
    if not event.contains(session_cls, "before_flush", make_sendable):
        event.listen(session_cls, "before_flush", make_sendable)
