"""The hub's HTTP API (FastAPI), versioned under ``/api/v1``.

Every request body is parsed by the shared protocol types (``hubdesk.sync.protocol``); every
error is ``application/problem+json`` with one plain sentence; every route but the health
checks and enrolment needs a device token, and every read of case content is scoped and
audited by :class:`~hubdesk.server.hub.Hub`. Handlers are plain functions (FastAPI runs them
on its thread pool) because the database calls are blocking; the sync routes are served by
:class:`OneHopRoute`, which runs each of their requests in one trip to that pool.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from hubdesk import __version__
from hubdesk.server import blobs, sync
from hubdesk.server.db import DatabaseError, check_schema, head_revision
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.problems import Forbidden, Problem
from hubdesk.server.tables import Device, HubRecord, Role, User
from hubdesk.sync import protocol as p

log = logging.getLogger("hubdesk.server")
PROBLEM_TYPE = "application/problem+json"
JSON_TYPE = "application/json"
UNEXPECTED = "The hub met an unexpected problem; it has been logged."
MAX_BODY = 1024 * 1024
#: Responses smaller than this are sent as they are: compressing them gains nothing.
GZIP_MINIMUM = 500
#: How hard responses are compressed. A page of 1,000 records (1.2 MB of JSON) takes about
#: 10 ms at level 1 and 50 ms at Starlette's default 9, for about a fifth more bytes; the
#: hub's time is what devices wait for.
GZIP_LEVEL = 1


def problem_doc() -> dict[str, Any]:
    """How a refusal is documented in OpenAPI (``_openapi_with_problems`` adds the schema)."""
    return {"model": p.ProblemDetail, "content": {PROBLEM_TYPE: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_doc() for status in (400, 401, 403, 404, 409, 413, 415, 422, 429)
}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def problem_response(status: int, title: str, detail: str, code: str) -> JSONResponse:
    body = p.ProblemDetail(
        type=f"https://hubdesk.invalid/problems/{code}", title=title, status=status, detail=detail
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_TYPE)


class Guard:
    """The hub's outer layer (pure ASGI, inside Starlette's error middleware):

    - a request body over ``limit`` bytes is refused (413) whether or not it declares its
      length: a declared one before the route runs, a chunked one while it is read;
    - one JSON log line per request: method, route template (never ids), status, time;
    - anything unexpected is answered 500 in words and logged by its type only. It is not
      raised further, so no traceback (which could hold SQL parameters or typed text) is
      written by the server either.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        declared = dict(scope.get("headers") or []).get(b"content-length")
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise StarletteHTTPException(413, self._too_large())
            return message

        async def watched(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
                await problem_response(413, "Too large", self._too_large(), "too-large")(
                    scope, receive, watched
                )
            else:
                await self.app(scope, limited, watched)
        except Exception as exc:
            log.error(json.dumps({"event": "unexpected", "error": type(exc).__name__}))
            if status == 0:
                await problem_response(500, "Unexpected", UNEXPECTED, "unexpected")(
                    scope, receive, watched
                )
        route = scope.get("route")
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": scope.get("method"),
                    "route": getattr(route, "path", "unmatched"),  # the template, never ids
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )

    def _too_large(self) -> str:
        return f"The request is larger than {self.limit} bytes."


class BodyRefused(StarletteHTTPException):
    """A request body refused while it is read (it arrives inside the route's body read,
    where FastAPI passes HTTP exceptions on), answered as a problem with these words."""

    def __init__(self, status: int, title: str, code: str, words: str) -> None:
        super().__init__(status, words)
        self.title, self.code = title, code


class Inflate:
    """Request bodies sent with ``Content-Encoding: gzip`` are inflated as they are read,
    with the same ``limit`` on the inflated size as the Guard (outside this) keeps on the
    bytes sent: a small body that inflates past it is refused (413) as soon as it does,
    without inflating further. A body that is not gzip is refused (400); any other encoding
    than gzip or identity is refused (415) before anything is read."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        # Every Content-Encoding line together: two of them mean two encodings, one on another.
        said = [value for name, value in headers if name == b"content-encoding"]
        encoding = b",".join(said).strip().lower() or b"identity"
        if encoding == b"identity":
            await self.app(scope, receive, send)
            return
        if encoding != b"gzip":
            words = "The hub accepts request bodies plain or compressed with gzip only."
            await problem_response(415, "Encoding not accepted", words, "unsupported-encoding")(
                scope, receive, send
            )
            return
        # What follows reads the inflated body: its sent length and encoding no longer apply.
        # (The scope is changed in place, so the Guard still sees the route it was given.)
        scope["headers"] = [
            (name, value)
            for name, value in headers
            if name not in (b"content-encoding", b"content-length")
        ]
        inflater = _Inflater(self.limit)

        async def inflated() -> MutableMapping[str, Any]:
            message = await receive()
            if message["type"] != "http.request":
                return message
            body = inflater.feed(message.get("body", b""))
            if not message.get("more_body", False):
                inflater.finish()
            return {**message, "body": body}

        await self.app(scope, inflated, send)


class _Inflater:
    """gzip, inflated piece by piece, never producing more than ``limit`` bytes in all (one
    gzip stream, or several members one after another as RFC 1952 allows)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.produced = limit, 0
        self.member = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
        self.members_done, self.partial = 0, False

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            self.partial = True
            try:
                # At most one byte past the limit: enough to know it is over.
                piece = self.member.decompress(data, self.limit - self.produced + 1)
            except zlib.error:
                raise self._not_gzip() from None
            self.produced += len(piece)
            if self.produced > self.limit:
                raise BodyRefused(
                    413,
                    "Too large",
                    "too-large",
                    f"The request is larger than {self.limit} bytes once uncompressed.",
                )
            out.append(piece)
            if self.member.eof:
                data = self.member.unused_data
                self.member = zlib.decompressobj(wbits=31)
                self.members_done, self.partial = self.members_done + 1, False
            else:
                data = self.member.unconsumed_tail
        return b"".join(out)

    def finish(self) -> None:
        if self.partial or self.members_done == 0:
            raise self._not_gzip()

    @staticmethod
    def _not_gzip() -> BodyRefused:
        return BodyRefused(
            400,
            "Not gzip",
            "not-gzip",
            "The request says it is compressed with gzip, but it is not valid gzip.",
        )


def principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The enrolled device and user behind the request's bearer token (401 otherwise)."""
    token = None
    if authorization and authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ").strip()
    hub: Hub = request.app.state.hub
    return hub.authenticate(token)


Who = Annotated[Principal, Depends(principal)]


def admin(who: Who) -> Principal:
    if who.role is not Role.ADMIN:
        raise Forbidden("Only a hub administrator can do this.")
    return who


Admin = Annotated[Principal, Depends(admin)]
#: Path parameters are as strict as the ids they name, so nothing odd reaches the database
#: (a NUL, or a number past PostgreSQL's integer, would otherwise be a 500).
RecordIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,36}$")]
DefinitionIdPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,79}$")]
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Sha256Path = Annotated[str, Path(pattern=p.SHA256_PATTERN)]
ChunkPath = Annotated[int, Path(ge=0, le=p.MAX_CHUNKS - 1)]
#: A part of a file, as the OpenAPI schema describes it (request body and answer).
CHUNK_CONTENT = {
    blobs.CHUNK_MEDIA_TYPE: {
        "schema": {"type": "string", "format": "binary", "maxLength": p.CHUNK_BYTES}
    }
}


async def chunk_body(request: Request) -> bytes:
    """A part of a file: the raw body, sent as application/octet-stream (the Guard has
    already bounded it at 1 MiB; ``blobs.put_chunk`` bounds it at one part)."""
    if _media_type(request) != blobs.CHUNK_MEDIA_TYPE:
        raise blobs.NotOctets()
    return await request.body()


ChunkBody = Annotated[bytes, Depends(chunk_body)]


class OneHopRoute(APIRoute):
    """A route taking the principal, query parameters and at most one JSON body (a pydantic
    model), whose usual request is served in one trip to the thread pool: its query read,
    its body parsed and validated by pydantic straight from the bytes, the device
    authenticated (``principal``, as on every route), the endpoint called and its answer
    serialised, all in one worker thread.

    FastAPI takes three trips for such a route (the principal, the endpoint, the answer's
    validation), each a handoff between threads, and turns a body into Python objects before
    validating them: with the sync work stubbed out, a small push, pull or summary took the
    hub 0.5-0.9 ms that way and 0.3-0.6 ms this way, a push of 500 6.1 and 5.3 ms.
    The route is declared like any other, so the OpenAPI schema documents it the same;
    the answer is what FastAPI sends (its serialiser, with the route's options). A request
    FastAPI would refuse before authenticating the device or calling the endpoint (a query
    parameter or body that is not valid, a body not sent as ``application/json``) is handed
    to FastAPI's own handling of the route, so it is refused exactly as it always was, in
    the same order (a request both malformed and unsigned gets the answer it got before)."""

    _who: str
    _body: type[BaseModel] | None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        as_fastapi_does = super().get_route_handler()
        dependant, body = self.dependant, self.body_field
        model = body.field_info.annotation if body else None
        self._body = model if isinstance(model, type) and issubclass(model, BaseModel) else None
        if (
            [d.call for d in dependant.dependencies] != [principal]
            or dependant.path_params
            or dependant.header_params
            or dependant.cookie_params
            or len(dependant.body_params) > 1
            or (body is not None and self._body is None)
            or self.response_field is None
        ):
            raise TypeError(f"{self.path} takes more than a one-hop route serves.")
        self._who = dependant.dependencies[0].name or ""

        async def handle(request: Request) -> Response:
            try:
                raw = await request.body() if body else b""
            except ClientDisconnect:
                raise StarletteHTTPException(400) from None  # as FastAPI answers it
            answer = await run_in_threadpool(self._serve, request, raw)
            return answer if answer is not None else await as_fastapi_does(request)

        return handle

    def _serve(self, request: Request, raw: bytes) -> Response | None:
        """The answer, or None for a request to hand to FastAPI's handling (nothing has been
        done for it). The device is authenticated once the request is known to be valid;
        a refusal of the device is answered as on every route."""
        values, errors = request_params_to_args(self.dependant.query_params, request.query_params)
        if errors:
            return None
        if self.body_field is not None and self._body is not None:
            if _media_type(request) != JSON_TYPE:
                return None
            try:
                values[self.body_field.name] = self._body.model_validate_json(raw)
            except ValidationError:
                return None
        values[self._who] = principal(request, request.headers.get("authorization"))
        answer = self.endpoint(**values)
        assert self.response_field is not None  # checked when the route was made
        content = self.response_field.serialize_json(
            answer,
            include=self.response_model_include,
            exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
        )
        return Response(content, status_code=self.status_code or 200, media_type=JSON_TYPE)


def _media_type(request: Request) -> str:
    """The request's Content-Type without its parameters, in lower case ("" without one)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _validation_words(exc: RequestValidationError) -> str:
    """Which fields were wrong and why, in words, never echoing what was sent (not even the
    name of a field the hub does not know)."""
    parts = []
    for error in exc.errors()[:5]:
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append("the body is not valid JSON")
            continue
        loc = [str(x) for x in error.get("loc", ()) if x != "body"]
        if kind == "extra_forbidden":
            parts.append("a field the hub does not know was sent")
            continue
        message = str(error.get("msg", "not valid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc) or 'the body'}: {message}")
    words = "; ".join(parts)
    if words.startswith(("the ", "a ")):
        words = words[0].upper() + words[1:]
    return f"The request was not understood. {words}."


def create_app(hub: Hub, *, max_body: int = MAX_BODY) -> FastAPI:
    app = FastAPI(
        title="HubDesk hub service",
        version=__version__,
        openapi_url=f"{p.API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=PROBLEM_RESPONSES,
    )
    app.state.hub = hub

    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(exc.status, exc.title, exc.message, exc.code)
        retry = getattr(exc, "retry_after", None)
        if retry is not None:
            response.headers["Retry-After"] = str(retry)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(422, "Not valid", _validation_words(exc), "not-valid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyRefused):
            return problem_response(exc.status_code, exc.title, str(exc.detail), exc.code)
        if exc.status_code == 413:
            return problem_response(413, "Too large", str(exc.detail), "too-large")
        words = {404: "There is no such address on this hub.", 405: "That method is not used here."}
        detail = words.get(exc.status_code, "The request could not be served.")
        return problem_response(exc.status_code, "Not served", detail, f"http-{exc.status_code}")

    # Outermost first: responses compressed for clients that accept gzip (the Guard's own
    # refusals too); the Guard's limit on the bytes sent; then gzip request bodies inflated
    # within the same limit.
    app.add_middleware(Inflate, limit=max_body)
    app.add_middleware(Guard, limit=max_body)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=GZIP_LEVEL)
    app.openapi = lambda: _openapi_with_problems(app)  # type: ignore[method-assign]

    api = p.API_PREFIX

    @app.get("/healthz", response_model=p.Health, tags=["health"])
    def healthz() -> p.Health:
        return p.Health(status="ok")

    @app.get("/readyz", response_model=p.Ready, tags=["health"], responses={503: problem_doc()})
    def readyz() -> Any:
        try:
            check_schema(hub.db.engine)
        except DatabaseError as exc:
            return problem_response(503, "Not ready", exc.message, "not-ready")
        return p.Ready(status="ready", schema_revision=head_revision())

    @app.post(f"{api}/auth/enrol", response_model=p.EnrolResponse, status_code=201, tags=["auth"])
    def enrol(body: p.EnrolRequest, request: Request) -> p.EnrolResponse:
        address = request.client.host if request.client else "unknown"
        done = hub.enrol(
            username=body.username,
            password=body.password,
            address=address,
            device_id=str(body.device_id),
            device_name=body.device_name,
            csr_pem=body.csr_pem,
        )
        return p.EnrolResponse(
            device_id=body.device_id,
            device_token=done.token,
            certificate_pem=done.certificate_pem,
            ca_certificate_pem=done.ca_certificate_pem,
            epoch=done.epoch,
            user=_me(done.user, done.team),
        )

    @app.get(f"{api}/me", response_model=p.Me, tags=["auth"])
    def me(who: Who) -> p.Me:
        return _me(*hub.user(who.user_id))

    @app.get(f"{api}/young-people", response_model=list[p.YoungPersonSummary], tags=["cases"])
    def young_people(who: Who) -> list[p.YoungPersonSummary]:
        return [
            p.YoungPersonSummary(id=a.young_person_id, allocated_to=worker, team=team, seq=seq)
            for a, worker, team, seq in hub.caseload(who)
        ]

    @app.get(f"{api}/young-people/{{young_person_id}}", response_model=p.CaseView, tags=["cases"])
    def young_person(young_person_id: RecordIdPath, who: Who) -> p.CaseView:
        rows = hub.case(who, young_person_id)
        person = next(r for r in rows if r.kind == "young_person")
        return p.CaseView(
            young_person=_record(person), records=[_record(r) for r in rows if r is not person]
        )

    @app.put(
        f"{api}/young-people/{{young_person_id}}/allocation",
        response_model=p.AllocationView,
        tags=["cases"],
    )
    def allocate(
        young_person_id: RecordIdPath, body: p.AllocationRequest, who: Who
    ) -> p.AllocationView:
        if who.role is Role.PRACTITIONER:
            raise Forbidden("Only a team lead or a hub administrator allocates young people.")
        allocation = hub.allocate(young_person_id, body.practitioner, who)
        _, team = hub.user(allocation.practitioner_id)
        return p.AllocationView(
            young_person_id=young_person_id, practitioner=body.practitioner, team=team or ""
        )

    @app.get(f"{api}/contexts/{{context_id}}", response_model=p.RecordView, tags=["cases"])
    def context(context_id: RecordIdPath, who: Who) -> p.RecordView:
        return _record(hub.context(who, context_id))

    @app.get(f"{api}/screening-definitions", response_model=list[p.DefinitionView], tags=["tools"])
    def definitions(_who: Who) -> list[p.DefinitionView]:
        return [p.DefinitionView.model_validate(d, from_attributes=True) for d in hub.definitions()]

    @app.get(
        f"{api}/screening-definitions/{{definition_id}}/{{version}}",
        response_model=p.DefinitionDocument,
        tags=["tools"],
    )
    def definition(
        definition_id: DefinitionIdPath, version: VersionPath, _who: Who
    ) -> p.DefinitionDocument:
        row = hub.definition(definition_id, version)
        return p.DefinitionDocument.model_validate(row, from_attributes=True)

    def one_hop(method: str, path: str, **declared: Any) -> Callable[[Endpoint], Endpoint]:
        """Like ``@app.get``/``@app.post``, for a route served by :class:`OneHopRoute`."""

        def declare(endpoint: Endpoint) -> Endpoint:
            app.router.add_api_route(
                path, endpoint, methods=[method], route_class_override=OneHopRoute, **declared
            )
            return endpoint

        return declare

    @one_hop("POST", f"{api}/sync/push", response_model=p.PushResponse, tags=["sync"])
    def sync_push(body: p.PushRequest, who: Who) -> p.PushResponse:
        return sync.push(hub, who, body.mutations)

    @one_hop(
        "GET",
        f"{api}/sync/pull",
        response_model=p.ChangePage,
        # Optional fields are sent only when set (the summary, and within it what
        # ``/sync/summary`` leaves out): a request without ``summary`` is answered exactly
        # as before it existed.
        response_model_exclude_unset=True,
        tags=["sync"],
        responses={410: problem_doc()},
    )
    def sync_pull(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_PAGE)] = 200,
        kind: Annotated[
            p.PullKind | None,
            Query(description="Only changes of this kind (a targeted resync)."),
        ] = None,
        summary: Annotated[
            bool,
            Query(
                description=(
                    "Send the summary (as `/sync/summary` answers it) with the last page "
                    "(`has_more` false), read in the same transaction as that page. Ignored "
                    "with `kind`: a pull narrowed to one kind never carries it."
                ),
            ),
        ] = False,
        known_scope: Annotated[
            str | None,
            Query(
                pattern=p.SHA256_PATTERN,
                description="As for `/sync/summary`; used only with `summary`.",
            ),
        ] = None,
    ) -> p.ChangePage:
        """Changes in the device's scope after the cursor ``after``, oldest first. Answered
        410 (``resync-needed``) when deletions after that cursor are no longer kept: the
        device then pulls again from 0."""
        return sync.pull(hub, who, after, limit, kind, check=summary, known_scope=known_scope)

    @one_hop(
        "GET",
        f"{api}/sync/summary",
        response_model=p.SyncSummary,
        # Fields left out rather than sent as null: a request without ``known_scope`` is
        # answered exactly as before it existed.
        response_model_exclude_none=True,
        tags=["sync"],
    )
    def sync_summary(
        who: Who,
        known_scope: Annotated[
            str | None,
            Query(
                pattern=p.SHA256_PATTERN,
                description=(
                    "The young_people_digest of the list of young people this device holds: "
                    "when it is still right, the list is left out of the answer."
                ),
            ),
        ] = None,
    ) -> p.SyncSummary:
        """Per kind of record, the count and digest of what a pull from 0 would serve this
        device, and whose cases it reaches: to check a device holds the same after a sync."""
        return sync.summary(hub, who, known_scope)

    @app.put(f"{api}/blobs/{{sha256}}", response_model=p.BlobStatus, tags=["files"])
    def blob_declare(sha256: Sha256Path, body: p.BlobDeclaration, who: Who) -> p.BlobStatus:
        """Declare a file about to be sent (again changes nothing): the answer says which of
        its parts this user has sent already, so an interrupted upload resumes."""
        return blobs.declare(hub, who, sha256, body)

    @app.put(
        f"{api}/blobs/{{sha256}}/chunks/{{index}}",
        response_model=p.BlobStatus,
        tags=["files"],
        openapi_extra={"requestBody": {"required": True, "content": CHUNK_CONTENT}},
    )
    def blob_put_chunk(
        sha256: Sha256Path, index: ChunkPath, who: Who, data: ChunkBody
    ) -> p.BlobStatus:
        """Send one part of a declared file (the same bytes again are accepted; other bytes
        for a part already held are refused, 409)."""
        return blobs.put_chunk(hub, who, sha256, index, data)

    @app.post(f"{api}/blobs/{{sha256}}/complete", response_model=p.BlobStatus, tags=["files"])
    def blob_complete(sha256: Sha256Path, who: Who) -> p.BlobStatus:
        """Check the parts sent make the declared file: 422, and the parts dropped, if not."""
        return blobs.complete(hub, who, sha256)

    @app.get(f"{api}/blobs/{{sha256}}", response_model=p.BlobStatus, tags=["files"])
    def blob_status(sha256: Sha256Path, who: Who) -> p.BlobStatus:
        """A file attached to a record in this device's scope (404 otherwise)."""
        return blobs.status(hub, who, sha256)

    @app.get(
        f"{api}/blobs/{{sha256}}/chunks/{{index}}",
        response_class=Response,
        tags=["files"],
        responses={200: {"content": CHUNK_CONTENT, "description": "The part's bytes."}},
    )
    def blob_chunk(sha256: Sha256Path, index: ChunkPath, who: Who) -> Response:
        """One part of a file attached to a record in this device's scope (404 otherwise)."""
        data = blobs.chunk(hub, who, sha256, index)
        return Response(data, media_type=blobs.CHUNK_MEDIA_TYPE)

    @app.get(f"{api}/admin/users", response_model=list[p.UserView], tags=["admin"])
    def users(_who: Admin) -> list[p.UserView]:
        return [
            p.UserView(
                username=u.username,
                display_name=u.display_name,
                role=u.role,
                team=team,
                disabled=u.disabled,
            )
            for u, team in hub.users()
        ]

    @app.get(f"{api}/admin/devices", response_model=list[p.DeviceView], tags=["admin"])
    def devices(_who: Admin) -> list[p.DeviceView]:
        return [_device(d, username) for d, username in hub.devices()]

    @app.post(
        f"{api}/admin/devices/{{device_id}}/revoke", response_model=p.DeviceView, tags=["admin"]
    )
    def revoke(device_id: RecordIdPath, who: Admin) -> p.DeviceView:
        device = hub.revoke_device(device_id, by=who.user_id, by_device=who.device_id)
        return _device(device, hub.user(device.user_id)[0].username)

    return app


def _me(user: User, team: str | None) -> p.Me:
    return p.Me(username=user.username, display_name=user.display_name, role=user.role, team=team)


def _record(row: HubRecord) -> p.RecordView:
    return p.RecordView(
        kind=row.kind,
        id=row.id,
        young_person_id=row.young_person_id,
        seq=row.seq,
        deleted=row.deleted,
        content=row.content,
    )


def _device(device: Device, username: str) -> p.DeviceView:
    return p.DeviceView(
        id=device.id,
        username=username,
        name=device.name,
        enrolled_at=device.enrolled_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
    )


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """The schema FastAPI makes, with every error response described as what is served:
    ``application/problem+json`` with the ProblemDetail schema (not ``application/json``)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, routes=app.routes, description=app.description
    )
    problem = {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_TYPE: problem}
    app.openapi_schema = schema
    return schema


__all__ = ["MAX_BODY", "create_app"]
