"""Plan version lifecycle: draft → submitted → approved | returned → (signed) → active →
reviewed → closed, with superseded when a newer version takes over."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hubdesk.errors import DomainError
from hubdesk.models import PlanAction, PlanVersion
from hubdesk.models.plans import PLAN_VERSION_STATES
from hubdesk.models.plans import PlanVersionStatus as P

AT = datetime(2025, 5, 2, 14, 0, tzinfo=UTC)

#: The allowed moves, written out from DESIGN.md §2 independently of the code's table.
EXPECTED: dict[P, set[P]] = {
    P.DRAFT: {P.SUBMITTED},
    P.SUBMITTED: {P.APPROVED, P.RETURNED},
    P.RETURNED: {P.SUPERSEDED},
    P.APPROVED: {P.SIGNED, P.ACTIVE, P.SUPERSEDED},
    P.SIGNED: {P.ACTIVE, P.SUPERSEDED},
    P.ACTIVE: {P.REVIEWED, P.SUPERSEDED, P.CLOSED},
    P.REVIEWED: {P.CLOSED, P.SUPERSEDED},
    P.SUPERSEDED: set(),
    P.CLOSED: set(),
}


def action(what: str = "Ring Zoë every Friday after school", deleted: bool = False) -> PlanAction:
    return PlanAction(
        what=what,
        owner="Ciarán O'Dowd",
        agency="Youth service",
        deleted_at=AT if deleted else None,
    )


def version(
    actions: list[PlanAction] | None = None, review: date | None = date(2025, 8, 1)
) -> PlanVersion:
    return PlanVersion(
        number=1,
        status=P.DRAFT,
        review_date=review,
        actions=[action()] if actions is None else actions,
    )


def test_the_code_table_matches_the_design() -> None:
    for current in P:
        allowed = {target for target in P if PLAN_VERSION_STATES.allowed(current, target)}
        assert allowed == EXPECTED[current], current


def test_submitting_records_who_and_when_and_freezes() -> None:
    item = version()
    assert not item.is_frozen()
    item.submit("Anaïs O'Farrell", AT)
    assert item.status is P.SUBMITTED
    assert (item.submitted_by, item.submitted_at) == ("Anaïs O'Farrell", AT)
    assert item.is_frozen()


def test_submitting_with_no_action_and_no_review_date_names_both() -> None:
    item = version(actions=[], review=None)
    with pytest.raises(DomainError) as caught:
        item.submit("Anaïs O'Farrell", AT)
    assert caught.value.message == (
        "This plan cannot be submitted yet: it needs at least one action saying who will do "
        "what and a review date."
    )
    assert item.status is P.DRAFT
    assert item.submitted_at is None


def test_submitting_with_no_action_names_the_action() -> None:
    item = version(actions=[])
    with pytest.raises(DomainError) as caught:
        item.submit("Anaïs O'Farrell", AT)
    assert caught.value.message == (
        "This plan cannot be submitted yet: it needs at least one action saying who will do what."
    )


def test_submitting_with_only_removed_actions_is_refused() -> None:
    item = version(actions=[action(deleted=True)])
    with pytest.raises(DomainError) as caught:
        item.submit("Anaïs O'Farrell", AT)
    assert "at least one action" in caught.value.message
    assert item.status is P.DRAFT


def test_submitting_with_no_review_date_names_the_review_date() -> None:
    item = version(review=None)
    with pytest.raises(DomainError) as caught:
        item.submit("Anaïs O'Farrell", AT)
    assert caught.value.message == "This plan cannot be submitted yet: it needs a review date."


@pytest.mark.parametrize("decision", [P.APPROVED, P.RETURNED])
def test_a_submitted_version_can_be_approved_or_returned(decision: P) -> None:
    item = version()
    item.submit("Anaïs O'Farrell", AT)
    item.move_to(decision)
    assert item.status is decision
    assert item.is_frozen()


def test_an_approved_version_cannot_go_back_to_draft() -> None:
    item = version()
    item.submit("Anaïs O'Farrell", AT)
    item.move_to(P.APPROVED)
    with pytest.raises(DomainError) as caught:
        item.move_to(P.DRAFT)
    assert caught.value.message == (
        "This plan version is approved, so it cannot become draft. "
        "Edit the plan to start a new draft version instead."
    )
    assert item.status is P.APPROVED


def test_a_returned_version_can_be_superseded() -> None:
    item = version()
    item.submit("Anaïs O'Farrell", AT)
    item.move_to(P.RETURNED)
    item.move_to(P.SUPERSEDED)
    assert item.status is P.SUPERSEDED


def test_a_draft_cannot_be_approved_without_submitting() -> None:
    item = version()
    with pytest.raises(DomainError) as caught:
        item.move_to(P.APPROVED)
    assert caught.value.message == (
        "This plan version is draft, so it cannot become approved. "
        "Submit the draft for approval first."
    )


def test_the_full_happy_path_to_closed() -> None:
    item = version()
    item.submit("Anaïs O'Farrell", AT)
    for step in (P.APPROVED, P.SIGNED, P.ACTIVE, P.REVIEWED, P.CLOSED):
        item.move_to(step)
        assert item.status is step
    with pytest.raises(DomainError) as caught:
        item.move_to(P.ACTIVE)
    assert caught.value.message.endswith("A closed plan version cannot change state again.")


def request(item: PlanVersion, wanted: P) -> None:
    """Ask for a move the way the services do: ``submit`` for submitting, else ``move_to``."""
    if wanted is P.SUBMITTED:
        item.submit("Anaïs O'Farrell", AT)
    else:
        item.move_to(wanted)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(list(P)), max_size=12))
def test_any_sequence_follows_the_table_or_changes_nothing(moves: list[P]) -> None:
    item = version()
    for wanted in moves:
        before = item.status
        refused: DomainError | None = None
        try:
            request(item, wanted)
        except DomainError as exc:
            refused = exc
        if refused is None:
            assert wanted in EXPECTED[before]
            assert item.status is wanted
        else:
            assert wanted not in EXPECTED[before]
            assert item.status is before
            assert refused.message.startswith(f"This plan version is {before.value}")


class PlanVersionMachine(RuleBasedStateMachine):
    """Random requested moves against one version; the model is the design's table."""

    def __init__(self) -> None:
        super().__init__()
        self.item = version()
        self.expected = P.DRAFT

    @rule(wanted=st.sampled_from(list(P)))
    def ask(self, wanted: P) -> None:
        try:
            request(self.item, wanted)
        except DomainError:
            assert wanted not in EXPECTED[self.expected]
        else:
            assert wanted in EXPECTED[self.expected]
            self.expected = wanted

    @invariant()
    def status_is_what_the_table_says(self) -> None:
        assert self.item.status is self.expected

    @invariant()
    def frozen_exactly_when_not_a_draft(self) -> None:
        assert self.item.is_frozen() is (self.expected is not P.DRAFT)


PlanVersionMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=15)
TestPlanVersionMachine = PlanVersionMachine.TestCase
