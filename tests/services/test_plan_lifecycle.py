"""Plan versions over time: no new draft while the team lead is deciding, a returned version
gives way to the draft that puts it right, and only one version of a plan is ever active."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from hubdesk.errors import DomainError
from hubdesk.models import AuditEvent, PlanVersion, SafetyPlan
from hubdesk.models.plans import PlanVersionStatus as P
from hubdesk.services import Services
from hubdesk.services.demo import seed_demo
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault

NOW = datetime(2025, 7, 1, 10, 30, tzinfo=UTC)
FAKER_SEED = 7373
REVIEW = date(2025, 9, 30)

WAITING = (
    "This plan is waiting for a team lead's decision; it can be changed once it is approved "
    "or returned."
)

Event = tuple[str, str | None]


def events(vault: Vault, after: int = 0) -> list[Event]:
    with vault.read() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.record_id)
            .where(AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
        ).all()
    return [(action, record_id) for action, record_id in rows]


def last_seq(vault: Vault) -> int:
    with vault.read() as session:
        return int(session.execute(select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar_one())


def statuses(vault: Vault, plan_id: str) -> list[P]:
    with vault.read() as session:
        plan = session.get(SafetyPlan, plan_id)
        assert plan is not None
        return [v.status for v in plan.versions]


def version_ids(vault: Vault, plan_id: str) -> list[str]:
    with vault.read() as session:
        plan = session.get(SafetyPlan, plan_id)
        assert plan is not None
        return [v.id for v in plan.versions]


def submitted_version(fixed: Services, plan_id: str, what: str = "Check in after school") -> str:
    version_id = fixed.plans.save_draft(
        plan_id, review_date=REVIEW, actions=[ActionInput(what, "Youth worker", "Youth service")]
    )
    fixed.plans.submit(version_id)
    return version_id


def approved_version(fixed: Services, plan_id: str, what: str = "Check in after school") -> str:
    version_id = submitted_version(fixed, plan_id, what)
    fixed.plans.record_decision(version_id, approved=True, decided_by="Team lead")
    return version_id


# --- waiting for the decision ------------------------------------------------------------


def test_a_plan_waiting_for_a_decision_cannot_be_edited(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    seen = last_seq(vault)
    with pytest.raises(DomainError) as caught:
        fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    assert caught.value.message == WAITING
    assert version_ids(vault, plan_id) == [first_id]
    assert statuses(vault, plan_id) == [P.SUBMITTED]
    assert events(vault, seen) == []


def test_once_approved_the_plan_can_be_edited_again(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    assert version_ids(vault, plan_id) == [first_id, second_id]
    # An approved version is not superseded by a mere draft: it stays the plan in force.
    assert statuses(vault, plan_id) == [P.APPROVED, P.DRAFT]


# --- a returned version gives way to the new draft ---------------------------------------


def test_a_new_draft_supersedes_the_returned_version_with_an_event(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    fixed.plans.record_decision(
        first_id, approved=False, decided_by="Team lead", note="Add who meets her at the bus."
    )
    seen = last_seq(vault)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    assert version_ids(vault, plan_id) == [first_id, second_id]
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.DRAFT]
    assert events(vault, seen) == [
        ("create", second_id),
        ("superseded", first_id),
        ("update", second_id),
    ]
    with vault.read() as session:
        first = session.get(PlanVersion, first_id)
        assert first is not None
        assert first.decision_note == "Add who meets her at the bus."
    assert fixed.verify_audit().ok


def test_a_refused_edit_of_a_returned_plan_supersedes_nothing(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    fixed.plans.record_decision(first_id, approved=False, decided_by="Lead", note="Say more.")
    seen = last_seq(vault)
    with pytest.raises(DomainError):
        fixed.plans.save_draft(plan_id, actions=[ActionInput("No owner", " ")])
    assert statuses(vault, plan_id) == [P.RETURNED]
    assert events(vault, seen) == []


def test_the_improved_draft_can_be_submitted_and_approved(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    fixed.plans.record_decision(first_id, approved=False, decided_by="Lead", note="Say more.")
    second_id = fixed.plans.save_draft(plan_id, content={"what_i_will_do": "Ring Nan."})
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=True, decided_by="Lead")
    fixed.plans.move(second_id, P.ACTIVE)
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.ACTIVE]


# --- one active version ------------------------------------------------------------------


def reach(fixed: Services, version_id: str, target: P) -> None:
    """Move an approved version on to ``target``."""
    path = {
        P.APPROVED: [],
        P.SIGNED: [P.SIGNED],
        P.ACTIVE: [P.ACTIVE],
        P.REVIEWED: [P.ACTIVE, P.REVIEWED],
        P.CLOSED: [P.ACTIVE, P.CLOSED],
    }[target]
    for step in path:
        fixed.plans.move(version_id, step)


@pytest.mark.parametrize("older", [P.APPROVED, P.SIGNED, P.ACTIVE, P.REVIEWED])
def test_activating_a_version_supersedes_the_live_older_one(
    fixed: Services, vault: Vault, pid: str, older: P
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    reach(fixed, first_id, older)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=True, decided_by="Lead")
    seen = last_seq(vault)
    fixed.plans.move(second_id, P.ACTIVE)
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.ACTIVE]
    assert events(vault, seen) == [("superseded", first_id), ("active", second_id)]
    assert fixed.verify_audit().ok


def test_a_closed_version_stays_closed_when_another_becomes_active(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    reach(fixed, first_id, P.CLOSED)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=True, decided_by="Lead")
    seen = last_seq(vault)
    fixed.plans.move(second_id, P.ACTIVE)
    assert statuses(vault, plan_id) == [P.CLOSED, P.ACTIVE]
    assert events(vault, seen) == [("active", second_id)]


def test_every_live_older_version_gives_way(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    fixed.plans.move(first_id, P.ACTIVE)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=True, decided_by="Lead")
    fixed.plans.move(second_id, P.SIGNED)
    third_id = fixed.plans.save_draft(plan_id, content={"code_word": "kiwi"})
    fixed.plans.submit(third_id)
    fixed.plans.record_decision(third_id, approved=True, decided_by="Lead")
    assert statuses(vault, plan_id) == [P.ACTIVE, P.SIGNED, P.APPROVED]
    seen = last_seq(vault)
    fixed.plans.move(third_id, P.ACTIVE)
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.SUPERSEDED, P.ACTIVE]
    assert events(vault, seen) == [
        ("superseded", first_id),
        ("superseded", second_id),
        ("active", third_id),
    ]


def test_a_refused_activation_supersedes_nothing(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    fixed.plans.move(first_id, P.ACTIVE)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    seen = last_seq(vault)
    with pytest.raises(DomainError) as caught:
        fixed.plans.move(second_id, P.ACTIVE)
    assert caught.value.message == "This plan version is draft, so it cannot become active."
    assert statuses(vault, plan_id) == [P.ACTIVE, P.DRAFT]
    assert events(vault, seen) == []


def test_other_steps_leave_the_other_versions_alone(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = approved_version(fixed, plan_id)
    fixed.plans.move(first_id, P.ACTIVE)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    fixed.plans.submit(second_id)
    fixed.plans.record_decision(second_id, approved=True, decided_by="Lead")
    fixed.plans.move(second_id, P.SIGNED)
    assert statuses(vault, plan_id) == [P.ACTIVE, P.SIGNED]


# --- the demo caseload -------------------------------------------------------------------


def test_the_demo_caseload_has_no_returned_version_left_behind_and_one_active_at_most(
    services: Services, vault: Vault
) -> None:
    seed_demo(services, cases=16, seed=11)
    with vault.read() as session:
        plans = list(session.execute(select(SafetyPlan)).scalars())
        histories = [[v.status for v in plan.versions] for plan in plans]
    assert all(h.count(P.ACTIVE) <= 1 for h in histories)
    assert all(P.RETURNED not in h[:-1] for h in histories)
    # The seed gives some plans a returned first version, improved in a second one.
    improved = [h for h in histories if len(h) > 1]
    assert improved
    assert all(h[0] is P.SUPERSEDED for h in improved)
    assert services.verify_audit().ok
