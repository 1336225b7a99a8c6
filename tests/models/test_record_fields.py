"""Identity and sync fields on every record kind: UUID, aware UTC times, a version that starts
at 1 and goes up by one per update, no server sequence before sync, no tombstone."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from faker import Faker
from sqlalchemy import select

from hubdesk.models import RECORD_KINDS, ContactNote, Record, YoungPerson
from hubdesk.models.enums import ContextKind, Level, MeetingKind, Reliability
from hubdesk.models.missing import InterviewStatus
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault

FAKER_SEED = 1515


def one_of_everything(services: Services, fake: Faker) -> str:
    """Create at least one record of every kind through the services; returns the person id."""
    now = datetime.now(UTC)
    pid = services.cases.add(
        given_name=fake["fr_FR"].first_name(),
        family_name=fake["en_IE"].last_name(),
        date_of_birth=date(2011, 4, 9),
    )
    context_id = services.contexts.create(kind=ContextKind.PLACE, name="Bus station, Stand K")
    services.contexts.link(
        pid, context_id, why="Seen there late at night", reliability=Reliability.LIKELY
    )
    screening_id = services.screenings.start(
        pid, definition_id="exploitation", definition_version=1
    )
    services.screenings.complete(screening_id, final_level=Level.EMERGING)
    plan_id = services.plans.create(young_person_id=pid)
    services.plans.save_draft(
        plan_id,
        content={"what_i_want": "To get to school without being stopped."},
        review_date=date.today() + timedelta(days=30),
        actions=[ActionInput("Arrange a bus pass", fake["en_GB"].name(), "Social care")],
    )
    note_id = services.notes.add(
        pid, kind="school", occurred_at=now - timedelta(hours=1), narrative="Talked at lunch."
    )
    services.notes.finalise(note_id)
    services.notes.add_addendum(note_id, "Also present: the head of year.")
    episode_id = services.missing.report(pid, started_at=now - timedelta(days=2))
    services.missing.record_return(episode_id, ended_at=now - timedelta(days=1))
    services.missing.record_interview(episode_id, status=InterviewStatus.OFFERED)
    services.work.record_meeting(kind=MeetingKind.PANEL, held_at=now, young_person_id=pid)
    services.work.add_intervention(pid, provider="St Giles Trust", description="Mentoring")
    services.work.refer_nrm(
        pid,
        referred_on=now.date() - timedelta(days=1),
        first_responder="Local authority",
        exploitation_types=["criminal"],
        summary="Made to carry drugs between towns.",
    )
    services.work.record_share(
        pid,
        shared_at=now,
        what="Safety plan",
        recipient="School DSL",
        why="Safe travel",
        lawful_basis="Public task; safeguarding of children",
    )
    services.attachments.add(pid, b"\x89PNG\r\n\x1a\n drawn", "image/png", "signature", "s.png")
    return pid


def all_rows(vault: Vault) -> dict[str, list[Record]]:
    with vault.read() as session:
        return {
            kind: list(session.execute(select(cls)).scalars()) for kind, cls in RECORD_KINDS.items()
        }


def test_every_record_kind_has_identity_and_sync_fields(
    services: Services, vault: Vault, fake: Faker
) -> None:
    started = datetime.now(UTC)
    one_of_everything(services, fake)
    rows = all_rows(vault)
    assert {kind for kind, found in rows.items() if found} == set(RECORD_KINDS)
    for kind, records in rows.items():
        for record in records:
            assert str(uuid.UUID(record.id)) == record.id, kind
            for stamp in (record.created_at, record.updated_at):
                assert stamp.tzinfo is not None, kind
                assert stamp.utcoffset() == timedelta(0), kind
                assert started <= stamp <= datetime.now(UTC), kind
            assert record.updated_at >= record.created_at, kind
            assert record.version >= 1, kind
            assert record.server_seq is None, kind
            assert record.deleted_at is None, kind


def test_ids_are_unique_across_kinds(services: Services, vault: Vault, fake: Faker) -> None:
    one_of_everything(services, fake)
    one_of_everything(services, fake)
    ids = [r.id for records in all_rows(vault).values() for r in records]
    assert len(ids) == len(set(ids))


def test_version_starts_at_one_and_goes_up_by_one_per_update(
    services: Services, vault: Vault, fake: Faker
) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with vault.read() as session:
        first = session.get(YoungPerson, pid)
    assert first.version == 1
    seen = [first]
    for education in ("Year 9, Moor Lane Academy", "Alternative provision", "Year 10"):
        time.sleep(0.001)
        services.cases.update(pid, education=education)
        with vault.read() as session:
            seen.append(session.get(YoungPerson, pid))
    assert [p.version for p in seen] == [1, 2, 3, 4]
    assert all(a.updated_at < b.updated_at for a, b in pairwise(seen))
    assert {p.created_at for p in seen} == {first.created_at}
    assert seen[-1].server_seq is None


def test_a_note_counts_its_edits_and_its_finalising(
    services: Services, vault: Vault, fake: Faker
) -> None:
    pid = services.cases.add(given_name=fake["en_GB"].first_name(), family_name="D'Souza")
    note_id = services.notes.add(pid, kind="phone", occurred_at=datetime.now(UTC), narrative="a")
    services.notes.edit_draft(note_id, narrative="ab")
    services.notes.edit_draft(note_id, present="Carer")
    services.notes.finalise(note_id)
    with vault.read() as session:
        note = session.get(ContactNote, note_id)
    assert note.version == 4
    assert note.finalised_at is not None
    assert note.finalised_at.tzinfo is not None
