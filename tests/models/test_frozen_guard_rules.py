"""The frozen-record guard, continued: which statuses freeze a record, new children of a
frozen plan version, the decision fields, and judging a record on its status as loaded from
the database without touching the object.

Like test_guards, each test changes records directly in a vault write session, as a careless
script would, and checks what the flush lets through.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from faker import Faker
from sqlalchemy import event, select

from hubdesk.errors import DomainError
from hubdesk.models import (
    Addendum,
    ContactNote,
    InformationShare,
    MissingEpisode,
    PlanAction,
    PlanVersion,
    Record,
    Screening,
)
from hubdesk.models.missing import EpisodeStatus
from hubdesk.models.notes import NoteStatus
from hubdesk.models.plans import PlanVersionStatus as P
from hubdesk.models.screening import ScreeningStatus
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault
from tests.models.test_guards import change, finalised_note, load, submitted_plan
from tests.services.helpers import new_person

FAKER_SEED = 4117

SUBMITTED_MESSAGE = (
    "This plan version is submitted, so it cannot be edited. "
    "Edit the plan to start a new draft version instead."
)


def live_actions(vault: Vault, version_id: str) -> list[str]:
    with vault.read() as session:
        return list(
            session.execute(
                select(PlanAction.what)
                .where(PlanAction.plan_version_id == version_id, PlanAction.deleted_at.is_(None))
                .order_by(PlanAction.position)
            ).scalars()
        )


def add_action(vault: Vault, version_id: str, what: str = "Something added later") -> None:
    with vault.write() as session:
        session.add(PlanAction(plan_version_id=version_id, position=9, what=what, owner="Anyone"))


# --- which statuses freeze a record ------------------------------------------------------


@pytest.mark.parametrize("status", list(P))
def test_a_plan_version_is_frozen_in_every_status_but_draft(status: P) -> None:
    assert PlanVersion.frozen_in(status) is (status is not P.DRAFT)
    assert PlanVersion(status=status).is_frozen() is (status is not P.DRAFT)


@pytest.mark.parametrize(
    ("cls", "status", "frozen"),
    [
        (ContactNote, NoteStatus.DRAFT, False),
        (ContactNote, NoteStatus.FINALISED, True),
        (Screening, ScreeningStatus.DRAFT, False),
        (Screening, ScreeningStatus.COMPLETED, True),
        (Addendum, None, True),
        (InformationShare, None, True),
        (MissingEpisode, EpisodeStatus.CLOSED, False),
    ],
)
def test_frozen_in_is_a_question_about_the_kind_and_a_status(
    cls: type[Record], status: Any, frozen: bool
) -> None:
    assert cls.frozen_in(status) is frozen


def test_a_status_given_as_plain_text_counts_the_same() -> None:
    assert ContactNote.frozen_in("finalised")
    assert not ContactNote.frozen_in("draft")
    assert not PlanVersion.frozen_in("draft")
    assert PlanVersion.frozen_in("approved")


# --- new children of a frozen plan version -----------------------------------------------


def test_a_new_action_on_a_submitted_version_is_refused(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, _ = submitted_plan(services, fake)
    before = live_actions(vault, version_id)
    with pytest.raises(DomainError) as caught:
        add_action(vault, version_id)
    assert caught.value.message == SUBMITTED_MESSAGE
    assert live_actions(vault, version_id) == before


def test_a_new_action_through_the_relationship_is_refused_too(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, _ = submitted_plan(services, fake)

    def append() -> None:
        with vault.write() as session:
            version = session.get(PlanVersion, version_id)
            assert version is not None
            version.actions.append(PlanAction(position=9, what="Slipped in", owner="Anyone"))

    with pytest.raises(DomainError) as caught:
        append()
    assert caught.value.message == SUBMITTED_MESSAGE
    assert "Slipped in" not in live_actions(vault, version_id)


def test_a_new_action_on_an_approved_version_says_to_start_a_new_draft(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, _ = submitted_plan(services, fake)
    services.plans.record_decision(version_id, approved=True, decided_by="Team lead")
    with pytest.raises(DomainError) as caught:
        add_action(vault, version_id)
    assert caught.value.message == (
        "This plan version is approved, so it cannot be edited. "
        "Edit the plan to start a new draft version instead."
    )


def test_a_new_action_on_a_draft_is_fine(services: Services, vault: Vault, fake: Faker) -> None:
    plan_id = services.plans.create(young_person_id=new_person(services, fake))
    version_id = services.plans.save_draft(plan_id, actions=[ActionInput("First", "Owner")])
    add_action(vault, version_id, "Second")
    assert live_actions(vault, version_id) == ["First", "Second"]


def test_a_new_version_may_arrive_submitted_with_its_actions(
    services: Services, vault: Vault, fake: Faker
) -> None:
    """A parent new in the same flush holds nothing stored yet, so nothing is being changed."""
    plan_id = services.plans.create(young_person_id=new_person(services, fake))
    with vault.write() as session:
        version = PlanVersion(
            plan_id=plan_id, number=2, status=P.DRAFT, review_date=date(2025, 9, 1)
        )
        version.actions.append(PlanAction(position=0, what="Arrives together", owner="Owner"))
        version.submit("Test Practitioner", datetime.now(UTC))
        session.add(version)
        session.flush()
        version_id = version.id
    assert load(vault, PlanVersion, version_id).status is P.SUBMITTED
    assert live_actions(vault, version_id) == ["Arrives together"]


def test_an_action_cannot_be_added_in_the_same_flush_as_submitting(
    services: Services, vault: Vault, fake: Faker
) -> None:
    """What a version is submitted with is exactly what submit() saw."""
    plan_id = services.plans.create(young_person_id=new_person(services, fake))
    version_id = services.plans.save_draft(
        plan_id, review_date=date.today() + timedelta(days=7), actions=[ActionInput("A", "B")]
    )

    def submit_and_add() -> None:
        with vault.write() as session:
            version = session.get(PlanVersion, version_id)
            assert version is not None
            version.submit("Test Practitioner", datetime.now(UTC))
            session.add(PlanAction(plan_version_id=version_id, position=1, what="C", owner="D"))

    with pytest.raises(DomainError) as caught:
        submit_and_add()
    assert caught.value.message == SUBMITTED_MESSAGE
    assert load(vault, PlanVersion, version_id).status is P.DRAFT


def test_an_action_cannot_be_moved_off_a_submitted_version(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, action_id = submitted_plan(services, fake)
    plan_id = services.plans.create(young_person_id=new_person(services, fake))
    with vault.read() as session:
        draft_id = session.execute(
            select(PlanVersion.id).where(PlanVersion.plan_id == plan_id)
        ).scalar_one()
    with pytest.raises(DomainError) as caught:
        change(vault, PlanAction, action_id, plan_version_id=draft_id)
    assert caught.value.message == "This plan action is frozen and cannot be edited."
    assert load(vault, PlanAction, action_id).plan_version_id == version_id


def test_a_new_addendum_on_a_finalised_note_is_still_fine(
    services: Services, vault: Vault, fake: Faker
) -> None:
    note_id = finalised_note(services, fake)
    with vault.write() as session:
        session.add(Addendum(note_id=note_id, text="Added later, as it should be.", author="Me"))
    with vault.read() as session:
        note = session.get(ContactNote, note_id)
        assert note is not None
        assert [a.text for a in note.addenda] == ["Added later, as it should be."]


# --- decision fields only with the decision ----------------------------------------------


def approved(services: Services, fake: Faker) -> str:
    version_id, _ = submitted_plan(services, fake)
    services.plans.record_decision(version_id, approved=True, decided_by="Team lead: A. Ní Bhriain")
    return version_id


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decided_by", "Someone else"),
        ("decided_at", datetime(2020, 1, 1, tzinfo=UTC)),
        ("decision_note", "Added afterwards"),
        ("submitted_by", "Someone else"),
        ("submitted_at", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_decided_version_keeps_who_decided_and_who_submitted(
    services: Services, vault: Vault, fake: Faker, field: str, value: Any
) -> None:
    version_id = approved(services, fake)
    before = load(vault, PlanVersion, version_id)
    with pytest.raises(DomainError) as caught:
        change(vault, PlanVersion, version_id, **{field: value})
    assert caught.value.message == "This plan version is frozen and cannot be edited."
    assert getattr(load(vault, PlanVersion, version_id), field) == getattr(before, field)


@pytest.mark.parametrize("field", ["decided_by", "submitted_by"])
def test_a_later_status_move_does_not_open_the_decision_fields(
    services: Services, vault: Vault, fake: Faker, field: str
) -> None:
    version_id = approved(services, fake)
    with pytest.raises(DomainError) as caught:
        change(vault, PlanVersion, version_id, status=P.ACTIVE, **{field: "Someone else"})
    assert caught.value.message == "This plan version is frozen and cannot be edited."
    after = load(vault, PlanVersion, version_id)
    assert after.status is P.APPROVED
    assert getattr(after, field) != "Someone else"


def test_the_decision_lands_with_its_fields(services: Services, vault: Vault, fake: Faker) -> None:
    version_id, _ = submitted_plan(services, fake)
    services.plans.record_decision(
        version_id, approved=False, decided_by="Team lead", note="Add who meets her at the bus."
    )
    after = load(vault, PlanVersion, version_id)
    assert (after.status, after.decided_by, after.decision_note) == (
        P.RETURNED,
        "Team lead",
        "Add who meets her at the bus.",
    )


def test_the_status_may_still_move_on_alone(services: Services, vault: Vault, fake: Faker) -> None:
    version_id = approved(services, fake)
    change(vault, PlanVersion, version_id, status=P.ACTIVE)
    assert load(vault, PlanVersion, version_id).status is P.ACTIVE


# --- judged as loaded, without touching the object ---------------------------------------


@pytest.fixture
def status_sets() -> Iterator[list[Any]]:
    """Every value assigned to ContactNote.status while the test runs."""
    seen: list[Any] = []

    def record(target: Any, value: Any, oldvalue: Any, initiator: Any) -> None:
        seen.append(value)

    event.listen(ContactNote.status, "set", record)
    yield seen
    event.remove(ContactNote.status, "set", record)


def test_the_guard_never_assigns_the_status_while_it_checks(
    services: Services, vault: Vault, fake: Faker, status_sets: list[Any]
) -> None:
    note_id = finalised_note(services, fake)

    def go_back() -> None:
        with vault.write() as session:
            note = session.get(ContactNote, note_id)
            assert note is not None
            note.status = NoteStatus.DRAFT
            note.narrative = "Rewritten while going back to draft."
            status_sets.clear()  # only what happens inside the flush counts
            session.flush()

    with pytest.raises(DomainError):
        go_back()
    assert status_sets == []


def test_a_status_set_without_its_stored_value_loaded_is_still_judged_as_stored(
    services: Services, vault: Vault, fake: Faker
) -> None:
    note_id = finalised_note(services, fake)

    def go_back_unseen() -> None:
        with vault.write() as session:
            note = session.get(ContactNote, note_id)
            assert note is not None
            session.expire(note, ["status"])
            note.status = NoteStatus.DRAFT
            note.narrative = "Rewritten behind the guard's back."

    with pytest.raises(DomainError) as caught:
        go_back_unseen()
    assert caught.value.message == "This contact note is frozen and cannot go back to being edited."
    after = load(vault, ContactNote, note_id)
    assert after.status is NoteStatus.FINALISED
    assert after.narrative != "Rewritten behind the guard's back."
