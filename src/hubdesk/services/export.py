"""Subject access export: every record in the vault, or one young person's, as readable JSON.

The file is not encrypted — the one deliberate exception besides exported PDFs — so the caller
warns the user, and the export is written to the audit trail. Order of work: gather in a read
transaction (no write lock held while serialising), write a private temporary file, commit the
audit event, and only then move the file into place; if the audit cannot be written there is
no export.

A one-person export holds everything that person owns (tombstoned records included, marked by
``deleted_at``), the contexts linked to them and the audit events about those records. It does
not include contextual safety plans or context meetings: they concern places and other young
people, and need a person's review for third-party data before they are shared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk import __version__
from hubdesk.models import RECORD_KINDS, AuditEvent, YoungPerson
from hubdesk.services.base import ServiceBase
from hubdesk.services.ownership import linked_contexts, owned_records
from hubdesk.services.records import as_dict
from hubdesk.store.files import publish, write_temp

NOT_ENCRYPTED_WARNING = (
    "This export is NOT encrypted: anyone who gets the file can read it. Keep it somewhere "
    "safe and delete it when it is no longer needed."
)


class ExportService(ServiceBase):
    def export_json(self, out: Path, young_person_id: str | None = None) -> dict[str, int]:
        """Write the export and audit it; returns the number of records by kind."""
        with self.read() as session:
            if young_person_id is None:
                records = {
                    kind: [as_dict(r) for r in session.execute(select(cls)).scalars()]
                    for kind, cls in RECORD_KINDS.items()
                }
            else:
                self.get(session, YoungPerson, young_person_id)
                records = _one_person(session, young_person_id)
            ids = (
                None
                if young_person_id is None
                else {r["id"] for rows in records.values() for r in rows}
            )
            events = [
                as_dict(e)
                for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
                if ids is None or e.record_id in ids
            ]
        document: dict[str, Any] = {
            "format": "hubdesk-export",
            "format_version": 1,
            "app_version": __version__,
            "exported_at": self.clock().isoformat(),
            "scope": "young_person" if young_person_id else "vault",
            "records": records,
            "audit_events": events,
        }
        tmp = write_temp(out.parent, json.dumps(document, indent=2, ensure_ascii=False).encode())
        try:
            with self.write() as session:
                if young_person_id is None:
                    self.audit(session, "export", None, "full vault export")
                else:
                    subject = self.get(session, YoungPerson, young_person_id)
                    self.audit(session, "export", subject, "subject access export")
            publish(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return {kind: len(rows) for kind, rows in records.items()}


def _one_person(session: Session, young_person_id: str) -> dict[str, list[dict[str, Any]]]:
    owned = owned_records(session, young_person_id)
    owned["context"] = list(linked_contexts(session, young_person_id))
    return {kind: [as_dict(r) for r in owned[kind]] for kind in RECORD_KINDS}
