"""The guide level: property tests over random answer sets, and examples for each rule kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubdesk.forms.definition import (
    Answer,
    AnswerIs,
    AtLeastRule,
    Definition,
    IndicatorAnswer,
    LevelBand,
    Option,
    Question,
    QuestionKind,
    Section,
    ShowWhen,
)
from hubdesk.forms.scoring import band_for, guide, level_rank, visible_questions

SHIPPED = Path(__file__).parents[2] / "src/hubdesk/resources/screening/exploitation-v1.json"
WORRY = ["concern", "evidenced"]


def indicator(
    qid: str, weight: float = 1, *, harm: bool = False, show: ShowWhen | None = None
) -> Question:
    return Question(
        id=qid,
        kind=QuestionKind.INDICATOR,
        text=f"Text of {qid}",
        weight=weight,
        harm=harm,
        show_when=show,
    )


def small_definition() -> Definition:
    """Every question kind, a two-step show_when chain, an unscored section and all rule kinds."""
    return Definition(
        id="small",
        version=1,
        title="Small test tool",
        evidenced_factor=2,
        sections=[
            Section(
                id="worries",
                title="Worries",
                questions=[
                    indicator("missing", 2),
                    indicator("missing_again", 1, show=ShowWhen(question="missing", answers=WORRY)),
                    indicator(
                        "missing_far", 3, show=ShowWhen(question="missing_again", answers=WORRY)
                    ),
                    Question(id="debt", kind=QuestionKind.YES_NO, text="Owes money", weight=2),
                    Question(
                        id="how_often",
                        kind=QuestionKind.SINGLE_CHOICE,
                        text="How often",
                        options=[
                            Option(value="once", label="Once", weight=0),
                            Option(value="often", label="Often", weight=2),
                        ],
                    ),
                    Question(
                        id="where",
                        kind=QuestionKind.MULTIPLE_CHOICE,
                        text="Where",
                        options=[
                            Option(value="park", label="Park", weight=1),
                            Option(value="station", label="Station", weight=1.5),
                            Option(value="home", label="Home", weight=0),
                        ],
                    ),
                    Question(id="notes", kind=QuestionKind.TEXT, text="Notes", weight=5),
                ],
            ),
            Section(id="harm", title="Harm", questions=[indicator("hurt", 3, harm=True)]),
            Section(
                id="vulnerable",
                title="Vulnerabilities",
                scored=False,
                questions=[indicator("in_care", 3), indicator("old_harm", 3, harm=True)],
            ),
        ],
        levels=[
            LevelBand(id="no_identified_concern", label="None", min_score=0),
            LevelBand(id="emerging", label="Emerging", min_score=1),
            LevelBand(id="moderate", label="Moderate", min_score=5),
            LevelBand(id="significant", label="Significant", min_score=10.5),
        ],
        rules=[
            AtLeastRule(
                level="significant", reason="A sign of actual harm is recorded", when_any_harm=True
            ),
            AtLeastRule(
                level="moderate",
                reason="Money is owed",
                when_answers=[AnswerIs(question="debt", answers=["yes"])],
            ),
            AtLeastRule(
                level="significant",
                reason="A young child is found far from home",
                when_answers=[AnswerIs(question="missing_far", answers=["evidenced"])],
                under_age=13,
            ),
        ],
    )


def shipped() -> Definition:
    return Definition.model_validate_json(SHIPPED.read_text(encoding="utf-8"))


DEFINITIONS = [small_definition(), shipped()]


def answer_for(question: Question) -> st.SearchStrategy[Answer]:
    values = [o.value for o in question.options]
    match question.kind:
        case QuestionKind.INDICATOR:
            return st.sampled_from(list(IndicatorAnswer)).map(lambda v: Answer(value=v.value))
        case QuestionKind.YES_NO:
            return st.sampled_from(["yes", "no", "not_known"]).map(lambda v: Answer(value=v))
        case QuestionKind.SINGLE_CHOICE:
            return st.sampled_from(values).map(lambda v: Answer(value=v))
        case QuestionKind.MULTIPLE_CHOICE:
            return st.lists(st.sampled_from(values), unique=True).map(lambda vs: Answer(values=vs))
        case QuestionKind.CONTEXT:
            return st.just(Answer(context_id="ctx1"))
        case _:
            return st.text(max_size=5).map(lambda t: Answer(value="yes", text=t))


def answer_sets(definition: Definition) -> st.SearchStrategy[dict[str, Answer]]:
    return st.fixed_dictionaries({}, optional={q.id: answer_for(q) for q in definition.questions()})


@st.composite
def definitions_with_answers(draw: st.DrawFn) -> tuple[Definition, dict[str, Answer], int | None]:
    definition = draw(st.sampled_from(DEFINITIONS))
    answers = draw(answer_sets(definition))
    age = draw(st.none() | st.integers(min_value=5, max_value=19))
    return definition, answers, age


@given(definitions_with_answers(), st.data())
@settings(max_examples=100)
def test_adding_a_concern_never_lowers_the_level(
    case: tuple[Definition, dict[str, Answer], int | None], data: st.DataObject
) -> None:
    definition, answers, age = case
    shown = visible_questions(definition, answers)
    raisable = {
        q.id: q
        for q in definition.questions()
        if q.kind is QuestionKind.INDICATOR
        and q.id in shown
        and (answers.get(q.id) or Answer()).value in {None, "not_known", "absent", "concern"}
    }
    if not raisable:
        return
    qid = data.draw(st.sampled_from(sorted(raisable)))
    before = answers.get(qid, Answer()).value
    after = "evidenced" if before == "concern" else "concern"
    raised = {**answers, qid: Answer(value=after)}
    old, new = guide(definition, answers, age), guide(definition, raised, age)
    assert level_rank(new.level) >= level_rank(old.level)
    assert new.score >= old.score


@given(definitions_with_answers(), st.data())
@settings(max_examples=100)
def test_answers_to_hidden_questions_never_change_the_guide(
    case: tuple[Definition, dict[str, Answer], int | None], data: st.DataObject
) -> None:
    definition, answers, age = case
    shown = visible_questions(definition, answers)
    hidden = [q for q in definition.questions() if q.id not in shown]
    other = data.draw(st.fixed_dictionaries({}, optional={q.id: answer_for(q) for q in hidden}))
    mixed = {k: v for k, v in answers.items() if k in shown} | other
    assert visible_questions(definition, mixed) == shown
    assert guide(definition, mixed, age) == guide(definition, answers, age)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=["small", "shipped"])
@given(score=st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_every_score_falls_in_exactly_one_band(definition: Definition, score: float) -> None:
    bands = sorted(definition.levels, key=lambda b: b.min_score)
    uppers = [b.min_score for b in bands[1:]] + [float("inf")]
    holding = [b for b, up in zip(bands, uppers, strict=True) if b.min_score <= score < up]
    assert len(holding) == 1
    assert band_for(definition, score) == holding[0]


def test_level_rank_orders_the_levels() -> None:
    ranks = [
        level_rank(x) for x in ("no_identified_concern", "emerging", "moderate", "significant")
    ]
    assert ranks == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="high"):
        level_rank("high")


def test_show_when_chains_follow_the_controlling_question() -> None:
    d = small_definition()
    base = {"in_care", "missing", "debt", "how_often", "where", "notes", "hurt", "old_harm"}
    assert visible_questions(d, {}) == base
    assert visible_questions(d, {"missing": Answer(value="concern")}) == base | {"missing_again"}
    chained = {"missing": Answer(value="evidenced"), "missing_again": Answer(value="concern")}
    assert visible_questions(d, chained) == base | {"missing_again", "missing_far"}
    # Hiding the first question hides the whole chain, whatever the later answers say.
    cut = {**chained, "missing": Answer(value="absent")}
    assert visible_questions(d, cut) == base


def test_each_question_kind_scores() -> None:
    d = small_definition()
    answers = {
        "missing": Answer(value="evidenced"),  # 2 × 2
        "missing_again": Answer(value="concern"),  # 1
        "debt": Answer(value="no"),
        "how_often": Answer(value="often"),  # 2
        "where": Answer(values=["park", "station", "home"]),  # 2.5
        "notes": Answer(value="yes", text="Anything"),  # text never scores
        "in_care": Answer(value="evidenced"),  # unscored section
    }
    result = guide(d, answers, None)
    assert result.section_scores == {"worries": 9.5, "harm": 0}
    assert result.score == 9.5
    assert result.level == "moderate"


def test_blank_screening_guides_no_identified_concern() -> None:
    result = guide(small_definition(), {}, 10)
    assert result.level == "no_identified_concern"
    assert result.score == 0
    assert result.reasons == ("Score 0 is in the None band (0)",)


def test_band_boundaries_are_inclusive_below() -> None:
    d = small_definition()
    assert (
        guide(d, {"missing_again": Answer(value="concern")}, None).level == "no_identified_concern"
    )
    assert guide(d, {"missing": Answer(value="concern")}, None).level == "emerging"
    five = {"missing": Answer(value="evidenced"), "where": Answer(values=["park"])}
    assert guide(d, five, None).level == "moderate"


def test_any_harm_rule_raises_to_significant_and_names_the_question() -> None:
    result = guide(small_definition(), {"hurt": Answer(value="concern")}, None)
    assert result.level == "significant"
    assert result.score == 3
    assert (
        "A sign of actual harm is recorded: Text of hurt. The guide is raised to Significant"
        in result.reasons
    )


def test_harm_in_an_unscored_section_still_counts_for_the_rule() -> None:
    result = guide(small_definition(), {"old_harm": Answer(value="evidenced")}, None)
    assert (result.level, result.score) == ("significant", 0)


def test_harm_answered_absent_or_not_known_does_not_trigger() -> None:
    for value in ("absent", "not_known"):
        assert guide(small_definition(), {"hurt": Answer(value=value)}, None).level == (
            "no_identified_concern"
        )


def test_when_answers_rule_raises_but_never_lowers() -> None:
    d = small_definition()
    raised = guide(d, {"debt": Answer(value="yes")}, None)
    assert (raised.level, raised.score) == ("moderate", 2)
    assert "Money is owed: Owes money. The guide is raised to Moderate" in raised.reasons
    higher = {"debt": Answer(value="yes"), "hurt": Answer(value="evidenced")}
    assert guide(d, higher, None).level == "significant"


def test_under_age_rule_applies_only_when_the_age_is_known_and_below() -> None:
    d = small_definition()
    answers = {
        "missing": Answer(value="concern"),
        "missing_again": Answer(value="concern"),
        "missing_far": Answer(value="evidenced"),
    }
    assert guide(d, answers, None).level == "moderate"  # 2 + 1 + 6 = 9
    assert guide(d, answers, 13).level == "moderate"
    young = guide(d, answers, 12)
    assert young.level == "significant"
    assert any(
        r.startswith("A young child is found far from home: Text of missing_far")
        for r in young.reasons
    )


def test_rule_on_a_hidden_question_does_not_trigger() -> None:
    d = small_definition()
    answers = {
        "missing": Answer(value="absent"),
        "missing_again": Answer(value="concern"),
        "missing_far": Answer(value="evidenced"),
    }
    assert guide(d, answers, 8).level == "no_identified_concern"


def test_reasons_describe_each_scored_section_and_the_band() -> None:
    d = small_definition()
    answers = {
        "missing": Answer(value="evidenced"),
        "missing_again": Answer(value="evidenced"),
        "missing_far": Answer(value="concern"),
    }
    result = guide(d, answers, None)
    assert result.score == 9
    assert result.reasons == (
        "2 indicators evidenced and 1 concern in Worries (score 9)",
        "Score 9 is in the Moderate band (5 to under 10.5)",
    )


def test_reasons_for_concerns_only_and_the_top_band() -> None:
    d = small_definition()
    answers = {
        "missing": Answer(value="concern"),
        "missing_again": Answer(value="concern"),
        "missing_far": Answer(value="evidenced"),
        "how_often": Answer(value="often"),
        "hurt": Answer(value="concern"),
    }
    result = guide(d, answers, None)
    assert result.reasons[:3] == (
        "1 indicator evidenced and 2 concerns in Worries (score 11)",
        "1 indicator of concern in Harm (score 3)",
        "Score 14 is in the Significant band (10.5 or more)",
    )
    # Already significant: the harm rule is still given as a reason, without "raised".
    assert result.reasons[3] == "A sign of actual harm is recorded: Text of hurt"


def test_reasons_never_use_blaming_words() -> None:
    answers = {q.id: Answer(value="evidenced") for q in shipped().questions()}
    text = " ".join(guide(shipped(), answers, 12).reasons).lower()
    for word in ("risky", "chose", "lifestyle", "putting themselves", "involved in"):
        assert word not in text
