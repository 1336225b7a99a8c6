"""Text being typed that is not a record yet (an addendum before it is added, say).

An addendum is frozen the moment it exists, so it cannot be autosaved as a record; yet nothing
a practitioner types may be lost. Such text is kept here, in the vault (encrypted like
everything else) and never synced, under a key naming what it will become, until it is turned
into the record or discarded:

- ``addendum:<note id>``: an addendum being written;
- ``plan_actions:<plan id>``: plan actions not yet complete enough to save;
- ``link_context:<young person id>``: the Link-a-context dialog, kept over an idle lock;
- ``unlink:<context link id>``: the reason typed into the Remove-a-link dialog;
- ``new_case:<device id>``: the New-young-person dialog. Nobody exists yet to key it by, so
  it is keyed by the vault's device id, and erasure of a young person cannot find it: it goes
  when the dialog is next used (discarded once the young person is added) or cancelled.

Erasing a young person (services.retention) deletes the drafts of every kind in
``DRAFT_KINDS`` keyed by the ids of the records erased.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import delete, select

from hubdesk.errors import DomainError
from hubdesk.models import VaultMeta
from hubdesk.services.base import ServiceBase

T = TypeVar("T")

PREFIX = "draft:"
#: What a dialog says at the top when it opens with a draft kept over a lock.
BROUGHT_BACK = "Brought back what you had typed before HubDesk locked."
#: What a draft can become, keyed by a record's id; the first part of its key.
DRAFT_KINDS = ("addendum", "plan_actions", "link_context", "unlink")
#: Drafts keyed by this device's id (``services.vault.device_id``), not by a record.
DEVICE_DRAFT_KINDS = ("new_case",)
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_KEY = re.compile(rf"^({'|'.join(DRAFT_KINDS + DEVICE_DRAFT_KINDS)}):{_UUID}$")


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


class FieldsDraft:
    """The fields of a dialog, kept as one JSON draft while the dialog is closed by a lock.

    Made on the UI thread, where it reads what was kept before (``brought_back``); the
    callables it hands out run on the write thread, in order after the dialog's own write.
    So a lock arriving while the record is being written keeps nothing: the record has it.
    """

    def __init__(self, drafts: DraftService, key: str) -> None:
        self.key = key
        self._drafts = drafts
        self._written = threading.Event()
        #: The fields kept before, empty when there were none (or they could not be read).
        self.brought_back: dict[str, Any] = _fields_of(drafts.load(key))

    def then_discard(self, write: Callable[[], T]) -> Callable[[], T]:
        """``write``, then the draft goes: the record now holds what was typed."""

        def run() -> T:
            result = write()
            self._written.set()
            if self.brought_back:
                self._drafts.discard(self.key)
            return result

        return run

    def keeper(self, fields: Mapping[str, Any]) -> Callable[[], None]:
        """Keeps ``fields`` (none: discards what was kept), unless the record was written."""
        text = json.dumps(dict(fields)) if fields else ""

        def run() -> None:
            if not self._written.is_set():
                self._drafts.save(self.key, text)

        return run

    def discarder(self) -> Callable[[], None]:
        return lambda: self._drafts.discard(self.key)


def _fields_of(text: str) -> dict[str, Any]:
    try:
        fields = json.loads(text) if text else {}
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}
