"""Nothing a practitioner types is ever on disk outside the encryption.

One distinctive marker goes into every kind of record through the services, and then every
file the app could have touched — the vault folder (database, WAL, shared memory, key file,
attempts file), the HubDesk home (logs) and a private temporary folder — is searched for it in
UTF-8, NFD, UTF-16 and JSON-escaped form.

Limit: SQLite deletes its own temporary files as soon as it opens them, so a folder scan cannot
see them; ``temp_store = MEMORY`` (checked in test_engine) is what keeps them from existing.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk import logs
from hubdesk.errors import WrongPassphraseError
from hubdesk.models import AuditEvent
from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import DB_NAME, Vault
from tests.helpers.leaks import forms_of, scan


@pytest.fixture(autouse=True)
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(autouse=True)
def app_logging(hubdesk_home: Path) -> Iterator[Path]:
    """Log as the app does (to HUBDESK_HOME/logs), then give pytest its handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    path = logs.configure()
    yield path
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def markers() -> tuple[str, str]:
    token = secrets.token_hex(8)
    return f"MARKER-{token}", f"Siân-Zoë-Renée-Łucja-{token[::-1]}"


def record_everything(s: Services, text: str) -> None:
    """``text`` into every free-text field of every record kind, and into audit reasons."""
    now = s.cases.clock()
    today = now.date()
    person = s.cases.add(
        given_name=text,
        family_name=text,
        preferred_name=text,
        gender=text,
        legal_status=text,
        education=text,
        team=text,
    )
    s.cases.update(person, preferred_name=f"{text} again")
    s.cases.set_level(person, Level.MODERATE, reason=text)
    closed = s.cases.add(given_name=text, family_name=text)

    context = s.contexts.create(
        kind="place", name=text, description=text, place_type="public_place", area=text
    )
    s.contexts.link(person, context, why=text, reliability="likely", weight=1)
    link = s.contexts.link(closed, context, why=text)
    s.contexts.unlink(link, reason=text)
    s.cases.close(closed, reason=text)

    screening = s.screenings.start(person, definition_id="exploitation", definition_version=1)
    s.screenings.save(
        screening,
        answers={"worries": text, text: "yes"},
        computed_level=Level.EMERGING,
        computed_reasons=[text],
        computed_score={"total": 4},
    )
    s.screenings.complete(screening, final_level=Level.MODERATE, rationale=text, pathway=text)

    content = {
        "what_i_want": text,
        "what_worries_me": text,
        "safe_and_unsafe": {"home": {"safe": text, "unsafe": text}},
        "people_i_trust": text,
        "what_i_will_do": text,
        "code_word": text,
        "contacts": [{"name": text, "role": text, "phone": "07700 900123"}],
        "copies_held_by": [text],
    }
    plan = s.plans.create(young_person_id=person, title=text)
    version = s.plans.save_draft(
        plan,
        content=content,
        review_date=today + timedelta(days=28),
        actions=[ActionInput(what=text, owner=text, agency=text, by_when=today)],
    )
    s.plans.submit(version)
    s.plans.record_decision(version, approved=False, decided_by=text, note=text)
    s.plans.save_draft(s.plans.create(context_id=context), content=content)

    note = s.notes.add(
        person, kind="home_visit", occurred_at=now - timedelta(hours=3), narrative=text
    )
    s.notes.edit_draft(note, narrative=f"{text} edited", present=text)
    s.notes.finalise(note)
    s.notes.add_addendum(note, text)

    episode = s.missing.report(person, started_at=now - timedelta(days=2), reported_by=text)
    s.missing.record_return(
        episode,
        ended_at=now - timedelta(days=1),
        where_found=text,
        who_with=text,
        travel_how=text,
        returned_how=text,
    )
    s.missing.record_interview(
        episode,
        status="held",
        held_at=now - timedelta(hours=5),
        attempts=[text],
        interviewer=text,
        push_factors=text,
        pull_factors=text,
        young_person_said=text,
        disclosures=text,
        links_to_places_and_people=text,
    )

    s.work.record_meeting(
        kind="panel",
        held_at=now - timedelta(hours=2),
        young_person_id=person,
        context_id=context,
        attendees=text,
        discussion=text,
        decisions=text,
        actions=[{"what": text, "owner": text}],
        chair=text,
    )
    s.work.add_intervention(person, provider=text, description=text, started_on=today)
    s.work.refer_nrm(
        person,
        referred_on=today,
        first_responder=text,
        exploitation_types=["criminal"],
        summary=text,
    )
    s.work.record_share(
        person,
        shared_at=now - timedelta(hours=1),
        what=text,
        recipient=text,
        why=text,
        lawful_basis=text,
    )


def fill_vault(services: Services, vault: Vault, markers: tuple[str, str]) -> None:
    record_everything(services, " ".join(markers))
    hits = services.search.search(markers[0])
    assert {h.record_kind for h in hits} >= {"young_person", "contact_note", "safety_plan"}
    with vault.read() as session:
        reasons = session.execute(select(AuditEvent.reason)).scalars()
        assert any(markers[1] in (r or "") for r in reasons), "the share's reason was not audited"


def assert_nowhere(roots: list[Path], markers: tuple[str, str]) -> list[Path]:
    result = scan(roots, markers)
    if result.findings:
        pytest.fail("marker found outside the encryption:\n" + "\n".join(map(str, result.findings)))
    return result.files


def test_the_scanner_finds_a_marker_written_in_plain_files(
    tmp_path: Path, markers: tuple[str, str]
) -> None:
    """Positive control: each form the scan looks for is found when it is really there."""
    folder = tmp_path / "control"
    (folder / "deeper").mkdir(parents=True)
    planted = {}
    for i, (form, data) in enumerate(forms_of(markers[1]).items()):
        path = folder / "deeper" / f"plain-{i}.bin"
        path.write_bytes(secrets.token_bytes(64) + data + secrets.token_bytes(64))
        planted[path] = form
    result = scan([folder], markers)
    found = {(f.path, f.form) for f in result.findings}
    for path, form in planted.items():
        assert (path, form) in found, f"the scan missed {form}"
    assert scan([folder], ["MARKER-not-there"]).findings == []


def test_no_marker_while_the_vault_is_open(
    vault: Vault,
    services: Services,
    vault_dir: Path,
    tmp_path: Path,
    markers: tuple[str, str],
) -> None:
    fill_vault(services, vault, markers)
    wal = vault_dir / f"{DB_NAME}-wal"
    assert wal.exists()
    assert wal.stat().st_size > 0, "expected the writes to be in the WAL"

    scanned = assert_nowhere([tmp_path], markers)

    assert wal in scanned
    assert (tmp_path / "home" / "logs" / logs.LOG_NAME) in scanned


def test_no_marker_after_close_nor_in_a_failed_unlock(
    vault: Vault,
    services: Services,
    vault_dir: Path,
    tmp_path: Path,
    markers: tuple[str, str],
) -> None:
    fill_vault(services, vault, markers)
    vault.close()
    with pytest.raises(WrongPassphraseError):
        Vault.open(vault_dir, bytearray(markers[1].encode()))

    scanned = assert_nowhere([tmp_path], markers)

    names = {p.name for p in scanned}
    assert {DB_NAME, "key.json", "unlock-attempts.json", logs.LOG_NAME} <= names
    assert (tmp_path / "tmp").is_dir()
