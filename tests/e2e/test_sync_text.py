"""Text pasted from elsewhere can hold control characters the hub refuses (a word
processor's line break is a vertical tab): they never stop a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from hubdesk.models import ContactNote
from tests.e2e.devices import Device

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
    with amy.vault.write() as session:  # as an earlier HubDesk queued it
        session.execute(
            text(
                "UPDATE outbox SET content = json_set(content, '$.narrative', :words)"
                " WHERE record_id = :note"
            ),
            {"words": PASTED, "note": note},
        )

    report = amy.sync()

    assert (report.pushed.applied, report.pushed.rejected) == (2, 0)
    lead.sync()
    assert narrative(lead, note) == SENT
