"""WorkService: meetings, interventions, NRM referrals and information shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import InformationShare, Intervention, Meeting, NRMReferral, YoungPerson
from hubdesk.models.enums import MeetingKind
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.services.helpers import stored

NOW = datetime(2025, 4, 3, 10, 0, tzinfo=UTC)
FAKER_SEED = 9009
BASIS = "UK GDPR Art. 6(1)(e) and Art. 9(2)(g); DPA 2018 Sch. 1 para 18"


def test_a_meeting_about_a_young_person(fixed: Services, vault: Vault, pid: str) -> None:
    meeting_id = fixed.work.record_meeting(
        kind="strategy_discussion",
        held_at=NOW - timedelta(hours=1),
        young_person_id=pid,
        chair=" DI Ó Robhartaigh ",
        attendees="Police, social care, school, health",
        discussion="New intelligence about a car collecting her from school.",
        decisions="Refer to NRM; raise to significant.",
        actions=[{"what": "Make NRM referral", "who": "Social worker", "by": "2025-04-04"}],
    )
    meeting = stored(vault, Meeting, meeting_id)
    assert meeting.kind is MeetingKind.STRATEGY_DISCUSSION
    assert (meeting.young_person_id, meeting.context_id) == (pid, None)
    assert meeting.chair == "DI Ó Robhartaigh"
    assert meeting.held_at == NOW - timedelta(hours=1)
    assert meeting.actions[0]["what"] == "Make NRM referral"
    assert [m.id for m in fixed.cases.case_file(pid).meetings] == [meeting_id]


def test_a_context_conference_about_a_place(fixed: Services, vault: Vault) -> None:
    context_id = fixed.contexts.create(kind="place", name="Retail park car park")
    meeting_id = fixed.work.record_meeting(
        kind=MeetingKind.CONTEXT_CONFERENCE, held_at=NOW, context_id=context_id
    )
    meeting = stored(vault, Meeting, meeting_id)
    assert (meeting.young_person_id, meeting.context_id) == (None, context_id)
    assert meeting.kind is MeetingKind.CONTEXT_CONFERENCE


def test_a_meeting_about_an_unknown_context_is_not_found(fixed: Services) -> None:
    with pytest.raises(NotFoundError) as caught:
        fixed.work.record_meeting(
            kind="panel", held_at=NOW, context_id="00000000-0000-4000-8000-00000000000c"
        )
    assert caught.value.message == (
        "There is no context with id 00000000-0000-4000-8000-00000000000c in this vault."
    )


def test_an_intervention(fixed: Services, vault: Vault, pid: str) -> None:
    item_id = fixed.work.add_intervention(
        pid,
        provider=" Barnardo's ",
        description="Weekly one-to-one sessions",
        started_on=date(2025, 3, 1),
    )
    item = stored(vault, Intervention, item_id)
    assert (item.provider, item.started_on) == ("Barnardo's", date(2025, 3, 1))
    assert item.ended_on is None


def test_an_intervention_needs_a_provider(fixed: Services, pid: str) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.work.add_intervention(pid, provider="", description="Mentoring")
    assert caught.value.message == "Write who provides the work; it cannot be left empty."
    assert fixed.cases.case_file(pid).interventions == []


def test_an_nrm_referral_sets_the_flag(fixed: Services, vault: Vault, pid: str) -> None:
    referral_id = fixed.work.refer_nrm(
        pid,
        referred_on=date(2025, 4, 3),
        first_responder=" Birmingham Children's Trust ",
        exploitation_types=["criminal", "county_lines"],
        summary="Found holding drugs in Shrewsbury, 50 miles from home.",
    )
    with vault.read() as session:
        referral = session.get(NRMReferral, referral_id)
        young = session.get(YoungPerson, pid)
    assert referral is not None
    assert referral.first_responder == "Birmingham Children's Trust"
    assert referral.exploitation_types == ["criminal", "county_lines"]
    assert referral.reasonable_grounds_outcome is None
    assert young.flag_nrm_referral is True


def test_an_nrm_referral_in_the_future_is_refused(fixed: Services, vault: Vault, pid: str) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.work.refer_nrm(
            pid,
            referred_on=date(2025, 4, 4),
            first_responder="Police",
            exploitation_types=[],
            summary="",
        )
    assert caught.value.message == "The referral date is in the future; check it."
    with vault.read() as session:
        assert session.get(YoungPerson, pid).flag_nrm_referral is False


def test_an_nrm_referral_needs_a_first_responder(fixed: Services, vault: Vault, pid: str) -> None:
    with pytest.raises(DomainError) as caught:
        fixed.work.refer_nrm(
            pid,
            referred_on=date(2025, 4, 1),
            first_responder=" ",
            exploitation_types=[],
            summary="",
        )
    assert caught.value.message == (
        "Write the first responder organisation; it cannot be left empty."
    )
    with vault.read() as session:
        assert session.get(YoungPerson, pid).flag_nrm_referral is False


def test_an_information_share_keeps_what_whom_why_and_basis(
    fixed: Services, vault: Vault, pid: str
) -> None:
    share_id = fixed.work.record_share(
        pid,
        shared_at=NOW - timedelta(minutes=30),
        what=" Safety plan v2 and screening outcome ",
        recipient="Designated safeguarding lead, Moor Lane Academy",
        why="So school staff know who collects her",
        lawful_basis=BASIS,
    )
    share = stored(vault, InformationShare, share_id)
    assert share.what == "Safety plan v2 and screening outcome"
    assert share.recipient == "Designated safeguarding lead, Moor Lane Academy"
    assert share.why == "So school staff know who collects her"
    assert share.lawful_basis == BASIS
    assert share.shared_at == NOW - timedelta(minutes=30)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("what", "Write what was shared; it cannot be left empty."),
        ("recipient", "Write who it was shared with; it cannot be left empty."),
        ("why", "Write why it was shared; it cannot be left empty."),
        ("lawful_basis", "Write the lawful basis for sharing; it cannot be left empty."),
    ],
)
def test_an_information_share_needs_every_part(
    fixed: Services, pid: str, field: str, message: str
) -> None:
    parts = {"what": "Plan", "recipient": "School", "why": "Safety", "lawful_basis": BASIS}
    parts[field] = "  "
    with pytest.raises(DomainError) as caught:
        fixed.work.record_share(pid, shared_at=NOW, **parts)
    assert caught.value.message == message
    assert fixed.cases.case_file(pid).information_shares == []
