"""A contextual safety plan (for a place or peer group, not one young person) belongs to the
team whose context it is for, like the context: that team's devices push and pull it, and
no other team can write it, read it, or plant one on a context that is not theirs."""

from __future__ import annotations

import uuid

from tests.server.conftest import Org, Served
from tests.server.test_sync_endpoints import mutation, pull_all, push


def _plan(context: str, plan: str, **more: str) -> dict[str, object]:
    m = mutation("safety_plan", plan, "create", {"title": "Car park plan", "context_id": context})
    return {**m, "context_id": context, **more}


def test_a_contextual_plan_is_shared_with_the_contexts_team_only(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    _, ben = served.enrol("north-ben")
    _, cai = served.enrol("south-cai")
    context, plan = str(uuid.uuid4()), str(uuid.uuid4())
    [made] = push(served, amy, mutation("context", context, "create", {"name": "Car park"}))
    assert made["status"] == "applied"
    [result] = push(served, amy, _plan(context, plan))
    assert result["status"] == "applied", result

    assert {c["record_id"] for c in pull_all(served, ben)} == {context, plan}
    assert pull_all(served, cai) == []


def test_another_team_cannot_write_a_plan_for_a_context_not_theirs(
    served: Served, org: Org
) -> None:
    _, amy = served.enrol("north-amy")
    _, cai = served.enrol("south-cai")
    context, plan = str(uuid.uuid4()), str(uuid.uuid4())
    push(served, amy, mutation("context", context, "create", {"name": "Car park"}))
    [planted] = push(served, cai, _plan(context, plan))
    assert (planted["status"], planted["reason"]) == (
        "rejected",
        "This record cannot be changed from this device.",
    )
    [early] = push(served, amy, _plan(str(uuid.uuid4()), str(uuid.uuid4())))
    assert early["reason"] == (
        "The context this plan is for is not on the hub; sync the context first."
    )
