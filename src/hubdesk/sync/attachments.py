"""Moving attached files between the vault and the hub, part by part (Qt-free).

The sync engine calls :meth:`FileTransfer.upload` before it pushes and
:meth:`FileTransfer.download` after it pulls:

- **upload**: every file whose record waits to be sent (queued, or refused earlier because
  its file had not reached the hub) is declared; the hub answers which parts it already has
  from this user, only the missing ones are sent, then the hub checks the whole. Records
  refused for want of their file are then queued again, so the push that follows carries
  them. A dropped connection costs one part: the next attempt resumes.
- **download**: every file named by a record here whose bytes are not here is fetched part
  by part; each part is kept in the vault as it arrives (inside the encrypted database), so
  a dropped connection resumes from the parts held. The file is kept only if its SHA-256 and
  size check out; otherwise its parts are dropped and fetched again at the next sync.

Each call to the hub goes through the engine's retry (backoff while unreachable, 5xx, 429).
A file the hub refuses (a 4xx other than sign-in or revocation) is left for the next sync and
does not stop the others; its record stays refused with the hub's reason, for a person to
see. A hub client without the file calls (a wrapper that only pushes and pulls) moves no files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar, runtime_checkable

from pydantic import ValidationError

from hubdesk.services.attachments import AttachmentShelf, FileToMove
from hubdesk.services.base import ServiceBase
from hubdesk.sync import protocol as p
from hubdesk.sync.transport import HubRefused

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Times one file is sent again from the start when the hub finds its parts were not it.
RESENDS = 1


@runtime_checkable
class FileHub(Protocol):
    """What moving files needs of the hub (``transport.HubClient``)."""

    def blob_declare(self, sha256: str, declared: p.BlobDeclaration) -> p.BlobStatus: ...
    def blob_put_chunk(self, sha256: str, index: int, data: bytes) -> p.BlobStatus: ...
    def blob_complete(self, sha256: str) -> p.BlobStatus: ...
    def blob_chunk(self, sha256: str, index: int) -> bytes: ...


class Retrying(Protocol):
    def __call__(self, call: Callable[[], T]) -> T: ...


@dataclass
class FileTally:
    sent: int = 0
    received: int = 0
    parts_sent: int = 0
    parts_received: int = 0
    #: Files the hub refused, or whose bytes did not check out: tried again next sync.
    left: int = 0


class FileTransfer:
    def __init__(
        self,
        store: ServiceBase,
        hub: object,
        retrying: Retrying,
        progress: Callable[[str, int, int | None], None] | None = None,
    ) -> None:
        self.shelf = AttachmentShelf(store)
        self.hub = hub if isinstance(hub, FileHub) else None
        self.retrying = retrying
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.tally = FileTally()

    # Upload ---------------------------------------------------------------------------------

    def upload(self, files: list[FileToMove]) -> None:
        """Send ``files`` (``files_to_upload``: those whose records wait to be sent), then
        queue again the records the hub refused for want of them."""
        hub = self._hub(files)
        for n, found in enumerate(files):
            self.progress("upload", n, len(files))
            if hub is None or not self._refused_leaves(self._send, hub, found):
                continue
            self.tally.sent += 1
            self.shelf.sent(found.sha256)

    def _send(self, hub: FileHub, found: FileToMove) -> bool:
        """True once the hub holds the file from this user."""
        try:
            declared = p.BlobDeclaration.model_validate(
                {"size": found.size, "media_type": found.media_type}
            )
        except ValidationError:
            return False  # not a file the hub takes (a record from an older HubDesk)
        for _ in range(RESENDS + 1):
            status = self.retrying(partial(hub.blob_declare, found.sha256, declared))
            if status.complete:
                return True
            data = self.shelf.blob(found.sha256)
            for index in sorted(set(range(status.chunks)) - set(status.chunks_held)):
                start = index * p.CHUNK_BYTES
                part = data[start : start + p.CHUNK_BYTES]
                self.retrying(partial(hub.blob_put_chunk, found.sha256, index, part))
                self.tally.parts_sent += 1
            try:
                return self.retrying(partial(hub.blob_complete, found.sha256)).complete
            except HubRefused as refused:
                if refused.status != 422:
                    raise
                # The parts held did not make the file (the hub dropped them): send it again.
                log.warning("attachment-resend")
        return False

    # Download -------------------------------------------------------------------------------

    def download(self, files: list[FileToMove]) -> None:
        """Fetch ``files`` (``files_to_download``: those named by records here whose bytes
        are not here yet)."""
        hub = self._hub(files)
        for n, found in enumerate(files):
            self.progress("download", n, len(files))
            if hub is not None and self._refused_leaves(self._fetch, hub, found):
                self.tally.received += 1

    def _fetch(self, hub: FileHub, found: FileToMove) -> bool:
        """True once the file is kept here, checked against its SHA-256."""
        held = self.shelf.parts_held(found.sha256)
        for index in range(p.chunk_count(found.size)):
            if index in held:
                continue
            part = self.retrying(partial(hub.blob_chunk, found.sha256, index))
            self.tally.parts_received += 1
            if len(part) != p.chunk_length(found.size, index):
                break  # not this file's part: finish() drops what is held
            self.shelf.keep_part(found.sha256, index, part)
        if self.shelf.finish(found.sha256, found.size):
            return True
        log.warning("attachment-mismatch")
        return False

    # Shared ---------------------------------------------------------------------------------

    def _hub(self, files: list[FileToMove]) -> FileHub | None:
        if files and self.hub is None:
            log.warning("attachments-not-moved: the hub client has no file calls")
        return self.hub

    def _refused_leaves(
        self, step: Callable[[FileHub, FileToMove], bool], hub: FileHub, found: FileToMove
    ) -> bool:
        """Run one file's step; a refusal of that file (4xx but sign-in, revocation and too
        many requests, which end the sync) leaves it for the next sync. False if left."""
        try:
            done = step(hub, found)
        except HubRefused as refused:
            if refused.status < 400 or refused.status >= 500 or refused.status in (401, 429):
                raise
            log.warning("attachment-refused: %s", refused.status)
            done = False
        self.tally.left += not done
        return done
