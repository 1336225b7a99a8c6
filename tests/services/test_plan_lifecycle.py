"""Plan versions over time: editing a plan while the team lead is deciding starts a new draft
and leaves the submitted version waiting (one version waits at a time), a returned version
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

STILL_WAITING = (
    "Version 1 is still waiting for a team lead's decision; send this version once that one "
    "is decided."
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


def decision_note(vault: Vault, version_id: str) -> str | None:
    with vault.read() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        return version.decision_note


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


def frozen_parts(vault: Vault, version_id: str) -> tuple[object, ...]:
    """Everything a submitted version was sent with, its actions included."""
    with vault.read() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        actions = [
            (a.id, a.what, a.owner, a.agency, a.by_when, a.deleted_at) for a in version.actions
        ]
        return (
            version.status,
            version.content,
            version.review_date,
            version.submitted_at,
            version.version,
            actions,
        )


def test_editing_a_plan_waiting_for_a_decision_starts_version_2_and_leaves_1_waiting(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    sent = frozen_parts(vault, first_id)
    seen = last_seq(vault)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    assert version_ids(vault, plan_id) == [first_id, second_id]
    assert statuses(vault, plan_id) == [P.SUBMITTED, P.DRAFT]
    assert frozen_parts(vault, first_id) == sent
    with vault.read() as session:
        second = session.get(PlanVersion, second_id)
        assert second is not None
        assert (second.number, second.based_on_id, second.review_date) == (2, first_id, REVIEW)
        assert second.content["code_word"] == "mango"
        assert [(a.what, a.owner) for a in second.actions if a.deleted_at is None] == [
            ("Check in after school", "Youth worker")
        ]
    # The new draft is created and saved; nothing is recorded against version 1.
    assert events(vault, seen) == [("create", second_id), ("update", second_id)]
    assert fixed.verify_audit().ok


def test_version_2_cannot_be_sent_while_version_1_waits(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    seen = last_seq(vault)
    with pytest.raises(DomainError) as caught:
        fixed.plans.submit(second_id)
    assert caught.value.message == STILL_WAITING
    assert statuses(vault, plan_id) == [P.SUBMITTED, P.DRAFT]
    assert events(vault, seen) == []
    again = fixed.plans.save_draft(plan_id, content={"code_word": "kiwi"})
    assert again == second_id  # further edits go into the same draft
    assert version_ids(vault, plan_id) == [first_id, second_id]


def test_once_version_1_is_approved_version_2_can_be_sent(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    seen = last_seq(vault)
    fixed.plans.record_decision(first_id, approved=True, decided_by="Team lead")
    assert statuses(vault, plan_id) == [P.APPROVED, P.DRAFT]
    fixed.plans.submit(second_id)
    assert statuses(vault, plan_id) == [P.APPROVED, P.SUBMITTED]
    assert events(vault, seen) == [("approve", first_id), ("submit", second_id)]


def test_once_version_1_is_returned_the_draft_takes_its_place_and_can_be_sent(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    seen = last_seq(vault)
    fixed.plans.record_decision(
        first_id, approved=False, decided_by="Team lead", note="Add who meets her at the bus."
    )
    # The draft started while it waited already puts the returned version right.
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.DRAFT]
    fixed.plans.submit(second_id)
    assert statuses(vault, plan_id) == [P.SUPERSEDED, P.SUBMITTED]
    assert events(vault, seen) == [
        ("return", first_id),
        ("superseded", first_id),
        ("submit", second_id),
    ]
    assert decision_note(vault, first_id) == "Add who meets her at the bus."
    assert fixed.verify_audit().ok


def test_a_return_with_no_draft_started_leaves_the_version_returned(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    seen = last_seq(vault)
    fixed.plans.record_decision(first_id, approved=False, decided_by="Lead", note="Say more.")
    assert statuses(vault, plan_id) == [P.RETURNED]
    assert events(vault, seen) == [("return", first_id)]


def test_the_draft_is_left_alone_when_version_1_becomes_active(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    first_id = submitted_version(fixed, plan_id)
    second_id = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    fixed.plans.record_decision(first_id, approved=True, decided_by="Team lead")
    seen = last_seq(vault)
    fixed.plans.move(first_id, P.ACTIVE)
    assert statuses(vault, plan_id) == [P.ACTIVE, P.DRAFT]
    assert events(vault, seen) == [("active", first_id)]
    assert fixed.plans.save_draft(plan_id, content={"code_word": "kiwi"}) == second_id


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
    assert decision_note(vault, first_id) == "Add who meets her at the bus."
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
