"""Audit events: who did what to which record, when, and why where asked. Hash-chained.

Each event stores the hash of the previous one, so an edited, inserted or removed row breaks
the chain at that point (``hubdesk vault audit --verify`` names the first broken link).
Events are append-only; the guard in :mod:`hubdesk.models.guards` refuses any change.

A typed reason can be personal data, and erasure must be able to remove it. So the chain covers
``reason_digest`` (SHA-256 of the event id and the reason), not the reason itself: erasure
blanks ``reason`` and the chain still verifies, while a changed reason no longer matches its
digest. Events written before schema 0004 have no digest and hash the reason directly.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import Base, UTCDateTime, new_id
from hubdesk.timeutil import as_utc

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"
    label: ClassVar[str] = "audit event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    device: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    reason_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    server_seq: Mapped[int | None] = mapped_column(Integer, default=None)

    def compute_hash(self) -> str:
        body = {
            "seq": self.seq,
            "id": self.id,
            "at": as_utc(self.at).isoformat(),
            "actor": self.actor,
            "device": self.device,
            "action": self.action,
            "record_kind": self.record_kind,
            "record_id": self.record_id,
            "prev_hash": self.prev_hash,
        }
        if self.reason_digest is None:
            body["reason"] = self.reason  # written before schema 0004
        else:
            body["reason_digest"] = self.reason_digest
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def digest_of(self, reason: str) -> str:
        return hashlib.sha256(f"{self.id}\x00{reason}".encode()).hexdigest()

    def is_frozen(self) -> bool:
        return True
