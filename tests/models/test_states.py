"""The generic state machine: allowed moves pass; refused ones raise one plain sentence."""

from __future__ import annotations

import enum

import pytest

from hubdesk.errors import DomainError
from hubdesk.models.states import StateMachine, state_words


class Door(enum.StrEnum):
    SHUT = "shut"
    AJAR = "ajar"
    WIDE_OPEN = "wide_open"
    BRICKED_UP = "bricked_up"


DOORS: StateMachine[Door] = StateMachine(
    "door",
    {
        Door.SHUT: frozenset({Door.AJAR, Door.BRICKED_UP}),
        Door.AJAR: frozenset({Door.WIDE_OPEN, Door.SHUT}),
        Door.WIDE_OPEN: frozenset({Door.SHUT}),
    },
    hints={(Door.WIDE_OPEN, Door.AJAR): "Shut it first."},
)


def test_state_words_turn_underscores_into_spaces() -> None:
    assert state_words(Door.WIDE_OPEN) == "wide open"
    assert state_words(Door.SHUT) == "shut"


@pytest.mark.parametrize(
    ("current", "target"),
    [(Door.SHUT, Door.AJAR), (Door.AJAR, Door.WIDE_OPEN), (Door.WIDE_OPEN, Door.SHUT)],
)
def test_allowed_moves_pass_quietly(current: Door, target: Door) -> None:
    assert DOORS.allowed(current, target)
    DOORS.check(current, target)


def test_a_move_to_the_same_state_says_already() -> None:
    with pytest.raises(DomainError) as caught:
        DOORS.check(Door.AJAR, Door.AJAR)
    assert caught.value.message == "This door is ajar already."


def test_a_refused_move_names_both_states() -> None:
    assert not DOORS.allowed(Door.SHUT, Door.WIDE_OPEN)
    with pytest.raises(DomainError) as caught:
        DOORS.check(Door.SHUT, Door.WIDE_OPEN)
    assert caught.value.message == "This door is shut, so it cannot become wide open."


def test_a_refused_move_adds_its_hint() -> None:
    with pytest.raises(DomainError) as caught:
        DOORS.check(Door.WIDE_OPEN, Door.AJAR)
    assert (
        caught.value.message == "This door is wide open, so it cannot become ajar. Shut it first."
    )


def test_a_final_state_says_it_cannot_change_again() -> None:
    with pytest.raises(DomainError) as caught:
        DOORS.check(Door.BRICKED_UP, Door.SHUT)
    assert caught.value.message == (
        "This door is bricked up, so it cannot become shut. "
        "A bricked up door cannot change state again."
    )
