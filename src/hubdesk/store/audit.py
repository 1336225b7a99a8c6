"""The audit chain: append an event, verify the chain.

Each event's hash covers its fields and the previous event's hash; sequence numbers are
contiguous from 1; the newest ``seq:hash`` is also kept in ``vault_meta`` so removing the last
events is detected too. Appends happen inside the caller's write transaction, so an action and
its audit event commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hubdesk.models.audit import GENESIS, AuditEvent
from hubdesk.models.base import new_id
from hubdesk.models.meta import VaultMeta

META_AUDIT_HEAD = "audit_head"


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    device: str,
    action: str,
    record_kind: str,
    record_id: str | None,
    reason: str | None = None,
) -> AuditEvent:
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(
        seq=seq,
        id=new_id(),
        at=at,
        actor=actor,
        device=device,
        action=action,
        record_kind=record_kind,
        record_id=record_id,
        reason=reason,
        prev_hash=prev_hash,
    )
    event.reason_digest = event.digest_of(reason) if reason is not None else None
    event.hash = event.compute_hash()
    session.add(event)
    head = f"{seq}:{event.hash}"
    session.execute(
        sqlite_insert(VaultMeta)
        .values(key=META_AUDIT_HEAD, value=head)
        .on_conflict_do_update(index_elements=[VaultMeta.key], set_={"value": head})
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_seq: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and self.problem is None

    def in_words(self) -> str:
        if self.ok:
            return f"The audit trail is intact: {self.events} events, every link checks."
        return f"The audit trail is broken: {self.problem}"


def verify(session: Session) -> ChainReport:
    expected_seq = 1
    prev_hash = GENESIS
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        if event.seq != expected_seq:
            return ChainReport(
                count,
                expected_seq,
                f"event {expected_seq} is missing (the next one found is {event.seq}).",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                count, event.seq, f"event {event.seq} does not follow from event {event.seq - 1}."
            )
        reason_changed = (
            event.reason is not None
            and event.reason_digest is not None
            and event.digest_of(event.reason) != event.reason_digest
        )
        if reason_changed or event.compute_hash() != event.hash:
            return ChainReport(
                count,
                event.seq,
                f"event {event.seq} ({event.id}) was changed after it was written.",
            )
        prev_hash = event.hash
        expected_seq += 1
    head = session.get(VaultMeta, META_AUDIT_HEAD)
    last_seq = expected_seq - 1
    if head is not None and head.value != f"{last_seq}:{prev_hash}":
        recorded = head.value.split(":", 1)[0]
        return ChainReport(
            count,
            last_seq + 1,
            f"the newest recorded event is {recorded}, but the chain ends at {last_seq}.",
        )
    if head is None and count:
        return ChainReport(count, None, "the chain's head record is missing.")
    return ChainReport(count, None, None)
