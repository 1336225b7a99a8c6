"""Screening tool definitions: the ones this vault has seen, and the ones HubDesk ships.

The vault's copy wins. A screening is re-rendered with the exact definition it was filled
with, so once an id and version are stored their content never changes here: a different
definition under the same id and version (a rebuilt HubDesk, or the hub) is refused with a
reason, and only the status (active → withdrawn) may move on. New screenings use the newest
active version found in either place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.errors import DomainError
from hubdesk.forms import library
from hubdesk.forms.canonical import Revision, canonical_json, digest_of, revision
from hubdesk.forms.definition import Definition
from hubdesk.forms.loader import parse_definition
from hubdesk.models import ScreeningDefinition
from hubdesk.services.base import ServiceBase

SOURCES = ("shipped", "hub")


class StoredDefinitionError(DomainError):
    """A definition kept in the vault no longer passes the checks of this HubDesk."""


def _parsed(row: ScreeningDefinition) -> Definition:
    definition, problems = parse_definition(row.content)
    if definition is None or problems:
        first = problems[0].message if problems else "it could not be read"
        raise StoredDefinitionError(
            f"The screening tool '{row.definition_id}' version {row.version} kept in this "
            f"vault cannot be used by this version of HubDesk: {first}"
        )
    return definition


def keep(session: Session, definition: Definition, source: str, now: datetime) -> bool:
    """Store ``definition`` in the vault unless it is there; True if anything changed."""
    if source not in SOURCES:
        raise ValueError(f"unknown definition source {source!r}")
    row = session.get(ScreeningDefinition, (definition.id, definition.version))
    kept = canonical_json(_parsed(row)) if row is not None else None
    found = revision(kept, row.status if row is not None else None, definition)
    if found is Revision.OTHER:
        raise DomainError(
            f"A different screening tool arrived as '{definition.id}' version "
            f"{definition.version}. The one already kept in this vault was used for "
            "screenings and stays as it is."
        )
    if found in (Revision.SAME, Revision.REVIVED):
        return False  # once withdrawn, a version is not brought back by an older copy
    content = canonical_json(definition)
    if row is None:
        session.add(
            ScreeningDefinition(
                definition_id=definition.id,
                version=definition.version,
                title=definition.title,
                status=definition.status,
                content=content,
                digest=digest_of(content),
                source=source,
                first_seen_at=now,
            )
        )
    else:
        row.status, row.content, row.digest = definition.status, content, digest_of(content)
    return True


def stored_or_shipped(session: Session, definition_id: str, version: int) -> Definition | None:
    """The vault's copy of a definition, else the shipped one (stored on first use)."""
    row = session.get(ScreeningDefinition, (definition_id, version))
    if row is not None:
        return _parsed(row)
    return library.find(definition_id, version)


class DefinitionService(ServiceBase):
    # Writing --------------------------------------------------------------------------------

    def remember(self, definition: Definition, source: str) -> bool:
        """Keep ``definition`` in the vault; True if it was new (or its status changed)."""
        with self.write() as session:
            return keep(session, definition, source, self.clock())

    def remember_shipped(self) -> int:
        """Keep every definition shipped with HubDesk; how many were new to this vault."""
        with self.write() as session:
            now = self.clock()
            return sum(keep(session, d, "shipped", now) for d in library.shipped())

    # Reading --------------------------------------------------------------------------------

    def find(self, definition_id: str, version: int) -> Definition | None:
        """The definition a screening was filled with: the vault's copy, else the shipped one."""
        with self.read() as session:
            return stored_or_shipped(session, definition_id, version)

    def newest_active(self, definition_id: str) -> Definition:
        """The version new screenings use: the highest active one, in the vault or shipped.

        A version the vault knows is withdrawn stays withdrawn even if HubDesk still ships it.
        """
        with self.read() as session:
            rows = session.scalars(
                select(ScreeningDefinition).where(
                    ScreeningDefinition.definition_id == definition_id
                )
            ).all()
            kept = {row.version: row for row in rows}
        shipped = [d for d in library.shipped() if d.id == definition_id]
        versions = set(kept) | {d.version for d in shipped}
        for version in sorted(versions, reverse=True):
            if version in kept:
                if kept[version].status == "active":
                    return _parsed(kept[version])
                continue
            candidate = next(d for d in shipped if d.version == version)
            if candidate.status == "active":
                return candidate
        raise DomainError(f"No active screening tool '{definition_id}' is installed.")

    def kept(self) -> list[tuple[str, int, str, str]]:
        """(id, version, title, status) of every definition in the vault, oldest first."""
        with self.read() as session:
            rows = session.scalars(
                select(ScreeningDefinition).order_by(
                    ScreeningDefinition.definition_id, ScreeningDefinition.version
                )
            ).all()
            return [(r.definition_id, r.version, r.title, r.status) for r in rows]


__all__ = [
    "DefinitionService",
    "StoredDefinitionError",
    "keep",
    "stored_or_shipped",
]
