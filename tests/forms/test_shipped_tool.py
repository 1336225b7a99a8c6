"""The exploitation screening tool HubDesk ships: its shape, its levels and its wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hubdesk.forms.check import check
from hubdesk.forms.definition import Answer, Definition, QuestionKind
from hubdesk.forms.scoring import guide, visible_questions

SHIPPED = Path(__file__).parents[2] / "src/hubdesk/resources/screening/exploitation-v1.json"
BANNED = (
    "color",
    "behavior",
    "prostitut",
    "promiscu",
    "risky behaviour",
    "lifestyle",
    "chose to",
    "putting themselves at risk",
    "streetwise",
)


@pytest.fixture(scope="module")
def tool() -> Definition:
    return Definition.model_validate_json(SHIPPED.read_text(encoding="utf-8"))


def test_identity(tool: Definition) -> None:
    assert (tool.id, tool.version, tool.title) == (
        "exploitation",
        1,
        "Exploitation screening (HubDesk)",
    )
    assert tool.status == "active"


def test_question_ids_are_unique(tool: Definition) -> None:
    ids = [q.id for q in tool.questions()]
    assert len(ids) == len(set(ids))


def test_every_level_has_a_pathway_and_the_levels_rise(tool: Definition) -> None:
    assert [b.id for b in tool.levels] == [
        "no_identified_concern",
        "emerging",
        "moderate",
        "significant",
    ]
    assert tool.levels[0].min_score == 0
    scores = [b.min_score for b in tool.levels]
    assert scores == sorted(set(scores))
    for band in tool.levels:
        assert band.pathway is not None
        assert band.pathway.actions


def test_between_30_and_40_scored_indicators_each_weighted_and_explained(tool: Definition) -> None:
    scored = [
        q
        for s in tool.sections
        if s.scored
        for q in s.questions
        if q.kind is QuestionKind.INDICATOR
    ]
    assert 30 <= len(scored) <= 40
    for q in scored:
        assert 1 <= q.weight <= 3, q.id
        assert q.help, q.id


def test_harm_questions_sit_in_the_actual_harm_section(tool: Definition) -> None:
    for section in tool.sections:
        for q in section.questions:
            if q.harm:
                assert section.title == "Signs of actual harm", q.id
    harm = next(s for s in tool.sections if s.title == "Signs of actual harm")
    assert harm.scored
    assert all(q.harm for q in harm.questions)


def test_unscored_sections_inform(tool: Definition) -> None:
    unscored = {s.title for s in tool.sections if not s.scored}
    assert unscored == {
        "About this screening",
        "Vulnerabilities",
        "Contexts",
        "Strengths",
        "Analysis",
    }


def test_show_when_follow_ups_appear_only_after_a_worry(tool: Definition) -> None:
    follow_ups = [q for q in tool.questions() if q.show_when is not None]
    assert follow_ups
    for q in follow_ups:
        assert q.show_when is not None
        controlling = q.show_when.question
        assert q.id not in visible_questions(tool, {controlling: Answer(value="absent")})
        assert q.id in visible_questions(tool, {controlling: Answer(value="concern")})
        assert q.id in visible_questions(tool, {controlling: Answer(value="evidenced")})


def test_a_blank_screening_guides_no_identified_concern(tool: Definition) -> None:
    assert guide(tool, {}, 15).level == "no_identified_concern"
    assert guide(tool, {}, None).level == "no_identified_concern"


def test_a_single_concern_guides_emerging(tool: Definition) -> None:
    assert guide(tool, {"missing_late_nights": Answer(value="concern")}, 15).level == "emerging"


def test_a_single_actual_harm_concern_guides_significant(tool: Definition) -> None:
    for q in tool.questions():
        if q.harm:
            result = guide(tool, {q.id: Answer(value="concern")}, 16)
            assert result.level == "significant", q.id
            assert any(q.text in r for r in result.reasons)


def test_a_child_under_13_with_a_serious_indicator_evidenced_guides_significant(
    tool: Definition,
) -> None:
    answers = {"rel_older_associates": Answer(value="evidenced")}
    assert guide(tool, answers, 12).level == "significant"
    assert guide(tool, answers, 13).level == "emerging"
    assert guide(tool, answers, None).level == "emerging"


def test_wording_is_british_and_never_blames(tool: Definition) -> None:
    text = SHIPPED.read_text(encoding="utf-8").lower()
    for word in BANNED:
        assert word not in text, word
    assert not re.search(r"\b(involved in|risky)\b", text)


def test_the_whole_definition_checker_finds_no_problems(tool: Definition) -> None:
    assert check(tool) == []
