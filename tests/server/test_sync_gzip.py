"""Compression, over the real server on loopback: answers of 500 bytes or more are gzip-
compressed for a client that accepts gzip (and only then), HubDesk's own client reads them;
a push sent with ``Content-Encoding: gzip`` is inflated and applied, whole, in chunks or as
several gzip members; the 1 MiB limit holds for the bytes sent and for the inflated body (a
gzip bomb is refused in words without being inflated past the limit); a body that is not
gzip is refused with 400 and any other encoding with 415, in words; and the Guard still logs
each compressed request under its route."""

from __future__ import annotations

import gzip
import http.client
import json
import logging
import os
import time
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hubdesk.server.api import MAX_BODY
from hubdesk.sync import protocol as p
from hubdesk.sync.transport import HubClient
from tests.server.conftest import Org, Served
from tests.server.test_sync_endpoints import PULL, PUSH, mutation, new_case, pull_all

PROBLEM = "application/problem+json"
NOT_GZIP = "The request says it is compressed with gzip, but it is not valid gzip."
INFLATED_TOO_LARGE = f"The request is larger than {MAX_BODY} bytes once uncompressed."
SENT_TOO_LARGE = f"The request is larger than {MAX_BODY} bytes."
OTHER_ENCODING = "The hub accepts request bodies plain or compressed with gzip only."
GZIP = {"Accept-Encoding": "gzip"}


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        text = gzip.decompress(self.body) if self.headers.get("content-encoding") else self.body
        return json.loads(text)


def send(
    served: Served,
    method: str,
    path: str,
    body: bytes | list[bytes] | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
) -> Raw:
    """One request as sent, the answer as received (never decompressed by the client). A
    list of byte strings is sent as that many chunks (``Transfer-Encoding: chunked``); a list
    of headers may name one header twice."""
    host, port = served.base.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        pairs = headers.items() if isinstance(headers, dict) else headers or []
        for name, value in pairs:
            conn.putheader(name, value)
        if isinstance(body, list):
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for chunk in body:
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        response = conn.getresponse()
        return Raw(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


def gzip_push(served: Served, token: str, body: bytes | list[bytes]) -> Raw:
    return send(
        served,
        "POST",
        PUSH,
        body,
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )


def assert_problem(reply: Raw, status: int, detail: str) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == PROBLEM
    problem = reply.json()
    assert (problem["status"], problem["detail"]) == (status, detail)


def push_body(*mutations: dict[str, Any]) -> bytes:
    return json.dumps({"mutations": list(mutations)}).encode()


# Answers -----------------------------------------------------------------------------------


def test_a_large_answer_is_compressed_only_for_a_client_that_accepts_gzip(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    case, _ = new_case(served, amy)
    for n in range(20):
        served.call(
            "POST",
            PUSH,
            {"mutations": [mutation("meeting", str(uuid.uuid4()), "create", {"n": n}, None, case)]},
            token=amy,
        )
    auth = {"Authorization": f"Bearer {amy}"}
    plain = send(served, "GET", f"{PULL}?after=0", headers=auth)
    packed = send(served, "GET", f"{PULL}?after=0", headers=auth | GZIP)
    assert plain.status == packed.status == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.body) >= 500
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert len(packed.body) < len(plain.body) / 2
    assert gzip.decompress(packed.body) == plain.body

    small = send(served, "GET", "/healthz", headers=GZIP)
    assert (small.status, small.body) == (200, b'{"status":"ok"}')
    assert "content-encoding" not in small.headers


def test_hubdesks_own_client_reads_compressed_answers(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    case, _ = new_case(served, amy)
    meetings = [
        mutation("meeting", str(uuid.uuid4()), "create", {"notes": "x" * 50}, None, case)
        for _ in range(30)
    ]
    with HubClient(served.base, amy) as client:
        pushed = client.push([p.Mutation.model_validate(m) for m in meetings])
        assert {r.status for r in pushed.results} == {"applied"}
        page = client.pull(0, limit=1000)
        summary = client.summary()
    assert [c.record_id for c in page.changes if c.kind == "meeting"] == [
        m["record_id"] for m in meetings
    ]
    assert summary.kinds["meeting"].count == 30


def test_a_refusal_by_the_guard_is_still_a_readable_problem_when_gzip_is_accepted(
    served: Served, org: Org
) -> None:
    reply = send(
        served,
        "POST",
        PUSH,
        b" " * (MAX_BODY + 1),
        GZIP | {"Content-Type": "application/json"},
    )
    assert_problem(reply, 413, SENT_TOO_LARGE)


# Compressed pushes -------------------------------------------------------------------------


def test_a_gzip_push_is_inflated_and_applied(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    case, _ = new_case(served, amy)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    whole = gzip.compress(push_body(mutation("meeting", ids[0], "create", {"n": 0}, None, case)))
    pieces = gzip.compress(push_body(mutation("meeting", ids[1], "create", {"n": 1}, None, case)))
    text = push_body(mutation("meeting", ids[2], "create", {"n": 2}, None, case))
    members = gzip.compress(text[:40]) + gzip.compress(text[40:])  # RFC 1952: one after another
    for body in (whole, [pieces[i : i + 7] for i in range(0, len(pieces), 7)], members):
        reply = gzip_push(served, amy, body)
        assert reply.status == 200, reply.body
        assert [r["status"] for r in reply.json()["results"]] == ["applied"]
    assert {c["record_id"] for c in pull_all(served, amy) if c["kind"] == "meeting"} == set(ids)


def test_identity_is_read_as_plain(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    reply = send(
        served,
        "POST",
        PUSH,
        push_body(),
        {
            "Authorization": f"Bearer {amy}",
            "Content-Type": "application/json",
            "Content-Encoding": "identity",
        },
    )
    assert reply.status == 200
    assert reply.json()["results"] == []


def padded_push(size: int) -> bytes:
    """An empty push padded with spaces to exactly ``size`` bytes."""
    body = push_body()
    return body + b" " * (size - len(body))


def test_the_limit_holds_for_the_inflated_body(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    at_limit = gzip_push(served, amy, gzip.compress(padded_push(MAX_BODY)))
    assert at_limit.status == 200, at_limit.body
    assert at_limit.json()["results"] == []
    over = gzip_push(served, amy, gzip.compress(padded_push(MAX_BODY + 1)))
    assert_problem(over, 413, INFLATED_TOO_LARGE)


def bomb(inflated: int) -> bytes:
    """gzip of ``inflated`` zero bytes, made piece by piece (a few hundred KiB sent)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(inflated // len(zeros))]
    return b"".join([*parts, packer.flush()])


def test_a_gzip_bomb_is_refused_without_being_inflated(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    payload = bomb(256 * 1024 * 1024)
    assert len(payload) < MAX_BODY
    tracemalloc.start()
    try:
        reply = gzip_push(served, amy, payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_problem(reply, 413, INFLATED_TOO_LARGE)
    # The server (a thread of this process) held little more than the limit, not 256 MiB.
    assert peak < 8 * MAX_BODY


def test_compressed_bytes_over_the_limit_as_sent_are_refused_by_the_guard(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    noise = gzip.compress(os.urandom(MAX_BODY + 4096))  # random bytes do not shrink
    assert len(noise) > MAX_BODY
    chunks = [noise[i : i + 65536] for i in range(0, len(noise), 65536)]
    assert_problem(gzip_push(served, amy, chunks), 413, SENT_TOO_LARGE)


@pytest.mark.parametrize(
    "body",
    [
        b'{"mutations": []}',  # plain JSON that says it is gzip
        gzip.compress(b'{"mutations": []}')[:-6],  # cut short
        gzip.compress(b'{"mutations": []}') + b"trailing words",
        b"",
    ],
    ids=["plain", "truncated", "trailing", "empty"],
)
def test_a_body_that_is_not_gzip_is_refused_in_words(served: Served, org: Org, body: bytes) -> None:
    _, amy = served.enrol("north-amy")
    assert_problem(gzip_push(served, amy, body), 400, NOT_GZIP)


@pytest.mark.parametrize("encoding", ["br", "deflate", "compress", "gzip, gzip", "zstd"])
def test_another_encoding_is_refused_in_words(served: Served, org: Org, encoding: str) -> None:
    _, amy = served.enrol("north-amy")
    reply = send(
        served,
        "POST",
        PUSH,
        gzip.compress(push_body()),
        {
            "Authorization": f"Bearer {amy}",
            "Content-Type": "application/json",
            "Content-Encoding": encoding,
        },
    )
    assert_problem(reply, 415, OTHER_ENCODING)


def test_two_content_encoding_lines_are_two_encodings_and_refused(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    headers = [
        ("Authorization", f"Bearer {amy}"),
        ("Content-Type", "application/json"),
        ("Content-Encoding", "br"),
        ("Content-Encoding", "gzip"),
    ]
    reply = send(served, "POST", PUSH, gzip.compress(push_body()), headers)
    assert_problem(reply, 415, OTHER_ENCODING)


# The request log ---------------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def request_log() -> Iterator[Lines]:
    handler, logger = Lines(), logging.getLogger("hubdesk.server")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def logged(log: Lines, count: int) -> None:
    """Wait for ``count`` lines: a request is logged just after it is answered."""
    deadline = time.monotonic() + 5
    while len(log.lines) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_compressed_requests_are_logged_under_their_route(
    served: Served, org: Org, request_log: Lines
) -> None:
    _, amy = served.enrol("north-amy")
    logged(request_log, 1)  # the enrolment's line, which may come just after its answer
    request_log.lines.clear()
    assert gzip_push(served, amy, gzip.compress(push_body())).status == 200
    assert gzip_push(served, amy, b"not gzip").status == 400
    reply = send(
        served, "GET", f"{PULL}?after=0", headers={"Authorization": f"Bearer {amy}"} | GZIP
    )
    assert reply.status == 200
    logged(request_log, 3)
    seen = [(line["method"], line["route"], line["status"]) for line in request_log.lines]
    assert seen == [("POST", PUSH, 200), ("POST", PUSH, 400), ("GET", PULL, 200)]
