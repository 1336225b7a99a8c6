"""Files attached to cases on the hub (``server/blobs.py``), through the real API on loopback
with the desktop's own transport: sent in parts and resumed, checked whole, refused in words
when too large or not the file declared, attached to a record only by someone who holds the
file, and read only through an attachment in the reader's scope (404 otherwise, in the words
used for a file that is not there). SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from hubdesk.server import blobs, sync
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import HubAuditEvent, HubBlobChunk
from hubdesk.sync import protocol as p
from hubdesk.sync.transport import HubClient, HubRefused
from tests.server.conftest import Org, Served, new_mutation, put

PNG = b"\x89PNG\r\n\x1a\n"


def file_of(size: int, seed: int) -> bytes:
    """A PNG-looking file of ``size`` bytes whose content depends on ``seed``."""
    return PNG + random.Random(seed).randbytes(size - len(PNG))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def declaration(data: bytes, media_type: str = "image/png") -> p.BlobDeclaration:
    return p.BlobDeclaration.model_validate({"size": len(data), "media_type": media_type})


def part(data: bytes, index: int) -> bytes:
    return data[index * p.CHUNK_BYTES : (index + 1) * p.CHUNK_BYTES]


def upload(client: HubClient, data: bytes) -> p.BlobStatus:
    """Declare, send the parts the hub lacks from this user, complete."""
    status = client.blob_declare(sha(data), declaration(data))
    for index in sorted(set(range(status.chunks)) - set(status.chunks_held)):
        client.blob_put_chunk(sha(data), index, part(data, index))
    return client.blob_complete(sha(data))


def refusal(call: Any, *args: Any) -> HubRefused:
    with pytest.raises(HubRefused) as refused:
        call(*args)
    return refused.value


def attachment_content(case: str, data: bytes, **changes: Any) -> dict[str, Any]:
    content = {
        "young_person_id": case,
        "sha256": sha(data),
        "size": len(data),
        "media_type": "image/png",
        "purpose": "signature",
        "filename": "signature.png",
    }
    return {**content, **changes}


def push_one(hub: Hub, who: Principal, case: str, content: dict[str, Any], **kw: Any) -> Any:
    mutation = new_mutation(
        "attachment",
        kw.pop("record_id", str(uuid.uuid4())),
        kw.pop("op", "create"),
        content,
        young_person_id=case,
        **kw,
    )
    [result] = sync.push(hub, who, [mutation]).results
    return result


@dataclass
class Person:
    principal: Principal
    client: HubClient
    case: str | None


@pytest.fixture
def people(served: Served, org: Org, hub: Hub) -> Iterator[dict[str, Person]]:
    """Amy and Ben (North), their lead, Cai (South) and the admin; Amy and Cai each have a
    case of their own on the hub."""
    made: dict[str, Person] = {}
    for username in ("north-amy", "north-ben", "north-lead", "south-cai", "hub-admin"):
        _, token = served.enrol(username)
        who = hub.authenticate(token)
        case = None
        if username in ("north-amy", "south-cai"):
            case = str(uuid.uuid4())
            put(hub, who, "young_person", case, {"given_name": "Fictional"})
        made[username] = Person(who, HubClient(served.base, token, timeout=30), case)
    yield made
    for person in made.values():
        person.client.close()


def attach(hub: Hub, person: Person, data: bytes) -> str:
    """Upload ``data`` as ``person`` and attach it to their case; the record's id."""
    assert person.case is not None
    assert upload(person.client, data).complete
    record = str(uuid.uuid4())
    content = attachment_content(person.case, data)
    put(hub, person.principal, "attachment", record, content, young_person_id=person.case)
    return record


# Upload ----------------------------------------------------------------------------------------


def test_a_file_sent_in_parts_resumes_from_the_parts_held(people: dict[str, Person]) -> None:
    amy = people["north-amy"].client
    data = file_of(2 * p.CHUNK_BYTES + 1000, seed=1)
    first = amy.blob_declare(sha(data), declaration(data))
    assert (first.chunks, first.chunk_bytes, first.chunks_held, first.complete) == (
        3,
        p.CHUNK_BYTES,
        [],
        False,
    )
    amy.blob_put_chunk(sha(data), 0, part(data, 0))
    amy.blob_put_chunk(sha(data), 2, part(data, 2))
    # The connection dropped; declaring again says what is already here, and changes nothing.
    again = amy.blob_declare(sha(data), declaration(data))
    assert (again.chunks_held, again.complete) == ([0, 2], False)
    amy.blob_put_chunk(sha(data), 1, part(data, 1))
    done = amy.blob_complete(sha(data))
    assert (done.complete, done.chunks_held, done.size) == (True, [0, 1, 2], len(data))
    assert amy.blob_declare(sha(data), declaration(data)).complete


def test_a_part_sent_again_with_the_same_bytes_is_accepted_with_other_bytes_refused(
    people: dict[str, Person], hub: Hub
) -> None:
    amy = people["north-amy"].client
    data = file_of(p.CHUNK_BYTES + 10, seed=2)
    amy.blob_declare(sha(data), declaration(data))
    amy.blob_put_chunk(sha(data), 0, part(data, 0))
    assert amy.blob_put_chunk(sha(data), 0, part(data, 0)).chunks_held == [0]
    other = bytes(b ^ 0xFF for b in part(data, 0))
    refused = refusal(amy.blob_put_chunk, sha(data), 0, other)
    assert refused.status == 409
    assert str(refused) == "Part 0 of this file is already on the hub with other bytes."
    with hub.unit() as session:
        kept = session.get(HubBlobChunk, (sha(data), 0))
        assert kept is not None
        assert bytes(kept.data) == part(data, 0)


def test_parts_that_are_not_the_declared_file_are_refused_and_dropped(
    people: dict[str, Person], hub: Hub
) -> None:
    amy = people["north-amy"].client
    data = file_of(p.CHUNK_BYTES + 500, seed=3)
    wrong = file_of(len(data), seed=4)
    amy.blob_declare(sha(data), declaration(data))
    for index in (0, 1):
        amy.blob_put_chunk(sha(data), index, part(wrong, index))
    refused = refusal(amy.blob_complete, sha(data))
    assert refused.status == 422
    assert str(refused) == (
        "The parts sent do not make the file declared (its SHA-256 or size differ), so they "
        "were dropped; send the file again."
    )
    with hub.unit() as session:
        assert session.scalars(select(HubBlobChunk)).all() == []
    # Sent again, right this time: it completes.
    assert amy.blob_declare(sha(data), declaration(data)).chunks_held == []
    assert upload(amy, data).complete


def test_sizes_and_shapes_the_hub_refuses_in_words(people: dict[str, Person]) -> None:
    amy = people["north-amy"].client
    data = file_of(p.CHUNK_BYTES + 7, seed=5)
    digest = sha(data)

    too_big = refusal(
        amy.blob_declare,
        digest,
        p.BlobDeclaration.model_construct(size=p.MAX_ATTACHMENT_BYTES + 1, media_type="image/png"),
    )
    assert (too_big.status, str(too_big)) == (
        422,
        "The request was not understood. size: is more than the 20 MiB an attached file may hold.",
    )
    odd_type = refusal(
        amy.blob_declare, digest, p.BlobDeclaration.model_construct(size=10, media_type="text/html")
    )
    assert odd_type.status == 422
    assert "media_type" in str(odd_type)

    undeclared = refusal(amy.blob_put_chunk, digest, 0, part(data, 0))
    assert (undeclared.status, str(undeclared)) == (
        404,
        "This file has not been declared to the hub; declare it first.",
    )
    amy.blob_declare(digest, declaration(data))
    oversize = refusal(amy.blob_put_chunk, digest, 0, part(data, 0) + b"x")
    assert (oversize.status, str(oversize)) == (413, "A part of a file holds at most 256 KiB.")
    short = refusal(amy.blob_put_chunk, digest, 1, b"abc")
    assert (short.status, str(short)) == (
        409,
        "Part 1 of this file holds 7 bytes as declared, not 3.",
    )
    beyond = refusal(amy.blob_put_chunk, digest, 2, b"abc")
    assert (beyond.status, str(beyond)) == (
        409,
        "This file has 2 parts, numbered from 0: no part 2.",
    )
    amy.blob_put_chunk(digest, 0, part(data, 0))
    early = refusal(amy.blob_complete, digest)
    assert (early.status, str(early)) == (
        409,
        "1 parts of this file have not reached the hub from you yet (the first is part 1).",
    )


def test_a_part_is_sent_as_octets_and_every_refusal_is_a_problem(
    served: Served, people: dict[str, Person]
) -> None:
    data = file_of(100, seed=6)
    amy = people["north-amy"]
    amy.client.blob_declare(sha(data), declaration(data))
    token = amy.client._http.headers["Authorization"].removeprefix("Bearer ")
    as_json = served.call(
        "PUT", f"/api/v1/blobs/{sha(data)}/chunks/0", raw=data, token=token
    )  # Served.call says application/json
    assert as_json.status == 415
    assert as_json.headers["content-type"] == "application/problem+json"
    assert as_json.body["detail"] == "A part of a file is sent as application/octet-stream."
    bad_name = served.call("GET", "/api/v1/blobs/NOT-A-DIGEST", token=token)
    assert bad_name.status == 422
    assert bad_name.headers["content-type"] == "application/problem+json"


def test_a_new_declaration_replaces_an_unfinished_one_but_never_a_finished_file(
    people: dict[str, Person],
) -> None:
    amy = people["north-amy"].client
    data = file_of(p.CHUNK_BYTES + 1, seed=7)
    wrong_size = p.BlobDeclaration.model_validate({"size": 99, "media_type": "image/png"})
    amy.blob_declare(sha(data), wrong_size)
    amy.blob_put_chunk(sha(data), 0, file_of(99, seed=8))
    # The true size replaces the unfinished declaration, and its parts go.
    assert amy.blob_declare(sha(data), declaration(data)).chunks_held == []
    assert upload(amy, data).complete
    refused = refusal(amy.blob_declare, sha(data), wrong_size)
    assert (refused.status, str(refused)) == (
        409,
        "The hub holds this file with another size or type.",
    )


# Attaching -------------------------------------------------------------------------------------


def test_an_attachment_pushed_before_its_file_is_refused_then_applied_once_it_arrives(
    people: dict[str, Person], hub: Hub
) -> None:
    amy = people["north-amy"]
    assert amy.case is not None
    data = file_of(3000, seed=9)
    record = str(uuid.uuid4())
    content = attachment_content(amy.case, data)
    early = push_one(hub, amy.principal, amy.case, content, record_id=record)
    assert (early.status, early.reason) == ("rejected", p.FILE_NOT_ON_HUB)
    # Declared and partly sent is not there yet either.
    amy.client.blob_declare(sha(data), declaration(data))
    half = push_one(hub, amy.principal, amy.case, content, record_id=record)
    assert (half.status, half.reason) == ("rejected", p.FILE_NOT_ON_HUB)
    upload(amy.client, data)
    assert push_one(hub, amy.principal, amy.case, content, record_id=record).status == "applied"


def test_knowing_a_files_sha256_is_not_enough_to_attach_it_or_read_it(
    people: dict[str, Person], hub: Hub
) -> None:
    amy, cai = people["north-amy"], people["south-cai"]
    assert cai.case is not None
    data = file_of(p.CHUNK_BYTES + 3, seed=10)
    attach(hub, amy, data)
    # Cai (another team) knows the digest: attaching it to a case of his own is refused in the
    # words used for a file that is not there, and nothing of Amy's upload shows.
    forged = push_one(hub, cai.principal, cai.case, attachment_content(cai.case, data))
    assert (forged.status, forged.reason) == ("rejected", p.FILE_NOT_ON_HUB)
    declared = cai.client.blob_declare(sha(data), declaration(data))
    assert (declared.chunks_held, declared.complete) == ([], False)
    assert refusal(cai.client.blob_status, sha(data)).status == 404
    # Sending the whole file shows he holds it: then he may attach it, and read it.
    assert upload(cai.client, data).complete
    mine = push_one(hub, cai.principal, cai.case, attachment_content(cai.case, data))
    assert mine.status == "applied"
    assert cai.client.blob_chunk(sha(data), 1) == part(data, 1)


def test_an_attachment_is_never_changed_or_removed_and_must_describe_its_file(
    people: dict[str, Person], hub: Hub
) -> None:
    amy = people["north-amy"]
    assert amy.case is not None
    data = file_of(500, seed=11)
    upload(amy.client, data)
    wrong_size = push_one(hub, amy.principal, amy.case, attachment_content(amy.case, data, size=1))
    assert (wrong_size.status, wrong_size.reason) == (
        "rejected",
        "This attachment's size or type differs from its file on the hub.",
    )
    no_digest = push_one(
        hub, amy.principal, amy.case, attachment_content(amy.case, data, sha256="../etc")
    )
    assert no_digest.reason == "This attachment does not say which file it holds."
    record = attach(hub, amy, data)
    for op in ("update", "delete"):
        changed = push_one(
            hub,
            amy.principal,
            amy.case,
            attachment_content(amy.case, data, filename="renamed.png"),
            record_id=record,
            op=op,
            base_seq=1,
        )
        assert (changed.status, changed.reason) == (
            "rejected",
            "An attachment is never changed or removed once it is on the hub.",
        )


# Reading ---------------------------------------------------------------------------------------


def test_a_file_is_read_only_through_an_attachment_in_the_readers_scope(
    people: dict[str, Person], hub: Hub
) -> None:
    data = file_of(p.CHUNK_BYTES + 99, seed=12)
    attach(hub, people["north-amy"], data)
    for name in ("north-amy", "north-lead"):
        reader = people[name].client
        status = reader.blob_status(sha(data))
        assert (status.complete, status.chunks_held, status.media_type) == (
            True,
            [0, 1],
            "image/png",
        )
        assert reader.blob_chunk(sha(data), 0) + reader.blob_chunk(sha(data), 1) == data
    absent = refusal(people["north-ben"].client.blob_status, "0" * 64)
    assert (absent.status, str(absent)) == (
        404,
        "There is no such file, or it is not yours to see.",
    )
    for name in ("north-ben", "south-cai", "hub-admin"):  # not their case
        client = people[name].client
        for call, args in ((client.blob_status, ()), (client.blob_chunk, (0,))):
            refused = refusal(call, sha(data), *args)
            assert (refused.status, str(refused)) == (absent.status, str(absent)), name


def test_file_reads_and_writes_are_audited_with_who_and_which_device(
    people: dict[str, Person], hub: Hub
) -> None:
    data = file_of(400, seed=13)
    amy, lead = people["north-amy"], people["north-lead"]
    attach(hub, amy, data)
    lead.client.blob_status(sha(data))
    lead.client.blob_chunk(sha(data), 0)
    refusal(people["south-cai"].client.blob_chunk, sha(data), 0)  # refused: not audited
    with hub.unit() as session:
        events = session.scalars(
            select(HubAuditEvent).where(HubAuditEvent.kind == "blob").order_by(HubAuditEvent.seq)
        ).all()
    found = [(e.action, e.record_id, e.user_id, e.device_id) for e in events]
    amy_id, lead_id = amy.principal, lead.principal
    assert found == [
        ("blob-declare", sha(data), amy_id.user_id, amy_id.device_id),
        ("blob-part-put", f"{sha(data)}:0", amy_id.user_id, amy_id.device_id),
        ("blob-complete", sha(data), amy_id.user_id, amy_id.device_id),
        ("blob-read", sha(data), lead_id.user_id, lead_id.device_id),
        ("blob-part-read", f"{sha(data)}:0", lead_id.user_id, lead_id.device_id),
    ]
    assert hub.verify_audit().ok


def test_reading_a_file_is_a_read_whose_audit_row_follows_it(
    people: dict[str, Person], hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a pull: on SQLite a snapshot taken without the write lock, its audit row appended
    by a short write after it; on PostgreSQL one transaction, the audit row in it."""
    data = file_of(400, seed=14)
    amy = people["north-amy"]
    attach(hub, amy, data)
    opened: list[bool] = []
    unit = hub.db.unit

    def noted(*, read_only: bool = False) -> Any:
        opened.append(read_only)
        return unit(read_only=read_only)

    monkeypatch.setattr(hub.db, "unit", noted)
    assert blobs.status(hub, amy.principal, sha(data)).complete
    assert blobs.chunk(hub, amy.principal, sha(data), 0) == data
    assert opened == ([True, False] * 2 if hub.db.is_sqlite else [False, False])


def test_two_devices_sending_the_same_parts_at_once_both_succeed(
    people: dict[str, Person], served: Served, hub: Hub
) -> None:
    data = file_of(2 * p.CHUNK_BYTES, seed=14)
    clients = [people["north-amy"].client, people["south-cai"].client]
    outcomes: list[object] = []

    def send(client: HubClient) -> None:
        try:
            outcomes.append(upload(client, data).complete)
        except Exception as exc:  # reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == [True, True]
    with hub.unit() as session:
        held = session.scalars(select(HubBlobChunk.index).where(HubBlobChunk.sha256 == sha(data)))
        assert sorted(held) == [0, 1]
