"""The hub's API under bad or hostile input, over the real server on loopback: a body over the
size limit is refused with 413 whether it declares its length or is sent chunked; NUL and
other control characters, and bodies that are not JSON, get a 422 that names the field without
echoing what was sent; unknown addresses and methods get 404 and 405; every refusal is
``application/problem+json`` with exactly type, title, status and detail. The OpenAPI document
lists every route and documents the problem responses; the health checks answer, and
``/readyz`` refuses a database without this version's schema. The request log is one JSON line
per request with the route template and no personal data, ids or secrets; an unexpected error
is answered in plain words and leaves only its type in the logs."""

from __future__ import annotations

import http.client
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text

from hubdesk.server.api import MAX_BODY, create_app
from hubdesk.server.ca import make_csr, new_device_key
from hubdesk.server.db import Database, head_revision
from hubdesk.server.hub import PER_USER_LIMIT, Hub
from tests.helpers.served import serving_on_loopback
from tests.server.conftest import PASSWORD, Org, Reply, Served

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail"}
LOG_KEYS = {"event", "method", "route", "status", "ms"}
ENROL = "/api/v1/auth/enrol"


def assert_problem(reply: Reply, status: int, detail: str | None = None) -> None:
    """``reply`` is an RFC 9457 problem with exactly the four keys, and the given status."""
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == PROBLEM
    assert isinstance(reply.body, dict), reply.body
    assert set(reply.body) == PROBLEM_KEYS
    assert reply.body["status"] == status
    assert reply.body["type"].startswith("https://hubdesk.invalid/problems/")
    assert reply.body["title"]
    assert reply.body["detail"].endswith(".")
    if detail is not None:
        assert reply.body["detail"] == detail


def enrol_body(
    username: str = "north-amy", password: str = PASSWORD, device_name: str = "Laptop 7"
) -> dict[str, str]:
    device_id = str(uuid.uuid4())
    return {
        "username": username,
        "password": password,
        "device_id": device_id,
        "device_name": device_name,
        "csr_pem": make_csr(new_device_key(), device_id, username).decode(),
    }


def address(served: Served) -> tuple[str, int]:
    host, port = served.base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _reply(response: http.client.HTTPResponse) -> Reply:
    raw = response.read()
    body: Any = json.loads(raw) if raw else None
    return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def send_chunked(served: Served, path: str, chunks: list[bytes], *, finish: bool = True) -> Reply:
    """POST ``chunks`` with ``Transfer-Encoding: chunked`` and no Content-Length; without
    ``finish`` the closing chunk is never sent, so the hub must answer before the body ends."""
    conn = http.client.HTTPConnection(*address(served), timeout=10)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for chunk in chunks:
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        if finish:
            conn.send(b"0\r\n\r\n")
        return _reply(conn.getresponse())
    finally:
        conn.close()


def send_declared(served: Served, path: str, length: int) -> Reply:
    """POST declaring ``Content-Length: length`` and sending none of it: the hub must refuse
    on the declaration alone, without waiting for the body."""
    conn = http.client.HTTPConnection(*address(served), timeout=10)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        return _reply(conn.getresponse())
    finally:
        conn.close()


def settle(served: Served, *replies: Reply) -> None:
    """After a 5xx, let the server finish writing its error log before the test reports:
    Python 3.11 can fail ("AST constructor recursion depth mismatch") when two threads format
    tracebacks at once, and a failing test's report is one of them."""
    if any(reply.status >= 500 for reply in replies):
        served.call("GET", "/healthz")
        time.sleep(0.5)


# Size limits -------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused(served: Served, org: Org) -> None:
    reply = send_declared(served, ENROL, MAX_BODY + 1)
    assert_problem(reply, 413, f"The request is larger than {MAX_BODY} bytes.")


def test_a_body_of_exactly_the_limit_is_read(served: Served, org: Org) -> None:
    """The limit is the limit: a padded body of exactly MAX_BODY bytes is read and judged."""
    body = json.dumps(enrol_body(password="not the password")).encode()
    padded = body + b" " * (MAX_BODY - len(body))
    assert len(padded) == MAX_BODY
    reply = served.call("POST", ENROL, raw=padded)
    assert_problem(reply, 401, "That username and password do not match an active hub account.")


def test_a_small_chunked_body_is_read(served: Served, org: Org) -> None:
    body = json.dumps(enrol_body(password="not the password")).encode()
    reply = send_chunked(served, ENROL, [body[:100], body[100:]])
    assert_problem(reply, 401, "That username and password do not match an active hub account.")


def test_a_chunked_body_over_the_limit_is_refused(served: Served, org: Org) -> None:
    chunk = b" " * 65536
    chunks = [chunk] * (MAX_BODY // len(chunk) + 1)
    assert sum(map(len, chunks)) > MAX_BODY
    reply = send_chunked(served, ENROL, chunks, finish=False)
    assert_problem(reply, 413, f"The request is larger than {MAX_BODY} bytes.")


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\u0000", "\u0007", "\u001b", "\u007f", "\u009b", "\ufffe"])
def test_a_control_character_is_refused_without_echoing_the_value(
    served: Served, org: Org, character: str
) -> None:
    body = enrol_body(device_name=f"Lap{character}top")
    reply = served.call("POST", ENROL, body)
    assert_problem(reply, 422)
    detail = reply.body["detail"]
    assert detail.startswith("The request was not understood. device_name: ")
    assert f"U+{ord(character):04X}" in detail
    assert "Lap" not in json.dumps(reply.body)
    assert "top" not in detail.removeprefix("The request was not understood. ")


def test_a_control_character_in_a_password_is_refused_without_echoing_it(
    served: Served, org: Org
) -> None:
    reply = served.call("POST", ENROL, enrol_body(password="marmalade\u0000sandwich"))
    assert_problem(reply, 422)
    assert reply.body["detail"].startswith("The request was not understood. password: ")
    assert "U+0000" in reply.body["detail"]
    for part in ("marmalade", "sandwich"):
        assert part not in json.dumps(reply.body)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"this is not JSON at all", "application/json"),
        (b'{"username": "north-amy", "password": ', "application/json"),
        (b"username=north-amy&password=secret", "application/x-www-form-urlencoded"),
        (b"[1, 2, 3]", "application/json"),
    ],
    ids=["prose", "cut-short", "form", "list"],
)
def test_a_body_that_is_not_the_expected_json_is_refused(
    served: Served, org: Org, raw: bytes, content_type: str
) -> None:
    reply = served.call("POST", ENROL, raw=raw, headers={"Content-Type": content_type})
    assert_problem(reply, 422)
    assert reply.body["detail"].startswith("The request was not understood.")
    assert "secret" not in reply.body["detail"]


def test_an_unknown_address_and_a_wrong_method_are_refused_in_words(
    served: Served, org: Org
) -> None:
    for path in ("/api/v1/no-such-thing", "/nowhere", "/api/v2/me", "/api/v1/young-people/a/b"):
        assert_problem(served.call("GET", path), 404, "There is no such address on this hub.")
    _, token = served.enrol("north-amy")
    for method, path in (("DELETE", "/api/v1/me"), ("GET", ENROL), ("PUT", "/healthz")):
        reply = served.call(method, path, token=token)
        assert_problem(reply, 405, "That method is not used here.")


def test_every_refusal_is_problem_json_with_exactly_four_keys(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    body = enrol_body()
    assert served.call("POST", ENROL, body).status == 201
    replies = {
        401: served.call("GET", "/api/v1/me"),
        403: served.call("GET", "/api/v1/admin/users", token=amy),
        404: served.call("GET", f"/api/v1/young-people/{uuid.uuid4()}", token=amy),
        405: served.call("PATCH", "/api/v1/me", token=amy),
        409: served.call("POST", ENROL, body),
        413: send_declared(served, ENROL, MAX_BODY + 10),
        422: served.call("POST", ENROL, {"username": "north-amy"}),
    }
    for _ in range(PER_USER_LIMIT):
        served.call("POST", ENROL, enrol_body("north-ben", "wrong"))
    replies[429] = served.call("POST", ENROL, enrol_body("north-ben"))
    for status, reply in replies.items():
        assert_problem(reply, status)
    assert replies[429].headers["retry-after"] == "60"


ODD_IDS = ["a%00b", "%01", "x" * 300, "%F0%9F%98%80", "..%2F..%2Fetc"]


@pytest.mark.parametrize("odd", ODD_IDS, ids=["nul", "control", "long", "emoji", "dots"])
def test_an_odd_id_in_an_address_is_refused_never_a_500(served: Served, org: Org, odd: str) -> None:
    """A NUL (or any odd text) in a path parameter must never reach the database as a 500:
    it is "no such thing" (404) or "not understood" (422), as problem+json."""
    _, lead = served.enrol("north-lead")
    _, admin = served.enrol("hub-admin")
    calls: list[tuple[str, str, str, Any]] = [
        ("GET", f"/api/v1/young-people/{odd}", lead, None),
        ("PUT", f"/api/v1/young-people/{odd}/allocation", lead, {"practitioner": "north-amy"}),
        ("GET", f"/api/v1/contexts/{odd}", lead, None),
        ("GET", f"/api/v1/screening-definitions/{odd}/1", lead, None),
        ("POST", f"/api/v1/admin/devices/{odd}/revoke", admin, None),
    ]
    replies = [served.call(method, path, body, token=token) for method, path, token, body in calls]
    settle(served, *replies)
    answered = [
        (method, path.replace(odd, "{odd}"), reply.status)
        for (method, path, _, _), reply in zip(calls, replies, strict=True)
    ]
    assert all(reply.headers["content-type"] == PROBLEM for reply in replies)
    summary = "; ".join(f"{method} {path} -> {status}" for method, path, status in answered)
    assert all(status in (404, 422) for _, _, status in answered), summary


@pytest.mark.parametrize("version", ["0", "-1", "2147483648", "9223372036854775808", "1e3"])
def test_an_out_of_range_version_is_refused_never_a_500(
    served: Served, org: Org, version: str
) -> None:
    _, token = served.enrol("north-amy")
    reply = served.call("GET", f"/api/v1/screening-definitions/exploitation/{version}", token=token)
    settle(served, reply)
    assert reply.status in (404, 422), reply.body
    assert_problem(reply, reply.status)


# The OpenAPI document and health checks ----------------------------------------------------


def documented(served: Served) -> dict[str, Any]:
    reply = served.call("GET", "/api/v1/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert isinstance(reply.body, dict)
    return reply.body


def test_the_openapi_document_lists_every_route(served: Served, hub: Hub) -> None:
    schema = documented(served)
    paths: dict[str, dict[str, Any]] = schema["paths"]
    app: FastAPI = create_app(hub)
    routes = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    listed = {(path, method) for path, item in paths.items() for method in item}
    assert listed == routes
    assert {"/healthz", "/readyz"} <= set(paths)
    assert all(p.startswith("/api/v1/") for p in set(paths) - {"/healthz", "/readyz"})
    expected = {
        ("/api/v1/auth/enrol", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/young-people", "get"),
        ("/api/v1/young-people/{young_person_id}", "get"),
        ("/api/v1/young-people/{young_person_id}/allocation", "put"),
        ("/api/v1/contexts/{context_id}", "get"),
        ("/api/v1/screening-definitions", "get"),
        ("/api/v1/screening-definitions/{definition_id}/{version}", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/devices", "get"),
        ("/api/v1/admin/devices/{device_id}/revoke", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    }
    assert expected <= listed


def test_the_openapi_document_describes_problem_responses(served: Served) -> None:
    schema = documented(served)
    problem = schema["components"]["schemas"]["ProblemDetail"]
    assert set(problem["required"]) == PROBLEM_KEYS
    assert set(problem["properties"]) == PROBLEM_KEYS
    ref = {"$ref": "#/components/schemas/ProblemDetail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            assert {"401", "404", "413", "422"} <= set(errors), where
            for status, response in errors.items():
                content = response["content"]
                # A refusal is only ever served as problem+json: that media type carries the
                # schema, and no other media type is promised for it.
                assert content.get(PROBLEM, {}).get("schema") == ref, (
                    f"{where} {status}: {PROBLEM} is documented without the ProblemDetail "
                    f"schema ({content})"
                )
                assert set(content) == {PROBLEM}, f"{where} {status}: {sorted(content)}"
    assert "503" in schema["paths"]["/readyz"]["get"]["responses"]


def test_the_health_checks_answer(served: Served) -> None:
    health = served.call("GET", "/healthz")
    assert (health.status, health.body) == (200, {"status": "ok"})
    ready = served.call("GET", "/readyz")
    assert (ready.status, ready.body) == (
        200,
        {"status": "ready", "schema_revision": head_revision()},
    )


@contextmanager
def serving(app: FastAPI) -> Iterator[Served]:
    """Another app on its own loopback port, as the ``served`` fixture serves the hub."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    with serving_on_loopback(config) as base:
        yield Served(base)


def test_readyz_refuses_a_database_without_a_schema(database_url: str) -> None:
    db = Database(database_url)  # never migrated
    try:
        with serving(create_app(Hub(db))) as bare:
            reply = bare.call("GET", "/readyz")
            assert_problem(
                reply,
                503,
                "The hub's database has not been set up. Run `hubdesk-server init` first.",
            )
            assert bare.call("GET", "/healthz").body == {"status": "ok"}  # alive, not ready
    finally:
        db.dispose()


def test_readyz_refuses_a_database_at_another_schema(served: Served, hub: Hub) -> None:
    with hub.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_elsewhere'"))
    reply = served.call("GET", "/readyz")
    assert_problem(
        reply,
        503,
        f"The hub's database is at schema 0000_elsewhere, this version needs {head_revision()}. "
        "Run `hubdesk-server init` to upgrade it.",
    )


def test_readyz_on_an_unreachable_database_does_not_show_its_address(tmp_path: Path) -> None:
    where = tmp_path / "no-such-folder" / "hub-secret-name.sqlite"
    db = Database(f"sqlite:///{where}")
    try:
        with serving(create_app(Hub(db))) as bare:
            reply = bare.call("GET", "/readyz")
    finally:
        db.dispose()
    assert_problem(reply, 503, "The hub's database could not be reached (OperationalError).")
    assert "hub-secret-name" not in json.dumps(reply.body)


# Logs --------------------------------------------------------------------------------------


class Collector(logging.Handler):
    """Every record reaching the hub's logger, uvicorn's loggers or the root, once each."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if not any(record is seen for seen in self.records):
            self.records.append(record)

    def hub_lines(self, at_least: int = 0) -> list[str]:
        """The hub's own lines, waiting briefly for ``at_least`` of them (a server may log a
        request just after answering it)."""
        deadline = time.monotonic() + 5
        while True:
            lines = [r.getMessage() for r in self.records if r.name == "hubdesk.server"]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return lines
            time.sleep(0.01)

    def everything(self) -> str:
        """All of it as written out, tracebacks included."""
        return "\n".join(self.format(r) for r in self.records)


@pytest.fixture
def logs() -> Iterator[Collector]:
    collector = Collector()
    names = ("hubdesk.server", "uvicorn", "")
    hub_logger = logging.getLogger("hubdesk.server")
    old_level = hub_logger.level
    hub_logger.setLevel(logging.INFO)
    for name in names:
        logging.getLogger(name).addHandler(collector)
    try:
        yield collector
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(collector)
        hub_logger.setLevel(old_level)


def test_request_logs_are_json_with_the_route_template_and_no_personal_data(
    served: Served, org: Org, logs: Collector
) -> None:
    device_id, token = served.enrol("north-lead")
    wrong = "wrong-password-quince"
    wrong_body = enrol_body("north-amy", wrong)
    assert served.call("POST", ENROL, wrong_body).status == 401
    someone = str(uuid.uuid4())
    assert served.call("GET", f"/api/v1/young-people/{someone}", token=token).status == 404
    nul_body = enrol_body("north-amy", device_name="Lap\u0000top")
    assert served.call("POST", ENROL, nul_body).status == 422

    parsed = [json.loads(line) for line in logs.hub_lines(at_least=4)]
    assert parsed, "nothing was logged"
    for line in parsed:
        assert set(line) == LOG_KEYS, line
        assert line["event"] == "request"
        assert isinstance(line["ms"], int | float)
    seen = [(line["method"], line["route"], line["status"]) for line in parsed]
    assert seen == [
        ("POST", ENROL, 201),
        ("POST", ENROL, 401),
        ("GET", "/api/v1/young-people/{young_person_id}", 404),
        ("POST", ENROL, 422),
    ]
    everything = logs.everything()
    for secret in (
        "north-amy",
        "north-lead",
        PASSWORD,
        wrong,
        someone,
        token,
        device_id,
        wrong_body["device_id"],
        nul_body["device_id"],
        "Lap",
    ):
        assert secret not in everything, secret


def test_an_unexpected_error_is_answered_in_words_and_logged_by_type_only(
    served: Served, org: Org, hub: Hub, logs: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = served.enrol("north-amy")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret text")

    monkeypatch.setattr(hub, "caseload", broken)
    reply = served.call("GET", "/api/v1/young-people", token=token)
    settle(served, reply)  # anything logged after the reply has had time to arrive
    assert reply.status == 500
    assert reply.headers["content-type"] == PROBLEM
    assert set(reply.body) == PROBLEM_KEYS
    assert reply.body["detail"] == "The hub met an unexpected problem; it has been logged."
    assert "secret text" not in json.dumps(reply.body)
    assert "RuntimeError" not in json.dumps(reply.body)

    unexpected = [json.loads(line) for line in logs.hub_lines() if '"unexpected"' in line]
    assert unexpected == [{"event": "unexpected", "error": "RuntimeError"}]
    leaking = [
        f"{r.name} {r.levelname} {r.getMessage()!r}"
        for r in logs.records
        if "secret text" in logs.format(r)
    ]
    assert leaking == [], "the exception's message reached a log (with its traceback)"


def test_a_refused_role_is_logged_without_who_asked(
    served: Served, org: Org, logs: Collector
) -> None:
    """A 403 is logged with its route and status, and not with the user's name."""
    _, token = served.enrol("north-ben")
    assert served.call("GET", "/api/v1/admin/devices", token=token).status == 403
    lines = [json.loads(line) for line in logs.hub_lines(at_least=2)]
    assert lines[-1] == {**lines[-1], "route": "/api/v1/admin/devices", "status": 403}
    assert "north-ben" not in logs.everything()
