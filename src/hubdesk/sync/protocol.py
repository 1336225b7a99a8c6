"""The wire types shared by HubDesk and the hub service (version 1, under ``/api/v1``).

Every request body is validated by these models before anything else looks at it: text may
not hold NUL or other control characters (a NUL reaching PostgreSQL is a classic 500), sizes
are bounded, and unknown fields are refused, so a client and a server that disagree find out
at once instead of dropping data quietly.
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
#: Every record kind that syncs (the desktop's ``models.RECORD_KINDS``; a test keeps the two
#: lists equal). The hub stores each as a row of ``hub_record`` keyed by (kind, id).
RECORD_KINDS = (
    "young_person",
    "context",
    "context_link",
    "screening",
    "safety_plan",
    "plan_version",
    "plan_action",
    "contact_note",
    "addendum",
    "missing_episode",
    "return_interview",
    "meeting",
    "intervention",
    "nrm_referral",
    "information_share",
    "attachment",
)
#: Characters refused in any text: C0 controls except tab and newlines, DEL, C1 controls,
#: lone surrogates and non-characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
#: The ASCII characters text may hold: all but the controls (tab and line ends excepted)
#: and DEL (``_forbidden_in``).
_ASCII_TAKEN = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _forbidden_in(text: str) -> re.Match[str] | None:
    """The first character of ``text`` the hub refuses (``_FORBIDDEN``), if any.

    Text all in ASCII is first looked at as bytes, with every byte it may hold deleted (one
    pass in C, through a table): nothing is left when it holds none of them. Searching with
    the pattern, whose class is a list of ranges compared with each character, was half of
    the hub's reading of a push. Other text, and text found wanting, are searched with it."""
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_TAKEN):
        return None
    return _FORBIDDEN.search(text)


#: Control characters that stand for a line break where text is pasted from elsewhere (a word
#: processor's line break is a vertical tab, a page break a form feed).
_BREAKS = re.compile("[\x0b\x0c\x85]")


def sendable_text(value: str) -> str:
    """``value`` as the hub takes it: those line breaks written as newlines, every other
    character the hub refuses (``_FORBIDDEN``) left out. What the desktop keeps when a person
    writes, so a pasted character never stops a sync."""
    return _FORBIDDEN.sub("", _BREAKS.sub("\n", value))


def sendable(value: Any) -> Any:
    """:func:`sendable_text` of every text in a JSON value (keys too); the rest as it is."""
    if isinstance(value, str):
        return sendable_text(value)
    if isinstance(value, list):
        return [sendable(v) for v in value]
    if isinstance(value, dict):
        return {sendable_text(str(k)): sendable(v) for k, v in value.items()}
    return value


def _clean(value: str) -> str:
    found = _forbidden_in(value)
    if found:
        raise ValueError(f"contains a control character (U+{ord(found.group()):04X})")
    return value


#: The same rule as a JSON Schema pattern, so clients (and schemathesis) can see it. Lone
#: surrogates are left out of the pattern (most regex engines cannot name them; JSON text
#: cannot carry them validly anyway) but are still refused.
CLEAN_PATTERN = (
    r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]*$"
)
_DOCUMENTED = Field(json_schema_extra={"pattern": CLEAN_PATTERN})
Text = Annotated[str, _DOCUMENTED, AfterValidator(_clean)]
Name = Annotated[str, Field(min_length=1, max_length=120), _DOCUMENTED, AfterValidator(_clean)]
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,79}$"
Username = Annotated[str, Field(pattern=USERNAME_PATTERN)]
RecordId = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
Role = Literal["practitioner", "team-lead", "admin"]


def _clean_json(value: Any, depth: int = 0) -> Any:
    """A record's content as the hub takes it, or a ValueError saying why not. Every text (keys
    too) is gathered and searched at once: a push holds hundreds of contents of a dozen texts
    each, and a search per text cost more than the rest of the push's checks. Only content
    found wanting is walked again, for the error naming the character."""
    texts: list[str] = []
    _gather(value, depth, texts)
    if _forbidden_in("\n".join(texts)) is not None:
        _walk_texts(value)
    return value


def _gather(value: Any, depth: int, texts: list[str]) -> None:
    """Every text in ``value`` into ``texts``; a ValueError for what is too deep or a number
    that is not finite."""
    if depth > 32:
        raise ValueError("is nested too deeply")
    if isinstance(value, dict):
        items: Iterable[Any] = value.values()
        texts.extend(str(k) for k in value)
    elif isinstance(value, list):
        items = value
    else:
        items = (value,)
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict | list):
            _gather(item, depth + 1, texts)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("holds a number that is not finite")


def _walk_texts(value: Any) -> None:
    """:func:`_clean` of every text in ``value`` (keys too), so the first refused character
    is the one named."""
    if isinstance(value, str):
        _clean(value)
    elif isinstance(value, list):
        for item in value:
            _walk_texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _clean(str(key))
            _walk_texts(item)


Content = Annotated[dict[str, Any], AfterValidator(_clean_json)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProblemDetail(Wire):
    """RFC 9457 problem details: what went wrong, in one plain sentence (``detail``)."""

    type: str
    title: str
    status: int
    detail: str


class Health(Wire):
    status: Literal["ok"]


class Ready(Wire):
    status: Literal["ready"]
    schema_revision: str


class EnrolRequest(Wire):
    username: Username
    password: Annotated[
        str, Field(min_length=1, max_length=1024), _DOCUMENTED, AfterValidator(_clean)
    ]
    device_id: uuid.UUID
    device_name: Name
    #: A PEM certificate signing request for the device's own key (EC P-256).
    csr_pem: Annotated[
        str, Field(min_length=1, max_length=8192), _DOCUMENTED, AfterValidator(_clean)
    ]


class Me(Wire):
    username: str
    display_name: str
    role: Role
    team: str | None


class EnrolResponse(Wire):
    device_id: uuid.UUID
    #: Sent once: the hub keeps only its SHA-256 digest.
    device_token: str
    certificate_pem: str
    ca_certificate_pem: str
    epoch: str
    user: Me


class YoungPersonSummary(Wire):
    id: str
    allocated_to: str
    team: str
    seq: int | None


class RecordView(Wire):
    kind: str
    id: str
    young_person_id: str | None
    seq: int
    deleted: bool
    content: dict[str, Any]


class CaseView(Wire):
    young_person: RecordView
    records: list[RecordView]


class AllocationRequest(Wire):
    practitioner: Username


class AllocationView(Wire):
    young_person_id: str
    practitioner: str
    team: str


class DeviceView(Wire):
    id: str
    username: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


class UserView(Wire):
    username: str
    display_name: str
    role: Role
    team: str | None
    disabled: bool


class DefinitionView(Wire):
    definition_id: str
    version: int
    status: Literal["active", "withdrawn"]
    digest: str


class DefinitionDocument(DefinitionView):
    content: str


# Sync ----------------------------------------------------------------------------------------

#: The most mutations one push may carry, and the most changes one pull page may hold.
MAX_PUSH_BATCH = 500
MAX_PULL_PAGE = 1000
Op = Literal["create", "update", "delete", "append"]


def _known_kind(kind: str) -> str:
    if kind not in RECORD_KINDS:
        raise ValueError("is not a kind of record the hub keeps")
    return kind


Kind = Annotated[
    str, Field(json_schema_extra={"enum": list(RECORD_KINDS)}), AfterValidator(_known_kind)
]


class Mutation(Wire):
    """One local change, sent until the hub acknowledges it. ``mutation_id`` is made by the
    client once and reused on every retry, so a replay is recognised and changes nothing."""

    mutation_id: uuid.UUID
    kind: Kind
    record_id: RecordId
    op: Op
    #: The hub's sequence of the record this change was made on (None for a new record).
    base_seq: int | None = Field(default=None, ge=1)
    #: Whose case the record belongs to (None for a young person or a context).
    young_person_id: RecordId | None = None
    #: For a contextual safety plan, its versions and actions: the context whose plan it is.
    #: Such a record belongs to the context's team, like the context itself.
    context_id: RecordId | None = None
    content: Content = Field(default_factory=dict)


class PushRequest(Wire):
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)


class MutationResult(Wire):
    mutation_id: uuid.UUID
    status: Literal["applied", "duplicate", "conflict", "rejected"]
    #: The record's sequence after this mutation (applied) or now (conflict).
    seq: int | None = None
    #: For a conflict: the hub's copy, so the client can keep both and show them.
    server_copy: dict[str, Any] | None = None
    #: For a rejection or a conflict: why, in one plain sentence.
    reason: str | None = None


class PushResponse(Wire):
    results: list[MutationResult]
    epoch: str


class Change(Wire):
    seq: int
    kind: str
    record_id: str
    young_person_id: str | None
    deleted: bool
    content: dict[str, Any]


#: Bits of a record's hash (:func:`record_hash`). Sums of them stay exact in a database's
#: 64-bit integers for up to 2**23 (8 million) live records of one kind in one scope.
RECORD_HASH_BITS = 40


def record_hash(record_id: str, seq: int) -> int:
    """One record at one hub sequence, as a number: the first 40 bits (big-endian) of the
    SHA-256 of ``f"{id}:{seq}"`` in UTF-8. The hub and the device each keep it beside the
    record, so the check's digest is a sum their databases make (see :func:`scope_digest`)."""
    digest = hashlib.sha256(f"{record_id}:{seq}".encode()).digest()
    return int.from_bytes(digest[: RECORD_HASH_BITS // 8], "big")


def digest_of_sum(total: int | None) -> str:
    """The digest of a kind's live records from the sum of their :func:`record_hash` (None
    or 0 for none): the sum modulo 2**64 as 16 hex digits."""
    return f"{(total or 0) % 2**64:016x}"


def scope_digest(rows: Iterable[tuple[str, int]]) -> str:
    """The digest of one kind's live records given as (id, seq), in any order: the sum of
    their :func:`record_hash`. Equal digests (with equal counts) mean the same records at
    the same sequences: a record missing, extra or at another sequence on one side changes
    the sum but for a chance of one in 2**40. A sum, not a hash of a sorted list, so that
    each side's database adds up what it keeps beside each record in one aggregate, without
    reading every record out and sorting it at every sync."""
    return digest_of_sum(sum(record_hash(record_id, seq) for record_id, seq in rows))


def young_people_digest(young_people: Iterable[str]) -> str:
    """The digest of whose cases an asker reaches, given in any order: SHA-256 hex of the
    lines ``f"{id}\n"`` sorted, in UTF-8 (the empty list's is the SHA-256 of nothing). A
    device sends it back as ``?known_scope=`` with its next summary request, and the hub
    then leaves the list out if it has not changed."""
    return hashlib.sha256(
        "".join(f"{person}\n" for person in sorted(young_people)).encode()
    ).hexdigest()


class KindSummary(Wire):
    #: How many live records of this kind are in the asker's scope. Tombstones are left out:
    #: a device that never had a record keeps nothing of its removal (a tombstone holds no
    #: content), and a removal or restore it missed still shows, as a live record on one
    #: side only.
    count: int
    #: :func:`scope_digest` of those records.
    digest: str


class SyncSummary(Wire):
    """What the hub holds in the asker's scope, to compare with the device after a sync: per
    kind of record a count and a digest, and whose cases the asker reaches."""

    epoch: str
    #: One entry for every kind in ``RECORD_KINDS`` (count 0 when there are none).
    kinds: dict[str, KindSummary]
    #: The young people whose cases are in the asker's scope, sorted. None (left out of the
    #: answer) when the request's ``known_scope`` is already their digest: the asker keeps
    #: the list it had.
    young_people: list[str] | None = None
    #: :func:`young_people_digest` of that list; sent only to a request that gave
    #: ``known_scope`` (a client from before it refuses fields it does not know).
    young_people_digest: str | None = None


class ChangePage(Wire):
    changes: list[Change]
    #: Ask for changes after this next time (the last sequence served, or the cursor given).
    next_cursor: int
    has_more: bool
    #: Changes when the hub is restored from a backup: the client then re-pushes.
    epoch: str
    #: The hub's check, read in the same transaction as the page: only on the last page
    #: (``has_more`` false) of a pull that asked with ``?summary=1`` and was not narrowed by
    #: kind; left out otherwise (a client from before it refuses fields it does not know).
    summary: SyncSummary | None = None


#: What a pull may be narrowed to (``?kind=``): a kind of record, or the screening tools.
SCREENING_DEFINITION = "screening_definition"
PULL_KINDS = (*RECORD_KINDS, SCREENING_DEFINITION)
#: The problem code (the last part of its ``type``) of a pull whose cursor is older than the
#: deletions the hub still keeps: the device fetches everything again from cursor 0.
RESYNC_NEEDED = "resync-needed"


def _pull_kind(kind: str) -> str:
    if kind not in PULL_KINDS:
        raise ValueError("is not a kind of record the hub serves")
    return kind


PullKind = Annotated[
    str, Field(json_schema_extra={"enum": list(PULL_KINDS)}), AfterValidator(_pull_kind)
]


# Attachments ----------------------------------------------------------------------------------

#: The most one attached file may hold (a scan of a signed plan, an on-screen signature), and
#: the size of the parts it travels in: every part but the last holds exactly CHUNK_BYTES, so
#: each request stays well under the hub's 1 MiB limit on a body.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
MAX_CHUNKS = -(-MAX_ATTACHMENT_BYTES // CHUNK_BYTES)
ATTACHMENT_MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")
MediaType = Literal["application/pdf", "image/png", "image/jpeg"]
#: A file is named by the SHA-256 of its bytes, in lower-case hex.
SHA256_PATTERN = r"^[0-9a-f]{64}$"
#: The reason a pushed attachment is refused while its file is not on the hub for the pusher.
#: The device sends the file and then the record again, so both sides use these exact words.
FILE_NOT_ON_HUB = "The file for this attachment has not reached the hub yet."


def chunk_count(size: int) -> int:
    """How many parts a file of ``size`` bytes travels in (at least one)."""
    return max(1, -(-size // CHUNK_BYTES))


def chunk_length(size: int, index: int) -> int:
    """How many bytes part ``index`` of a file of ``size`` bytes holds (0 past the end)."""
    return max(0, min(CHUNK_BYTES, size - index * CHUNK_BYTES))


def size_in_words(size: int) -> str:
    """A file size as a person reads it: 1.5 MiB, 240 KiB, 12 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


def _within_limit(size: int) -> int:
    if size > MAX_ATTACHMENT_BYTES:
        limit = size_in_words(MAX_ATTACHMENT_BYTES)
        raise ValueError(f"is more than the {limit} an attached file may hold")
    return size


FileSize = Annotated[
    int,
    Field(ge=1, json_schema_extra={"maximum": MAX_ATTACHMENT_BYTES}),
    AfterValidator(_within_limit),
]


class BlobDeclaration(Wire):
    """What a device says of a file before sending its parts (``PUT /blobs/{sha256}``)."""

    size: FileSize
    media_type: MediaType


class BlobStatus(Wire):
    """A file on the hub. Answering an upload, ``complete`` and ``chunks_held`` are the
    asker's own: whether they have sent every part (and the file checked out), and which
    parts they have sent, to resume from. Answering a reader, they are the file's."""

    sha256: str
    size: int
    media_type: str
    complete: bool
    chunk_bytes: int
    chunks: int
    chunks_held: list[int]
