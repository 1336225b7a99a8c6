"""Text being typed that is not a record yet (an addendum before it is added, say).

An addendum is frozen the moment it exists, so it cannot be autosaved as a record; yet nothing
a practitioner types may be lost. Such text is kept here, in the vault (encrypted like
everything else) and never synced, under a key naming what it will become
(``addendum:<note id>``, ``plan_actions:<plan id>`` for plan actions not yet complete enough
to save), until it is turned into the record or discarded.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from hubdesk.errors import DomainError
from hubdesk.models import VaultMeta
from hubdesk.services.base import ServiceBase

PREFIX = "draft:"
#: What a draft can become; the first part of its key.
DRAFT_KINDS = ("addendum", "plan_actions")
_KEY = re.compile(rf"^({'|'.join(DRAFT_KINDS)}):[0-9a-f-]{{36}}$")


def _meta_key(key: str) -> str:
    if not _KEY.match(key):
        raise DomainError("A draft is kept under a name like 'addendum:<record id>'.")
    return PREFIX + key


class DraftService(ServiceBase):
    def save(self, key: str, text: str) -> None:
        """Keep ``text`` under ``key``; empty text discards the draft."""
        meta_key = _meta_key(key)
        with self.write() as session:
            row = session.get(VaultMeta, meta_key)
            if not text.strip():
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                session.add(VaultMeta(key=meta_key, value=text))
            else:
                row.value = text

    def load(self, key: str) -> str:
        meta_key = _meta_key(key)
        with self.read() as session:
            value = session.execute(select(VaultMeta.value).where(VaultMeta.key == meta_key))
            return value.scalar_one_or_none() or ""

    def discard(self, key: str) -> None:
        meta_key = _meta_key(key)
        with self.write() as session:
            session.execute(delete(VaultMeta).where(VaultMeta.key == meta_key))
