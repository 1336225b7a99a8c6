"""The screening tool definitions the hub serves to its devices: the shipped exploitation tool
is published once (and only once), listed with the SHA-256 of its canonical JSON, and fetched
back as content that parses into the very same definition. A new version is served beside the
old one; a version is never served with other content; withdrawing a version is allowed and
final; a broken definition is refused in plain words and nothing of it is kept. Every change
adds one change-log row and one audit event; nothing is served without a device token."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from hubdesk.forms.canonical import canonical_json, digest_of
from hubdesk.forms.definition import Definition
from hubdesk.forms.loader import load_definition, parse_definition
from hubdesk.forms.schema import SCREENING_DIR
from hubdesk.server.hub import Hub
from hubdesk.server.problems import Conflict, Problem
from hubdesk.server.tables import ChangeLog, HubAuditEvent, ServedDefinition
from tests.server.conftest import Org, Served

SHIPPED = SCREENING_DIR / "exploitation-v1.json"
LIST = "/api/v1/screening-definitions"
PROBLEM = "application/problem+json"
CONFLICT_V1 = (
    "Screening tool 'exploitation' version 1 is already served with other content; "
    "publish it as a new version."
)
WITHDRAWN_FINAL = "A withdrawn screening tool version cannot be made active again."
CANNOT_SERVE = "That screening tool cannot be served:"


def shipped() -> Definition:
    return load_definition(SHIPPED)


def shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def variant(**changes: Any) -> str:
    """The shipped definition's JSON with top-level fields changed."""
    return json.dumps({**shipped_data(), **changes})


def retitled(version: int, title: str = "About this screening (revised)") -> str:
    """The shipped definition as ``version`` with its first section's title changed."""
    data = shipped_data()
    data["version"] = version
    data["sections"][0]["title"] = title
    return json.dumps(data)


def changes(hub: Hub) -> list[str]:
    with hub.unit() as session:
        return list(
            session.scalars(
                select(ChangeLog.record_id)
                .where(ChangeLog.kind == "screening_definition")
                .order_by(ChangeLog.seq)
            )
        )


def publish_events(hub: Hub) -> list[HubAuditEvent]:
    with hub.unit() as session:
        return list(
            session.scalars(
                select(HubAuditEvent)
                .where(HubAuditEvent.action == "definition-publish")
                .order_by(HubAuditEvent.seq)
            )
        )


def served_rows(hub: Hub) -> list[tuple[str, int, str, str]]:
    return [(d.definition_id, d.version, d.status, d.digest) for d in hub.definitions()]


# Publishing --------------------------------------------------------------------------------


def test_the_shipped_tool_is_published_once(hub: Hub) -> None:
    assert hub.publish_shipped_definitions() == 1
    assert hub.publish_shipped_definitions() == 0
    expected = canonical_json(shipped())
    rows = hub.definitions()
    assert [(d.definition_id, d.version, d.status) for d in rows] == [("exploitation", 1, "active")]
    assert rows[0].content == expected
    assert rows[0].digest == digest_of(expected)
    assert rows[0].digest == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert changes(hub) == ["exploitation:1"]
    events = publish_events(hub)
    assert [(e.kind, e.record_id) for e in events] == [("screening_definition", "exploitation:1")]
    assert hub.verify_audit().ok


def test_the_same_content_in_another_layout_is_the_same_tool(hub: Hub) -> None:
    """Key order and whitespace are not content: the canonical JSON and digest decide."""
    hub.publish_shipped_definitions()
    relaid = json.dumps(dict(reversed(list(shipped_data().items()))), indent=4)
    assert hub.publish_definition(relaid) == ("exploitation", 1, False)
    assert changes(hub) == ["exploitation:1"]
    assert len(publish_events(hub)) == 1


def test_a_new_version_is_served_beside_the_old_one(org: Org, hub: Hub) -> None:
    admin_id = next(u.id for u, _ in hub.users() if u.username == "hub-admin")
    hub.publish_shipped_definitions()
    assert hub.publish_definition(retitled(2), by=admin_id) == ("exploitation", 2, True)
    rows = served_rows(hub)
    assert [(i, v, s) for i, v, s, _ in rows] == [
        ("exploitation", 1, "active"),
        ("exploitation", 2, "active"),
    ]
    v2, problems = parse_definition(retitled(2))
    assert v2 is not None
    assert not problems
    assert rows[0][3] == digest_of(canonical_json(shipped()))
    assert rows[1][3] == digest_of(canonical_json(v2))
    assert rows[0][3] != rows[1][3]
    assert changes(hub) == ["exploitation:1", "exploitation:2"]
    events = publish_events(hub)
    assert [e.record_id for e in events] == ["exploitation:1", "exploitation:2"]
    assert [e.user_id for e in events] == [None, admin_id]


def test_a_version_is_never_served_with_other_content(hub: Hub) -> None:
    hub.publish_shipped_definitions()
    before = served_rows(hub)
    with pytest.raises(Conflict) as refused:
        hub.publish_definition(retitled(1))
    assert refused.value.message == CONFLICT_V1
    assert refused.value.status == 409
    # A change of content with a change of status is still a change of content.
    with pytest.raises(Conflict) as also_refused:
        hub.publish_definition(json.dumps({**json.loads(retitled(1)), "status": "withdrawn"}))
    assert also_refused.value.message == CONFLICT_V1
    assert served_rows(hub) == before
    assert changes(hub) == ["exploitation:1"]
    assert len(publish_events(hub)) == 1


def test_withdrawing_a_version_is_allowed_and_final(hub: Hub) -> None:
    hub.publish_shipped_definitions()
    withdrawn = variant(status="withdrawn")
    assert hub.publish_definition(withdrawn) == ("exploitation", 1, True)
    definition, problems = parse_definition(withdrawn)
    assert definition is not None
    assert not problems
    (row,) = hub.definitions()
    assert row.status == "withdrawn"
    assert row.content == canonical_json(definition)
    assert row.digest == digest_of(canonical_json(definition))
    assert row.digest != digest_of(canonical_json(shipped()))
    # Withdrawing again changes nothing; making it active again is refused.
    assert hub.publish_definition(withdrawn) == ("exploitation", 1, False)
    with pytest.raises(Conflict) as refused:
        hub.publish_definition(SHIPPED.read_text(encoding="utf-8"))
    assert refused.value.message == WITHDRAWN_FINAL
    assert [d.status for d in hub.definitions()] == ["withdrawn"]
    assert changes(hub) == ["exploitation:1", "exploitation:1"]
    assert len(publish_events(hub)) == 2


def level_without_pathway() -> str:
    data = shipped_data()
    del data["levels"][2]["pathway"]
    return json.dumps(data)


def unknown_field() -> str:
    return variant(colour="purple")


@pytest.mark.parametrize(
    ("content", "then"),
    [
        (level_without_pathway(), "levels[2].pathway"),
        ('{"id": "exploitation", "version": 1,', "line 1"),
        ("", "line 1, column 1"),
        (unknown_field(), "unknown field 'colour'"),
        (variant(version=0), "version: must be 1 or more"),
        (json.dumps(["not", "a", "tool"]), "must be an object"),
    ],
    ids=["level-without-pathway", "cut-short", "empty", "unknown-field", "version-0", "list"],
)
def test_a_broken_definition_is_refused_in_words(hub: Hub, content: str, then: str) -> None:
    with pytest.raises(Problem) as refused:
        hub.publish_definition(content)
    assert type(refused.value) is Problem
    assert refused.value.status == 400
    assert refused.value.message.startswith(f"{CANNOT_SERVE} ")
    assert then in refused.value.message.removeprefix(CANNOT_SERVE)
    assert hub.definitions() == []
    assert changes(hub) == []
    assert publish_events(hub) == []


def test_a_level_without_a_pathway_is_named_exactly(hub: Hub) -> None:
    with pytest.raises(Problem) as refused:
        hub.publish_definition(level_without_pathway())
    assert refused.value.message == (
        f"{CANNOT_SERVE} levels[2].pathway: is missing: every level needs a pathway."
    )


def test_a_tool_with_a_long_id_is_served_or_refused_in_words(hub: Hub) -> None:
    """An id the definition rules allow (lower case, any length) must not meet a database
    column too narrow for it: PostgreSQL would refuse the row with an unexpected error."""
    long_id = "child_criminal_and_sexual_exploitation_screening_tool"
    assert len(long_id) > 36
    refused: Problem | None = None
    try:
        published = hub.publish_definition(variant(id=long_id))
    except Problem as problem:  # refusing such an id in words is fine too
        refused = problem
    if refused is not None:
        assert refused.message.startswith(f"{CANNOT_SERVE} ")
        assert hub.definitions() == []
        return
    assert published == (long_id, 1, True)
    assert [(d.definition_id, d.version) for d in hub.definitions()] == [(long_id, 1)]
    assert changes(hub) == [f"{long_id}:1"]
    assert [e.record_id for e in publish_events(hub)] == [f"{long_id}:1"]


# Serving to devices ------------------------------------------------------------------------


def test_devices_list_and_fetch_the_served_tool(served: Served, org: Org, hub: Hub) -> None:
    _, token = served.enrol("north-amy")
    empty = served.call("GET", LIST, token=token)
    assert (empty.status, empty.body) == (200, [])

    hub.publish_shipped_definitions()
    expected_digest = digest_of(canonical_json(shipped()))
    listed = served.call("GET", LIST, token=token)
    assert listed.status == 200
    assert listed.body == [
        {
            "definition_id": "exploitation",
            "version": 1,
            "status": "active",
            "digest": expected_digest,
        }
    ]

    fetched = served.call("GET", f"{LIST}/exploitation/1", token=token)
    assert fetched.status == 200
    assert set(fetched.body) == {"definition_id", "version", "status", "digest", "content"}
    assert fetched.body["digest"] == expected_digest
    content = fetched.body["content"]
    assert hashlib.sha256(content.encode("utf-8")).hexdigest() == expected_digest
    definition, problems = parse_definition(content)
    assert problems == []
    assert definition == shipped()


def test_both_versions_and_a_withdrawal_are_served(served: Served, org: Org, hub: Hub) -> None:
    _, token = served.enrol("north-lead")
    hub.publish_shipped_definitions()
    hub.publish_definition(retitled(2))
    hub.publish_definition(variant(status="withdrawn"))
    listed = served.call("GET", LIST, token=token)
    assert [(d["version"], d["status"]) for d in listed.body] == [(1, "withdrawn"), (2, "active")]
    two = served.call("GET", f"{LIST}/exploitation/2", token=token)
    definition, problems = parse_definition(two.body["content"])
    assert problems == []
    assert definition is not None
    assert definition.version == 2
    assert definition.sections[0].title == "About this screening (revised)"
    one = served.call("GET", f"{LIST}/exploitation/1", token=token)
    assert one.body["status"] == "withdrawn"
    withdrawn, _ = parse_definition(one.body["content"])
    assert withdrawn is not None
    assert withdrawn.status == "withdrawn"


def test_an_unknown_tool_or_version_is_not_found(served: Served, org: Org, hub: Hub) -> None:
    _, token = served.enrol("north-amy")
    hub.publish_shipped_definitions()
    for path in ("exploitation/2", "exploitation/30", "no_such_tool/1", "exploitatio/1"):
        reply = served.call("GET", f"{LIST}/{path}", token=token)
        assert reply.status == 404, path
        assert reply.headers["content-type"] == PROBLEM
        assert set(reply.body) == {"type", "title", "status", "detail"}
        assert reply.body["detail"] == (
            "There is no such screening tool version, or it is not yours to see."
        )
    not_a_number = served.call("GET", f"{LIST}/exploitation/one", token=token)
    assert not_a_number.status == 422
    assert not_a_number.headers["content-type"] == PROBLEM


def test_nothing_is_served_without_a_device_token(served: Served, org: Org, hub: Hub) -> None:
    hub.publish_shipped_definitions()
    device_id, token = served.enrol("north-amy")
    for path in (LIST, f"{LIST}/exploitation/1"):
        assert served.call("GET", path, token=token).status == 200
        for bad in (None, "hd1_not-a-real-token", token + "x"):
            reply = served.call("GET", path, token=bad)
            assert reply.status == 401, (path, bad)
            assert reply.headers["content-type"] == PROBLEM
            assert "content" not in reply.body
    hub.revoke_device(device_id)
    revoked = served.call("GET", f"{LIST}/exploitation/1", token=token)
    assert revoked.status == 401
    assert revoked.body["type"].endswith("/device-revoked")


def test_the_served_content_is_stored_canonical(hub: Hub) -> None:
    """What devices receive is the canonical text, whatever layout it was published in."""
    hub.publish_definition(json.dumps(shipped_data(), indent=2))
    with hub.unit() as session:
        count = session.scalar(select(func.count()).select_from(ServedDefinition))
        row = session.get(ServedDefinition, ("exploitation", 1))
    assert count == 1
    assert row is not None
    assert row.content == canonical_json(shipped())
    assert "\n" not in row.content
