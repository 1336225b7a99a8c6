"""Sync through a faulty network: laptops reach the real hub on loopback through
``FaultProxy``, which drops requests, drops answers, sends requests twice and delays them.

After the faults stop, every laptop holds what the hub serves it, laptops with the same scope
hold the same, and the hub's own tables show each change made exactly once: each change it
recorded was made by one applied mutation, and every mutation a laptop was told was applied
is applied (``faultproxy.Ledger.problems``). The classic cases are here by name: an answer
lost after the hub applied a push (the replay changes nothing), a request cut off halfway, a
push reaching the hub twice (one after the other, or at the same moment), a pull page lost
or read twice (nothing moves twice), an edit made while a push is on the wire (it is sent
later, not marked as synced), a conflict's merge cut off before it was sent (it keeps this
laptop's change through the next conflict), and laptops syncing all at once.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from hubdesk.server.hub import Hub
from hubdesk.sync.transport import HubUnreachable
from hubdesk.timeutil import utcnow
from tests.e2e.devices import Device, new_device
from tests.e2e.faultproxy import (
    PULL,
    PUSH,
    EveryNth,
    FailThenSucceed,
    Fault,
    FaultProxy,
    Request,
    Seeded,
    hub_scope,
    ledger,
)
from tests.server.conftest import Org, Served

ATTEMPTS = 5


@pytest.fixture
def proxy(served: Served) -> Iterator[FaultProxy]:
    with FaultProxy(served.base) as made:
        yield made


def enrol(proxy: FaultProxy, folder: Path, *names: str) -> dict[str, Device]:
    """Laptops behind the proxy; ``north-amy#2`` is Amy's second laptop."""
    return {name: new_device(folder / name, proxy.url, name.split("#")[0]) for name in names}


@pytest.fixture
def pair(proxy: FaultProxy, org: Org, tmp_path: Path) -> Iterator[tuple[Device, Device]]:
    """Amy's laptop and her team lead's."""
    made = enrol(proxy, tmp_path, "north-amy", "north-lead")
    yield made["north-amy"], made["north-lead"]
    for device in made.values():
        device.close()


@pytest.fixture
def laptops(proxy: FaultProxy, org: Org, tmp_path: Path) -> Iterator[dict[str, Device]]:
    """Amy's two laptops, her team lead's and her colleague Ben's."""
    made = enrol(proxy, tmp_path, "north-amy", "north-amy#2", "north-lead", "north-ben")
    yield made
    for device in made.values():
        device.close()


def token(device: Device) -> str:
    link = device.s.hub.link()
    assert link is not None
    return link.token


def write_note(device: Device, person: str, words: str) -> str:
    note = device.s.notes.add(
        person, kind="home_visit", occurred_at=utcnow() - timedelta(hours=1), narrative=words
    )
    device.s.notes.finalise(note)
    return note


def assert_holds_its_scope(device: Device, hub: Hub) -> None:
    """The device holds exactly what a pull from 0 serves it, and has nothing left to send."""
    assert device.s.sync.pending_count() == 0
    expected = hub_scope(hub, token(device))
    for kind, records in expected.items():
        assert device.records(kind) == records, f"{device.name}: {kind} differs from the hub"


def assert_exactly_once(hub: Hub, proxy: FaultProxy) -> None:
    problems = ledger(hub).problems(proxy.acknowledged)
    assert problems == [], problems[:5]


# Answers lost after the hub applied them ----------------------------------------------------------


def test_every_second_push_answer_lost_still_applies_each_change_once(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, _ = pair
    person = amy.s.cases.add(given_name="Riley", family_name="Hart")
    notes = [write_note(amy, person, f"Visit {n}") for n in range(7)]
    with proxy.scheduled(EveryNth(2, Fault.DROP_RESPONSE, only=PUSH)) as schedule:
        report = amy.sync(page_size=3, attempts=ATTEMPTS)
    assert isinstance(schedule, EveryNth)
    assert schedule.due >= 2, "the schedule never dropped an answer"
    # Each lost answer's batch was sent again and answered as already on the hub.
    assert report.pushed.applied + report.pushed.duplicates == 8
    assert report.pushed.duplicates >= 2
    assert (report.pushed.conflicts, report.pushed.rejected) == (0, 0)
    assert amy.s.conflicts.count_open() == 0

    found = ledger(hub)
    assert set(found.live("contact_note")) == set(notes)
    for note in notes:
        assert found.changes_of("contact_note", note) == [
            (found.records[("contact_note", note)][0], "append")
        ]
    assert [op for _, op in found.changes_of("young_person", person)] == ["create"]
    assert_exactly_once(hub, proxy)
    assert_holds_its_scope(amy, hub)


def test_a_crash_after_the_hub_applied_a_push_is_replayed_and_changes_nothing(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, _ = pair
    person = amy.s.cases.add(given_name="Jordan", family_name="Price")
    amy.sync()
    amy.s.cases.update(person, preferred_name="Jo")
    note = write_note(amy, person, "Met at the library")
    # The hub applies the push; the answer never arrives and the laptop gives up (no retries:
    # as if it had been switched off at that moment).
    lost = FailThenSucceed(1, Fault.DROP_RESPONSE, only=PUSH)
    with proxy.scheduled(lost), pytest.raises(HubUnreachable):
        amy.sync(attempts=0)
    before = ledger(hub)
    assert [op for _, op in before.changes_of("young_person", person)] == ["create", "update"]
    assert before.live("young_person")[person]["preferred_name"] == "Jo"
    assert note in before.live("contact_note")
    assert amy.s.sync.pending_count() == 2  # still waiting for an answer

    amy.reopen()  # the laptop starts again
    report = amy.sync()
    assert (report.pushed.applied, report.pushed.duplicates, report.pushed.conflicts) == (0, 2, 0)
    after = ledger(hub)
    assert after.changes == before.changes, "the replay changed the hub"
    assert after.records == before.records
    assert amy.s.conflicts.count_open() == 0
    assert_exactly_once(hub, proxy)
    assert_holds_its_scope(amy, hub)


def test_a_request_cut_off_halfway_is_not_applied_and_is_sent_again(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, _ = pair
    person = amy.s.cases.add(given_name="Sam", family_name="Okafor")
    note = write_note(amy, person, "Phoned the school")
    cut = FailThenSucceed(1, Fault.DROP_REQUEST, only=PUSH)
    with proxy.scheduled(cut), pytest.raises(HubUnreachable):
        amy.sync(attempts=0)
    assert ledger(hub).changes == [], "half a request changed the hub"
    report = amy.sync()
    assert (report.pushed.applied, report.pushed.duplicates) == (2, 0)
    assert set(ledger(hub).live("contact_note")) == {note}
    assert_exactly_once(hub, proxy)


@pytest.mark.parametrize("fault", [Fault.DUPLICATE, Fault.DUPLICATE_TOGETHER])
def test_a_push_that_reaches_the_hub_twice_is_applied_once(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub, fault: Fault
) -> None:
    amy, lead = pair
    person = amy.s.cases.add(given_name="Alex", family_name="Moss")
    amy.sync()
    amy.s.cases.update(person, education="Hillside Academy")
    notes = [write_note(amy, person, f"Visit {n}") for n in range(3)]
    with proxy.scheduled(EveryNth(1, fault, only=PUSH)):
        report = amy.sync()
    assert proxy.injected()[fault] >= 1
    assert report.pushed.applied + report.pushed.duplicates == 4
    if fault is Fault.DUPLICATE:  # the client hears the second copy's answer
        assert report.pushed.duplicates == 4
    found = ledger(hub)
    assert [op for _, op in found.changes_of("young_person", person)] == ["create", "update"]
    assert all(len(found.changes_of("contact_note", n)) == 1 for n in notes)
    assert_exactly_once(hub, proxy)
    lead.sync()
    assert lead.state_hash() == amy.state_hash()


def test_failing_as_many_times_as_the_retries_allow_still_gets_through(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, _ = pair
    person = amy.s.cases.add(given_name="Kai", family_name="Lund")
    with proxy.scheduled(FailThenSucceed(ATTEMPTS, Fault.DROP_REQUEST)):
        report = amy.sync(attempts=ATTEMPTS)
    assert report.pushed.applied == 1
    with proxy.scheduled(FailThenSucceed(ATTEMPTS + 1, Fault.DROP_REQUEST)):
        amy.s.cases.update(person, preferred_name="K")
        with pytest.raises(HubUnreachable):
            amy.sync(attempts=ATTEMPTS)
    assert proxy.injected()[Fault.DROP_REQUEST] == 2 * ATTEMPTS + 1
    amy.sync()
    assert ledger(hub).live("young_person")[person]["preferred_name"] == "K"
    assert_exactly_once(hub, proxy)
    assert_holds_its_scope(amy, hub)


def test_a_merge_not_yet_sent_keeps_its_change_through_a_second_conflict(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    """Found by test_sync_crash.py: a conflict's merge, queued and not yet on the hub, lost
    this laptop's change at the next conflict (the record's base had become the merge, so
    the change looked like the hub's already and the hub's copy without it won)."""
    amy, lead = pair
    person = amy.s.cases.add(given_name="Ash", family_name="Cole")
    amy.sync()
    lead.sync()
    amy.s.cases.update(person, preferred_name="Lexi")
    lead.s.cases.update(person, education="Hillside")
    lead.sync()
    # Amy's change conflicts with the lead's and is merged; the merge's own push is cut off.
    second = EveryNth(2, Fault.DROP_REQUEST, only=PUSH)
    with proxy.scheduled(second), pytest.raises(HubUnreachable):
        amy.sync(attempts=0)
    assert amy.records("young_person")[person]["preferred_name"] == "Lexi"
    lead.s.cases.update(person, education="Northgate")
    lead.sync()

    amy.sync()
    lead.sync()
    for device in (amy, lead):
        record = device.records("young_person")[person]
        assert (record["preferred_name"], record["education"]) == ("Lexi", "Northgate")
    assert amy.s.conflicts.count_open() == lead.s.conflicts.count_open() == 0
    assert_exactly_once(hub, proxy)


# Pull pages lost or read twice --------------------------------------------------------------------


def test_a_pull_page_lost_or_read_twice_moves_nothing_twice(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, lead = pair
    person = amy.s.cases.add(given_name="Robin", family_name="Ade")
    amy.sync()
    lead.sync()
    notes = [write_note(lead, person, f"Call {n}") for n in range(9)]
    lead.s.cases.update(person, education="Northgate")
    lead.sync()

    # Every second page's answer is lost after the hub served it: the cursor stays where the
    # last page that was written left it, and the page is read again.
    with proxy.scheduled(EveryNth(2, Fault.DROP_RESPONSE, only=PULL)) as schedule:
        report = amy.sync(page_size=2, attempts=ATTEMPTS)
    assert isinstance(schedule, EveryNth)
    assert schedule.due >= 3
    assert report.pulled.written == 10
    assert_holds_its_scope(amy, hub)
    assert set(amy.records("contact_note")) == set(notes)

    # A crash between writing a page and saving the cursor cannot happen (one transaction),
    # and a laptop is allowed to read again what it has: from the start, nothing is written.
    cursor, state = amy.s.sync.cursor(), amy.state_hash()
    amy.s.sync.restart_pull()
    again = amy.sync(page_size=2)
    assert (again.pulled.written, again.pulled.conflicts, again.pushed.applied) == (0, 0, 0)
    assert amy.s.sync.cursor() == cursor
    assert amy.state_hash() == state
    assert amy.s.conflicts.count_open() == 0


def test_a_sync_cut_off_between_pages_resumes_from_the_last_page_written(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub
) -> None:
    amy, lead = pair
    person = amy.s.cases.add(given_name="Casey", family_name="Bell")
    amy.sync()
    lead.sync()
    for n in range(6):
        write_note(lead, person, f"Visit {n}")
    lead.sync()

    # The third page's answer is lost and the laptop gives up: two pages are written, each
    # with its cursor, and the next sync goes on from there.
    third = EveryNth(3, Fault.DROP_RESPONSE, only=PULL)
    with proxy.scheduled(third), pytest.raises(HubUnreachable):
        amy.sync(page_size=2, attempts=0)
    part = amy.s.sync.cursor()
    assert len(amy.records("contact_note")) == 4
    assert part > 0
    amy.reopen()
    report = amy.sync(page_size=2)
    assert report.pulled.written == 2
    assert amy.s.sync.cursor() > part
    assert_holds_its_scope(amy, hub)


# Edits while a push is on the wire ----------------------------------------------------------------


@pytest.mark.parametrize("answer", [Fault.PASS, Fault.DROP_RESPONSE])
def test_an_edit_made_during_a_push_is_not_marked_as_synced(
    pair: tuple[Device, Device], proxy: FaultProxy, hub: Hub, answer: Fault
) -> None:
    amy, lead = pair
    person = amy.s.cases.add(given_name="Morgan", family_name="Reid")
    edited: list[int] = []

    def edit_while_on_the_wire(request: Request) -> None:
        # Runs while the engine waits for the hub's answer to the push of the new case.
        if request.path == PUSH and not edited:
            amy.s.cases.update(person, preferred_name="Mo")
            edited.append(request.number)

    proxy.on_request = edit_while_on_the_wire
    with proxy.scheduled(FailThenSucceed(1, answer, only=PUSH)):
        report = amy.sync(attempts=ATTEMPTS)
    proxy.on_request = None
    assert edited, "no push went through the proxy"
    # The create was answered (at once, or on the retry) and the edit was sent after it, on
    # the create's sequence: no conflict with itself, nothing lost.
    assert report.pushed.applied + report.pushed.duplicates >= 2
    assert report.pushed.conflicts == 0
    found = ledger(hub)
    assert [op for _, op in found.changes_of("young_person", person)] == ["create", "update"]
    assert found.live("young_person")[person]["preferred_name"] == "Mo"
    assert amy.records("young_person")[person]["preferred_name"] == "Mo"
    assert_exactly_once(hub, proxy)
    lead.sync()
    assert lead.records("young_person")[person]["preferred_name"] == "Mo"


# Random faults, three laptops ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_laptops_converge_after_random_faults(
    laptops: dict[str, Device], proxy: FaultProxy, hub: Hub, seed: int
) -> None:
    """Seeded random work on four laptops (each changes its own field of a case, so nothing
    contests) synced through random drops and repeats; then the network is quiet."""
    rng = random.Random(seed)
    #: Which field each laptop changes (one each, so no two laptops contest one).
    fields = {
        "north-amy": "preferred_name",
        "north-amy#2": "education",
        "north-lead": "legal_status",
        "north-ben": "preferred_name",  # Ben's own cases: no other practitioner reaches them
    }
    cases: dict[str, list[str]] = {"north-amy": [], "north-ben": []}
    notes: set[str] = set()
    with proxy.scheduled(Seeded(seed, rate=0.35)):
        for step in range(24):
            name = rng.choice(sorted(laptops))
            device = laptops[name]
            owner = "north-ben" if name == "north-ben" else "north-amy"
            mine = [c for c in cases[owner] if c in device.records("young_person")]
            if name != "north-lead" and (not mine or rng.random() < 0.2):
                made = device.s.cases.add(given_name="Case", family_name=f"{seed}-{step}")
                cases[owner].append(made)
            elif mine and rng.random() < 0.5:
                device.s.cases.update(rng.choice(mine), **{fields[name]: f"{name} {step}"})
            elif mine:
                notes.add(write_note(device, rng.choice(mine), f"Step {step}"))
            if rng.random() < 0.6:
                # When the faults win a sync, the next one carries on.
                with contextlib.suppress(HubUnreachable):
                    device.sync(attempts=2, page_size=3)
        assert sum(proxy.injected().values()) >= 5
    for _ in range(2):
        for device in laptops.values():
            device.sync()
    for name, device in laptops.items():
        assert device.s.conflicts.count_open() == 0, f"{name}: a conflict from a fault"
        assert_holds_its_scope(device, hub)
    amy, amy2 = laptops["north-amy"], laptops["north-amy#2"]
    assert amy.state_hash() == amy2.state_hash()
    found = ledger(hub)
    assert set(found.live("contact_note")) == notes
    assert all(len(found.changes_of("contact_note", n)) == 1 for n in notes)
    assert_exactly_once(hub, proxy)


def test_laptops_syncing_at_the_same_time_miss_nothing(
    laptops: dict[str, Device], proxy: FaultProxy, hub: Hub
) -> None:
    """Four laptops sync at once, round after round, with requests held back at random (so
    pushes and pulls overlap on the hub): no pull skips a change committed behind it."""
    amy = laptops["north-amy"]
    person = amy.s.cases.add(given_name="Jamie", family_name="Fox")
    for device in laptops.values():
        device.sync()
    writers = ("north-amy", "north-amy#2", "north-lead")  # Ben only syncs: not his case
    notes: dict[str, set[str]] = {name: set() for name in writers}
    barrier = threading.Barrier(len(laptops))

    def work(name: str) -> None:
        device = laptops[name]
        for round_ in range(4):
            if name in writers:
                notes[name].add(write_note(device, person, f"{name} round {round_}"))
            barrier.wait(timeout=60)
            device.sync()

    delays = Seeded(7, rate=0.5, faults=(Fault.DELAY,), in_a_row=10)
    with proxy.scheduled(delays), ThreadPoolExecutor(max_workers=len(laptops)) as pool:
        for done in [pool.submit(work, name) for name in laptops]:
            done.result()
    assert proxy.injected()[Fault.DELAY] >= 5
    for device in laptops.values():  # one quiet round brings every laptop the last changes
        device.sync()
    written = set().union(*notes.values())
    for name in writers:
        assert set(laptops[name].records("contact_note")) == written, name
    for device in laptops.values():
        assert_holds_its_scope(device, hub)
    assert_exactly_once(hub, proxy)
