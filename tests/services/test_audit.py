"""Every use case writes its audit events — action, record kind, record id, actor, device — in
the same transaction as the change; the chain verifies; a failed use case leaves no trace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from faker import Faker
from sqlalchemy import func, select

from hubdesk.errors import DomainError
from hubdesk.models import RECORD_KINDS, AuditEvent, PlanVersion, SafetyPlan
from hubdesk.models.enums import Level, MeetingKind
from hubdesk.models.missing import InterviewStatus
from hubdesk.models.plans import PlanVersionStatus as P
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store import audit
from hubdesk.store.vault import Vault
from tests.services.helpers import new_person

NOW = datetime(2025, 6, 12, 13, 30, tzinfo=UTC)
FAKER_SEED = 1212

Event = tuple[str, str, str | None]


class Trail:
    """Reads the audit events written since the last look."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.seen = 0

    def new(self) -> list[Event]:
        with self.vault.read() as session:
            events = list(
                session.execute(
                    select(AuditEvent).where(AuditEvent.seq > self.seen).order_by(AuditEvent.seq)
                ).scalars()
            )
        if events:
            self.seen = events[-1].seq
        return [(e.action, e.record_kind, e.record_id) for e in events]

    def reasons(self) -> list[str | None]:
        with self.vault.read() as session:
            return list(
                session.execute(select(AuditEvent.reason).order_by(AuditEvent.seq)).scalars()
            )


@pytest.fixture
def trail(vault: Vault) -> Trail:
    return Trail(vault)


@pytest.fixture
def pid(fixed: Services, trail: Trail, fake: Faker) -> str:
    made = new_person(fixed, fake)
    assert trail.new() == [("create", "young_person", made)]
    return made


def counts(vault: Vault) -> dict[str, int]:
    with vault.read() as session:
        return {
            kind: session.execute(select(func.count()).select_from(cls)).scalar_one()
            for kind, cls in [*RECORD_KINDS.items(), ("audit_event", AuditEvent)]
        }


def test_events_carry_the_practitioner_the_device_and_the_clock(
    fixed: Services, vault: Vault, pid: str
) -> None:
    fixed.cases.update(pid, team="South hub")
    with vault.read() as session:
        events = list(session.execute(select(AuditEvent)).scalars())
    assert len(events) == 2
    for event in events:
        assert event.actor == vault.practitioner == "Test Practitioner"
        assert event.device == vault.device_id
        assert event.at == NOW


def test_case_events(fixed: Services, trail: Trail, pid: str) -> None:
    fixed.cases.update(pid, education="Year 9")
    assert trail.new() == [("update", "young_person", pid)]
    fixed.cases.set_level(pid, Level.MODERATE, "Panel decision")
    assert trail.new() == [("update", "young_person", pid)]
    fixed.cases.close(pid, "Stepped down to early help")
    assert trail.new() == [("close", "young_person", pid)]
    assert trail.reasons()[-1] == "Stepped down to early help"


def test_context_events(fixed: Services, trail: Trail, pid: str) -> None:
    context_id = fixed.contexts.create(kind="place", name="Canal towpath")
    assert trail.new() == [("create", "context", context_id)]
    link_id = fixed.contexts.link(pid, context_id, why="Named in safety map")
    assert trail.new() == [("link", "context_link", link_id)]
    fixed.contexts.unlink(link_id, "Entered on the wrong child")
    assert trail.new() == [("unlink", "context_link", link_id)]
    assert trail.reasons()[-1] == "Entered on the wrong child"


def test_note_events(fixed: Services, trail: Trail, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="phone", occurred_at=NOW, narrative="Rang Nan.")
    assert trail.new() == [("create", "contact_note", note_id)]
    fixed.notes.edit_draft(note_id, narrative="Rang Nan at 1pm.")
    assert trail.new() == [("update", "contact_note", note_id)]
    fixed.notes.finalise(note_id)
    assert trail.new() == [("finalise", "contact_note", note_id)]
    addendum_id = fixed.notes.add_addendum(note_id, "Nan's phone number has changed.")
    assert trail.new() == [("create", "addendum", addendum_id)]


def test_plan_events(fixed: Services, vault: Vault, trail: Trail, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    with vault.read() as session:
        first_id = session.get(SafetyPlan, plan_id).versions[0].id
    assert trail.new() == [("create", "safety_plan", plan_id), ("create", "plan_version", first_id)]
    fixed.plans.save_draft(
        plan_id, review_date=date(2025, 9, 1), actions=[ActionInput("Walk to school", "Mum")]
    )
    assert trail.new() == [("update", "plan_version", first_id)]
    fixed.plans.submit(first_id)
    assert trail.new() == [("submit", "plan_version", first_id)]
    fixed.plans.record_decision(first_id, approved=True, decided_by="Lead")
    assert trail.new() == [("approve", "plan_version", first_id)]
    for step in (P.SIGNED, P.ACTIVE):
        fixed.plans.move(first_id, step)
        assert trail.new() == [(step.value, "plan_version", first_id)]
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "biscuit"})
    assert trail.new() == [
        ("create", "plan_version", second_id),
        ("update", "plan_version", second_id),
    ]
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=False, decided_by="Lead", note="Add school")
    assert trail.new() == [
        ("submit", "plan_version", second_id),
        ("return", "plan_version", second_id),
    ]
    with vault.read() as session:
        assert session.get(PlanVersion, second_id).number == 2


def test_screening_events(fixed: Services, trail: Trail, pid: str) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    assert trail.new() == [("create", "screening", screening_id)]
    fixed.screenings.save(screening_id, answers={"q1": "concern"}, computed_level=Level.EMERGING)
    assert trail.new() == [("update", "screening", screening_id)]
    fixed.screenings.complete(screening_id, final_level=Level.EMERGING)
    assert trail.new() == [("complete", "screening", screening_id), ("update", "young_person", pid)]


def test_missing_events(fixed: Services, trail: Trail, pid: str) -> None:
    episode_id = fixed.missing.report(pid, started_at=NOW - timedelta(days=1))
    assert trail.new() == [
        ("create", "missing_episode", episode_id),
        ("update", "young_person", pid),
    ]
    fixed.missing.record_return(episode_id, ended_at=NOW)
    assert trail.new() == [
        ("return", "missing_episode", episode_id),
        ("update", "young_person", pid),
    ]
    interview_id = fixed.missing.record_interview(episode_id, status=InterviewStatus.OFFERED)
    assert trail.new() == [("create", "return_interview", interview_id)]
    fixed.missing.close(episode_id)
    assert trail.new() == [("close", "missing_episode", episode_id)]


def test_work_events(fixed: Services, trail: Trail, pid: str) -> None:
    meeting_id = fixed.work.record_meeting(kind=MeetingKind.PANEL, held_at=NOW, young_person_id=pid)
    assert trail.new() == [("create", "meeting", meeting_id)]
    item_id = fixed.work.add_intervention(pid, provider="St Giles Trust", description="Mentor")
    assert trail.new() == [("create", "intervention", item_id)]
    nrm_id = fixed.work.refer_nrm(
        pid,
        referred_on=date(2025, 6, 12),
        first_responder="Police",
        exploitation_types=["criminal"],
        summary="County lines",
    )
    assert trail.new() == [("create", "nrm_referral", nrm_id), ("update", "young_person", pid)]


def test_an_information_share_is_audited_with_its_reason(
    fixed: Services, trail: Trail, pid: str
) -> None:
    share_id = fixed.work.record_share(
        pid,
        shared_at=NOW,
        what="Screening outcome",
        recipient="GP practice",
        why="  To arrange a sexual-health appointment  ",
        lawful_basis="Public task; safeguarding of children",
    )
    assert trail.new() == [("share", "information_share", share_id)]
    assert trail.reasons()[-1] == "To arrange a sexual-health appointment"


def test_the_chain_verifies_after_a_mixed_workload(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    other = fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    context_id = fixed.contexts.create(kind="peer_group", name="Year 10 group")
    for young in (pid, other):
        fixed.contexts.link(young, context_id, why="Same friendship group")
        note_id = fixed.notes.add(young, kind="school", occurred_at=NOW, narrative=fake.sentence())
        fixed.notes.finalise(note_id)
        fixed.notes.add_addendum(note_id, fake.sentence())
        plan_id = fixed.plans.create(young_person_id=young)
        version_id = fixed.plans.save_draft(
            plan_id, review_date=date(2025, 7, 1), actions=[ActionInput("Check in", "YW")]
        )
        fixed.plans.submit(version_id)
        fixed.missing.report(young, started_at=NOW - timedelta(hours=3))
    fixed.plans.create(context_id=context_id)
    fixed.cases.close(other, "Moved to Scotland; transferred")
    fixed.export.export_json(vault.folder.parent / "all.json")
    report = fixed.verify_audit()
    assert report.ok
    with vault.read() as session:
        total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    # 25 record events, plus one young-person update per missing report (the missing flag).
    assert report.events == total == 27
    assert report.in_words() == f"The audit trail is intact: {total} events, every link checks."


def test_a_refused_plan_edit_leaves_no_new_version_and_no_event(
    fixed: Services, vault: Vault, trail: Trail, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = fixed.plans.save_draft(
        plan_id, review_date=date(2025, 7, 1), actions=[ActionInput("Check in", "YW")]
    )
    fixed.plans.submit(first_id)
    fixed.plans.record_decision(first_id, approved=True, decided_by="Lead")
    trail.new()
    before = counts(vault)
    with pytest.raises(DomainError) as caught:
        fixed.plans.save_draft(
            plan_id,
            content={"what_i_want": "A new start"},
            actions=[ActionInput("Fine", "YW"), ActionInput("No owner", " ")],
        )
    assert caught.value.message == "Write who owns the action; it cannot be left empty."
    assert trail.new() == []
    assert counts(vault) == before
    with vault.read() as session:
        assert [v.number for v in session.get(SafetyPlan, plan_id).versions] == [1]
    assert fixed.verify_audit().ok


def test_a_refused_close_leaves_the_case_open_and_no_event(
    fixed: Services, vault: Vault, trail: Trail, pid: str
) -> None:
    with pytest.raises(DomainError):
        fixed.cases.close(pid, "")
    assert trail.new() == []
    assert [p.id for p in fixed.cases.caseload()] == [pid]


def test_a_refused_screening_completion_leaves_no_level_and_no_event(
    fixed: Services, vault: Vault, trail: Trail, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    fixed.screenings.save(screening_id, answers={}, computed_level=Level.EMERGING)
    trail.new()
    with pytest.raises(DomainError):
        fixed.screenings.complete(screening_id, final_level=Level.SIGNIFICANT)
    assert trail.new() == []
    assert fixed.cases.case_file(pid).young_person.level is None


def test_when_the_audit_write_fails_the_change_is_not_kept(
    fixed: Services, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    before = counts(vault)
    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    assert counts(vault) == before
    assert fixed.search.search("zoe") == []


def test_a_failed_export_write_leaves_no_export_event(
    fixed: Services, vault: Vault, trail: Trail, pid: str, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        fixed.export.export_json(tmp_path / "no such folder" / "out.json")
    assert trail.new() == []
