"""Comparing two plan versions: rows in reading order, marked in words, changed words found."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hubdesk.models import PlanAction, PlanVersion
from hubdesk.services import Services
from hubdesk.services.plan_diff import (
    Change,
    DiffRow,
    Section,
    Segment,
    compare,
    tokens,
    word_segments,
)
from hubdesk.services.plans import ActionInput


def version(
    content: dict[str, Any],
    actions: tuple[tuple[str, str], ...] = (),
    review: date | None = None,
) -> PlanVersion:
    return PlanVersion(
        number=1,
        content=content,
        review_date=review,
        actions=[
            PlanAction(what=what, owner=owner, position=n)
            for n, (what, owner) in enumerate(actions)
        ],
    )


def by_key(rows: list[DiffRow]) -> dict[str, DiffRow]:
    return {r.key + (f".{r.number}" if r.number else ""): r for r in rows}


def changed_words(segments: tuple[Segment, ...]) -> list[str]:
    return [s.text for s in segments if s.changed]


def test_tokens_give_the_text_back() -> None:
    text = "I want to stay at Nan's, near the park  — and feel safe."
    assert "".join(tokens(text)) == text


def test_only_the_changed_words_are_marked_and_spaces_are_left_plain() -> None:
    left, right = word_segments("I feel safe at home", "I feel safe at my aunt's house")
    assert changed_words(left) == ["home"]
    assert changed_words(right) == ["my aunt's house"]
    assert "".join(s.text for s in right) == "I feel safe at my aunt's house"
    assert all(s.text == s.text.strip() for s in right if s.changed)


def test_rows_come_in_reading_order_and_leave_out_fields_empty_in_both() -> None:
    old = version({"what_i_want": "To go back to school", "code_word": "tea time"})
    new = version(
        {
            "what_i_want": "To go back to school in September",
            "safe_and_unsafe": {"travel": {"safe": "", "unsafe": "The 52 bus after dark"}},
            "code_word": "tea time",
        },
        actions=[("Walk with Lowri to the bus stop", "Youth worker")],
        review=date(2027, 3, 1),
    )
    rows = compare(old, new)
    assert [r.key for r in rows] == [
        "what_i_want",
        "safe_and_unsafe.travel.unsafe",
        "code_word",
        "actions",
        "review_date",
    ]
    assert [r.change for r in rows] == [
        Change.CHANGED,
        Change.ADDED,
        Change.SAME,
        Change.ADDED,
        Change.ADDED,
    ]
    assert rows[0].section is Section.OWN_WORDS
    assert rows[-1].section is Section.OTHERS
    assert changed_words(rows[0].right) == ["in September"]
    assert rows[-1].right_text == "01/03/2027"
    assert rows[3].right_text == "Walk with Lowri to the bus stop — Youth worker"


def test_a_field_emptied_is_removed_and_marked_in_words() -> None:
    rows = compare(version({"what_worries_me": "Owing money"}), version({}))
    assert len(rows) == 1
    assert rows[0].change is Change.REMOVED
    assert rows[0].change.words == "Removed"
    assert rows[0].left_text == "Owing money"
    assert rows[0].right == ()


def test_an_action_removed_in_the_middle_does_not_shift_the_others() -> None:
    first = ("Check in every Tuesday", "Youth worker")
    second = ("Talk to the bus company", "Hub lead")
    third = ("Meet at school weekly", "Mentor")
    rows = compare(version({}, (first, second, third)), version({}, (first, third)))
    assert [(r.change, r.number) for r in rows] == [
        (Change.SAME, 1),
        (Change.REMOVED, 2),  # numbered as it was in the older version
        (Change.SAME, 2),
    ]
    assert rows[1].left_text == "Talk to the bus company — Hub lead"
    assert rows[2].right_text == "Meet at school weekly — Mentor"


def test_the_same_version_twice_has_no_changes() -> None:
    v = version({"what_i_want": "A quiet place", "contacts": [{"name": "Duty line"}]})
    assert {r.change for r in compare(v, v)} == {Change.SAME}


def test_versions_from_the_vault_compare(services: Services) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Rees")
    plan = services.plans.create(young_person_id=pid)
    first = services.plans.save_draft(
        plan,
        content={"what_i_want": "Feel safe walking home", "copies_held_by": ["Nia", "Carer"]},
        review_date=services.plans.today() + timedelta(days=30),
        actions=[ActionInput("Walk home with Nia on Fridays", "Youth worker", "Youth service")],
    )
    services.plans.submit(first)
    services.plans.record_decision(first, approved=True, decided_by="A Team Lead")
    second = services.plans.save_draft(
        plan, content={"what_i_want": "Feel safe walking home", "copies_held_by": ["Nia"]}
    )
    assert second != first
    versions = services.cases.case_file(pid).plans[0].versions
    rows = by_key(compare(versions[0], versions[1]))
    assert rows["copies_held_by"].change is Change.CHANGED
    assert changed_words(rows["copies_held_by"].left) == [", Carer"]
    assert rows["actions.1"].change is Change.SAME  # copied into the new draft, old rows kept
    assert rows["what_i_want"].change is Change.SAME
