"""The three-way merge: one side's change is taken, both sides' different changes are
contested (and the hub's value stands until a person chooses), sections of a plan merge on
their own, and nothing either side wrote is lost from mine ∪ theirs."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hubdesk.sync.merge import flatten, three_way, unflatten, value_at, with_value

BASE = {"name": "Riley", "school": "Hillside", "content": {"worries": "shop", "wants": "safe"}}


def test_a_field_changed_on_one_side_only_is_taken_from_that_side() -> None:
    mine = {**BASE, "name": "Rye"}
    theirs = {**BASE, "school": "Northgate"}
    merge = three_way(BASE, mine, theirs)
    assert merge.content == {**BASE, "name": "Rye", "school": "Northgate"}
    assert (merge.contested, merge.mine_only) == ((), ("name",))


def test_a_field_changed_on_both_sides_differently_is_contested_and_the_hub_stands() -> None:
    merge = three_way(BASE, {**BASE, "name": "Rye"}, {**BASE, "name": "Ri"})
    assert merge.contested == ("name",)
    assert merge.content["name"] == "Ri"


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "name": "Rye"}
    merge = three_way(BASE, both, both)
    assert (merge.content, merge.contested, merge.mine_only) == (both, (), ())


def test_sections_of_a_plan_merge_on_their_own() -> None:
    mine = {**BASE, "content": {"worries": "older boys", "wants": "safe"}}
    theirs = {**BASE, "content": {"worries": "shop", "wants": "college"}}
    merge = three_way(BASE, mine, theirs)
    assert merge.content["content"] == {"worries": "older boys", "wants": "college"}
    assert merge.contested == ()
    clash = three_way(BASE, mine, {**BASE, "content": {"worries": "park", "wants": "safe"}})
    assert clash.contested == ("content.worries",)


def test_without_a_base_every_difference_is_contested() -> None:
    merge = three_way(None, {"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert (merge.contested, merge.content) == (("b",), {"a": 1, "b": 3})


def test_a_section_added_on_one_side_is_kept() -> None:
    theirs = {**BASE, "content": {**BASE["content"], "contacts": "Aunt"}}
    mine = {**BASE, "content": {**BASE["content"], "code_word": "pineapple"}}
    merge = three_way(BASE, mine, theirs)
    assert merge.content["content"]["contacts"] == "Aunt"
    assert merge.content["content"]["code_word"] == "pineapple"


def test_values_are_read_and_set_by_path() -> None:
    assert value_at(BASE, "content.worries") == "shop"
    changed = with_value(BASE, "content.worries", "park")
    assert changed["content"] == {"worries": "park", "wants": "safe"}
    assert BASE["content"]["worries"] == "shop"  # the original is untouched


values = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "b", "c"]))
records = st.fixed_dictionaries(
    {"x": values, "y": values, "content": st.fixed_dictionaries({"p": values, "q": values})}
)


@given(base=records, mine=records, theirs=records)
def test_every_value_in_the_merge_came_from_one_side(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> None:
    merge = three_way(base, mine, theirs)
    flat_m, flat_t = flatten(mine), flatten(theirs)
    for path, value in flatten(merge.content).items():
        assert value in (flat_m.get(path), flat_t.get(path))
        if path in merge.contested:
            assert value == flat_t.get(path) != flat_m.get(path)
    # What was changed on one side only is never lost.
    flat_b = flatten(base)
    for path in flat_m:
        if flat_m[path] != flat_b.get(path) and flat_t.get(path) == flat_b.get(path):
            assert flatten(merge.content).get(path) == flat_m[path]


@given(content=records)
def test_flatten_and_unflatten_are_inverse(content: dict[str, Any]) -> None:
    assert unflatten(flatten(content)) == content
    assert three_way(content, content, content).content == content
