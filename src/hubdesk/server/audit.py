"""The hub's audit log: who did what, to which record, when, from which device.

Rows are only ever inserted. Each row's hash covers its fields and the previous row's hash;
writers lock the single head row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite takes its
write lock at BEGIN), so concurrent workers still make one chain. A changed, removed or
reordered row is found by :func:`verify`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.server.tables import AuditHead, HubAuditEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, event: HubAuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "user": event.user_id,
        "device": event.device_id,
        "action": event.action,
        "kind": event.kind,
        "record": event.record_id,
        "prev": prev_hash,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    action: str,
    user_id: int | None = None,
    device_id: str | None = None,
    kind: str | None = None,
    record_id: str | None = None,
) -> HubAuditEvent:
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
    event = HubAuditEvent(
        seq=head.last_seq + 1,
        at=at,
        user_id=user_id,
        device_id=device_id,
        action=action,
        kind=kind,
        record_id=record_id,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = _digest(head.last_hash, event)
    session.add(event)
    head.last_seq, head.last_hash = event.seq, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> ChainReport:
    prev, expected_seq, count = GENESIS, 1, 0
    for event in session.scalars(select(HubAuditEvent).order_by(HubAuditEvent.seq)):
        if event.seq != expected_seq:
            return ChainReport(count, expected_seq)  # that row is missing
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return ChainReport(count, event.seq)
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq, head.last_hash) != (count, prev):
        return ChainReport(count, count + 1)  # the newest rows were removed
    return ChainReport(count, None)
