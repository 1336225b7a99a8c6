"""Small, explicit state machines for records with a lifecycle.

Each machine lists the moves allowed from each state. Asking for any other move raises a
:class:`~hubdesk.errors.DomainError` with a plain sentence, so a UI or CLI can show it as is.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from hubdesk.errors import DomainError

S = TypeVar("S", bound=enum.StrEnum)


def state_words(state: enum.StrEnum) -> str:
    """``returned_to_worker`` → ``returned to worker``."""
    return str(state.value).replace("_", " ")


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    record_label: str
    moves: Mapping[S, frozenset[S]]
    #: Extra explanation for a refused move, keyed by (from, to); added to the sentence.
    hints: Mapping[tuple[S, S], str] | None = None

    def allowed(self, current: S, target: S) -> bool:
        return target in self.moves.get(current, frozenset())

    def check(self, current: S, target: S) -> None:
        if self.allowed(current, target):
            return
        if current == target:
            raise DomainError(f"This {self.record_label} is {state_words(current)} already.")
        sentence = (
            f"This {self.record_label} is {state_words(current)}, "
            f"so it cannot become {state_words(target)}."
        )
        hint = (self.hints or {}).get((current, target))
        if hint is None and not self.moves.get(current):
            hint = f"A {state_words(current)} {self.record_label} cannot change state again."
        raise DomainError(f"{sentence} {hint}" if hint else sentence)
