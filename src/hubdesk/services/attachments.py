"""Files attached to a case: scans of signed plans and signatures drawn on screen.

:class:`AttachmentService` is the use case: attach a file (its bytes and its record in one
transaction, so the record is never queued for the hub without its bytes), read it back, list
a case's files, save one out to a file the practitioner chooses (audited, like an export).

A file is refused in words when it is empty, larger than ``protocol.MAX_ATTACHMENT_BYTES``,
of a type other than PDF, PNG or JPEG, or not what it says it is (its first bytes are
checked, not its name). Its bytes are kept once per SHA-256 in ``attachment_blob``, inside the
encrypted database; erasing a case removes them once no other record names them.

:class:`AttachmentShelf` is the vault's side of moving files to and from the hub, for
``sync.attachments``: which files to send or fetch, parts kept as they arrive, a file kept
only once its SHA-256 checks out. It works through the sync service's own sessions, so a sync
that can be stopped (the desktop's) stops these steps too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PureWindowsPath

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hubdesk import ids
from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import (
    Attachment,
    AttachmentBlob,
    AttachmentChunk,
    OutboxEntry,
    OutboxSent,
    PlanVersion,
    SafetyPlan,
    YoungPerson,
)
from hubdesk.models.attachment import AttachmentPurpose
from hubdesk.services.base import ServiceBase, choice
from hubdesk.store.files import publish, write_temp
from hubdesk.sync import protocol as p

#: How each allowed type of file begins.
SIGNATURES = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
TYPE_WORDS = {"application/pdf": "a PDF", "image/png": "a PNG image", "image/jpeg": "a JPEG image"}
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def media_type_of(data: bytes) -> str | None:
    """The allowed type these bytes are (by how they begin), or None."""
    return next((kind for kind, magic in SIGNATURES.items() if data.startswith(magic)), None)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    young_person_id: str
    plan_version_id: str | None
    sha256: str
    size: int
    media_type: str
    purpose: AttachmentPurpose
    filename: str
    created_at: datetime
    #: Whether the bytes are on this laptop (a file synced from the hub arrives after its
    #: record, at the end of the sync).
    held: bool


class AttachmentService(ServiceBase):
    def add(
        self,
        young_person_id: str,
        data: bytes,
        media_type: str,
        purpose: str,
        filename: str,
        plan_version_id: str | None = None,
    ) -> str:
        """Attach a file to a young person's case; the new record's id."""
        _check_file(data, media_type)
        why = choice(AttachmentPurpose, purpose, "purpose of the file")
        name = clean_filename(filename)
        digest = sha256_of(data)
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            if plan_version_id is not None:
                self._check_plan_version(session, plan_version_id, young_person_id)
            if session.get(AttachmentBlob, digest) is None:
                session.add(AttachmentBlob(sha256=digest, data=data))
            record = Attachment(
                young_person_id=young_person_id,
                plan_version_id=plan_version_id,
                sha256=digest,
                size=len(data),
                media_type=media_type,
                purpose=why,
                filename=name,
            )
            session.add(record)
            self.audit(session, "create", record)
            return record.id

    def _check_plan_version(
        self, session: Session, plan_version_id: str, young_person_id: str
    ) -> None:
        version = self.get(session, PlanVersion, plan_version_id)
        plan = session.get(SafetyPlan, version.plan_id)
        if plan is None or plan.young_person_id != young_person_id:
            raise DomainError("That plan version is not one of this young person's plans.")

    def data(self, record_id: str) -> bytes:
        """The attached file's bytes."""
        with self.read() as session:
            record = self.get(session, Attachment, record_id)
            blob = session.get(AttachmentBlob, record.sha256)
            if blob is None:
                raise DomainError(
                    "The file for this attachment has not arrived from the hub yet; sync, "
                    "then try again."
                )
            return bytes(blob.data)

    def save_to(self, record_id: str, path: Path) -> int:
        """Write the attached file to a new file at ``path`` (the one copy outside the vault,
        where the practitioner chose; mode 0600, written whole or not at all), audited like an
        export; how many bytes were written."""
        data = self.data(record_id)
        if path.exists():
            raise DomainError(f"{path} already exists; choose another name.")
        try:
            tmp = write_temp(path.parent, data)
        except OSError as exc:
            raise DomainError(f"{path} could not be written ({exc.strerror}).") from None
        try:
            with self.write() as session:
                record = self.get(session, Attachment, record_id)
                self.audit(session, "export", record, "attachment saved to a file")
            publish(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return len(data)

    def for_case(self, young_person_id: str) -> list[AttachmentInfo]:
        """A young person's attached files, oldest first."""
        with self.read() as session:
            self.get(session, YoungPerson, young_person_id)
            held = set(session.scalars(select(AttachmentBlob.sha256)))
            rows = session.scalars(
                select(Attachment)
                .where(
                    Attachment.young_person_id == young_person_id,
                    Attachment.deleted_at.is_(None),
                )
                .order_by(Attachment.created_at, Attachment.id)
            )
            return [_info(r, r.sha256 in held) for r in rows]


def _check_file(data: bytes, media_type: str) -> None:
    if media_type not in p.ATTACHMENT_MEDIA_TYPES:
        raise DomainError("A file attached to a case is a PDF, a PNG image or a JPEG image.")
    if not data:
        raise DomainError("This file is empty; there is nothing to attach.")
    if len(data) > p.MAX_ATTACHMENT_BYTES:
        raise DomainError(
            f"This file is larger than {p.size_in_words(p.MAX_ATTACHMENT_BYTES)}, the most a "
            "file attached to a case may hold."
        )
    if not data.startswith(SIGNATURES[media_type]):
        raise DomainError(f"This file is not {TYPE_WORDS[media_type]}, as it was said to be.")


def clean_filename(name: str) -> str:
    """The last part of a name, without control characters, at most 255 characters: it is
    only ever shown, never used as a path."""
    last = PureWindowsPath(name.replace("/", "\\")).name
    cleaned = _UNSAFE_IN_NAME.sub("", last).strip()
    return cleaned[:255] or "attached file"


def _info(record: Attachment, held: bool) -> AttachmentInfo:
    return AttachmentInfo(
        id=record.id,
        young_person_id=record.young_person_id,
        plan_version_id=record.plan_version_id,
        sha256=record.sha256,
        size=record.size,
        media_type=record.media_type,
        purpose=record.purpose,
        filename=record.filename,
        created_at=record.created_at,
        held=held,
    )


def drop_unnamed_files(session: Session, sha256s: list[str]) -> None:
    """Remove the bytes (and any parts still arriving) of these files unless a record still
    names them: erasure calls this after removing a case's attachments."""
    named = select(Attachment.sha256)
    for table in (AttachmentBlob, AttachmentChunk):
        session.execute(delete(table).where(table.sha256.in_(sha256s), table.sha256.not_in(named)))


# Moving files to and from the hub --------------------------------------------------------------


@dataclass(frozen=True)
class FileToMove:
    sha256: str
    size: int
    media_type: str


def files_to_upload(session: Session) -> list[FileToMove]:
    """Files held here whose records wait to be sent: queued, or refused by the hub because
    the file had not reached it. (Read with what a sync starts from: ``SyncService.standing``.)"""
    return [FileToMove(*row) for row in session.connection().execute(_TO_UPLOAD)]


def files_to_download(session: Session) -> list[FileToMove]:
    """Files named by live records here whose bytes are not here yet. (Read with what the
    check reads after a pull: ``SyncService.holdings``.)"""
    return [FileToMove(*row) for row in session.connection().execute(_TO_DOWNLOAD)]


# Read at every sync: built once, run as plain statements.
_WAITING_FILES = select(OutboxEntry.record_id).where(
    OutboxEntry.kind == "attachment",
    (OutboxEntry.state == "pending")
    | ((OutboxEntry.state == "rejected") & (OutboxEntry.reason == p.FILE_NOT_ON_HUB)),
)
_TO_UPLOAD = (
    select(Attachment.sha256, Attachment.size, Attachment.media_type)
    .join(AttachmentBlob, AttachmentBlob.sha256 == Attachment.sha256)
    .where(Attachment.id.in_(_WAITING_FILES))
    .distinct()
    .order_by(Attachment.sha256)
)
_TO_DOWNLOAD = (
    select(Attachment.sha256, Attachment.size, Attachment.media_type)
    .outerjoin(AttachmentBlob, AttachmentBlob.sha256 == Attachment.sha256)
    .where(Attachment.deleted_at.is_(None), AttachmentBlob.sha256.is_(None))
    .distinct()
    .order_by(Attachment.sha256)
)


class AttachmentShelf:
    """The vault's side of moving attached files (``sync.attachments``), each step one
    transaction through ``sessions`` (the sync service, guarded when the desktop syncs)."""

    def __init__(self, sessions: ServiceBase) -> None:
        self.sessions = sessions

    def blob(self, sha256: str) -> bytes:
        with self.sessions.read() as session:
            blob = session.get(AttachmentBlob, sha256)
            if blob is None:
                raise NotFoundError("That file is no longer on this laptop.")
            return bytes(blob.data)

    def sent(self, sha256: str) -> int:
        """The file is on the hub: records refused because it was not are queued again, as
        new changes (the hub keeps its first answer to a change id); how many."""
        with self.sessions.write() as session:
            rows = session.scalars(
                select(OutboxEntry)
                .join(Attachment, Attachment.id == OutboxEntry.record_id)
                .where(
                    OutboxEntry.kind == "attachment",
                    OutboxEntry.state == "rejected",
                    OutboxEntry.reason == p.FILE_NOT_ON_HUB,
                    Attachment.sha256 == sha256,
                )
            ).all()
            for row in rows:
                row.mutation_id = ids.ordered_id()
                row.state, row.reason = "pending", None
            session.execute(delete(OutboxSent).where(OutboxSent.seq.in_([r.seq for r in rows])))
            return len(rows)

    def parts_held(self, sha256: str) -> set[int]:
        with self.sessions.read() as session:
            return set(
                session.scalars(
                    select(AttachmentChunk.index).where(AttachmentChunk.sha256 == sha256)
                )
            )

    def keep_part(self, sha256: str, index: int, data: bytes) -> None:
        with self.sessions.write() as session:
            if session.get(AttachmentChunk, (sha256, index)) is None:
                session.add(AttachmentChunk(sha256=sha256, index=index, data=data))

    def finish(self, sha256: str, size: int) -> bool:
        """Join the parts held; keep the file if they are exactly it (its SHA-256 and size),
        else drop them to fetch again. The parts go either way; True when the file is kept."""
        with self.sessions.write() as session:
            parts = session.scalars(
                select(AttachmentChunk)
                .where(AttachmentChunk.sha256 == sha256)
                .order_by(AttachmentChunk.index)
            ).all()
            data = b"".join(bytes(part.data) for part in parts)
            whole = [part.index for part in parts] == list(range(p.chunk_count(size)))
            good = whole and len(data) == size and sha256_of(data) == sha256
            if good and session.get(AttachmentBlob, sha256) is None:
                session.add(AttachmentBlob(sha256=sha256, data=data))
            session.execute(delete(AttachmentChunk).where(AttachmentChunk.sha256 == sha256))
            return good
