"""Legal holds and erasure: only a closed case, never under a hold, audited, and gone for good."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hubdesk.errors import DomainError
from hubdesk.models import RECORD_KINDS, AuditEvent, Context, SearchDoc
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault
from tests.conftest import passphrase

MARKER = "Quillon-Erasure-7c1d"


def full_case(services: Services, family_name: str) -> tuple[str, str]:
    now = datetime.now(UTC)
    pid = services.cases.add(given_name="Ffion", family_name=family_name)
    note = services.notes.add(
        pid, kind="home_visit", occurred_at=now - timedelta(hours=2), narrative=f"{MARKER} note"
    )
    services.notes.finalise(note)
    services.notes.add_addendum(note, f"{MARKER} addendum")
    plan = services.plans.create(young_person_id=pid)
    version = services.plans.save_draft(
        plan,
        content={"what_i_want": f"{MARKER} words"},
        review_date=date.today() + timedelta(days=30),
        actions=[ActionInput("Weekly check-in", "Youth worker")],
    )
    services.plans.submit(version)
    context = services.contexts.create(kind="place", name="Bus station")
    services.contexts.link(pid, context, why="Seen there")
    episode = services.missing.report(pid, started_at=now - timedelta(days=2))
    services.missing.record_return(episode, ended_at=now - timedelta(days=1))
    services.missing.record_interview(episode, status="declined", attempts=["Phone call"])
    screening = services.screenings.start(pid, definition_id="exploitation", definition_version=1)
    services.screenings.save(screening, answers={"q": MARKER})
    services.work.record_share(
        pid, shared_at=now, what="Plan", recipient="School", why="Safety", lawful_basis="Art 6"
    )
    return pid, context


def count(vault: Vault, kind: str) -> int:
    with vault.read() as session:
        return session.execute(select(func.count()).select_from(RECORD_KINDS[kind])).scalar_one()


def test_erasure_removes_every_record_of_that_young_person_only(
    services: Services, vault: Vault, vault_dir: Path
) -> None:
    pid, context = full_case(services, "Erased")
    other, _ = full_case(services, "Kept")
    before = {kind: count(vault, kind) for kind in RECORD_KINDS}
    services.cases.close(pid, "Case ended")
    erased = services.retention.erase_young_person(
        pid, rule="Closed early help case: 6 years", reason="Retention period ended"
    )
    after = {kind: count(vault, kind) for kind in RECORD_KINDS}
    assert erased == sum(before.values()) - sum(after.values())
    for kind in RECORD_KINDS:
        if kind == "context":
            assert after[kind] == before[kind], "shared contexts stay"
        else:
            assert after[kind] == before[kind] // 2, kind
    with vault.read() as session:
        assert session.get(Context, context) is not None
        ids = set(session.execute(select(SearchDoc.young_person_id)).scalars())
        assert pid not in ids
        assert other in ids
        fts = session.execute(text("SELECT count(*) FROM search_fts")).scalar_one()
        assert fts == session.execute(select(func.count()).select_from(SearchDoc)).scalar_one()
        last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last is not None
    assert (last.action, last.record_kind, last.record_id) == ("erase", "young_person", pid)
    assert last.reason == "Closed early help case: 6 years: Retention period ended"
    assert [r.record_id for r in services.search.search(MARKER)] != []
    assert all(r.young_person_id == other for r in services.search.search(MARKER))
    assert services.verify_audit().ok
    vault.close()
    reopened = Vault.open(vault_dir, passphrase())
    assert reopened.check().ok
    reopened.close()


def test_erasure_needs_a_closed_case_a_rule_and_no_legal_hold(services: Services) -> None:
    pid, _ = full_case(services, "Held")
    with pytest.raises(DomainError, match="Only a closed case can be erased"):
        services.retention.erase_young_person(pid, rule="Rule", reason="Reason")
    services.cases.close(pid, "Case ended")
    with pytest.raises(DomainError, match="retention rule"):
        services.retention.erase_young_person(pid, rule="  ", reason="Reason")
    services.retention.set_legal_hold(pid, on=True, reason="Court proceedings")
    with pytest.raises(DomainError, match="under a legal hold"):
        services.retention.erase_young_person(pid, rule="Rule", reason="Reason")
    with pytest.raises(DomainError, match="under a legal hold already"):
        services.retention.set_legal_hold(pid, on=True, reason="Again")
    services.retention.set_legal_hold(pid, on=False, reason="Proceedings concluded")
    assert services.retention.erase_young_person(pid, rule="Rule", reason="Reason") > 10


def test_erased_text_is_not_left_in_the_wal(services: Services, vault: Vault) -> None:
    pid, _ = full_case(services, "Walled")
    services.cases.close(pid, "Case ended")
    services.retention.erase_young_person(pid, rule="Rule", reason="Reason")
    wal = vault.db_path.with_name(vault.db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
