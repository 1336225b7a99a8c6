"""Database records (SQLAlchemy 2 typed ORM) and the rules that belong to one record."""

from hubdesk.models.attachment import Attachment, AttachmentBlob, AttachmentChunk
from hubdesk.models.audit import AuditEvent
from hubdesk.models.base import Base, Record
from hubdesk.models.contexts import Context, ContextLink
from hubdesk.models.meta import SearchDoc, VaultMeta
from hubdesk.models.missing import MissingEpisode, ReturnInterview
from hubdesk.models.notes import Addendum, ContactNote
from hubdesk.models.outbox import OutboxEntry
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

__all__ = [
    "RECORD_KINDS",
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
