"""Ids of records and changes are UUIDs of version 7 (``hubdesk.ids``): ids made one after
another sort, as the text they are kept as, in the order they were made, so they land
together in the indexes that look them up (decision 0011); two made in the same
millisecond still differ. New records and the changes queued for the hub take them."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hubdesk import ids
from hubdesk.models import OutboxEntry
from hubdesk.services import Services

#: 2026-11-29 in Unix milliseconds: a fixed clock for the tests that move it.
NOW_MS = 1_795_910_400_000


def clock_at(monkeypatch: pytest.MonkeyPatch, millis: list[int]) -> None:
    """``hubdesk.ids`` reads these milliseconds, one a call (as nanoseconds)."""
    ticks = iter(millis)
    monkeypatch.setattr(ids, "time", SimpleNamespace(time_ns=lambda: next(ticks) * 1_000_000))


def test_an_id_is_a_version_7_uuid_holding_the_millisecond_it_was_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock_at(monkeypatch, [NOW_MS])
    made = ids.time_ordered_uuid()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == NOW_MS
    assert uuid.UUID(str(made)) == made


def test_ids_made_one_after_another_sort_in_the_order_they_were_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moments = [NOW_MS + step for step in range(0, 3000, 3)]
    clock_at(monkeypatch, moments)
    made = [ids.new_id() for _ in moments]
    assert sorted(made) == made


def test_ids_made_in_the_same_millisecond_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    clock_at(monkeypatch, [NOW_MS] * 20_000)
    made = {ids.new_id() for _ in range(20_000)}
    assert len(made) == 20_000


def test_records_and_the_changes_queued_for_the_hub_take_time_ordered_ids(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock_at(monkeypatch, [NOW_MS + step for step in range(1000)])
    people = [services.cases.add(given_name=f"Test{n}", family_name="Person") for n in range(3)]
    assert people == sorted(people)
    assert {uuid.UUID(person).version for person in people} == {7}
    with services.vault.read() as session:
        changes = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        queued = [change.mutation_id for change in changes]
    assert len(queued) == len(people)
    assert queued == sorted(queued)
    assert {uuid.UUID(change).version for change in queued} == {7}
