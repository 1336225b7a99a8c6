"""CaseService: add, update, set the level, close, list the caseload, open one case file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from faker import Faker

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models.enums import CaseStatus, ContextKind, Level, MeetingKind
from hubdesk.models.missing import InterviewStatus
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.vault import Vault
from tests.services.helpers import accented, apostrophed, person

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
FAKER_SEED = 2121


def test_add_keeps_the_details_and_fills_the_defaults(
    fixed: Services, vault: Vault, fake: Faker
) -> None:
    given, family = accented(fake), apostrophed(fake)
    pid = fixed.cases.add(
        given_name=f"  {given} ",
        family_name=family,
        date_of_birth=date(2010, 12, 1),
        preferred_name="Jo",
        harm_types=["county_lines", "criminal_exploitation"],
        flag_looked_after=True,
    )
    added = person(vault, pid)
    assert (added.given_name, added.family_name) == (given, family)
    assert added.display_name == f"Jo {family}"
    assert added.date_of_birth == date(2010, 12, 1)
    assert added.harm_types == ["county_lines", "criminal_exploitation"]
    assert added.status is CaseStatus.OPEN
    assert added.allocated_worker == "Test Practitioner"
    assert added.referral_date == date(2025, 3, 14)
    assert added.flag_looked_after is True
    assert (added.flag_missing, added.flag_nrm_referral) == (False, False)
    assert added.level is None


@pytest.mark.parametrize(
    ("given", "family", "message"),
    [
        ("", "Okafor", "Write the young person's first name; it cannot be left empty."),
        ("   ", "Okafor", "Write the young person's first name; it cannot be left empty."),
        ("Amélie", " ", "Write the young person's family name; it cannot be left empty."),
    ],
)
def test_blank_names_are_refused_naming_the_field(
    services: Services, given: str, family: str, message: str
) -> None:
    with pytest.raises(DomainError) as caught:
        services.cases.add(given_name=given, family_name=family)
    assert caught.value.message == message
    assert services.cases.caseload(include_closed=True) == []


def test_a_future_date_of_birth_is_refused(fixed: Services) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.cases.add(given_name="Zoë", family_name="O'Neill", date_of_birth=date(2025, 3, 15))
    assert caught.value.message == "The date of birth is in the future; check it and try again."
    assert fixed.cases.caseload() == []


def test_a_date_of_birth_of_today_is_accepted(fixed: Services, vault: Vault) -> None:
    pid = fixed.cases.add(given_name="Zoë", family_name="O'Neill", date_of_birth=date(2025, 3, 14))
    assert person(vault, pid).date_of_birth == date(2025, 3, 14)


def test_an_unknown_detail_is_refused(services: Services) -> None:
    with pytest.raises(DomainError) as caught:
        services.cases.add(given_name="Zoë", family_name="O'Neill", shoe_size=5, level="high")
    assert caught.value.message == "Unknown detail(s) for a young person: level, shoe_size."


def test_an_unknown_harm_type_is_refused(services: Services) -> None:
    with pytest.raises(DomainError) as caught:
        services.cases.add(given_name="Zoë", family_name="O'Neill", harm_types=["knife_crime"])
    assert caught.value.message == "Unknown type of harm: 'knife_crime'."


def test_update_changes_trims_and_clears(services: Services, vault: Vault, fake: Faker) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill", education="Year 8")
    new_family = apostrophed(fake)
    services.cases.update(pid, family_name=f" {new_family} ", education="  ", team="North hub")
    updated = person(vault, pid)
    assert updated.family_name == new_family
    assert updated.education is None
    assert updated.team == "North hub"
    assert updated.given_name == "Zoë"


def test_update_refuses_fields_that_are_not_details(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError) as caught:
        services.cases.update(pid, status="closed", flag_missing=True)
    assert caught.value.message == "These details cannot be changed here: flag_missing, status."
    assert person(vault, pid).status is CaseStatus.OPEN


def test_update_refuses_a_blank_name(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError) as caught:
        services.cases.update(pid, given_name=" ")
    assert caught.value.message == "Write the given name; it cannot be left empty."
    assert person(vault, pid).given_name == "Zoë"


def test_update_refuses_a_future_date_of_birth(fixed: Services, vault: Vault) -> None:
    pid = fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError) as caught:
        fixed.cases.update(pid, date_of_birth=date(2026, 1, 1))
    assert caught.value.message == "The date of birth is in the future; check it and try again."
    assert person(vault, pid).date_of_birth is None


def test_set_level_keeps_the_level_and_the_reason(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    services.cases.set_level(pid, Level.SIGNIFICANT, "Strategy discussion decision, 14/03")
    updated = person(vault, pid)
    assert updated.level is Level.SIGNIFICANT
    assert updated.level_reason == "Strategy discussion decision, 14/03"


def test_set_level_needs_a_reason(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError) as caught:
        services.cases.set_level(pid, Level.MODERATE, "  ")
    assert caught.value.message == "Write why this level was chosen; it cannot be left empty."
    assert person(vault, pid).level is None


def test_set_level_refuses_an_unknown_level_plainly(services: Services) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError, match="level"):
        services.cases.set_level(pid, "extreme", "Because")


def test_close_records_the_date_and_twice_is_refused(fixed: Services, vault: Vault) -> None:
    pid = fixed.cases.add(given_name="Zoë", family_name="O'Neill")
    fixed.cases.close(pid, "Risk reduced; stepped down to early help")
    closed = person(vault, pid)
    assert closed.status is CaseStatus.CLOSED
    assert closed.closed_date == date(2025, 3, 14)
    with pytest.raises(DomainError) as caught:
        fixed.cases.close(pid, "Again")
    assert caught.value.message == "This case is closed already."


def test_close_needs_a_reason_and_leaves_the_case_open(services: Services, vault: Vault) -> None:
    pid = services.cases.add(given_name="Zoë", family_name="O'Neill")
    with pytest.raises(DomainError) as caught:
        services.cases.close(pid, "")
    assert caught.value.message == "Write why the case is closing; it cannot be left empty."
    reread = person(vault, pid)
    assert reread.status is CaseStatus.OPEN
    assert reread.closed_date is None


def test_caseload_leaves_out_closed_cases_unless_asked(services: Services, fake: Faker) -> None:
    open_ids = [
        services.cases.add(given_name="Zoë", family_name="Young"),
        services.cases.add(given_name="Ciarán", family_name="Adebayo"),
    ]
    closed_id = services.cases.add(given_name="Léa", family_name="Mills")
    services.cases.close(closed_id, "Moved out of the area; case transferred")
    assert [p.family_name for p in services.cases.caseload()] == ["Adebayo", "Young"]
    assert {p.id for p in services.cases.caseload()} == set(open_ids)
    everyone = services.cases.caseload(include_closed=True)
    assert [p.family_name for p in everyone] == ["Adebayo", "Mills", "Young"]


def test_unknown_young_person_is_a_plain_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError) as caught:
        services.cases.case_file("3f1c1111-2222-4333-8444-555566667777")
    assert caught.value.message == (
        "There is no young person's record with id 3f1c1111-2222-4333-8444-555566667777 "
        "in this vault."
    )


def fill_case(services: Services, pid: str, tag: str) -> dict[str, str]:
    """One of each record for this young person; returns the ids by kind."""
    now = datetime.now(UTC)
    ids: dict[str, str] = {}
    context_id = services.contexts.create(kind=ContextKind.PEER_GROUP, name=f"Group {tag}")
    ids["link"] = services.contexts.link(pid, context_id, why=f"Friends {tag}")
    ids["screening"] = services.screenings.start(
        pid, definition_id="exploitation", definition_version=1
    )
    ids["plan"] = services.plans.create(young_person_id=pid)
    services.plans.save_draft(
        ids["plan"],
        review_date=date.today() + timedelta(days=14),
        actions=[ActionInput(f"Action {tag}", "Owner")],
    )
    ids["note"] = services.notes.add(pid, kind="phone", occurred_at=now, narrative=f"Note {tag}")
    services.notes.finalise(ids["note"])
    ids["addendum"] = services.notes.add_addendum(ids["note"], f"Addendum {tag}")
    ids["episode"] = services.missing.report(pid, started_at=now - timedelta(hours=5))
    services.missing.record_return(ids["episode"], ended_at=now)
    ids["interview"] = services.missing.record_interview(
        ids["episode"], status=InterviewStatus.DECLINED
    )
    ids["meeting"] = services.work.record_meeting(
        kind=MeetingKind.DAILY_TRIAGE, held_at=now, young_person_id=pid
    )
    ids["intervention"] = services.work.add_intervention(pid, provider="YOS", description=tag)
    ids["nrm"] = services.work.refer_nrm(
        pid,
        referred_on=now.date(),
        first_responder="Police",
        exploitation_types=["criminal"],
        summary=tag,
    )
    ids["share"] = services.work.record_share(
        pid, shared_at=now, what=tag, recipient="School", why="Safety", lawful_basis="Public task"
    )
    return ids


def test_case_file_loads_everything_for_one_young_person_and_nothing_else(
    services: Services, fake: Faker
) -> None:
    mine = services.cases.add(given_name=accented(fake), family_name=apostrophed(fake))
    theirs = services.cases.add(given_name=accented(fake), family_name=apostrophed(fake))
    my_ids = fill_case(services, mine, "mine")
    fill_case(services, theirs, "theirs")

    case = services.cases.case_file(mine)
    assert case.young_person.id == mine
    assert [x.id for x in case.context_links] == [my_ids["link"]]
    assert case.context_links[0].context.name == "Group mine"
    assert [x.id for x in case.screenings] == [my_ids["screening"]]
    assert [x.id for x in case.plans] == [my_ids["plan"]]
    assert [a.what for a in case.plans[0].versions[0].actions] == ["Action mine"]
    assert [x.id for x in case.notes] == [my_ids["note"]]
    assert [a.id for a in case.notes[0].addenda] == [my_ids["addendum"]]
    assert [x.id for x in case.episodes] == [my_ids["episode"]]
    assert [x.id for x in case.interviews] == [my_ids["interview"]]
    assert [x.id for x in case.meetings] == [my_ids["meeting"]]
    assert [x.id for x in case.interventions] == [my_ids["intervention"]]
    assert [x.id for x in case.nrm_referrals] == [my_ids["nrm"]]
    assert [x.id for x in case.information_shares] == [my_ids["share"]]


def test_the_caseload_summary_matches_the_full_records(services: Services) -> None:
    from hubdesk.services.demo import seed_demo

    seed_demo(services, cases=8, seed=11)
    for closed in (False, True):
        full = services.cases.caseload(include_closed=closed)
        summary = services.cases.caseload_summary(include_closed=closed)
        assert [s.id for s in summary] == [p.id for p in full]
        for s, p in zip(summary, full, strict=True):
            assert s.display_name == p.display_name
            assert (s.status, s.level, s.next_review_date) == (
                p.status,
                p.level,
                p.next_review_date,
            )
            flags = (p.flag_missing, p.flag_nrm_referral, p.flag_looked_after)
            assert (s.flag_missing, s.flag_nrm_referral, s.flag_looked_after) == flags
