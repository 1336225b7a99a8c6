"""Talking to the hub over HTTP (Qt-free): the wire types in and out, the hub's problem
details turned into errors a person can read, plain HTTP refused except to this computer.

The token is sent as ``Authorization: Bearer``; nothing here logs a request body, a token or
a password.
"""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from hubdesk import __version__
from hubdesk.errors import HubDeskError
from hubdesk.sync import protocol as p

M = TypeVar("M", bound=BaseModel)
#: Request bodies larger than this are sent gzip-compressed (the hub's answers are too).
GZIP_ABOVE = 1024
#: How hard: a 500-note push body takes about 5 ms at level 1 and 24 ms at 6, for a little
#: more bytes; the laptop's time is what the person waits for.
GZIP_LEVEL = 1
#: Seconds a connection to the hub is kept for the next request once idle: fewer than the hub
#: keeps it (``hubdesk.server.cli.HUB_KEEP_ALIVE_SECONDS``, 5 s; behind a TLS proxy, the
#: proxy's: nginx 75 s, most load balancers 60 s). Were both equal, a request sent on a
#: connection just as the hub closes it fails ("could not be reached"; seen once in 1,200
#: syncs of 200 devices), and the sync waits for its retry.
IDLE_CONNECTION_SECONDS = 2.0
#: The connection pool's limits: httpx's client defaults, but for the idle time.
CONNECTION_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=IDLE_CONNECTION_SECONDS
)


class HubError(HubDeskError):
    """The hub could not be reached, or refused; ``message`` says which, in words."""


class HubUnreachable(HubError):
    pass


class HubRefused(HubError):
    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class SignInNeeded(HubRefused):
    pass


class RevokedByHub(HubRefused):
    """The hub says this device was revoked: the vault is to be wiped after telling the user."""


def check_hub_url(url: str) -> str:
    """The hub's base URL, without a trailing slash; plain http only to a loopback address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubError(f"'{url}' is not a hub address like https://hub.example.org.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise HubError(
            "The hub must be reached over https; plain http is only used to this computer."
        )
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    """True for this computer's own addresses (where plain HTTP is allowed)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HubClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        verify: str | bool = True,
    ) -> None:
        self.base_url = check_hub_url(base_url)
        headers = {"User-Agent": f"HubDesk/{__version__}", "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            verify=verify,
            limits=CONNECTION_LIMITS,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Calls ------------------------------------------------------------------------------

    def enrol(self, request: p.EnrolRequest) -> p.EnrolResponse:
        return self._call("POST", f"{p.API_PREFIX}/auth/enrol", p.EnrolResponse, request)

    def me(self) -> p.Me:
        return self._call("GET", f"{p.API_PREFIX}/me", p.Me)

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse:
        body = p.PushRequest(mutations=mutations)
        return self._call("POST", f"{p.API_PREFIX}/sync/push", p.PushResponse, body)

    def pull(
        self,
        after: int,
        limit: int = 500,
        kind: str | None = None,
        *,
        summary: bool = False,
        known_scope: str | None = None,
    ) -> p.ChangePage:
        """A page of changes after ``after``; with ``summary``, the last page also carries the
        hub's check (``ChangePage.summary``), leaving out the list of young people when
        ``known_scope`` is already its digest."""
        query = {"after": after, "limit": limit, "kind": kind}
        if summary:
            query |= {"summary": 1, "known_scope": known_scope}
        return self._call("GET", _with_query(f"{p.API_PREFIX}/sync/pull", query), p.ChangePage)

    def summary(self, known_scope: str | None = None) -> p.SyncSummary:
        path = _with_query(f"{p.API_PREFIX}/sync/summary", {"known_scope": known_scope})
        return self._call("GET", path, p.SyncSummary)

    # Attached files, in parts (sync.attachments) ----------------------------------------

    def blob_declare(self, sha256: str, declared: p.BlobDeclaration) -> p.BlobStatus:
        return self._call("PUT", f"{p.API_PREFIX}/blobs/{sha256}", p.BlobStatus, declared)

    def blob_put_chunk(self, sha256: str, index: int, data: bytes) -> p.BlobStatus:
        path = f"{p.API_PREFIX}/blobs/{sha256}/chunks/{index}"
        response = self._send("PUT", path, data, {"Content-Type": "application/octet-stream"})
        return _parsed(response, p.BlobStatus)

    def blob_complete(self, sha256: str) -> p.BlobStatus:
        return self._call("POST", f"{p.API_PREFIX}/blobs/{sha256}/complete", p.BlobStatus)

    def blob_status(self, sha256: str) -> p.BlobStatus:
        return self._call("GET", f"{p.API_PREFIX}/blobs/{sha256}", p.BlobStatus)

    def blob_chunk(self, sha256: str, index: int) -> bytes:
        return self._send("GET", f"{p.API_PREFIX}/blobs/{sha256}/chunks/{index}").content

    def _send(
        self,
        method: str,
        path: str,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request with raw bytes (parts of files: already compressed, sent as they are)."""
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise HubUnreachable(
                f"The hub at {self.base_url} could not be reached ({type(exc).__name__}). "
                "Everything stays on this laptop; try again when the network is back."
            ) from None
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def _call(self, method: str, path: str, answer: type[M], body: BaseModel | None = None) -> M:
        content = body.model_dump_json().encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        if content is not None and len(content) > GZIP_ABOVE:
            content = gzip.compress(content, compresslevel=GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise HubUnreachable(
                f"The hub at {self.base_url} could not be reached ({type(exc).__name__}). "
                "Everything stays on this laptop; try again when the network is back."
            ) from None
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError:
            raise HubError(
                "The hub answered in a way this version of HubDesk does not understand."
            ) from None


def _parsed(response: httpx.Response, answer: type[M]) -> M:
    try:
        return answer.model_validate_json(response.content)
    except ValidationError:
        raise HubError(
            "The hub answered in a way this version of HubDesk does not understand."
        ) from None


def _refusal(response: httpx.Response) -> HubRefused:
    try:
        found = response.json()
    except ValueError:
        found = None
    detail: dict[str, Any] = found if isinstance(found, dict) else {}
    message = str(detail.get("detail") or f"The hub refused the request ({response.status_code}).")
    code = str(detail.get("type", "")).rsplit("/", 1)[-1]
    if code == "device-revoked":
        return RevokedByHub(message, response.status_code, code)
    if response.status_code == 401:
        return SignInNeeded(message, response.status_code, code)
    return HubRefused(message, response.status_code, code)


def _with_query(path: str, query: Mapping[str, object]) -> str:
    """``path`` with the query parameters that are not None (all plain numbers, kinds and hex
    digests, so none needs escaping)."""
    given = "&".join(f"{name}={value}" for name, value in query.items() if value is not None)
    return f"{path}?{given}" if given else path
