"""Sync end to end: the real hub on loopback (SQLite, and PostgreSQL in CI) and two or three
laptops, each a real encrypted vault. What one device records reaches the others exactly
once; a plan edited on two laptops offline is one conflict with both versions kept, and its
resolution reaches both; nothing is decided by a laptop's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from hubdesk.models import ContextLink
from hubdesk.services.conflicts import Edited
from hubdesk.timeutil import utcnow
from tests.e2e.devices import Device, new_device
from tests.server.conftest import Org, Served


@pytest.fixture
def laptops(served: Served, org: Org, tmp_path: Path) -> Iterator[dict[str, Device]]:
    made = {
        name: new_device(tmp_path / name, served.base, name)
        for name in ("north-amy", "north-lead", "north-ben")
    }
    yield made
    for device in made.values():
        device.close()


def test_a_case_made_on_one_laptop_reaches_the_team_lead(laptops: dict[str, Device]) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Riley", family_name="Hart")
    report = amy.sync()
    assert (report.pushed.applied, report.pushed.rejected) == (1, 0)
    assert amy.s.sync.pending_count() == 0

    lead.sync()
    assert lead.records("young_person")[person] == amy.records("young_person")[person]
    assert [r.id for r in lead.s.cases.caseload()] == [person]
    assert lead.s.search.search("Riley")[0].young_person_id == person
    assert amy.s.sync.pending_count() == lead.s.sync.pending_count() == 0


def test_notes_written_on_two_laptops_all_arrive_exactly_once(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Jordan", family_name="Price")
    amy.sync()
    lead.sync()
    written = []
    for device, words in ((amy, "Visited at home"), (lead, "Phoned school"), (amy, "Met at park")):
        note = device.s.notes.add(
            person, kind="home_visit", occurred_at=utcnow() - timedelta(hours=1), narrative=words
        )
        device.s.notes.finalise(note)
        written.append(note)
    for _ in range(2):  # a second round changes nothing
        amy.sync()
        lead.sync()
        amy.sync()
    assert set(amy.records("contact_note")) == set(lead.records("contact_note")) == set(written)
    assert amy.state_hash() == lead.state_hash()


def test_one_plan_draft_edited_on_two_laptops_is_one_conflict_with_both_kept(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Sam", family_name="Okafor")
    plan = amy.s.plans.create(young_person_id=person)
    version = amy.s.plans.save_draft(plan, content={"what_worries_me": "Older boys at the shop"})
    amy.sync()
    lead.sync()
    assert version in lead.records("plan_version")

    # Both offline: each changes the same section differently.
    amy.s.plans.save_draft(plan, content={"what_worries_me": "Being asked to carry things"})
    lead.s.plans.save_draft(plan, content={"what_worries_me": "Going to the shop alone"})
    lead.sync()
    report = amy.sync()
    assert report.pushed.conflicts == 1

    [conflict] = amy.s.conflicts.open_conflicts()
    assert conflict.record_id == version
    [sides] = conflict.fields
    assert (sides.label, sides.mine, sides.theirs) == (
        "What worries me",
        "Being asked to carry things",
        "Going to the shop alone",
    )
    assert lead.s.conflicts.count_open() == 0

    both = "Being asked to carry things; going to the shop alone"
    amy.s.conflicts.resolve(conflict.id, {sides.path: Edited(both)})
    amy.sync()
    lead.sync()
    for device in (amy, lead):
        assert device.records("plan_version")[version]["content"]["what_worries_me"] == both
    assert amy.s.conflicts.count_open() == 0
    assert amy.state_hash() == lead.state_hash()


def test_fields_changed_on_different_laptops_merge_without_a_conflict(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Alex", family_name="Moss")
    amy.sync()
    lead.sync()
    amy.s.cases.update(person, preferred_name="Lexi")
    lead.s.cases.update(person, education="Hillside Academy")
    lead.sync()
    amy.sync()
    lead.sync()
    for device in (amy, lead):
        record = device.records("young_person")[person]
        assert (record["preferred_name"], record["education"]) == ("Lexi", "Hillside Academy")
    assert amy.s.conflicts.count_open() == lead.s.conflicts.count_open() == 0


def test_an_edit_against_a_removal_is_a_conflict_and_nothing_is_lost(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Kai", family_name="Lund")
    place = amy.s.contexts.create(kind="place", name="Station underpass")
    link = amy.s.contexts.link(person, place, why="Seen there after school")
    amy.sync()
    lead.sync()
    # The lead removes the link; meanwhile Amy adds what she learnt to it.
    lead.s.contexts.unlink(link, "Moved away from the area")
    lead.sync()
    with amy.vault.write() as session:
        session.get(ContextLink, link).why = "Seen there most evenings with older youths"
    report = amy.sync()
    assert report.pushed.conflicts == 1
    [conflict] = amy.s.conflicts.open_conflicts()
    assert conflict.theirs_deleted
    assert not conflict.mine_deleted
    assert link not in amy.records("context_link")  # the hub's removal stands until chosen
    assert conflict.subject == "Station underpass"  # which link, among the case's others

    amy.s.conflicts.resolve(conflict.id, keep="mine")
    amy.sync()
    lead.sync()
    for device in (amy, lead):
        assert device.records("context_link")[link]["why"] == (
            "Seen there most evenings with older youths"
        )
    assert amy.state_hash() == lead.state_hash()


def test_a_laptop_clock_hours_wrong_changes_nothing(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Robin", family_name="Ade")
    amy.sync()
    lead.sync()
    # Amy's clock runs two hours behind: her later edit still wins over nothing, and the
    # lead's earlier-looking edit is not dropped for looking older.
    amy.s.cases.clock = lambda: utcnow() - timedelta(hours=2)
    lead.s.cases.update(person, education="Northgate")
    lead.sync()
    amy.s.cases.update(person, preferred_name="Rob")
    amy.sync()
    lead.sync()
    for device in (amy, lead):
        record = device.records("young_person")[person]
        assert (record["education"], record["preferred_name"]) == ("Northgate", "Rob")


def test_a_contextual_plan_reaches_its_team_and_no_other(
    laptops: dict[str, Device], served: Served, tmp_path: Path
) -> None:
    amy, ben = laptops["north-amy"], laptops["north-ben"]
    place = amy.s.contexts.create(kind="place", name="Retail park car park")
    plan = amy.s.plans.create(context_id=place)
    version = amy.s.plans.save_draft(plan, content={"what_worries_me": "Groups after dark"})
    report = amy.sync()
    assert (report.pushed.applied, report.pushed.rejected) == (3, 0)

    ben.sync()
    assert ben.s.plans.for_context(place) == plan
    assert ben.records("plan_version")[version]["content"]["what_worries_me"] == (
        "Groups after dark"
    )
    south = new_device(tmp_path / "south-cai", served.base, "south-cai")
    try:
        south.sync()
        assert south.records("safety_plan") == south.records("context") == {}
    finally:
        south.close()


def test_a_new_laptop_reads_removals_of_records_it_never_had(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Alex", family_name="Moss")
    place = amy.s.contexts.create(kind="place", name="Bus station")
    link = amy.s.contexts.link(person, place, why="Seen there late at night")
    amy.sync()
    amy.s.contexts.unlink(link, "Linked by mistake")
    amy.sync()

    report = lead.sync()  # its first sync: the hub serves the link's tombstone from 0
    assert not report.resynced
    assert not report.mismatched
    assert report.pulled.deleted == 0  # nothing here to remove
    assert set(lead.records("context_link")) == set(amy.records("context_link")) == set()
    assert lead.state_hash() == amy.state_hash()
    assert lead.sync().resynced == []  # and the check agrees afterwards too
