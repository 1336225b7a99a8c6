"""ExportService: a full vault export and a subject access export of one young person."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from faker import Faker
from sqlalchemy import select

from hubdesk.errors import NotFoundError
from hubdesk.models import RECORD_KINDS, AuditEvent
from hubdesk.models.enums import Level, MeetingKind
from hubdesk.models.missing import InterviewStatus
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault
from tests.services.helpers import accented, apostrophed

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
FAKER_SEED = 1414


def fill(services: Services, pid: str, fake: Faker, context_id: str) -> None:
    """One of each record kind for this young person, words from Faker."""
    services.contexts.link(pid, context_id, why=fake.sentence())
    screening_id = services.screenings.start(
        pid, definition_id="exploitation", definition_version=1
    )
    services.screenings.save(
        screening_id, answers={"q": fake.word()}, computed_level=Level.EMERGING
    )
    services.screenings.complete(screening_id, final_level=Level.EMERGING)
    plan_id = services.plans.create(young_person_id=pid)
    services.plans.save_draft(
        plan_id,
        content={"what_i_want": fake.sentence()},
        review_date=date(2025, 9, 1),
        actions=[ActionInput(fake.sentence(), fake["en_GB"].name())],
    )
    note_id = services.notes.add(pid, kind="phone", occurred_at=NOW, narrative=fake.paragraph())
    services.notes.finalise(note_id)
    services.notes.add_addendum(note_id, fake.sentence())
    episode_id = services.missing.report(pid, started_at=NOW - timedelta(days=1))
    services.missing.record_return(episode_id, ended_at=NOW)
    services.missing.record_interview(episode_id, status=InterviewStatus.DECLINED)
    services.work.record_meeting(kind=MeetingKind.PANEL, held_at=NOW, young_person_id=pid)
    services.work.add_intervention(pid, provider=fake["en_GB"].company(), description="x")
    services.work.refer_nrm(
        pid,
        referred_on=date(2025, 6, 30),
        first_responder="Police",
        exploitation_types=["criminal"],
        summary=fake.sentence(),
    )
    services.work.record_share(
        pid, shared_at=NOW, what="Plan", recipient="School", why=fake.sentence(), lawful_basis="x"
    )
    services.attachments.add(pid, b"%PDF-1.7 signed", "application/pdf", "signature", "sig.pdf")


@pytest.fixture
def two(fixed: Services, fake: Faker) -> dict[str, Any]:
    context_id = fixed.contexts.create(kind="place", name="Shared park")
    mine = fixed.cases.add(given_name=accented(fake), family_name=apostrophed(fake))
    theirs = fixed.cases.add(given_name=accented(fake), family_name=apostrophed(fake))
    fill(fixed, mine, fake, context_id)
    fill(fixed, theirs, fake, context_id)
    return {"mine": mine, "theirs": theirs, "context": context_id}


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def all_ids(vault: Vault, young_person_id: str) -> set[str]:
    """The ids of every record and audit event that belongs to one young person only."""
    case = Services(vault).cases.case_file(young_person_id)
    ids = {young_person_id}
    for group in (
        case.context_links,
        case.screenings,
        case.plans,
        case.notes,
        case.episodes,
        case.interviews,
        case.meetings,
        case.interventions,
        case.nrm_referrals,
        case.information_shares,
    ):
        ids |= {r.id for r in group}
    ids |= {v.id for p in case.plans for v in p.versions}
    ids |= {a.id for p in case.plans for v in p.versions for a in v.actions}
    ids |= {a.id for n in case.notes for a in n.addenda}
    ids |= {a.id for a in Services(vault).attachments.for_case(young_person_id)}
    with vault.read() as session:
        ids |= set(
            session.execute(select(AuditEvent.id).where(AuditEvent.record_id.in_(ids))).scalars()
        )
    return ids


def context_ids(vault: Vault, context_id: str) -> set[str]:
    """The shared context and its own audit events (its creation), which both exports hold."""
    with vault.read() as session:
        events = session.execute(select(AuditEvent.id).where(AuditEvent.record_id == context_id))
        return {context_id, *events.scalars()}


def test_a_full_export_has_every_kind_and_the_right_counts(
    fixed: Services, vault: Vault, two: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "vault.json"
    counts = fixed.export.export_json(out)
    doc = read(out)
    assert set(doc["records"]) == set(RECORD_KINDS)
    assert counts == {kind: len(rows) for kind, rows in doc["records"].items()}
    expected = {kind: 2 for kind in RECORD_KINDS}
    expected["context"] = 1
    assert counts == expected
    assert (doc["format"], doc["format_version"], doc["scope"]) == ("hubdesk-export", 1, "vault")
    assert doc["exported_at"] == NOW.isoformat()
    names = {(p["given_name"], p["family_name"]) for p in doc["records"]["young_person"]}
    assert len(names) == 2


def test_a_full_export_is_audited(fixed: Services, vault: Vault, tmp_path: Path) -> None:
    fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    fixed.export.export_json(tmp_path / "vault.json")
    with vault.read() as session:
        last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last is not None
    assert (last.action, last.record_kind, last.record_id) == ("export", "vault", None)
    assert last.reason == "full vault export"
    assert (last.actor, last.device) == ("Test Practitioner", vault.device_id)
    assert [e["action"] for e in read(tmp_path / "vault.json")["audit_events"]] == ["create"]


def test_a_one_person_export_holds_only_that_young_persons_records(
    fixed: Services, vault: Vault, two: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "sar.json"
    counts = fixed.export.export_json(out, two["mine"])
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["scope"] == "young_person"
    assert set(doc["records"]) == set(RECORD_KINDS)
    assert all(n == 1 for n in counts.values()), counts
    assert [p["id"] for p in doc["records"]["young_person"]] == [two["mine"]]
    assert [c["id"] for c in doc["records"]["context"]] == [two["context"]]

    mine = all_ids(vault, two["mine"])
    exported = {r["id"] for rows in doc["records"].values() for r in rows}
    exported |= {e["id"] for e in doc["audit_events"]}
    shared = context_ids(vault, two["context"])
    assert exported <= mine | shared
    assert {e["record_id"] for e in doc["audit_events"]} <= mine | {two["context"]}

    theirs = fixed.cases.case_file(two["theirs"]).young_person
    for secret in all_ids(vault, two["theirs"]) | {theirs.given_name, theirs.family_name}:
        assert secret not in text, secret


def test_a_one_person_export_is_audited_against_that_young_person(
    fixed: Services, vault: Vault, two: dict[str, Any], tmp_path: Path
) -> None:
    fixed.export.export_json(tmp_path / "sar.json", two["mine"])
    with vault.read() as session:
        last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last is not None
    assert (last.action, last.record_kind, last.record_id) == (
        "export",
        "young_person",
        two["mine"],
    )
    assert last.reason == "subject access export"
    assert fixed.verify_audit().ok


def test_an_unknown_young_person_exports_nothing(fixed: Services, tmp_path: Path) -> None:
    out = tmp_path / "sar.json"
    with pytest.raises(NotFoundError):
        fixed.export.export_json(out, "00000000-0000-4000-8000-0000000000aa")
    assert not out.exists()


def test_the_export_file_is_readable_by_its_owner_only(fixed: Services, tmp_path: Path) -> None:
    fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    out = tmp_path / "vault.json"
    fixed.export.export_json(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_overwriting_an_export_makes_it_owner_only(fixed: Services, tmp_path: Path) -> None:
    fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    out = tmp_path / "vault.json"
    out.write_text("{}", encoding="utf-8")
    os.chmod(out, 0o644)
    fixed.export.export_json(out)
    assert read(out)["scope"] == "vault"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
