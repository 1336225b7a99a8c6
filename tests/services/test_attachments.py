"""AttachmentService: a scan or a signature attached to a case, kept inside the vault, refused
in words when it is not a file HubDesk takes, never changed once attached, and queued for the
hub like any record."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import Attachment, AttachmentBlob, AuditEvent, OutboxEntry
from hubdesk.models.attachment import AttachmentPurpose
from hubdesk.services import Services
from hubdesk.services.attachments import clean_filename, media_type_of
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from tests.services.helpers import stored

NOW = datetime(2025, 5, 6, 14, 0, tzinfo=UTC)
FAKER_SEED = 5151
PDF = b"%PDF-1.7\n% a signed plan, scanned\n"
PNG = b"\x89PNG\r\n\x1a\n signature strokes"
JPEG = b"\xff\xd8\xff\xe0 photo of a signed page"


def test_a_scan_is_kept_in_the_vault_and_queued_for_the_hub(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan = fixed.plans.create(young_person_id=pid)
    version = fixed.plans.save_draft(plan, content={"what_i_want": "To feel safe"})
    record = fixed.attachments.add(
        pid, PDF, "application/pdf", "signed_plan_scan", "plan.pdf", plan_version_id=version
    )
    kept = stored(vault, Attachment, record)
    assert (kept.young_person_id, kept.plan_version_id, kept.size, kept.filename) == (
        pid,
        version,
        len(PDF),
        "plan.pdf",
    )
    assert kept.purpose is AttachmentPurpose.SIGNED_PLAN_SCAN
    assert fixed.attachments.data(record) == PDF
    with vault.read() as session:
        queued = session.scalars(select(OutboxEntry).where(OutboxEntry.record_id == record)).one()
        created = session.scalars(select(AuditEvent).where(AuditEvent.record_id == record)).one()
    assert (queued.kind, queued.op, queued.young_person_id) == ("attachment", "create", pid)
    assert queued.content["sha256"] == kept.sha256
    assert "data" not in queued.content  # metadata only: the bytes travel in parts
    assert created.action == "create"


def test_the_same_file_twice_is_kept_once(fixed: Services, vault: Vault, pid: str) -> None:
    first = fixed.attachments.add(pid, PNG, "image/png", "signature", "a.png")
    second = fixed.attachments.add(pid, PNG, "image/png", "signature", "b.png")
    with vault.read() as session:
        assert len(session.scalars(select(AttachmentBlob)).all()) == 1
    found = fixed.attachments.for_case(pid)
    assert [(a.id, a.filename, a.held) for a in found] == [
        (first, "a.png", True),
        (second, "b.png", True),
    ]


@pytest.mark.parametrize(
    ("data", "media_type", "words"),
    [
        (b"", "application/pdf", "This file is empty; there is nothing to attach."),
        (PNG, "application/pdf", "This file is not a PDF, as it was said to be."),
        (PDF, "image/jpeg", "This file is not a JPEG image, as it was said to be."),
        (PDF, "text/plain", "A file attached to a case is a PDF, a PNG image or a JPEG image."),
        (
            PDF + bytes(p.MAX_ATTACHMENT_BYTES),
            "application/pdf",
            "This file is larger than 20 MiB, the most a file attached to a case may hold.",
        ),
    ],
)
def test_a_file_hubdesk_does_not_take_is_refused_in_words(
    fixed: Services, vault: Vault, pid: str, data: bytes, media_type: str, words: str
) -> None:
    with pytest.raises(DomainError) as refused:
        fixed.attachments.add(pid, data, media_type, "signature", "x")
    assert refused.value.message == words
    assert fixed.attachments.for_case(pid) == []


def test_a_file_exactly_at_the_limit_is_taken(fixed: Services, pid: str) -> None:
    data = JPEG + bytes(p.MAX_ATTACHMENT_BYTES - len(JPEG))
    record = fixed.attachments.add(pid, data, "image/jpeg", "signed_plan_scan", "big.jpg")
    assert fixed.attachments.data(record) == data


def test_a_purpose_case_or_plan_version_that_does_not_fit_is_refused(
    fixed: Services, pid: str
) -> None:
    with pytest.raises(DomainError) as purpose:
        fixed.attachments.add(pid, PNG, "image/png", "photo", "x.png")
    assert purpose.value.message == (
        "Unknown purpose of the file: photo. Choose one of: signed plan scan, signature."
    )
    with pytest.raises(NotFoundError):
        fixed.attachments.add("no-such-person", PNG, "image/png", "signature", "x.png")
    someone_else = fixed.cases.add(given_name="Ola", family_name="Nowak")
    plan = fixed.plans.create(young_person_id=someone_else)
    version = fixed.plans.save_draft(plan, content={"what_i_want": "x"})
    with pytest.raises(DomainError) as theirs:
        fixed.attachments.add(
            pid, PDF, "application/pdf", "signed_plan_scan", "x.pdf", plan_version_id=version
        )
    assert theirs.value.message == "That plan version is not one of this young person's plans."


def test_an_attachment_never_changes(fixed: Services, vault: Vault, pid: str) -> None:
    record = fixed.attachments.add(pid, PNG, "image/png", "signature", "sig.png")

    def rename() -> None:
        with vault.write() as session:
            found = session.get(Attachment, record)
            assert found is not None
            found.filename = "renamed.png"

    with pytest.raises(DomainError) as refused:
        rename()
    assert refused.value.message == "This attachment is frozen and cannot be edited."
    assert stored(vault, Attachment, record).filename == "sig.png"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\amy\\Desktop\\scan 1.pdf", "scan 1.pdf"),
        ("sig\x07na\x1bture.png", "signature.png"),
        ("   ", "attached file"),
        ("a" * 300 + ".pdf", "a" * 255),
    ],
)
def test_a_file_name_is_only_ever_shown_so_it_is_cleaned(given: str, shown: str) -> None:
    assert clean_filename(given) == shown


def test_a_file_type_is_read_from_its_first_bytes() -> None:
    assert [media_type_of(d) for d in (PDF, PNG, JPEG, b"GIF89a", b"")] == [
        "application/pdf",
        "image/png",
        "image/jpeg",
        None,
        None,
    ]


def test_saving_a_file_out_writes_it_once_and_is_audited(
    fixed: Services, vault: Vault, pid: str, tmp_path: Path
) -> None:
    record = fixed.attachments.add(pid, PDF, "application/pdf", "signed_plan_scan", "p.pdf")
    folder = tmp_path / "chosen"
    folder.mkdir()
    out = folder / "saved.pdf"
    assert fixed.attachments.save_to(record, out) == len(PDF)
    assert out.read_bytes() == PDF
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data: this user only
    assert list(folder.iterdir()) == [out]  # no temporary file left behind
    with pytest.raises(DomainError) as exists:
        fixed.attachments.save_to(record, out)
    assert exists.value.message == f"{out} already exists; choose another name."
    with vault.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.record_id == record)
        ).all()
    assert actions == ["create", "export"]
