"""What a person writes is kept as the hub takes it: a pasted line break becomes a newline,
other control characters are left out; what a record already held is never touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from hubdesk.models import ContactNote, YoungPerson
from hubdesk.services import Services
from hubdesk.sync import protocol as p


def test_text_and_json_written_are_made_sendable(services: Services) -> None:
    person = services.cases.add(given_name="Ada", family_name="Wren")
    services.cases.update(person, preferred_name="A\x0bda\x07")
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(plan, content={"what_i_want": "Safe\x0cbus\x1b rides"})
    with services.vault.read() as session:
        held = session.get(YoungPerson, person)
        assert held is not None
        assert held.preferred_name == "A\nda"
    with services.vault.read() as session:
        found = session.execute(text("SELECT content FROM plan_version")).scalar_one()
    assert "Safe\\nbus rides" in found


def test_a_frozen_note_keeps_what_it_held(services: Services) -> None:
    person = services.cases.add(given_name="Ada", family_name="Wren")
    note = services.notes.add(
        person, kind="home_visit", occurred_at=datetime.now(UTC) - timedelta(hours=1)
    )
    with services.vault.write() as session:  # written by an earlier HubDesk
        session.execute(
            text("UPDATE contact_note SET narrative = :words WHERE id = :id"),
            {"words": "Old\x0bwords", "id": note},
        )
    services.notes.finalise(note)  # not refused: its words are not being written
    with services.vault.read() as session:
        held = session.get(ContactNote, note)
        assert held is not None
        assert held.narrative == "Old\x0bwords"
        assert held.is_frozen()


def test_sendable_text_is_what_the_protocol_takes() -> None:
    weird = "".join(chr(c) for c in range(0x00, 0xA0)) + "\ufffe\ud800 é"
    cleaned = p.sendable_text(weird)
    p.Mutation.model_validate(
        {
            "mutation_id": "5f0c7d0e-9a64-4a0a-9b0e-2b8f3f1d4c11",
            "kind": "young_person",
            "record_id": "a-1",
            "op": "create",
            "content": {"given_name": cleaned},
        }
    )
    assert {"\t", "\n", "\r"} <= set(cleaned)
    assert cleaned.endswith(" é")
