"""`hubdesk forms check`, the loader and the checks: each broken fixture gives its one message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubdesk import cli
from hubdesk.forms.check import Problem
from hubdesk.forms.loader import DefinitionError, load_definition, parse_definition, problems_in
from hubdesk.forms.schema import SCHEMA_NAME, SCREENING_DIR, definition_schema, schema_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "screening"
VALID = FIXTURES / "valid-small.json"
BROKEN = FIXTURES / "broken"

EXPECTED = {
    "bad-id-pattern": "sections[1].id: must start with a lower-case letter and use only "
    "lower-case letters, digits and _.",
    "bad-json": "line 4, column 3: a comma is missing between two items.",
    "choice-without-options": "sections[0].questions[5].options: is empty: a single choice "
    "question needs options to choose from.",
    "duplicate-option-value": "sections[0].questions[5].options[1].value: 'online' is already "
    "the value of options[0].",
    "duplicate-question-id": "sections[1].questions[0].id: 'older_peers' is already the id of "
    "sections[0].questions[4].",
    "duplicate-section-id": "sections[1].id: 'indicators' is already the id of sections[0].",
    "first-level-not-zero": "levels[0].min_score: is 1, but the first level must start at 0 so "
    "that every score has a level.",
    "level-duplicate-id": "levels[3].id: 'moderate' is already the id of levels[2].",
    "level-without-pathway": "levels[1].pathway: is missing: every level needs a pathway.",
    "levels-out-of-order": "levels[2].min_score: is 2, lower than levels[1] (3): list the "
    "levels from the lowest score up.",
    "levels-overlap": "levels[2].min_score: is 3, the same as levels[1]: the two levels overlap.",
    "missing-title": "sections[0].questions[3].text: is missing.",
    "negative-weight": "sections[0].questions[2].weight: must be 0 or more.",
    "options-on-yes-no": "sections[1].questions[0].options: only choice questions have "
    "options, and this is a yes/no question.",
    "rule-impossible-answer": "rules[0].when_answers[0].answers[0]: 'contact_route' cannot be "
    "answered 'by_post'; its answers are: online, in_person.",
    "rule-level-not-defined": "rules[0].level: 'moderate' is not one of this definition's levels.",
    "rule-unknown-question": "rules[0].when_answers[0].question: there is no question with the "
    "id 'knife'.",
    "rule-without-condition": "rules[0]: has no condition, so it could never apply: set "
    "when_any_harm or list when_answers.",
    "show-when-cycle": "sections[0].questions[4].show_when: the conditions go round in a "
    "circle (older_peers → contact_route → older_peers), so these questions could never be "
    "shown.",
    "show-when-impossible-answer": "sections[0].questions[1].show_when.answers[1]: "
    "'missing_often' cannot be answered 'yes'; its answers are: not_known, absent, concern, "
    "evidenced.",
    "show-when-on-absent": "sections[0].questions[1].show_when.answers: shows this question "
    "when 'missing_often' is answered absent, so recording a concern there would hide it and "
    "could lower the guide level; show follow-ups only on concern or evidenced.",
    "show-when-concern-only": "sections[0].questions[1].show_when.answers: shows this question "
    "for only one of concern and evidenced on 'missing_often', so moving from concern to "
    "evidenced would hide it and could lower the guide level; list both.",
    "show-when-unknown-question": "sections[0].questions[1].show_when.question: there is no "
    "question with the id 'missing_ever'.",
    "trailing-comma": "line 15, column 9: a field name in double quotes is expected here "
    "(a comma too many?).",
    "unknown-field": "sections[0]: unknown field 'colour'.",
    "unknown-kind": "sections[0].questions[4].kind: 'slider' is not one of: indicator, yes_no, "
    "single_choice, multiple_choice, text, date, context.",
    "weight-in-unscored-section": "sections[1].questions[0].weight: adds nothing: the section "
    "is not scored.",
}


def test_every_broken_fixture_has_an_expected_message() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.json")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_definition_gives_its_one_message(name: str) -> None:
    assert [str(p) for p in problems_in(BROKEN / f"{name}.json")] == [EXPECTED[name]]


def test_valid_definition_has_no_problems_and_loads() -> None:
    assert problems_in(VALID) == []
    definition = load_definition(VALID)
    assert [s.id for s in definition.sections] == ["indicators", "strengths"]
    assert len(definition.levels) == 4


def test_load_refuses_a_bad_definition_naming_the_file_and_why() -> None:
    path = BROKEN / "levels-overlap.json"
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.message == (
        f"The screening tool definition {path} cannot be used: levels[2].min_score: is 3, the "
        "same as levels[1]: the two levels overlap."
    )
    assert caught.value.problems == [
        Problem("levels[2].min_score", "is 3, the same as levels[1]: the two levels overlap.")
    ]


def test_every_problem_is_reported_at_once() -> None:
    data = json.loads(VALID.read_text(encoding="utf-8"))
    data["levels"][0]["min_score"] = 1
    data["levels"][1].pop("pathway")
    data["rules"][0]["level"] = "urgent"
    data["sections"][0]["questions"][0]["weight"] = -2
    definition, problems = parse_definition(json.dumps(data))
    assert definition is None
    assert [str(p) for p in problems] == [
        "sections[0].questions[0].weight: must be 0 or more.",
        "rules[0].level: 'urgent' is not one of: no_identified_concern, emerging, moderate, "
        "significant.",
    ]
    data["sections"][0]["questions"][0]["weight"] = 2
    data["rules"][0]["level"] = "significant"
    _, problems = parse_definition(json.dumps(data))
    assert [p.path for p in problems] == ["levels[0].min_score", "levels[1].pathway"]


def test_load_says_when_more_problems_wait(tmp_path: Path) -> None:
    data = json.loads(VALID.read_text(encoding="utf-8"))
    data["levels"][0]["min_score"] = 1
    data["levels"][1].pop("pathway")
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"\(1 more problem: run 'hubdesk forms check"):
        load_definition(path)


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    assert [str(p) for p in problems_in(tmp_path / "nowhere.json")] == [
        "the file cannot be read (No such file or directory)."
    ]


def test_committed_schema_matches_the_models() -> None:
    committed = (SCREENING_DIR / SCHEMA_NAME).read_text(encoding="utf-8")
    assert committed == schema_text(), "run: hubdesk forms schema --out " + str(SCREENING_DIR)
    assert json.loads(committed) == definition_schema()


def test_cli_check_valid_prints_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["forms", "check", str(VALID), str(VALID)]) == 0
    out, err = capsys.readouterr()
    assert out == "2 definitions checked: no problems.\n"
    assert err == ""


def test_cli_check_prints_every_problem_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    overlap, cycle = BROKEN / "levels-overlap.json", BROKEN / "show-when-cycle.json"
    assert cli.main(["forms", "check", str(VALID), str(overlap), str(cycle)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{overlap}: {EXPECTED['levels-overlap']}",
        f"{cycle}: {EXPECTED['show-when-cycle']}",
    ]
    assert err == "3 definitions checked: 2 problems.\n"


def test_cli_check_bad_json_gives_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    bad = BROKEN / "bad-json.json"
    assert cli.main(["forms", "check", str(bad)]) == 1
    assert (
        capsys.readouterr().out
        == f"{bad}: line 4, column 3: a comma is missing between two items.\n"
    )


def test_cli_schema_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schema.json"
    assert cli.main(["forms", "schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == definition_schema()
    assert capsys.readouterr().out == f"Schema written to {out}.\n"
