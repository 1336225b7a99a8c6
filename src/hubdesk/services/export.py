"""Subject access export: every record in the vault, or one young person's, as readable JSON.

The file is not encrypted — the one deliberate exception besides exported PDFs — so the caller
warns the user, and the export itself is written to the audit trail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hubdesk import __version__
from hubdesk.models import RECORD_KINDS, AuditEvent, Context, YoungPerson
from hubdesk.services.base import ServiceBase
from hubdesk.services.cases import load_case_file
from hubdesk.services.records import as_dict
from hubdesk.store.files import write_private

NOT_ENCRYPTED_WARNING = (
    "This export is NOT encrypted: anyone who gets the file can read it. Keep it somewhere "
    "safe and delete it when it is no longer needed."
)


class ExportService(ServiceBase):
    def export_json(self, out: Path, young_person_id: str | None = None) -> dict[str, int]:
        """Write the export and audit it; returns the number of records by kind."""
        with self.write() as session:
            if young_person_id is None:
                records = {
                    kind: [as_dict(r) for r in session.execute(select(cls)).scalars()]
                    for kind, cls in RECORD_KINDS.items()
                }
                ids = None
            else:
                records = self._one_person(session, young_person_id)
                ids = {r["id"] for rows in records.values() for r in rows}
            audit_query = select(AuditEvent).order_by(AuditEvent.seq)
            events = [
                as_dict(e)
                for e in session.execute(audit_query).scalars()
                if ids is None or e.record_id in ids
            ]
            subject = self.get(session, YoungPerson, young_person_id) if young_person_id else None
            self.audit(
                session,
                "export",
                subject,
                "subject access export" if subject else "full vault export",
            )
            document: dict[str, Any] = {
                "format": "hubdesk-export",
                "format_version": 1,
                "app_version": __version__,
                "exported_at": self.clock().isoformat(),
                "scope": "young_person" if young_person_id else "vault",
                "records": records,
                "audit_events": events,
            }
            write_private(out, json.dumps(document, indent=2, ensure_ascii=False).encode())
        return {kind: len(rows) for kind, rows in records.items()}

    def _one_person(self, session: Any, young_person_id: str) -> dict[str, list[dict[str, Any]]]:
        person = self.get(session, YoungPerson, young_person_id)
        case = load_case_file(session, person)
        versions = [v for p in case.plans for v in p.versions]
        contexts: list[Context] = [link.context for link in case.context_links]
        return {
            "young_person": [as_dict(person)],
            "context": [as_dict(c) for c in contexts],
            "context_link": [as_dict(x) for x in case.context_links],
            "screening": [as_dict(x) for x in case.screenings],
            "safety_plan": [as_dict(x) for x in case.plans],
            "plan_version": [as_dict(v) for v in versions],
            "plan_action": [as_dict(a) for v in versions for a in v.actions],
            "contact_note": [as_dict(x) for x in case.notes],
            "addendum": [as_dict(a) for n in case.notes for a in n.addenda],
            "missing_episode": [as_dict(x) for x in case.episodes],
            "return_interview": [as_dict(x) for x in case.interviews],
            "meeting": [as_dict(x) for x in case.meetings],
            "intervention": [as_dict(x) for x in case.interventions],
            "nrm_referral": [as_dict(x) for x in case.nrm_referrals],
            "information_share": [as_dict(x) for x in case.information_shares],
        }
