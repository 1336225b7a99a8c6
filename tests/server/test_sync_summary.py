"""The sync summary and the targeted pull, over the real API: for every role the summary's
count and digest of each kind equal what a pull from 0 serves that device (one scope for
both), with an entry for every kind and the young people the device reaches; the digest is
the documented sum of the live records' hashes, so a device computes the same; it changes
when a record does;
a pull can be narrowed to one kind; both are audited, the pull with how much it served and
nothing personal."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from hubdesk.server.hub import Hub
from hubdesk.server.tables import HubAuditEvent
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, Served
from tests.server.test_sync_endpoints import PULL, mutation, new_case, pull_all, push

SUMMARY = "/api/v1/sync/summary"
EMPTY = p.digest_of_sum(0)


def summary(served: Served, token: str) -> dict[str, Any]:
    reply = served.call("GET", SUMMARY, token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def digests_of(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What a device that applied these changes would compute for each kind (its live
    records: tombstones are left out of the check)."""
    rows: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for change in changes:
        if change["kind"] != p.SCREENING_DEFINITION and not change["deleted"]:
            rows[change["kind"]].append((change["record_id"], change["seq"]))
    return {
        kind: {"count": len(rows[kind]), "digest": p.scope_digest(rows[kind])}
        for kind in p.RECORD_KINDS
    }


def busy_org(served: Served) -> dict[str, str]:
    """Tokens of North's two practitioners and lead, South's practitioner and the admin,
    after each worker recorded a case with records of several kinds, one record deleted,
    and one context per team."""
    tokens = {name: served.enrol(name)[1] for name in ("north-amy", "north-ben", "north-lead")}
    tokens |= {name: served.enrol(name)[1] for name in ("south-cai", "hub-admin")}
    for name in ("north-amy", "north-ben", "south-cai"):
        case, _ = new_case(served, tokens[name])
        for kind in ("meeting", "intervention", "missing_episode"):
            push(
                served,
                tokens[name],
                mutation(kind, str(uuid.uuid4()), "create", {"n": 1}, None, case),
            )
        gone = str(uuid.uuid4())
        [made] = push(
            served, tokens[name], mutation("meeting", gone, "create", {"n": 2}, None, case)
        )
        push(served, tokens[name], mutation("meeting", gone, "delete", None, made["seq"], case))
        push(
            served,
            tokens[name],
            mutation("addendum", str(uuid.uuid4()), "append", {"text": "Seen."}, None, case),
        )
    for name in ("north-amy", "south-cai"):
        push(served, tokens[name], mutation("context", str(uuid.uuid4()), "create", {"n": 3}))
    return tokens


def test_the_summary_is_exactly_what_a_pull_from_nothing_serves_for_every_role(
    served: Served, org: Org, hub: Hub
) -> None:
    hub.publish_shipped_definitions()
    tokens = busy_org(served)
    cases: dict[str, set[str]] = {}
    for name, token in tokens.items():
        found = summary(served, token)
        changes = pull_all(served, token)
        assert set(found) == {"epoch", "kinds", "young_people"}
        assert found["kinds"] == digests_of(changes), name
        assert list(found["kinds"]) == list(p.RECORD_KINDS)
        people = {c["record_id"] for c in changes if c["kind"] == "young_person"}
        assert found["young_people"] == sorted(people), name
        cases[name] = people
        assert found["epoch"] == served.call("GET", PULL, token=token).body["epoch"]
    assert len(cases["north-amy"]) == len(cases["north-ben"]) == 1
    assert cases["north-lead"] == cases["north-amy"] | cases["north-ben"]
    assert cases["south-cai"].isdisjoint(cases["north-lead"])
    assert cases["hub-admin"] == set()
    lead = summary(served, tokens["north-lead"])["kinds"]
    # Two meetings left in each of the two cases; the removed ones are not counted.
    assert (lead["meeting"]["count"], lead["context"]["count"]) == (2, 1)
    admin = summary(served, tokens["hub-admin"])["kinds"]
    assert all(entry == {"count": 0, "digest": EMPTY} for entry in admin.values())


def test_the_digest_is_the_documented_sum_whatever_order_the_rows_come_in() -> None:
    rows = [("b-2", 7), ("a-1", 12), ("a-10", 3)]
    # Each record: the first 40 bits of the SHA-256 of "id:seq"; the digest: their sum
    # modulo 2**64 as 16 hex digits.
    hashes = [int(hashlib.sha256(f"{i}:{seq}".encode()).hexdigest()[:10], 16) for i, seq in rows]
    assert [p.record_hash(i, seq) for i, seq in rows] == hashes
    expected = f"{sum(hashes) % 2**64:016x}"
    assert p.scope_digest(rows) == expected == p.digest_of_sum(sum(hashes))
    assert p.scope_digest(reversed(rows)) == expected
    assert p.scope_digest([]) == EMPTY == p.digest_of_sum(None) == "0" * 16
    assert p.scope_digest([("a-1", 13), ("a-10", 3), ("b-2", 7)]) != expected
    assert p.scope_digest(rows[1:]) != expected
    assert p.digest_of_sum(2**64 + 5) == p.digest_of_sum(5)  # as a database's sum may wrap


def test_the_digest_moves_with_every_change_and_a_moved_case_leaves_the_summary(
    served: Served, org: Org, hub: Hub
) -> None:
    _, amy = served.enrol("north-amy")
    case, _ = new_case(served, amy)
    action = str(uuid.uuid4())
    [made] = push(served, amy, mutation("plan_action", action, "create", {"n": 1}, None, case))
    seen = [summary(served, amy)["kinds"]["plan_action"]]
    [changed] = push(
        served, amy, mutation("plan_action", action, "update", {"n": 2}, made["seq"], case)
    )
    seen.append(summary(served, amy)["kinds"]["plan_action"])
    push(served, amy, mutation("plan_action", action, "delete", None, changed["seq"], case))
    seen.append(summary(served, amy)["kinds"]["plan_action"])
    assert [entry["count"] for entry in seen] == [1, 1, 0]  # a removed record leaves it
    assert len({entry["digest"] for entry in seen}) == 3
    assert summary(served, amy)["young_people"] == [case]

    lead = hub.authenticate(served.enrol("north-lead")[1])
    hub.allocate(case, "north-ben", lead)
    after = summary(served, amy)
    assert after["young_people"] == []
    assert after["kinds"]["plan_action"] == {"count": 0, "digest": EMPTY}


def test_a_pull_can_be_narrowed_to_one_kind(served: Served, org: Org, hub: Hub) -> None:
    hub.publish_shipped_definitions()
    _, amy = served.enrol("north-amy")
    case, _ = new_case(served, amy)
    for n in range(5):
        push(served, amy, mutation("addendum", str(uuid.uuid4()), "append", {"n": n}, None, case))
        push(served, amy, mutation("meeting", str(uuid.uuid4()), "create", {"n": n}, None, case))
    everything = pull_all(served, amy)

    def narrowed(kind: str) -> list[dict[str, Any]]:
        changes, after = [], 0
        while True:
            reply = served.call("GET", f"{PULL}?after={after}&limit=2&kind={kind}", token=amy)
            assert reply.status == 200, reply.body
            changes += reply.body["changes"]
            after = reply.body["next_cursor"]
            if not reply.body["has_more"]:
                return changes

    for kind in ("addendum", "meeting", "young_person", p.SCREENING_DEFINITION, "context"):
        assert narrowed(kind) == [c for c in everything if c["kind"] == kind], kind
    assert len(narrowed("addendum")) == 5
    assert [c["record_id"] for c in narrowed(p.SCREENING_DEFINITION)] == ["exploitation:1"]

    refused = served.call("GET", f"{PULL}?after=0&kind=diary", token=amy)
    assert refused.status == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.body["detail"] == (
        "The request was not understood. query.kind: is not a kind of record the hub serves."
    )


def test_summary_and_pull_are_audited_and_the_pull_says_how_much_it_served(
    served: Served, org: Org, hub: Hub
) -> None:
    _, amy = served.enrol("north-amy")
    me = hub.authenticate(amy)
    case, _ = new_case(served, amy)
    for n in range(3):
        push(served, amy, mutation("addendum", str(uuid.uuid4()), "append", {"n": n}, None, case))
    cursor = served.call("GET", f"{PULL}?after=0&limit=2", token=amy).body["next_cursor"]
    served.call("GET", f"{PULL}?after={cursor}&limit=2", token=amy)
    served.call("GET", f"{PULL}?after=0&kind=addendum", token=amy)
    served.call("GET", SUMMARY, token=amy)
    events = sync_reads(hub)
    assert [(e.action, e.kind, e.record_id) for e in events] == [
        ("sync-pull", None, "served 2 after 0"),
        ("sync-pull", None, f"served 2 after {cursor}"),
        ("sync-pull", "addendum", "served 3 after 0"),
        ("sync-summary", None, None),
    ]
    assert {(e.user_id, e.device_id) for e in events} == {(me.user_id, me.device_id)}
    assert hub.verify_audit().ok


def test_the_young_people_digest_is_the_documented_text_in_any_order() -> None:
    people = ["b-2", "a-1", "a-10"]
    expected = hashlib.sha256(b"a-1\na-10\nb-2\n").hexdigest()
    assert p.young_people_digest(people) == expected
    assert p.young_people_digest(reversed(people)) == expected
    assert p.young_people_digest([]) == hashlib.sha256(b"").hexdigest()
    assert p.young_people_digest(["a-1", "a-10"]) != expected


def test_a_summary_leaves_out_the_young_people_the_device_already_has(
    served: Served, org: Org, hub: Hub
) -> None:
    _, amy = served.enrol("north-amy")
    first, _ = new_case(served, amy)
    second, _ = new_case(served, amy)
    plain = summary(served, amy)
    assert set(plain) == {"epoch", "kinds", "young_people"}  # as before known_scope existed
    people = plain["young_people"]
    assert people == sorted([first, second])
    digest = p.young_people_digest(people)

    asked = summary_knowing(served, amy, digest)
    assert set(asked) == {"epoch", "kinds", "young_people_digest"}
    assert asked["young_people_digest"] == digest
    assert asked["kinds"] == plain["kinds"]
    assert p.SyncSummary.model_validate(asked).young_people is None

    stale = p.young_people_digest([first])  # the device has not seen the second case yet
    told = summary_knowing(served, amy, stale)
    assert (told["young_people"], told["young_people_digest"]) == (people, digest)

    lead = hub.authenticate(served.enrol("north-lead")[1])
    hub.allocate(second, "north-ben", lead)  # a case moved away changes the digest
    moved = summary_knowing(served, amy, digest)
    assert moved["young_people"] == [first]
    assert moved["young_people_digest"] == p.young_people_digest([first])

    for wrong in ("0" * 63, "A" * 64, digest + "0"):
        refused = served.call("GET", f"{SUMMARY}?known_scope={wrong}", token=amy)
        assert refused.status == 422, wrong
        assert refused.headers["content-type"] == "application/problem+json"


def summary_knowing(served: Served, token: str, known: str) -> dict[str, Any]:
    reply = served.call("GET", f"{SUMMARY}?known_scope={known}", token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def sync_reads(hub: Hub) -> list[HubAuditEvent]:
    """The audit's pull and summary events, in order."""
    with hub.unit() as session:
        return list(
            session.scalars(
                select(HubAuditEvent)
                .where(HubAuditEvent.action.in_(["sync-pull", "sync-summary"]))
                .order_by(HubAuditEvent.seq)
            )
        )
