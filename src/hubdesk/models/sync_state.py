"""What the vault keeps to sync safely: the hub's copy of each record at the last sync (the
*base* a three-way merge needs) and the conflicts found, kept until a person resolves them.

Neither is a synced record: both stay on this laptop, inside the encrypted vault.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import Base, UTCDateTime


class SyncBase(Base):
    """The record as the hub last had it (after a push was applied, or a pull was applied)."""

    __tablename__ = "sync_base"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncConflict(Base):
    """A record changed here and on the hub from the same base, in ways that do not merge.

    The record itself holds the merge (every field changed on one side only, and the hub's
    value where both changed); ``mine`` and ``theirs`` keep both sides whole, so nothing is
    lost until a person chooses. ``fields`` lists the fields that differ (``content.worries``
    for a section of a plan).
    """

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    young_person_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    base: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    mine: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    theirs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mine_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    theirs_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(100), default=None)
