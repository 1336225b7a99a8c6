"""Unsent text (an addendum being written) is kept in the vault until used or discarded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hubdesk.errors import DomainError
from hubdesk.services import Services
from hubdesk.services.drafts import FieldsDraft


def _finalised_note(services: Services) -> str:
    person = services.cases.add(given_name="Cerys", family_name="Ap Rhys")
    note = services.notes.add(
        person, kind="phone", occurred_at=datetime(2026, 11, 2, 10, tzinfo=UTC), narrative="x"
    )
    services.notes.finalise(note)
    return note


def test_a_draft_is_kept_replaced_and_discarded(services: Services) -> None:
    key = f"addendum:{_finalised_note(services)}"
    assert services.drafts.load(key) == ""
    services.drafts.save(key, "The date of the visit was the 3rd")
    services.drafts.save(key, "The date of the visit was the 3rd, not the 2nd.")
    assert services.drafts.load(key) == "The date of the visit was the 3rd, not the 2nd."
    services.drafts.save(key, "   ")
    assert services.drafts.load(key) == ""
    services.drafts.save(key, "again")
    services.drafts.discard(key)
    assert services.drafts.load(key) == ""


def test_a_draft_key_must_name_a_record(services: Services) -> None:
    with pytest.raises(DomainError, match="addendum:<record id>"):
        services.drafts.save("device_id", "overwrite the vault's facts")


def test_note_drafts_change_kind_and_time_but_not_into_the_future(services: Services) -> None:
    person = services.cases.add(given_name="Cerys", family_name="Ap Rhys")
    note = services.notes.add(person, kind="phone", occurred_at=datetime(2026, 11, 2, tzinfo=UTC))
    services.notes.edit_draft(
        note, kind="home_visit", occurred_at=datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
    )
    saved = services.cases.case_file(person).notes[0]
    assert saved.kind.value == "home_visit"
    assert saved.occurred_at == datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
    with pytest.raises(DomainError, match="future"):
        services.notes.edit_draft(note, occurred_at=datetime(2999, 1, 1, tzinfo=UTC))


def test_erasing_a_young_person_removes_their_unsent_drafts(services: Services) -> None:
    note = _finalised_note(services)
    person = services.cases.caseload()[0].id
    services.drafts.save(f"addendum:{note}", "Unsent correction naming someone")
    services.cases.close(person, "Moved away")
    services.retention.erase_young_person(person, rule="Rule 7", reason="Period ended")
    assert services.drafts.load(f"addendum:{note}") == ""


def test_dialog_drafts_are_keyed_strictly_and_go_with_the_young_person(
    services: Services,
) -> None:
    person = services.cases.add(given_name="Tomos", family_name="Vaughan")
    park = services.contexts.create(kind="place", name="Skate park")
    link = services.contexts.link(person, park, why="Goes there after school")
    device = services.vault.device_id
    kept = {
        f"link_context:{person}": '{"why": "Seen there with older boys"}',
        f"unlink:{link}": '{"reason": "Mixed up with another young person"}',
        f"new_case:{device}": '{"given": "Ffion"}',
    }
    for key, text in kept.items():
        services.drafts.save(key, text)
        assert services.drafts.load(key) == text
    for wrong in (
        f"link_context:{person.upper()}",
        f"new_case:{device.replace('-', '')}x",
        f"link_context:{person}:extra",
        f"reopen:{person}",
    ):
        with pytest.raises(DomainError):
            services.drafts.save(wrong, "x")

    services.cases.close(person, "Moved away")
    services.retention.erase_young_person(person, rule="Rule 7", reason="Period ended")
    assert services.drafts.load(f"link_context:{person}") == ""
    assert services.drafts.load(f"unlink:{link}") == ""
    # Keyed by the device, not a young person: it goes when the dialog is used or cancelled.
    assert services.drafts.load(f"new_case:{device}") == '{"given": "Ffion"}'


def test_a_fields_draft_is_not_kept_once_its_record_is_written(services: Services) -> None:
    key = f"link_context:{services.cases.add(given_name='Tomos', family_name='Vaughan')}"
    services.drafts.save(key, "not a JSON object")
    assert FieldsDraft(services.drafts, key).brought_back == {}  # unreadable: left out

    services.drafts.save(key, '{"why": "Seen there"}')
    draft = FieldsDraft(services.drafts, key)
    assert draft.brought_back == {"why": "Seen there"}
    assert draft.then_discard(lambda: "the record")() == "the record"
    assert services.drafts.load(key) == ""
    draft.keeper({"why": "Seen there, twice"})()  # a lock just after: the record has it
    assert services.drafts.load(key) == ""

    fresh = FieldsDraft(services.drafts, key)
    fresh.keeper({"why": "Seen there, twice"})()
    assert FieldsDraft(services.drafts, key).brought_back == {"why": "Seen there, twice"}
    fresh.keeper({})()  # everything cleared: nothing is kept
    assert services.drafts.load(key) == ""
