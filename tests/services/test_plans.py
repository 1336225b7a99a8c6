"""PlanService: My Safety Plan and contextual plans, drafts, versions, decisions, lifecycle."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from faker import Faker
from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.models import PlanAction, PlanVersion, SafetyPlan
from hubdesk.models.plans import PlanSubject
from hubdesk.models.plans import PlanVersionStatus as P
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.services.records import as_dict
from hubdesk.store.vault import Vault

NOW = datetime(2025, 5, 6, 9, 15, tzinfo=UTC)
FAKER_SEED = 6060
REVIEW = date(2025, 8, 6)

CONTENT: dict[str, Any] = {
    "what_i_want": "  To go to college and not be scared on the bus.  ",
    "what_worries_me": "The older lads at the chicken shop.",
    "safe_and_unsafe": {
        "home": {"safe": "My room", "unsafe": ""},
        "travel": {"safe": "", "unsafe": "The 16 bus after dark"},
    },
    "people_i_trust": "Nan, Mr Ó Foghlú at school",
    "what_i_will_do": "Text Nan when I leave college.",
    "code_word": "pineapple",
    "contacts": [{"name": "Siobhán O'Dowd", "role": "Youth worker", "phone": "0121 496 0000"}],
    "copies_held_by": ["Me", "Nan"],
}


def actions(fake: Faker, n: int = 2) -> list[ActionInput]:
    return [
        ActionInput(
            what=f"{fake['en_GB'].sentence(nb_words=5)}",
            owner=fake["en_IE"].name(),
            agency=fake["en_GB"].company(),
            by_when=date(2025, 6, i + 1),
        )
        for i in range(n)
    ]


def versions(vault: Vault, plan_id: str) -> list[PlanVersion]:
    with vault.read() as session:
        plan = session.get(SafetyPlan, plan_id)
        assert plan is not None
        found = list(plan.versions)
        for v in found:
            list(v.actions)
    return found


def live_actions(vault: Vault, version_id: str) -> list[PlanAction]:
    with vault.read() as session:
        query = (
            select(PlanAction)
            .where(PlanAction.plan_version_id == version_id, PlanAction.deleted_at.is_(None))
            .order_by(PlanAction.position)
        )
        return list(session.execute(query).scalars())


def submitted(fixed: Services, pid: str, fake: Faker) -> tuple[str, str]:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(
        plan_id, content=CONTENT, review_date=REVIEW, actions=actions(fake)
    )
    fixed.plans.submit(version_id)
    return plan_id, version_id


def frozen_snapshot(vault: Vault, version_id: str) -> str:
    with vault.read() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        rows = [as_dict(version), *(as_dict(a) for a in version.actions)]
    return json.dumps(rows, sort_keys=True, ensure_ascii=False)


def test_a_plan_for_a_young_person_starts_with_an_empty_draft(
    fixed: Services, vault: Vault, pid: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    with vault.read() as session:
        plan = session.get(SafetyPlan, plan_id)
        assert plan is not None
        assert plan.subject is PlanSubject.YOUNG_PERSON
        assert (plan.young_person_id, plan.context_id) == (pid, None)
        assert plan.title == "My Safety Plan"
        [first] = plan.versions
        assert (first.number, first.status, first.content) == (1, P.DRAFT, {})
        assert first.based_on_id is None


def test_a_plan_for_a_context_is_titled_after_the_context(fixed: Services, vault: Vault) -> None:
    context_id = fixed.contexts.create(kind="place", name="Lozells Road park")
    plan_id = fixed.plans.create(context_id=context_id)
    with vault.read() as session:
        plan = session.get(SafetyPlan, plan_id)
        assert plan is not None
        assert plan.subject is PlanSubject.CONTEXT
        assert (plan.young_person_id, plan.context_id) == (None, context_id)
        assert plan.title == "Contextual safety plan: Lozells Road park"


def test_a_plan_title_can_be_chosen(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid, title="  Zoë's plan for college  ")
    with vault.read() as session:
        assert session.get(SafetyPlan, plan_id).title == "Zoë's plan for college"


@pytest.mark.parametrize("which", ["both", "neither"])
def test_a_plan_needs_exactly_one_subject(fixed: Services, pid: str, which: str) -> None:
    context_id = fixed.contexts.create(kind="place", name="Lozells Road park")
    subjects = {"both": {"young_person_id": pid, "context_id": context_id}, "neither": {}}
    with pytest.raises(DomainError) as caught:
        fixed.plans.create(**subjects[which])
    assert caught.value.message == "A safety plan is for one young person or for one context."
    assert fixed.cases.case_file(pid).plans == []


def test_save_draft_keeps_content_review_date_and_ordered_actions(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    wanted = actions(fake, 3)
    version_id = fixed.plans.save_draft(
        plan_id, content=CONTENT, review_date=REVIEW, actions=wanted
    )
    [draft] = versions(vault, plan_id)
    assert draft.id == version_id
    assert draft.content["what_i_want"] == "To go to college and not be scared on the bus."
    assert draft.content["safe_and_unsafe"]["travel"] == {
        "safe": "",
        "unsafe": "The 16 bus after dark",
    }
    assert draft.content["contacts"][0]["name"] == "Siobhán O'Dowd"
    assert draft.review_date == REVIEW
    kept = live_actions(vault, version_id)
    assert [(a.position, a.what, a.owner) for a in kept] == [
        (i, w.what, w.owner) for i, w in enumerate(wanted)
    ]


def test_saving_actions_replaces_the_old_ones_by_tombstone(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(plan_id, actions=actions(fake, 2))
    replacement = ActionInput("Meet after school on Wednesdays", "Ciarán O'Farrell")
    fixed.plans.save_draft(plan_id, actions=[replacement])
    assert [a.what for a in live_actions(vault, version_id)] == [replacement.what]
    with vault.read() as session:
        every = session.execute(
            select(PlanAction).where(PlanAction.plan_version_id == version_id)
        ).scalars()
        assert sorted(a.deleted_at is None for a in every) == [False, False, True]


def test_saving_without_actions_keeps_the_actions(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(plan_id, actions=actions(fake, 2))
    fixed.plans.save_draft(plan_id, content={"code_word": "tangerine"})
    assert len(live_actions(vault, version_id)) == 2
    assert versions(vault, plan_id)[0].content["code_word"] == "tangerine"


def test_a_past_review_date_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    with pytest.raises(DomainError) as caught:
        fixed.plans.save_draft(plan_id, review_date=date(2025, 5, 5))
    assert caught.value.message == "The review date is in the past; choose a date from today on."
    assert versions(vault, plan_id)[0].review_date is None


def test_a_review_date_of_today_is_accepted(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    fixed.plans.save_draft(plan_id, review_date=date(2025, 5, 6))
    assert versions(vault, plan_id)[0].review_date == date(2025, 5, 6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"safe_and_unsafe": {"beach": {"safe": "x"}}},
            "Unknown part of the day or place in the plan: beach. "
            "Use home, school, travel, online, day, night.",
        ),
        (
            {"favourite_colour": "green"},
            "The plan's favourite_colour is not right: Extra inputs are not permitted.",
        ),
        (
            {"safe_and_unsafe": {"home": {"safe": "x", "maybe": "y"}}},
            "The plan's safe_and_unsafe.home.maybe is not right: Extra inputs are not permitted.",
        ),
        (
            {"contacts": [{"role": "Nan"}]},
            "The plan's contacts.0.name is not right: Field required.",
        ),
        (
            {"what_i_want": 42},
            "The plan's what_i_want is not right: Input should be a valid string.",
        ),
    ],
)
def test_bad_content_names_the_field(
    fixed: Services, vault: Vault, pid: str, content: dict[str, Any], message: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    with pytest.raises(DomainError) as caught:
        fixed.plans.save_draft(plan_id, content=content)
    assert caught.value.message == message
    assert versions(vault, plan_id)[0].content == {}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (ActionInput(" ", "Nan"), "Write what the action is; it cannot be left empty."),
        (ActionInput("Ring daily", ""), "Write who owns the action; it cannot be left empty."),
    ],
)
def test_an_action_needs_what_and_who(
    fixed: Services, vault: Vault, pid: str, item: ActionInput, message: str
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(plan_id, actions=[ActionInput("Keep this", "Owner")])
    with pytest.raises(DomainError) as caught:
        fixed.plans.save_draft(plan_id, actions=[ActionInput("Fine", "Owner"), item])
    assert caught.value.message == message
    assert [a.what for a in live_actions(vault, version_id)] == ["Keep this"]


def test_submit_records_who_and_when(fixed: Services, vault: Vault, pid: str, fake: Faker) -> None:
    plan_id, _ = submitted(fixed, pid, fake)
    [version] = versions(vault, plan_id)
    assert version.status is P.SUBMITTED
    assert (version.submitted_by, version.submitted_at) == ("Test Practitioner", NOW)


def test_submit_names_everything_missing(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = versions(vault, plan_id)[0].id
    with pytest.raises(DomainError) as caught:
        fixed.plans.submit(version_id)
    assert caught.value.message == (
        "This plan cannot be submitted yet: it needs at least one action saying who will do "
        "what and a review date."
    )
    assert versions(vault, plan_id)[0].status is P.DRAFT


def test_submit_after_removing_every_action_is_refused(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(plan_id, review_date=REVIEW, actions=actions(fake))
    fixed.plans.save_draft(plan_id, actions=[])
    with pytest.raises(DomainError) as caught:
        fixed.plans.submit(version_id)
    assert caught.value.message == (
        "This plan cannot be submitted yet: it needs at least one action saying who will do what."
    )


def test_editing_an_approved_plan_starts_version_two_and_keeps_version_one(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, first_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(first_id, approved=True, decided_by="Lead")
    before = frozen_snapshot(vault, first_id)
    first_actions = [(a.what, a.owner, a.agency, a.by_when) for a in live_actions(vault, first_id)]

    second_id = fixed.plans.save_draft(plan_id, content={**CONTENT, "code_word": "mango"})

    assert second_id != first_id
    first, second = versions(vault, plan_id)
    assert (second.number, second.status, second.based_on_id) == (2, P.DRAFT, first_id)
    assert second.content["code_word"] == "mango"
    assert second.content["what_worries_me"] == first.content["what_worries_me"]
    assert second.review_date == REVIEW
    copied = [(a.what, a.owner, a.agency, a.by_when) for a in live_actions(vault, second_id)]
    assert copied == first_actions
    assert {a.id for a in live_actions(vault, second_id)}.isdisjoint(
        a.id for a in live_actions(vault, first_id)
    )
    assert frozen_snapshot(vault, first_id) == before
    assert first.content["code_word"] == "pineapple"


def test_editing_the_new_draft_again_does_not_start_version_three(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, first_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(first_id, approved=True, decided_by="Lead")
    second = fixed.plans.save_draft(plan_id, content={"code_word": "mango"})
    again = fixed.plans.save_draft(plan_id, content={"code_word": "kiwi"})
    assert again == second
    assert [v.number for v in versions(vault, plan_id)] == [1, 2]


def test_approve_records_the_decision(fixed: Services, vault: Vault, pid: str, fake: Faker) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(version_id, approved=True, decided_by="Team lead: R. Ní Bhriain")
    [version] = versions(vault, plan_id)
    assert version.status is P.APPROVED
    assert (version.decided_by, version.decided_at) == ("Team lead: R. Ní Bhriain", NOW)
    assert version.decision_note is None


def test_returning_needs_a_note(fixed: Services, vault: Vault, pid: str, fake: Faker) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    with pytest.raises(DomainError) as caught:
        fixed.plans.record_decision(version_id, approved=False, decided_by="Lead", note=" ")
    assert caught.value.message == "Say why the plan is being returned, so it can be put right."
    assert versions(vault, plan_id)[0].status is P.SUBMITTED


def test_a_returned_plan_keeps_the_note_and_can_be_superseded(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(
        version_id, approved=False, decided_by="Lead", note="Add who will meet her at the bus."
    )
    [version] = versions(vault, plan_id)
    assert version.status is P.RETURNED
    assert version.decision_note == "Add who will meet her at the bus."
    fixed.plans.move(version_id, P.SUPERSEDED)
    assert versions(vault, plan_id)[0].status is P.SUPERSEDED


def test_a_decision_on_a_draft_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = versions(vault, plan_id)[0].id
    with pytest.raises(DomainError) as caught:
        fixed.plans.record_decision(version_id, approved=True, decided_by="Lead")
    assert caught.value.message == (
        "This plan version is draft, so it cannot become approved. "
        "Submit the draft for approval first."
    )


def test_an_approved_plan_moves_through_signed_active_reviewed_closed(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(version_id, approved=True, decided_by="Lead")
    for step in (P.SIGNED, P.ACTIVE, P.REVIEWED, P.CLOSED):
        fixed.plans.move(version_id, step)
        assert versions(vault, plan_id)[0].status is step
    with pytest.raises(DomainError) as caught:
        fixed.plans.move(version_id, P.ACTIVE)
    assert caught.value.message == (
        "This plan version is closed, so it cannot become active. "
        "A closed plan version cannot change state again."
    )


@pytest.mark.parametrize("target", [P.SUBMITTED, P.APPROVED])
def test_move_refuses_the_steps_that_have_their_own_use_case(
    fixed: Services, vault: Vault, pid: str, fake: Faker, target: P
) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    with pytest.raises(DomainError) as caught:
        fixed.plans.move(version_id, target)
    assert caught.value.message == "Use submit or the team lead's decision for this step."
    assert versions(vault, plan_id)[0].status is P.SUBMITTED


def test_move_cannot_return_a_plan_without_a_note(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    with pytest.raises(DomainError):
        fixed.plans.move(version_id, P.RETURNED)
    assert versions(vault, plan_id)[0].status is P.SUBMITTED


def test_an_approved_plan_cannot_go_back_to_draft(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    _, version_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(version_id, approved=True, decided_by="Lead")
    with pytest.raises(DomainError) as caught:
        fixed.plans.move(version_id, P.DRAFT)
    assert caught.value.message == (
        "This plan version is approved, so it cannot become draft. "
        "Edit the plan to start a new draft version instead."
    )


def test_editing_an_approved_plan_starts_a_new_draft(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id, version_id = submitted(fixed, pid, fake)
    fixed.plans.record_decision(version_id, approved=True, decided_by="Lead")
    fixed.plans.save_draft(plan_id, review_date=date(2025, 9, 1))
    first, second = versions(vault, plan_id)
    assert (first.status, first.review_date) == (P.APPROVED, REVIEW)
    assert (second.status, second.review_date, second.number) == (P.DRAFT, date(2025, 9, 1), 2)


def test_a_removed_action_keeps_its_tombstone_time(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    plan_id = fixed.plans.create(young_person_id=pid)
    version_id = fixed.plans.save_draft(plan_id, actions=[ActionInput("Old action", "Owner")])
    fixed.plans.save_draft(plan_id, actions=[ActionInput("Newer action", "Owner")])
    later = Services(vault, clock=lambda: datetime(2025, 5, 7, 9, 0, tzinfo=UTC))
    later.plans.save_draft(plan_id, actions=[ActionInput("Newest action", "Owner")])
    with vault.read() as session:
        old = session.execute(
            select(PlanAction).where(
                PlanAction.plan_version_id == version_id, PlanAction.what == "Old action"
            )
        ).scalar_one()
    assert old.deleted_at == NOW
    assert old.version == 2


def test_one_plan_is_read_whole_and_a_context_finds_its_plan(services: Services) -> None:
    from datetime import timedelta

    from hubdesk.errors import NotFoundError
    from hubdesk.services.plans import ActionInput

    place = services.contexts.create(kind="place", name="Retail park car park")
    assert services.plans.for_context(place) is None
    plan_id = services.plans.create(context_id=place)
    assert services.plans.for_context(place) == plan_id
    review = services.plans.today() + timedelta(days=20)
    services.plans.save_draft(
        plan_id, review_date=review, actions=[ActionInput("More lighting", "Council")]
    )
    plan = services.plans.plan(plan_id)
    assert [v.number for v in plan.versions] == [1]
    assert [a.what for a in plan.versions[0].actions] == ["More lighting"]
    assert plan.versions[0].review_date == review
    services.plans.save_draft(plan_id, clear_review_date=True)
    assert services.plans.plan(plan_id).versions[0].review_date is None
    with pytest.raises(NotFoundError):
        services.plans.plan("00000000-0000-0000-0000-000000000000")
