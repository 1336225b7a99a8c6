"""One map of what belongs to a young person serves export and erasure; erasure leaves no
typed reason in the audit trail and no word in the search index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hubdesk.models import RECORD_KINDS, AuditEvent
from hubdesk.services import Services
from hubdesk.services.ownership import OWNED_KINDS, SHARED_KINDS
from hubdesk.store import audit as audit_store
from hubdesk.store.vault import Vault

TOKEN = "quillonerasuretoken"


def test_every_record_kind_is_owned_or_shared_exactly_once() -> None:
    assert sorted(OWNED_KINDS + SHARED_KINDS) == sorted(RECORD_KINDS)
    assert len(set(OWNED_KINDS)) == len(OWNED_KINDS)


def test_a_subject_access_export_includes_tombstoned_records(
    services: Services, tmp_path: Path
) -> None:
    import json

    pid = services.cases.add(given_name="Elin", family_name="Hughes")
    context = services.contexts.create(kind="place", name="Retail park")
    link = services.contexts.link(pid, context, why="Seen there")
    services.contexts.unlink(link, "Information was wrong")
    out = tmp_path / "sar.json"
    services.export.export_json(out, pid)
    records = json.loads(out.read_text())["records"]
    assert [r["id"] for r in records["context_link"]] == [link]
    assert records["context_link"][0]["deleted_at"] is not None
    assert set(records) == set(RECORD_KINDS)


def test_an_export_whose_audit_fails_leaves_no_file(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.cases.add(given_name="Elin", family_name="Hughes")

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit_store, "append", refuse)
    exports = tmp_path / "exports"
    exports.mkdir()
    with pytest.raises(RuntimeError):
        services.export.export_json(exports / "all.json")
    assert list(exports.iterdir()) == []


def test_erasure_removes_typed_reasons_and_index_words(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Elin", family_name="Hughes")
    other = services.cases.add(given_name="Tomos", family_name="Evans")
    now = datetime.now(UTC)
    note = services.notes.add(
        pid, kind="phone", occurred_at=now - timedelta(hours=1), narrative=f"Said {TOKEN} today"
    )
    services.notes.finalise(note)
    share = services.work.record_share(
        pid,
        shared_at=now,
        what="Plan",
        recipient="School",
        why=f"Because {TOKEN}",
        lawful_basis="Art 6(1)(e)",
    )
    services.work.record_share(
        other,
        shared_at=now,
        what="Plan",
        recipient="School",
        why="Kept reason",
        lawful_basis="Art 6(1)(e)",
    )
    services.cases.close(pid, "Moved away")
    services.retention.erase_young_person(pid, rule="Rule 7", reason="Period ended")
    with vault.read() as session:
        events = list(session.execute(select(AuditEvent)).scalars())
        blocks = session.execute(text("SELECT block FROM search_fts_data")).scalars().all()
    share_event = next(e for e in events if e.record_id == share)
    assert share_event.reason is None
    assert share_event.reason_digest is not None
    assert any(e.reason == "Kept reason" for e in events)
    assert all(TOKEN not in (e.reason or "") for e in events)
    assert not any(TOKEN.encode() in bytes(b) for b in blocks)
    assert services.verify_audit().ok


def test_a_changed_reason_is_caught_even_though_the_chain_hashes_a_digest(
    services: Services, vault: Vault
) -> None:
    pid = services.cases.add(given_name="Elin", family_name="Hughes")
    services.cases.close(pid, "Moved away")
    with vault.read() as session:
        seq = session.execute(
            select(AuditEvent.seq).where(AuditEvent.action == "close")
        ).scalar_one()
    with vault.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE audit_event SET reason = 'Something else' WHERE seq = ?", (seq,)
        )
    report = services.verify_audit()
    assert report.broken_seq == seq
    assert f"event {seq}" in report.in_words()
