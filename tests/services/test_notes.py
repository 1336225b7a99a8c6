"""NoteService: write a draft, edit it, finalise it, correct it with addenda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from faker import Faker

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import Addendum, ContactNote
from hubdesk.models.notes import NoteKind, NoteStatus
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.services.helpers import stored

NOW = datetime(2025, 3, 14, 17, 5, tzinfo=UTC)
FAKER_SEED = 5150


def note(vault: Vault, note_id: str) -> ContactNote:
    return stored(vault, ContactNote, note_id)


def test_add_keeps_a_draft_with_the_author_and_utc_time(
    fixed: Services, vault: Vault, pid: str, fake: Faker
) -> None:
    text = fake["en_GB"].paragraph()
    occurred = datetime(2025, 3, 14, 10, 30, tzinfo=ZoneInfo("Europe/London"))
    note_id = fixed.notes.add(
        pid, kind="home_visit", occurred_at=occurred, narrative=text, present="Mum, Zoë"
    )
    added = note(vault, note_id)
    assert added.status is NoteStatus.DRAFT
    assert added.kind is NoteKind.HOME_VISIT
    assert added.author == "Test Practitioner"
    assert added.occurred_at == datetime(2025, 3, 14, 10, 30, tzinfo=UTC)
    assert added.occurred_at.utcoffset() == timedelta(0)
    assert (added.narrative, added.present) == (text, "Mum, Zoë")
    assert added.finalised_at is None


def test_a_contact_dated_in_the_future_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.notes.add(pid, kind="phone", occurred_at=NOW + timedelta(minutes=1), narrative="x")
    assert caught.value.message == "The contact is dated in the future; check the date and time."
    assert fixed.cases.case_file(pid).notes == []


def test_a_note_for_an_unknown_young_person_is_not_found(fixed: Services) -> None:
    with pytest.raises(NotFoundError) as caught:
        fixed.notes.add("00000000-0000-4000-8000-000000000001", kind="phone", occurred_at=NOW)
    assert caught.value.message == (
        "There is no young person's record with id 00000000-0000-4000-8000-000000000001 "
        "in this vault."
    )


def test_edit_draft_changes_only_what_is_given(fixed: Services, vault: Vault, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="phone", occurred_at=NOW, narrative="First", present="A")
    fixed.notes.edit_draft(note_id, narrative="Second")
    assert (note(vault, note_id).narrative, note(vault, note_id).present) == ("Second", "A")
    fixed.notes.edit_draft(note_id, present="A and B")
    assert (note(vault, note_id).narrative, note(vault, note_id).present) == ("Second", "A and B")


def test_finalise_freezes_the_note(fixed: Services, vault: Vault, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="school", occurred_at=NOW, narrative="Seen at lunch.")
    fixed.notes.finalise(note_id)
    done = note(vault, note_id)
    assert done.status is NoteStatus.FINALISED
    assert done.finalised_at == NOW


def test_finalising_twice_is_refused(fixed: Services, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="school", occurred_at=NOW, narrative="Seen at lunch.")
    fixed.notes.finalise(note_id)
    with pytest.raises(DomainError) as caught:
        fixed.notes.finalise(note_id)
    assert caught.value.message == "This contact note is finalised already."


def test_finalising_an_empty_note_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="school", occurred_at=NOW, narrative="  ")
    with pytest.raises(DomainError) as caught:
        fixed.notes.finalise(note_id)
    assert caught.value.message == "Write what happened before finalising the note."
    assert note(vault, note_id).status is NoteStatus.DRAFT


def test_editing_after_finalise_is_refused_with_the_addendum_hint(
    fixed: Services, vault: Vault, pid: str
) -> None:
    note_id = fixed.notes.add(pid, kind="school", occurred_at=NOW, narrative="Original words.")
    fixed.notes.finalise(note_id)
    with pytest.raises(DomainError) as caught:
        fixed.notes.edit_draft(note_id, narrative="Better words.")
    assert caught.value.message == (
        "This contact note is finalised and cannot change; add an addendum instead."
    )
    assert note(vault, note_id).narrative == "Original words."


def test_an_addendum_on_a_draft_is_refused(fixed: Services, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="phone", occurred_at=NOW, narrative="Draft words.")
    with pytest.raises(DomainError) as caught:
        fixed.notes.add_addendum(note_id, "A correction")
    assert caught.value.message == "This note is still a draft: edit it directly instead."
    assert fixed.cases.case_file(pid).notes[0].addenda == []


def test_addenda_are_kept_in_order_under_the_note(fixed: Services, vault: Vault, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="phone", occurred_at=NOW, narrative="Spoke to Léa.")
    fixed.notes.finalise(note_id)
    first = fixed.notes.add_addendum(note_id, "  The call was at 4pm, not 3pm.  ")
    second = fixed.notes.add_addendum(note_id, "Carer's name corrected to Siobhán.")
    case_note = fixed.cases.case_file(pid).notes[0]
    assert [a.id for a in case_note.addenda] == [first, second]
    assert case_note.addenda[0].text == "The call was at 4pm, not 3pm."
    assert {a.author for a in case_note.addenda} == {"Test Practitioner"}
    with vault.read() as session:
        assert session.get(Addendum, first).note_id == note_id
    assert note(vault, note_id).narrative == "Spoke to Léa."


def test_an_empty_addendum_is_refused(fixed: Services, pid: str) -> None:
    note_id = fixed.notes.add(pid, kind="phone", occurred_at=NOW, narrative="Spoke to Léa.")
    fixed.notes.finalise(note_id)
    with pytest.raises(DomainError) as caught:
        fixed.notes.add_addendum(note_id, "\n ")
    assert caught.value.message == "Write the addendum; it cannot be left empty."
    assert fixed.cases.case_file(pid).notes[0].addenda == []
