"""Database records (SQLAlchemy 2 typed ORM) and the rules that belong to one record."""

from sqlalchemy import Index, Table

from hubdesk.models.attachment import Attachment, AttachmentBlob, AttachmentChunk
from hubdesk.models.audit import AuditEvent
from hubdesk.models.base import Base, Record
from hubdesk.models.contexts import Context, ContextLink
from hubdesk.models.meta import SearchDoc, VaultMeta
from hubdesk.models.missing import MissingEpisode, ReturnInterview
from hubdesk.models.notes import Addendum, ContactNote
from hubdesk.models.outbox import OutboxEntry, OutboxSent
from hubdesk.models.people import YoungPerson
from hubdesk.models.plans import PlanAction, PlanVersion, SafetyPlan
from hubdesk.models.screening import Screening, ScreeningDefinition
from hubdesk.models.sync_state import SyncBase, SyncConflict
from hubdesk.models.work import InformationShare, Intervention, Meeting, NRMReferral

#: Every synced record kind, by the name used in audit events, exports and (later) sync.
RECORD_KINDS: dict[str, type[Record]] = {
    cls.__tablename__: cls
    for cls in (
        YoungPerson,
        Context,
        ContextLink,
        Screening,
        SafetyPlan,
        PlanVersion,
        PlanAction,
        ContactNote,
        Addendum,
        MissingEpisode,
        ReturnInterview,
        Meeting,
        Intervention,
        NRMReferral,
        InformationShare,
        Attachment,
    )
}

#: Kinds whose records belong to a case through another record: the column naming that record,
#: and its kind (a plan action through its version, then the version's plan). The rest hold
#: their case's ``young_person_id`` themselves, or are the case (a young person), or belong to
#: a team (a context).
CASE_PARENTS: dict[str, tuple[str, str]] = {
    "plan_version": ("plan_id", "safety_plan"),
    "plan_action": ("plan_version_id", "plan_version"),
    "addendum": ("note_id", "contact_note"),
    "return_interview": ("episode_id", "missing_episode"),
}


def _sync_index(kind: str, cls: type[Record]) -> Index:
    """Sync reads (id, hub sequence, deleted, whose case, record hash) of every record of a
    kind the hub has: its check adds up the hashes at every sync, and a kind's resync reads
    the rest in id order. This index holds exactly those, so the reads touch its pages only,
    never the records'. Only records the hub has are in it (a record's first hub sequence is
    an entry added, not moved). Made in migration 0009, the hash added in 0010."""
    table = cls.__table__
    assert isinstance(table, Table)
    link = CASE_PARENTS[kind][0] if kind in CASE_PARENTS else "young_person_id"
    columns = [table.c.id, table.c.server_seq, table.c.deleted_at]
    if link in table.c:
        columns.append(table.c[link])
    columns.append(table.c.sync_hash)
    return Index(f"ix_{kind}_synced", *columns, sqlite_where=table.c.server_seq.is_not(None))


SYNC_INDEXES = [_sync_index(kind, cls) for kind, cls in RECORD_KINDS.items()]

__all__ = [
    "CASE_PARENTS",
    "RECORD_KINDS",
    "SYNC_INDEXES",
    "Addendum",
    "Attachment",
    "AttachmentBlob",
    "AttachmentChunk",
    "AuditEvent",
    "Base",
    "ContactNote",
    "Context",
    "ContextLink",
    "InformationShare",
    "Intervention",
    "Meeting",
    "MissingEpisode",
    "NRMReferral",
    "OutboxEntry",
    "OutboxSent",
    "PlanAction",
    "PlanVersion",
    "Record",
    "ReturnInterview",
    "SafetyPlan",
    "Screening",
    "ScreeningDefinition",
    "SearchDoc",
    "SyncBase",
    "SyncConflict",
    "VaultMeta",
    "YoungPerson",
]
