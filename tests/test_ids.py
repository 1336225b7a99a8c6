"""Ids of records and changes (``hubdesk.ids``) sort, as the text they are kept as, in the order
one run of HubDesk made them, so they land together in the indexes that look them up
(decision 0011); they hold a counter from a random start, not a time, so a new run's begin
elsewhere and the clock is never in them. New records and the changes queued for the hub
take them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hubdesk import ids
from hubdesk.models import OutboxEntry
from hubdesk.services import Services


def test_an_id_is_a_uuid_of_version_8_whose_first_48_bits_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ids, "_ordered", ids._Ordered())
    first, second = ids.ordered_uuid(), ids.ordered_uuid()
    assert (first.version, first.variant) == (8, uuid.RFC_4122)
    assert (second.version, second.variant) == (8, uuid.RFC_4122)
    assert second.int >> 80 == (first.int >> 80) + 1
    assert uuid.UUID(str(first)) == first


def test_ids_made_one_after_another_sort_in_the_order_they_were_made() -> None:
    made = [ids.ordered_id() for _ in range(5000)]
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_each_run_starts_its_count_somewhere_else_and_reads_no_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_clock() -> int:
        raise AssertionError("an id read the clock")

    monkeypatch.setattr("time.time_ns", no_clock)
    monkeypatch.setattr("time.time", no_clock)
    starts = {ids._Ordered()().int >> 80 for _ in range(20)}
    assert len(starts) == 20


def test_records_and_the_changes_queued_for_the_hub_take_ids_in_the_order_made(
    services: Services,
) -> None:
    people = [services.cases.add(given_name=f"Test{n}", family_name="Person") for n in range(3)]
    assert people == sorted(people)
    assert {uuid.UUID(person).version for person in people} == {8}
    with services.vault.read() as session:
        changes = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        queued = [change.mutation_id for change in changes]
    assert len(queued) == len(people)
    assert queued == sorted(queued)
    assert {uuid.UUID(change).version for change in queued} == {8}
