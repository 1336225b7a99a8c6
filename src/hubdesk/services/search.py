"""Search across the caseload: names, notes, addenda and plans, all through FTS5.

Names are indexed too (accent-folded: "zoe" finds "Zoë"), so one query serves the caseload's
search-as-you-type box.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.models import YoungPerson
from hubdesk.services.base import ServiceBase
from hubdesk.store import search


@dataclass(frozen=True)
class SearchResult:
    young_person_id: str | None
    display_name: str
    record_kind: str
    record_id: str
    snippet: str


def person_doc(person: YoungPerson) -> search.Doc:
    """What the search index holds for a young person: their names."""
    names = " ".join(filter(None, [person.given_name, person.family_name, person.preferred_name]))
    # "oneill" should find O'Neill: index the names once more without apostrophes.
    squashed = names.replace("'", "").replace("\u2019", "")
    if squashed != names:
        names = f"{names} {squashed}"
    return search.Doc(person.id, "young_person", person.id, names)


def index_person(session: Session, person: YoungPerson) -> None:
    search.index_many(session, [person_doc(person)])


class SearchService(ServiceBase):
    def search(self, user_text: str, limit: int = 50) -> list[SearchResult]:
        with self.read() as session:
            hits = search.query(session, user_text, limit)
            wanted = {h.young_person_id for h in hits if h.young_person_id}
            names = {
                p.id: p.display_name
                for p in session.execute(
                    select(YoungPerson).where(YoungPerson.id.in_(wanted))
                ).scalars()
            }
            return [
                SearchResult(
                    h.young_person_id,
                    names.get(h.young_person_id or "", ""),
                    h.record_kind,
                    h.record_id,
                    "" if h.record_kind == "young_person" else h.snippet,
                )
                for h in hits
            ]
