"""The sync routes served in one hop (``api.OneHopRoute``), over the real server on loopback: a
valid push, pull or summary takes one trip to the thread pool, where FastAPI's own handling of
the same route takes three; and every answer, refusals included, is byte for byte what FastAPI's
own handling sends, compressed or not, with the same refusal first when a request has several
things wrong (an unsigned request that is not JSON is still a 422, one that is JSON but not a
push still a 401)."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hubdesk.server.api import MAX_BODY, OneHopRoute, create_app
from hubdesk.server.hub import Hub
from tests.server.conftest import Org, Served, Switch
from tests.server.test_sync_endpoints import PULL, PUSH, mutation
from tests.server.test_sync_gzip import Raw, push_body, send

SUMMARY = "/api/v1/sync/summary"
JSON = {"Content-Type": "application/json"}
Request = tuple[str, str, bytes | None, dict[str, str]]


@dataclass
class Both:
    """The same hub behind two apps on one loopback server: ``one_hop`` as ``create_app``
    makes it, and ``as_fastapi`` with the sync routes left to FastAPI's own handling."""

    served: Served
    switch: Switch
    one_hop: FastAPI
    as_fastapi: FastAPI

    def ask(self, app: FastAPI, request: Request, *, gzip_ok: bool = False) -> Raw:
        method, path, body, headers = request
        self.switch.app = app
        accept = {"Accept-Encoding": "gzip" if gzip_ok else "identity"}
        return send(self.served, method, path, body, {**headers, **accept})


@pytest.fixture
def both(
    hub: Hub, org: Org, loopback_server: tuple[str, Switch], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Both]:
    base, switch = loopback_server
    one_hop = create_app(hub)
    with monkeypatch.context() as patched:
        patched.setattr(OneHopRoute, "get_route_handler", APIRoute.get_route_handler)
        as_fastapi = create_app(hub)
    switch.app = one_hop
    yield Both(Served(base), switch, one_hop, as_fastapi)
    switch.app = None


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., Any]]:
    """Every function sent to the thread pool while the test runs."""
    sent: list[Callable[..., Any]] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sent.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return sent


def signed(token: str | None, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}


def a_push(token: str | None, *, gzipped: bool = False) -> Request:
    body = push_body(mutation("young_person", str(uuid.uuid4()), "create", {"name": "Eira"}))
    if gzipped:
        return (
            "POST",
            PUSH,
            gzip.compress(body),
            signed(token, {**JSON, "Content-Encoding": "gzip"}),
        )
    return "POST", PUSH, body, signed(token, JSON)


def test_a_valid_push_pull_or_summary_takes_one_trip_to_the_thread_pool(
    both: Both, trips: list[Callable[..., Any]]
) -> None:
    _, token = both.served.enrol("north-amy")
    for app, expected in ((both.one_hop, 1), (both.as_fastapi, 3)):
        for request in (
            a_push(token),
            a_push(token, gzipped=True),
            ("GET", f"{PULL}?summary=1", None, signed(token)),
            ("GET", SUMMARY, None, signed(token)),
        ):
            trips.clear()
            reply = both.ask(app, request)
            assert reply.status == 200, reply.body
            assert len(trips) == expected, (request[:2], trips)


def refused_and_served(token: str, revoked: str, case: str) -> dict[str, Request]:
    """Requests to the three routes, by what is odd about them (most are refused)."""
    body = json.loads(push_body(mutation("young_person", case, "create", {"name": "Eira"})))
    good = json.dumps(body).encode()

    def changed(**fields: Any) -> bytes:
        return json.dumps({"mutations": [{**body["mutations"][0], **fields}]}).encode()

    pushes: dict[str, tuple[bytes, dict[str, str]]] = {
        "valid": (good, JSON),
        "not JSON": (b"this is not JSON", JSON),
        "cut short": (good[:30], JSON),
        "a list": (b"[1, 2]", JSON),
        "empty": (b"", JSON),
        "no content type": (good, {}),
        "text/plain": (good, {"Content-Type": "text/plain"}),
        "+json": (good, {"Content-Type": "application/merge-patch+json"}),
        "json with a charset": (good, {"Content-Type": "application/json; charset=utf-8"}),
        "a byte order mark": (b"\xef\xbb\xbf" + good, JSON),
        "UTF-16": (good.decode().encode("utf-16"), JSON),
        "not UTF-8": (good.replace(b"Eira", b"Ei\xffra"), JSON),
        "a lone surrogate": (changed(content={"a": "x"}).replace(b'"x"', b'"\\ud800"'), JSON),
        "a control character": (changed(content={"a": "x\u0001y"}), JSON),
        "NaN": (changed(content={"a": 1.5}).replace(b"1.5", b"NaN"), JSON),
        "an unknown field": (changed(surprise=1), JSON),
        "an unknown kind": (changed(kind="nonsense"), JSON),
        "no mutations": (b"{}", JSON),
        "too many": (json.dumps({"mutations": body["mutations"] * 501}).encode(), JSON),
        "eight wrong": (json.dumps({"mutations": [{"x": i} for i in range(8)]}).encode(), JSON),
        "gzip": (gzip.compress(good), {**JSON, "Content-Encoding": "gzip"}),
        "not gzip": (b"not gzip", {**JSON, "Content-Encoding": "gzip"}),
        "brotli": (good, {**JSON, "Content-Encoding": "br"}),
        "too large": (b"{" + b" " * MAX_BODY + b"}", JSON),
    }
    queries = [
        "",
        "?after=0&limit=1",
        "?after=-1",
        "?limit=0",
        f"?limit={10**6}",
        "?limit=abc",
        "?kind=contact_note",
        "?kind=screening_definition",
        "?kind=bogus",
        "?summary=1",
        "?summary=maybe",
        f"?summary=1&known_scope={'0' * 64}",
        "?known_scope=bad",
        "?summary=1&kind=young_person",
        "?after=x&after=1",
    ]
    requests: dict[str, Request] = {}
    for who, sent in (("signed", token), ("unsigned", None), ("revoked", revoked)):
        for what, (raw, headers) in pushes.items():
            requests[f"push {what}, {who}"] = ("POST", PUSH, raw, signed(sent, headers))
        for route in (PULL, SUMMARY):
            for query in queries:
                requests[f"{route}{query}, {who}"] = ("GET", route + query, None, signed(sent))
    requests["pull after purged deletions"] = ("GET", f"{PULL}?after=1", None, signed(token))
    requests["a token that is not one"] = ("GET", SUMMARY, None, signed("not-a-token"))
    requests["not a bearer token"] = ("GET", SUMMARY, None, {"Authorization": f"Basic {token}"})
    requests["a route's other method"] = ("GET", PUSH, None, signed(token))
    return requests


def test_every_answer_is_what_fastapis_own_handling_sends(both: Both, hub: Hub) -> None:
    _, token = both.served.enrol("north-amy")
    revoked_device, revoked = both.served.enrol("north-ben")
    hub.revoke_device(revoked_device)
    case, meeting = str(uuid.uuid4()), str(uuid.uuid4())
    for record in (
        mutation("young_person", case, "create", {"name": "Eira"}),
        mutation("meeting", meeting, "create", {"notes": "x"}, None, case),
        mutation("meeting", meeting, "delete", {}, 2, case),
    ):
        pushed = both.ask(both.one_hop, ("POST", PUSH, push_body(record), signed(token, JSON)))
        assert pushed.json()["results"][0]["status"] == "applied"
    hub.purge_tombstones(timedelta(seconds=-1))  # a pull after 1 is now told to start again

    statuses = set()
    for label, request in refused_and_served(token, revoked, case).items():
        for gzip_ok in (False, True):
            both.ask(both.as_fastapi, request, gzip_ok=gzip_ok)  # a push applied from here on
            ours = both.ask(both.one_hop, request, gzip_ok=gzip_ok)
            theirs = both.ask(both.as_fastapi, request, gzip_ok=gzip_ok)
            heard = [
                (r.status, r.headers["content-type"], r.headers.get("content-encoding"), r.body)
                for r in (ours, theirs)
            ]
            assert heard[0] == heard[1], (label, gzip_ok)
            statuses.add(ours.status)
    assert statuses == {200, 400, 401, 405, 410, 413, 415, 422}
