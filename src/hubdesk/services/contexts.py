"""Contexts (places, peer groups, schools, online spaces) and their links to young people."""

from __future__ import annotations

from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.models import Context, ContextLink, YoungPerson
from hubdesk.models.enums import ContextKind, PlaceType, Reliability
from hubdesk.services.base import ServiceBase, choice, optional_text, required_text


class ContextService(ServiceBase):
    def create(
        self,
        *,
        kind: ContextKind | str,
        name: str,
        description: str | None = None,
        place_type: PlaceType | str | None = None,
        area: str | None = None,
    ) -> str:
        with self.write() as session:
            context = Context(
                kind=choice(ContextKind, kind, "kind of context"),
                name=required_text(name, "a name for the context"),
                description=optional_text(description),
                place_type=choice(PlaceType, place_type, "type of place") if place_type else None,
                area=optional_text(area),
            )
            session.add(context)
            self.audit(session, "create", context)
            return context.id

    def link(
        self,
        young_person_id: str,
        context_id: str,
        *,
        why: str,
        reliability: Reliability | str = Reliability.NOT_KNOWN,
        weight: int | None = None,
    ) -> str:
        with self.write() as session:
            self.get(session, YoungPerson, young_person_id)
            self.get(session, Context, context_id)
            existing = session.execute(
                select(ContextLink).where(
                    ContextLink.young_person_id == young_person_id,
                    ContextLink.context_id == context_id,
                )
            ).scalar_one_or_none()
            if existing is not None and existing.deleted_at is None:
                raise DomainError("This young person is already linked to that context.")
            link = existing or ContextLink(young_person_id=young_person_id, context_id=context_id)
            link.deleted_at = None
            link.why = required_text(why, "why this context matters for the young person")
            link.reliability = choice(Reliability, reliability, "reliability")
            link.weight = weight
            session.add(link)
            self.audit(session, "link", link)
            return link.id

    def unlink(self, link_id: str, reason: str) -> None:
        with self.write() as session:
            link = self.get(session, ContextLink, link_id)
            link.deleted_at = self.clock()
            self.audit(session, "unlink", link, required_text(reason, "why the link is removed"))

    def all(self) -> list[Context]:
        with self.read() as session:
            query = select(Context).where(Context.deleted_at.is_(None)).order_by(Context.name)
            return list(session.execute(query).scalars())

    def others_linked(self, context_id: str, except_young_person_id: str) -> list[YoungPerson]:
        """The other young people linked to a context (by family name), for a case's view of
        who else that context affects; removed links and records are left out."""
        with self.read() as session:
            query = (
                select(YoungPerson)
                .join(ContextLink, ContextLink.young_person_id == YoungPerson.id)
                .where(
                    ContextLink.context_id == context_id,
                    ContextLink.deleted_at.is_(None),
                    YoungPerson.deleted_at.is_(None),
                    YoungPerson.id != except_young_person_id,
                )
                .order_by(YoungPerson.family_name, YoungPerson.given_name)
            )
            return list(session.execute(query).scalars())
