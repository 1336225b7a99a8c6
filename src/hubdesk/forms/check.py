"""What only a whole screening tool definition can tell: the checks after the field shapes.

:func:`check` returns every :class:`Problem` it finds, each with the JSON path of the part at
fault and one plain sentence, so an author can fix a definition in one pass. A definition
with problems is never loaded (:mod:`hubdesk.forms.loader`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hubdesk.forms.definition import (
    WORRYING,
    Definition,
    IndicatorAnswer,
    Question,
    QuestionKind,
)

CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
YES_NO_ANSWERS = ("yes", "no", "not_known")
#: Indicator answers that record no worry: a follow-up must never depend on them.
CALM = frozenset(a.value for a in IndicatorAnswer if a not in WORRYING)


@dataclass(frozen=True)
class Problem:
    #: Where, as a JSON path such as ``sections[2].questions[0].weight``; "" for the whole file.
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def check(definition: Definition) -> list[Problem]:
    """Every problem in ``definition``, in the order they appear in the file."""
    return [
        *_sections_and_questions(definition),
        *_conditions(definition),
        *_cycles(definition),
        *_levels(definition),
        *_rules(definition),
    ]


def possible_answers(question: Question) -> tuple[str, ...] | None:
    """The answers a condition can name for ``question``; None when they cannot be listed."""
    if question.kind is QuestionKind.INDICATOR:
        return tuple(a.value for a in IndicatorAnswer)
    if question.kind is QuestionKind.YES_NO:
        return YES_NO_ANSWERS
    if question.kind in CHOICE_KINDS:
        return tuple(o.value for o in question.options)
    return None


def _kind_words(kind: QuestionKind) -> str:
    words = {QuestionKind.YES_NO: "yes/no", QuestionKind.INDICATOR: "an indicator"}
    text = words.get(kind, kind.value.replace("_", " "))
    return text if text.startswith("an ") else f"a {text}"


def _question_paths(definition: Definition) -> dict[str, str]:
    """Each question id's path (the first, when an id is used twice)."""
    paths: dict[str, str] = {}
    for si, section in enumerate(definition.sections):
        for qi, question in enumerate(section.questions):
            paths.setdefault(question.id, f"sections[{si}].questions[{qi}]")
    return paths


def _sections_and_questions(definition: Definition) -> Iterator[Problem]:
    section_ids: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    for si, section in enumerate(definition.sections):
        spath = f"sections[{si}]"
        if section.id in section_ids:
            yield Problem(
                f"{spath}.id", f"'{section.id}' is already the id of {section_ids[section.id]}."
            )
        section_ids.setdefault(section.id, spath)
        for qi, question in enumerate(section.questions):
            qpath = f"{spath}.questions[{qi}]"
            if question.id in question_ids:
                yield Problem(
                    f"{qpath}.id",
                    f"'{question.id}' is already the id of {question_ids[question.id]}.",
                )
            question_ids.setdefault(question.id, qpath)
            yield from _options(question, qpath)
            if not section.scored:
                yield from _unscored_weights(question, qpath)


def _options(question: Question, qpath: str) -> Iterator[Problem]:
    kind = _kind_words(question.kind)
    if question.kind in CHOICE_KINDS and not question.options:
        yield Problem(
            f"{qpath}.options", f"is empty: {kind} question needs options to choose from."
        )
    if question.kind not in CHOICE_KINDS and question.options:
        yield Problem(
            f"{qpath}.options",
            f"only choice questions have options, and this is {kind} question.",
        )
    if question.kind in CHOICE_KINDS and question.weight > 0:
        yield Problem(
            f"{qpath}.weight",
            "adds nothing: a choice question adds its chosen options' weights instead.",
        )
    seen: dict[str, int] = {}
    for oi, option in enumerate(question.options):
        if option.value in seen:
            yield Problem(
                f"{qpath}.options[{oi}].value",
                f"'{option.value}' is already the value of options[{seen[option.value]}].",
            )
        seen.setdefault(option.value, oi)


def _unscored_weights(question: Question, qpath: str) -> Iterator[Problem]:
    message = "adds nothing: the section is not scored."
    if question.weight > 0:
        yield Problem(f"{qpath}.weight", message)
    for oi, option in enumerate(question.options):
        if option.weight > 0:
            yield Problem(f"{qpath}.options[{oi}].weight", message)


def _answer_problems(
    path: str, target: Question | None, target_id: str, answers: list[str]
) -> Iterator[Problem]:
    """Problems with a condition naming ``target_id`` answered one of ``answers``."""
    if target is None:
        yield Problem(f"{path}.question", f"there is no question with the id '{target_id}'.")
        return
    possible = possible_answers(target)
    if possible is None:
        kind = _kind_words(target.kind)
        yield Problem(
            f"{path}.question",
            f"'{target_id}' is {kind} question: its answer cannot be used in a condition.",
        )
        return
    for ai, answer in enumerate(answers):
        if answer not in possible:
            yield Problem(
                f"{path}.answers[{ai}]",
                f"'{target_id}' cannot be answered '{answer}'; "
                f"its answers are: {', '.join(possible)}.",
            )


def _conditions(definition: Definition) -> Iterator[Problem]:
    by_id = {q.id: q for q in definition.questions()}
    for si, section in enumerate(definition.sections):
        for qi, question in enumerate(section.questions):
            when = question.show_when
            if when is None:
                continue
            path = f"sections[{si}].questions[{qi}].show_when"
            target = by_id.get(when.question)
            yield from _answer_problems(path, target, when.question, when.answers)
            if target is None or target.kind is not QuestionKind.INDICATOR:
                continue
            calm = [a for a in when.answers if a in CALM]
            if calm:
                yield Problem(
                    f"{path}.answers",
                    f"shows this question when '{when.question}' is answered "
                    f"{' or '.join(a.replace('_', ' ') for a in calm)}, so recording a concern "
                    "there would hide it and could lower the guide level; show follow-ups "
                    "only on concern or evidenced.",
                )
            elif set(when.answers) <= set(IndicatorAnswer) and not set(when.answers) >= WORRYING:
                yield Problem(
                    f"{path}.answers",
                    f"shows this question for only one of concern and evidenced on "
                    f"'{when.question}', so moving from concern to evidenced would hide it and "
                    "could lower the guide level; list both.",
                )


def _cycles(definition: Definition) -> Iterator[Problem]:
    """show_when conditions that lead back to themselves (each question has one parent)."""
    parent = {q.id: q.show_when.question for q in definition.questions() if q.show_when}
    paths = _question_paths(definition)
    reported: set[str] = set()
    for start in parent:
        chain = [start]
        while (nxt := parent.get(chain[-1])) is not None and nxt not in chain:
            chain.append(nxt)
        if nxt is None or nxt in reported:
            continue
        loop = chain[chain.index(nxt) :]
        reported.update(loop)
        first = min(loop, key=lambda qid: list(paths).index(qid))
        at = loop.index(first)
        ordered = [*loop[at:], *loop[:at], first]
        yield Problem(
            f"{paths[first]}.show_when",
            f"the conditions go round in a circle ({' → '.join(ordered)}), "
            "so these questions could never be shown.",
        )


def _levels(definition: Definition) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    previous = None
    for li, band in enumerate(definition.levels):
        path = f"levels[{li}]"
        if band.id in seen:
            yield Problem(
                f"{path}.id", f"'{band.id}' is already the id of levels[{seen[band.id]}]."
            )
        seen.setdefault(band.id, li)
        if li == 0 and band.min_score != 0:
            yield Problem(
                f"{path}.min_score",
                f"is {band.min_score:g}, but the first level must start at 0 "
                "so that every score has a level.",
            )
        if previous is not None and band.min_score == previous:
            yield Problem(
                f"{path}.min_score",
                f"is {band.min_score:g}, the same as levels[{li - 1}]: the two levels overlap.",
            )
        elif previous is not None and band.min_score < previous:
            yield Problem(
                f"{path}.min_score",
                f"is {band.min_score:g}, lower than levels[{li - 1}] ({previous:g}): "
                "list the levels from the lowest score up.",
            )
        previous = band.min_score
        if band.pathway is None:
            yield Problem(f"{path}.pathway", "is missing: every level needs a pathway.")


def _rules(definition: Definition) -> Iterator[Problem]:
    by_id = {q.id: q for q in definition.questions()}
    level_ids = {band.id for band in definition.levels}
    for ri, rule in enumerate(definition.rules):
        path = f"rules[{ri}]"
        if rule.level not in level_ids:
            yield Problem(
                f"{path}.level", f"'{rule.level}' is not one of this definition's levels."
            )
        if not rule.when_any_harm and not rule.when_answers:
            yield Problem(
                path,
                "has no condition, so it could never apply: "
                "set when_any_harm or list when_answers.",
            )
        if rule.when_any_harm and not any(q.harm for q in by_id.values()):
            yield Problem(
                f"{path}.when_any_harm",
                "can never apply: no question is marked as a sign of harm.",
            )
        for ci, cond in enumerate(rule.when_answers):
            yield from _answer_problems(
                f"{path}.when_answers[{ci}]", by_id.get(cond.question), cond.question, cond.answers
            )
