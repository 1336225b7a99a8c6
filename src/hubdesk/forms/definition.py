"""The shape of a screening tool definition (one JSON file per tool version).

A definition is data an authority can revise: sections of questions, the weight each answer
adds, which questions show only after another answer, override rules, and the levels with
their score thresholds and the pathway each recommends. It is validated in two steps: these
pydantic models check each field's shape; :mod:`hubdesk.forms.check` checks what only the
whole definition can tell (unknown question ids, gaps between thresholds, cycles …).

Weights are never negative and override rules only raise the guide level, so recording a new
concern can never lower it: the tool guides, the practitioner judges (DOMAIN.md).
"""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionKind(enum.StrEnum):
    #: An indicator: not known / absent / concern / evidenced, with source and current/historic.
    INDICATOR = "indicator"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"
    DATE = "date"
    #: Pick one of the young person's contexts (a place, peer group, school, online space).
    CONTEXT = "context"


class IndicatorAnswer(enum.StrEnum):
    NOT_KNOWN = "not_known"
    ABSENT = "absent"
    CONCERN = "concern"
    EVIDENCED = "evidenced"


#: Indicator answers that record a worry (they score, and count for override rules).
WORRYING = frozenset({IndicatorAnswer.CONCERN, IndicatorAnswer.EVIDENCED})


class Option(Strict):
    value: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    weight: float = Field(default=0, ge=0)


class ShowWhen(Strict):
    """Show the question only when ``question`` is answered with one of ``answers``
    (an indicator answer, ``yes``/``no``, or an option value)."""

    question: str = Field(pattern=ID_PATTERN)
    answers: list[str] = Field(min_length=1)


class Question(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: QuestionKind
    text: str = Field(min_length=1)
    help: str = ""
    required: bool = False
    #: Indicator: what a concern adds (evidenced adds ``evidenced_factor`` times as much);
    #: yes/no: what "yes" adds. Choice questions weigh their options instead.
    weight: float = Field(default=0, ge=0)
    options: list[Option] = Field(default_factory=list)
    show_when: ShowWhen | None = None
    #: A sign of actual harm (for "any actual-harm indicator ⇒ at least …" rules).
    harm: bool = False


class Section(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    help: str = ""
    #: Vulnerabilities, strengths and analysis inform the judgement but add nothing.
    scored: bool = True
    questions: list[Question] = Field(min_length=1)


class Pathway(Strict):
    summary: str = Field(min_length=1)
    actions: list[str] = Field(default_factory=list)


class LevelBand(Strict):
    #: One of hubdesk.models.enums.Level's values.
    id: Literal["no_identified_concern", "emerging", "moderate", "significant"]
    label: str = Field(min_length=1)
    #: The band runs from ``min_score`` (inclusive) up to the next band's ``min_score``.
    min_score: float = Field(ge=0)
    pathway: Pathway | None = None


class AnswerIs(Strict):
    question: str = Field(pattern=ID_PATTERN)
    answers: list[str] = Field(min_length=1)


class AtLeastRule(Strict):
    """Raise the guide to at least ``level`` when any condition holds (never lowers it)."""

    kind: Literal["at_least"] = "at_least"
    level: Literal["no_identified_concern", "emerging", "moderate", "significant"]
    #: Shown as the reason, e.g. "A sign of actual harm is recorded".
    reason: str = Field(min_length=1)
    #: Any question marked ``harm`` answered concern or evidenced.
    when_any_harm: bool = False
    #: Any of these answers.
    when_answers: list[AnswerIs] = Field(default_factory=list)
    #: Only for a young person younger than this many years (when the age is known).
    under_age: int | None = Field(default=None, ge=1, le=25)


class Definition(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    status: Literal["active", "withdrawn"] = "active"
    #: How many times a concern's weight an evidenced indicator adds.
    evidenced_factor: float = Field(default=2, ge=1)
    sections: list[Section] = Field(min_length=1)
    #: Lowest band first; the first starts at 0.
    levels: list[LevelBand] = Field(min_length=1)
    rules: list[AtLeastRule] = Field(default_factory=list)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


class Answer(Strict):
    """One answer as stored in a screening (JSON in ``Screening.answers``, by question id)."""

    #: Indicator answer, "yes"/"no"/"not_known", an option value, or an ISO date.
    value: str | None = None
    #: Multiple choice.
    values: list[str] = Field(default_factory=list)
    #: Free text; for an indicator, also where the information came from.
    text: str = ""
    source: str = ""
    #: Indicator: true = within the last 6 months, false = historic, None = not said.
    current: bool | None = None
    #: A context question: the chosen context's id.
    context_id: str | None = None
