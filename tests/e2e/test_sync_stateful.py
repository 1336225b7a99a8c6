"""Randomised stateful sync (hypothesis): three laptops of one team — a practitioner's two
laptops and her team lead's — do random work against the real hub on loopback, through
``FaultProxy``: new cases, field edits, finalised notes, plan sections, syncs (quiet or through
dropped and repeated requests), restarts, and conflict resolutions.

While it runs, no laptop reads back in time (a record's hub sequence and the cursor never go
down) and no conflict is resolved except by the resolve rule. After the last step the network
is quiet and every laptop resolves what it has open (always keeping its own side) and syncs
until nothing moves. Then:

- every laptop holds exactly what the hub serves it, so all three hold the same;
- the hub's tables show each change made by exactly one applied mutation, and every mutation
  a laptop was told was applied is there (``faultproxy.Ledger.problems``);
- every finalised note is on the hub once and on every laptop;
- every field and plan section ends with the last value written to it, unless a laptop had
  a conflict over it (then a person chose), and none ends with a value nobody wrote;
- no conflict is open, none was resolved except by the explicit rule, nothing was refused.

Each example gets a team and users of its own on the one hub, so examples do not see each
other's cases. Failing sequences found while building this are kept below as plain tests that
replay their steps.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from hubdesk.models import RECORD_KINDS, SafetyPlan, SyncConflict
from hubdesk.server.hub import Hub
from hubdesk.server.tables import Role
from hubdesk.services import Services
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
from hubdesk.sync.transport import HubUnreachable
from hubdesk.timeutil import utcnow
from tests.conftest import passphrase
from tests.e2e.devices import Device
from tests.e2e.faultproxy import (
    DISRUPTIVE,
    CutOffAfter,
    Fault,
    FaultProxy,
    Seeded,
    hub_scope,
    ledger,
)
from tests.server.conftest import PASSWORD, Org, Served

pytestmark = pytest.mark.slow

LAPTOPS = ("amy", "amy#2", "lead")
CASE_FIELDS = ("preferred_name", "education", "gender", "legal_status")
PLAN_SECTIONS = ("what_worries_me", "what_i_want", "people_i_trust", "code_word")
#: Few words, so two laptops often write the same value, or different values to one field.
WORDS = ("Sky", "River", "Oak", "Fern")
#: Quiet sync rounds allowed before the laptops must have stopped moving.
QUIET_ROUNDS = 6
SETTINGS = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,  # the same examples on every run
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class World:
    """One example's team on the shared hub, its laptops, and what the test did to them."""

    hub: Hub
    proxy: FaultProxy
    folder: Path
    laptops: dict[str, Device] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)
    #: (kind, record id, field path) → every value written to it, in order.
    written: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)
    #: Conflict ids resolved by the resolve rule, per laptop.
    resolved: dict[str, set[str]] = field(default_factory=dict)
    #: The highest hub sequence each laptop has held for each record, and its cursor.
    seen: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, hub: Hub, proxy: FaultProxy, folder: Path, number: int) -> World:
        team = f"Stateful {number}"
        hub.create_team(team)
        users = {
            "amy": (f"s{number}-amy", Role.PRACTITIONER),
            "lead": (f"s{number}-lead", Role.TEAM_LEAD),
        }
        for username, role in users.values():
            hub.create_user(username, role=role, password=PASSWORD, team=team)
        world = cls(hub, proxy, folder / f"example-{number}")
        for name in LAPTOPS:
            username = users[name.split("#")[0]][0]
            # Each example from an address of its own: all of them from one address would
            # soon meet the hub's limit on sign-ins from one address.
            address = f"192.0.2.{number % 250 + 1}"
            world.laptops[name] = enrolled(hub, world.folder / name, proxy.url, username, address)
            world.resolved[name] = set()
            world.seen[name], world.cursors[name] = {}, 0
        return world

    def close(self) -> None:
        for device in self.laptops.values():
            device.close()

    # Work -----------------------------------------------------------------------------------------

    def cases(self, name: str) -> list[str]:
        return sorted(self.laptops[name].records("young_person"))

    def pick_case(self, name: str, pick: int) -> str | None:
        cases = self.cases(name)
        return cases[pick % len(cases)] if cases else None

    def create_case(self, name: str) -> str:
        return self.laptops[name].s.cases.add(given_name="Case", family_name=name)

    def edit_field(self, name: str, pick: int, column: str, value: str) -> None:
        person = self.pick_case(name, pick)
        if person is None:
            return
        self.laptops[name].s.cases.update(person, **{column: value})
        self.written.setdefault(("young_person", person, column), []).append(value)

    def write_note(self, name: str, pick: int, words: str) -> None:
        person = self.pick_case(name, pick)
        if person is None:
            return
        notes = self.laptops[name].s.notes
        note = notes.add(
            person, kind="phone", occurred_at=utcnow() - timedelta(hours=1), narrative=words
        )
        notes.finalise(note)
        self.notes.add(note)

    def edit_plan(self, name: str, pick: int, section: str, value: str) -> None:
        person = self.pick_case(name, pick)
        if person is None:
            return
        plans = self.laptops[name].s.plans
        plan_id = self.plan_of(name, person) or plans.create(young_person_id=person)
        latest = plans.plan(plan_id).latest
        assert latest is not None
        content = {**latest.content, section: value}
        version = plans.save_draft(plan_id, content=content)
        self.written.setdefault(("plan_version", version, section), []).append(value)

    def plan_of(self, name: str, person: str) -> str | None:
        with self.laptops[name].vault.read() as session:
            found = session.scalars(
                select(SafetyPlan.id)
                .where(SafetyPlan.young_person_id == person, SafetyPlan.deleted_at.is_(None))
                .order_by(SafetyPlan.id)
            ).first()
            return str(found) if found is not None else None

    def sync(self, name: str) -> bool:
        """One quiet sync; True when something moved."""
        report = self.laptops[name].sync()
        self.check_not_back_in_time(name)
        s, r = report.pushed, report.pulled
        return bool(s.applied + s.duplicates + s.conflicts + s.rejected + r.written + r.conflicts)

    def sync_through_faults(self, name: str, seed: int, attempts: int) -> None:
        faults = Seeded(seed, rate=0.5, faults=DISRUPTIVE)
        # When the faults win, the sync stops part-way; the next one goes on from there.
        with self.proxy.scheduled(faults), contextlib.suppress(HubUnreachable):
            self.laptops[name].sync(attempts=attempts, page_size=2)
        self.check_not_back_in_time(name)

    def sync_cut_off(self, name: str, after: int, fault: Fault) -> None:
        """A sync whose network goes away after ``after`` requests, with no retries."""
        with self.proxy.scheduled(CutOffAfter(after, fault)), contextlib.suppress(HubUnreachable):
            self.laptops[name].sync(attempts=0, page_size=2)
        self.check_not_back_in_time(name)

    def restart(self, name: str) -> None:
        self.laptops[name].reopen()

    def resolve(self, name: str) -> None:
        """Resolve every open conflict on one laptop, keeping this laptop's side."""
        conflicts = self.laptops[name].s.conflicts
        for found in conflicts.open_conflicts():
            if found.is_removal:
                conflicts.resolve(found.id, keep="mine")
            else:
                conflicts.resolve(found.id, {f.path: "mine" for f in found.fields})
            self.resolved[name].add(found.id)

    # Checks ---------------------------------------------------------------------------------------

    def check_not_back_in_time(self, name: str) -> None:
        device = self.laptops[name]
        cursor = device.s.sync.cursor()
        assert cursor >= self.cursors[name], f"{name}: the cursor went back"
        self.cursors[name] = cursor
        seen = self.seen[name]
        with device.vault.read() as session:
            for kind, cls in RECORD_KINDS.items():
                for record_id, seq in session.execute(
                    select(cls.id, cls.server_seq).where(cls.server_seq.is_not(None))
                ):
                    before = seen.get((kind, record_id), 0)
                    assert seq is not None
                    assert seq >= before, f"{name}: {kind} went back from {before} to {seq}"
                    seen[(kind, record_id)] = seq

    def check_resolved_only_by_the_rule(self) -> None:
        for name, device in self.laptops.items():
            with device.vault.read() as session:
                resolved = set(
                    session.scalars(
                        select(SyncConflict.id).where(SyncConflict.resolved_at.is_not(None))
                    )
                )
            assert resolved <= self.resolved[name], f"{name}: a conflict resolved by itself"

    def contested(self) -> set[tuple[str, str, str]]:
        """(kind, record id, field path) of every field any laptop has had a conflict over
        (a removal conflict covers every field)."""
        found: set[tuple[str, str, str]] = set()
        for device in self.laptops.values():
            with device.vault.read() as session:
                for c in session.scalars(select(SyncConflict)):
                    paths = c.fields or [
                        *CASE_FIELDS,
                        *(f"content.{section}" for section in PLAN_SECTIONS),
                    ]
                    found |= {(c.kind, c.record_id, path) for path in paths}
        return found

    def settle(self) -> None:
        """Quiet network: resolve and sync every laptop until a whole round moves nothing."""
        for _ in range(QUIET_ROUNDS):
            moved = False
            for name in LAPTOPS:
                self.resolve(name)
                moved |= self.sync(name)
            if not moved and not any(d.s.conflicts.count_open() for d in self.laptops.values()):
                return
        raise AssertionError(f"the laptops were still moving after {QUIET_ROUNDS} quiet rounds")

    def check_converged(self) -> None:
        hashes = {name: device.state_hash() for name, device in self.laptops.items()}
        assert len(set(hashes.values())) == 1, f"the laptops differ: {hashes}"
        amy = self.laptops["amy"]
        link = amy.s.hub.link()
        assert link is not None
        for kind, records in hub_scope(self.hub, link.token).items():
            assert amy.records(kind) == records, f"{kind} differs from the hub"
        problems = ledger(self.hub).problems(self.proxy.acknowledged)
        assert problems == [], problems[:5]
        found = ledger(self.hub)
        for note in self.notes:
            assert len(found.changes_of("contact_note", note)) == 1, "a note is not on the hub once"
            assert note in amy.records("contact_note")
        contested = self.contested()
        for (kind, record_id, path), values in self.written.items():
            record = amy.records(kind).get(record_id)
            assert record is not None, f"{kind} {record_id} was lost"
            final = record["content"][path] if kind == "plan_version" else record[path]
            assert final in values, f"{path} ends with a value nobody wrote"
            # The last value written stands, unless a person chose another in a conflict.
            where = f"content.{path}" if kind == "plan_version" else path
            if (kind, record_id, where) not in contested:
                assert final == values[-1], f"the last value written to {path} was lost"
        for name, device in self.laptops.items():
            assert device.s.conflicts.count_open() == 0
            assert device.s.sync.rejected() == [], f"{name}: a change was refused"
            assert device.s.sync.pending_count() == 0
        self.check_resolved_only_by_the_rule()


def enrolled(hub: Hub, folder: Path, url: str, username: str, address: str) -> Device:
    """A fresh vault enrolled as ``username`` (``devices.new_device``, with the hub's own
    enrolment called in this process, from ``address``), reaching the hub at ``url``."""
    vault = Vault.create(folder, passphrase(), username, TEST_KDF)
    key = new_device_key()
    done = hub.enrol(
        username=username,
        password=PASSWORD,
        address=address,
        device_id=vault.device_id,
        device_name=f"{username} test laptop",
        csr_pem=make_csr(key, vault.device_id, username).decode("ascii"),
    )
    answer = p.EnrolResponse(
        device_id=uuid.UUID(vault.device_id),
        device_token=done.token,
        certificate_pem=done.certificate_pem,
        ca_certificate_pem=done.ca_certificate_pem,
        epoch=done.epoch,
        user=p.Me(
            username=username,
            display_name=done.user.display_name,
            role=done.user.role,
            team=done.team,
        ),
    )
    Services(vault).hub.save_enrolment(url, answer, private_key_pem(key))
    return Device(username, folder, url, vault)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    @initialize()
    def a_case_on_every_laptop(self) -> None:
        """Start from one case every laptop has, so the first steps already contest it."""
        self.world.create_case("amy")
        for name in LAPTOPS:
            self.world.sync(name)

    @rule(name=st.sampled_from(("amy", "amy#2")))
    def create_case(self, name: str) -> None:
        self.world.create_case(name)

    @rule(
        name=st.sampled_from(LAPTOPS),
        pick=st.integers(0, 1),
        column=st.sampled_from(CASE_FIELDS),
        value=st.sampled_from(WORDS),
    )
    def edit_field(self, name: str, pick: int, column: str, value: str) -> None:
        self.world.edit_field(name, pick, column, value)

    @rule(name=st.sampled_from(LAPTOPS), pick=st.integers(0, 1), words=st.sampled_from(WORDS))
    def write_note(self, name: str, pick: int, words: str) -> None:
        self.world.write_note(name, pick, words)

    @rule(
        name=st.sampled_from(LAPTOPS),
        pick=st.integers(0, 1),
        section=st.sampled_from(PLAN_SECTIONS),
        value=st.sampled_from(WORDS),
    )
    def edit_plan(self, name: str, pick: int, section: str, value: str) -> None:
        self.world.edit_plan(name, pick, section, value)

    @rule(name=st.sampled_from(LAPTOPS))
    def sync(self, name: str) -> None:
        self.world.sync(name)

    @rule(name=st.sampled_from(LAPTOPS), seed=st.integers(0, 2**16), attempts=st.integers(0, 1))
    def sync_through_faults(self, name: str, seed: int, attempts: int) -> None:
        self.world.sync_through_faults(name, seed, attempts)

    @rule(
        name=st.sampled_from(LAPTOPS),
        after=st.integers(0, 4),
        fault=st.sampled_from((Fault.DROP_REQUEST, Fault.DROP_RESPONSE)),
    )
    def sync_cut_off(self, name: str, after: int, fault: Fault) -> None:
        self.world.sync_cut_off(name, after, fault)

    @rule(name=st.sampled_from(LAPTOPS))
    def restart(self, name: str) -> None:
        self.world.restart(name)

    @rule(name=st.sampled_from(LAPTOPS))
    def resolve(self, name: str) -> None:
        self.world.resolve(name)

    @invariant()
    def conflicts_are_resolved_only_by_the_rule(self) -> None:
        self.world.check_resolved_only_by_the_rule()

    def teardown(self) -> None:
        try:
            self.world.settle()
            self.world.check_converged()
        finally:
            self.world.close()


@pytest.fixture
def proxy(served: Served) -> Iterator[FaultProxy]:
    with FaultProxy(served.base) as made:
        yield made


def test_random_work_on_three_laptops_converges(
    org: Org, hub: Hub, proxy: FaultProxy, tmp_path: Path
) -> None:
    numbers = itertools.count(1)

    class Machine(SyncMachine):
        def __init__(self) -> None:
            super().__init__(World.start(hub, proxy, tmp_path, next(numbers)))

    run_state_machine_as_test(Machine, settings=SETTINGS)
    assert next(numbers) > SETTINGS.max_examples, "fewer examples ran than asked for"


# Sequences kept as plain tests -----------------------------------------------------------------


@pytest.fixture
def world(org: Org, hub: Hub, proxy: FaultProxy, tmp_path: Path) -> Iterator[World]:
    made = World.start(hub, proxy, tmp_path, 0)
    made.create_case("amy")
    for name in LAPTOPS:
        made.sync(name)
    yield made
    made.close()


def test_a_merge_cut_off_before_it_is_sent_survives_a_second_change_on_the_hub(
    world: World,
) -> None:
    """The lost-merge bug (fixed in ``SyncService._merge_in``): Amy's change conflicts with
    the lead's and is merged, the network goes before the merge is sent, the lead changes the
    case again; Amy's change must still reach everyone."""
    world.edit_field("amy", 0, "preferred_name", "Sky")
    world.edit_field("lead", 0, "education", "Oak")
    world.sync("lead")
    world.sync_cut_off("amy", 1, Fault.DROP_REQUEST)  # the push conflicts; its merge is cut
    world.edit_field("lead", 0, "education", "Fern")
    world.sync("lead")
    world.settle()
    world.check_converged()
