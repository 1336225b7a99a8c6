"""The before-flush guard: nothing — not a service bug, not a script — edits a frozen record.

Each test changes a record directly in a vault write session, as a careless script would, and
checks that the flush is refused with a plain sentence and nothing reaches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from faker import Faker
from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.models import (
    Addendum,
    AuditEvent,
    ContactNote,
    InformationShare,
    PlanAction,
    PlanVersion,
    Record,
    Screening,
)
from hubdesk.models.enums import Level
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault
from tests.services.helpers import new_person

FAKER_SEED = 3003


def change(vault: Vault, cls: type[Record], record_id: str, **values: Any) -> None:
    """Set attributes directly and commit, bypassing every service."""
    with vault.write() as session:
        obj = session.get(cls, record_id)
        assert obj is not None
        for name, value in values.items():
            setattr(obj, name, value)


def remove(vault: Vault, cls: type[Record], record_id: str) -> None:
    with vault.write() as session:
        session.delete(session.get(cls, record_id))


def load(vault: Vault, cls: type[Record], record_id: str) -> Any:
    with vault.read() as session:
        return session.get(cls, record_id)


def finalised_note(services: Services, fake: Faker) -> str:
    pid = new_person(services, fake)
    note_id = services.notes.add(
        pid,
        kind="home_visit",
        occurred_at=datetime.now(UTC) - timedelta(hours=2),
        narrative=fake["en_GB"].paragraph(),
    )
    services.notes.finalise(note_id)
    return note_id


def submitted_plan(services: Services, fake: Faker) -> tuple[str, str]:
    """(plan version id, its one action id), submitted."""
    pid = new_person(services, fake)
    plan_id = services.plans.create(young_person_id=pid)
    version_id = services.plans.save_draft(
        plan_id,
        content={"what_i_want": "To feel safe walking home from the skatepark."},
        review_date=date.today() + timedelta(days=28),
        actions=[ActionInput("Walk the route home together", "Niamh O'Farrell", "Youth service")],
    )
    services.plans.submit(version_id)
    with services.vault.read() as session:
        action_id = session.execute(
            select(PlanAction.id).where(PlanAction.plan_version_id == version_id)
        ).scalar_one()
    return version_id, action_id


def completed_screening(services: Services, fake: Faker) -> str:
    pid = new_person(services, fake)
    screening_id = services.screenings.start(
        pid, definition_id="exploitation", definition_version=1
    )
    services.screenings.save(
        screening_id, answers={"missing.recent": "concern"}, computed_level=Level.MODERATE
    )
    services.screenings.complete(screening_id, final_level=Level.MODERATE)
    return screening_id


def addendum(services: Services, fake: Faker) -> str:
    return services.notes.add_addendum(
        finalised_note(services, fake), "Correction: the visit was on the Tuesday."
    )


def information_share(services: Services, fake: Faker) -> str:
    return services.work.record_share(
        new_person(services, fake),
        shared_at=datetime.now(UTC) - timedelta(days=1),
        what="Latest screening outcome",
        recipient="School designated safeguarding lead",
        why="To plan safe travel to and from school",
        lawful_basis="UK GDPR Art. 6(1)(e) and Art. 9(2)(g); DPA 2018 Sch. 1 para 18",
    )


@dataclass(frozen=True)
class Frozen:
    make: Callable[[Services, Faker], str]
    cls: type[Record]
    field: str
    new_value: Any
    message: str


CASES: dict[str, Frozen] = {
    "finalised note narrative": Frozen(
        finalised_note,
        ContactNote,
        "narrative",
        "Rewritten after the fact.",
        "This contact note is frozen and cannot be edited.",
    ),
    "submitted plan content": Frozen(
        lambda s, f: submitted_plan(s, f)[0],
        PlanVersion,
        "content",
        {"what_i_want": "Something else entirely."},
        "This plan version is frozen and cannot be edited.",
    ),
    "action on a submitted plan": Frozen(
        lambda s, f: submitted_plan(s, f)[1],
        PlanAction,
        "what",
        "Nothing at all",
        "This plan action is frozen and cannot be edited.",
    ),
    "completed screening answers": Frozen(
        completed_screening,
        Screening,
        "answers",
        {"missing.recent": "absent"},
        "This screening is frozen and cannot be edited.",
    ),
    "addendum text": Frozen(
        addendum,
        Addendum,
        "text",
        "A quieter correction.",
        "This addendum is frozen and cannot be edited.",
    ),
    "information share": Frozen(
        information_share,
        InformationShare,
        "recipient",
        "Someone we did not share with",
        "This information share is frozen and cannot be edited.",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_editing_a_frozen_record_is_refused_and_nothing_is_saved(
    case: str, services: Services, vault: Vault, fake: Faker
) -> None:
    spec = CASES[case]
    record_id = spec.make(services, fake)
    before = load(vault, spec.cls, record_id)
    with pytest.raises(DomainError) as caught:
        change(vault, spec.cls, record_id, **{spec.field: spec.new_value})
    assert caught.value.message == spec.message
    after = load(vault, spec.cls, record_id)
    assert getattr(after, spec.field) == getattr(before, spec.field)
    assert getattr(after, spec.field) != spec.new_value
    assert after.version == before.version


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_frozen_record_cannot_be_tombstoned(
    case: str, services: Services, vault: Vault, fake: Faker
) -> None:
    spec = CASES[case]
    record_id = spec.make(services, fake)
    with pytest.raises(DomainError) as caught:
        change(vault, spec.cls, record_id, deleted_at=datetime.now(UTC))
    assert caught.value.message == spec.message
    assert load(vault, spec.cls, record_id).deleted_at is None


def test_a_frozen_record_cannot_be_removed(services: Services, vault: Vault, fake: Faker) -> None:
    note_id = finalised_note(services, fake)
    with pytest.raises(DomainError) as caught:
        remove(vault, ContactNote, note_id)
    assert caught.value.message == "This contact note is kept permanently and cannot be removed."
    assert load(vault, ContactNote, note_id) is not None


def test_sync_fields_still_change_on_a_frozen_record(
    services: Services, vault: Vault, fake: Faker
) -> None:
    note_id = finalised_note(services, fake)
    before = load(vault, ContactNote, note_id)
    change(vault, ContactNote, note_id, server_seq=41)
    after = load(vault, ContactNote, note_id)
    assert after.server_seq == 41
    assert after.version == before.version + 1
    assert after.narrative == before.narrative


def test_a_submitted_version_may_still_take_its_decision(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, _ = submitted_plan(services, fake)
    decided = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    change(
        vault,
        PlanVersion,
        version_id,
        status=PlanVersionStatus.APPROVED,
        decided_at=decided,
        decided_by="Team lead",
    )
    after = load(vault, PlanVersion, version_id)
    assert after.status is PlanVersionStatus.APPROVED
    assert (after.decided_at, after.decided_by) == (decided, "Team lead")


def test_a_draft_note_may_be_changed_directly(
    services: Services, vault: Vault, fake: Faker
) -> None:
    pid = new_person(services, fake)
    note_id = services.notes.add(
        pid, kind="phone", occurred_at=datetime.now(UTC), narrative="First go."
    )
    change(vault, ContactNote, note_id, narrative="Second go.")
    assert load(vault, ContactNote, note_id).narrative == "Second go."


def test_finalising_back_to_draft_directly_is_refused(
    services: Services, vault: Vault, fake: Faker
) -> None:
    note_id = finalised_note(services, fake)
    with pytest.raises(DomainError) as caught:
        change(vault, ContactNote, note_id, status="draft")
    assert caught.value.message == "This contact note is frozen and cannot go back to being edited."
    assert load(vault, ContactNote, note_id).is_frozen()


def test_audit_events_are_never_changed(services: Services, vault: Vault, fake: Faker) -> None:
    new_person(services, fake)
    with vault.read() as session:
        event = session.execute(select(AuditEvent)).scalars().one()
    with pytest.raises(DomainError) as caught, vault.write() as session:
        session.get(AuditEvent, event.seq).reason = "tidied up"
    assert caught.value.message == "Audit events are never changed or removed."
    assert services.verify_audit().ok


def test_a_submitted_version_cannot_be_unfrozen_directly(
    services: Services, vault: Vault, fake: Faker
) -> None:
    version_id, _ = submitted_plan(services, fake)
    with pytest.raises(DomainError):
        change(vault, PlanVersion, version_id, status=PlanVersionStatus.DRAFT)
    assert load(vault, PlanVersion, version_id).status is PlanVersionStatus.SUBMITTED
