"""The outbox: every local change to a synced record, waiting for the hub to acknowledge it.

A row is written in the same transaction as the change it records (``sync.outbox``), so a
change is never saved without its row nor a row without its change. It leaves the outbox only
when the hub has answered it. Not a synced record itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import Base, UTCDateTime


class OutboxEntry(Base):
    __tablename__ = "outbox"
    #: A record's rows (the changes waiting for it, the one before a given row) are found on
    #: this index alone (migration 0009; it replaced one on ``record_id`` only).
    __table_args__ = (Index("ix_outbox_record", "record_id", "kind", "state"),)

    #: Local order: the order the changes were made in.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Made once; every retry sends the same id, so the hub applies it at most once.
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    #: create, update, delete or append (finalised notes and addenda).
    op: Mapped[str] = mapped_column(String(10))
    young_person_id: Mapped[str | None] = mapped_column(String(36), default=None)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: pending, or rejected (kept with the hub's reason, shown, never dropped silently).
    #: Indexed (migration 0009): counting what waits reads the index, not every row's content.
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxSent(Base):
    """An outbox row that has been sent: from then on the row never changes (a replay must be
    the same mutation), and a later change to the record gets a row of its own.

    Kept apart from the row (migration 0011) so that stamping a batch writes a few narrow
    rows, not every row again with its content; it goes when its row does."""

    __tablename__ = "outbox_sent"

    seq: Mapped[int] = mapped_column(
        ForeignKey("outbox.seq", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The record's hub sequence when first sent (None for a new record): kept so a retry is
    #: the very same mutation.
    base_seq: Mapped[int | None] = mapped_column(Integer, default=None)
