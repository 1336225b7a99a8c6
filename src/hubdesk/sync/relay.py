"""A hub that passes every call the sync engine makes on to another hub.

What a wrapper adds (the desktop's stop switch, a test's recording, the bench's timing) is
one method, ``_around``, given the call's name and the call itself; the calls are spelt out
once, here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hubdesk.sync import protocol as p
from hubdesk.sync.client import Hub

T = TypeVar("T")


class HubRelay:
    def __init__(self, inner: Hub) -> None:
        self.inner = inner

    def _around(self, name: str, call: Callable[[], T]) -> T:
        """Make ``call`` (the inner hub's ``name`` call): override to add to every call."""
        return call()

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse:
        return self._around("push", lambda: self.inner.push(mutations))

    def pull(
        self,
        after: int,
        limit: int = p.MAX_PULL_PAGE,
        kind: str | None = None,
        *,
        summary: bool = False,
        known_scope: str | None = None,
    ) -> p.ChangePage:
        return self._around(
            "pull",
            lambda: self.inner.pull(after, limit, kind, summary=summary, known_scope=known_scope),
        )

    def summary(self, known_scope: str | None = None) -> p.SyncSummary:
        return self._around("summary", lambda: self.inner.summary(known_scope))

    def blob_declare(self, sha256: str, declared: p.BlobDeclaration) -> p.BlobStatus:
        return self._around("blob_declare", lambda: self.inner.blob_declare(sha256, declared))

    def blob_put_chunk(self, sha256: str, index: int, data: bytes) -> p.BlobStatus:
        return self._around(
            "blob_put_chunk", lambda: self.inner.blob_put_chunk(sha256, index, data)
        )

    def blob_complete(self, sha256: str) -> p.BlobStatus:
        return self._around("blob_complete", lambda: self.inner.blob_complete(sha256))

    def blob_chunk(self, sha256: str, index: int) -> bytes:
        return self._around("blob_chunk", lambda: self.inner.blob_chunk(sha256, index))
