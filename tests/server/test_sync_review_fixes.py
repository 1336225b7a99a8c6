"""Regression tests for what an independent review found in the hub's sync: a context cannot
be planted in another team's case; two pushes on one base at the same moment give one applied
and one conflict (never two "applied" with a lost edit, never a 500); a mutation id reused by
another device is refused without showing the first device's result; numbers that are not
finite are refused."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from hubdesk.server import sync
from hubdesk.server.hub import Hub, Principal
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, Served, new_mutation
from tests.server.test_sync_endpoints import PUSH, mutation, new_case, pull_all, push


def test_a_context_cannot_be_planted_in_another_teams_case(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    _, cai = served.enrol("south-cai")
    south_case, _ = new_case(served, cai)
    context = str(uuid.uuid4())
    [planted] = push(
        served, amy, mutation("context", context, "create", {"name": "planted"}, None, south_case)
    )
    assert planted["status"] == "rejected"
    assert planted["reason"] == "A context belongs to a team, not to one young person's case."
    assert context not in {c["record_id"] for c in pull_all(served, cai)}
    south_place = str(uuid.uuid4())
    [made] = push(served, cai, mutation("context", south_place, "create", {"name": "Yard"}))
    [refused] = push(
        served, amy, mutation("context", south_place, "update", {"name": "X"}, made["seq"])
    )
    # The same words as for any record out of reach: nothing says which team holds it.
    assert refused["reason"] == "This record cannot be changed from this device."
    case = served.call("GET", f"/api/v1/young-people/{south_case}", token=cai).body
    assert [r["kind"] for r in case["records"]] == []


def _slow_scope_check(monkeypatch: pytest.MonkeyPatch, record_id: str) -> None:
    """Widen the window between reading a record and writing it, as a slow request would."""
    real = sync._out_of_scope

    def slow(session: Any, who: Principal, m: p.Mutation, row: Any) -> str | None:
        found = real(session, who, m, row)
        if m.record_id == record_id:
            time.sleep(0.3)
        return found

    monkeypatch.setattr(sync, "_out_of_scope", slow)


def _at_once(hub: Hub, pushes: list[tuple[Principal, p.Mutation]]) -> list[str]:
    results: list[str] = []

    def go(who: Principal, m: p.Mutation) -> None:
        try:
            results.append(sync.push(hub, who, [m]).results[0].status)
        except Exception as exc:  # the test reports any failure as its type
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=go, args=pair) for pair in pushes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def test_two_updates_on_one_base_at_once_are_one_applied_and_one_conflict(
    served: Served, org: Org, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    amy = hub.authenticate(served.enrol("north-amy")[1])
    lead = hub.authenticate(served.enrol("north-lead")[1])
    person = str(uuid.uuid4())
    [made] = sync.push(hub, amy, [new_mutation("young_person", person, "create", {"n": 0})]).results
    _slow_scope_check(monkeypatch, person)
    outcome = _at_once(
        hub,
        [
            (amy, new_mutation("young_person", person, "update", {"n": 1}, made.seq)),
            (lead, new_mutation("young_person", person, "update", {"n": 2}, made.seq)),
        ],
    )
    assert outcome == ["applied", "conflict"]


def test_two_creates_of_one_id_at_once_are_one_applied_and_one_conflict(
    served: Served, org: Org, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    amy = hub.authenticate(served.enrol("north-amy")[1])
    lead = hub.authenticate(served.enrol("north-lead")[1])
    person = str(uuid.uuid4())
    sync.push(hub, amy, [new_mutation("young_person", person, "create", {"n": 0})])
    record = str(uuid.uuid4())
    _slow_scope_check(monkeypatch, record)
    outcome = _at_once(
        hub,
        [
            (amy, new_mutation("screening", record, "create", {"by": "amy"}, None, person)),
            (lead, new_mutation("screening", record, "create", {"by": "lead"}, None, person)),
        ],
    )
    assert outcome == ["applied", "conflict"]


def test_a_mutation_id_reused_by_another_device_is_refused_and_shows_nothing(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    _, cai = served.enrol("south-cai")
    person, seq = new_case(served, amy)
    push(served, amy, mutation("young_person", person, "update", {"name": "Secret"}, seq))
    stale = mutation("young_person", person, "update", {"name": "Other"}, seq)
    [conflict] = push(served, amy, stale)
    assert conflict["status"] == "conflict"
    their_case, their_seq = new_case(served, cai)
    reuse = mutation("young_person", their_case, "delete", None, their_seq)
    [refused] = push(served, cai, {**reuse, "mutation_id": stale["mutation_id"]})
    assert refused == {
        "mutation_id": stale["mutation_id"],
        "status": "rejected",
        "seq": None,
        "server_copy": None,
        "reason": "This change id was already used for another change.",
    }


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_numbers_that_are_not_finite_are_refused(served: Served, org: Org, number: str) -> None:
    _, amy = served.enrol("north-amy")
    one = (
        f'{{"mutation_id": "{uuid.uuid4()}", "kind": "young_person", "record_id": '
        f'"{uuid.uuid4()}", "op": "create", "content": {{"n": {number}}}}}'
    )
    body = f'{{"mutations": [{one}]}}'
    reply = served.call("POST", PUSH, raw=body.encode(), token=amy)
    assert reply.status == 422
    assert "holds a number that is not finite" in reply.body["detail"]
