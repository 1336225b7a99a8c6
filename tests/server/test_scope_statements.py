"""The scope's statements are built once for each shape of scope and given the asker as
parameters: askers of the same shape share them and are each answered their own scope; a
kind with records in both parts of a scope (a case's safety plan and a contextual one) is
counted and digested across both; a push's reads and the audit's append, built once too,
answer as before."""

from __future__ import annotations

import uuid

from hubdesk.server import sync
from hubdesk.server.hub import Hub, organisation_state
from tests.server.conftest import Org, new_mutation, put
from tests.server.test_record_hash import plan_for, pulled, pushed, pushed_by_lead
from tests.server.test_sync_summary import digests_of
from tests.server.test_workers import enrolled


def test_askers_of_one_shape_share_the_statements_and_get_their_own_scope(
    org: Org, hub: Hub
) -> None:
    amy, ben = enrolled(hub, "north-amy"), enrolled(hub, "north-ben")
    cai = enrolled(hub, "south-cai")
    assert sync._Shape.of(amy) == sync._Shape.of(ben) == sync._Shape.of(cai)
    held = {}
    for who in (amy, ben, cai):
        case = str(uuid.uuid4())
        put(hub, who, "young_person", case, {"name": who.username})
        put(hub, who, "meeting", str(uuid.uuid4()), {"n": 1}, young_person_id=case)
        held[who.username] = case
    for who in (amy, ben, cai):
        changes = pulled(hub, who)
        assert {c["young_person_id"] for c in changes} == {held[who.username]}
        summary = sync.summary(hub, who)
        assert summary.young_people == [held[who.username]]
        assert summary.model_dump()["kinds"] == digests_of(changes)
        # From a cursor too (the other statement of a page).
        page = sync.pull(hub, who, changes[0]["seq"], 10, check=True)
        assert [c.record_id for c in page.changes] == [changes[1]["record_id"]]
    dialect = hub.db.engine.dialect.name
    for after, from_zero in ((False, False), (True, False), (True, True)):
        assert sync._totals_query(
            dialect, sync._Shape.of(amy), after, from_zero
        ) is sync._totals_query(dialect, sync._Shape.of(cai), after, from_zero)


def test_a_kind_in_both_parts_of_a_scope_is_counted_and_digested_across_both(
    org: Org, hub: Hub
) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    case = str(uuid.uuid4())
    put(hub, amy, "young_person", case, {"name": "A"})
    put(hub, amy, "safety_plan", str(uuid.uuid4()), {"title": "A's"}, young_person_id=case)
    assert pushed_by_lead(hub, lead, str(uuid.uuid4()), str(uuid.uuid4())) == ["applied"] * 2
    context = str(uuid.uuid4())
    made = pushed(
        hub,
        lead,
        new_mutation("context", context, "create", {"name": "Park"}),
        plan_for(context, str(uuid.uuid4()), {"title": "Park plan"}),
    )
    assert [r.status for r in made] == ["applied"] * 2
    changes = pulled(hub, lead)
    summary = sync.summary(hub, lead)
    assert summary.kinds["safety_plan"].count == 3  # one case's, two contextual
    assert summary.model_dump()["kinds"] == digests_of(changes)
    # The pull's check reads the same totals, and finds nothing newer than its page.
    page = sync.pull(hub, lead, 0, 100, check=True)
    assert not page.has_more
    assert page.summary == summary


def test_a_pull_and_push_read_the_organisation_as_a_plain_row(org: Org, hub: Hub) -> None:
    amy = enrolled(hub, "north-amy")
    with hub.db.unit(read_only=True) as session:
        state = organisation_state(session)
        assert (state.epoch, state.oldest_cursor) == (
            hub.organisation(session).epoch,
            hub.organisation(session).oldest_cursor,
        )
    case = str(uuid.uuid4())
    answer = sync.push(hub, amy, [new_mutation("young_person", case, "create", {"name": "A"})])
    assert answer.epoch == state.epoch
    assert sync.pull(hub, amy, 0, 10).epoch == state.epoch
    assert hub.verify_audit().ok
