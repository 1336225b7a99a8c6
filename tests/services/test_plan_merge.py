"""A plan open in the editor while a sync brings the hub's change to the same draft: the
editor's next save merges section by section against what it started from, instead of its
copy silently undoing the hub's change; a section both changed is kept as a conflict."""

from __future__ import annotations

from datetime import UTC, datetime

from hubdesk.models import PlanVersion
from hubdesk.models.base import FROM_HUB
from hubdesk.services import Services

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FAKER_SEED = 2711

OPENED = {"what_i_want": "To feel safe", "what_worries_me": "The shop"}


def _hub_changes(services: Services, version_id: str, **sections: str) -> None:
    """What applying a pulled change does to the draft (written as the hub's word)."""
    with services.vault.write() as session:
        session.info[FROM_HUB] = True
        draft = session.get(PlanVersion, version_id)
        assert draft is not None
        draft.content = {**draft.content, **sections}


def _opened(fixed: Services, pid: str) -> tuple[str, str]:
    plan = fixed.plans.create(young_person_id=pid)
    version = fixed.plans.save_draft(plan, content=OPENED)
    return plan, version


def test_the_editors_save_keeps_a_section_the_hub_changed_meanwhile(
    fixed: Services, pid: str
) -> None:
    plan, version = _opened(fixed, pid)
    _hub_changes(fixed, version, what_worries_me="The shop and the park")
    typed = {**OPENED, "what_i_want": "To feel safe at college"}
    fixed.plans.save_draft(plan, content=typed, based_on=OPENED)
    content = fixed.plans.plan(plan).versions[-1].content
    assert (content["what_i_want"], content["what_worries_me"]) == (
        "To feel safe at college",
        "The shop and the park",
    )
    assert fixed.conflicts.count_open() == 0


def test_a_section_changed_in_the_editor_and_on_the_hub_is_a_conflict(
    fixed: Services, pid: str
) -> None:
    plan, version = _opened(fixed, pid)
    _hub_changes(fixed, version, what_worries_me="The park")
    typed = {**OPENED, "what_worries_me": "Being followed home"}
    fixed.plans.save_draft(plan, content=typed, based_on=OPENED)
    assert fixed.plans.plan(plan).versions[-1].content["what_worries_me"] == "The park"
    [conflict] = fixed.conflicts.open_conflicts(pid)
    [sides] = conflict.fields
    assert (sides.path, sides.mine, sides.theirs) == (
        "content.what_worries_me",
        "Being followed home",
        "The park",
    )
    fixed.conflicts.resolve(conflict.id, {sides.path: "mine"})
    assert fixed.plans.plan(plan).versions[-1].content["what_worries_me"] == ("Being followed home")


def test_without_a_change_underneath_the_editors_copy_is_saved_as_typed(
    fixed: Services, pid: str
) -> None:
    plan, _version = _opened(fixed, pid)
    typed = {"what_i_want": "", "what_worries_me": "Nothing now"}
    fixed.plans.save_draft(plan, content=typed, based_on=OPENED)
    content = fixed.plans.plan(plan).versions[-1].content
    assert (content["what_i_want"], content["what_worries_me"]) == ("", "Nothing now")
    assert fixed.conflicts.count_open() == 0
