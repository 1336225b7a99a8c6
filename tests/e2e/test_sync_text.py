"""Text pasted from elsewhere can hold control characters the hub refuses (a word
processor's line break is a vertical tab): they never stop a sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from hubdesk.models import ContactNote
from hubdesk.sync import protocol as p
from hubdesk.sync.client import SyncEngine
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import HubClient, HubRefused
from tests.e2e.devices import Device, queued_as

PASTED = "First line\x0bsecond line\x0cthird\x85 and a bell\x07."
SENT = "First line\nsecond line\nthird\n and a bell."


def narrative(device: Device, note: str) -> str:
    with device.vault.read() as session:
        found = session.get(ContactNote, note)
        assert found is not None
        return found.narrative


def a_note(device: Device, words: str) -> tuple[str, str]:
    person = device.s.cases.add(given_name="Test", family_name="Person")
    note = device.s.notes.add(
        person,
        kind="home_visit",
        occurred_at=datetime.now(UTC) - timedelta(hours=1),
        narrative=words,
    )
    device.s.notes.finalise(note)
    return person, note


def test_a_pasted_line_break_is_kept_as_one_and_reaches_the_hub(amy: Device, lead: Device) -> None:
    _, note = a_note(amy, PASTED)
    assert narrative(amy, note) == SENT  # made sendable as it was saved

    report = amy.sync()

    assert (report.pushed.applied, report.pushed.rejected) == (2, 0)
    assert amy.s.sync.pending_count() == 0
    lead.sync()
    assert narrative(lead, note) == SENT


def test_a_change_queued_with_a_refused_character_is_sent_without_it(
    amy: Device, lead: Device
) -> None:
    _, note = a_note(amy, "Plain words")
    queued_as(amy, note, "narrative", PASTED)  # as an earlier HubDesk queued it

    report = amy.sync()

    assert (report.pushed.applied, report.pushed.rejected) == (2, 0)
    lead.sync()
    assert narrative(lead, note) == SENT


def test_a_queued_change_the_hub_cannot_take_is_set_aside_and_the_rest_goes(
    amy: Device, lead: Device
) -> None:
    person, note = a_note(amy, "Plain words")
    queued_as(amy, note, "present", json.loads('{"a":' * 40 + "1" + "}" * 40))  # too deep

    report = amy.sync()

    assert (report.pushed.applied, report.pushed.rejected) == (1, 1)
    [refused] = amy.s.sync.rejected()
    assert refused.record_id == note
    assert refused.reason.startswith("The hub cannot take this change:")
    assert "Edit the record" in refused.reason
    again = amy.sync()  # set aside: the syncs after it go on
    assert (again.pushed.applied, again.pushed.rejected) == (0, 0)
    lead.sync()
    assert [r.id for r in lead.s.cases.caseload()] == [person]


class RefusesEveryPush(HubRelay):
    """The real hub, but every push is answered 422, whatever it holds."""

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse:
        raise HubRefused("The request was not understood.", 422, "validation")


def test_a_refusal_no_change_explains_ends_the_sync_and_sets_nothing_aside(amy: Device) -> None:
    a_note(amy, "Plain words")
    waiting = amy.s.sync.pending_count()
    link = amy.s.hub.link()
    assert link is not None
    with HubClient(link.url, link.token, timeout=10) as client:
        engine = SyncEngine(amy.s.sync, RefusesEveryPush(client), sleep=lambda _s: None)
        with pytest.raises(HubRefused):
            engine.run()
    assert amy.s.sync.pending_count() == waiting
    assert amy.s.sync.rejected() == []
