"""Files attached to cases (scans of signed plans, on-screen signatures), on the hub.

A file is named by the SHA-256 of its bytes and travels in parts of ``protocol.CHUNK_BYTES``
(every part but the last exactly that long), so each request stays under the 1 MiB body
limit and a dropped connection costs one part. Its record (kind ``attachment``) syncs like
any other and says which file it holds; the bytes live here, in ``hub_blob_chunk``.

**Upload**, by any active device: declare the file (size, type; again changes nothing), send
the parts the answer says are missing, then complete. Completing joins the parts and checks
their SHA-256 and size; bytes that are not the file declared are dropped (422), so the next
attempt starts clean. A part sent again with the same bytes is accepted; with other bytes,
refused (409). The hub notes which parts each *user* has sent: an upload resumes from them,
and a user who has sent every part of a file has shown they hold it.

**Attaching** a file to a record (a pushed ``attachment``) needs the file complete on the hub
*and* the pusher to hold it: sent in full by them, or already attached to a record in their
scope. Knowing a SHA-256 is not enough, so nobody can attach someone else's file to a case of
their own in order to read it. Until then the push is refused with ``FILE_NOT_ON_HUB`` — the
same words whether the file is absent or only someone else's — and the device sends the file
and the record again.

**Reading** a file (its status, its parts) needs a live ``attachment`` record that names it in
a case the asker reaches; otherwise the answer is 404 with the words used for a file that is
not there. Every read and write is audited with the file's digest, never its content.

Known limit: parts of an unfinished upload are shared by everyone sending the same file, so a
device that sends wrong bytes for a part first makes later senders' part refused (409) until a
completion fails and drops them. Only a device that already has the SHA-256 can do that, and
it gains no bytes by it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from hubdesk.server.hub import Hub, Principal
from hubdesk.server.problems import Conflict, NotFound, Problem, TooLarge
from hubdesk.server.tables import Allocation, HubBlob, HubBlobChunk, HubBlobSent, HubRecord
from hubdesk.sync import protocol as p

#: How a part of a file travels, both ways.
CHUNK_MEDIA_TYPE = "application/octet-stream"


class NotDeclared(Problem):
    status, title, code = 404, "Not found", "not-declared"

    def __init__(self) -> None:
        super().__init__("This file has not been declared to the hub; declare it first.")


class NotOctets(Problem):
    status, title, code = 415, "Not a part of a file", "unsupported-media-type"

    def __init__(self) -> None:
        super().__init__(f"A part of a file is sent as {CHUNK_MEDIA_TYPE}.")


class NotTheFile(Problem):
    status, title, code = 422, "Not the file declared", "file-mismatch"

    def __init__(self) -> None:
        super().__init__(
            "The parts sent do not make the file declared (its SHA-256 or size differ), so "
            "they were dropped; send the file again."
        )


# Uploading -----------------------------------------------------------------------------------


def declare(hub: Hub, who: Principal, sha256: str, declared: p.BlobDeclaration) -> p.BlobStatus:
    """Say a file is coming (again changes nothing). An unfinished declaration with another
    size or type is replaced and its parts dropped: only the true size and type of the bytes
    named by the SHA-256 can ever complete."""
    with hub.unit() as session:
        _lock(session, sha256)
        blob = session.get(HubBlob, sha256)
        if blob is None:
            blob = HubBlob(sha256=sha256, complete=False, created_at=hub.clock())
            session.add(blob)
        elif (blob.size, blob.media_type) != (declared.size, declared.media_type):
            if blob.complete:
                raise Conflict("The hub holds this file with another size or type.")
            _drop_parts(session, sha256)
        blob.size, blob.media_type = declared.size, declared.media_type
        hub.write_audit(session, "blob-declare", who, kind="blob", record_id=sha256)
        session.flush()
        return _upload_status(session, who, blob)


def put_chunk(hub: Hub, who: Principal, sha256: str, index: int, data: bytes) -> p.BlobStatus:
    """Keep part ``index`` of a declared file; the same bytes again are accepted."""
    if len(data) > p.CHUNK_BYTES:
        raise TooLarge(f"A part of a file holds at most {p.size_in_words(p.CHUNK_BYTES)}.")
    with hub.unit() as session:
        _lock(session, sha256)
        blob = session.get(HubBlob, sha256)
        if blob is None:
            raise NotDeclared()
        parts = p.chunk_count(blob.size)
        if index >= parts:
            raise Conflict(f"This file has {parts} parts, numbered from 0: no part {index}.")
        expected = p.chunk_length(blob.size, index)
        if len(data) != expected:
            raise Conflict(
                f"Part {index} of this file holds {expected} bytes as declared, not {len(data)}."
            )
        stored = session.get(HubBlobChunk, (sha256, index))
        if stored is None:
            session.add(HubBlobChunk(sha256=sha256, index=index, data=data))
        elif bytes(stored.data) != data:
            raise Conflict(f"Part {index} of this file is already on the hub with other bytes.")
        if session.get(HubBlobSent, (sha256, who.user_id, index)) is None:
            session.add(HubBlobSent(sha256=sha256, user_id=who.user_id, index=index))
        hub.write_audit(session, "blob-part-put", who, kind="blob", record_id=f"{sha256}:{index}")
        session.flush()
        return _upload_status(session, who, blob)


def complete(hub: Hub, who: Principal, sha256: str) -> p.BlobStatus:
    """Check that the parts make the file declared. Once they do, a user who has sent every
    part holds it; parts that do not are dropped and the answer is 422."""
    with hub.unit() as session:
        _lock(session, sha256)
        blob = session.get(HubBlob, sha256)
        if blob is None:
            raise NotDeclared()
        sent = _sent(session, sha256, who.user_id)
        missing = [i for i in range(p.chunk_count(blob.size)) if i not in sent]
        if missing:
            raise Conflict(
                f"{len(missing)} parts of this file have not reached the hub from you yet "
                f"(the first is part {missing[0]})."
            )
        if not blob.complete:
            blob.complete = _parts_make(session, blob)
            if not blob.complete:
                _drop_parts(session, sha256)
        action = "blob-complete" if blob.complete else "blob-mismatch"
        hub.write_audit(session, action, who, kind="blob", record_id=sha256)
        session.flush()
        answer = _upload_status(session, who, blob)
    if not answer.complete:
        raise NotTheFile()  # after the transaction: the dropped parts stay dropped
    return answer


def _parts_make(session: Session, blob: HubBlob) -> bool:
    """Whether the parts held, in order, are exactly the declared file."""
    digest, size = hashlib.sha256(), 0
    parts = session.scalars(
        select(HubBlobChunk.data)
        .where(HubBlobChunk.sha256 == blob.sha256)
        .order_by(HubBlobChunk.index)
        .execution_options(yield_per=8)
    )
    for data in parts:
        digest.update(data)
        size += len(data)
    return size == blob.size and digest.hexdigest() == blob.sha256


def _drop_parts(session: Session, sha256: str) -> None:
    session.execute(delete(HubBlobChunk).where(HubBlobChunk.sha256 == sha256))
    session.execute(delete(HubBlobSent).where(HubBlobSent.sha256 == sha256))


def _sent(session: Session, sha256: str, user_id: int) -> set[int]:
    return set(
        session.scalars(
            select(HubBlobSent.index).where(
                HubBlobSent.sha256 == sha256, HubBlobSent.user_id == user_id
            )
        )
    )


def _holds(session: Session, user_id: int, blob: HubBlob) -> bool:
    """Whether this user has sent every part of this complete file."""
    if not blob.complete:
        return False
    sent = session.scalar(
        select(func.count())
        .select_from(HubBlobSent)
        .where(HubBlobSent.sha256 == blob.sha256, HubBlobSent.user_id == user_id)
    )
    return (sent or 0) == p.chunk_count(blob.size)


def _upload_status(session: Session, who: Principal, blob: HubBlob) -> p.BlobStatus:
    """The file as far as this user's upload goes: their parts, and whether they hold it."""
    sent = sorted(_sent(session, blob.sha256, who.user_id))
    return _status(blob, _holds(session, who.user_id, blob), sent)


def _status(blob: HubBlob, complete: bool, held: list[int]) -> p.BlobStatus:
    return p.BlobStatus(
        sha256=blob.sha256,
        size=blob.size,
        media_type=blob.media_type,
        complete=complete,
        chunk_bytes=p.CHUNK_BYTES,
        chunks=p.chunk_count(blob.size),
        chunks_held=held,
    )


def _lock(session: Session, sha256: str) -> None:
    """One writer per file at a time, to the end of the transaction (PostgreSQL: an advisory
    lock named by the digest; SQLite has one writer already). Two devices sending the same
    file then never both insert its first row or the same part."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# Reading -------------------------------------------------------------------------------------


def status(hub: Hub, who: Principal, sha256: str) -> p.BlobStatus:
    """A file attached to a record in the asker's scope (404 otherwise); audited. A read
    (``Hub.reading``), like a pull."""
    with hub.reading() as session:
        blob = _readable(session, who, sha256)
        held = list(
            session.scalars(
                select(HubBlobChunk.index)
                .where(HubBlobChunk.sha256 == sha256)
                .order_by(HubBlobChunk.index)
            )
        )
        hub.write_audit(session, "blob-read", who, kind="blob", record_id=sha256)
        return _status(blob, blob.complete, held)


def chunk(hub: Hub, who: Principal, sha256: str, index: int) -> bytes:
    """One part of a file attached to a record in the asker's scope (404 otherwise); each
    part read is audited. A read (``Hub.reading``), like a pull."""
    with hub.reading() as session:
        _readable(session, who, sha256)
        part = session.get(HubBlobChunk, (sha256, index))
        if part is None:
            raise NotFound("part of this file")
        hub.write_audit(session, "blob-part-read", who, kind="blob", record_id=f"{sha256}:{index}")
        return bytes(part.data)


def _readable(session: Session, who: Principal, sha256: str) -> HubBlob:
    """The file, if a live attachment in a case the asker reaches names it; else 404 with
    the words for a file that is not there."""
    blob = session.get(HubBlob, sha256)
    if blob is None or not _attached_in_scope(session, who, sha256):
        raise NotFound("file")
    return blob


def _attached_in_scope(session: Session, who: Principal, sha256: str) -> bool:
    """Whether a live ``attachment`` record naming this file belongs to a case the asker
    reaches (the pull's scope: attachments always belong to a case)."""
    cases = session.scalars(
        select(HubRecord.young_person_id).where(
            HubRecord.kind == "attachment",
            HubRecord.deleted.is_(False),
            HubRecord.content["sha256"].as_string() == sha256,
        )
    )
    for young_person_id in set(cases):
        allocation = session.get(Allocation, young_person_id) if young_person_id else None
        if allocation is not None and Hub._reaches(who, allocation):
            return True
    return False


# Attaching (the push rule) -------------------------------------------------------------------


def attachment_refusal(
    session: Session, who: Principal, m: p.Mutation, row: HubRecord | None
) -> str | None:
    """Why a pushed ``attachment`` record may not be applied (None when it may): it is never
    changed once on the hub, and its file must be complete here and held by the pusher."""
    if m.op != "create":
        return "An attachment is never changed or removed once it is on the hub."
    if row is not None:
        return None  # the same record again, or a conflict: the push's own rules decide
    sha256 = m.content.get("sha256")
    if not isinstance(sha256, str) or not re.fullmatch(p.SHA256_PATTERN, sha256):
        return "This attachment does not say which file it holds."
    blob = session.get(HubBlob, sha256)
    if (
        blob is None
        or not blob.complete
        or not (_holds(session, who.user_id, blob) or _attached_in_scope(session, who, sha256))
    ):
        return p.FILE_NOT_ON_HUB
    if not _describes(m.content, blob):
        return "This attachment's size or type differs from its file on the hub."
    return None


def _describes(content: dict[str, Any], blob: HubBlob) -> bool:
    return content.get("size") == blob.size and content.get("media_type") == blob.media_type
