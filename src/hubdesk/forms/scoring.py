"""The guide level a screening's answers point to, with its reasons in plain words.

Pure functions over a :class:`~hubdesk.forms.definition.Definition` and the answers by question
id. Only visible questions count: an answer left behind on a question that a later change hid
adds nothing. The score only ever grows with a new concern (weights are never negative) and
override rules only raise the level, so recording a worry can never lower the guide. The tool
guides; the practitioner sets the final level (DOMAIN.md, "Screening").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hubdesk.forms.definition import (
    WORRYING,
    Answer,
    AtLeastRule,
    Definition,
    IndicatorAnswer,
    LevelBand,
    Question,
    QuestionKind,
)
from hubdesk.models.enums import Level

Answers = Mapping[str, Answer]


@dataclass(frozen=True)
class Guide:
    """The computed guide: a level id (a :class:`Level` value), the score and why."""

    level: str
    score: float
    reasons: tuple[str, ...]
    #: Score by section id, for scored sections only.
    section_scores: dict[str, float] = field(default_factory=dict)


def level_rank(level_id: str) -> int:
    """0 for no_identified_concern up to 3 for significant; ValueError for an unknown id."""
    return Level(level_id).rank


def answered_values(answer: Answer | None) -> set[str]:
    """Every value an answer holds (a single value and any multiple-choice values)."""
    if answer is None:
        return set()
    values = set(answer.values)
    if answer.value is not None:
        values.add(answer.value)
    return values


def visible_questions(definition: Definition, answers: Answers) -> set[str]:
    """Ids of the questions shown: those without ``show_when``, and those whose controlling
    question is itself visible and answered with one of the listed answers."""
    by_id = {q.id: q for q in definition.questions()}
    known: dict[str, bool] = {}

    def visible(question_id: str, seen: frozenset[str]) -> bool:
        if question_id in known:
            return known[question_id]
        question = by_id.get(question_id)
        if question is None or question_id in seen:
            # An unknown controlling question or a cycle (the checker rejects both): hidden.
            return False
        condition = question.show_when
        result = condition is None or (
            visible(condition.question, seen | {question_id})
            and bool(answered_values(answers.get(condition.question)) & set(condition.answers))
        )
        known[question_id] = result
        return result

    return {q for q in by_id if visible(q, frozenset())}


def question_score(definition: Definition, question: Question, answer: Answer | None) -> float:
    """What one answer adds, whether or not its section is scored or it is visible."""
    if answer is None:
        return 0.0
    match question.kind:
        case QuestionKind.INDICATOR:
            if answer.value == IndicatorAnswer.CONCERN:
                return question.weight
            if answer.value == IndicatorAnswer.EVIDENCED:
                return question.weight * definition.evidenced_factor
            return 0.0
        case QuestionKind.YES_NO:
            return question.weight if answer.value == "yes" else 0.0
        case QuestionKind.SINGLE_CHOICE:
            return sum(o.weight for o in question.options if o.value == answer.value)
        case QuestionKind.MULTIPLE_CHOICE:
            chosen = set(answer.values)
            return sum(o.weight for o in question.options if o.value in chosen)
        case _:
            return 0.0


def band_for(definition: Definition, score: float) -> LevelBand:
    """The band whose ``[min_score, next min_score)`` holds ``score`` (the lowest band for a
    score below every threshold, which a checked definition starting at 0 never has)."""
    bands = sorted(definition.levels, key=lambda b: b.min_score)
    chosen = bands[0]
    for band in bands:
        if band.min_score <= score:
            chosen = band
    return chosen


def guide(definition: Definition, answers: Answers, age: int | None) -> Guide:
    """The guide level for ``answers`` to ``definition`` for a young person aged ``age``
    (None when not known: age-limited rules then do not apply)."""
    shown = visible_questions(definition, answers)
    section_scores: dict[str, float] = {}
    reasons: list[str] = []
    for section in definition.sections:
        if not section.scored:
            continue
        counted = [q for q in section.questions if q.id in shown]
        score = sum(question_score(definition, q, answers.get(q.id)) for q in counted)
        section_scores[section.id] = score
        if score > 0:
            reasons.append(
                f"{_section_summary(counted, answers)} in {section.title} (score {_num(score)})"
            )
    total = sum(section_scores.values())
    band = band_for(definition, total)
    reasons.append(
        f"Score {_num(total)} is in the {band.label} band ({_band_range(definition, band, total)})"
    )
    level = band.id
    for rule in definition.rules:
        triggered = _rule_triggers(rule, definition, answers, shown, age)
        if not triggered:
            continue
        texts = "; ".join(q.text for q in triggered)
        if level_rank(rule.level) > level_rank(level):
            level = rule.level
            reasons.append(
                f"{rule.reason}: {texts}. The guide is raised to {_label(definition, level)}"
            )
        else:
            reasons.append(f"{rule.reason}: {texts}")
    return Guide(level=level, score=total, reasons=tuple(reasons), section_scores=section_scores)


def _rule_triggers(
    rule: AtLeastRule, definition: Definition, answers: Answers, shown: set[str], age: int | None
) -> list[Question]:
    """The visible questions whose answers make ``rule`` hold (empty when it does not)."""
    if rule.under_age is not None and (age is None or age >= rule.under_age):
        return []
    by_id = {q.id: q for q in definition.questions()}
    hits: dict[str, Question] = {}
    if rule.when_any_harm:
        for question in by_id.values():
            answer = answers.get(question.id)
            if (
                question.harm
                and question.id in shown
                and answer is not None
                and answer.value in WORRYING
            ):
                hits[question.id] = question
    for condition in rule.when_answers:
        controlled = by_id.get(condition.question)
        if (
            controlled is not None
            and controlled.id in shown
            and answered_values(answers.get(controlled.id)) & set(condition.answers)
        ):
            hits[controlled.id] = controlled
    return list(hits.values())


def _section_summary(questions: list[Question], answers: Answers) -> str:
    indicators = [q for q in questions if q.kind is QuestionKind.INDICATOR]
    values = [a.value for q in indicators if (a := answers.get(q.id)) is not None]
    evidenced = values.count(IndicatorAnswer.EVIDENCED)
    concern = values.count(IndicatorAnswer.CONCERN)
    parts: list[str] = []
    if evidenced:
        parts.append(f"{_count(evidenced, 'indicator')} evidenced")
    if concern:
        parts.append(
            _count(concern, "concern")
            if evidenced
            else f"{_count(concern, 'indicator')} of concern"
        )
    return " and ".join(parts) if parts else "Answers"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _num(value: float) -> str:
    return f"{value:g}"


def _label(definition: Definition, level_id: str) -> str:
    for band in definition.levels:
        if band.id == level_id:
            return band.label
    return level_id.replace("_", " ").capitalize()


def _band_range(definition: Definition, band: LevelBand, score: float) -> str:
    above = sorted(b.min_score for b in definition.levels if b.min_score > band.min_score)
    low = band.min_score
    if not above:
        return f"{_num(low)} or more"
    high = above[0]
    if all(float(x).is_integer() for x in (low, high, score)):
        return _num(low) if high - low == 1 else f"{_num(low)} to {_num(high - 1)}"
    return f"{_num(low)} to under {_num(high)}"
