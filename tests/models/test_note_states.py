"""Contact note lifecycle: draft → finalised, and nothing after that but addenda."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hubdesk.errors import DomainError
from hubdesk.models import ContactNote
from hubdesk.models.notes import NOTE_STATES, NoteKind, NoteStatus

AT = datetime(2025, 3, 14, 16, 45, tzinfo=UTC)


def draft_note(
    narrative: str = "Met at the youth club; talked about the new phone.",
) -> ContactNote:
    return ContactNote(
        kind=NoteKind.HOME_VISIT,
        occurred_at=AT,
        narrative=narrative,
        author="Siân Ó Bric",
        status=NoteStatus.DRAFT,
    )


def test_a_draft_note_is_not_frozen_and_finalises() -> None:
    note = draft_note()
    assert not note.is_frozen()
    note.finalise(AT)
    assert note.status is NoteStatus.FINALISED
    assert note.finalised_at == AT
    assert note.is_frozen()


def test_finalising_twice_is_refused_with_already() -> None:
    note = draft_note()
    note.finalise(AT)
    with pytest.raises(DomainError) as caught:
        note.finalise(datetime(2025, 3, 15, 9, 0, tzinfo=UTC))
    assert caught.value.message == "This contact note is finalised already."
    assert note.finalised_at == AT


@pytest.mark.parametrize("narrative", ["", "   ", "\n\t "])
def test_an_empty_narrative_cannot_be_finalised(narrative: str) -> None:
    note = draft_note(narrative)
    with pytest.raises(DomainError) as caught:
        note.finalise(AT)
    assert caught.value.message == "Write what happened before finalising the note."
    assert note.status is NoteStatus.DRAFT
    assert note.finalised_at is None


def test_a_finalised_note_cannot_go_back_to_draft_and_the_message_points_to_an_addendum() -> None:
    with pytest.raises(DomainError) as caught:
        NOTE_STATES.check(NoteStatus.FINALISED, NoteStatus.DRAFT)
    assert caught.value.message == (
        "This contact note is finalised, so it cannot become draft. "
        "A finalised note cannot change; add an addendum to correct or add to it."
    )
    assert "addendum" in caught.value.message


def test_the_note_table_allows_only_draft_to_finalised() -> None:
    assert NOTE_STATES.allowed(NoteStatus.DRAFT, NoteStatus.FINALISED)
    assert not NOTE_STATES.allowed(NoteStatus.FINALISED, NoteStatus.DRAFT)
    assert not NOTE_STATES.allowed(NoteStatus.DRAFT, NoteStatus.DRAFT)
