"""Contact notes: write a draft, edit it, finalise it, add addenda to a finalised note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.models import Addendum, ContactNote, YoungPerson
from hubdesk.models.notes import NoteKind
from hubdesk.services.base import ServiceBase, choice, required_text
from hubdesk.store import search
from hubdesk.timeutil import as_utc


def note_doc(note: ContactNote, addenda: list[str]) -> search.Doc:
    """What the search index holds for a note: its text and its addenda's."""
    body = "\n".join([note.narrative, note.present, *addenda])
    return search.Doc(note.id, "contact_note", note.young_person_id, body)


def index_note(session: Session, note: ContactNote) -> None:
    search.index_many(session, [note_doc(note, [a.text for a in note.addenda])])


class NoteService(ServiceBase):
    def add(
        self,
        young_person_id: str,
        *,
        kind: NoteKind | str,
        occurred_at: datetime,
        narrative: str = "",
        present: str = "",
    ) -> str:
        occurred = as_utc(occurred_at)
        if occurred > self.clock():
            raise DomainError("The contact is dated in the future; check the date and time.")
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            note = ContactNote(
                young_person_id=young_person_id,
                kind=choice(NoteKind, kind, "kind of contact"),
                occurred_at=occurred,
                narrative=narrative,
                present=present,
                author=self.actor.name,
            )
            note.addenda = []  # new: nothing to load before indexing
            session.add(note)
            session.flush()
            index_note(session, note)
            self.audit(session, "create", note)
            return note.id

    def edit_draft(
        self,
        note_id: str,
        *,
        narrative: str | None = None,
        present: str | None = None,
        kind: NoteKind | str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        occurred = as_utc(occurred_at) if occurred_at is not None else None
        if occurred is not None and occurred > self.clock():
            raise DomainError("The contact is dated in the future; check the date and time.")
        with self.write() as session:
            note = self.get(session, ContactNote, note_id)
            if note.is_frozen():
                raise DomainError(
                    "This contact note is finalised and cannot change; add an addendum instead."
                )
            if narrative is not None:
                note.narrative = narrative
            if present is not None:
                note.present = present
            if kind is not None:
                note.kind = choice(NoteKind, kind, "kind of contact")
            if occurred is not None:
                note.occurred_at = occurred
            index_note(session, note)
            self.audit(session, "update", note)

    def finalise(self, note_id: str) -> None:
        with self.write() as session:
            note = self.get(session, ContactNote, note_id)
            note.finalise(self.clock())
            self.audit(session, "finalise", note)

    def add_addendum(self, note_id: str, text: str) -> str:
        with self.write() as session:
            note = self.get(session, ContactNote, note_id)
            if not note.is_frozen():
                raise DomainError("This note is still a draft: edit it directly instead.")
            addendum = Addendum(
                note_id=note.id,
                text=required_text(text, "the addendum"),
                author=self.actor.name,
            )
            session.add(addendum)
            session.flush()
            session.refresh(note, ["addenda"])
            index_note(session, note)
            self.audit(session, "create", addendum)
            return addendum.id
