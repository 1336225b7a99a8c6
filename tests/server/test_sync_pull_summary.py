"""The summary carried by a pull (``?summary=1``), over the real API and in the hub: it comes
only with the last page, exactly as ``/sync/summary`` answers it (with or without the list of
young people the device already has); without ``summary=1``, or with ``kind=``, the answer has
no summary field at all (a client from before it refuses fields it does not know); the pull
is audited once, saying the summary went with it; and the summary always matches what the
device has pulled, even when a change commits between the page's read and the summary's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hubdesk.server import sync
from hubdesk.server.hub import Hub, Principal
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, Served, put
from tests.server.test_sync_endpoints import PULL, mutation, new_case, push
from tests.server.test_sync_summary import SUMMARY, busy_org, digests_of, sync_reads
from tests.server.test_workers import enrolled


def pages(served: Served, token: str, query: str, limit: int = 4) -> list[dict[str, Any]]:
    """Every page of a pull from 0, as answered."""
    answered, after = [], 0
    while True:
        reply = served.call("GET", f"{PULL}?after={after}&limit={limit}{query}", token=token)
        assert reply.status == 200, reply.body
        answered.append(dict(reply.body))
        after = reply.body["next_cursor"]
        if not reply.body["has_more"]:
            return answered


def test_the_last_page_carries_the_summary_that_the_summary_request_answers(
    served: Served, org: Org, hub: Hub
) -> None:
    hub.publish_shipped_definitions()
    tokens = busy_org(served)
    for name, token in tokens.items():
        answered = pages(served, token, "&summary=1", limit=2)
        assert len(answered) > 1 or name == "hub-admin", name  # (who has the tools only)
        assert all("summary" not in page for page in answered[:-1]), name
        carried = answered[-1]["summary"]
        assert carried == served.call("GET", SUMMARY, token=token).body, name
        assert set(carried) == {"epoch", "kinds", "young_people"}  # as asked: no digest
        changes = [change for page in answered for change in page["changes"]]
        assert carried["kinds"] == digests_of(changes), name


def test_the_carried_summary_leaves_out_the_young_people_the_device_already_has(
    served: Served, org: Org
) -> None:
    tokens = busy_org(served)
    lead = tokens["north-lead"]
    people = served.call("GET", SUMMARY, token=lead).body["young_people"]
    known = p.young_people_digest(people)
    [page] = pages(served, lead, f"&summary=1&known_scope={known}", limit=100)
    assert page["summary"] == served.call("GET", f"{SUMMARY}?known_scope={known}", token=lead).body
    assert "young_people" not in page["summary"]
    assert page["summary"]["young_people_digest"] == known
    stale = p.young_people_digest(people[:1])
    [page] = pages(served, lead, f"&summary=1&known_scope={stale}", limit=100)
    assert page["summary"]["young_people"] == people
    assert page["summary"]["young_people_digest"] == known


def test_without_summary_or_with_a_kind_the_answer_has_no_summary_field(
    served: Served, org: Org
) -> None:
    tokens = busy_org(served)
    amy = tokens["north-amy"]
    for query in ("", "&summary=0", "&kind=meeting&summary=1", "&kind=meeting"):
        for page in pages(served, amy, query):
            assert set(page) == {"changes", "next_cursor", "has_more", "epoch"}, query
            # Other fields that may be null are still sent (a context has no young person).
            assert all("young_person_id" in change for change in page["changes"])
    contexts = pages(served, amy, "&kind=context&summary=1")
    assert [c["young_person_id"] for page in contexts for c in page["changes"]] == [None]


def test_a_pull_with_the_summary_is_audited_once_and_says_so(
    served: Served, org: Org, hub: Hub
) -> None:
    _, amy = served.enrol("north-amy")
    me = hub.authenticate(amy)
    case, _ = new_case(served, amy)
    for n in range(2):
        push(served, amy, mutation("addendum", str(uuid.uuid4()), "append", {"n": n}, None, case))
    first = served.call("GET", f"{PULL}?after=0&limit=2&summary=1", token=amy).body
    served.call("GET", f"{PULL}?after={first['next_cursor']}&limit=2&summary=1", token=amy)
    events = sync_reads(hub)
    assert [(e.action, e.kind, e.record_id) for e in events] == [
        ("sync-pull", None, "served 2 after 0"),
        ("sync-pull", None, f"served 1 after {first['next_cursor']} with the summary"),
    ]
    assert {(e.user_id, e.device_id) for e in events} == {(me.user_id, me.device_id)}
    assert hub.verify_audit().ok


def test_a_malformed_known_scope_is_refused(served: Served, org: Org) -> None:
    _, amy = served.enrol("north-amy")
    reply = served.call("GET", f"{PULL}?after=0&summary=1&known_scope=nothex", token=amy)
    assert reply.status == 422
    assert reply.body["detail"].startswith("The request was not understood. query.known_scope")


def test_out_of_scope_records_are_absent_from_the_page_and_its_summary(
    served: Served, org: Org
) -> None:
    tokens = busy_org(served)
    [page] = pages(served, tokens["south-cai"], "&summary=1", limit=100)
    theirs = {c["record_id"] for c in page["changes"]}
    north = [c for lead in pages(served, tokens["north-lead"], "", 100) for c in lead["changes"]]
    assert theirs
    assert theirs.isdisjoint(c["record_id"] for c in north)
    assert page["summary"]["kinds"] == digests_of(page["changes"])


def test_the_summary_matches_what_was_pulled_when_a_change_commits_between_the_reads(
    org: Org, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads each statement afresh: a change committed after the page was read is
    in the summary's read, so that page says there is more instead of carrying a summary the
    device could not match. SQLite reads the page and the summary in one snapshot."""
    amy = enrolled(hub, "north-amy")
    case = str(uuid.uuid4())
    put(hub, amy, "young_person", case, {"name": "A"})
    read = sync._scope_totals
    late: list[str] = []

    def with_a_change_first(session: Any, who: Principal, *args: Any, **kwargs: Any) -> Any:
        if not late:  # once: a change by another unit, committed before this read
            late.append(str(uuid.uuid4()))
            put(hub, amy, "meeting", late[0], {"n": 1}, young_person_id=case)
        return read(session, who, *args, **kwargs)

    monkeypatch.setattr(sync, "_scope_totals", with_a_change_first)
    held: dict[tuple[str, str], dict[str, Any]] = {}
    cursor, answered = 0, []
    while True:
        page = sync.pull(hub, amy, cursor, 100, check=True)
        answered.append(page)
        for change in page.changes:
            held[(change.kind, change.record_id)] = change.model_dump()
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert late
    assert answered[-1].summary is not None
    assert answered[-1].summary.model_dump()["kinds"] == digests_of(list(held.values()))
    assert all(page.summary is None for page in answered[:-1])
    if not hub.db.is_sqlite:
        assert len(answered) == 2
        assert [c.record_id for c in answered[1].changes] == [late[0]]
