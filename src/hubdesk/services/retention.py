"""Legal holds and erasure under a retention rule.

Erasure is the one way records leave the vault: only for a closed case, never under a legal
hold, always with the retention rule and a reason, and audited. It deletes the rows outright
(Core statements, past the frozen-record guard on purpose), removes their search entries, and
checkpoints the WAL so no page image of them is left behind; ``secure_delete`` zeroes the freed
pages. Contexts stay: they are shared with other young people. Audit events stay too: they
record that the erasure happened, and hold no case content.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.models import (
    RECORD_KINDS,
    Attachment,
    AuditEvent,
    OutboxEntry,
    SyncBase,
    SyncConflict,
    VaultMeta,
    YoungPerson,
)
from hubdesk.models.enums import CaseStatus
from hubdesk.services.attachments import drop_unnamed_files
from hubdesk.services.base import ServiceBase, required_text
from hubdesk.services.drafts import DRAFT_KINDS
from hubdesk.services.drafts import PREFIX as DRAFT_PREFIX
from hubdesk.services.ownership import INDEXED_KINDS, OWNED_KINDS, owned_records
from hubdesk.store import search

log = logging.getLogger(__name__)


class RetentionService(ServiceBase):
    def set_legal_hold(self, young_person_id: str, *, on: bool, reason: str) -> None:
        why = required_text(reason, "why the legal hold is placed or lifted")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            if person.legal_hold == on:
                state = "under a legal hold" if on else "not under a legal hold"
                raise DomainError(f"This young person's records are {state} already.")
            person.legal_hold = on
            self.audit(session, "legal_hold_on" if on else "legal_hold_off", person, why)

    def erase_young_person(self, young_person_id: str, *, rule: str, reason: str) -> int:
        """Erase every record of one young person; returns how many rows went."""
        rule_text = required_text(rule, "the retention rule that allows the erasure")
        why = required_text(reason, "why the records are being erased")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            if person.legal_hold:
                raise DomainError(
                    "These records are under a legal hold, so they cannot be erased. "
                    "The hold must be lifted first."
                )
            if person.status is not CaseStatus.CLOSED:
                raise DomainError("Only a closed case can be erased; close the case first.")
            erased = erase_case(session, young_person_id)
            # The event keeps the erased young person's id and the rule, never their content.
            self.audit(
                session,
                "erase",
                None,
                f"{rule_text}: {why}",
                kind="young_person",
                record_id=young_person_id,
            )
        self._checkpoint()
        return erased

    def _checkpoint(self) -> None:
        """Fold the WAL back and truncate it, so no page image of erased rows is left there."""
        for _ in range(2):
            with self.vault.engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if busy is not None and busy[0] == 0:
                return
            self.vault.engine.dispose()  # let go of idle pooled readers, then try again
        log.warning("WAL checkpoint after erasure was busy; it completes at the next close")
        raise DomainError(
            "The records are erased, but another HubDesk window is reading the vault, so the "
            "last traces are cleared when it closes. Close other HubDesk windows now."
        )


def erase_case(session: Session, pid: str) -> int:
    """Remove every record of one young person's case from the vault, with what refers to
    their content (search entries, drafts, queued changes, sync bases and conflicts, typed
    audit reasons, attached files' bytes); how many records went. The caller commits."""
    owned = owned_records(session, pid)
    ids = {kind: [r.id for r in owned[kind]] for kind in OWNED_KINDS}
    for kind in INDEXED_KINDS:
        for record_id in ids[kind]:
            search.unindex(session, record_id)
    session.flush()
    everything = [i for kind in OWNED_KINDS for i in ids[kind]]
    # Reasons typed into audit events about these records are personal data too; the chain
    # keeps a digest of each, so it still verifies once the text is gone.
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.record_id.in_(everything), AuditEvent.reason_digest.is_not(None))
        .values(reason=None)
    )
    # Unsent drafts (an addendum being written) about these records go with them.
    session.execute(
        delete(VaultMeta).where(
            VaultMeta.key.in_([f"{DRAFT_PREFIX}{k}:{i}" for k in DRAFT_KINDS for i in everything])
        )
    )
    # Queued changes hold the records' content: they go too, sent or not.
    session.execute(delete(OutboxEntry).where(OutboxEntry.record_id.in_(everything)))
    # So do the hub's last copies and any conflicts kept about them.
    session.execute(delete(SyncBase).where(SyncBase.record_id.in_(everything)))
    session.execute(delete(SyncConflict).where(SyncConflict.record_id.in_(everything)))
    files = sorted({r.sha256 for r in owned["attachment"] if isinstance(r, Attachment)})
    session.expunge_all()
    erased = 0
    for kind in OWNED_KINDS:
        cls = RECORD_KINDS[kind]
        result = session.execute(delete(cls).where(cls.id.in_(ids[kind])))
        erased += int(getattr(result, "rowcount", 0))
    # The attached files' bytes go with the last record naming them.
    drop_unnamed_files(session, files)
    return erased
