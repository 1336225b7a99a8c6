"""The engine overlaps the laptop's work with the hub's: the next batch is stamped and sent
while the answer before it is written, and the next page is fetched while one is written. The
hub's check comes with the pull's last page. These run against the real hub on loopback.

What must still hold: a record's next change is sent only after the hub answered the one
before (it is based on that answer's sequence), nothing is sent twice, and the check never
reads a list of young people that was left out as "none"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pytest

from hubdesk.models import YoungPerson
from hubdesk.models.enums import Level
from hubdesk.server.hub import Hub
from hubdesk.server.tables import HubRecord
from hubdesk.sync import protocol as p
from hubdesk.sync.client import SyncEngine, SyncReport
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import HubClient, HubError
from tests.e2e.devices import Device

T = TypeVar("T")


class Recording(HubRelay):
    """The real hub client, with every push and pull noted in the order they happened (calls
    run on the engine's background thread). ``alter``, when given, changes the check on the
    pull's last page before the engine sees it."""

    def __init__(
        self, client: HubClient, alter: Callable[[p.SyncSummary], p.SyncSummary] | None = None
    ) -> None:
        super().__init__(client)
        self.alter = alter
        self.events: list[tuple[str, int, Any]] = []
        self.summaries_asked = 0
        self._lock = threading.Lock()

    def _note(self, what: str, number: int, detail: object) -> None:
        with self._lock:
            self.events.append((what, number, detail))

    def push(self, mutations: list[p.Mutation]) -> p.PushResponse:
        number = len(self.events)
        self._note("send", number, [(m.kind, m.record_id, m.mutation_id) for m in mutations])
        answer = super().push(mutations)
        self._note("answer", number, None)
        return answer

    def _around(self, name: str, call: Callable[[], T]) -> T:
        if name == "pull":
            self._note("ask", 0, name)
        answer = call()
        self.summaries_asked += name == "summary"
        if isinstance(answer, p.ChangePage):
            self._note("page", 0, answer.summary)
            if self.alter is not None and answer.summary is not None:
                changed = answer.model_copy(update={"summary": self.alter(answer.summary)})
                return cast(T, changed)
        return answer

    def pages(self) -> list[p.SyncSummary | None]:
        return [detail for what, _, detail in self.events if what == "page"]


def recorded_sync(
    device: Device,
    alter: Callable[[p.SyncSummary], p.SyncSummary] | None = None,
    page_size: int | None = None,
) -> tuple[SyncReport, Recording]:
    """One sync, the hub's calls noted, and the laptop's writing of each push's answer too
    (``results``, when it starts)."""
    link = device.s.hub.link()
    assert link is not None
    store = device.s.sync
    with HubClient(link.url, link.token, timeout=10) as client:
        hub = Recording(client, alter=alter)
        write_results = store.record_results

        def noted(results: list[p.MutationResult]) -> Any:
            hub._note("results", 0, len(results))
            return write_results(results)

        store.record_results = noted  # type: ignore[method-assign]
        try:
            engine = SyncEngine(store, hub, sleep=lambda _s: None, page_size=page_size)
            return engine.run(), hub
        finally:
            del store.record_results


def test_a_records_next_change_is_sent_only_after_the_answer_to_the_one_before(
    amy: Device,
) -> None:
    people = [amy.s.cases.add(given_name=f"Test{n}", family_name="Person") for n in range(7)]
    # Sent once already, the answer lost: a later change is a second row, waiting behind it.
    assert len(amy.s.sync.next_batch()) == len(people)
    for person in people:
        amy.s.cases.set_level(person, Level.SIGNIFICANT, "Seen with older young people at night")
    waiting = amy.s.sync.pending_count()
    assert waiting > len(people)

    report, hub = recorded_sync(amy, page_size=2)

    assert (report.pushed.applied, report.pushed.conflicts, report.pushed.rejected) == (
        waiting,
        0,
        0,
    )
    assert amy.s.sync.pending_count() == 0
    sent = [m for what, _, batch in hub.events if what == "send" for m in batch]  # type: ignore[attr-defined]
    assert len({mid for _, _, mid in sent}) == len(sent) == waiting  # nothing sent twice
    answered_at = {n: i for i, (what, n, _) in enumerate(hub.events) if what == "answer"}
    last_answer: dict[tuple[str, str], int] = {}
    for i, (what, number, batch) in enumerate(hub.events):
        if what != "send":
            continue
        for kind, record_id, _ in batch:  # type: ignore[attr-defined]
            earlier = last_answer.get((kind, record_id))
            assert earlier is None or earlier < i, "a change was sent before its base came back"
            last_answer[(kind, record_id)] = answered_at[number]
    assert {r.id for r in amy.s.cases.caseload()} == set(people)


def test_the_check_comes_with_the_last_page_and_leaves_out_a_known_list(
    amy: Device, lead: Device
) -> None:
    person = amy.s.cases.add(given_name="Test", family_name="Person")
    recorded_sync(amy)
    first, hub = recorded_sync(lead, page_size=2)
    assert hub.summaries_asked == 0  # no request of its own
    summaries = hub.pages()
    assert all(s is None for s in summaries[:-1])
    assert summaries[-1] is not None
    assert summaries[-1].young_people == [person]  # new to this laptop: sent whole
    assert not first.mismatched
    assert not first.resynced

    again, hub = recorded_sync(lead)
    (check,) = hub.pages()
    assert check is not None
    assert check.young_people is None
    assert check.young_people_digest == p.young_people_digest([person])
    assert not again.mismatched
    assert not again.resynced
    assert again.cases_moved == 0
    assert [r.id for r in lead.s.cases.caseload()] == [person]


def test_a_list_left_out_without_agreeing_is_never_read_as_no_young_people(
    amy: Device, lead: Device
) -> None:
    person = amy.s.cases.add(given_name="Test", family_name="Person")
    recorded_sync(amy)
    recorded_sync(lead)

    def left_out(summary: p.SyncSummary) -> p.SyncSummary:
        return summary.model_copy(update={"young_people": None, "young_people_digest": "0" * 64})

    with pytest.raises(HubError, match="left out which young people"):
        recorded_sync(lead, alter=left_out)
    assert [r.id for r in lead.s.cases.caseload()] == [person]  # nothing removed


def steps(hub: Recording) -> list[str]:
    return [what for what, _, _ in hub.events]


def test_the_pull_is_asked_for_while_the_last_answer_is_written(amy: Device, lead: Device) -> None:
    people = [amy.s.cases.add(given_name=f"Test{n}", family_name="Person") for n in range(3)]
    report, hub = recorded_sync(amy)
    # Only the one batch was waiting: the pull goes as soon as its answer is in, before the
    # answer is written, and once.
    assert steps(hub)[:3] == ["send", "answer", "ask"]
    assert steps(hub).index("ask") < steps(hub).index("results")
    assert steps(hub).count("ask") == 1
    assert report.pushed.applied == 3
    assert not report.mismatched
    assert not report.resynced
    assert amy.s.sync.pending_count() == 0
    again, _ = recorded_sync(amy)  # the pulled page held its own changes: nothing new
    assert (again.pushed.applied, again.pulled.written) == (0, 0)
    recorded_sync(lead)
    assert {r.id for r in lead.s.cases.caseload()} == set(people)


def test_an_answer_that_queues_more_drops_the_early_pull_and_pulls_after(
    amy: Device, lead: Device
) -> None:
    person = amy.s.cases.add(given_name="Test", family_name="Person")
    recorded_sync(amy)
    recorded_sync(lead)
    lead.s.cases.set_level(person, Level.SIGNIFICANT, "Seen with older young people at night")
    recorded_sync(lead)
    amy.s.cases.update(person, preferred_name="Tee")  # against the copy before the lead's

    report, hub = recorded_sync(amy)

    # The hub's answer is a conflict; merged here, the merge is queued and sent, and only
    # then is the pull read (the one asked for early is let go).
    assert report.pushed.conflicts == 1
    asked = [step for step in steps(hub) if step != "page"]  # pages come when they come
    assert asked[:8] == ["send", "answer", "ask", "results"] * 2
    assert asked.count("send") == 2
    assert not report.mismatched
    assert not report.resynced
    assert amy.s.sync.pending_count() == 0
    recorded_sync(lead)
    for device in (amy, lead):
        [held] = [r for r in device.s.cases.caseload() if r.id == person]
        assert (held.level, held.preferred_name) == (Level.SIGNIFICANT, "Tee")
    assert amy.state_hash() == lead.state_hash()


def test_the_push_after_a_resync_asks_for_no_pull_it_would_not_read(amy: Device, hub: Hub) -> None:
    person = amy.s.cases.add(given_name="Casey", family_name="Ward")
    recorded_sync(amy)
    with amy.vault.read() as session:
        backed_up = session.get(YoungPerson, person).server_seq  # type: ignore[union-attr]
    amy.s.cases.update(person, preferred_name="Cas")
    recorded_sync(amy)
    with hub.unit() as session:  # the hub put back to a backup taken before the new name
        row = session.get(HubRecord, ("young_person", person))
        assert row is not None
        row.content, row.seq = {**row.content, "preferred_name": None}, backed_up
    hub.renew_epoch()

    report, recording = recorded_sync(amy)

    assert (report.new_epoch, report.requeued, report.mismatched) == (True, 1, [])
    kinds = [what for what, _, _ in recording.events]
    last_send = len(kinds) - 1 - kinds[::-1].index("send")
    assert "ask" not in kinds[last_send:]  # the check's summary follows, not a pull
    assert recording.summaries_asked == 1
