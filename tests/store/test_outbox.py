"""The outbox: every change to a synced record is queued in the transaction that makes it,
with the rules the hub expects (drafts of notes stay local, finalised notes and addenda are
appends, tombstones are deletes, bookkeeping is not a change); a change not yet sent is merged
into its queued row, a sent row never changes, and a record made and removed before any sync
leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hubdesk.models import ContactNote, OutboxEntry, OutboxSent, YoungPerson
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.outbox import FROM_HUB
from hubdesk.store.vault import Vault

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def queued(vault: Vault) -> list[tuple[str, str, str | None]]:
    with vault.read() as session:
        rows = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        return [(r.kind, r.op, r.young_person_id) for r in rows]


def mark_sent(vault: Vault) -> None:
    """Every outbox row as the engine leaves it once sent."""
    with vault.write() as session:
        for seq in session.scalars(select(OutboxEntry.seq)):
            session.add(OutboxSent(seq=seq, sent_at=NOW, base_seq=None))


def entries(vault: Vault) -> list[OutboxEntry]:
    with vault.read() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))


def test_each_kind_is_queued_with_its_case(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Hughes")
    assert queued(vault) == [("young_person", "create", pid)]
    note = services.notes.add(pid, kind="home_visit", occurred_at=NOW, narrative="Draft words")
    assert [k for k, _, _ in queued(vault)] == ["young_person"]  # a draft note stays local
    services.notes.finalise(note)
    services.notes.add_addendum(note, "A correction.")
    plan = services.plans.create(young_person_id=pid)
    services.plans.save_draft(
        plan,
        content={"what_i_want": "To feel safe"},
        review_date=NOW.date() + timedelta(days=28),
        actions=[ActionInput(what="Walk together", owner="Youth worker")],
    )
    assert queued(vault) == [
        ("young_person", "create", pid),
        ("contact_note", "append", pid),
        ("addendum", "append", pid),
        ("safety_plan", "create", pid),
        ("plan_version", "create", pid),
        ("plan_action", "create", pid),
    ]
    [note_row] = [e for e in entries(vault) if e.kind == "contact_note"]
    assert note_row.content["narrative"] == "Draft words"
    assert note_row.content["status"] == "finalised"
    assert "version" not in note_row.content
    assert "server_seq" not in note_row.content


def test_a_change_not_yet_sent_is_merged_and_a_sent_row_never_changes(
    services: Services, vault: Vault
) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Hughes")
    services.cases.update(pid, preferred_name="Ni")
    [row] = entries(vault)
    assert (row.op, row.content["preferred_name"]) == ("create", "Ni")
    mark_sent(vault)
    services.cases.update(pid, preferred_name="Nee")
    first, second = entries(vault)
    assert (first.op, first.content["preferred_name"]) == ("create", "Ni")
    assert (second.op, second.content["preferred_name"]) == ("update", "Nee")
    assert first.mutation_id != second.mutation_id


def test_made_and_removed_before_any_sync_leaves_nothing(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Hughes")
    with vault.write() as session:
        person = session.get(YoungPerson, pid)
        assert person is not None
        person.deleted_at = NOW
    assert queued(vault) == []


def test_a_tombstone_after_a_sync_is_a_delete(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Hughes")
    mark_sent(vault)
    with vault.write() as session:
        person = session.get(YoungPerson, pid)
        assert person is not None
        person.deleted_at = NOW
    assert queued(vault)[-1] == ("young_person", "delete", pid)
    assert entries(vault)[-1].content == {}


def test_bookkeeping_and_changes_from_the_hub_are_not_queued(
    services: Services, vault: Vault
) -> None:
    pid = services.cases.add(given_name="Nia", family_name="Hughes")
    mark_sent(vault)
    with vault.write() as session:
        person = session.get(YoungPerson, pid)
        assert person is not None
        person.server_seq = 41
    with vault.write() as session:
        session.info[FROM_HUB] = True
        person = session.get(YoungPerson, pid)
        assert person is not None
        person.preferred_name = "From the hub"
    assert len(entries(vault)) == 1


def test_the_row_commits_with_its_change_or_not_at_all(services: Services, vault: Vault) -> None:
    seen_inside: list[str | None] = []

    def fail_after_the_flush() -> None:
        with vault.write() as session:
            session.add(YoungPerson(given_name="Nia", family_name="Hughes"))
            session.flush()
            seen_inside.append(session.scalar(select(OutboxEntry.kind)))
            raise RuntimeError("the transaction fails after the flush")

    with pytest.raises(RuntimeError):
        fail_after_the_flush()
    assert seen_inside == ["young_person"]
    assert queued(vault) == []
    with vault.read() as session:
        assert session.scalars(select(YoungPerson)).all() == []
        assert session.scalars(select(ContactNote)).all() == []


def test_erasing_a_case_takes_its_queued_changes_too(services: Services, vault: Vault) -> None:
    keep = services.cases.add(given_name="Owain", family_name="Kept")
    pid = services.cases.add(given_name="Ffion", family_name="Erasedname")
    note = services.notes.add(pid, kind="home_visit", occurred_at=NOW, narrative="Erased words")
    services.notes.finalise(note)
    services.cases.close(pid, "Case ended")
    services.retention.erase_young_person(pid, rule="Rule", reason="Reason")
    with vault.read() as session:
        left = session.scalars(select(OutboxEntry)).all()
        assert {e.record_id for e in left} == {keep}
        assert all("Erasedname" not in str(e.content) for e in left)
