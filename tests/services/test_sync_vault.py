"""The vault's side of sync without a hub: what ``SyncService`` sends, how it settles answers,
what it writes from a pulled page, and the check's count and digest.

``PaperHub`` stands in for the hub: every mutation it gets is applied, under the next
sequence, and it serves each record's newest copy (tombstones included) in sequence order.
A fresh laptop's records written from a page in bulk must be exactly what the per-record path
writes: the same rows, bases and search entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from hubdesk.models import (
    RECORD_KINDS,
    SYNC_INDEXES,
    ContactNote,
    OutboxEntry,
    OutboxSent,
    SyncBase,
)
from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.services.notes import note_doc
from hubdesk.services.plans import ActionInput
from hubdesk.services.sync import UnreadableFromHub, _sent_query
from hubdesk.services.sync_check import _sums_sql
from hubdesk.store import search
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from hubdesk.sync.fields import unfit_field
from tests.conftest import passphrase

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FAKER_SEED = 6


@dataclass
class PaperHub:
    """Applies every mutation under the next sequence; serves each record's newest copy."""

    seq: int = 0
    held: dict[tuple[str, str], p.Change] = field(default_factory=dict)

    def answer(self, batch: list[p.Mutation]) -> list[p.MutationResult]:
        results = []
        for m in batch:
            self.seq += 1
            deleted = m.op == "delete"
            self.held[(m.kind, m.record_id)] = p.Change(
                seq=self.seq,
                kind=m.kind,
                record_id=m.record_id,
                young_person_id=m.record_id if m.kind == "young_person" else m.young_person_id,
                deleted=deleted,
                content={} if deleted else dict(m.content),
            )
            results.append(
                p.MutationResult(mutation_id=m.mutation_id, status="applied", seq=self.seq)
            )
        return results

    def changes(self, after: int = 0) -> list[p.Change]:
        """What it holds changed after the cursor ``after``, oldest first."""
        return sorted((c for c in self.held.values() if c.seq > after), key=lambda c: c.seq)

    def page(self, changes: list[p.Change] | None = None) -> p.ChangePage:
        found = self.changes() if changes is None else changes
        return p.ChangePage(
            changes=found,
            next_cursor=max((c.seq for c in found), default=0),
            has_more=False,
            epoch="paper",
        )

    def push_all(self, laptop: Services) -> int:
        """Send everything waiting, as the engine does; how many mutations went."""
        sent = 0
        while batch := laptop.sync.next_batch(3):  # small batches: several rounds
            laptop.sync.record_results(self.answer(batch))
            sent += len(batch)
        return sent


def another_vault(folder: Path) -> Iterator[Services]:
    vault = Vault.create(folder, passphrase(), "north-lead", TEST_KDF)
    try:
        yield Services(vault, clock=lambda: NOW)
    finally:
        vault.close()


@pytest.fixture
def lead(tmp_path: Path) -> Iterator[Services]:
    yield from another_vault(tmp_path / "lead")


@pytest.fixture
def third(tmp_path: Path) -> Iterator[Services]:
    yield from another_vault(tmp_path / "third")


def caseload(s: Services) -> dict[str, str]:
    """A little of everything that syncs: the ids of some of it by name."""
    amy = s.cases.add(given_name="Siobhán", family_name="O'Neill", preferred_name="Shiv")
    ben = s.cases.add(given_name="Ben", family_name="Okafor")
    note = s.notes.add(
        amy, kind="home_visit", occurred_at=NOW - timedelta(days=2), narrative="Lighthouse walk"
    )
    s.notes.finalise(note)
    s.notes.add_addendum(note, "Mum joined us at the harbour.")
    second = s.notes.add(
        ben, kind="school", occurred_at=NOW - timedelta(days=1), narrative="Talked at lunch"
    )
    s.notes.finalise(second)
    plan = s.plans.create(young_person_id=amy)
    s.plans.save_draft(
        plan,
        content={"what_i_want": "To feel safe on the bus"},
        review_date=date(2026, 12, 24),
        actions=[ActionInput(what="Walk to school together", owner="Youth worker")],
    )
    place = s.contexts.create(kind="place", name="Harbour car park")
    s.contexts.link(amy, place, why="Seen there late at night")
    return {"amy": amy, "ben": ben, "note": note, "plan": plan, "place": place}


def rows(s: Services, kind: str) -> dict[str, dict[str, Any]]:
    """Every record of a kind as stored: id → every column but the local ``updated_at``."""
    table = RECORD_KINDS[kind].__table__
    with s.vault.read() as session:
        found = session.connection().execute(select(table)).mappings()
        return {r["id"]: {k: v for k, v in r.items() if k != "updated_at"} for r in found}


def bases(s: Services) -> dict[tuple[str, str], tuple[int, bool, dict[str, Any]]]:
    with s.vault.read() as session:
        return {
            (b.kind, b.record_id): (b.seq, b.deleted, b.content)
            for b in session.scalars(select(SyncBase))
        }


def index_bodies(s: Services) -> dict[str, tuple[str, str | None, str]]:
    with s.vault.read() as session:
        found = session.execute(
            text(
                "SELECT d.record_id, d.record_kind, d.young_person_id, f.body FROM search_doc d "
                "JOIN search_fts f ON f.rowid = d.fts_rowid"
            )
        )
        return {r[0]: (r[1], r[2], r[3]) for r in found}


def waiting(s: Services) -> list[tuple[str, str, str, str]]:
    with s.vault.read() as session:
        return [
            (r.kind, r.record_id, r.op, r.state)
            for r in session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))
        ]


def plain_digest(s: Services, kind: str, young_people: set[str]) -> p.KindSummary:
    """The check's figure worked out the slow, obvious way: every live record of the kind, its
    case found record by record, hashed by ``protocol.scope_digest``."""
    from hubdesk.store.outbox import young_person_of

    cls = RECORD_KINDS[kind]
    found = []
    with s.vault.read() as session:
        synced = select(cls).where(cls.server_seq.is_not(None), cls.deleted_at.is_(None))
        for record in session.scalars(synced):
            case = young_person_of(session.connection(), record)
            if case is None or case in young_people:
                assert record.server_seq is not None
                found.append((record.id, record.server_seq))
    return p.KindSummary(count=len(found), digest=p.scope_digest(found))


# Pull -------------------------------------------------------------------------------------


def test_a_fresh_laptop_holds_exactly_what_was_sent(fixed: Services, lead: Services) -> None:
    hub = PaperHub()
    made = caseload(fixed)
    hub.push_all(fixed)
    assert waiting(fixed) == []

    tally = lead.sync.apply_page(hub.page())

    assert tally.written == len(hub.held)
    assert tally.conflicts == tally.deleted == 0
    for kind in RECORD_KINDS:
        assert {k: content_of_row(v) for k, v in rows(lead, kind).items()} == {
            k: content_of_row(v) for k, v in rows(fixed, kind).items()
        }, kind
    assert bases(lead) == bases(fixed)
    assert ("contact_note", made["note"]) not in bases(lead)  # append-only: never merged
    assert bases(lead)[("young_person", made["amy"])][2]["family_name"] == "O'Neill"
    assert index_bodies(lead) == index_bodies(fixed)
    assert [h.record_id for h in lead.search.search("harbour")] == [made["note"]]
    assert [h.record_id for h in lead.search.search("oneill")] == [made["amy"]]
    assert waiting(lead) == []  # the hub's word is not sent back
    assert lead.sync.cursor() == hub.seq


def both_hold_a_caseload(fixed: Services, lead: Services) -> tuple[PaperHub, dict[str, str], int]:
    """A caseload made on ``fixed``, sent to a paper hub and read by ``lead``: the hub, the
    caseload's ids by name, and the cursor both laptops are at."""
    hub = PaperHub()
    made = caseload(fixed)
    hub.push_all(fixed)
    lead.sync.apply_page(hub.page())
    return hub, made, hub.seq


def content_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row without what is this laptop's own: its local version counter."""
    return {k: v for k, v in row.items() if k != "version"}


def test_records_written_in_bulk_match_those_written_one_by_one(
    fixed: Services, lead: Services, third: Services
) -> None:
    hub = PaperHub()
    caseload(fixed)
    hub.push_all(fixed)
    changes = hub.changes()

    lead.sync.apply_page(hub.page())  # all new to the lead: written in bulk
    # The same changes, each twice in its page: one that repeats is written on its own.
    third.sync.apply_page(hub.page([c for change in changes for c in (change, change)]))

    for kind in RECORD_KINDS:
        assert rows(lead, kind) == rows(third, kind), kind
    assert bases(lead) == bases(third)
    assert index_bodies(lead) == index_bodies(third)


def test_content_from_another_version_of_hubdesk_is_written_as_one_by_one(
    lead: Services, third: Services
) -> None:
    """A note from an older HubDesk (no ``present``) and a newer one (a field unknown here):
    the missing column takes its default, the unknown one is left out, and the index holds
    the note as the stored record reads. A live record is live, whatever its content says."""
    person = p.Change(
        seq=1,
        kind="young_person",
        record_id=str(uuid.uuid4()),
        young_person_id=None,
        deleted=False,
        content={"given_name": "Nia", "family_name": "Hughes", "created_at": NOW.isoformat()},
    )
    note = p.Change(
        seq=2,
        kind="contact_note",
        record_id=str(uuid.uuid4()),
        young_person_id=person.record_id,
        deleted=False,
        content={
            "young_person_id": person.record_id,
            "kind": "phone",
            "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
            "narrative": "Rang about the lighthouse trip",
            "author": "Amy",
            "created_at": NOW.isoformat(),
            "status": "finalised",
            "deleted_at": NOW.isoformat(),  # the hub's word is that it is not deleted
            "mood": "hopeful",
        },
    )
    lead.sync.apply_page(PaperHub().page([person, note]))
    third.sync.apply_page(PaperHub().page([person, person, note, note]))

    assert rows(lead, "contact_note") == rows(third, "contact_note")
    [stored] = rows(lead, "contact_note").values()
    assert stored["present"] == ""
    assert stored["finalised_at"] is None
    assert stored["deleted_at"] is None
    assert stored["occurred_at"] == NOW - timedelta(hours=3)
    with lead.vault.read() as session:
        record = session.get(ContactNote, note.record_id)
        assert record is not None
        expected = note_doc(record, [])
    assert index_bodies(lead)[note.record_id] == (
        expected.record_kind,
        expected.young_person_id,
        expected.body,
    )
    assert [h.record_id for h in lead.search.search("lighthouse")] == [note.record_id]


def person_change(seq: int, record_id: str, content: dict[str, Any]) -> p.Change:
    """The hub's copy of a young person's record, as a page serves it."""
    return p.Change(
        seq=seq,
        kind="young_person",
        record_id=record_id,
        young_person_id=record_id,
        deleted=False,
        content=content,
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("level", "extreme", "level"),  # a choice a newer HubDesk knows
        ("date_of_birth", "14th May", "date of birth"),
        ("referral_date", 20261127, "referral date"),
        ("flag_missing", "yes", "flag missing"),
        ("status", None, "status"),  # never empty here
        ("harm_types", None, "harm types"),
        ("given_name", {"first": "Nia"}, "given name"),  # a text here
    ],
)
def test_a_page_this_version_cannot_write_is_refused_in_words_and_nothing_is_taken(
    fixed: Services, field: str, value: Any, words: str
) -> None:
    """Nothing of the page is written (the readable record before it neither), the cursor
    stays, and the person is told which record and what to do, never the value itself."""
    hub = PaperHub()
    made = fixed.cases.add(given_name="Nia", family_name="Hughes")
    hub.push_all(fixed)
    cursor = fixed.sync.cursor()
    readable = person_change(
        hub.seq + 1,
        str(uuid.uuid4()),
        {"given_name": "Rhys", "family_name": "Evans", "level": "significant"},
    )
    unreadable = person_change(
        hub.seq + 2,
        made,
        {"given_name": "Nia", "family_name": "Hughes", "level": "moderate", field: value},
    )
    before = rows(fixed, "young_person")

    with pytest.raises(UnreadableFromHub) as refused:
        fixed.sync.apply_page(hub.page([readable, unreadable]))

    assert refused.value.message == (
        f"The hub sent a young person's record (id {made}) whose {words} this version of "
        "HubDesk cannot read, so nothing more was taken from the hub. Changes made on this "
        "laptop are kept here and sent at each sync. Update HubDesk on this laptop; if it is "
        "up to date, tell the hub's IT team."
    )
    assert str(value) not in refused.value.message
    assert rows(fixed, "young_person") == before
    assert fixed.sync.cursor() == cursor


def test_every_kind_takes_back_what_it_sends(fixed: Services) -> None:
    """The check refuses nothing HubDesk itself writes: every record of a caseload, as sent."""
    caseload(fixed)
    hub = PaperHub()
    hub.push_all(fixed)
    assert {c.kind for c in hub.changes()} >= {"young_person", "contact_note", "plan_version"}
    for change in hub.changes():
        assert unfit_field(change.kind, change.content) is None


def test_a_page_applies_changes_to_records_here_and_leaves_its_own_alone(
    fixed: Services, lead: Services
) -> None:
    hub, made, cursor = both_hold_a_caseload(fixed, lead)

    lead.cases.update(made["ben"], preferred_name="Benji")  # changed on the lead's laptop
    hub.push_all(lead)
    fixed.cases.update(made["amy"], preferred_name="Siob")
    fixed.contexts.unlink(link_of(fixed, made["amy"]), "Not seen there since May")
    hub.push_all(fixed)
    lead.sync.apply_page(hub.page(hub.changes(after=cursor)))
    lead.cases.update(made["amy"], legal_status="Looked after")
    hub.push_all(lead)
    fixed.cases.update(made["amy"], preferred_name="Sia")  # waiting: merged, not overwritten

    newer = hub.changes(after=cursor)
    assert fixed.sync.deletions_in(newer) == 0  # the unlink was made here: already deleted
    tally = fixed.sync.apply_page(hub.page(newer))

    assert tally.conflicts == 0
    assert tally.deleted == 0
    amy = rows(fixed, "young_person")[made["amy"]]
    assert (amy["preferred_name"], amy["legal_status"]) == ("Sia", "Looked after")
    assert rows(fixed, "young_person")[made["ben"]]["preferred_name"] == "Benji"
    assert [(k, op) for k, _, op, _ in waiting(fixed)] == [("young_person", "update")]


def link_of(s: Services, person: str) -> str:
    [found] = [i for i, r in rows(s, "context_link").items() if r["young_person_id"] == person]
    return found


def test_removals_are_counted_before_they_are_written(fixed: Services, lead: Services) -> None:
    hub, made, cursor = both_hold_a_caseload(fixed, lead)
    assert lead.sync.live_count() == len(hub.held)

    fixed.contexts.unlink(link_of(fixed, made["amy"]), "Moved away")
    hub.push_all(fixed)
    newer = hub.changes(after=cursor)
    unknown = p.Change(
        seq=hub.seq + 1,
        kind="meeting",
        record_id=str(uuid.uuid4()),
        young_person_id=None,
        deleted=True,
        content={},
    )
    assert lead.sync.deletions_in([*newer, *newer]) == 1  # the same record counts once
    assert lead.sync.deletions_in([unknown]) == 0
    assert lead.sync.apply_page(hub.page(newer)).deleted == 1
    assert lead.sync.deletions_in(newer) == 0  # removed already
    assert lead.sync.live_count() == len(hub.held) - 1


# Push -------------------------------------------------------------------------------------


def test_a_batch_leaves_out_records_in_flight(fixed: Services) -> None:
    hub = PaperHub()
    first = fixed.cases.add(given_name="Ada", family_name="Reyes")
    second = fixed.cases.add(given_name="Bea", family_name="Quinn")
    batch = fixed.sync.next_batch()
    assert {m.record_id for m in batch} == {first, second}
    fixed.cases.update(first, preferred_name="Addy")  # its next change waits for the answer
    third = fixed.cases.add(given_name="Cal", family_name="Parr")
    in_flight = {(m.kind, m.record_id) for m in batch}

    following = fixed.sync.next_batch(excluding=in_flight)

    assert [m.record_id for m in following] == [third]
    assert fixed.sync.next_batch(1, excluding={("young_person", first)}) == [
        m for m in batch if m.record_id == second
    ]  # the limit counts what is left in, and a retry is the very same mutation
    fixed.sync.record_results(hub.answer(batch))
    after = {m.record_id: m for m in fixed.sync.next_batch()}
    assert after.keys() == {first, third}
    assert after[third] == following[0]
    update = after[first]
    assert (update.record_id, update.op, update.content["preferred_name"]) == (
        first,
        "update",
        "Addy",
    )
    assert update.base_seq == hub.held[("young_person", first)].seq


def test_a_batch_is_stamped_before_it_leaves_and_resent_unchanged(fixed: Services) -> None:
    caseload(fixed)
    batch = fixed.sync.next_batch(4)
    with fixed.vault.read() as session:
        sent = session.scalars(select(OutboxEntry).join(OutboxSent))
        assert sorted(r.mutation_id for r in sent) == sorted(str(m.mutation_id) for m in batch)
        stamps = session.scalars(select(OutboxSent)).all()
        assert {s.sent_at for s in stamps} == {NOW}
        assert {s.base_seq for s in stamps} == {None}
    assert fixed.sync.next_batch(4) == batch
    assert [m.kind for m in batch] == ["young_person", "young_person", "contact_note", "addendum"]
    assert all(m.base_seq is None for m in batch)


def test_each_answer_is_settled(fixed: Services) -> None:
    hub = PaperHub()
    made = caseload(fixed)
    batch = fixed.sync.next_batch(3)
    [amy, ben, note] = batch
    answers = hub.answer([amy, note])
    refused = p.MutationResult(mutation_id=ben.mutation_id, status="rejected", reason="No.")
    duplicate = answers[1].model_copy(update={"status": "duplicate"})

    tally = fixed.sync.record_results([answers[0], refused, duplicate])

    assert (tally.applied, tally.duplicates, tally.rejected, tally.conflicts) == (1, 1, 1, 0)
    assert rows(fixed, "young_person")[made["amy"]]["server_seq"] == answers[0].seq
    assert rows(fixed, "contact_note")[made["note"]]["server_seq"] == answers[1].seq
    assert rows(fixed, "young_person")[made["ben"]]["server_seq"] is None
    assert bases(fixed)[("young_person", made["amy"])][:2] == (answers[0].seq, False)
    assert ("contact_note", made["note"]) not in bases(fixed)  # append-only: never merged
    assert ("young_person", made["ben"], "create", "rejected") in waiting(fixed)
    assert [r.reason for r in fixed.sync.rejected()] == ["No."]
    assert made["ben"] not in {m.record_id for m in fixed.sync.next_batch()}
    again = [*answers, refused]
    assert fixed.sync.record_results(again) == type(tally)()  # seen twice: settled already


def test_a_conflict_whose_hub_copy_cannot_be_written_is_left_as_sent(fixed: Services) -> None:
    """The rest of the answer is settled; the change in conflict waits (stamped, answered
    the same next time) and is noted by record, for the engine to raise once it has sent
    the rest."""
    hub = PaperHub()
    made = caseload(fixed)
    hub.push_all(fixed)
    fixed.cases.update(made["amy"], preferred_name="Siob")
    fixed.cases.update(made["ben"], preferred_name="Benji")
    [amy, ben] = fixed.sync.next_batch()
    theirs = {**hub.held[("young_person", made["amy"])].content, "level": "extreme"}
    conflict = p.MutationResult(
        mutation_id=amy.mutation_id,
        status="conflict",
        seq=hub.seq + 5,
        server_copy={"deleted": False, "content": theirs},
        reason="Changed on the hub meanwhile.",
    )
    [applied] = hub.answer([ben])

    tally = fixed.sync.record_results([conflict, applied])

    assert (tally.applied, tally.conflicts) == (1, 0)
    [(key, refusal)] = tally.unreadable.items()
    assert key == ("young_person", made["amy"])
    assert "whose level this version of HubDesk cannot read" in refusal.message
    assert [(k, r) for k, r, _, _ in waiting(fixed)] == [("young_person", made["amy"])]
    assert rows(fixed, "young_person")[made["amy"]]["preferred_name"] == "Siob"
    assert fixed.sync.next_batch() == [amy]  # sent again as it was
    assert fixed.sync.record_results([conflict]).unreadable.keys() == {key}


# Check ------------------------------------------------------------------------------------


def test_the_check_counts_and_hashes_as_the_protocol_says(fixed: Services, lead: Services) -> None:
    hub = PaperHub()
    made = caseload(fixed)
    other = fixed.cases.add(given_name="Dee", family_name="Moss")
    fixed.notes.finalise(
        fixed.notes.add(other, kind="phone", occurred_at=NOW - timedelta(hours=1), narrative="Hi")
    )
    hub.push_all(fixed)
    lead.sync.apply_page(hub.page())
    fixed.contexts.unlink(link_of(fixed, made["amy"]), "Not seen there since May")
    hub.push_all(fixed)
    # Ids that are prefixes of one another sort by id, not by their lines.
    for n, record_id in enumerate(["p", "p0", "p-", "pZ"]):
        hub.held[("young_person", record_id)] = p.Change(
            seq=hub.seq + n + 1,
            kind="young_person",
            record_id=record_id,
            young_person_id=record_id,
            deleted=False,
            content={"given_name": "Short", "family_name": record_id},
        )
    lead.sync.apply_page(hub.page())
    scope = {made["amy"], made["ben"], "p", "p0", "p-", "pZ"}  # not Dee's case

    mine = lead.sync.summaries(list(RECORD_KINDS), scope)

    for kind in RECORD_KINDS:
        assert mine[kind] == plain_digest(lead, kind, scope), kind
    assert mine["contact_note"].count == 2
    assert mine["young_person"].count == 6
    assert mine["context"].count == 1  # a team's record, whoever's case
    assert mine["context_link"].count == 0  # removed: the check counts live records only
    assert mine == fixed.sync.summaries(list(RECORD_KINDS), scope) | {
        "young_person": mine["young_person"]
    }
    assert mine["young_person"] != fixed.sync.summaries(["young_person"], scope)["young_person"]
    # Read with the rest of the check: the same figures, and Dee's case is one the hub has but
    # no longer shares with this laptop.
    held = lead.sync.holdings(list(RECORD_KINDS), scope)
    assert held.kinds == mine
    assert held.moved == lead.sync.cases_moved_away(scope) == {other: 2}  # Dee and a note
    assert held.pending == lead.sync.pending_count() == 0
    everyone = scope | {other}
    assert lead.sync.holdings(list(RECORD_KINDS), everyone).kinds == {
        kind: plain_digest(lead, kind, everyone) for kind in RECORD_KINDS
    }
    assert lead.sync.holdings(list(RECORD_KINDS), everyone).moved == {}


def test_a_case_made_here_and_not_yet_sent_is_not_counted_or_moved(
    fixed: Services, lead: Services
) -> None:
    hub = PaperHub()
    caseload(fixed)
    hub.push_all(fixed)
    lead.sync.apply_page(hub.page())
    scope = set(lead.sync.synced_young_people())
    mine = lead.sync.holdings(list(RECORD_KINDS), scope)

    new = lead.cases.add(given_name="Eli", family_name="Ward")  # not on the hub: not in scope

    held = lead.sync.holdings(list(RECORD_KINDS), scope)
    assert held.kinds == mine.kinds
    assert held.moved == {}
    assert held.pending == lead.sync.pending_count() == 1
    # Listed by the hub or not, a case the hub does not have yet adds nothing to the sums.
    assert lead.sync.holdings(list(RECORD_KINDS), scope | {new}).kinds == mine.kinds


@pytest.mark.parametrize("leaving_out", [False, True], ids=["all-in-scope", "some-left-out"])
def test_the_check_reads_each_kinds_sync_index_only(vault: Vault, leaving_out: bool) -> None:
    sql = f"EXPLAIN QUERY PLAN {_sums_sql(leaving_out)}"
    with vault.read() as session:
        plan = [
            r[3] for r in session.execute(text(sql), {"outside": '["x"]'} if leaving_out else {})
        ]
    for kind in RECORD_KINDS:
        assert f"SCAN {kind} USING COVERING INDEX ix_{kind}_synced" in plan
    # The records themselves are read only to find the case of a child's parent.
    assert [
        step
        for step in plan
        if step.startswith(("SCAN", "SEARCH")) and "_synced" not in step and "json_each" not in step
    ] == [step for step in plan if "LEFT-JOIN" in step]
    assert not any("TEMP B-TREE" in step for step in plan)  # added up, not sorted


def test_counting_what_waits_reads_the_outbox_index_only(vault: Vault) -> None:
    with vault.read() as session:
        plan = [
            r[3]
            for r in session.execute(
                text("EXPLAIN QUERY PLAN SELECT count(*) FROM outbox WHERE state = 'pending'")
            )
        ]
    assert plan == ["SEARCH outbox USING COVERING INDEX ix_outbox_state (state=?)"]


def test_a_record_new_here_is_written_as_the_whole_page_leaves_it(lead: Services) -> None:
    """A page changing a record new here twice (the first change without a needed field)
    writes it; one still without the field after every change refuses the page in words."""
    made, lacking = str(uuid.uuid4()), str(uuid.uuid4())
    first = person_change(1, made, {"given_name": "Nia"})
    then = person_change(2, made, {"family_name": "Hughes"})
    lead.sync.apply_page(PaperHub().page([first, then]))
    assert rows(lead, "young_person")[made]["family_name"] == "Hughes"
    twice = [
        person_change(3, lacking, {"given_name": "Tegan"}),
        person_change(4, lacking, {"level": "emerging"}),
    ]
    with pytest.raises(UnreadableFromHub, match="without its family name") as refused:
        lead.sync.apply_page(PaperHub().page(twice))
    assert refused.value.missing
    assert lacking not in rows(lead, "young_person")
    assert lead.sync.cursor() == 2


def test_settling_answers_looks_the_changes_up_by_their_ids(vault: Vault) -> None:
    """Not by their state: that read every change waiting for each batch answered."""
    query = _sent_query().params(ids=[str(n) for n in range(p.MAX_PUSH_BATCH)])  # a batch
    sql = query.compile(vault.engine, compile_kwargs={"literal_binds": True})
    with vault.read() as session:
        plan = [r[3] for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert plan == ["SEARCH outbox USING INDEX sqlite_autoindex_outbox_1 (mutation_id=?)"]


def test_a_resync_settles_only_what_the_hub_does_not_explain(
    fixed: Services, lead: Services
) -> None:
    hub = PaperHub()
    made = caseload(fixed)
    extra = fixed.cases.add(given_name="Eli", family_name="Nash")
    far = fixed.cases.add(given_name="Fay", family_name="Lowe")
    hub.push_all(fixed)
    lead.sync.apply_page(hub.page())
    # The hub has since forgotten Eli, Fay and Ben (their removal purged); the lead changed
    # Ben's record and has not sent it; Fay's case is no longer shared with the lead.
    lead.cases.update(made["ben"], preferred_name="Benji")
    for gone in (extra, far, made["ben"]):
        del hub.held[("young_person", gone)]
    scope = {made["amy"], made["ben"], extra}
    whole = [c for c in hub.changes() if c.kind == "young_person"]

    assert lead.sync.count_absent("young_person", whole, scope) == 2  # Eli and Ben
    assert lead.sync.resync_kind("young_person", whole, scope, restored=False) == (0, 1)

    people = rows(lead, "young_person")
    assert people[extra]["deleted_at"] == NOW
    assert people[extra]["server_seq"] is None
    assert people[made["ben"]]["deleted_at"] is None  # changed here: kept, and still sent
    assert people[far]["deleted_at"] is None  # not in this laptop's scope: not judged here
    assert ("young_person", extra) not in bases(lead)
    assert lead.sync.count_absent("young_person", whole, scope) == 1


def test_a_restored_hub_gets_back_what_it_lost(fixed: Services) -> None:
    hub = PaperHub()
    made = caseload(fixed)
    hub.push_all(fixed)
    del hub.held[("young_person", made["ben"])]
    whole = [c for c in hub.changes() if c.kind == "young_person"]

    queued, removed = fixed.sync.resync_kind(
        "young_person", whole, {made["amy"], made["ben"]}, restored=True
    )

    assert (queued, removed) == (1, 0)
    [again] = fixed.sync.next_batch()
    assert (again.record_id, again.op, again.base_seq) == (made["ben"], "create", None)


def test_the_sync_indexes_are_in_the_vault_as_the_models_declare(vault: Vault) -> None:
    with vault.read() as session:
        found = {
            name: sql
            for name, sql in session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
            )
        }
    for index in SYNC_INDEXES:
        assert index.table is not None
        columns = ", ".join(c.name for c in index.columns)
        assert found[index.name] == (
            f"CREATE INDEX {index.name} ON {index.table.name} ({columns}) "
            "WHERE server_seq IS NOT NULL"
        )
    assert found["ix_outbox_record"] == (
        "CREATE INDEX ix_outbox_record ON outbox (record_id, kind, state)"
    )
    assert "ix_outbox_record_id" not in found


def test_a_pulled_change_remakes_a_search_entry_only_when_its_words_changed(
    fixed: Services, lead: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub, made, cursor = both_hold_a_caseload(fixed, lead)
    remade: list[str] = []
    index_many = search.index_many

    def noted(session: Any, docs: list[search.Doc]) -> None:
        remade.extend(doc.record_id for doc in docs)
        index_many(session, docs)

    fixed.cases.set_level(made["ben"], Level.SIGNIFICANT, "Seen with older young people")
    fixed.cases.update(made["amy"], preferred_name="Sia")
    hub.push_all(fixed)
    monkeypatch.setattr(search, "index_many", noted)
    lead.sync.apply_page(hub.page(hub.changes(after=cursor)))

    assert remade == [made["amy"]]  # a level changes no words: Ben's entry is left as it is
    assert [h.record_id for h in lead.search.search("sia")] == [made["amy"]]
    assert not lead.search.search("shiv")
    assert index_bodies(lead) == index_bodies(fixed)
