"""The hub's side of sync over the real API: a push applies each mutation once (a replay
returns its first result and changes nothing), a change based on an old sequence is a
conflict that carries the hub's copy, deletes are tombstones, finalised records never change,
writes outside the device's scope are rejected with a reason, and a pull serves the asker's
scope in sequence order, page by page, without skipping or repeating a change."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

from hubdesk.server.hub import Hub
from tests.server.conftest import Org, Served

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"


def mutation(
    kind: str,
    record_id: str,
    op: str,
    content: dict[str, Any] | None = None,
    base_seq: int | None = None,
    young_person_id: str | None = None,
    mutation_id: str | None = None,
) -> dict[str, Any]:
    return {
        "mutation_id": mutation_id or str(uuid.uuid4()),
        "kind": kind,
        "record_id": record_id,
        "op": op,
        "base_seq": base_seq,
        "young_person_id": young_person_id,
        "content": content or {},
    }


def push(served: Served, token: str, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    reply = served.call("POST", PUSH, {"mutations": list(mutations)}, token=token)
    assert reply.status == 200, reply.body
    return list(reply.body["results"])


def pull_all(served: Served, token: str, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    while True:
        reply = served.call("GET", f"{PULL}?after={after}&limit={limit}", token=token)
        assert reply.status == 200, reply.body
        changes += reply.body["changes"]
        after = reply.body["next_cursor"]
        if not reply.body["has_more"]:
            return changes


def new_case(served: Served, token: str) -> tuple[str, int]:
    person = str(uuid.uuid4())
    [result] = push(served, token, mutation("young_person", person, "create", {"name": "A"}))
    assert result["status"] == "applied"
    return person, result["seq"]


def test_a_replayed_push_returns_its_first_result_and_changes_nothing(
    served: Served, org: Org
) -> None:
    _, token = served.enrol("north-amy")
    person = str(uuid.uuid4())
    create = mutation("young_person", person, "create", {"name": "Eira"})
    [first] = push(served, token, create)
    assert first["status"] == "applied"
    [again] = push(served, token, create)
    assert again == {**first, "status": "duplicate"}
    changes = pull_all(served, token)
    assert [(c["record_id"], c["seq"]) for c in changes if c["kind"] == "young_person"] == [
        (person, first["seq"])
    ]


def test_a_change_on_an_old_sequence_is_a_conflict_with_the_hubs_copy(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    _, lead = served.enrol("north-lead")
    person, seq = new_case(served, amy)
    [mine] = push(served, amy, mutation("young_person", person, "update", {"name": "B"}, seq))
    assert mine["status"] == "applied"
    [theirs] = push(served, lead, mutation("young_person", person, "update", {"name": "C"}, seq))
    assert theirs["status"] == "conflict"
    assert theirs["server_copy"] == {"deleted": False, "content": {"name": "B"}}
    assert theirs["seq"] == mine["seq"]
    assert "changed on the hub" in theirs["reason"]
    # The conflict changed nothing on the hub.
    [latest] = [c for c in pull_all(served, lead) if c["record_id"] == person]
    assert latest["content"] == {"name": "B"}


def test_a_replayed_conflict_carries_the_hubs_copy_as_it_is_now(
    served: Served, org: Org, hub: Hub
) -> None:
    """A device that could not take a conflict's copy sends the same change again: it is
    answered with the record as it is then, and only while the device may still see it."""
    _, amy = served.enrol("north-amy")
    _, lead = served.enrol("north-lead")
    person, seq = new_case(served, amy)
    [mine] = push(served, amy, mutation("young_person", person, "update", {"name": "B"}, seq))
    theirs = mutation("young_person", person, "update", {"name": "C"}, seq)
    [first] = push(served, lead, theirs)
    assert first["server_copy"]["content"] == {"name": "B"}
    [later] = push(
        served, amy, mutation("young_person", person, "update", {"name": "D"}, mine["seq"])
    )

    [again] = push(served, lead, theirs)

    assert again == {
        **first,
        "seq": later["seq"],
        "server_copy": {"deleted": False, "content": {"name": "D"}},
    }
    hub.allocate(person, "south-cai", None)
    [moved] = push(served, lead, theirs)
    assert moved["status"] == "rejected"
    assert moved["reason"] == "This young person is not on your caseload."
    assert moved.get("server_copy") is None
    _, cai = served.enrol("south-cai")
    [held] = [c for c in pull_all(served, cai) if c["record_id"] == person]
    assert held["content"] == {"name": "D"}  # the replays changed nothing


def test_a_replayed_conflict_never_serves_the_stored_copy_again(
    served: Served, org: Org, hub: Hub
) -> None:
    """Its reason is the record's as it is now; a record gone from the hub (its tombstone
    purged) refuses the change, and one out of the device's reach refuses it for that."""
    _, amy = served.enrol("north-amy")
    _, lead = served.enrol("north-lead")
    first_case, seq = new_case(served, amy)
    [mine] = push(served, amy, mutation("young_person", first_case, "update", {"n": 1}, seq))
    theirs = mutation("young_person", first_case, "update", {"n": 2}, seq)
    [first] = push(served, lead, theirs)
    assert "changed on the hub" in first["reason"]
    push(served, amy, mutation("young_person", first_case, "delete", None, mine["seq"]))
    [deleted] = push(served, lead, theirs)
    assert deleted["server_copy"] == {"deleted": True, "content": {}}
    assert "deleted on the hub" in deleted["reason"]
    hub.purge_tombstones(timedelta(seconds=-60))
    refused_for(served, lead, theirs, "This record was removed from the hub.")
    # Out of reach as well as gone: refused for that, and still nothing of the first copy.
    other_case, seq = new_case(served, amy)
    [mine] = push(served, amy, mutation("young_person", other_case, "update", {"n": 1}, seq))
    theirs = mutation("young_person", other_case, "update", {"n": 2}, seq)
    push(served, lead, theirs)
    hub.allocate(other_case, "south-cai", None)
    _, cai = served.enrol("south-cai")
    [held] = [c for c in pull_all(served, cai) if c["record_id"] == other_case]
    push(served, cai, mutation("young_person", other_case, "delete", None, held["seq"]))
    hub.purge_tombstones(timedelta(seconds=-60))
    refused_for(served, lead, theirs, "This young person is not on your caseload.")


def refused_for(served: Served, token: str, change: dict[str, Any], reason: str) -> None:
    """The change is refused for ``reason``, with no copy of the record."""
    [answer] = push(served, token, change)
    assert (answer["status"], answer["reason"]) == ("rejected", reason)
    assert answer.get("server_copy") is None


def test_deletes_are_tombstones_and_delete_versus_edit_is_a_conflict(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    person, _ = new_case(served, amy)
    note_id = str(uuid.uuid4())
    [made] = push(
        served,
        amy,
        mutation("intervention", note_id, "create", {"what": "Mentoring"}, None, person),
    )
    [gone] = push(
        served, amy, mutation("intervention", note_id, "delete", None, made["seq"], person)
    )
    assert gone["status"] == "applied"
    [edit] = push(
        served,
        amy,
        mutation("intervention", note_id, "update", {"what": "Sport"}, made["seq"], person),
    )
    assert edit["status"] == "conflict"
    assert edit["server_copy"] == {"deleted": True, "content": {}}
    [twice] = push(
        served, amy, mutation("intervention", note_id, "delete", None, made["seq"], person)
    )
    assert twice["status"] == "applied"  # delete versus delete: already so
    [tombstone] = [c for c in pull_all(served, amy) if c["record_id"] == note_id]
    assert (tombstone["deleted"], tombstone["content"]) == (True, {})


def test_finalised_records_are_appended_once_and_never_changed(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    person, _ = new_case(served, amy)
    note = mutation("contact_note", str(uuid.uuid4()), "append", {"text": "Visit"}, None, person)
    [first] = push(served, amy, note)
    [same] = push(served, amy, {**note, "mutation_id": str(uuid.uuid4())})
    assert (first["status"], same["status"], same["seq"]) == ("applied", "applied", first["seq"])
    [changed] = push(
        served,
        amy,
        mutation(
            "contact_note", note["record_id"], "update", {"text": "Edited"}, first["seq"], person
        ),
    )
    assert changed["status"] == "rejected"
    assert changed["reason"] == "A finalised record is never changed; add an addendum instead."
    [removed] = push(
        served,
        amy,
        mutation("contact_note", note["record_id"], "delete", None, first["seq"], person),
    )
    assert removed["status"] == "rejected"


def test_writes_outside_the_devices_scope_are_rejected_with_a_reason(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    _, cai = served.enrol("south-cai")
    person, seq = new_case(served, amy)
    results = push(
        served,
        cai,
        mutation("young_person", person, "update", {"name": "X"}, seq),
        mutation("contact_note", str(uuid.uuid4()), "append", {"text": "Y"}, None, person),
        mutation("addendum", str(uuid.uuid4()), "append", {"text": "Z"}),
    )
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "This young person is not on your caseload."),
        ("rejected", "This young person is not on your caseload."),
        ("rejected", "This record does not say whose case it belongs to."),
    ]
    assert [c for c in pull_all(served, cai) if c["kind"] != "screening_definition"] == []


def test_a_value_no_hubdesk_could_write_back_is_refused_and_nothing_else(
    served: Served, org: Org
) -> None:
    """A device writing around HubDesk (or newer than the hub) cannot hand the others a
    record they could not write: the change is refused with the field named; the rest of
    the push applies."""
    _, amy = served.enrol("north-amy")
    person, seq = new_case(served, amy)
    results = push(
        served,
        amy,
        mutation("young_person", person, "update", {"name": "A", "level": "extreme"}, seq),
        mutation(
            "contact_note", str(uuid.uuid4()), "append", {"occurred_at": "soon"}, None, person
        ),
        mutation("young_person", str(uuid.uuid4()), "create", {"given_name": None}),
        mutation("young_person", str(uuid.uuid4()), "create", {"family_name": {"a": "b"}}),
        mutation("young_person", str(uuid.uuid4()), "create", {"level": "significant"}),
        mutation("young_person", person, "delete", None, seq),  # a removal holds no values
    )
    refused = [
        "The hub cannot take this record's "
        f"{field}: it holds a value the hub does not know, or none where one is needed. "
        "Ask the hub's IT team whether the hub needs updating."
        for field in ("level", "occurred at", "given name", "family name")
    ]
    assert [(r["status"], r["reason"]) for r in results] == [
        *[("rejected", reason) for reason in refused],
        ("applied", None),
        ("applied", None),
    ]
    assert not [c for c in pull_all(served, amy) if c["kind"] == "contact_note"]


def test_a_pull_serves_the_scope_in_order_page_by_page(served: Served, org: Org, hub: Hub) -> None:
    _, amy = served.enrol("north-amy")
    _, ben = served.enrol("north-ben")
    _, lead = served.enrol("north-lead")
    hub.publish_shipped_definitions()
    amy_case, _ = new_case(served, amy)
    ben_case, _ = new_case(served, ben)
    for n in range(7):
        push(
            served,
            amy,
            mutation("addendum", str(uuid.uuid4()), "append", {"n": n}, None, amy_case),
        )
    context = str(uuid.uuid4())
    push(served, ben, mutation("context", context, "create", {"name": "The arcade"}))

    amy_sees = pull_all(served, amy, limit=3)
    seqs = [c["seq"] for c in amy_sees]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    assert {c["record_id"] for c in amy_sees if c["kind"] == "young_person"} == {amy_case}
    assert context in {c["record_id"] for c in amy_sees}  # her team's context
    assert "exploitation:1" in {c["record_id"] for c in amy_sees}
    assert len([c for c in amy_sees if c["kind"] == "addendum"]) == 7
    lead_sees = {c["record_id"] for c in pull_all(served, lead)}
    assert {amy_case, ben_case} <= lead_sees
    # After the last cursor there is nothing more, and a later change is served once.
    last = seqs[-1]
    assert pull_all(served, amy, after=last) == []
    push(served, amy, mutation("addendum", str(uuid.uuid4()), "append", {"n": 8}, None, amy_case))
    assert len(pull_all(served, amy, after=last)) == 1


def test_a_moved_case_reaches_the_new_worker_after_their_cursor(
    served: Served, org: Org, hub: Hub
) -> None:
    _, amy = served.enrol("north-amy")
    _, ben = served.enrol("north-ben")
    person, _ = new_case(served, amy)
    push(served, amy, mutation("addendum", str(uuid.uuid4()), "append", {"n": 1}, None, person))
    ben_cursor = max([c["seq"] for c in pull_all(served, ben)] or [0])
    lead = hub.authenticate(served.enrol("north-lead")[1])
    hub.allocate(person, "north-ben", lead)
    moved = {c["record_id"] for c in pull_all(served, ben, after=ben_cursor)}
    assert person in moved
    assert len(moved) == 2


def test_concurrent_pushes_never_let_a_pull_skip_a_change(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    person, _ = new_case(served, amy)
    seen: list[int] = []
    done = threading.Event()

    def writer() -> None:
        for n in range(15):
            push(
                served,
                amy,
                mutation("addendum", str(uuid.uuid4()), "append", {"n": n}, None, person),
            )

    def reader() -> None:
        cursor = 0
        while not done.is_set():
            page = served.call("GET", f"{PULL}?after={cursor}&limit=50", token=amy).body
            seen.extend(c["seq"] for c in page["changes"])
            cursor = page["next_cursor"]
        page = served.call("GET", f"{PULL}?after={cursor}&limit=1000", token=amy).body
        seen.extend(c["seq"] for c in page["changes"])

    writers = [threading.Thread(target=writer) for _ in range(3)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    watcher.join()
    addenda = [c["seq"] for c in pull_all(served, amy) if c["kind"] == "addendum"]
    assert len(addenda) == 45
    assert set(addenda) <= set(seen)  # every change was served to the reader as it went
    assert len(seen) == len(set(seen))  # and none twice


def test_a_push_batch_has_a_limit(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    batch = [mutation("young_person", str(uuid.uuid4()), "create") for _ in range(501)]
    reply = served.call("POST", PUSH, {"mutations": batch}, token=amy)
    assert reply.status in (413, 422)
    assert reply.headers["content-type"] == "application/problem+json"
