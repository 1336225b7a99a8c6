"""Files attached to a case: a scan of a signed plan, or a signature drawn on screen.

The record (``attachment``) is metadata only and syncs like every record: which file (the
SHA-256 of its bytes), its size and type, what it is for, the name it was given, whose case it
belongs to and, for a signed plan, which plan version. It never changes once made: a file is
its bytes, so a different scan is a new attachment.

The bytes are kept once per file in ``attachment_blob``, inside the encrypted database (never
a file in clear on disk), whichever records name them. ``attachment_chunk`` holds the parts of
a file still arriving from the hub, so a dropped connection resumes where it stopped.
Neither is a synced record.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import Base, EnumText, Record


class AttachmentPurpose(enum.StrEnum):
    SIGNED_PLAN_SCAN = "signed_plan_scan"
    SIGNATURE = "signature"


class Attachment(Record):
    __tablename__ = "attachment"
    label: ClassVar[str] = "attachment"

    young_person_id: Mapped[str] = mapped_column(ForeignKey("young_person.id"), index=True)
    plan_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("plan_version.id"), index=True, default=None
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[AttachmentPurpose] = mapped_column(EnumText(AttachmentPurpose))
    #: Shown to people only; never used as a path.
    filename: Mapped[str] = mapped_column(String(255))

    @classmethod
    def frozen_in(cls, status: object) -> bool:
        return True


class AttachmentBlob(Base):
    """A whole file, verified against its SHA-256 before it is kept."""

    __tablename__ = "attachment_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AttachmentChunk(Base):
    """A part of a file still arriving from the hub (``protocol.CHUNK_BYTES`` each)."""

    __tablename__ = "attachment_chunk"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
